/**
 * Evaluation slots: an evaluator's weekly availability is kept as weekday + local times in their
 * time zone; a slot is one `slotMinutes` step from a window's start, and its instants are worked
 * out with Intl for that zone on that date (daylight saving included).
 */
import { addDays } from '../../db/dialect.ts';

export { addDays };

export interface Window {
  weekday: number;
  start: string;
  end: string;
}

const MINUTE = 60_000;

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

export function hhmm(total: number): string {
  return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
}

/** ISO weekday (1 = Monday ... 7 = Sunday) of a calendar date. */
export function isoWeekday(date: string): number {
  const d = new Date(`${date}T00:00:00Z`).getUTCDay();
  return d === 0 ? 7 : d;
}

/** The zone's offset from UTC (ms) at an instant. */
function offsetAt(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The UTC instant of a local date and time in a zone. */
export function zonedInstant(date: string, time: string, timeZone: string): Date {
  const [y, mo, d] = date.split('-').map(Number);
  const local = Date.UTC(y!, mo! - 1, d, 0, minutes(time));
  let at = local - offsetAt(local, timeZone);
  // Across a daylight-saving change the offset at the result can differ from the first guess.
  const again = local - offsetAt(at, timeZone);
  if (again !== at) at = again;
  return new Date(at);
}

/** The slot starts (local HH:MM) the windows of that date offer. */
export function slotStarts(windows: readonly Window[], date: string, slotMinutes: number): string[] {
  const wd = isoWeekday(date);
  const out = new Set<string>();
  for (const w of windows) {
    if (w.weekday !== wd) continue;
    for (let t = minutes(w.start); t + slotMinutes <= minutes(w.end); t += slotMinutes) out.add(hhmm(t));
  }
  return [...out].sort();
}


export function slotEnd(start: Date, slotMinutes: number): Date {
  return new Date(start.getTime() + slotMinutes * MINUTE);
}
