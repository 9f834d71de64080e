/** Live classes in the portal: the viewer's zone and when a class can be joined. */
import type { z } from 'zod';
import type { BatchMemberRowSchema, LiveClass, MyBatch } from '../../contract/batches.ts';

export type { LiveClass, MyBatch };
export type BatchMemberRow = z.infer<typeof BatchMemberRowSchema>;

/** The join button opens this long before the start. */
export const JOIN_EARLY_MS = 10 * 60_000;

export function viewerZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Whether the class can be joined at `now`: from 10 minutes before its start until its end. */
export function joinOpen(c: Pick<LiveClass, 'startsAt' | 'endsAt'>, now: number): boolean {
  return now >= Date.parse(c.startsAt) - JOIN_EARLY_MS && now < Date.parse(c.endsAt);
}
