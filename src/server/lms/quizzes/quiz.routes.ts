import { z } from 'zod';
import { contentDisposition } from '../../http/content-disposition.ts';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/types.ts';
import { actorOf } from '../../http/access.ts';
import { IdParams, pageOf } from '../../../contract/common.ts';
import {
  AssessmentScoreRowSchema,
  AssessmentScoresQuery,
  AttemptSchema,
  CreateQuizBody,
  GradeBody,
  QuizListQuery,
  QuizRowSchema,
  QuizSchema,
  SubmissionListQuery,
  SubmissionResultSchema,
  SubmissionRowSchema,
  SubmissionSchema,
  SubmitBody,
  UpdateQuizBody,
} from '../../../contract/quizzes.ts';
import { createQuiz, deleteQuiz, getQuiz, listQuizzes, updateQuiz } from './quiz.service.ts';
import { courseQuizPdf, quizSubmissionPdf } from './quiz-report.ts';
import { registerListExport, yesNo } from '../../platform/list-export.ts';
import { assessmentScores, getSubmission, listSubmissions } from './submission.service.ts';
import { gradeSubmission, startAttempt, submitQuiz } from './attempt.service.ts';
import { registerQuizOverrideRoutes } from './quiz-override.routes.ts';

const tags = ['quizzes'];
const AUTHORS = ['Moderator', 'Course Creator'] as const;
const GRADERS = ['Moderator', 'Course Creator', 'Batch Evaluator'] as const;
const STATISTICS = ['Moderator', 'Course Creator', 'HR Manager', 'HR User'] as const;
const Pdf = z.any().describe('application/pdf');
const PdfQuery = z.strictObject({ download: z.enum(['true', 'false']).optional() });


