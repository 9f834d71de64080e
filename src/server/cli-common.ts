/** What every `smooth` command shares: how it stops with a message, and sizes in words. */

/** Writes `smooth: message` to stderr and exits with `code` (2: wrong usage; 1: the command failed). */
export function fail(message: string, code = 1): never {
  process.stderr.write(`smooth: ${message}\n`);
  process.exit(code);
}

/** A file's size as people read it: "840 bytes", "12 kB", "3.4 MB". */
export function sizeInWords(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Rows as aligned columns under a header and a rule (two spaces between columns). */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => [...(r[c] ?? '')].length)));
  const line = (r: string[]) => `  ${r.map((cell, c) => cell + ' '.repeat(widths[c]! - [...cell].length)).join('  ')}`.trimEnd();
  return [line(rows[0]!), `  ${widths.map((w) => '-'.repeat(w)).join('  ')}`, ...rows.slice(1).map(line)].join('\n');
}
