/**
 * Reading submissions: lists, one submission as its reader may see it, the data of the quiz
 * reports, and assessment-score statistics.
 */
import { sql, type SelectQueryBuilder } from 'kysely';
import type { Actor, AppContext } from '../../context.ts';
import type { DB } from '../../db/schema.ts';
import { bool, nowIso } from '../../db/dialect.ts';
import { applyKeyset, keysetOrder, keysetPage, type SortKeys } from '../../db/keyset.ts';
import type { SUBMISSION_SORTS } from '../../../contract/quizzes.ts';
import { hasAnyRole } from '../../http/access.ts';
import { errors } from '../../http/errors.ts';
import { getSettings } from '../../platform/settings.service.ts';
import type { PersonDetails } from '../../platform/person-details.ts';
import { type QuizOutcome, type Submission, type SubmissionListFilters } from '../../../contract/quizzes.ts';
import { quizOutcomes } from './quiz-availability.service.ts';
import { HR_READERS, isCourseAdmin, readableByMemberOrInstructor } from '../courses/index.ts';
import { progressSql } from '../enrollments/index.ts';
import { type GradedAnswer } from './grading.ts';
import { SUBMISSION_READERS, type SubmissionRow, canSeeSubmissionsOfCourse, loadQuiz } from './quiz.policy.ts';
import { parseJson } from './quiz.service.ts';
import { resultOf } from './attempt.service.ts';
import { scormReportRows, type ScormReportRow } from '../scorm/index.ts';
import { inCurrentCycle } from './attempt-cycle.ts';

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
    .select([
      'users.full_name as member_name',
      'users.email as member_email',
      'quizzes.title as quiz_title',
      'quizzes.max_attempts as quiz_max_attempts',
      'courses.title as course_title',
    ]);
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
  const rows = await applyKeyset(withNames(base), order, ctx.dialect, f.cursor)
    .limit(f.limit + 1)
    .execute();
  const { page, nextCursor } = keysetPage(order, rows, f.limit);
  const outcomes = await outcomesOf(ctx, page);
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
    memberOutcome: outcomes.get(`${r.quiz_id}:${r.member_id}`) ?? null,
  }));
  let total: number | undefined;
  if (f.withTotal) {
    const c = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    total = Number(c.n);
  }
  return { items, nextCursor, ...(total !== undefined ? { total } : {}) };
}

/** Each listed member's outcome on each listed quiz, keyed `quizId:memberId`. */
async function outcomesOf(ctx: AppContext, rows: { quiz_id: string; member_id: string; quiz_max_attempts: number }[]) {
  const byQuiz = new Map<string, { max: number; members: Set<string> }>();
  for (const r of rows) {
    const q = byQuiz.get(r.quiz_id) ?? { max: Number(r.quiz_max_attempts), members: new Set<string>() };
    q.members.add(r.member_id);
    byQuiz.set(r.quiz_id, q);
  }
  const out = new Map<string, QuizOutcome | null>();
  for (const [quizId, q] of byQuiz) {
    for (const [memberId, o] of await quizOutcomes(ctx.db, { id: quizId, max_attempts: q.max }, [...q.members])) out.set(`${quizId}:${memberId}`, o);
  }
  return out;
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
      options: a.options
        ? a.options.map((o, index) => (answersVisible ? { index, text: o.text, correct: o.correct } : { index, text: o.text }))
        : null,
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

/**
 * Whether a learner sees the correct answers of a quiz that shows answers after submit: once they
 * passed it or have no attempt left (this cycle). Before, a retake could copy them.
 */
async function answersSettled(ctx: AppContext, quiz: { id: string; max_attempts: number }, memberId: string): Promise<boolean> {
  return ((await quizOutcomes(ctx.db, quiz, [memberId])).get(memberId) ?? null) !== null;
}

/**
 * Staff who may read the submission see answers; the learner when the quiz shows answers after
 * submit and they passed it or used every attempt.
 */
async function visibleSubmission(
  ctx: AppContext,
  actor: Actor,
  id: string,
): Promise<{ row: NamedSubmission; answersVisible: boolean; showAnswers: boolean }> {
  const row = await withNames(ctx.db.selectFrom('quiz_submissions'))
    .select(['quizzes.show_answers', 'quizzes.max_attempts'])
    .where('quiz_submissions.id', '=', id)
    .executeTakeFirst();
  if (!row) throw errors.notFound('The submission');
  const staff = await canSeeSubmissionsOfCourse(ctx.db, actor, row.course_id);
  const own = actor.id !== null && row.member_id === actor.id;
  if (!own && (!staff || row.preview === 1)) throw errors.notFound('The submission');
  const answersVisible =
    staff || (row.show_answers === 1 && (await answersSettled(ctx, { id: row.quiz_id, max_attempts: Number(row.max_attempts) }, row.member_id)));
  return { row, answersVisible, showAnswers: row.show_answers === 1 };
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
  /** Every SCO of the course's SCORM lessons with the member's last report. */
  scorm: ScormReportRow[];
}

/** Every quiz of the enrollment's course with the member's best and latest submitted attempts of the current cycle. */
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
        eb.exists(
          eb
            .selectFrom('lessons')
            .select('lessons.id')
            .whereRef('lessons.quiz_id', '=', 'quizzes.id')
            .where('lessons.course_id', '=', e.course_id),
        ),
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
        // The enrollment as it stands: attempts of earlier recertification cycles are under its cycles.
        .where(inCurrentCycle('quiz_submissions'))
        .orderBy('quiz_submissions.attempt')
        .execute()
    : [];
  const settings = await getSettings(ctx.db);
  const details = await ctx.people.get(ctx.db, e.member_id);
  const answersVisible = staff;
  const settled = new Set<string>();
  if (!staff)
    for (const q of quizzes) if (q.show_answers === 1 && (await answersSettled(ctx, q, e.member_id))) settled.add(q.id);
  const entries = quizzes.map((q): CourseQuizEntry => {
    const mine = subs.filter((s) => s.quiz_id === q.id);
    const graded = mine.filter((s) => s.status === 'graded');
    const best = graded.reduce<NamedSubmission | null>((b, s) => (b === null || Number(s.percentage) > Number(b.percentage) ? s : b), null);
    const latest = mine.length ? mine[mine.length - 1]! : null;
    const visible = staff || settled.has(q.id);
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
    scorm: await scormReportRows(ctx.db, e.member_id, e.course_id),
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
      eb.exists(
        eb
          .selectFrom('course_instructors')
          .select('course_instructors.user_id')
          .whereRef('course_instructors.course_id', '=', 'courses.id')
          .where('course_instructors.user_id', '=', me),
      ),
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
