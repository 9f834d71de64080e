import { sql, type RawBuilder } from 'kysely';
import type { AppContext } from '../../context.ts';
import { prepared, type Tx } from '../../db/database.ts';
import { nowIso } from '../../db/dialect.ts';
import type { EnrollmentsTable } from '../../db/schema.ts';
import { recordAudit } from '../../platform/audit.service.ts';

declare module '../../platform/hooks.ts' {
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

/**
 * An enrollment's progress (0–100), derived: floor(completed lessons / lessons of the course × 100),
 * 100 exactly when completed_at is set (every lesson complete), 0 for a course without lessons.
 * `e` is the alias of the enrollments row in the query; `course` the alias of its course when the
 * query joins it already, otherwise the course's lesson count is read by id.
 */
export function progressSql(e = 'enrollments', course?: string): RawBuilder<number> {
  const col = (c: string) => sql.ref(`${e}.${c}`);
  const share = (lessons: RawBuilder<unknown>) => sql`case when ${lessons} = 0 then 0 else (${col('completed_lessons')} * 100) / ${lessons} end`;
  const derived = course
    ? share(sql.ref(`${course}.lesson_count`))
    : sql`coalesce((select ${share(sql`pc.lesson_count`)} from courses pc where pc.id = ${col('course_id')}), 0)`;
  return sql<number>`(case when ${col('completed_at')} is not null then 100 else ${derived} end)`;
}

/**
 * 1 when `count` completed lessons finish a course of `lessons` lessons, else 0 (a course without
 * lessons is never finished).
 */
function finishes(count: RawBuilder<unknown>, lessons: RawBuilder<unknown>): RawBuilder<number> {
  return sql<number>`case when ${lessons} > 0 and ${count} >= ${lessons} then 1 else 0 end`;
}

/**
 * completed_at of an enrollment of `count` completed lessons: kept when set, `now` when it newly
 * finishes, null when not finished. A course marked complete by hand stays complete whatever its
 * lessons become.
 */
function completedAtFor(count: RawBuilder<unknown>, lessons: RawBuilder<unknown>, now: string): RawBuilder<string | null> {
  return sql`case when enrollments.completed_manually_at is not null then enrollments.completed_at
                  when ${finishes(count, lessons)} = 1 then coalesce(enrollments.completed_at, ${now}) else null end`;
}

/**
 * The lesson after `lesson` in its course's reading order (chapter position, lesson position; ids
 * break ties as lessonOrder does), or `lesson` itself when it is the last: where "Continue" goes
 * after the lesson is completed.
 */
export function nextLessonSql(lesson: RawBuilder<unknown>): RawBuilder<string> {
  return sql<string>`coalesce((
      select nl.id
        from lessons cl
        join chapters cc on cc.id = cl.chapter_id
        join lessons nl on nl.course_id = cl.course_id
        join chapters nc on nc.id = nl.chapter_id
       where cl.id = ${lesson}
         and (nc.position, nc.id, nl.position, nl.id) > (cc.position, cc.id, cl.position, cl.id)
       order by nc.position, nc.id, nl.position, nl.id
       limit 1
    ), ${lesson})`;
}

/** An enrollments row with its derived progress. */
export type EnrollmentRow = EnrollmentsTable & { progress: number };

export interface ProgressChange {
  id: string;
  member_id: string;
  completed_at: string | null;
}

/**
 * After lessons of a course were added, moved or deleted: records the course's lesson count and
 * brings every enrollment of the course in line with it in one set-based statement — the number
 * of completed lessons is recounted from the completion rows, completed_at is set where every
 * lesson is now complete and cleared where a new lesson is not. Only rows whose count or
 * completion changes are written (adding a lesson rewrites just the enrollments that were
 * complete). Fires `enrollment.completed` for the rows that newly completed (in batches).
 *
 * On PostgreSQL the course row is locked first: a lesson completion in flight holds a key-share
 * lock on it (the completion row's foreign key), so the recount waits for it and sees it, and a
 * completion that starts later waits for this transaction and reads the new lesson count.
 */
export async function recomputeProgress(
  ctx: AppContext,
  trx: Tx,
  courseId: string,
  opts: { actorId?: string | null } = {},
): Promise<ProgressChange[]> {
  if (ctx.dialect === 'postgres') await sql`select id from courses where id = ${courseId} for update`.execute(trx);
  const course = await trx
    .updateTable('courses')
    .set((eb) => ({
      lesson_count: eb.selectFrom('lessons').select((l) => l.fn.countAll<number>().as('n')).where('lessons.course_id', '=', courseId),
    }))
    .where('id', '=', courseId)
    .returning('lesson_count')
    .executeTakeFirst();
  if (!course) return [];
  // SQLite binds JS numbers as REAL; the cast keeps the comparison an integer one on both engines.
  const lessons = sql`cast(${Number(course.lesson_count)} as integer)`;
  const now = nowIso();
  // PostgreSQL: the compliance counts of this update are counted once for the statement, not per
  // row (the triggers of migration 0016 read this setting; it lasts until the update is done).
  const pg = ctx.dialect === 'postgres';
  if (pg) await countsPerStatement('statement').execute(trx);
  const result = await sql<ProgressChange>`
    update enrollments
       set completed_lessons = x.n,
           completed_at = ${completedAtFor(sql`x.n`, lessons, now)}
      from (
        select e.id, coalesce(c.n, 0) as n
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
       and (enrollments.completed_lessons <> x.n
            or (enrollments.completed_manually_at is null
                and (case when enrollments.completed_at is null then 0 else 1 end) <> ${finishes(sql`x.n`, lessons)}))
    returning enrollments.id, enrollments.member_id, enrollments.completed_at`.execute(trx);
  if (pg) await countsPerStatement('').execute(trx);
  // A row that was complete keeps its completed_at; only the newly completed carry this statement's.
  const completions = result.rows.filter((r) => r.completed_at === now).map((r) => ({ enrollmentId: r.id, memberId: r.member_id }));
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

const countsPerStatement = (mode: 'statement' | '') => sql`select set_config('smooth.compliance_counts', ${mode}, true)`;

/** Adds `add` (0 or 1) completed lessons to an enrollment and sets or clears completed_at to match. */
const addCompletion = prepared((db, a: { memberId: string; courseId: string; lessonId: string; add: number; now: string }) => {
  const count = sql<number>`(enrollments.completed_lessons + cast(${a.add} as integer))`;
  const lessons = sql`(select c.lesson_count from courses c where c.id = enrollments.course_id)`;
  return db
    .updateTable('enrollments')
    .set({
      completed_lessons: count,
      last_activity_at: a.now,
      current_lesson_id: nextLessonSql(sql`${a.lessonId}`),
      completed_at: completedAtFor(count, lessons, a.now),
    })
    .where('member_id', '=', a.memberId)
    .where('course_id', '=', a.courseId)
    .returningAll()
    .returning(progressSql().as('progress'));
});

/**
 * The member's enrollment in the course after a lesson completion was recorded: records the
 * activity, moves the current lesson to the one after the completed lesson and, when the completion row is new (`counted`), adds it to the count in the same
 * statement — the row lock queues concurrent completions of the same member and each adds to the
 * count the other wrote. completed_at is set when the count reaches the course's lesson count.
 * Fires `enrollment.completed` when the row newly completes. Returns the row as written.
 */
export async function countCompletion(
  ctx: AppContext,
  trx: Tx,
  input: { memberId: string; courseId: string; lessonId: string; actorId: string | null; counted: boolean },
): Promise<EnrollmentRow> {
  const now = nowIso();
  const [updated] = await addCompletion(trx, {
    memberId: input.memberId,
    courseId: input.courseId,
    lessonId: input.lessonId,
    add: input.counted ? 1 : 0,
    now,
  });
  if (!updated) throw new Error(`the enrollment of ${input.memberId} in ${input.courseId} vanished`);
  if (input.counted && updated.completed_at === now) {
    // The completion is part of the enrollment's history (one marked by hand is logged where it is
    // marked): who and when. A recount after a course's lessons changed logs none: it may complete
    // tens of thousands at once, and on SQLite every audit entry is hashed into the chain as it is
    // written (50,000 took 1.5 s more in bench/recompute.bench.ts).
    await recordAudit(trx, { actorId: input.actorId, action: 'complete', entity: 'enrollment', entityId: updated.id, after: { progress: 100, completedAt: now } });
    await ctx.hooks.emit('enrollment.completed', trx, {
      courseId: input.courseId,
      completedAt: now,
      actorId: input.actorId,
      completions: [{ enrollmentId: updated.id, memberId: updated.member_id }],
    });
  }
  return { ...updated, progress: Number(updated.progress) };
}
