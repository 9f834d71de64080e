/**
 * Fan-out of an event to people, set-based: one INSERT ... SELECT writes the in-app notifications
 * (one per user and dedupe key: the unique index makes a repeated event a no-op), a second writes
 * the outbox messages of those notifications for users who want mail now (not off, not a digest).
 */
import { sql, type RawBuilder } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import type { NotificationEvent } from '../../../contract/notifications.ts';
import { newIdBlockPrefix } from '../../db/ids.ts';
import { getSettings } from '../../platform/settings.service.ts';
import { TEMPLATE_DEFAULTS, templateOf, templateSql } from './templates.ts';

/**
 * A new id per row inside SQL, 26 characters like every id: a block prefix taken once per
 * statement (millisecond time and random bits) and the row's number in the statement as 8 hex
 * digits (hex is part of the id alphabet). Rows of one statement get ascending ids, so a bulk
 * insert appends to the primary key's index instead of scattering over it (a reminders run on
 * PostgreSQL spent a quarter of its time on that), and ids still sort by creation time.
 */
export function sqlNewId(ctx: Pick<AppContext, 'dialect'>): RawBuilder<string> {
  const prefix = newIdBlockPrefix();
  return ctx.dialect === 'postgres'
    ? sql<string>`(cast(${prefix} as text) || lpad(to_hex(row_number() over ()), 8, '0'))`
    : sql<string>`(${prefix} || printf('%08x', row_number() over ()))`;
}

export interface FanOutSource {
  /**
   * A SELECT with the columns user_id, dedupe_key, link (a path under the site, or null) and one
   * column per placeholder of the event's template (quoted camelCase aliases), e.g.
   * `select e.member_id as user_id, ... , c.title as "courseTitle"`.
   */
  select: RawBuilder<unknown>;
}

/**
 * Writes the event's notifications for every source row and queues their mail. Returns how many
 * notifications were written (a row whose dedupe key the user already has is skipped).
 */
export async function fanOut(
  ctx: AppContext,
  db: Executor,
  event: NotificationEvent,
  source: FanOutSource,
  now = new Date().toISOString(),
): Promise<number> {
  const settings = await getSettings(db);
  const template = await templateOf(db, event);
  const known = TEMPLATE_DEFAULTS[event].placeholders;
  const base = ctx.config.publicUrl ?? '';
  const fixed = { organisationName: settings.organisationName };
  // Placeholders read the source row; {{link}} reads its absolute form (abs_link).
  const title = templateSql(ctx.dialect, template.subject, known, fixed);
  const body = templateSql(ctx.dialect, template.body, known, fixed);
  const insertNotes = sql`
    insert into notifications (id, user_id, kind, title, body, link, dedupe_key, created_at)
    select ${sqlNewId(ctx)}, s.user_id, ${event}, ${title}, ${body}, s.link, s.dedupe_key, ${now}
      from (select src.*, case when src.link is null then '' else cast(${base} as text) || src.link end as abs_link
              from (${source.select}) src) s
     where s.user_id is not null
    on conflict (user_id, dedupe_key) do nothing`;
  if (ctx.dialect === 'postgres') {
    // One statement: the new notifications feed their messages straight from RETURNING.
    const r = await sql<{ n: string | number }>`
      with ins as (${insertNotes} returning id, user_id, kind, title, body),
           mail as (
             insert into mail_outbox (id, to_address, user_id, notification_id, event, subject, body_markdown, status, attempts, next_attempt_at, created_at, updated_at)
             select ${sqlNewId(ctx)}, u.email, ins.user_id, ins.id, ins.kind, ins.title, ins.body, 'pending', 0, ${now}, ${now}, ${now}
               from ins
               join users u on u.id = ins.user_id
               left join notification_preferences p on p.user_id = ins.user_id
              where u.enabled = 1 and coalesce(p.email, 1) = 1 and coalesce(p.digest, 'off') = 'off'
             returning 1)
      select (select count(*) from ins) as n`.execute(db);
    return Number(r.rows[0]?.n ?? 0);
  }
  const inserted = await insertNotes.execute(db);
  const n = Number(inserted.numAffectedRows ?? 0);
  if (n > 0) await queueMail(ctx, db, event, now);
  return n;
}

/** Outbox rows for the notifications of `event` written at `now`, for users who want each mail now. */
async function queueMail(ctx: AppContext, db: Executor, event: NotificationEvent, now: string): Promise<void> {
  await insertMail(ctx, db, sql`n.created_at = ${now} and n.kind = ${event}`);
}

/**
 * Mail for notifications other code writes in-app (e.g. the compliance expiry job): every
 * notification of these kinds written since `since` that has no message yet. Idempotent.
 */
export async function mailNotificationsSince(ctx: AppContext, kinds: readonly string[], since: string): Promise<number> {
  if (kinds.length === 0) return 0;
  return insertMail(ctx, ctx.db, sql`n.created_at >= ${since} and n.kind in (${sql.join(kinds)})`);
}

async function insertMail(ctx: AppContext, db: Executor, which: RawBuilder<unknown>): Promise<number> {
  const now = new Date().toISOString();
  const r = await sql`
    insert into mail_outbox (id, to_address, user_id, notification_id, event, subject, body_markdown, status, attempts, next_attempt_at, created_at, updated_at)
    select ${sqlNewId(ctx)}, u.email, n.user_id, n.id, n.kind, n.title, n.body, 'pending', 0, ${now}, ${now}, ${now}
      from notifications n
      join users u on u.id = n.user_id
      left join notification_preferences p on p.user_id = n.user_id
     where ${which}
       and u.enabled = 1
       and coalesce(p.email, 1) = 1 and coalesce(p.digest, 'off') = 'off'
    on conflict (notification_id) do nothing`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}
