/**
 * The daily digest (notifications.digest): a user who chose `digest: "daily"` gets one mail with
 * the day's notifications instead of one mail each. One INSERT ... SELECT for every such user; the
 * dedupe key digest:<user>:<day> makes a second run of the same day a no-op. (`where true`: SQLite
 * needs a WHERE before ON CONFLICT in an INSERT ... SELECT.)
 */
import { sql } from 'kysely';
import type { AppContext } from '../../context.ts';
import { today } from '../../db/dialect.ts';
import { addDays } from '../../hr/index.ts';
import { getSettings } from '../../platform/settings.service.ts';
import type { JobDefinition } from '../../platform/jobs.ts';
import { sqlNewId } from './fanout.ts';
import { TEMPLATE_DEFAULTS, templateOf, templateSql } from './templates.ts';

export async function runDigest(ctx: AppContext, day = today()): Promise<{ digests: number }> {
  const settings = await getSettings(ctx.db);
  const template = await templateOf(ctx.db, 'digest');
  const known = TEMPLATE_DEFAULTS.digest.placeholders;
  const fixed = { organisationName: settings.organisationName, day };
  const from = `${day}T00:00:00.000Z`;
  const to = `${addDays(day, 1)}T00:00:00.000Z`;
  // One Markdown list line per notification, oldest first.
  const line = sql`'- **' || n.title || '**'`;
  const items =
    ctx.dialect === 'postgres'
      ? sql`string_agg(${line}, chr(10) order by n.id)`
      : sql`(select group_concat(x, char(10)) from (select ${line} as x from notifications n where n.user_id = p.user_id and n.created_at >= ${from} and n.created_at < ${to} order by n.id))`;
  const now = new Date().toISOString();
  const source = sql`
    select p.user_id, u.email, u.full_name as "recipientName", ${items} as items,
           ${(ctx.config.publicUrl ?? '') + '/lms/notifications'} as abs_link
      from notification_preferences p
      join users u on u.id = p.user_id
      join notifications n on n.user_id = p.user_id and n.created_at >= ${from} and n.created_at < ${to}
     where p.digest = 'daily' and p.email = 1 and u.enabled = 1
     group by p.user_id, u.email, u.full_name`;
  const r = await sql`
    insert into mail_outbox (id, to_address, user_id, dedupe_key, event, subject, body_markdown, status, attempts, next_attempt_at, created_at, updated_at)
    select ${sqlNewId(ctx)}, s.email, s.user_id, 'digest:' || s.user_id || ':' || ${day}, 'digest',
           ${templateSql(ctx.dialect, template.subject, known, fixed)}, ${templateSql(ctx.dialect, template.body, known, fixed)}, 'pending', 0, ${now}, ${now}, ${now}
      from (${source}) s
     where true
    on conflict (dedupe_key) where dedupe_key is not null do nothing`.execute(ctx.db);
  return { digests: Number(r.numAffectedRows ?? 0) };
}

/** Daily at 00:30 UTC: the whole of the day before. */
export const digestJob: JobDefinition = {
  name: 'notifications.digest',
  schedule: '30 0 * * *',
  run: (ctx) => runDigest(ctx, addDays(today(), -1)),
};
