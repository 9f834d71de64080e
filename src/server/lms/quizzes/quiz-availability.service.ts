/**
 * Quiz availability: when learners may start and submit attempts (opens_at, closes_at; the quiz's
 * lesson unlocked in a sequential course; an enrollment not suspended), and the per-learner
 * overrides staff set (extra attempts, a later close), audited. Also the learner's
 * outcome: passed, or every attempt used without passing ("completed, not passed").
 */
import type { Actor, AppContext } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import { nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import { AppError, errors } from '../../http/errors.ts';
import { assertSomeEnrollmentActive, assertUnlocked } from '../enrollments/index.ts';
import { recordAudit } from '../../platform/audit.service.ts';
import type { QuizOutcome, QuizOverride, QuizOverrideInput } from '../../../contract/quizzes.ts';
import { enrolledForQuiz, loadQuiz, quizAccess, type QuizRow } from './quiz.policy.ts';
import { readableInstant } from '../../platform/readable-instant.ts';
import { inCurrentCycle } from './attempt-cycle.ts';

export interface OverrideRow {
  extra_attempts: number;
  closes_at: string | null;
}

export async function loadOverride(db: Executor, quizId: string, memberId: string): Promise<OverrideRow | undefined> {
  return db
    .selectFrom('quiz_overrides')
    .select(['extra_attempts', 'closes_at'])
    .where('quiz_id', '=', quizId)
    .where('member_id', '=', memberId)
    .executeTakeFirst();
}

/** The learner's close time: their override's when it has one, else the quiz's. */
export function closesAtFor(quiz: Pick<QuizRow, 'closes_at'>, override: OverrideRow | undefined): string | null {
  return override?.closes_at ?? quiz.closes_at;
}

/** Attempts the learner may make: 0 (unlimited) stays unlimited; otherwise the quiz's plus the override's. */
export function maxAttemptsFor(quiz: Pick<QuizRow, 'max_attempts'>, override: OverrideRow | undefined): number {
  const max = Number(quiz.max_attempts);
  return max === 0 ? 0 : max + Number(override?.extra_attempts ?? 0);
}

export function availabilityAt(
  quiz: Pick<QuizRow, 'opens_at' | 'closes_at'>,
  override: OverrideRow | undefined,
  now: string,
): 'open' | 'not_open' | 'closed' {
  if (quiz.opens_at !== null && now < quiz.opens_at) return 'not_open';
  const closes = closesAtFor(quiz, override);
  if (closes !== null && now >= closes) return 'closed';
  return 'open';
}

/** 422 QUIZ_NOT_OPEN before the quiz opens, 422 QUIZ_CLOSED from its close (the learner's own, with an override). */
export function assertQuizOpen(quiz: Pick<QuizRow, 'opens_at' | 'closes_at'>, override: OverrideRow | undefined, now: string): void {
  const state = availabilityAt(quiz, override, now);
  if (state === 'not_open')
    throw errors.unprocessable('QUIZ_NOT_OPEN', `This quiz opens on ${readableInstant(quiz.opens_at!)}.`, { opensAt: quiz.opens_at });
  if (state === 'closed') {
    const closesAt = closesAtFor(quiz, override);
    throw errors.unprocessable('QUIZ_CLOSED', `This quiz closed on ${readableInstant(closesAt!)}.`, { closesAt });
  }
}

/**
 * Per member, over the current recertification cycle's attempts: passed when any real attempt passed; completed_not_passed when the quiz limits
 * attempts and every one (with the override's extras) is used, none in progress or awaiting
 * review, and none passed; null otherwise.
 */
export async function quizOutcomes(db: Executor, quiz: Pick<QuizRow, 'id' | 'max_attempts'>, memberIds: string[]): Promise<Map<string, QuizOutcome | null>> {
  const out = new Map<string, QuizOutcome | null>();
  if (!memberIds.length) return out;
  const rows = await db
    .selectFrom('quiz_submissions')
    .leftJoin('quiz_overrides', (j) =>
      j.onRef('quiz_overrides.quiz_id', '=', 'quiz_submissions.quiz_id').onRef('quiz_overrides.member_id', '=', 'quiz_submissions.member_id'),
    )
    .select((eb) => [
      'quiz_submissions.member_id',
      eb.fn.count('quiz_submissions.id').as('used'),
      eb.fn.max('quiz_submissions.passed').as('passed'),
      eb.fn.max('quiz_overrides.extra_attempts').as('extra'),
      eb.fn
        .sum(eb.case().when('quiz_submissions.status', 'in', ['in_progress', 'pending_review']).then(1).else(0).end())
        .as('open'),
    ])
    .where('quiz_submissions.quiz_id', '=', quiz.id)
    .where('quiz_submissions.preview', '=', 0)
    .where('quiz_submissions.member_id', 'in', memberIds)
    .where(inCurrentCycle('quiz_submissions'))
    .groupBy('quiz_submissions.member_id')
    .execute();
  for (const id of memberIds) out.set(id, null);
  for (const r of rows) {
    if (Number(r.passed ?? 0) === 1) out.set(r.member_id, 'passed');
    else {
      const max = maxAttemptsFor(quiz, { extra_attempts: Number(r.extra ?? 0), closes_at: null });
      if (max > 0 && Number(r.used) >= max && Number(r.open ?? 0) === 0) out.set(r.member_id, 'completed_not_passed');
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Overrides (staff)

async function managedQuiz(db: Executor, actor: Actor, quizId: string): Promise<QuizRow> {
  const quiz = await loadQuiz(db, quizId);
  if ((await quizAccess(db, actor, quiz)) !== 'manage') throw errors.forbidden('Only the course’s authors may set overrides for its quizzes.');
  return quiz;
}

async function presentOverrides(db: Executor, quiz: QuizRow, memberId?: string): Promise<QuizOverride[]> {
  let q = db
    .selectFrom('quiz_overrides')
    .innerJoin('users', 'users.id', 'quiz_overrides.member_id')
    .selectAll('quiz_overrides')
    .select('users.full_name')
    .select((eb) =>
      eb
        .selectFrom('quiz_submissions')
        .select((s) => s.fn.countAll().as('n'))
        .whereRef('quiz_submissions.quiz_id', '=', 'quiz_overrides.quiz_id')
        .whereRef('quiz_submissions.member_id', '=', 'quiz_overrides.member_id')
        .where('quiz_submissions.preview', '=', 0)
        .where(inCurrentCycle('quiz_submissions'))
        .as('used'),
    )
    .where('quiz_overrides.quiz_id', '=', quiz.id);
  if (memberId) q = q.where('quiz_overrides.member_id', '=', memberId);
  const rows = await q.orderBy('users.full_name').orderBy('quiz_overrides.member_id').execute();
  const outcomes = await quizOutcomes(db, quiz, rows.map((r) => r.member_id));
  return rows.map((r) => ({
    id: r.id,
    quizId: r.quiz_id,
    memberId: r.member_id,
    memberName: r.full_name,
    extraAttempts: Number(r.extra_attempts),
    closesAt: r.closes_at,
    attemptsUsed: Number(r.used ?? 0),
    outcome: outcomes.get(r.member_id) ?? null,
    updatedBy: r.updated_by,
    updatedAt: r.updated_at,
  }));
}

export async function listOverrides(ctx: AppContext, actor: Actor, quizId: string): Promise<QuizOverride[]> {
  const quiz = await managedQuiz(ctx.db, actor, quizId);
  return presentOverrides(ctx.db, quiz);
}

export async function getOverride(ctx: AppContext, actor: Actor, quizId: string, memberId: string): Promise<QuizOverride> {
  const quiz = await managedQuiz(ctx.db, actor, quizId);
  const [o] = await presentOverrides(ctx.db, quiz, memberId);
  if (!o) throw errors.notFound('The override');
  return o;
}

/** Sets (creates or replaces) one learner's override, audited with the before-image. */
export async function putOverride(
  ctx: AppContext,
  actor: Actor,
  quizId: string,
  memberId: string,
  input: QuizOverrideInput,
): Promise<{ override: QuizOverride; created: boolean }> {
  return ctx.db.transaction().execute(async (trx) => {
    const quiz = await managedQuiz(trx, actor, quizId);
    const member = await trx.selectFrom('users').select('id').where('id', '=', memberId).executeTakeFirst();
    if (!member || !(await enrolledForQuiz(trx, memberId, quiz))) {
      const message = 'No learner enrolled in a course with this quiz has this id.';
      throw errors.validation([{ path: 'memberId', message }], message);
    }
    const existing = await trx
      .selectFrom('quiz_overrides')
      .selectAll()
      .where('quiz_id', '=', quizId)
      .where('member_id', '=', memberId)
      .executeTakeFirst();
    const now = nowIso();
    const values = { extra_attempts: input.extraAttempts, closes_at: input.closesAt, updated_by: actor.id, updated_at: now };
    let id: string;
    if (existing) {
      id = existing.id;
      await trx.updateTable('quiz_overrides').set(values).where('id', '=', id).execute();
    } else {
      id = newId();
      // A concurrent PUT for the same learner: the unique index keeps one row, the later write wins.
      await trx
        .insertInto('quiz_overrides')
        .values({ id, quiz_id: quizId, member_id: memberId, created_at: now, ...values })
        .onConflict((oc) => oc.columns(['quiz_id', 'member_id']).doUpdateSet(values))
        .execute();
    }
    const [override] = await presentOverrides(trx, quiz, memberId);
    await recordAudit(trx, {
      actorId: actor.id,
      action: existing ? 'update' : 'create',
      entity: 'quiz_override',
      entityId: override!.id,
      before: existing ? { quizId, memberId, extraAttempts: Number(existing.extra_attempts), closesAt: existing.closes_at } : null,
      after: { quizId, memberId, extraAttempts: input.extraAttempts, closesAt: input.closesAt },
    });
    return { override: override!, created: !existing };
  });
}

export async function deleteOverride(ctx: AppContext, actor: Actor, quizId: string, memberId: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    await managedQuiz(trx, actor, quizId);
    const existing = await trx
      .selectFrom('quiz_overrides')
      .selectAll()
      .where('quiz_id', '=', quizId)
      .where('member_id', '=', memberId)
      .executeTakeFirst();
    if (!existing) throw errors.notFound('The override');
    await trx.deleteFrom('quiz_overrides').where('id', '=', existing.id).execute();
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'delete',
      entity: 'quiz_override',
      entityId: existing.id,
      before: { quizId, memberId, extraAttempts: Number(existing.extra_attempts), closesAt: existing.closes_at },
    });
  });
}

