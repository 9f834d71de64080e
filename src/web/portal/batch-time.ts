/** How the portal shows live-class times: in the viewer's own zone, with the batch's zone named. */
import type { z } from 'zod';
import type { BatchMemberRowSchema, LiveClass, MyBatch } from '../../contract/batches.ts';

export type { LiveClass, MyBatch };
export type BatchMemberRow = z.infer<typeof BatchMemberRowSchema>;

/** The join button opens this long before the start. */
export const JOIN_EARLY_MS = 10 * 60_000;

export function viewerZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** "Mon 30 Mar 2026, 18:00" in the given zone (default: the viewer's). */
export function formatWhen(iso: string, timeZone?: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    ...(timeZone ? { timeZone } : {}),
  }).format(new Date(iso));
}

export function formatTime(iso: string, timeZone?: string): string {
  return new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', ...(timeZone ? { timeZone } : {}) }).format(new Date(iso));
}

export function formatDate(date: string): string {
  return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`));
}

/** Whether the class can be joined at `now`: from 10 minutes before its start until its end. */
export function joinOpen(c: Pick<LiveClass, 'startsAt' | 'endsAt'>, now: number): boolean {
  return now >= Date.parse(c.startsAt) - JOIN_EARLY_MS && now < Date.parse(c.endsAt);
}
