import { sql } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Tx } from '../db/database.ts';
import { nowIso } from '../db/dialect.ts';

declare module '../platform/hooks.ts' {
  interface HookEvents {
    /** Fires once each time an enrollment reaches 100%, inside the transaction that completed it. */
    'enrollment.completed': { enrollmentId: string; memberId: string; courseId: string; completedAt: string; actorId: string | null };
  }
}

export interface ProgressChange {
  id: string;
  member_id: string;
  progress: number;
  completed_at: string | null;
}

/**
 * Recomputes progress = floor(completed lessons / lessons × 100) for every enrollment of a course
 * (or one enrollment of it) in one set-based statement. Only rows whose progress changes are
 * written; completed_at is set when a row reaches 100 and cleared when it drops below. Fires
 * `enrollment.completed` for each row that newly reached 100.
 */
export async function recomputeProgress(
  ctx: AppContext,
  trx: Tx,
  courseId: string,
  opts: { enrollmentId?: string; actorId?: string | null } = {},
): Promise<ProgressChange[]> {
  const { total } = await trx
    .selectFrom('lessons')
    .select((eb) => eb.fn.countAll<number>().as('total'))
    .where('course_id', '=', courseId)
    .executeTakeFirstOrThrow();
  const n = Number(total);
  const now = nowIso();
  // SQLite binds JS numbers as REAL; the cast keeps the division an integer division on both engines.
  const lessons = sql`cast(${n} as integer)`;
  const onlyOne = opts.enrollmentId ? sql`and e.id = ${opts.enrollmentId}` : sql``;
  const memberFilter = opts.enrollmentId
    ? sql`and member_id = (select member_id from enrollments where id = ${opts.enrollmentId})`
    : sql``;
  const result = await sql<ProgressChange>`
    update enrollments
       set progress = x.p,
           completed_at = case when x.p = 100 then ${now} else null end
      from (
        select e.id,
               case when ${lessons} = 0 then 0 else (coalesce(c.n, 0) * 100) / ${lessons} end as p
          from enrollments e
          left join (
            select member_id, count(*) as n
              from lesson_completions
             where course_id = ${courseId} ${memberFilter}
             group by member_id
          ) c on c.member_id = e.member_id
         where e.course_id = ${courseId} ${onlyOne}
      ) x
     where enrollments.id = x.id
       and enrollments.progress <> x.p
    returning enrollments.id, enrollments.member_id, enrollments.progress, enrollments.completed_at`.execute(trx);
  for (const row of result.rows) {
    if (row.progress === 100 && row.completed_at) {
      await ctx.hooks.emit('enrollment.completed', trx, {
        enrollmentId: row.id,
        memberId: row.member_id,
        courseId,
        completedAt: row.completed_at,
        actorId: opts.actorId ?? null,
      });
    }
  }
  return result.rows;
}
