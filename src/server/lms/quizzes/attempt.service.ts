/**
 * Attempts: started, resumed, submitted and graded on the server. Attempt numbers are taken in a
 * transaction so max attempts hold under concurrent submits; a pass completes the quiz's lessons
 * (save_progress_after_quiz) through the same progress path as every lesson.
 */
import { randomInt } from 'node:crypto';
import type { Actor, AppContext } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import { bool, nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import { errors } from '../../http/errors.ts';
import { recordAudit } from '../../platform/audit.service.ts';
import { QUIZ_GRACE_SECONDS, type GradeInput, type SubmissionStatus, type SubmitInput } from '../../../contract/quizzes.ts';
import { lockForCompletion, markLessonComplete } from '../enrollments/index.ts';
import {
  applyManualGrades,
  gradeAnswers,
  isPassing,
  percentageOf,
  validateAnswers,
  type GradedAnswer,
  type GradingQuestion,
} from './grading.ts';
import {
  type AttemptOrder,
  type QuizRow,
  type SubmissionRow,
  canGradeSubmission,
  canSeeSubmission,
  loadQuiz,
  quizAccess,
} from './quiz.policy.ts';
import { attemptQuestions, loadQuestions, parseJson } from './quiz.service.ts';
import {
  assertQuizEnrollmentActive,
  assertQuizOpen,
  assertQuizUnlocked,
  closesAtFor,
  loadOverride,
  maxAttemptsFor,
  quizLessonsOf,
} from './quiz-availability.service.ts';
import { readableInstant } from '../../platform/readable-instant.ts';
import { inCurrentCycle } from './attempt-cycle.ts';

declare module '../../platform/hooks.ts' {
  interface HookEvents {
    /** A submission's open answers were graded (not a staff preview), inside the grading transaction. */
    'submission.graded': { submissionId: string; memberId: string; actorId: string | null };
  }
}

/** Fisher–Yates with a cryptographic generator. */
function shuffled<T>(items: readonly T[]): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

function makeOrder(quiz: QuizRow, questions: readonly GradingQuestion[]): AttemptOrder {
  const shuffle = quiz.shuffle === 1;
  const ids = questions.map((q) => q.id);
  const options: Record<string, number[]> = {};
  for (const q of questions) {
    if (q.options) {
      const idx = q.options.map((_, i) => i);
      options[q.id] = shuffle ? shuffled(idx) : idx;
    }
  }
  return { questions: shuffle ? shuffled(ids) : ids, options };
}

/** Questions in the attempt's order (questions added after the attempt started come last). */
export function inOrder(
  questions: readonly GradingQuestion[],
  order: AttemptOrder | null,
): { q: GradingQuestion; optionOrder: number[] | null }[] {
  const byId = new Map(questions.map((q) => [q.id, q]));
  const seq = order ? order.questions.filter((id) => byId.has(id)) : [];
  const rest = questions.filter((q) => !seq.includes(q.id)).map((q) => q.id);
  return [...seq, ...rest].map((id) => {
    const q = byId.get(id)!;
    const n = q.options?.length ?? 0;
    const stored = order?.options[id];
    const valid = stored && stored.length === n && stored.every((i) => i < n);
    return { q, optionOrder: q.options ? (valid ? stored : q.options.map((_, i) => i)) : null };
  });
}

/**
 * The member's highest attempt number (real attempts and previews numbered apart, across every
 * cycle) and how many of those attempts the current recertification cycle holds, read in one
 * statement so both come from the same snapshot.
 */
async function attemptCounts(db: Executor, quizId: string, memberId: string, preview: boolean): Promise<{ highest: number; inCycle: number }> {
  const r = await db
    .selectFrom('quiz_submissions')
    .select((eb) => [
      eb.fn.max('attempt').as('n'),
      eb.fn.sum<number>(eb.case().when(inCurrentCycle('quiz_submissions')).then(1).else(0).end()).as('used'),
    ])
    .where('quiz_id', '=', quizId)
    .where('member_id', '=', memberId)
    .where('preview', '=', bool(preview))
    .executeTakeFirst();
  return { highest: Number(r?.n ?? 0), inCycle: Number(r?.used ?? 0) };
}

/** The member's real attempts of the quiz in the current recertification cycle: what max attempts counts. */
export async function attemptsUsed(db: Executor, quizId: string, memberId: string): Promise<number> {
  const r = await db
    .selectFrom('quiz_submissions')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('quiz_id', '=', quizId)
    .where('member_id', '=', memberId)
    .where('preview', '=', 0)
    .where(inCurrentCycle('quiz_submissions'))
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

export function graceDeadline(deadlineAt: string): number {
  return Date.parse(deadlineAt) + QUIZ_GRACE_SECONDS * 1000;
}

/** Marks the member's in-progress attempts whose deadline and grace have passed as expired. */
async function expireStale(trx: Tx, quizId: string, memberId: string): Promise<void> {
  const cutoff = new Date(Date.now() - QUIZ_GRACE_SECONDS * 1000).toISOString();
  await trx
    .updateTable('quiz_submissions')
    .set({ status: 'expired', questions_json: null })
    .where('quiz_id', '=', quizId)
    .where('member_id', '=', memberId)
    .where('status', '=', 'in_progress')
    .where('deadline_at', 'is not', null)
    .where('deadline_at', '<', cutoff)
    .execute();
}

export async function openAttempt(db: Executor, quizId: string, memberId: string, preview: boolean): Promise<SubmissionRow | undefined> {
  return db
    .selectFrom('quiz_submissions')
    .selectAll()
    .where('quiz_id', '=', quizId)
    .where('member_id', '=', memberId)
    .where('preview', '=', bool(preview))
    .where('status', '=', 'in_progress')
    .orderBy('attempt', 'desc')
    .executeTakeFirst();
}

// ---------------------------------------------------------------------------------------------
// Attempts and submissions

function attemptView(s: SubmissionRow, resumed: boolean) {
  return {
    id: s.id,
    quizId: s.quiz_id,
    attempt: Number(s.attempt),
    status: s.status as SubmissionStatus,
    startedAt: s.started_at,
    deadlineAt: s.deadline_at,
    resumed,
    preview: s.preview === 1,
  };
}

function maxAttemptsReached(max: number) {
  return errors.unprocessable('MAX_ATTEMPTS_REACHED', `This quiz allows ${max} attempt${max === 1 ? '' : 's'}, and all have been used.`, {
    maxAttempts: max,
  });
}

/**
 * Inserts the member's next attempt (or preview). The number is max + 1 read inside the
 * transaction; the unique (quiz, member, preview, attempt) index decides races: a concurrent insert
 * of the same number does nothing here (ON CONFLICT DO NOTHING keeps a PostgreSQL transaction
 * usable) and we read again. Previews have no maximum.
 */
async function insertAttempt(
  trx: Tx,
  quiz: QuizRow,
  memberId: string,
  preview: boolean,
  fill: (attempt: number) => SubmissionRow,
): Promise<SubmissionRow> {
  // A learner's override may add attempts to the quiz's maximum.
  const max = preview ? 0 : maxAttemptsFor(quiz, await loadOverride(trx, quiz.id, memberId));
  for (let tries = 0; tries < 100; tries++) {
    // Numbers run on across cycles (the unique index); the maximum counts the current cycle's attempts.
    const counts = await attemptCounts(trx, quiz.id, memberId, preview);
    if (max > 0 && counts.inCycle >= max) throw maxAttemptsReached(max);
    const next = counts.highest + 1;
    const inserted = await trx
      .insertInto('quiz_submissions')
      .values(fill(next))
      .onConflict((oc) => oc.columns(['quiz_id', 'member_id', 'preview', 'attempt']).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) return inserted;
  }
  throw errors.conflict('ATTEMPT_CONFLICT', 'Too many attempts are being started at once. Try again.');
}

export async function startAttempt(ctx: AppContext, actor: Actor, quizId: string, requestId: string | null) {
  if (!actor.id) throw errors.unauthenticated();
  const memberId = actor.id;
  return ctx.db.transaction().execute(async (trx) => {
    const quiz = await loadQuiz(trx, quizId);
    const preview = (await quizAccess(trx, actor, quiz)) === 'manage';
    if (!preview) await assertQuizEnrollmentActive(trx, quiz, memberId);
    await expireStale(trx, quizId, memberId);
    const open = await openAttempt(trx, quizId, memberId, preview);
    if (open) return { attempt: attemptView(open, true), created: false };
    const now = new Date();
    if (!preview) {
      assertQuizOpen(quiz, await loadOverride(trx, quizId, memberId), now.toISOString());
      await assertQuizUnlocked(trx, quizId, memberId);
    }
    const questions = await loadQuestions(trx, quizId);
    const limit = quiz.time_limit_minutes === null ? null : Number(quiz.time_limit_minutes);
    const courseId = await courseOfAttempt(trx, quiz, memberId);
    const row = await insertAttempt(trx, quiz, memberId, preview, (attempt) => ({
      id: newId(),
      quiz_id: quiz.id,
      course_id: courseId,
      member_id: memberId,
      attempt,
      status: 'in_progress',
      started_at: now.toISOString(),
      deadline_at: limit === null ? null : new Date(now.getTime() + limit * 60_000).toISOString(),
      submitted_at: null,
      time_taken_seconds: null,
      order_json: JSON.stringify(makeOrder(quiz, questions)),
      answers_json: null,
      score: null,
      max_score: null,
      percentage: null,
      passed: null,
      graded_by: null,
      graded_at: null,
      created_at: now.toISOString(),
      preview: bool(preview),
      // A learner's attempt keeps the questions it started with (a preview follows the quiz's edits).
      questions_json: preview ? null : JSON.stringify(questions),
    }));
    if (preview) return { attempt: attemptView(row, false), created: true };
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'start',
      entity: 'quiz_submission',
      entityId: row.id,
      after: { quizId, memberId, attempt: row.attempt, deadlineAt: row.deadline_at },
      requestId,
    });
    return { attempt: attemptView(row, false), created: true };
  });
}

