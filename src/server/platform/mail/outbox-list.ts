import type { AppContext } from '../../context.ts';
import type { OutboxItem } from '../../../contract/notifications.ts';
import { smtpUrlOf } from './sender.ts';

/** The outbox for System Managers, newest first (keyset on id), with whether SMTP is configured. */
export async function listOutbox(ctx: AppContext, f: { status?: 'pending' | 'sent' | 'failed' | undefined; limit: number; cursor?: string | undefined }) {
  let q = ctx.db.selectFrom('mail_outbox').selectAll();
  if (f.status === 'pending') q = q.where('status', 'in', ['pending', 'sending']);
  else if (f.status) q = q.where('status', '=', f.status);
  if (f.cursor) q = q.where('id', '<', f.cursor);
  const rows = await q.orderBy('id', 'desc').limit(f.limit + 1).execute();
  const items: OutboxItem[] = rows.slice(0, f.limit).map((r) => ({
    id: r.id,
    to: r.to_address,
    subject: r.subject,
    event: r.event,
    status: r.status === 'sending' ? 'pending' : r.status,
    attempts: r.attempts,
    sentAt: r.sent_at,
    nextAttemptAt: r.status === 'pending' ? r.next_attempt_at : null,
    lastError: r.last_error,
    createdAt: r.created_at,
  }));
  return {
    items,
    nextCursor: rows.length > f.limit ? (items[items.length - 1]?.id ?? null) : null,
    smtpConfigured: (await smtpUrlOf(ctx)) !== null,
  };
}