export function registerQuizRoutes(app: App, ctx: AppContext): void {
  registerQuizOverrideRoutes(app, ctx);
  app.post(
    '/api/quizzes',
    {
      config: { access: AUTHORS },
      schema: {
        tags,
        summary: 'Create a quiz with its questions (Course Creators: in a course they teach)',
        description:
          'Question kinds: single (exactly one correct option), multiple (all-or-nothing), text (accepted answers, compared after trimming and case folding), open (graded by a person).',
        body: CreateQuizBody,
        response: { 201: QuizSchema },
      },
    },
    async (req, reply) => reply.code(201).send(await createQuiz(ctx, actorOf(req), req.body)),
  );

  app.get(
    '/api/quizzes',
    {
      config: { access: GRADERS },
      schema: {
        tags,
        summary: 'Quizzes the caller manages, newest first',
        querystring: QuizListQuery,
        response: { 200: pageOf(QuizRowSchema) },
      },
    },
    async (req) => listQuizzes(ctx, actorOf(req), req.query),
  );
  registerListExport(app, '/api/quizzes', {
    access: GRADERS,
    tags,
    querystring: QuizListQuery,
    fileName: 'quizzes',
    list: (req, q) => listQuizzes(ctx, actorOf(req), q),
    columns: [
      { header: 'ID', value: (r) => r.id },
      { header: 'Title', value: (r) => r.title },
      { header: 'Course', value: (r) => r.courseTitle },
      { header: 'Questions', value: (r) => r.questionCount },
      { header: 'Pass %', value: (r) => r.passingPercentage },
      { header: 'Max attempts', value: (r) => (r.maxAttempts === 0 ? 'unlimited' : r.maxAttempts) },
    ],
  });

  app.get(
    '/api/quizzes/:id',
    {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary:
          'A quiz: the full quiz for its authors; for enrolled learners the questions without correct answers, in the order of their attempt',
        params: IdParams,
        response: { 200: QuizSchema },
      },
    },
    async (req) => getQuiz(ctx, actorOf(req), req.params.id),
  );

  app.patch(
    '/api/quizzes/:id',
    {
      config: { access: AUTHORS },
      schema: {
        tags,
        summary: 'Change a quiz; `questions` replaces the whole list',
        params: IdParams,
        body: UpdateQuizBody,
        response: { 200: QuizSchema },
      },
    },
    async (req) => updateQuiz(ctx, actorOf(req), req.params.id, req.body),
  );

  app.delete(
    '/api/quizzes/:id',
    {
      config: { access: AUTHORS, problems: ['QUIZ_IN_USE', 'QUIZ_HAS_SUBMISSIONS'] },
      schema: {
        tags,
        summary: 'Delete a quiz nobody has taken and no lesson uses (409 QUIZ_IN_USE / QUIZ_HAS_SUBMISSIONS otherwise)',
        params: IdParams,
      },
    },
    async (req, reply) => {
      await deleteQuiz(ctx, actorOf(req), req.params.id);
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/quizzes/:id/attempts',
    {
      config: { access: 'authenticated', problems: ['MAX_ATTEMPTS_REACHED', 'ATTEMPT_CONFLICT', 'LESSON_LOCKED', 'ENROLLMENT_SUSPENDED', 'QUIZ_NOT_OPEN', 'QUIZ_CLOSED'] },
      schema: {
        tags,
        summary: 'Start an attempt (records the start time, the deadline of a timed quiz and the shuffled order)',
        description:
          '201 with a new attempt; 200 with the attempt already in progress; 422 MAX_ATTEMPTS_REACHED; 422 LESSON_LOCKED when the quiz lesson is not yet open in a sequential course; 422 QUIZ_NOT_OPEN before the quiz opens, 422 QUIZ_CLOSED from its close (the learner’s override may extend it and add attempts). ' +
          "The quiz's authors get a preview (`preview: true`): unlimited, never counted, listed or reported, completing no lesson. " +
          'A learner’s attempt keeps the questions it started with, even if the quiz is edited meanwhile.',
        params: IdParams,
        response: { 200: AttemptSchema, 201: AttemptSchema },
      },
    },
    async (req, reply) => {
      const { attempt, created } = await startAttempt(ctx, actorOf(req), req.params.id, req.id);
      return reply.code(created ? 201 : 200).send(attempt);
    },
  );

  app.post(
    '/api/quizzes/:id/submissions',
    {
      config: {
        access: 'authenticated',
        problems: [
          'MAX_ATTEMPTS_REACHED',
          'ATTEMPT_CONFLICT',
          'ENROLLMENT_SUSPENDED',
          'ATTEMPT_ALREADY_SUBMITTED',
          'ATTEMPT_NOT_STARTED',
          'ATTEMPT_EXPIRED',
          'LESSON_LOCKED',
          'QUIZ_NOT_OPEN',
          'QUIZ_CLOSED',
        ],
      },
      schema: {
        tags,
        summary: 'Submit answers; graded on the server',
        description:
          'Without attemptId: submits the attempt in progress, or starts and submits one at once (untimed quizzes). 422 MAX_ATTEMPTS_REACHED, 422 ATTEMPT_EXPIRED after the deadline plus grace, 422 ATTEMPT_NOT_STARTED for a timed quiz, 409 ATTEMPT_ALREADY_SUBMITTED, 422 LESSON_LOCKED, 422 QUIZ_NOT_OPEN / QUIZ_CLOSED when no attempt is in progress and the quiz is not open. An attempt started before the close may be submitted after it within its time limit; an untimed attempt closes with the quiz (422 QUIZ_CLOSED). ' +
          'A started attempt is graded against the questions it started with. Submissions by the quiz’s authors are previews (see POST /api/quizzes/:id/attempts).',
        params: IdParams,
        body: SubmitBody,
        response: { 201: SubmissionResultSchema },
      },
    },
    async (req, reply) => reply.code(201).send(await submitQuiz(ctx, actorOf(req), req.params.id, req.body, req.id)),
  );

  app.get(
    '/api/quiz-submissions',
    {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: 'Quiz submissions the caller may see (learners: their own), newest first',
        querystring: SubmissionListQuery,
        response: { 200: pageOf(SubmissionRowSchema) },
      },
    },
    async (req) => listSubmissions(ctx, actorOf(req), req.query),
  );
  registerListExport(app, '/api/quiz-submissions', {
    access: 'authenticated',
    tags,
    querystring: SubmissionListQuery,
    fileName: 'quiz-submissions',
    list: (req, q) => listSubmissions(ctx, actorOf(req), q),
    columns: [
      { header: 'ID', value: (r) => r.id },
      { header: 'Member', value: (r) => r.memberName },
      { header: 'Quiz', value: (r) => r.quizTitle },
      { header: 'Course', value: (r) => r.courseTitle },
      { header: 'Attempt', value: (r) => r.attempt },
      { header: 'Score %', value: (r) => r.percentage },
      { header: 'Passed', value: (r) => yesNo(r.passed) },
      { header: 'Status', value: (r) => r.status },
    ],
  });

  app.get(
    '/api/quiz-submissions/:id',
    {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: 'One submission with its answers (correct answers only for staff, or when the quiz shows answers after submit)',
        params: IdParams,
        response: { 200: SubmissionSchema },
      },
    },
    async (req) => getSubmission(ctx, actorOf(req), req.params.id),
  );

  app.post(
    '/api/quiz-submissions/:id/grade',
    {
      config: { access: GRADERS, problems: ['SUBMISSION_NOT_PENDING'] },
      schema: {
        tags,
        summary: 'Grade the open answers of a submission pending review; finalises score and pass/fail',
        params: IdParams,
        body: GradeBody,
        response: { 200: SubmissionResultSchema },
      },
    },
    async (req) => gradeSubmission(ctx, actorOf(req), req.params.id, req.body, req.id),
  );

  app.get(
    '/api/quiz-submissions/:id/report.pdf',
    {
      config: { access: 'authenticated', problems: ['SUBMISSION_NOT_SUBMITTED', 'RENDER_TIMEOUT'] },
      schema: {
        tags,
        summary: 'Quiz Submission Report PDF (?download=true for an attachment)',
        params: IdParams,
        querystring: PdfQuery,
        response: { 200: Pdf },
      },
    },
    async (req, reply) => {
      const { pdf, filename } = await quizSubmissionPdf(ctx, actorOf(req), req.params.id);
      return reply
        .type('application/pdf')
        .header('Content-Disposition', contentDisposition(filename, req.query.download === 'true' ? 'attachment' : 'inline'))
        .header('Cache-Control', 'private, no-cache')
        .send(pdf);
    },
  );

  app.get(
    '/api/enrollments/:id/quiz-report.pdf',
    {
      config: { access: 'authenticated', problems: ['RENDER_TIMEOUT'] },
      schema: {
        tags,
        summary: "Course Quiz PDF: every quiz of the enrollment's course with the learner's best and latest attempts",
        params: IdParams,
        querystring: PdfQuery,
        response: { 200: Pdf },
      },
    },
    async (req, reply) => {
      const { pdf, filename } = await courseQuizPdf(ctx, actorOf(req), req.params.id);
      return reply
        .type('application/pdf')
        .header('Content-Disposition', contentDisposition(filename, req.query.download === 'true' ? 'attachment' : 'inline'))
        .header('Cache-Control', 'private, no-cache')
        .send(pdf);
    },
  );

  app.get(
    '/api/statistics/assessment-scores',
    {
      config: { access: STATISTICS },
      schema: {
        tags: ['statistics'],
        summary: 'Average assessment score by course (graded attempts; Course Creators: their courses)',
        querystring: AssessmentScoresQuery,
        response: { 200: z.object({ items: z.array(AssessmentScoreRowSchema) }) },
      },
    },
    async (req) => assessmentScores(ctx, actorOf(req), req.query),
  );
}
