import { z } from 'zod';
import { BoolQuery, IdSchema, PageQuery, SortQuery, UtcTimestamp, VisibleText } from './common.ts';

export const QUESTION_KINDS = ['single', 'multiple', 'text', 'open'] as const;
export type QuestionKind = (typeof QUESTION_KINDS)[number];

export const SUBMISSION_STATUSES = ['in_progress', 'pending_review', 'graded', 'expired'] as const;
export type SubmissionStatus = (typeof SUBMISSION_STATUSES)[number];

/** Seconds after an attempt's deadline during which a submission is still accepted (network, clocks). */
export const QUIZ_GRACE_SECONDS = 30;
export const QUIZ_AVAILABILITY = ['open', 'not_open', 'closed'] as const;
export const QUIZ_OUTCOMES = ['passed', 'completed_not_passed'] as const;
export type QuizOutcome = (typeof QUIZ_OUTCOMES)[number];

/** A learner's result on a quiz over all their attempts, in words (null: not passed, attempts or grading still to come). */
export function quizOutcomeInWords(outcome: QuizOutcome | null): string {
  return outcome === 'passed' ? 'Passed' : outcome === 'completed_not_passed' ? 'Completed, not passed' : 'Not passed yet';
}
export const MAX_QUESTIONS = 200;
export const MAX_OPTIONS = 20;

const OptionInput = z.strictObject({
  text: VisibleText(2000, 'The text'),
  correct: z.boolean().default(false),
});

export const QuestionInput = z
  .strictObject({
    kind: z.enum(QUESTION_KINDS),
    /** Markdown. */
    text: VisibleText(20_000, 'The question'),
    options: z.array(OptionInput).max(MAX_OPTIONS).optional(),
    /** Accepted answers of a short-text question, compared after trimming and case folding. */
    answers: z.array(z.string().trim().min(1).max(500)).max(50).optional(),
    marks: z.number().int().min(1).max(1000).default(1),
    /** Shown with the correct answer after submit, when the quiz shows answers. */
    explanation: z.string().max(5000).optional(),
  })
  .superRefine((q, ctx) => {
    const choice = q.kind === 'single' || q.kind === 'multiple';
    if (choice) {
      const opts = q.options ?? [];
      if (opts.length < 2) ctx.addIssue({ code: 'custom', path: ['options'], message: 'A choice question needs at least two options.' });
      const correct = opts.filter((o) => o.correct).length;
      if (q.kind === 'single' && correct !== 1) {
        ctx.addIssue({ code: 'custom', path: ['options'], message: 'A single-choice question has exactly one correct option.' });
      }
      if (q.kind === 'multiple' && correct < 1) {
        ctx.addIssue({ code: 'custom', path: ['options'], message: 'A multiple-choice question has at least one correct option.' });
      }
      if (q.answers !== undefined)
        ctx.addIssue({ code: 'custom', path: ['answers'], message: 'Only short-text questions have accepted answers.' });
    } else {
      if (q.options !== undefined) ctx.addIssue({ code: 'custom', path: ['options'], message: 'Only choice questions have options.' });
      if (q.kind === 'text' && (q.answers ?? []).length < 1) {
        ctx.addIssue({ code: 'custom', path: ['answers'], message: 'A short-text question needs at least one accepted answer.' });
      }
      if (q.kind === 'open' && q.answers !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['answers'], message: 'Open questions are graded by a person and have no accepted answers.' });
      }
    }
  });
export type QuestionInputT = z.infer<typeof QuestionInput>;

const quizFields = {
  title: VisibleText(300, 'The title'),
  /** Markdown shown above the questions. */
  description: z.string().max(20_000),
  courseId: IdSchema.nullable(),
  passingPercentage: z.number().min(0).max(100),
  /** 0 = unlimited. */
  maxAttempts: z.number().int().min(0).max(1000),
  /** null = untimed. */
  timeLimitMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .nullable(),
  /** Shuffle questions and options, per attempt (stable for that attempt). */
  shuffle: z.boolean(),
  showAnswers: z.boolean(),
  /** Learners start and submit attempts from / until (UTC); null: no limit. Opens before closes. */
  opensAt: UtcTimestamp.nullable(),
  closesAt: UtcTimestamp.nullable(),
  questions: z.array(QuestionInput).min(1).max(MAX_QUESTIONS),
};

export const CreateQuizBody = z.strictObject({
  title: quizFields.title,
  description: quizFields.description.optional(),
  courseId: IdSchema.optional(),
  passingPercentage: quizFields.passingPercentage,
  maxAttempts: quizFields.maxAttempts.default(0),
  timeLimitMinutes: quizFields.timeLimitMinutes.optional(),
  shuffle: quizFields.shuffle.default(false),
  showAnswers: quizFields.showAnswers.default(true),
  opensAt: quizFields.opensAt.optional(),
  closesAt: quizFields.closesAt.optional(),
  questions: quizFields.questions,
});
export type CreateQuizInput = z.infer<typeof CreateQuizBody>;

