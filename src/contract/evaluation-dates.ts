/**
 * The dates an evaluator is away are written YYYY-MM-DD. What is wrong with one that is not, in
 * words that name it and show the form expected ("24/12/2026 is not a date written as YYYY-MM-DD,
 * e.g. 2026-12-24"): the same sentence from the server's schema and the availability form.
 */

const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A day of the calendar as YYYY-MM-DD (2026-02-30 is not one). */
function isCalendarDay(y: number, m: number, d: number): boolean {
  const at = new Date(0);
  at.setUTCFullYear(y, m - 1, d);
  return at.getUTCFullYear() === y && at.getUTCMonth() === m - 1 && at.getUTCDate() === d;
}

function iso(y: number, m: number, d: number): string | null {
  return isCalendarDay(y, m, d) ? `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}` : null;
}

/** The date `text` most likely means, as YYYY-MM-DD: 24/12/2026, 24.12.2026, 12/24/2026, 2026/12/24, 2026-1-5. */
function guess(text: string): string | null {
  const ymd = /^(\d{4})[-./](\d{1,2})[-./](\d{1,2})$/.exec(text);
  if (ymd) return iso(Number(ymd[1]), Number(ymd[2]), Number(ymd[3]));
  const dmy = /^(\d{1,2})[-./](\d{1,2})[-./](\d{4})$/.exec(text);
  if (!dmy) return null;
  const [a, b, y] = [Number(dmy[1]), Number(dmy[2]), Number(dmy[3])];
  // Day first unless that cannot be (12/24/2026).
  return iso(y, b, a) ?? iso(y, a, b);
}

/** Null for a date written as YYYY-MM-DD that is a day of the calendar; otherwise what is wrong with it. */
export function isoDateProblem(value: unknown): string | null {
  if (typeof value !== 'string') return 'Write the date as YYYY-MM-DD, e.g. 2026-12-24';
  const text = value.trim();
  const m = ISO.exec(text);
  if (m && isCalendarDay(Number(m[1]), Number(m[2]), Number(m[3]))) return null;
  if (m) return `${text} is not a day of the calendar (dates are written as YYYY-MM-DD, e.g. 2026-12-24)`;
  const example = guess(text) ?? '2026-12-24';
  return `${text || 'An empty value'} is not a date written as YYYY-MM-DD, e.g. ${example}`;
}
