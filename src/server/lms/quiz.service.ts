import { randomInt } from 'node:crypto';
import { sql, type Selectable, type SelectQueryBuilder } from 'kysely';
import type { Actor, AppContext } from '../context.ts';
import type { Executor, Tx } from '../db/database.ts';
import type { DB } from '../db/schema.ts';
import type { QuizQuestionsTable, QuizSubmissionsTable, QuizzesTable } from '../db/schema-quizzes.ts';
import { bool, containsCi, nowIso } from '../db/dialect.ts';
import { newId } from '../db/ids.ts';
import { applyKeyset, keysetOrder, keysetPage, type SortKeys } from '../db/keyset.ts';
import type { SUBMISSION_SORTS } from '../../contract/quizzes.ts';
import { hasAnyRole } from '../http/access.ts';
import { AppError, errors } from '../http/errors.ts';
import { recordAudit } from '../platform/audit.service.ts';
import { getSettings } from '../platform/settings.service.ts';
import { renderMarkdown } from '../platform/markdown.ts';
import type { PersonDetails } from '../platform/person-details.ts';
import {
  QUIZ_GRACE_SECONDS,
  type CreateQuizInput,
  type GradeInput,
  type QuestionInputT,
  type QuestionKind,
  type Quiz,
  type QuizListFilters,
  type Submission,
  type SubmissionListFilters,
  type SubmissionStatus,
  type SubmitInput,
  type UpdateQuizInput,
} from '../../contract/quizzes.ts';
import { HR_READERS, canManageCourse, isCourseAdmin, isInstructor, readableByMemberOrInstructor } from './course-access.ts';
import { assertUnlocked, lockForCompletion, markLessonComplete } from './enrollment.service.ts';
import { progressSql } from './progress.service.ts';
import {
  applyManualGrades,
  gradeAnswers,
  isPassing,
  percentageOf,
  validateAnswers,
  type GradedAnswer,
  type GradingQuestion,
} from './quiz-grading.ts';

type QuizRow = Selectable<QuizzesTable>;
type QuestionRow = Selectable<QuizQuestionsTable>;
type SubmissionRow = Selectable<QuizSubmissionsTable>;

interface AttemptOrder {
  questions: string[];
  options: Record<string, number[]>;
}

// ---------------------------------------------------------------------------------------------
// Access

/** Roles that read every submission (graders and HR filing reports); Course Creators read their courses'. */
const SUBMISSION_READERS = ['Moderator', 'Batch Evaluator', ...HR_READERS] as const;

/** Authors: quizzes of a course are managed by the course's managers; course-less quizzes by admins. */
async function canManageQuiz(db: Executor, actor: Actor, quiz: Pick<QuizRow, 'course_id'>): Promise<boolean> {
  if (quiz.course_id === null) return isCourseAdmin(actor);
  return canManageCourse(db, actor, quiz.course_id);
}

/**
 * A quiz lesson links a quiz of its own course, or a course-less quiz its author may manage (course
 * admins). Anything else is refused before a row is written: 404 NOT_FOUND for an unknown quiz or
 * one the actor may not manage (as if it did not exist), 422 QUIZ_NOT_IN_COURSE for a quiz of
 * another course.
 */
export async function assertQuizLinkable(db: Executor, actor: Actor, quizId: string, courseId: string): Promise<void> {
  const quiz = await db.selectFrom('quizzes').select(['id', 'course_id']).where('id', '=', quizId).executeTakeFirst();
  if (!quiz || !(await canManageQuiz(db, actor, quiz))) {
    throw new AppError(404, 'NOT_FOUND', 'The quiz was not found.', { errors: [{ path: 'quizId', message: 'No quiz you manage has this id.' }] });
  }
  if (quiz.course_id !== null && quiz.course_id !== courseId) {
    throw errors.unprocessable('QUIZ_NOT_IN_COURSE', 'This quiz belongs to another course. A lesson links a quiz of its own course.', {
      quizId,
      quizCourseId: quiz.course_id,
      errors: [{ path: 'quizId', message: 'This quiz belongs to another course.' }],
    });
  }
}

/** The courses through which the member takes this quiz: its own course and courses whose lessons link it. */
async function enrolledForQuiz(db: Executor, memberId: string, quiz: Pick<QuizRow, 'id' | 'course_id'>): Promise<boolean> {
  const row = await db
    .selectFrom('enrollments')
    .select('enrollments.id')
    .where('enrollments.member_id', '=', memberId)
    .where((eb) =>
      eb.or([
        eb('enrollments.course_id', '=', quiz.course_id ?? ''),
        eb.exists(
          eb
            .selectFrom('lessons')
            .select('lessons.id')
            .whereRef('lessons.course_id', '=', 'enrollments.course_id')
            .where('lessons.quiz_id', '=', quiz.id),
        ),
      ]),
    )
    .executeTakeFirst();
  return row !== undefined;
}