/** The quiz lessons that link this quiz in courses the member is enrolled in. */
export async function quizLessonsOf(db: Executor, quizId: string, memberId: string) {
  return db
    .selectFrom('lessons')
    .innerJoin('enrollments', (j) => j.onRef('enrollments.course_id', '=', 'lessons.course_id').on('enrollments.member_id', '=', memberId))
    .select(['lessons.id as lesson_id', 'lessons.course_id'])
    .where('lessons.quiz_id', '=', quizId)
    .where('lessons.kind', '=', 'quiz')
    .orderBy('lessons.id')
    .execute();
}

/**
 * In a sequential course a quiz opens with its lesson: a learner starts or submits it only when a
 * lesson linking it is unlocked for them (422 LESSON_LOCKED otherwise). A quiz no lesson of theirs
 * links is open.
 */
export async function assertQuizUnlocked(db: Executor, quizId: string, memberId: string): Promise<void> {
  let locked: AppError | null = null;
  for (const r of await quizLessonsOf(db, quizId, memberId)) {
    try {
      await assertUnlocked(db, { id: r.lesson_id, course_id: r.course_id }, memberId);
      return;
    } catch (e) {
      if (!(e instanceof AppError) || e.code !== 'LESSON_LOCKED') throw e;
      locked = e;
    }
  }
  if (locked) throw locked;
}

/**
 * 422 ENROLLMENT_SUSPENDED when every enrollment through which the member takes this quiz (its own
 * course, the courses whose quiz lessons link it) is suspended.
 */
export async function assertQuizEnrollmentActive(db: Executor, quiz: Pick<QuizRow, 'id' | 'course_id'>, memberId: string): Promise<void> {
  const courses = (await quizLessonsOf(db, quiz.id, memberId)).map((r) => r.course_id);
  if (quiz.course_id !== null) courses.push(quiz.course_id);
  await assertSomeEnrollmentActive(db, memberId, courses);
}
