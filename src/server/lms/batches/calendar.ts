/**
 * RFC 5545 calendars of live classes, written by the standard's rules: CRLF line ends, lines
 * folded at 75 octets, TEXT values escaped, times in UTC (unambiguous across daylight-saving
 * changes; calendar apps show them in the viewer's zone). Each class keeps its UID across edits and
 * raises SEQUENCE on each one, so subscribed calendars update the event instead of adding another.
 */

export interface CalendarEvent {
  id: string;
  title: string;
  description: string;
  startsAt: string;
  durationMinutes: number;
  joinUrl: string;
  sequence: number;
  updatedAt: string;
  batchTitle: string;
  timezone: string;
}

/** The UID of a live class's event: the same for the life of the class. */
export function eventUid(liveClassId: string): string {
  return `live-class-${liveClassId}@smooth-lms`;
}

/** 2026-03-29T01:30:00.000Z -> 20260329T013000Z */
export function icsUtc(iso: string): string {
  return new Date(iso).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

/** Escapes a TEXT value (RFC 5545 §3.3.11). */
export function icsText(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r\n|\r|\n/g, '\\n');
}

/** Folds a content line at 75 octets (continuation lines start with a space), never inside a UTF-8 character. */
export function foldLine(line: string): string {
  const out: string[] = [];
  let current = '';
  let octets = 0;
  for (const ch of line) {
    const size = Buffer.byteLength(ch, 'utf8');
    const limit = out.length === 0 ? 75 : 74;
    if (octets + size > limit) {
      out.push(current);
      current = '';
      octets = 0;
    }
    current += ch;
    octets += size;
  }
  out.push(current);
  return out.join('\r\n ');
}

export function renderCalendar(name: string, timezone: string | null, events: readonly CalendarEvent[], stamp = new Date().toISOString()): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Smooth LMS//Live classes//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    `X-WR-CALNAME:${icsText(name)}`,
    ...(timezone ? [`X-WR-TIMEZONE:${icsText(timezone)}`] : []),
  ];
  for (const e of events) {
    const end = new Date(Date.parse(e.startsAt) + e.durationMinutes * 60_000).toISOString();
    const description = [e.description, `Batch: ${e.batchTitle} (times of the batch: ${e.timezone})`, `Join: ${e.joinUrl}`].filter((s) => s).join('\n\n');
    lines.push(
      'BEGIN:VEVENT',
      `UID:${eventUid(e.id)}`,
      `DTSTAMP:${icsUtc(stamp)}`,
      `LAST-MODIFIED:${icsUtc(e.updatedAt)}`,
      `SEQUENCE:${e.sequence}`,
      `DTSTART:${icsUtc(e.startsAt)}`,
      `DTEND:${icsUtc(end)}`,
      `SUMMARY:${icsText(e.title)}`,
      `DESCRIPTION:${icsText(description)}`,
      `LOCATION:${icsText(e.joinUrl)}`,
      `URL:${e.joinUrl.replace(/[\r\n]/g, '')}`,
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return lines.map(foldLine).join('\r\n') + '\r\n';
}
