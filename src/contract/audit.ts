/** The fields an audit entry changed, with their values before and after (shared by the desk and the CSV export). */
export function changesOf(e: { before: unknown; after: unknown }): { field: string; from: unknown; to: unknown }[] {
  const b = (e.before && typeof e.before === 'object' ? e.before : {}) as Record<string, unknown>;
  const a = (e.after && typeof e.after === 'object' ? e.after : {}) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  return keys
    .filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k]))
    .map((k) => ({ field: k, from: k in b ? b[k] : undefined, to: k in a ? a[k] : undefined }));
}