type QuizAccess = 'manage' | 'take';

/**
 * 'manage' for its authors, 'take' for enrolled learners; 404 for everyone else. Authors see the
 * answer key, so what they submit can never be a real attempt: their attempts are previews (even
 * when they are enrolled too), graded the same way but never counted, listed, reported, and never
 * completing a lesson.
 */
async function quizAccess(db: Executor, actor: Actor, quiz: QuizRow): Promise<QuizAccess> {
  if (await canManageQuiz(db, actor, quiz)) return 'manage';
  if (actor.id && (await enrolledForQuiz(db, actor.id, quiz))) return 'take';
  throw errors.notFound('The quiz');
}

async function loadQuiz(db: Executor, id: string): Promise<QuizRow> {
  const quiz = await db.selectFrom('quizzes').selectAll().where('id', '=', id).executeTakeFirst();
  if (!quiz) throw errors.notFound('The quiz');
  return quiz;
}

async function canSeeSubmissionsOfCourse(db: Executor, actor: Actor, courseId: string | null): Promise<boolean> {
  if (isCourseAdmin(actor) || hasAnyRole(actor.roles, SUBMISSION_READERS)) return true;
  if (courseId === null || !hasAnyRole(actor.roles, ['Course Creator'])) return false;
  return isInstructor(db, actor, courseId);
}

/** A preview is seen by the author who made it only. */
async function canSeeSubmission(db: Executor, actor: Actor, s: Pick<SubmissionRow, 'member_id' | 'course_id' | 'preview'>): Promise<boolean> {
  if (actor.id && s.member_id === actor.id) return true;
  if (s.preview === 1) return false;
  return canSeeSubmissionsOfCourse(db, actor, s.course_id);
}

async function canGradeSubmission(db: Executor, actor: Actor, s: Pick<SubmissionRow, 'course_id'>): Promise<boolean> {
  if (isCourseAdmin(actor) || hasAnyRole(actor.roles, ['Batch Evaluator'])) return true;
  if (s.course_id === null || !hasAnyRole(actor.roles, ['Course Creator'])) return false;
  return isInstructor(db, actor, s.course_id);
}

// ---------------------------------------------------------------------------------------------
// Quizzes

function parseJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

function toGradingQuestion(q: QuestionRow): GradingQuestion {
  return {
    id: q.id,
    position: Number(q.position),
    kind: q.kind as QuestionKind,
    text: q.text,
    marks: Number(q.marks),
    options: parseJson<{ text: string; correct: boolean }[]>(q.options_json),
    answers: parseJson<string[]>(q.answers_json),
    explanation: q.explanation,
  };
}

async function loadQuestions(db: Executor, quizId: string): Promise<GradingQuestion[]> {
  const rows = await db.selectFrom('quiz_questions').selectAll().where('quiz_id', '=', quizId).orderBy('position').execute();
  return rows.map(toGradingQuestion);
}

/** The questions an attempt started with; attempts without a copy (previews, older rows) use the quiz's current ones. */
function attemptQuestions(attempt: Pick<SubmissionRow, 'questions_json'> | undefined, current: GradingQuestion[]): GradingQuestion[] {
  return parseJson<GradingQuestion[]>(attempt?.questions_json ?? null) ?? current;
}

function questionRows(quizId: string, questions: readonly QuestionInputT[]): QuestionRow[] {
  return questions.map((q, i) => ({
    id: newId(),
    quiz_id: quizId,
    position: i,
    kind: q.kind,
    text: q.text,
    options_json: q.kind === 'single' || q.kind === 'multiple' ? JSON.stringify((q.options ?? []).map((o) => ({ text: o.text, correct: o.correct }))) : null,
    answers_json: q.kind === 'text' ? JSON.stringify(q.answers ?? []) : null,
    marks: q.marks,
    explanation: q.explanation ?? null,
  }));
}

async function lessonIdsOf(db: Executor, quizId: string): Promise<string[]> {
  const rows = await db.selectFrom('lessons').select('id').where('quiz_id', '=', quizId).where('kind', '=', 'quiz').orderBy('id').execute();
  return rows.map((r) => r.id);
}

function quizBase(quiz: QuizRow, questions: readonly GradingQuestion[], lessonIds: string[]) {
  return {
    id: quiz.id,
    courseId: quiz.course_id,
    title: quiz.title,
    description: quiz.description,
    descriptionHtml: renderMarkdown(quiz.description),
    passingPercentage: Number(quiz.passing_percentage),
    maxAttempts: Number(quiz.max_attempts),
    timeLimitMinutes: quiz.time_limit_minutes === null ? null : Number(quiz.time_limit_minutes),
    shuffle: quiz.shuffle === 1,
    showAnswers: quiz.show_answers === 1,
    maxScore: questions.reduce((s, q) => s + q.marks, 0),
    questionCount: questions.length,
    lessonIds,
    createdAt: quiz.created_at,
    updatedAt: quiz.updated_at,
  };
}

