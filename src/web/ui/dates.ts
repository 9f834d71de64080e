/**
 * Dates and times in words, the same in the portal and the desk: "6 Dec 2026", "6 Dec 2026, 07:59",
 * "6 Dec 2026, 22:34:51". Timestamps read in the viewer's time zone unless one is given; a date
 * without a time (YYYY-MM-DD) reads as that day in every zone.
 */

export interface DateWordsOptions {
  /** An IANA zone to read a timestamp in (default: the viewer's). */
  timeZone?: string;
  /** Name the day of the week too ("Mon 30 Mar 2026, 18:00"), for appointments. */
  weekday?: boolean;
}

const DAY: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short', year: 'numeric' };
const MINUTE: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit' };
const SECOND: Intl.DateTimeFormatOptions = { ...MINUTE, second: '2-digit' };
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** One formatter per set of options: a list renders the same few formats for every row. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = JSON.stringify(options);
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', options);
    formatters.set(key, f);
  }
  return f;
}

/** `v` in words with the given parts; a date without a time shows no time of day. */
function inWords(v: unknown, parts: Intl.DateTimeFormatOptions, opts: DateWordsOptions, withTime?: Intl.DateTimeFormatOptions): string {
  if (typeof v !== 'string' || v === '') return '—';
  const dateOnly = DATE_ONLY.test(v);
  const d = new Date(dateOnly ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(d.getTime())) return v;
  // Midnight UTC of a date-only value would be the day before in zones west of UTC.
  const timeZone = dateOnly ? 'UTC' : opts.timeZone;
  return formatter({
    ...parts,
    ...(withTime && !dateOnly ? withTime : {}),
    ...(opts.weekday ? { weekday: 'short' } : {}),
    ...(timeZone ? { timeZone } : {}),
  }).format(d);
}

/** The day of a date or timestamp ("6 Dec 2026"); "—" for no value, a string that is not a date as it is. */
export function readableDay(v: unknown, opts: DateWordsOptions = {}): string {
  return inWords(v, DAY, opts);
}

/** The day and month alone ("6 Dec"), where the year is plain from the context (a chart's axis). */
export function readableDayMonth(v: unknown): string {
  return inWords(v, { day: 'numeric', month: 'short' }, {});
}

/** A timestamp to the minute ("6 Dec 2026, 07:59"); a date without a time reads as its day. */
export function readableDateTime(v: unknown, opts: DateWordsOptions = {}): string {
  return inWords(v, DAY, opts, MINUTE);
}

/** A timestamp to the second ("6 Dec 2026, 22:34:51"), for records where the order of events matters. */
export function readableMoment(v: unknown, opts: DateWordsOptions = {}): string {
  return inWords(v, DAY, opts, SECOND);
}

/** The time of day of a timestamp ("07:59"). */
export function readableTime(v: unknown, opts: DateWordsOptions = {}): string {
  return inWords(v, MINUTE, { timeZone: opts.timeZone });
}

/** Days from today (UTC) to an ISO date: negative when it has passed. */
export function daysUntil(date: string, now = new Date()): number {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Math.round((Date.parse(`${date.slice(0, 10)}T00:00:00Z`) - today) / 86_400_000);
}

/** The viewer's calendar day as YYYY-MM-DD (what a date input holds, what due dates compare with). */
export function todayIso(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}
