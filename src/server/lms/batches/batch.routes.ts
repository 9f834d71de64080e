import type { AppContext } from '../../context.ts';
import type { App } from '../../http/types.ts';
import { actorOf } from '../../http/access.ts';
import { IdParams, pageOf } from '../../../contract/common.ts';
import {
  AddBatchCourseBody,
  AddMemberBody,
  BatchCourseAddedSchema,
  BatchListQuery,
  BatchMemberListQuery,
  BatchMemberParams,
  BatchMemberRowSchema,
  BatchMembershipSchema,
  BatchSchema,
  CreateBatchBody,
  MyBatchSchema,
  UpdateBatchBody,
} from '../../../contract/batches.ts';
import { sendListCsv } from '../../platform/list-export.ts';
import { BATCH_CREATORS } from './batch.policy.ts';
import { addBatchCourse, createBatch, deleteBatch, getBatch, listBatches, updateBatch } from './batch.service.ts';
import { addBatchMember, joinBatch, removeBatchMember } from './batch-members.service.ts';
import { listBatchMembers } from './batch-dashboard.service.ts';
import { myBatches } from './my-batches.service.ts';
import { z } from 'zod';

const tags = ['batches'];
/** Roles that may manage some batch; which batches is decided per row (creator, Moderator). */
const MANAGERS = BATCH_CREATORS;

/** Cohorts (LMS Batch): batches, members, courses, the members dashboard and its CSV. */
export function registerBatchRoutes(app: App, ctx: AppContext): void {
  app.post(
    '/api/batches',
    {
      config: { access: MANAGERS, problems: ['COURSE_NOT_PUBLISHED'] },
      schema: {
        tags,
        summary: 'Create a batch (cohort) with its courses in order, instructors and evaluators',
        description: 'Every course must exist and be published (422 COURSE_NOT_PUBLISHED); Course Creators may add only courses they manage.',
        body: CreateBatchBody,
        response: { 201: BatchSchema },
      },
    },
    async (req, reply) => reply.code(201).send(await createBatch(ctx, actorOf(req), req.body, req.id)),
  );

  app.get(
    '/api/batches',
    {
      config: { access: 'authenticated' },
      schema: { tags, summary: 'List batches, newest first (learners: published ones and their own)', querystring: BatchListQuery, response: { 200: pageOf(BatchSchema) } },
    },
    async (req) => listBatches(ctx, actorOf(req), req.query),
  );

  app.get(
    '/api/me/batches',
    {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: 'My batches: the batches the caller learns in or teaches, with courses, the caller’s progress and the live classes',
        response: { 200: z.object({ items: z.array(MyBatchSchema) }) },
      },
    },
    async (req) => ({ items: await myBatches(ctx, actorOf(req)) }),
  );

  app.get(
    '/api/batches/:id',
    {
      config: { access: 'authenticated' },
      schema: { tags, summary: 'One batch', params: IdParams, response: { 200: BatchSchema } },
    },
    async (req) => getBatch(ctx, actorOf(req), req.params.id),
  );

  app.patch(
    '/api/batches/:id',
    {
      config: { access: MANAGERS, problems: ['COURSE_NOT_PUBLISHED', 'SEATS_BELOW_MEMBERS'] },
      schema: {
        tags,
        summary: 'Change a batch',
        description: 'Seats cannot go below the current members (422 SEATS_BELOW_MEMBERS). Courses newly in courseIds enroll every member at once.',
        params: IdParams,
        body: UpdateBatchBody,
        response: { 200: BatchSchema },
      },
    },
    async (req) => updateBatch(ctx, actorOf(req), req.params.id, req.body, req.id),
  );

  app.delete(
    '/api/batches/:id',
    {
      config: { access: MANAGERS, problems: ['BATCH_HAS_MEMBERS'] },
      schema: { tags, summary: 'Delete a batch without members', params: IdParams },
    },
    async (req, reply) => {
      await deleteBatch(ctx, actorOf(req), req.params.id, req.id);
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/batches/:id/members',
    {
      config: { access: MANAGERS, problems: ['SEATS_FULL', 'ALREADY_IN_BATCH', 'COURSE_NOT_PUBLISHED'] },
      schema: {
        tags,
        summary: 'Add a person to the batch; they are enrolled in every course of the batch (source cohort)',
        description: 'An existing enrollment in a batch course is reused (created: false), never duplicated. 409 SEATS_FULL when every seat is taken; 409 ALREADY_IN_BATCH with batchMemberId.',
        params: IdParams,
        body: AddMemberBody,
        response: { 201: BatchMembershipSchema },
      },
    },
    async (req, reply) => reply.code(201).send(await addBatchMember(ctx, actorOf(req), req.params.id, req.body, req.id)),
  );

  app.post(
    '/api/batches/:id/join',
    {
      config: { access: 'authenticated', problems: ['SEATS_FULL', 'ALREADY_IN_BATCH', 'SELF_ENROLLMENT_DISABLED', 'PAYMENT_REQUIRED', 'COURSE_NOT_PUBLISHED'] },
      schema: {
        tags,
        summary: 'The caller joins a published batch that allows self-enrollment',
        params: IdParams,
        response: { 201: BatchMembershipSchema },
      },
    },
    async (req, reply) => reply.code(201).send(await joinBatch(ctx, actorOf(req), req.params.id, req.id)),
  );

  app.delete(
    '/api/batches/:id/members/:memberId',
    {
      config: { access: MANAGERS },
      schema: {
        tags,
        summary: 'Remove a member (by user id); their enrollments and progress stay',
        params: BatchMemberParams,
      },
    },
    async (req, reply) => {
      await removeBatchMember(ctx, actorOf(req), req.params.id, req.params.memberId, req.id);
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/batches/:id/courses',
    {
      config: { access: MANAGERS, problems: ['COURSE_NOT_PUBLISHED'] },
      schema: {
        tags,
        summary: 'Add a course to the batch; every member is enrolled in it at once',
        params: IdParams,
        body: AddBatchCourseBody,
        response: { 200: BatchCourseAddedSchema },
      },
    },
    async (req) => addBatchCourse(ctx, actorOf(req), req.params.id, req.body.courseId, req.id),
  );

  app.get(
    '/api/batches/:id/members',
    {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: 'Members with their progress per course, attendance and assessments (fellow members: names only)',
        params: IdParams,
        querystring: BatchMemberListQuery,
        response: { 200: pageOf(BatchMemberRowSchema) },
      },
    },
    async (req) => listBatchMembers(ctx, actorOf(req), req.params.id, req.query),
  );
}

