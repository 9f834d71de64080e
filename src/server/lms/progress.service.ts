import { sql, type RawBuilder } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Tx } from '../db/database.ts';
import { nowIso } from '../db/dialect.ts';
import type { EnrollmentsTable } from '../db/schema.ts';

declare module '../platform/hooks.ts' {
  interface HookEvents {
    /**
     * Enrollments of one course that reached 100%, inside the transaction that completed them. Each
     * completion is delivered exactly once; a recompute that completes many rows delivers them in
     * batches (at most COMPLETION_BATCH per call) so subscribers can work set-based.
     */
    'enrollment.completed': {
      courseId: string;
      completedAt: string;
      actorId: string | null;
      completions: { enrollmentId: string; memberId: string }[];
    };
  }
}

/** Completions per enrollment.completed call. */
export const COMPLETION_BATCH = 1000;

/** progress = floor(completed / total × 100); 0 for a course without lessons. Both operands are integers. */
function progressOf(completed: RawBuilder<unknown>, total: RawBuilder<unknown>): RawBuilder<number> {
  return sql<number>`case when ${total} = 0 then 0 else (${completed} * 100) / ${total} end`;
}

export interface ProgressChange {
  id: string;
  member_id: string;
  progress: number;
  completed_at: string | null;
}

/**
 * Recomputes progress = floor(completed lessons / lessons × 100) for every enrollment of a course
 * in one set-based statement (after lessons are added, moved or deleted). Only rows whose progress changes are
 * written; completed_at is set when a row reaches 100 and cleared when it drops below. Fires
 * `enrollment.completed` for the rows that newly reached 100 (in batches).
 */
export async function recomputeProgress(
  ctx: AppContext,
  trx: Tx,
  courseId: string,
  opts: { actorId?: string | null } = {},
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
  const result = await sql<ProgressChange>`
    update enrollments
       set progress = x.p,
           completed_at = case when x.p = 100 then ${now} else null end
      from (
        select e.id,
               ${progressOf(sql`coalesce(c.n, 0)`, lessons)} as p
          from enrollments e
          left join (
            select member_id, count(*) as n
              from lesson_completions
             where course_id = ${courseId}
             group by member_id
          ) c on c.member_id = e.member_id
         where e.course_id = ${courseId}
      ) x
     where enrollments.id = x.id
       and enrollments.progress <> x.p
    returning enrollments.id, enrollments.member_id, enrollments.progress, enrollments.completed_at`.execute(trx);
  const completions = result.rows.filter((r) => r.progress === 100 && r.completed_at).map((r) => ({ enrollmentId: r.id, memberId: r.member_id }));
  for (let i = 0; i < completions.length; i += COMPLETION_BATCH) {
    await ctx.hooks.emit('enrollment.completed', trx, {
      courseId,
      completedAt: now,
      actorId: opts.actorId ?? null,
      completions: completions.slice(i, i + COMPLETION_BATCH),
    });
  }
  return result.rows;
}

/**
 * One enrollment after its member completed a lesson: records the activity and recomputes its
 * progress, in two statements. The first locks the row (so concurrent completions of the same
 * member queue up and the second statement of each sees the others' completions) and returns
 * the progress before; the second counts and writes. Fires `enrollment.completed` when the row
 * newly reaches 100. Returns the row as written.
 */
export async function recomputeEnrollment(
  ctx: AppContext,
  trx: Tx,
  input: { enrollmentId: string; courseId: string; memberId: string; actorId: string | null },
): Promise<EnrollmentsTable> {
  const now = nowIso();
  const before = await trx
    .updateTable('enrollments')
    .set({ last_activity_at: now })
    .where('id', '=', input.enrollmentId)
    .returning('progress')
    .executeTakeFirstOrThrow();
  const total = sql`(select count(*) from lessons where course_id = ${input.courseId})`;
  const completed = sql`(select count(*) from lesson_completions where member_id = ${input.memberId} and course_id = ${input.courseId})`;
  const row = await sql<EnrollmentsTable>`
    with v as (select ${progressOf(completed, total)} as p)
    update enrollments
       set progress = (select p from v),
           completed_at = case when (select p from v) = 100 then coalesce(completed_at, ${now}) else null end
     where id = ${input.enrollmentId}
    returning *`.execute(trx);
  const updated = row.rows[0];
  if (!updated) throw new Error(`enrollment ${input.enrollmentId} vanished`);
  if (Number(before.progress) !== 100 && updated.progress === 100 && updated.completed_at) {
    await ctx.hooks.emit('enrollment.completed', trx, {
      courseId: input.courseId,
      completedAt: updated.completed_at,
      actorId: input.actorId,
      completions: [{ enrollmentId: updated.id, memberId: updated.member_id }],
    });
  }
  return updated;
}
