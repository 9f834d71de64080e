/**
 * Live classes starting soon (notifications.live-classes, every 10 minutes): the members of the
 * batch are told once per class and start time (a class moved to another time tells them again).
 */
import { sql } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { JobDefinition } from '../../platform/jobs.ts';
import { readableDaySql } from '../../platform/readable-instant.ts';
import { fanOut } from './fanout.ts';

/** How far ahead a class counts as starting soon. */
export const LIVE_CLASS_LEAD_MINUTES = 60;

export async function notifyLiveClassesStarting(ctx: AppContext, now = new Date()): Promise<{ told: number }> {
  const from = now.toISOString();
  const until = new Date(now.getTime() + LIVE_CLASS_LEAD_MINUTES * 60_000).toISOString();
  const told = await ctx.db.transaction().execute((trx) =>
    fanOut(ctx, trx, 'live-class.starting', {
      select: sql`
        select bm.member_id as user_id, 'live-class:' || lc.id || ':' || lc.starts_at as dedupe_key, '/lms/batches/' || b.id as link,
               u.full_name as "recipientName", lc.title as "classTitle", b.title as "batchTitle",
               substr(lc.starts_at, 12, 5) || ' UTC on ' || ${readableDaySql(ctx.dialect, sql`substr(lc.starts_at, 1, 10)`)} as "startsAt"
          from live_classes lc
          join batches b on b.id = lc.batch_id
          join batch_members bm on bm.batch_id = lc.batch_id
          join users u on u.id = bm.member_id
         where lc.starts_at >= ${from} and lc.starts_at < ${until} and u.enabled = 1`,
    }),
  );
  return { told };
}

export const liveClassesJob: JobDefinition = {
  name: 'notifications.live-classes',
  schedule: '*/10 * * * *',
  run: (ctx) => notifyLiveClassesStarting(ctx),
};
