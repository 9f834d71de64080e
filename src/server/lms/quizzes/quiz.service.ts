/**
 * Quiz authoring: quizzes with their questions, created, read, listed, changed and deleted (audited).
 */
import type { Actor, AppContext } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import { bool, containsCi, nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import { hasAnyRole } from '../../http/access.ts';
import { errors } from '../../http/errors.ts';
import { recordAudit } from '../../platform/audit.service.ts';
import { renderMarkdown } from '../../platform/markdown.ts';
import {
  type CreateQuizInput,
  type QuestionInputT,
  type QuestionKind,
  type Quiz,
  type QuizListFilters,
  type UpdateQuizInput,
} from '../../../contract/quizzes.ts';
import { canManageCourse, isCourseAdmin } from '../courses/index.ts';
import { type GradingQuestion } from './grading.ts';
import { type AttemptOrder, type QuestionRow, type QuizRow, type SubmissionRow, loadQuiz, quizAccess } from './quiz.policy.ts';
import { attemptsUsed, graceDeadline, inOrder, openAttempt } from './attempt.service.ts';
import { availabilityAt, closesAtFor, loadOverride, maxAttemptsFor, quizOutcomes } from './quiz-availability.service.ts';

// ---------------------------------------------------------------------------------------------
// Quizzes

export function parseJson<T>(text: string | null): T | null {
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

export async function loadQuestions(db: Executor, quizId: string): Promise<GradingQuestion[]> {
  const rows = await db.selectFrom('quiz_questions').selectAll().where('quiz_id', '=', quizId).orderBy('position').execute();
  return rows.map(toGradingQuestion);
}

/** The questions an attempt started with; attempts without a copy (previews, older rows) use the quiz's current ones. */
export function attemptQuestions(
  attempt: Pick<SubmissionRow, 'questions_json'> | undefined,
  current: GradingQuestion[],
): GradingQuestion[] {
  return parseJson<GradingQuestion[]>(attempt?.questions_json ?? null) ?? current;
}

export function questionRows(quizId: string, questions: readonly QuestionInputT[]): QuestionRow[] {
  return questions.map((q, i) => ({
    id: newId(),
    quiz_id: quizId,
    position: i,
    kind: q.kind,
    text: q.text,
    options_json:
      q.kind === 'single' || q.kind === 'multiple'
        ? JSON.stringify((q.options ?? []).map((o) => ({ text: o.text, correct: o.correct })))
        : null,
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
    opensAt: quiz.opens_at,
    closesAt: quiz.closes_at,
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

/** A quiz opens before it closes (the quizzes_window check holds the same). */
export function checkQuizWindow(q: { opens_at: string | null; closes_at: string | null }): void {
  if (q.opens_at !== null && q.closes_at !== null && q.opens_at >= q.closes_at) {
    const message = 'The quiz must close after it opens.';
    throw errors.validation([{ path: 'closesAt', message }], message);
  }
}

export async function createQuiz(ctx: AppContext, actor: Actor, input: CreateQuizInput): Promise<Quiz> {
  const id = await ctx.db.transaction().execute(async (trx) => {
    if (input.courseId) {
      const course = await trx.selectFrom('courses').select(['id', 'published']).where('id', '=', input.courseId).executeTakeFirst();
      if (!course) throw errors.validation([{ path: 'courseId', message: 'No course has this id.' }], 'No course has this id.');
      if (!(await canManageCourse(trx, actor, course.id))) {
        if (course.published !== 1)
          throw errors.validation([{ path: 'courseId', message: 'No course has this id.' }], 'No course has this id.');
        throw errors.forbidden('You may only add quizzes to courses you teach.');
      }
    } else if (!isCourseAdmin(actor)) {
      throw errors.validation(
        [{ path: 'courseId', message: 'Give the course this quiz belongs to.' }],
        'Course Creators add quizzes to their courses.',
      );
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
      opens_at: input.opensAt ?? null,
      closes_at: input.closesAt ?? null,
      created_by: actor.id,
      created_at: now,
      updated_at: now,
    };
    checkQuizWindow(quiz);
    await trx.insertInto('quizzes').values(quiz).execute();
    const rows = questionRows(quiz.id, input.questions);
    await trx.insertInto('quiz_questions').values(rows).execute();
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'create',
      entity: 'quiz',
      entityId: quiz.id,
      after: auditQuiz(quiz, rows.map(toGradingQuestion)),
    });
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
    if (patch.opensAt !== undefined) set.opens_at = patch.opensAt;
    if (patch.closesAt !== undefined) set.closes_at = patch.closesAt;
    checkQuizWindow({ ...quiz, ...set });
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
      throw errors.conflict(
        'QUIZ_HAS_SUBMISSIONS',
        'Learners have taken this quiz; their submissions are records. The quiz cannot be deleted.',
      );
    }
    const before = auditQuiz(quiz, await loadQuestions(trx, id));
    await trx.deleteFrom('quizzes').where('id', '=', id).execute();
    await recordAudit(trx, { actorId: actor.id, action: 'delete', entity: 'quiz', entityId: id, before });
  });
}

export async function getQuiz(ctx: AppContext, actor: Actor, id: string): Promise<Quiz> {
  const quiz = await loadQuiz(ctx.db, id);
  const access = await quizAccess(ctx.db, actor, quiz);
  const preview = access === 'manage';
  const quizQuestions = await loadQuestions(ctx.db, id);
  const lessonIds = await lessonIdsOf(ctx.db, id);
  const memberId = actor.id ?? '';
  const used = preview ? 0 : await attemptsUsed(ctx.db, id, memberId);
  let current = await openAttempt(ctx.db, id, memberId, preview);
  if (current?.deadline_at && Date.now() > graceDeadline(current.deadline_at)) current = undefined;
  // Authors see the quiz as it is now; a learner in an attempt sees the questions it started with.
  const questions = preview ? quizQuestions : attemptQuestions(current, quizQuestions);
  const override = preview ? undefined : await loadOverride(ctx.db, id, memberId);
  const max = maxAttemptsFor(quiz, override);
  const outcome = preview ? null : ((await quizOutcomes(ctx.db, quiz, [memberId])).get(memberId) ?? null);
  const base = {
    ...quizBase(quiz, questions, lessonIds),
    closesAtForYou: closesAtFor(quiz, override),
    extraAttempts: Number(override?.extra_attempts ?? 0),
    availability: availabilityAt(quiz, override, new Date().toISOString()),
    outcome,
    attemptsUsed: used,
    attemptsLeft: preview || max === 0 ? null : Math.max(0, max - used),
    currentAttempt: current
      ? { id: current.id, attempt: Number(current.attempt), startedAt: current.started_at, deadlineAt: current.deadline_at }
      : null,
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
      (eb) =>
        eb
          .selectFrom('quiz_questions')
          .select((q) => q.fn.countAll<number>().as('n'))
          .whereRef('quiz_questions.quiz_id', '=', 'quizzes.id')
          .as('question_count'),
      (eb) =>
        eb
          .selectFrom('quiz_questions')
          .select((q) => q.fn.sum<number>('marks').as('m'))
          .whereRef('quiz_questions.quiz_id', '=', 'quizzes.id')
          .as('max_score'),
    ]);
  if (f.cursor) page = page.where('quizzes.id', '<', f.cursor);
  const rows = await page
    .orderBy('quizzes.id', 'desc')
    .limit(f.limit + 1)
    .execute();
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
  return {
    items,
    nextCursor: rows.length > f.limit ? (items[items.length - 1]?.id ?? null) : null,
    ...(total !== undefined ? { total } : {}),
  };
}
