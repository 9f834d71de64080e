/** "My batches" in the portal: the batches the caller learns in or teaches, with courses, progress and schedule. */
import { sql, type SqlBool } from 'kysely';
import type { Actor, AppContext } from '../../context.ts';
import { nowIso } from '../../db/dialect.ts';
import { errors } from '../../http/errors.ts';
import type { MyBatch } from '../../../contract/batches.ts';
import { progressSql } from '../enrollments/index.ts';
import { canManageBatch } from './batch.policy.ts';
import { batchFactsMany, toBatch } from './batch.service.ts';
import { toLiveClass } from './live-class.service.ts';

export async function myBatches(ctx: AppContext, actor: Actor): Promise<MyBatch[]> {
  if (!actor.id) throw errors.unauthenticated();
  const me = actor.id;
  const rows = await ctx.db
    .selectFrom('batches')
    .selectAll()
    .where(
      sql<SqlBool>`(exists (select 1 from batch_members m where m.batch_id = batches.id and m.member_id = ${me})
        or exists (select 1 from batch_staff s where s.batch_id = batches.id and s.user_id = ${me} and s.role = 'instructor'))`,
    )
    .orderBy('start_date', 'desc')
    .orderBy('id', 'desc')
    .limit(100)
    .execute();
  const now = nowIso();
  const ids = rows.map((r) => r.id);
  if (ids.length === 0) return [];
  // Everything for all the batches at once: facts, the caller's memberships and roles, classes, progress.
  const [facts, memberships, roles, classes] = await Promise.all([
    batchFactsMany(ctx.db, rows),
    ctx.db.selectFrom('batch_members').select('batch_id').where('member_id', '=', me).where('batch_id', 'in', ids).execute(),
    ctx.db.selectFrom('batch_staff').select(['batch_id', 'role']).where('user_id', '=', me).where('batch_id', 'in', ids).execute(),
    ctx.db.selectFrom('live_classes').selectAll().where('batch_id', 'in', ids).orderBy('starts_at').orderBy('id').execute(),
  ]);
  const courseIds = [...new Set(facts.flatMap((f) => f.courses.map((c) => c.id)))];
  const progress = courseIds.length
    ? await ctx.db.selectFrom('enrollments').select(['course_id', progressSql().as('progress')]).where('member_id', '=', me).where('course_id', 'in', courseIds).execute()
    : [];
  const byCourse = new Map(progress.map((p) => [p.course_id, Number(p.progress)]));
  const member = new Set(memberships.map((m) => m.batch_id));
  const out: MyBatch[] = [];
  for (const f of facts) {
    const row = f.row;
    const manages = canManageBatch(actor, row);
    const instructs = manages || roles.some((r) => r.batch_id === row.id && r.role === 'instructor');
    const liveClasses = classes.filter((c) => c.batch_id === row.id).map((c) => toLiveClass(c, row.timezone));
    out.push({
      batch: toBatch(f, { isMember: member.has(row.id), manages }),
      teaching: instructs,
      courses: f.courses.map((c) => ({ courseId: c.id, title: c.title, progress: byCourse.get(c.id) ?? null })),
      nextLiveClass: liveClasses.find((c) => c.endsAt > now) ?? null,
      liveClasses,
    });
  }
  return out;
}
