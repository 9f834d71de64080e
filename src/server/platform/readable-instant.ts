import { sql, type RawBuilder } from 'kysely';
import type { Dialect } from '../db/database.ts';

/** "13 December 2026 at 14:00 UTC": a moment in words for messages people read (mails, errors). */
export function readableInstant(iso: string): string {
  return `${new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(iso))} UTC`;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * "6 January 2027" ("6 Jan 2027" short, for tables): a calendar day (YYYY-MM-DD, or the day of a
 * UTC timestamp) in words; anything else is returned as it is.
 */
export function readableDay(day: string, style: 'long' | 'short' = 'long'): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T|$)/.exec(day);
  const month = m ? MONTHS[Number(m[2]) - 1] : undefined;
  if (!m || !month) return day;
  return `${Number(m[3])} ${style === 'short' ? month.slice(0, 3) : month} ${m[1]}`;
}

/** "3 Feb 2020, 14:05 UTC": a UTC timestamp in the short words of tables (PDF reports); null reads "—". */
export function readableStamp(iso: string | null): string {
  return iso ? `${readableDay(iso.slice(0, 10), 'short')}, ${iso.slice(11, 16)} UTC` : '—';
}

/** readableDay in SQL, for text built by a statement (notifications written set-based); NULL stays NULL. */
export function readableDaySql(dialect: Dialect, day: RawBuilder<unknown>): RawBuilder<string | null> {
  if (dialect === 'postgres') return sql<string | null>`to_char(cast(${day} as date), 'FMDD FMMonth YYYY')`;
  const month = sql.join(
    MONTHS.map((name, i) => sql`when ${String(i + 1).padStart(2, '0')} then ${name}`),
    sql` `,
  );
  return sql<string | null>`(cast(substr(${day}, 9, 2) as integer) || ' ' || (case substr(${day}, 6, 2) ${month} end) || ' ' || substr(${day}, 1, 4))`;
}
