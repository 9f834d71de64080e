/**
 * The mail outbox: every message is a row first. A worker claims due rows, sends them over SMTP
 * and records the answer. Delivery is at most once per claim: on PostgreSQL the claim locks its
 * rows (FOR UPDATE SKIP LOCKED), so several server processes never take the same row; on SQLite
 * the single writer makes the claiming UPDATE ... RETURNING atomic on its own.
 *
 * A process that stops between handing a message to the SMTP server and recording it leaves the
 * row in 'sending' with a lease; when the lease runs out the row is claimed and sent again. That
 * is the one case where a message can arrive twice — SMTP has no way to ask the server whether it
 * already took the message — and it happens at most once more per crash. The message keeps one
 * Message-ID across attempts so receiving systems can drop the copy.
 */
import { sql } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import { nowIso } from '../../db/dialect.ts';
import type { OutboxRow } from '../../db/schema-notify.ts';

/** A claimed row is the claimer's for this long (longer than any SMTP timeout of the sender). */
export const LEASE_MS = 5 * 60_000;
/** Tries before a message that keeps failing temporarily is given up. */
export const MAX_ATTEMPTS = 8;
/** Rows one claim takes. */
export const CLAIM_BATCH = 50;

/** Wait before the next try after `attempts` tries: 1 min, 2, 4, ... capped at 6 hours. */
export function backoffMs(attempts: number): number {
  return Math.min(6 * 3600_000, 60_000 * 2 ** Math.max(0, attempts - 1));
}

/**
 * Claims up to `limit` rows that are due (pending and past next_attempt_at) or whose sender's
 * lease ran out, marking them 'sending' with a new lease and one more attempt.
 */
export async function claimDue(ctx: AppContext, limit = CLAIM_BATCH, now = new Date()): Promise<OutboxRow[]> {
  const at = now.toISOString();
  const lease = new Date(now.getTime() + LEASE_MS).toISOString();
  const lock = ctx.dialect === 'postgres' ? sql`for update skip locked` : sql``;
  const r = await sql<OutboxRow>`
    update mail_outbox
       set status = 'sending', lease_until = ${lease}, attempts = attempts + 1, updated_at = ${at}
     where id in (
       select id from mail_outbox
        where (status = 'pending' and next_attempt_at <= ${at})
           or (status = 'sending' and lease_until < ${at})
        order by next_attempt_at, id
        limit ${limit}
        ${lock})
    returning *`.execute(ctx.db);
  return r.rows;
}

/** Records a delivery, unless the lease was lost to another claimer meanwhile. */
export async function markSent(db: Executor, row: OutboxRow, messageId: string | null): Promise<void> {
  const now = nowIso();
  await db
    .updateTable('mail_outbox')
    .set({ status: 'sent', sent_at: now, message_id: messageId, lease_until: null, last_error: null, updated_at: now })
    .where('id', '=', row.id)
    .where('status', '=', 'sending')
    .where('lease_until', '=', row.lease_until)
    .execute();
}

/**
 * Records a refusal. A permanent one (SMTP 5xx) or the last allowed try ends the row as failed
 * with the server's answer kept; otherwise it waits for its next try.
 */
export async function markAttemptFailed(db: Executor, row: OutboxRow, error: string, permanent: boolean, now = new Date()): Promise<'failed' | 'pending'> {
  const status = permanent || row.attempts >= MAX_ATTEMPTS ? 'failed' : 'pending';
  await db
    .updateTable('mail_outbox')
    .set({
      status,
      lease_until: null,
      last_error: error.slice(0, 2000),
      next_attempt_at: new Date(now.getTime() + backoffMs(row.attempts)).toISOString(),
      updated_at: now.toISOString(),
    })
    .where('id', '=', row.id)
    .where('status', '=', 'sending')
    .where('lease_until', '=', row.lease_until)
    .execute();
  return status;
}