/**
 * The course an attempt belongs to: the quiz's own course, otherwise the course through which the
 * member takes it (a course they are enrolled in whose quiz lesson links the quiz; the earliest
 * enrollment when there are several). A quiz placed in several courses counts in each through the
 * attempts of that course's learners. Null for an author's preview outside any course.
 */
async function courseOfAttempt(db: Executor, quiz: Pick<QuizRow, 'id' | 'course_id'>, memberId: string): Promise<string | null> {
  if (quiz.course_id !== null) return quiz.course_id;
  const row = await db
    .selectFrom('lessons')
    .innerJoin('enrollments', (j) => j.onRef('enrollments.course_id', '=', 'lessons.course_id').on('enrollments.member_id', '=', memberId))
    .select('lessons.course_id')
    .where('lessons.quiz_id', '=', quiz.id)
    .where('lessons.kind', '=', 'quiz')
    .orderBy('enrollments.created_at')
    .orderBy('lessons.course_id')
    .limit(1)
    .executeTakeFirst();
  return row?.course_id ?? null;
}

/** Completes every quiz lesson that links this quiz in courses the member is enrolled in (save_progress_after_quiz). */
async function completeQuizLessons(ctx: AppContext, trx: Tx, quizId: string, memberId: string, actorId: string | null): Promise<void> {
  const rows = await quizLessonsOf(trx, quizId, memberId);
  for (const r of rows) {
    // An enrollment deleted while this ran takes its lesson progress with it.
    if (!(await lockForCompletion(ctx, trx, memberId, r.lesson_id))) continue;
    await markLessonComplete(ctx, trx, { memberId, lessonId: r.lesson_id, courseId: r.course_id, actorId });
  }
}

