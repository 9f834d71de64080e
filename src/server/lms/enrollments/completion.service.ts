/**
 * Lesson completion and the current lesson: the rows that progress is derived from. Completions
 * lock course then enrollment on PostgreSQL, on every path, so they cannot deadlock with structure
 * changes.
 */
import { sql, type QueryCreator } from 'kysely';
import type { Actor, AppContext } from '../../context.ts';
import { prepared, type Executor, type Tx } from '../../db/database.ts';
import type { DB, LessonCompletionsTable } from '../../db/schema.ts';
import { isForeignKeyViolation, nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import { errors } from '../../http/errors.ts';
import type { Enrollment } from '../../../contract/enrollments.ts';
import { countCompletion, nextLessonSql, progressSql, type EnrollmentRow } from './progress.service.ts';
import { toEnrollment } from './enrollment.service.ts';
import { enrollmentSuspended } from './enrollment-rules.service.ts';

interface LessonRow {
  id: string;
  course_id: string;
  chapter_id: string;
  kind: string;
  position: number;
  /** The course's "take lessons in order" flag. */
  sequential: number;
}

/**
 * The lesson, its course's order flag and the caller's enrollment in that course, in one read;
 * a lesson of a course the caller is not in is not there.
 */
async function lessonAndEnrollment(
  db: Executor,
  actor: Actor,
  lessonId: string,
): Promise<{ lesson: LessonRow; enrollment: { id: string; member_id: string } }> {
  if (!actor.id) throw errors.notFound('The lesson');
  const memberId = actor.id;
  const [row] = await selectLessonAndEnrollment(db, { memberId, lessonId });
  if (!row?.enrollment_id) throw errors.notFound('The lesson');
  const { enrollment_id, suspended_at, suspend_reason, ...lesson } = row;
  if (suspended_at !== null) throw enrollmentSuspended(suspend_reason);
  return { lesson, enrollment: { id: enrollment_id, member_id: memberId } };
}

// Lesson completion's statements, compiled once (see prepared()).
const selectLessonAndEnrollment = prepared((db, a: { memberId: string; lessonId: string }) =>
  db
    .selectFrom('lessons')
    .innerJoin('courses', 'courses.id', 'lessons.course_id')
    .leftJoin('enrollments', (j) => j.onRef('enrollments.course_id', '=', 'lessons.course_id').on('enrollments.member_id', '=', a.memberId))
    .select([
      'lessons.id',
      'lessons.course_id',
      'lessons.chapter_id',
      'lessons.kind',
      'lessons.position',
      'courses.sequential',
      'enrollments.id as enrollment_id',
      'enrollments.suspended_at',
      'enrollments.suspend_reason',
    ])
    .where('lessons.id', '=', a.lessonId),
);
const insertCompletion = prepared((db, row: LessonCompletionsTable) =>
  db
    .insertInto('lesson_completions')
    .values(row)
    .onConflict((oc) => oc.columns(['member_id', 'lesson_id']).doNothing())
    .returning('id'),
);

/** Lessons of a course in reading order (chapter position, lesson position). */
export async function lessonOrder(db: Executor, courseId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('lessons')
    .innerJoin('chapters', 'chapters.id', 'lessons.chapter_id')
    .select('lessons.id')
    .where('lessons.course_id', '=', courseId)
    .orderBy('chapters.position')
    .orderBy('chapters.id')
    .orderBy('lessons.position')
    .orderBy('lessons.id')
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Records a lesson as complete for a member and recomputes that enrollment's progress in the
 * same transaction. Idempotent (unique member + lesson). Used by "Mark complete", by passing a
 * quiz and by a SCORM package reporting completion.
 */
export async function markLessonComplete(
  ctx: AppContext,
  trx: Tx,
  input: { memberId: string; lessonId: string; courseId: string; actorId: string | null },
): Promise<EnrollmentRow> {
  const [inserted] = await insertCompletion(trx, {
    id: newId(),
    member_id: input.memberId,
    lesson_id: input.lessonId,
    course_id: input.courseId,
    completed_at: nowIso(),
  });
  return countCompletion(ctx, trx, {
    memberId: input.memberId,
    courseId: input.courseId,
    lessonId: input.lessonId,
    actorId: input.actorId,
    counted: inserted !== undefined,
  });
}

/**
 * The lesson when the member may complete it with "Mark complete" straight away: enrolled in its
 * course, a text, video or PDF lesson (quizzes, SCORM packages and assignments complete themselves), in a course
 * taken in any order. Anything else goes through lessonAndEnrollment and its checks.
 */
function openLesson(qc: QueryCreator<DB>, a: { memberId: string; lessonId: string }) {
  return lessonOfMember(qc, a)
    .select(['lessons.id as lesson_id', 'lessons.course_id', 'e.id as enrollment_id', 'c.lesson_count'])
    .where('lessons.kind', 'not in', [sql.lit('quiz'), sql.lit('scorm'), sql.lit('assignment')])
    .where('c.sequential', '=', 0)
    .where('e.suspended_at', 'is', null);
}

/** The lesson with its course (`c`) and the member's enrollment in it (`e`); nothing when not enrolled. */
function lessonOfMember(qc: QueryCreator<DB>, a: { memberId: string; lessonId: string }) {
  return qc
    .selectFrom('lessons')
    .innerJoin('courses as c', 'c.id', 'lessons.course_id')
    .innerJoin('enrollments as e', (j) => j.onRef('e.course_id', '=', 'lessons.course_id').on('e.member_id', '=', a.memberId))
    .where('lessons.id', '=', a.lessonId);
}

/** The row locks every completion takes before it writes, in this order (see lockCompletionRows). */
const COMPLETION_LOCKS = sql`for key share of c, u for no key update of e`;
type WithOpenLesson = QueryCreator<DB & { l: { lesson_id: string; course_id: string; enrollment_id: string; lesson_count: number } }>;

/** The completion row of the open lesson `l`, unless the member has it already. */
function insertCompletionOf(qc: WithOpenLesson, a: { id: string; memberId: string; now: string }) {
  return qc
    .insertInto('lesson_completions')
    .columns(['id', 'member_id', 'lesson_id', 'course_id', 'completed_at'])
    .expression((eb) =>
      eb
        .selectFrom('l')
        .select((s) => [
          s.val(a.id).as('id'),
          s.val(a.memberId).as('member_id'),
          'l.lesson_id',
          'l.course_id',
          s.val(a.now).as('completed_at'),
        ])
        // SQLite reads ON after a FROM without WHERE as a join constraint.
        .where(sql<boolean>`true`),
    )
    .onConflict((oc) => oc.columns(['member_id', 'lesson_id']).doNothing())
    .returning(['id', 'course_id', 'lesson_id']);
}

/**
 * PostgreSQL, first in a transaction that completes a lesson: the course (key share), the member's
 * user row (key share), then the member's enrollment in the course (no key update). Every
 * completion takes them in this order before it writes, as the single statement does:
 * - after the course the deletion of a lesson or an enrollment and the recompute come (they lock
 *   the course for update first, or the enrollment): without it the completion row's foreign keys
 *   would lock the lesson before the course, and a completion and a lesson deletion could each wait
 *   for the other;
 * - the user row is the lock the completion row's foreign key to users takes anyway, taken before
 *   the enrollment: a change of the member's employee record locks the user for update and then
 *   their enrollments (the compliance counts' trigger), so taking it after the enrollment could
 *   leave each waiting for the other.
 * Nothing is locked when the member is not enrolled.
 */
const lockCompletionRows = prepared((db, a: { memberId: string; lessonId: string }) =>
  lessonOfMember(db, a).innerJoin('users as u', 'u.id', 'e.member_id').select('e.id').modifyEnd(COMPLETION_LOCKS),
);

/** Whether the member is still enrolled (SQLite runs one transaction at a time: always true there). */
export async function lockForCompletion(ctx: AppContext, trx: Tx, memberId: string, lessonId: string): Promise<boolean> {
  if (ctx.dialect !== 'postgres') return true;
  return (await lockCompletionRows(trx, { memberId, lessonId })).length > 0;
}

/** Inside completeLesson's transaction: the completion row of an open lesson (none when it is not open or done already). */
const insertOpenCompletion = prepared((db, a: { id: string; memberId: string; lessonId: string; now: string }) =>
  insertCompletionOf(
    db.with('l', (qc) => openLesson(qc, a)),
    a,
  ),
);

/**
 * PostgreSQL: a completion of an open lesson that does not finish the course, as one statement,
 * atomic on its own (no transaction round trips). It locks the course (key share: the recompute
 * waits for this completion; a recompute in flight is waited for and its lesson count read as
 * committed) and then the enrollment (a concurrent completion of the same member is waited for and
 * its count read), checks the count again on the rows as locked, inserts the completion row and
 * counts it. When any of that does not hold (a lesson being added may already fail the check on the
 * count it started with), it changes nothing and returns no row, and completeLesson takes the
 * transactional path, which gives the errors and runs the `enrollment.completed` subscribers inside
 * the transaction that finishes the course. Lock order: see lockForCompletion.
 */
const completeWithoutFinishing = prepared((db, a: { id: string; memberId: string; lessonId: string; now: string }) =>
  db
    .with('l', (qc) =>
      openLesson(qc, a)
        .innerJoin('users as u', 'u.id', 'e.member_id')
        .where(sql`e.completed_lessons + 1`, '<', sql.ref('c.lesson_count'))
        .modifyEnd(COMPLETION_LOCKS),
    )
    .with('ins', (qc) => insertCompletionOf(qc, a))
    .updateTable('enrollments as e')
    .from('l')
    .set({
      completed_lessons: sql`e.completed_lessons + (select count(*) from ins)`,
      last_activity_at: a.now,
      current_lesson_id: nextLessonSql(sql.ref('l.lesson_id')),
    })
    .whereRef('e.id', '=', 'l.enrollment_id')
    .returningAll('e')
    .returning(progressSql('e', 'l').as('progress')),
);

/**
 * "Mark complete". Most completions are of open lessons (see openLesson), so the completion row is
 * inserted first and the lesson looked at closer only when nothing was inserted: on PostgreSQL in
 * one statement when it does not finish the course (completeWithoutFinishing), otherwise in a
 * transaction that also runs the `enrollment.completed` subscribers.
 */
export async function completeLesson(ctx: AppContext, actor: Actor, lessonId: string): Promise<Enrollment> {
  try {
    return await completeLessonOnce(ctx, actor, lessonId);
  } catch (e) {
    // The lesson (or its course) was deleted while this ran: nothing was written.
    if (isForeignKeyViolation(e) && LESSON_GONE.has((e as { constraint?: string }).constraint ?? '')) throw errors.notFound('The lesson');
    throw e;
  }
}
/** The foreign keys a completion row loses when its lesson is deleted (PostgreSQL names them). */
const LESSON_GONE = new Set(['lesson_completions_lesson_id_fkey', 'lesson_completions_course_id_fkey']);

async function completeLessonOnce(ctx: AppContext, actor: Actor, lessonId: string): Promise<Enrollment> {
  const memberId = actor.id;
  if (ctx.dialect === 'postgres' && memberId) {
    const [row] = await completeWithoutFinishing(ctx.db, { id: newId(), memberId, lessonId, now: nowIso() });
    if (row) return toEnrollment(row);
  }
  return ctx.db.transaction().execute(async (trx) => {
    if (memberId) {
      await lockForCompletion(ctx, trx, memberId, lessonId);
      const [inserted] = await insertOpenCompletion(trx, { id: newId(), memberId, lessonId, now: nowIso() });
      if (inserted)
        return toEnrollment(await countCompletion(ctx, trx, {
            memberId,
            courseId: inserted.course_id,
            lessonId: inserted.lesson_id,
            actorId: memberId,
            counted: true,
          }),
        );
    }
    const { lesson, enrollment } = await lessonAndEnrollment(trx, actor, lessonId);
    if (lesson.kind === 'quiz') {
      throw errors.unprocessable('LESSON_REQUIRES_QUIZ', 'This lesson completes when you pass its quiz.');
    }
    if (lesson.kind === 'scorm') {
      throw errors.unprocessable('LESSON_REQUIRES_SCORM', 'This lesson completes when the SCORM package reports completion.');
    }
    if (lesson.kind === 'assignment') {
      throw errors.unprocessable('LESSON_REQUIRES_ASSIGNMENT', 'This lesson completes when your assignment submission passes.');
    }
    await assertUnlocked(trx, lesson, enrollment.member_id, lesson.sequential);
    const updated = await markLessonComplete(ctx, trx, {
      memberId: enrollment.member_id,
      lessonId: lesson.id,
      courseId: lesson.course_id,
      actorId: actor.id,
    });
    return toEnrollment(updated);
  });
}

/** In a sequential course a lesson opens when every lesson before it is complete. */
export async function assertUnlocked(
  db: Executor,
  lesson: Pick<LessonRow, 'id' | 'course_id'>,
  memberId: string,
  /** The course's flag when the caller has it already. */
  sequential?: number,
): Promise<void> {
  const flag =
    sequential ??
    (await db.selectFrom('courses').select('sequential').where('id', '=', lesson.course_id).executeTakeFirstOrThrow()).sequential;
  if (flag !== 1) return;
  const order = await lessonOrder(db, lesson.course_id);
  const before = order.slice(0, order.indexOf(lesson.id));
  if (before.length === 0) return;
  const done = await db
    .selectFrom('lesson_completions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('member_id', '=', memberId)
    .where('lesson_id', 'in', before)
    .executeTakeFirstOrThrow();
  if (Number(done.n) < before.length) {
    throw errors.unprocessable('LESSON_LOCKED', 'Complete the previous lessons first: this course is taken in order.');
  }
}

export async function setCurrentLesson(ctx: AppContext, actor: Actor, lessonId: string): Promise<Enrollment> {
  return ctx.db.transaction().execute(async (trx) => {
    const { lesson, enrollment } = await lessonAndEnrollment(trx, actor, lessonId);
    const updated = await trx
      .updateTable('enrollments')
      .set({ current_lesson_id: lesson.id, last_activity_at: nowIso() })
      .where('id', '=', enrollment.id)
      .returningAll()
      .returning(progressSql().as('progress'))
      .executeTakeFirstOrThrow();
    return toEnrollment(updated);
  });
}