/** `GET /api/batches/:id/members/export.csv`: the dashboard grid as CSV (course columns by title). */
export function registerBatchExport(app: App, ctx: AppContext): void {
  app.get(
    '/api/batches/:id/members/export.csv',
    {
      config: { access: 'authenticated' },
      schema: { tags, summary: 'The members dashboard as CSV (staff of the batch)', params: IdParams },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const batch = await getBatch(ctx, actor, req.params.id);
      const title = new Map(batch.courses.map((c) => [c.id, c.title]));
      return sendListCsv(reply, {
        list: (q) => listBatchMembers(ctx, actor, req.params.id, q, { staffOnly: true }),
        filters: {},
        fileName: `batch-${batch.title.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').toLowerCase() || batch.id}-members`,
        columns: [
          { header: 'Member', value: (r) => r.fullName },
          { header: 'Joined', value: (r) => r.joinedAt.slice(0, 10) },
          ...batch.courseIds.map((id) => ({ header: `${title.get(id) ?? id} (%)`, value: (r: { courses: { courseId: string; progress: number | null }[] }) => r.courses.find((c) => c.courseId === id)?.progress ?? '' })),
          { header: 'Classes attended', value: (r) => r.attendance.attended },
          { header: 'Classes held', value: (r) => r.attendance.held },
          { header: 'Assessments passed', value: (r) => r.assessments.passed },
          { header: 'Assessments', value: (r) => r.assessments.total },
          { header: 'Behind', value: (r) => (r.behind ? 'Yes' : 'No') },
        ],
      });
    },
  );
}
