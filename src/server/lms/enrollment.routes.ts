import { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { App } from '../http/types.ts';
import { actorOf } from '../http/access.ts';
import { BoolQuery, IdParams, IsoDate, LimitSchema, pageOf } from '../../contract/common.ts';
import {
  CreateEnrollmentBody,
  EnrollmentListQuery,
  EnrollmentRowSchema,
  EnrollmentSchema,
  LearnerRowSchema,
  MyCourseSchema,
} from '../../contract/enrollments.ts';
import {
  adminEnroll,
  completeLesson,
  courseLearners,
  courseProgressStats,
  deleteEnrollment,
  getEnrollment,
  listEnrollments,
  myCourses,
  selfEnroll,
  setCurrentLesson,
} from './enrollment.service.ts';
import { enrollmentsOverTime } from './statistics.service.ts';

const STAFF_ENROLLERS = ['System Manager', 'Moderator', 'Course Creator'] as const;
const Progress = z.coerce.number().int().min(0).max(100);

export function registerEnrollmentRoutes(app: App, ctx: AppContext): void {
  app.post(
    '/api/courses/:id/enroll',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['enrollments'],
        summary: 'Enroll the caller in a published course (source self)',
        description:
          '409 ALREADY_ENROLLED (with enrollmentId) when already enrolled; 422 COURSE_NOT_PUBLISHED; 422 SELF_ENROLLMENT_DISABLED; 402 PAYMENT_REQUIRED for a paid course without a completed payment.',
        params: IdParams,
        response: { 201: EnrollmentSchema },
      },
    },
    async (req, reply) => reply.code(201).send(await selfEnroll(ctx, actorOf(req), req.params.id)),
  );

  app.post(
    '/api/enrollments',
    {
      config: { access: STAFF_ENROLLERS },
      schema: {
        tags: ['enrollments'],
        summary: 'Staff enroll a member (source admin)',
        body: CreateEnrollmentBody,
        response: { 201: EnrollmentSchema },
      },
    },
    async (req, reply) => reply.code(201).send(await adminEnroll(ctx, actorOf(req), req.body)),
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
      schema: { tags: ['enrollments'], summary: 'One enrollment', params: IdParams, response: { 200: EnrollmentSchema } },
    },
    async (req) => getEnrollment(ctx, actorOf(req), req.params.id),
  );

  app.delete(
    '/api/enrollments/:id',
    {
      config: { access: ['System Manager', 'Moderator'] },
      schema: {
        tags: ['enrollments'],
        summary: 'Delete an enrollment: revokes access at once; the audit log keeps the row and its lesson progress',
        params: IdParams,
      },
    },
    async (req, reply) => {
      await deleteEnrollment(ctx, actorOf(req), req.params.id, req.id);
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/lessons/:id/complete',
    {
      config: { access: 'authenticated' },
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
      config: { access: 'authenticated' },
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
      config: { access: ['System Manager', 'Moderator', 'HR Manager', 'HR User'] },
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
}
