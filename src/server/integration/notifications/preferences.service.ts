import type { Actor, AppContext } from '../../context.ts';
import { nowIso } from '../../db/dialect.ts';
import { errors } from '../../http/errors.ts';
import { recordAudit } from '../../platform/audit.service.ts';
import type { NotificationPreferences } from '../../../contract/notifications.ts';

/** Without a stored choice: every notification by mail as it happens. */
export const DEFAULT_PREFERENCES: NotificationPreferences = { email: true, digest: 'off' };

export async function myPreferences(ctx: AppContext, actor: Actor): Promise<NotificationPreferences> {
  if (!actor.id) throw errors.unauthenticated();
  const row = await ctx.db.selectFrom('notification_preferences').selectAll().where('user_id', '=', actor.id).executeTakeFirst();
  return row ? { email: row.email === 1, digest: row.digest } : DEFAULT_PREFERENCES;
}

export async function updateMyPreferences(
  ctx: AppContext,
  actor: Actor,
  patch: Partial<NotificationPreferences>,
): Promise<NotificationPreferences> {
  const userId = actor.id;
  if (!userId) throw errors.unauthenticated();
  return ctx.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('notification_preferences').selectAll().where('user_id', '=', userId).executeTakeFirst();
    const before = row ? { email: row.email === 1, digest: row.digest } : DEFAULT_PREFERENCES;
    const after: NotificationPreferences = { email: patch.email ?? before.email, digest: patch.digest ?? before.digest };
    const now = nowIso();
    const values = { email: after.email ? 1 : 0, digest: after.digest, updated_at: now };
    await trx
      .insertInto('notification_preferences')
      .values({ user_id: userId, ...values })
      .onConflict((oc) => oc.column('user_id').doUpdateSet(values))
      .execute();
    await recordAudit(trx, { actorId: userId, action: 'update', entity: 'notification_preferences', entityId: userId, before, after });
    return after;
  });
}

export async function unreadCount(ctx: AppContext, actor: Actor): Promise<{ count: number }> {
  if (!actor.id) throw errors.unauthenticated();
  const r = await ctx.db
    .selectFrom('notifications')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', actor.id)
    .where('read_at', 'is', null)
    .executeTakeFirstOrThrow();
  return { count: Number(r.n) };
}