/** The audit copy of a quiz: settings and questions with their answers. */
function auditQuiz(quiz: QuizRow, questions: readonly GradingQuestion[]) {
  return { ...quiz, questions };
}

export async function createQuiz(ctx: AppContext, actor: Actor, input: CreateQuizInput): Promise<Quiz> {
  const id = await ctx.db.transaction().execute(async (trx) => {
    if (input.courseId) {
      const course = await trx.selectFrom('courses').select(['id', 'published']).where('id', '=', input.courseId).executeTakeFirst();
      if (!course) throw errors.validation([{ path: 'courseId', message: 'No course has this id.' }], 'No course has this id.');
      if (!(await canManageCourse(trx, actor, course.id))) {
        if (course.published !== 1) throw errors.validation([{ path: 'courseId', message: 'No course has this id.' }], 'No course has this id.');
        throw errors.forbidden('You may only add quizzes to courses you teach.');
      }
    } else if (!isCourseAdmin(actor)) {
      throw errors.validation([{ path: 'courseId', message: 'Give the course this quiz belongs to.' }], 'Course Creators add quizzes to their courses.');
    }
    const now = nowIso();
    const quiz: QuizRow = {
      id: newId(),
      course_id: input.courseId ?? null,
      title: input.title,
      description: input.description ?? '',
      passing_percentage: input.passingPercentage,
      max_attempts: input.maxAttempts,
      time_limit_minutes: input.timeLimitMinutes ?? null,
      shuffle: bool(input.shuffle),
      show_answers: bool(input.showAnswers),
      created_by: actor.id,
      created_at: now,
      updated_at: now,
    };
    await trx.insertInto('quizzes').values(quiz).execute();
    const rows = questionRows(quiz.id, input.questions);
    await trx.insertInto('quiz_questions').values(rows).execute();
    await recordAudit(trx, { actorId: actor.id, action: 'create', entity: 'quiz', entityId: quiz.id, after: auditQuiz(quiz, rows.map(toGradingQuestion)) });
    return quiz.id;
  });
  return getQuiz(ctx, actor, id);
}

export async function updateQuiz(ctx: AppContext, actor: Actor, id: string, patch: UpdateQuizInput): Promise<Quiz> {
  await ctx.db.transaction().execute(async (trx) => {
    const quiz = await loadQuiz(trx, id);
    if ((await quizAccess(trx, actor, quiz)) !== 'manage') throw errors.forbidden('Only the course’s authors may change its quizzes.');
    const before = auditQuiz(quiz, await loadQuestions(trx, id));
    const set: Partial<QuizRow> = { updated_at: nowIso() };
    if (patch.title !== undefined) set.title = patch.title;
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.passingPercentage !== undefined) set.passing_percentage = patch.passingPercentage;
    if (patch.maxAttempts !== undefined) set.max_attempts = patch.maxAttempts;
    if (patch.timeLimitMinutes !== undefined) set.time_limit_minutes = patch.timeLimitMinutes;
    if (patch.shuffle !== undefined) set.shuffle = bool(patch.shuffle);
    if (patch.showAnswers !== undefined) set.show_answers = bool(patch.showAnswers);
    await trx.updateTable('quizzes').set(set).where('id', '=', id).execute();
    if (patch.questions) {
      // Allowed while learners are mid-attempt: each attempt in progress holds the questions it
      // started with (questions_json) and is shown and graded against those; submitted attempts hold
      // their own copy in answers_json. Refusing edits instead would let one abandoned attempt block
      // every correction of the quiz.
      await trx.deleteFrom('quiz_questions').where('quiz_id', '=', id).execute();
      await trx.insertInto('quiz_questions').values(questionRows(id, patch.questions)).execute();
    }
    const after = auditQuiz(await loadQuiz(trx, id), await loadQuestions(trx, id));
    await recordAudit(trx, { actorId: actor.id, action: 'update', entity: 'quiz', entityId: id, before, after });
  });
  return getQuiz(ctx, actor, id);
}

