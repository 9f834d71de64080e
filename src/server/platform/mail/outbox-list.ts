import type { AppContext } from '../../context.ts';
import type { OutboxRow } from '../../db/schema-notify.ts';
import type { OutboxItem, OutboxMessage } from '../../../contract/notifications.ts';
import { errors } from '../../http/errors.ts';
import { markdownToPlainText } from '../markdown.ts';
import { htmlPartToRead, smtpUrlOf } from './sender.ts';

type Row = OutboxRow & { to_name: string | null };

function outboxQuery(ctx: AppContext) {
  return ctx.db
    .selectFrom('mail_outbox as m')
    .leftJoin('users as u', 'u.id', 'm.user_id')
    .selectAll('m')
    .select('u.full_name as to_name');
}

function present(r: Row): OutboxItem {
  return {
    id: r.id,
    to: r.to_address,
    toName: r.to_name,
    subject: r.subject,
    event: r.event,
    status: r.status === 'sending' ? 'pending' : r.status,
    attempts: r.attempts,
    sentAt: r.sent_at,
    nextAttemptAt: r.status === 'pending' ? r.next_attempt_at : null,
    lastError: r.last_error,
    createdAt: r.created_at,
  };
}

/** The outbox for System Managers, newest first (keyset on id), with whether SMTP is configured. */
export async function listOutbox(ctx: AppContext, f: { status?: 'pending' | 'sent' | 'failed' | undefined; limit: number; cursor?: string | undefined }) {
  let q = outboxQuery(ctx);
  if (f.status === 'pending') q = q.where('m.status', 'in', ['pending', 'sending']);
  else if (f.status) q = q.where('m.status', '=', f.status);
  if (f.cursor) q = q.where('m.id', '<', f.cursor);
  const rows = await q.orderBy('m.id', 'desc').limit(f.limit + 1).execute();
  const items = rows.slice(0, f.limit).map(present);
  return {
    items,
    nextCursor: rows.length > f.limit ? (items[items.length - 1]?.id ?? null) : null,
    smtpConfigured: (await smtpUrlOf(ctx)) !== null,
  };
}

/**
 * A set-password link (an invitation, a reset) is the recipient's alone: whoever reads the outbox
 * sees that there was one, not the token that would let them choose the password.
 */
export const HIDDEN_TOKEN = 'hidden-only-the-recipient-has-it';
function withoutPasswordTokens(markdown: string): string {
  return markdown.replace(/(set-password\?token=)[A-Za-z0-9_-]+/g, `$1${HIDDEN_TOKEN}`);
}

/** One message with the parts the sender puts in it (plain text, HTML under the organisation's name and logo), password links hidden. */
export async function getOutboxMessage(ctx: AppContext, id: string): Promise<OutboxMessage> {
  const row = await outboxQuery(ctx).where('m.id', '=', id).executeTakeFirst();
  if (!row) throw errors.notFound('The message');
  const markdown = withoutPasswordTokens(row.body_markdown);
  return { ...present(row), text: markdownToPlainText(markdown), html: await htmlPartToRead(ctx, row.subject, markdown) };
}
