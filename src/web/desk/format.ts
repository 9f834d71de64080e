/** Values in words for the desk. */

/** A timestamp to the second in words ("6 Dec 2026, 22:34:51"), for records where the order of events matters. */
export function readableMoment(v: unknown): string {
  const d = typeof v === 'string' ? new Date(v) : null;
  if (!d || Number.isNaN(d.getTime())) return readableValue(v);
  return d.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium' });
}

/** Days from today (UTC) to an ISO date: negative when it has passed. */
export function daysUntil(date: string, now = new Date()): number {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Math.round((Date.parse(`${date.slice(0, 10)}T00:00:00Z`) - today) / 86_400_000);
}

/** The day of a timestamp or date in words ("6 Dec 2026"); nothing for no value. */
export function readableDay(v: unknown): string {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(v)) return '';
  return readableValue(v.slice(0, 10));
}

/** A timestamp or date in words a reader expects ("6 Dec 2026, 07:59"); other values as they are. */
export function readableValue(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'boolean') return v ? 'Yes' : 'No';
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(v)) {
    const d = new Date(v);
    if (!Number.isNaN(d.getTime())) return d.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
  }
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)) {
    const d = new Date(`${v}T00:00:00Z`);
    if (!Number.isNaN(d.getTime())) return d.toLocaleDateString('en-GB', { dateStyle: 'medium', timeZone: 'UTC' });
  }
  if (typeof v === 'number') return v.toLocaleString('en');
  return typeof v === 'string' ? v.replace(/_/g, ' ') : JSON.stringify(v);
}
