import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/types.ts';
import { actorOf } from '../../http/access.ts';
import { STATISTICS_ROLES } from '../../../contract/roles.ts';
import { BoolQuery, IdParams, IsoDate, LimitSchema, pageOf } from '../../../contract/common.ts';
import {
  BatchEnrollmentBody,
  BatchEnrollmentResult,
  CourseCompletionRowSchema,
  CreateEnrollmentBody,
  ENROLLMENT_BATCH_MAX,
  EnrollmentListQuery,
  EnrollmentRowSchema,
  EnrollmentSchema,
  LearnerRowSchema,
  MyCourseSchema,
  RemoveEnrollmentBody,
  RemoveEnrollmentQuery,
} from '../../../contract/enrollments.ts';
import { adminEnroll, getEnrollment, selfEnroll } from './enrollment.service.ts';
import { deleteEnrollment, leaveCourse } from './enrollment-removal.service.ts';
import { batchEnroll } from './enrollment-batch.service.ts';
import { courseCompletion, enrollmentsOverTime } from './statistics.service.ts';
import { registerListExport } from '../../platform/list-export.ts';
import { completeLesson, setCurrentLesson } from './completion.service.ts';
import { courseLearners, courseProgressStats, myCourses } from './enrollment-list.service.ts';
import { listEnrollments } from './enrollment-list.service.ts';
import { registerEnrollmentRuleRoutes } from './enrollment-rules.routes.ts';

const STAFF_ENROLLERS = ['System Manager', 'Moderator', 'Course Creator'] as const;
const Progress = z.coerce.number().int().min(0).max(100);

const CourseCompletionQuery = z.strictObject({});

