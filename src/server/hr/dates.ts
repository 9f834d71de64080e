/** Calendar arithmetic on YYYY-MM-DD strings (UTC, no time zones involved). */

function parse(date: string): Date {
  return new Date(`${date}T00:00:00.000Z`);
}

function format(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export { addDays } from '../db/dialect.ts';

/** Adds calendar months; the day is clamped to the month's last day (2026-01-31 + 1 month = 2026-02-28). */
export function addMonths(date: string, months: number): string {
  const d = parse(date);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return format(d);
}