export function resultOf(s: SubmissionRow) {
  return {
    id: s.id,
    quizId: s.quiz_id,
    attempt: Number(s.attempt),
    status: s.status as SubmissionStatus,
    score: Number(s.score ?? 0),
    maxScore: Number(s.max_score ?? 0),
    percentage: s.percentage === null ? null : Number(s.percentage),
    passed: s.passed === null ? null : s.passed === 1,
    timeTakenSeconds: s.time_taken_seconds === null ? null : Number(s.time_taken_seconds),
    preview: s.preview === 1,
  };
}

function finalFields(quiz: QuizRow, graded: { score: number; maxScore: number; pendingReview: boolean }) {
  if (graded.pendingReview) return { status: 'pending_review', percentage: null, passed: null };
  return {
    status: 'graded',
    percentage: percentageOf(graded.score, graded.maxScore),
    passed: bool(isPassing(graded.score, graded.maxScore, Number(quiz.passing_percentage))),
  };
}

/**
 * Grades a submission on the server. With `attemptId` it submits that started attempt; without,
 * it submits the caller's attempt in progress, or (untimed quizzes) starts and submits a new one
 * in the same transaction. A submission after the deadline plus grace is refused and the attempt
 * is recorded as expired.
 */
export async function submitQuiz(ctx: AppContext, actor: Actor, quizId: string, input: SubmitInput, requestId: string | null) {
  if (!actor.id) throw errors.unauthenticated();
  const memberId = actor.id;
  const outcome = await ctx.db.transaction().execute(async (trx) => {
    const quiz = await loadQuiz(trx, quizId);
    const preview = (await quizAccess(trx, actor, quiz)) === 'manage';
    if (!preview) await assertQuizEnrollmentActive(trx, quiz, memberId);

    let attempt: SubmissionRow | undefined;
    if (input.attemptId) {
      attempt = await trx
        .selectFrom('quiz_submissions')
        .selectAll()
        .where('id', '=', input.attemptId)
        .where('quiz_id', '=', quizId)
        .where('member_id', '=', memberId)
        .where('preview', '=', bool(preview))
        .executeTakeFirst();
      if (!attempt) throw errors.notFound('The attempt');
      if (attempt.status !== 'in_progress')
        throw errors.conflict('ATTEMPT_ALREADY_SUBMITTED', 'This attempt has already been submitted.', { submissionId: attempt.id });
    } else {
      attempt = await openAttempt(trx, quizId, memberId, preview);
      if (!attempt && quiz.time_limit_minutes !== null) {
        throw errors.unprocessable('ATTEMPT_NOT_STARTED', 'This quiz is timed: start an attempt first (POST /api/quizzes/:id/attempts).');
      }
    }
    if (!preview) {
      // Starting and submitting at once is a start: the quiz must be open now. An attempt started
      // while the quiz was open may be submitted after the close within its own time limit (its
      // deadline plus grace, below); an untimed attempt has no limit of its own, so it closes with
      // the quiz.
      const override = await loadOverride(trx, quizId, memberId);
      const closes = closesAtFor(quiz, override);
      if (!attempt) assertQuizOpen(quiz, override, new Date().toISOString());
      else if (!attempt.deadline_at && closes !== null && new Date().toISOString() >= closes) {
        throw errors.unprocessable('QUIZ_CLOSED', `This quiz closed on ${readableInstant(closes)}.`, { closesAt: closes });
      }
    }
    if (!preview && !attempt) await assertQuizUnlocked(trx, quizId, memberId);
    // A started attempt is graded against the questions it started with, whatever was edited since.
    const questions = attemptQuestions(attempt, await loadQuestions(trx, quizId));
    const problems = validateAnswers(questions, input.answers);
    if (problems.length) throw errors.validation(problems, 'Some answers do not fit the questions of this quiz.');

    const now = new Date();
    if (attempt?.deadline_at && now.getTime() > graceDeadline(attempt.deadline_at)) {
      await trx
        .updateTable('quiz_submissions')
        .set({ status: 'expired', questions_json: null })
        .where('id', '=', attempt.id)
        .where('status', '=', 'in_progress')
        .execute();
      if (!preview) {
        await recordAudit(trx, {
          actorId: actor.id,
          action: 'expire',
          entity: 'quiz_submission',
          entityId: attempt.id,
          after: { submittedAt: now.toISOString() },
          requestId,
        });
      }
      return { late: attempt, result: null };
    }

    const graded = gradeAnswers(questions, input.answers);
    const fin = finalFields(quiz, graded);
    const submittedAt = now.toISOString();
    const common = {
      submitted_at: submittedAt,
      answers_json: JSON.stringify(graded.answers),
      score: graded.score,
      max_score: graded.maxScore,
      percentage: fin.percentage,
      passed: fin.passed,
      status: fin.status,
      graded_at: fin.status === 'graded' ? submittedAt : null,
      // answers_json now holds every question as asked.
      questions_json: null,
    };
    let row: SubmissionRow | undefined;
    if (attempt) {
      const started = Date.parse(attempt.started_at);
      row = await trx
        .updateTable('quiz_submissions')
        .set({ ...common, time_taken_seconds: Math.max(0, Math.round((now.getTime() - started) / 1000)) })
        .where('id', '=', attempt.id)
        .where('status', '=', 'in_progress')
        .returningAll()
        .executeTakeFirst();
      if (!row)
        throw errors.conflict('ATTEMPT_ALREADY_SUBMITTED', 'This attempt has already been submitted.', { submissionId: attempt.id });
    } else {
      const courseId = await courseOfAttempt(trx, quiz, memberId);
      row = await insertAttempt(trx, quiz, memberId, preview, (n) => ({
        id: newId(),
        quiz_id: quiz.id,
        course_id: courseId,
        member_id: memberId,
        attempt: n,
        started_at: submittedAt,
        deadline_at: null,
        time_taken_seconds: 0,
        order_json: JSON.stringify(makeOrder(quiz, questions)),
        graded_by: null,
        created_at: submittedAt,
        preview: bool(preview),
        ...common,
      }));
    }
    const result = resultOf(row);
    if (preview) return { late: null, result };
    await recordAudit(trx, { actorId: actor.id, action: 'submit', entity: 'quiz_submission', entityId: row.id, after: result, requestId });
    if (result.passed) await completeQuizLessons(ctx, trx, quizId, memberId, actor.id);
    return { late: null, result };
  });
  if (outcome.late) {
    throw errors.unprocessable('ATTEMPT_EXPIRED', 'The time for this attempt ran out before it was submitted.', {
      submissionId: outcome.late.id,
      deadlineAt: outcome.late.deadline_at,
    });
  }
  return outcome.result;
}