/**
 * Replacing `questions` replaces the whole list. Submissions keep their own copy of what was asked,
 * and an attempt in progress keeps the questions it started with: it is shown and graded against
 * those, so an edit never changes a stored score nor the questions under a learner's feet.
 */
export const UpdateQuizBody = z
  .strictObject({
    title: quizFields.title.optional(),
    description: quizFields.description.optional(),
    passingPercentage: quizFields.passingPercentage.optional(),
    maxAttempts: quizFields.maxAttempts.optional(),
    timeLimitMinutes: quizFields.timeLimitMinutes.optional(),
    shuffle: quizFields.shuffle.optional(),
    showAnswers: quizFields.showAnswers.optional(),
    opensAt: quizFields.opensAt.optional(),
    closesAt: quizFields.closesAt.optional(),
    questions: quizFields.questions.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'Give at least one field to change.' });
export type UpdateQuizInput = z.infer<typeof UpdateQuizBody>;

export const QuestionSchema = z.object({
  id: z.string(),
  position: z.number().int(),
  kind: z.enum(QUESTION_KINDS),
  text: z.string(),
  textHtml: z.string(),
  marks: z.number(),
  /** Staff view: every option with `correct`. Learner view: options without `correct`, in the attempt's order. */
  options: z.array(z.object({ index: z.number().int(), text: z.string(), correct: z.boolean().optional() })).nullable(),
  /** Staff view only. */
  answers: z.array(z.string()).optional(),
  explanation: z.string().nullable().optional(),
});

export const QuizSchema = z.object({
  id: z.string(),
  courseId: z.string().nullable(),
  title: z.string(),
  description: z.string(),
  descriptionHtml: z.string(),
  passingPercentage: z.number(),
  maxAttempts: z.number().int(),
  timeLimitMinutes: z.number().int().nullable(),
  shuffle: z.boolean(),
  showAnswers: z.boolean(),
  opensAt: z.string().nullable(),
  closesAt: z.string().nullable(),
  maxScore: z.number(),
  questionCount: z.number().int(),
  lessonIds: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** 'staff' carries correct answers; 'learner' never does. */
  view: z.enum(['staff', 'learner']),
  questions: z.array(QuestionSchema),
  /**
   * The caller's attempts so far and the one in progress, if any. In the staff view attempts are
   * previews: they never count (attemptsUsed 0, attemptsLeft null) and `currentAttempt` is the open preview.
   */
  attemptsUsed: z.number().int(),
  attemptsLeft: z.number().int().nullable(),
  currentAttempt: z
    .object({ id: z.string(), attempt: z.number().int(), startedAt: z.string(), deadlineAt: z.string().nullable() })
    .nullable(),
  /** The caller's close time: their override's, else the quiz's (staff view: the quiz's). */
  closesAtForYou: z.string().nullable(),
  /** Attempts the caller was given on top of maxAttempts (an override); 0 in the staff view. */
  extraAttempts: z.number().int(),
  /** Whether the caller may start an attempt now by the quiz's open and close times. */
  availability: z.enum(QUIZ_AVAILABILITY),
  /** The caller's result: passed, or every attempt used without passing ('completed_not_passed'); null otherwise. */
  outcome: z.enum(QUIZ_OUTCOMES).nullable(),
});
export type Quiz = z.infer<typeof QuizSchema>;

// --- per-learner overrides ----------------------------------------------------------------------

/** Staff give one learner more attempts and/or a later close time. */
export const QuizOverrideBody = z.strictObject({
  extraAttempts: z.number().int().min(0).max(100).default(0),
  /** The learner's close time, instead of the quiz's; null or absent: the quiz's. */
  closesAt: UtcTimestamp.nullable().default(null),
});
export type QuizOverrideInput = z.infer<typeof QuizOverrideBody>;

export const QuizOverrideParams = z.strictObject({ id: IdSchema, memberId: IdSchema });

export const QuizOverrideSchema = z.object({
  id: z.string(),
  quizId: z.string(),
  memberId: z.string(),
  memberName: z.string(),
  extraAttempts: z.number().int(),
  closesAt: z.string().nullable(),
  /** The learner's attempts so far and their result under this override. */
  attemptsUsed: z.number().int(),
  outcome: z.enum(QUIZ_OUTCOMES).nullable(),
  updatedBy: z.string().nullable(),
  updatedAt: z.string(),
});
export type QuizOverride = z.infer<typeof QuizOverrideSchema>;
export const QuizOverrideListSchema = z.object({ items: z.array(QuizOverrideSchema) });