export function registerEnrollmentRoutes(app: App, ctx: AppContext): void {
  registerEnrollmentRuleRoutes(app, ctx);
  app.post(
    '/api/courses/:id/enroll',
    {
      config: {
        access: 'authenticated',
        problems: ['ALREADY_ENROLLED', 'COURSE_NOT_PUBLISHED', 'SELF_ENROLLMENT_DISABLED', 'PAYMENT_REQUIRED', 'ENROLLMENT_CLOSED', 'COURSE_FULL'],
      },
      schema: {
        tags: ['enrollments'],
        summary: 'Enroll the caller in a published course (source self)',
        description:
          '409 ALREADY_ENROLLED (with enrollmentId) when already enrolled; 422 COURSE_NOT_PUBLISHED; 422 SELF_ENROLLMENT_DISABLED; 402 PAYMENT_REQUIRED for a paid course without a completed payment; 422 ENROLLMENT_CLOSED outside the course’s enrollment window; 409 COURSE_FULL when the course holds maxEnrollments enrollments (also under concurrent requests).',
        params: IdParams,
        response: { 201: EnrollmentSchema },
      },
    },
    async (req, reply) => reply.code(201).send(await selfEnroll(ctx, actorOf(req), req.params.id)),
  );

  app.post(
    '/api/enrollments',
    {
      config: { access: STAFF_ENROLLERS, problems: ['ALREADY_ENROLLED', 'COURSE_NOT_PUBLISHED', 'NOT_FOUND'] },
      schema: {
        tags: ['enrollments'],
        summary: 'Staff enroll a member (source admin)',
        body: CreateEnrollmentBody,
        response: { 201: EnrollmentSchema },
      },
    },
    async (req, reply) => reply.code(201).send(await adminEnroll(ctx, actorOf(req), req.body)),
  );

  app.post(
    '/api/enrollments/batch',
    {
      config: { access: STAFF_ENROLLERS, problems: ['PAYLOAD_TOO_LARGE'] },
      schema: {
        tags: ['enrollments'],
        summary: `Enroll up to ${ENROLLMENT_BATCH_MAX} members at once (integrations)`,
        description:
          `items: 1 to ${ENROLLMENT_BATCH_MAX} of { courseId, memberId | memberEmail | employeeCode, source? (default admin) }. ` +
          'Answers 200 with one result per item in the order sent: status created (a new enrollment), existing (the member ' +
          'already had one; enrollmentId holds it) or failed with problem { code, path, detail }: NOT_FOUND (an unknown course or ' +
          'one the caller may not see, an unknown member id or email, an employee code nobody has or whose employee has no user ' +
          'account), FORBIDDEN (a course the caller does not manage), COURSE_NOT_PUBLISHED (source onboarding or cohort into an ' +
          'unpublished course). A failed item writes nothing; the others are done, each with its audit entry. The same member and ' +
          'course twice in one request: the first is created, the second existing. More items, or an item without exactly one ' +
          'member reference, is 400 VALIDATION_FAILED and nothing is written.',
        body: BatchEnrollmentBody,
        response: { 200: BatchEnrollmentResult },
      },
    },
    async (req) => ({ items: await batchEnroll(ctx, actorOf(req), req.body.items, req.id) }),
  );

  app.get(
    '/api/enrollments',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['enrollments'],
        summary: 'List enrollments the caller may see (learners: their own), newest first',
        querystring: EnrollmentListQuery,
        response: { 200: pageOf(EnrollmentRowSchema) },
      },
    },
    async (req) => listEnrollments(ctx, actorOf(req), req.query),
  );

  app.get(
    '/api/enrollments/:id',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['enrollments'],
        summary: "One enrollment, with the member's name and email and the course's title",
        params: IdParams,
        response: { 200: EnrollmentRowSchema },
      },
    },
    async (req) => getEnrollment(ctx, actorOf(req), req.params.id),
  );

  app.delete(
    '/api/enrollments/:id',
    {
      config: { access: ['System Manager', 'Moderator', 'Course Creator'] },
      schema: {
        tags: ['enrollments'],
        summary: 'Delete an enrollment: revokes access at once; the audit log keeps the row, its lesson progress and the reason',
        description:
          "Moderators and System Managers delete any enrollment (reason optional); a Course Creator removes enrollments of the courses they teach and must give `reason` (in the body or as `?reason=`); 400 VALIDATION_FAILED without it.",
        params: IdParams,
        querystring: RemoveEnrollmentQuery,
        body: RemoveEnrollmentBody,
      },
    },
    async (req, reply) => {
      const reason = req.body?.reason ?? req.query.reason ?? null;
      await deleteEnrollment(ctx, actorOf(req), req.params.id, reason, req.id);
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/courses/:id/leave',
    {
      config: { access: 'authenticated', problems: ['LEAVE_NOT_ALLOWED'] },
      schema: {
        tags: ['enrollments'],
        summary: 'The caller leaves a course they enrolled in themselves (the audit log keeps the row and its lesson progress)',
        description:
          "422 LEAVE_NOT_ALLOWED with `reason` (`mandatory`, `not_self_enrolled`, `assigned`) when the course is mandatory, someone else enrolled the caller, or a training assignment for it is open; 404 when the caller is not enrolled.",
        params: IdParams,
      },
    },
    async (req, reply) => {
      await leaveCourse(ctx, actorOf(req), req.params.id, req.id);
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/lessons/:id/complete',
    {
      config: { access: 'authenticated', problems: ['LESSON_REQUIRES_QUIZ', 'LESSON_REQUIRES_SCORM', 'LESSON_REQUIRES_ASSIGNMENT', 'LESSON_LOCKED', 'ENROLLMENT_SUSPENDED'] },
      schema: {
        tags: ['progress'],
        summary: "Mark a lesson complete; answers the caller's enrollment with recomputed progress",
        params: IdParams,
        response: { 200: z.object({ enrollment: EnrollmentSchema }) },
      },
    },
    async (req) => ({ enrollment: await completeLesson(ctx, actorOf(req), req.params.id) }),
  );

  app.put(
    '/api/lessons/:id/current',
    {
      config: { access: 'authenticated', problems: ['ENROLLMENT_SUSPENDED'] },
      schema: {
        tags: ['progress'],
        summary: 'Record the lesson the caller opened last',
        params: IdParams,
        response: { 200: z.object({ enrollment: EnrollmentSchema }) },
      },
    },
    async (req) => ({ enrollment: await setCurrentLesson(ctx, actorOf(req), req.params.id) }),
  );

  app.get(
    '/api/me/courses',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['enrollments'],
        summary: "The caller's courses, most recent activity first (My Courses)",
        response: { 200: z.object({ items: z.array(MyCourseSchema) }) },
      },
    },
    async (req) => ({ items: await myCourses(ctx, actorOf(req)) }),
  );

  app.get(
    '/api/courses/:id/learners',
    {
      config: { access: ['System Manager', 'Moderator', 'Course Creator', 'HR Manager', 'HR User'] },
      schema: {
        tags: ['enrollments'],
        summary: "A course's learners with progress and last activity (instructor dashboard)",
        params: IdParams,
        querystring: z.strictObject({
          q: z.string().max(200).optional(),
          progressMin: Progress.optional(),
          progressMax: Progress.optional(),
          completed: BoolQuery.optional(),
          limit: LimitSchema,
          cursor: z.string().max(64).optional(),
        }),
        response: { 200: pageOf(LearnerRowSchema) },
      },
    },
    async (req) => courseLearners(ctx, actorOf(req), req.params.id, req.query),
  );

  app.get(
    '/api/courses/:id/progress-stats',
    {
      config: { access: ['System Manager', 'Moderator', 'Course Creator', 'HR Manager', 'HR User'] },
      schema: {
        tags: ['enrollments'],
        summary: 'Progress distribution and per-lesson completion of a course',
        params: IdParams,
        response: {
          200: z.object({
            enrolled: z.number().int(),
            completed: z.number().int(),
            distribution: z.array(z.object({ range: z.string(), learners: z.number().int() })),
            lessons: z.array(z.object({ lessonId: z.string(), title: z.string(), completed: z.number().int() })),
          }),
        },
      },
    },
    async (req) => courseProgressStats(ctx, actorOf(req), req.params.id),
  );

  app.get(
    '/api/statistics/enrollments-over-time',
    {
      config: { access: STATISTICS_ROLES },
      schema: {
        tags: ['statistics'],
        summary: 'Enrollments created and completed per ISO week (default: the last 12 weeks)',
        querystring: z.strictObject({ from: IsoDate.optional(), to: IsoDate.optional() }),
        response: {
          200: z.object({ interval: z.literal('week'), items: z.array(z.object({ period: z.string(), enrolled: z.number().int(), completed: z.number().int() })) }),
        },
      },
    },
    async (req) => ({ interval: 'week' as const, items: await enrollmentsOverTime(ctx, req.query) }),
  );

  app.get(
    '/api/statistics/course-completion',
    {
      config: { access: STATISTICS_ROLES },
      schema: {
        tags: ['statistics'],
        summary: 'Completion by course: every published course with its enrollments completed, in progress and not started, the most enrolled first',
        querystring: CourseCompletionQuery,
        response: { 200: z.array(CourseCompletionRowSchema) },
      },
    },
    async () => courseCompletion(ctx),
  );
  registerListExport(app, '/api/statistics/course-completion', {
    access: STATISTICS_ROLES,
    tags: ['statistics'],
    querystring: CourseCompletionQuery,
    fileName: 'completion-by-course',
    list: async () => ({ items: await courseCompletion(ctx), nextCursor: null }),
    columns: [
      { header: 'Course', value: (r) => r.title },
      { header: 'Enrolled', value: (r) => r.enrolled },
      { header: 'Completed', value: (r) => r.completed },
      { header: 'In progress', value: (r) => r.inProgress },
      { header: 'Not started', value: (r) => r.notStarted },
      { header: 'Completed of enrolled (%)', value: (r) => r.completionRate },
    ],
  });
}
