import type { Actor, AppContext } from '../context.ts';
import { nowIso } from '../db/dialect.ts';
import { errors } from '../http/errors.ts';

/** The caller's in-app notifications, newest first (keyset on id). */
export async function myNotifications(ctx: AppContext, actor: Actor, f: { limit: number; cursor?: string | undefined; unread?: boolean | undefined }) {
  if (!actor.id) throw errors.unauthenticated();
  let q = ctx.db.selectFrom('notifications').selectAll().where('user_id', '=', actor.id);
  if (f.unread) q = q.where('read_at', 'is', null);
  if (f.cursor) q = q.where('id', '<', f.cursor);
  const rows = await q.orderBy('id', 'desc').limit(f.limit + 1).execute();
  const items = rows.slice(0, f.limit).map((r) => ({
    id: r.id,
    kind: r.kind,
    title: r.title,
    body: r.body,
    link: r.link,
    createdAt: r.created_at,
    readAt: r.read_at,
  }));
  return { items, nextCursor: rows.length > f.limit ? (items[items.length - 1]?.id ?? null) : null };
}

export async function markNotificationRead(ctx: AppContext, actor: Actor, id: string): Promise<void> {
  const res = await ctx.db
    .updateTable('notifications')
    .set({ read_at: nowIso() })
    .where('id', '=', id)
    .where('user_id', '=', actor.id ?? '')
    .where('read_at', 'is', null)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) === 0) {
    const own = await ctx.db.selectFrom('notifications').select('id').where('id', '=', id).where('user_id', '=', actor.id ?? '').executeTakeFirst();
    if (!own) throw errors.notFound('The notification');
  }
}

/**
 * Marks the caller's unread notifications read, those up to `upTo` (a notification id: the newest
 * the reader saw) when given, so one that arrives while they read stays new. Answers how many.
 */
export async function markAllNotificationsRead(ctx: AppContext, actor: Actor, upTo: string | undefined): Promise<number> {
  let q = ctx.db
    .updateTable('notifications')
    .set({ read_at: nowIso() })
    .where('user_id', '=', actor.id ?? '')
    .where('read_at', 'is', null);
  if (upTo) q = q.where('id', '<=', upTo);
  const res = await q.executeTakeFirst();
  return Number(res.numUpdatedRows);
}