export async function gradeSubmission(ctx: AppContext, actor: Actor, id: string, input: GradeInput, requestId: string | null) {
  return ctx.db.transaction().execute(async (trx) => {
    const s = await trx.selectFrom('quiz_submissions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!s || !(await canSeeSubmission(trx, actor, s))) throw errors.notFound('The submission');
    if (!(await canGradeSubmission(trx, actor, s)))
      throw errors.forbidden('Only Moderators, Batch Evaluators and the course’s Course Creators grade submissions.');
    if (s.status !== 'pending_review') {
      throw errors.conflict('SUBMISSION_NOT_PENDING', 'Only a submission waiting for review can be graded.', { status: s.status });
    }
    const quiz = await loadQuiz(trx, s.quiz_id);
    const answers = parseJson<GradedAnswer[]>(s.answers_json) ?? [];
    const applied = applyManualGrades(answers, input.marks);
    if (applied.errors.length) throw errors.validation(applied.errors, 'The marks do not fit the open answers of this submission.');
    const maxScore = Number(s.max_score ?? 0);
    const passed = isPassing(applied.score, maxScore, Number(quiz.passing_percentage));
    const now = nowIso();
    const row = await trx
      .updateTable('quiz_submissions')
      .set({
        status: 'graded',
        answers_json: JSON.stringify(applied.answers),
        score: applied.score,
        percentage: percentageOf(applied.score, maxScore),
        passed: bool(passed),
        graded_by: actor.id,
        graded_at: now,
      })
      .where('id', '=', id)
      .where('status', '=', 'pending_review')
      .returningAll()
      .executeTakeFirst();
    if (!row) throw errors.conflict('SUBMISSION_NOT_PENDING', 'Only a submission waiting for review can be graded.', { status: 'graded' });
    const result = resultOf(row);
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'grade',
      entity: 'quiz_submission',
      entityId: id,
      before: resultOf(s),
      after: { ...result, marks: input.marks },
      requestId,
    });
    if (passed && s.preview === 0) await completeQuizLessons(ctx, trx, s.quiz_id, s.member_id, actor.id);
    if (s.preview === 0) await ctx.hooks.emit('submission.graded', trx, { submissionId: id, memberId: s.member_id, actorId: actor.id });
    return result;
  });
}