export const QuizRowSchema = z.object({
  id: z.string(),
  courseId: z.string().nullable(),
  courseTitle: z.string().nullable(),
  title: z.string(),
  passingPercentage: z.number(),
  maxAttempts: z.number().int(),
  timeLimitMinutes: z.number().int().nullable(),
  questionCount: z.number().int(),
  maxScore: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const QuizListQuery = z.strictObject({
  ...PageQuery,
  courseId: IdSchema.optional(),
  q: z.string().max(200).optional(),
});
export type QuizListFilters = z.infer<typeof QuizListQuery>;

export const AttemptSchema = z.object({
  id: z.string(),
  quizId: z.string(),
  attempt: z.number().int(),
  status: z.enum(SUBMISSION_STATUSES),
  startedAt: z.string(),
  deadlineAt: z.string().nullable(),
  /** true when an attempt already in progress was returned instead of starting another. */
  resumed: z.boolean(),
  /**
   * true for an attempt by one of the quiz's authors: it is graded like any other but uses no
   * attempt, completes no lesson and appears in no list, statistic or report.
   */
  preview: z.boolean(),
});

export const AnswerInput = z.strictObject({
  questionId: IdSchema,
  /** Option indexes (the `index` of each option, whatever order it was shown in). */
  choice: z.array(z.number().int().min(0).max(MAX_OPTIONS)).max(MAX_OPTIONS).optional(),
  text: z.string().max(20_000).optional(),
});

export const SubmitBody = z.strictObject({
  /** The attempt started with POST /api/quizzes/:id/attempts; omitted for an untimed quiz = start and submit at once. */
  attemptId: IdSchema.optional(),
  answers: z.array(AnswerInput).max(MAX_QUESTIONS),
});
export type SubmitInput = z.infer<typeof SubmitBody>;

export const SubmissionResultSchema = z.object({
  id: z.string(),
  quizId: z.string(),
  attempt: z.number().int(),
  status: z.enum(SUBMISSION_STATUSES),
  score: z.number(),
  maxScore: z.number(),
  /** null while open answers wait for review. */
  percentage: z.number().nullable(),
  passed: z.boolean().nullable(),
  timeTakenSeconds: z.number().int().nullable(),
  /** An author's preview (see AttemptSchema.preview). */
  preview: z.boolean(),
});

export const GradeBody = z.strictObject({
  marks: z
    .array(z.strictObject({ questionId: IdSchema, marks: z.number().min(0).max(1000), comment: z.string().max(2000).optional() }))
    .min(1)
    .max(MAX_QUESTIONS),
});
export type GradeInput = z.infer<typeof GradeBody>;

export const SubmissionAnswerSchema = z.object({
  questionId: z.string(),
  position: z.number().int(),
  kind: z.enum(QUESTION_KINDS),
  text: z.string(),
  marks: z.number(),
  options: z.array(z.object({ index: z.number().int(), text: z.string(), correct: z.boolean().optional() })).nullable(),
  givenChoice: z.array(z.number().int()).nullable(),
  givenText: z.string().nullable(),
  /** Only when the caller may see answers (staff, or the quiz shows answers after submit). */
  acceptedAnswers: z.array(z.string()).optional(),
  awardedMarks: z.number().nullable().optional(),
  correct: z.boolean().nullable().optional(),
  explanation: z.string().nullable().optional(),
  comment: z.string().nullable().optional(),
});

export const SubmissionSchema = SubmissionResultSchema.extend({
  memberId: z.string(),
  memberName: z.string(),
  memberEmail: z.string(),
  quizTitle: z.string(),
  courseId: z.string().nullable(),
  courseTitle: z.string().nullable(),
  startedAt: z.string(),
  deadlineAt: z.string().nullable(),
  submittedAt: z.string().nullable(),
  gradedAt: z.string().nullable(),
  gradedBy: z.string().nullable(),
  answersVisible: z.boolean(),
  answers: z.array(SubmissionAnswerSchema),
});
export type Submission = z.infer<typeof SubmissionSchema>;

export const SubmissionRowSchema = SubmissionResultSchema.extend({
  memberId: z.string(),
  memberName: z.string(),
  memberEmail: z.string(),
  quizTitle: z.string(),
  courseId: z.string().nullable(),
  courseTitle: z.string().nullable(),
  startedAt: z.string(),
  submittedAt: z.string().nullable(),
  /** The member's result on this quiz (all their attempts): passed, completed_not_passed (every attempt used), or null. */
  memberOutcome: z.enum(QUIZ_OUTCOMES).nullable(),
});

export const SUBMISSION_SORTS = ['startedAt', 'submittedAt', 'percentage', 'attempt', 'memberName', 'quizTitle'] as const;

export const SubmissionListQuery = z.strictObject({
  ...PageQuery,
  sort: SortQuery(SUBMISSION_SORTS),
  courseId: IdSchema.optional(),
  quizId: IdSchema.optional(),
  memberId: IdSchema.optional(),
  passed: BoolQuery.optional(),
  status: z.enum(SUBMISSION_STATUSES).optional(),
});
export type SubmissionListFilters = z.infer<typeof SubmissionListQuery>;

export const AssessmentScoresQuery = z.strictObject({
  courseId: IdSchema.optional(),
});

export const AssessmentScoreRowSchema = z.object({
  courseId: z.string(),
  title: z.string(),
  quizzes: z.number().int(),
  learners: z.number().int(),
  submissions: z.number().int(),
  /** Mean percentage of graded attempts; null without any. */
  averagePercentage: z.number().nullable(),
  /** Mean of each learner's best percentage per quiz. */
  averageBestPercentage: z.number().nullable(),
  passRate: z.number().nullable(),
});