export async function deleteQuiz(ctx: AppContext, actor: Actor, id: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const quiz = await loadQuiz(trx, id);
    if ((await quizAccess(trx, actor, quiz)) !== 'manage') throw errors.forbidden('Only the course’s authors may delete its quizzes.');
    const lessons = await lessonIdsOf(trx, id);
    if (lessons.length) {
      throw errors.conflict('QUIZ_IN_USE', 'Lessons use this quiz. Remove it from those lessons first.', { lessonIds: lessons });
    }
    const learners = await trx
      .selectFrom('quiz_submissions')
      .select('id')
      .where('quiz_id', '=', id)
      .where('preview', '=', 0)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('enrollments')
            .select('enrollments.id')
            .whereRef('enrollments.member_id', '=', 'quiz_submissions.member_id')
            .where('enrollments.course_id', '=', quiz.course_id ?? ''),
        ),
      )
      .executeTakeFirst();
    if (learners) {
      throw errors.conflict('QUIZ_HAS_SUBMISSIONS', 'Learners have taken this quiz; their submissions are records. The quiz cannot be deleted.');
    }
    const before = auditQuiz(quiz, await loadQuestions(trx, id));
    await trx.deleteFrom('quizzes').where('id', '=', id).execute();
    await recordAudit(trx, { actorId: actor.id, action: 'delete', entity: 'quiz', entityId: id, before });
  });
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
function inOrder(questions: readonly GradingQuestion[], order: AttemptOrder | null): { q: GradingQuestion; optionOrder: number[] | null }[] {
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

/** The member's highest attempt number, real attempts and previews numbered apart. */
async function attemptsUsed(db: Executor, quizId: string, memberId: string, preview: boolean): Promise<number> {
  const r = await db
    .selectFrom('quiz_submissions')
    .select((eb) => eb.fn.max('attempt').as('n'))
    .where('quiz_id', '=', quizId)
    .where('member_id', '=', memberId)
    .where('preview', '=', bool(preview))
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

function graceDeadline(deadlineAt: string): number {
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

async function openAttempt(db: Executor, quizId: string, memberId: string, preview: boolean): Promise<SubmissionRow | undefined> {
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

export async function getQuiz(ctx: AppContext, actor: Actor, id: string): Promise<Quiz> {
  const quiz = await loadQuiz(ctx.db, id);
  const access = await quizAccess(ctx.db, actor, quiz);
  const preview = access === 'manage';
  const quizQuestions = await loadQuestions(ctx.db, id);
  const lessonIds = await lessonIdsOf(ctx.db, id);
  const memberId = actor.id ?? '';
  const used = preview ? 0 : await attemptsUsed(ctx.db, id, memberId, false);
  let current = await openAttempt(ctx.db, id, memberId, preview);
  if (current?.deadline_at && Date.now() > graceDeadline(current.deadline_at)) current = undefined;
  // Authors see the quiz as it is now; a learner in an attempt sees the questions it started with.
  const questions = preview ? quizQuestions : attemptQuestions(current, quizQuestions);
  const max = Number(quiz.max_attempts);
  const base = {
    ...quizBase(quiz, questions, lessonIds),
    attemptsUsed: used,
    attemptsLeft: preview || max === 0 ? null : Math.max(0, max - used),
    currentAttempt: current ? { id: current.id, attempt: Number(current.attempt), startedAt: current.started_at, deadlineAt: current.deadline_at } : null,
  };
  if (preview) {
    return {
      ...base,
      view: 'staff',
      questions: questions.map((q) => ({
        id: q.id,
        position: q.position,
        kind: q.kind,
        text: q.text,
        textHtml: renderMarkdown(q.text),
        marks: q.marks,
        options: q.options ? q.options.map((o, index) => ({ index, text: o.text, correct: o.correct })) : null,
        answers: q.answers ?? [],
        explanation: q.explanation,
      })),
    };
  }
  const order = current ? parseJson<AttemptOrder>(current.order_json) : null;
  return {
    ...base,
    view: 'learner',
    questions: inOrder(questions, order).map(({ q, optionOrder }, position) => ({
      id: q.id,
      position,
      kind: q.kind,
      text: q.text,
      textHtml: renderMarkdown(q.text),
      marks: q.marks,
      options: q.options && optionOrder ? optionOrder.map((index) => ({ index, text: q.options![index]!.text })) : null,
    })),
  };
}

export async function listQuizzes(ctx: AppContext, actor: Actor, f: QuizListFilters) {
  let base = ctx.db.selectFrom('quizzes');
  if (!isCourseAdmin(actor) && !hasAnyRole(actor.roles, ['Batch Evaluator'])) {
    const me = actor.id ?? '';
    base = base.where((eb) =>
      eb.exists(
        eb
          .selectFrom('course_instructors')
          .select('course_instructors.user_id')
          .whereRef('course_instructors.course_id', '=', 'quizzes.course_id')
          .where('course_instructors.user_id', '=', me),
      ),
    );
  }
  if (f.courseId) base = base.where('quizzes.course_id', '=', f.courseId);
  if (f.q) {
    const text = f.q;
    base = base.where((eb) => containsCi(eb.ref('quizzes.title'), text));
  }
  let page = base
    .leftJoin('courses', 'courses.id', 'quizzes.course_id')
    .selectAll('quizzes')
    .select([
      'courses.title as course_title',
      (eb) => eb.selectFrom('quiz_questions').select((q) => q.fn.countAll<number>().as('n')).whereRef('quiz_questions.quiz_id', '=', 'quizzes.id').as('question_count'),
      (eb) => eb.selectFrom('quiz_questions').select((q) => q.fn.sum<number>('marks').as('m')).whereRef('quiz_questions.quiz_id', '=', 'quizzes.id').as('max_score'),
    ]);
  if (f.cursor) page = page.where('quizzes.id', '<', f.cursor);
  const rows = await page.orderBy('quizzes.id', 'desc').limit(f.limit + 1).execute();
  const items = rows.slice(0, f.limit).map((r) => ({
    id: r.id,
    courseId: r.course_id,
    courseTitle: r.course_title,
    title: r.title,
    passingPercentage: Number(r.passing_percentage),
    maxAttempts: Number(r.max_attempts),
    timeLimitMinutes: r.time_limit_minutes === null ? null : Number(r.time_limit_minutes),
    questionCount: Number(r.question_count ?? 0),
    maxScore: Number(r.max_score ?? 0),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }));
  let total: number | undefined;
  if (f.withTotal) {
    const c = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    total = Number(c.n);
  }
  return { items, nextCursor: rows.length > f.limit ? (items[items.length - 1]?.id ?? null) : null, ...(total !== undefined ? { total } : {}) };
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
  return errors.unprocessable('MAX_ATTEMPTS_REACHED', `This quiz allows ${max} attempt${max === 1 ? '' : 's'}, and all have been used.`, { maxAttempts: max });
}

/**
 * Inserts the member's next attempt (or preview). The number is max + 1 read inside the
 * transaction; the unique (quiz, member, preview, attempt) index decides races: a concurrent insert
 * of the same number does nothing here (ON CONFLICT DO NOTHING keeps a PostgreSQL transaction
 * usable) and we read again. Previews have no maximum.
 */
async function insertAttempt(trx: Tx, quiz: QuizRow, memberId: string, preview: boolean, fill: (attempt: number) => SubmissionRow): Promise<SubmissionRow> {
  const max = preview ? 0 : Number(quiz.max_attempts);
  for (let tries = 0; tries < 100; tries++) {
    const next = (await attemptsUsed(trx, quiz.id, memberId, preview)) + 1;
    if (max > 0 && next > max) throw maxAttemptsReached(max);
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
    await expireStale(trx, quizId, memberId);
    const open = await openAttempt(trx, quizId, memberId, preview);
    if (open) return { attempt: attemptView(open, true), created: false };
    if (!preview) await assertQuizUnlocked(trx, quizId, memberId);
    const questions = await loadQuestions(trx, quizId);
    const now = new Date();
    const limit = quiz.time_limit_minutes === null ? null : Number(quiz.time_limit_minutes);
    const row = await insertAttempt(trx, quiz, memberId, preview, (attempt) => ({
      id: newId(),
      quiz_id: quiz.id,
      course_id: quiz.course_id,
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

/** The quiz lessons that link this quiz in courses the member is enrolled in. */
async function quizLessonsOf(db: Executor, quizId: string, memberId: string) {
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
async function assertQuizUnlocked(db: Executor, quizId: string, memberId: string): Promise<void> {
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

/** Completes every quiz lesson that links this quiz in courses the member is enrolled in (save_progress_after_quiz). */
async function completeQuizLessons(ctx: AppContext, trx: Tx, quizId: string, memberId: string, actorId: string | null): Promise<void> {
  const rows = await quizLessonsOf(trx, quizId, memberId);
  for (const r of rows) {
    // An enrollment deleted while this ran takes its lesson progress with it.
    if (!(await lockForCompletion(ctx, trx, memberId, r.lesson_id))) continue;
    await markLessonComplete(ctx, trx, { memberId, lessonId: r.lesson_id, courseId: r.course_id, actorId });
  }
}

function resultOf(s: SubmissionRow) {
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
      if (attempt.status !== 'in_progress') throw errors.conflict('ATTEMPT_ALREADY_SUBMITTED', 'This attempt has already been submitted.', { submissionId: attempt.id });
    } else {
      attempt = await openAttempt(trx, quizId, memberId, preview);
      if (!attempt && quiz.time_limit_minutes !== null) {
        throw errors.unprocessable('ATTEMPT_NOT_STARTED', 'This quiz is timed: start an attempt first (POST /api/quizzes/:id/attempts).');
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
        await recordAudit(trx, { actorId: actor.id, action: 'expire', entity: 'quiz_submission', entityId: attempt.id, after: { submittedAt: now.toISOString() }, requestId });
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
      if (!row) throw errors.conflict('ATTEMPT_ALREADY_SUBMITTED', 'This attempt has already been submitted.', { submissionId: attempt.id });
    } else {
      row = await insertAttempt(trx, quiz, memberId, preview, (n) => ({
        id: newId(),
        quiz_id: quiz.id,
        course_id: quiz.course_id,
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
    if (!(await canGradeSubmission(trx, actor, s))) throw errors.forbidden('Only Moderators, Batch Evaluators and the course’s Course Creators grade submissions.');
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
    await recordAudit(trx, { actorId: actor.id, action: 'grade', entity: 'quiz_submission', entityId: id, before: resultOf(s), after: { ...result, marks: input.marks }, requestId });
    if (passed && s.preview === 0) await completeQuizLessons(ctx, trx, s.quiz_id, s.member_id, actor.id);
    return result;
  });
}

// ---------------------------------------------------------------------------------------------
// Reading submissions

type SubmissionQuery = SelectQueryBuilder<DB, 'quiz_submissions', object>;

function scopedSubmissions(ctx: AppContext, actor: Actor): SubmissionQuery {
  const readsAll = isCourseAdmin(actor) || hasAnyRole(actor.roles, SUBMISSION_READERS);
  const rule = readableByMemberOrInstructor('quiz_submissions', actor, readsAll);
  // Authors' previews are not records: no list shows them.
  const q = ctx.db.selectFrom('quiz_submissions').where('quiz_submissions.preview', '=', 0);
  return rule ? q.where(rule) : q;
}

function withNames(q: SubmissionQuery) {
  return q
    .innerJoin('users', 'users.id', 'quiz_submissions.member_id')
    .innerJoin('quizzes', 'quizzes.id', 'quiz_submissions.quiz_id')
    .leftJoin('courses', 'courses.id', 'quiz_submissions.course_id')
    .selectAll('quiz_submissions')
    .select(['users.full_name as member_name', 'users.email as member_email', 'quizzes.title as quiz_title', 'courses.title as course_title']);
}

const SUBMISSION_SORT_KEYS: SortKeys<(typeof SUBMISSION_SORTS)[number]> = {
  startedAt: { ref: 'quiz_submissions.started_at', kind: 'date' },
  submittedAt: { ref: 'quiz_submissions.submitted_at', kind: 'date', nullable: true },
  percentage: { ref: 'quiz_submissions.percentage', kind: 'number', nullable: true },
  attempt: { ref: 'quiz_submissions.attempt', kind: 'number', integer: true },
  memberName: { ref: 'users.full_name', kind: 'text' },
  quizTitle: { ref: 'quizzes.title', kind: 'text' },
};

export async function listSubmissions(ctx: AppContext, actor: Actor, f: SubmissionListFilters) {
  let base = scopedSubmissions(ctx, actor);
  if (f.courseId) base = base.where('quiz_submissions.course_id', '=', f.courseId);
  if (f.quizId) base = base.where('quiz_submissions.quiz_id', '=', f.quizId);
  if (f.memberId) base = base.where('quiz_submissions.member_id', '=', f.memberId);
  if (f.passed !== undefined) base = base.where('quiz_submissions.passed', '=', bool(f.passed));
  if (f.status) base = base.where('quiz_submissions.status', '=', f.status);
  const order = keysetOrder(f.sort, SUBMISSION_SORT_KEYS, 'quiz_submissions.id');
  const rows = await applyKeyset(withNames(base), order, ctx.dialect, f.cursor).limit(f.limit + 1).execute();
  const { page, nextCursor } = keysetPage(order, rows, f.limit);
  const items = page.map((r) => ({
    ...resultOf(r),
    memberId: r.member_id,
    memberName: r.member_name,
    memberEmail: r.member_email,
    quizTitle: r.quiz_title,
    courseId: r.course_id,
    courseTitle: r.course_title,
    startedAt: r.started_at,
    submittedAt: r.submitted_at,
  }));
  let total: number | undefined;
  if (f.withTotal) {
    const c = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    total = Number(c.n);
  }
  return { items, nextCursor, ...(total !== undefined ? { total } : {}) };
}

type NamedSubmission = SubmissionRow & { member_name: string; member_email: string; quiz_title: string; course_title: string | null };

function presentSubmission(r: NamedSubmission, answersVisible: boolean): Submission {
  const answers = r.status === 'in_progress' ? [] : (parseJson<GradedAnswer[]>(r.answers_json) ?? []);
  return {
    ...resultOf(r),
    memberId: r.member_id,
    memberName: r.member_name,
    memberEmail: r.member_email,
    quizTitle: r.quiz_title,
    courseId: r.course_id,
    courseTitle: r.course_title,
    startedAt: r.started_at,
    deadlineAt: r.deadline_at,
    submittedAt: r.submitted_at,
    gradedAt: r.graded_at,
    gradedBy: r.graded_by,
    answersVisible,
    answers: answers.map((a) => ({
      questionId: a.questionId,
      position: a.position,
      kind: a.kind,
      text: a.text,
      marks: a.marks,
      options: a.options ? a.options.map((o, index) => (answersVisible ? { index, text: o.text, correct: o.correct } : { index, text: o.text })) : null,
      givenChoice: a.givenChoice,
      givenText: a.givenText,
      ...(answersVisible
        ? {
            acceptedAnswers: a.acceptedAnswers ?? [],
            awardedMarks: a.awardedMarks,
            correct: a.correct,
            explanation: a.explanation,
            comment: a.comment,
          }
        : {}),
    })),
  };
}

/** Staff who may read the submission see answers; the learner only when the quiz shows answers after submit. */
async function visibleSubmission(ctx: AppContext, actor: Actor, id: string): Promise<{ row: NamedSubmission; answersVisible: boolean; showAnswers: boolean }> {
  const row = await withNames(ctx.db.selectFrom('quiz_submissions')).select('quizzes.show_answers').where('quiz_submissions.id', '=', id).executeTakeFirst();
  if (!row) throw errors.notFound('The submission');
  const staff = await canSeeSubmissionsOfCourse(ctx.db, actor, row.course_id);
  const own = actor.id !== null && row.member_id === actor.id;
  if (!own && (!staff || row.preview === 1)) throw errors.notFound('The submission');
  return { row, answersVisible: staff || row.show_answers === 1, showAnswers: row.show_answers === 1 };
}

export async function getSubmission(ctx: AppContext, actor: Actor, id: string): Promise<Submission> {
  const { row, answersVisible } = await visibleSubmission(ctx, actor, id);
  return presentSubmission(row, answersVisible);
}

// ---------------------------------------------------------------------------------------------
// Report data

export interface ReportPerson {
  fullName: string;
  email: string;
  details: PersonDetails | null;
}

export interface SubmissionReportData {
  documentId: string;
  generatedAt: string;
  organisation: string;
  person: ReportPerson;
  courseTitle: string | null;
  quizTitle: string;
  passingPercentage: number;
  answersVisible: boolean;
  submission: Submission;
}

export async function submissionReportData(ctx: AppContext, actor: Actor, id: string): Promise<SubmissionReportData> {
  const { row, answersVisible } = await visibleSubmission(ctx, actor, id);
  if (row.status === 'in_progress') throw errors.unprocessable('SUBMISSION_NOT_SUBMITTED', 'This attempt has not been submitted yet.');
  const quiz = await loadQuiz(ctx.db, row.quiz_id);
  const settings = await getSettings(ctx.db);
  const details = await ctx.people.get(ctx.db, row.member_id);
  return {
    documentId: `QSR-${row.id}`,
    generatedAt: nowIso(),
    organisation: settings.organisationName,
    person: { fullName: row.member_name, email: row.member_email, details },
    courseTitle: row.course_title,
    quizTitle: row.quiz_title,
    passingPercentage: Number(quiz.passing_percentage),
    answersVisible,
    submission: presentSubmission(row, true),
  };
}

export interface CourseQuizEntry {
  quizId: string;
  title: string;
  passingPercentage: number;
  attempts: number;
  best: Submission | null;
  latest: Submission | null;
}

export interface CourseQuizReportData {
  documentId: string;
  generatedAt: string;
  organisation: string;
  person: ReportPerson;
  courseTitle: string;
  enrollment: { id: string; progress: number; completedAt: string | null; createdAt: string };
  answersVisible: boolean;
  quizzes: CourseQuizEntry[];
}

/** Every quiz of the enrollment's course with the member's best and latest submitted attempts. */
export async function courseQuizReportData(ctx: AppContext, actor: Actor, enrollmentId: string): Promise<CourseQuizReportData> {
  const e = await ctx.db
    .selectFrom('enrollments')
    .innerJoin('users', 'users.id', 'enrollments.member_id')
    .innerJoin('courses', 'courses.id', 'enrollments.course_id')
    .selectAll('enrollments')
    .select([progressSql('enrollments', 'courses').as('progress'), 'users.full_name', 'users.email', 'courses.title as course_title'])
    .where('enrollments.id', '=', enrollmentId)
    .executeTakeFirst();
  if (!e) throw errors.notFound('The enrollment');
  const own = actor.id !== null && e.member_id === actor.id;
  const staff = await canSeeSubmissionsOfCourse(ctx.db, actor, e.course_id);
  if (!own && !staff) throw errors.notFound('The enrollment');
  const quizzes = await ctx.db
    .selectFrom('quizzes')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb('quizzes.course_id', '=', e.course_id),
        eb.exists(eb.selectFrom('lessons').select('lessons.id').whereRef('lessons.quiz_id', '=', 'quizzes.id').where('lessons.course_id', '=', e.course_id)),
      ]),
    )
    .orderBy('quizzes.created_at')
    .orderBy('quizzes.id')
    .execute();
  const ids = quizzes.map((q) => q.id);
  const subs: NamedSubmission[] = ids.length
    ? await withNames(ctx.db.selectFrom('quiz_submissions'))
        .where('quiz_submissions.member_id', '=', e.member_id)
        .where('quiz_submissions.quiz_id', 'in', ids)
        .where('quiz_submissions.status', 'in', ['graded', 'pending_review'])
        .where('quiz_submissions.preview', '=', 0)
        .orderBy('quiz_submissions.attempt')
        .execute()
    : [];
  const settings = await getSettings(ctx.db);
  const details = await ctx.people.get(ctx.db, e.member_id);
  const answersVisible = staff;
  const entries = quizzes.map((q): CourseQuizEntry => {
    const mine = subs.filter((s) => s.quiz_id === q.id);
    const graded = mine.filter((s) => s.status === 'graded');
    const best = graded.reduce<NamedSubmission | null>((b, s) => (b === null || Number(s.percentage) > Number(b.percentage) ? s : b), null);
    const latest = mine.length ? mine[mine.length - 1]! : null;
    const visible = staff || q.show_answers === 1;
    return {
      quizId: q.id,
      title: q.title,
      passingPercentage: Number(q.passing_percentage),
      attempts: mine.length,
      best: best ? presentSubmission(best, visible) : null,
      latest: latest ? presentSubmission(latest, visible) : null,
    };
  });
  return {
    documentId: `CQR-${e.id}-${Date.now().toString(36)}`,
    generatedAt: nowIso(),
    organisation: settings.organisationName,
    person: { fullName: e.full_name, email: e.email, details },
    courseTitle: e.course_title,
    enrollment: { id: e.id, progress: Number(e.progress), completedAt: e.completed_at, createdAt: e.created_at },
    answersVisible,
    quizzes: entries,
  };
}

// ---------------------------------------------------------------------------------------------
// Statistics

/** Average assessment score by course, over graded attempts (set-based, two grouped queries). */
export async function assessmentScores(ctx: AppContext, actor: Actor, f: { courseId?: string | undefined }) {
  const allCourses = isCourseAdmin(actor) || hasAnyRole(actor.roles, HR_READERS);
  const me = actor.id ?? '';
  let agg = ctx.db
    .selectFrom('quiz_submissions')
    .innerJoin('courses', 'courses.id', 'quiz_submissions.course_id')
    .select((eb) => [
      'courses.id as course_id',
      'courses.title',
      eb.fn.count<number>('quiz_submissions.id').as('submissions'),
      sql<number>`count(distinct quiz_submissions.member_id)`.as('learners'),
      sql<number>`count(distinct quiz_submissions.quiz_id)`.as('quizzes'),
      eb.fn.avg<number>('quiz_submissions.percentage').as('avg_pct'),
      eb.fn.avg<number>('quiz_submissions.passed').as('pass_rate'),
    ])
    .where('quiz_submissions.status', '=', 'graded')
    .where('quiz_submissions.preview', '=', 0)
    .groupBy(['courses.id', 'courses.title']);
  let best = ctx.db
    .selectFrom((eb) =>
      eb
        .selectFrom('quiz_submissions')
        .select((s) => ['quiz_submissions.course_id', s.fn.max('quiz_submissions.percentage').as('best')])
        .where('quiz_submissions.status', '=', 'graded')
        .where('quiz_submissions.preview', '=', 0)
        .groupBy(['quiz_submissions.course_id', 'quiz_submissions.quiz_id', 'quiz_submissions.member_id'])
        .as('b'),
    )
    .select((eb) => ['b.course_id', eb.fn.avg<number>('b.best').as('avg_best')])
    .groupBy('b.course_id');
  if (!allCourses) {
    agg = agg.where((eb) =>
      eb.exists(eb.selectFrom('course_instructors').select('course_instructors.user_id').whereRef('course_instructors.course_id', '=', 'courses.id').where('course_instructors.user_id', '=', me)),
    );
  }
  if (f.courseId) {
    agg = agg.where('courses.id', '=', f.courseId);
    best = best.where('b.course_id', '=', f.courseId);
  }
  const [rows, bests] = await Promise.all([agg.orderBy('courses.title').execute(), best.execute()]);
  const bestBy = new Map(bests.map((b) => [b.course_id, b.avg_best]));
  const round = (v: number | string | null | undefined) => (v === null || v === undefined ? null : Math.round(Number(v) * 100) / 100);
  return {
    items: rows.map((r) => ({
      courseId: r.course_id,
      title: r.title,
      quizzes: Number(r.quizzes),
      learners: Number(r.learners),
      submissions: Number(r.submissions),
      averagePercentage: round(r.avg_pct),
      averageBestPercentage: round(bestBy.get(r.course_id)),
      passRate: r.pass_rate === null ? null : Math.round(Number(r.pass_rate) * 10000) / 100,
    })),
  };
}
