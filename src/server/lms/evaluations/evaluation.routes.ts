import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/types.ts';
import { actorOf } from '../../http/access.ts';
import { IdParams, pageOf } from '../../../contract/common.ts';
import { CertificateSchema } from '../../../contract/certificates.ts';
import {
  AvailabilityBody,
  AvailabilitySchema,
  BookBody,
  CancelBody,
  CertificateRequestSchema,
  EvaluationCourseSchema,
  GroupRequestBody,
  RequestListQuery,
  RescheduleBody,
  ResultBody,
  SlotQuery,
  SlotSchema,
  UserIdParams,
} from '../../../contract/assignments.ts';
import { getAvailability, putAvailability } from './availability.service.ts';
import { book, cancel, evaluationCourses, getRequest, groupRequest, listRequests, listSlots, recordResult, reschedule } from './request.service.ts';

const tags = ['evaluations'];
const EVALUATORS = ['Moderator', 'Batch Evaluator'] as const;

/** Certificate evaluations: availability, free slots, booking, results, reschedule and cancel, group requests. */
export function registerEvaluationRoutes(app: App, ctx: AppContext): void {
  app.put(
    '/api/evaluators/:userId/availability',
    {
      config: { access: EVALUATORS },
      schema: {
        tags,
        summary: 'Set an evaluator’s weekly availability in their time zone, unavailable dates and meeting link (that evaluator or staff)',
        params: UserIdParams,
        body: AvailabilityBody,
        response: { 200: AvailabilitySchema },
      },
    },
    async (req) => putAvailability(ctx, actorOf(req), req.params.userId, req.body, req.id),
  );

  app.get(
    '/api/evaluators/:userId/availability',
    {
      config: { access: EVALUATORS },
      schema: { tags, summary: 'An evaluator’s availability (that evaluator or staff)', params: UserIdParams, response: { 200: AvailabilitySchema } },
    },
    async (req) => getAvailability(ctx, actorOf(req), req.params.userId),
  );

  app.get(
    '/api/certificate-requests/slots',
    {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: 'Free evaluation slots for a course the caller is enrolled in (the evaluators of their batch), by start',
        querystring: SlotQuery,
        response: { 200: z.object({ items: z.array(SlotSchema) }) },
      },
    },
    async (req) => ({ items: await listSlots(ctx, actorOf(req), req.query) }),
  );

  app.get(
    '/api/certificate-requests/courses',
    {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: 'The caller’s courses to book an evaluation for (evaluation required, or a request open), with how many evaluators could take it and their booking',
        response: { 200: z.object({ items: z.array(EvaluationCourseSchema) }) },
      },
    },
    async (req) => ({ items: await evaluationCourses(ctx, actorOf(req)) }),
  );

  app.post(
    '/api/certificate-requests',
    {
      config: { access: 'authenticated', problems: ['SLOT_UNAVAILABLE', 'ALREADY_PASSED', 'EVALUATION_PENDING'] },
      schema: {
        tags,
        summary: 'Book a certificate evaluation slot (the evaluator’s local date and start time)',
        description: 'The slot is taken atomically: of learners booking one slot at once, one gets it and the others 409 SLOT_UNAVAILABLE.',
        body: BookBody,
        response: { 201: CertificateRequestSchema },
      },
    },
    async (req, reply) => reply.code(201).send(await book(ctx, actorOf(req), req.body, req.id)),
  );

  app.get(
    '/api/certificate-requests',
    {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: 'Certificate requests: learners their own, evaluators theirs and their batches’, Moderators all',
        querystring: RequestListQuery,
        response: { 200: pageOf(CertificateRequestSchema) },
      },
    },
    async (req) => listRequests(ctx, actorOf(req), req.query),
  );

  app.get(
    '/api/certificate-requests/:id',
    {
      config: { access: 'authenticated' },
      schema: { tags, summary: 'One certificate request', params: IdParams, response: { 200: CertificateRequestSchema } },
    },
    async (req) => getRequest(ctx, actorOf(req), req.params.id),
  );

  app.post(
    '/api/certificate-requests/:id/result',
    {
      config: { access: ['Moderator', 'Batch Evaluator', 'Course Creator'], problems: ['REQUEST_NOT_SCHEDULED', 'EVALUATION_NOT_STARTED', 'ALREADY_GRADED', 'SELF_GRADE_FORBIDDEN'] },
      schema: {
        tags,
        summary: 'Record the evaluation result; a pass issues the certificate (with the batch)',
        description: 'Only once the evaluation has started (422 EVALUATION_NOT_STARTED before); its slot stays taken.',
        params: IdParams,
        body: ResultBody,
        response: { 200: z.object({ request: CertificateRequestSchema, certificate: CertificateSchema.nullable() }) },
      },
    },
    async (req) => recordResult(ctx, actorOf(req), req.params.id, req.body, req.id),
  );

  app.post(
    '/api/certificate-requests/:id/reschedule',
    {
      config: { access: 'authenticated', problems: ['REQUEST_NOT_SCHEDULED', 'SLOT_UNAVAILABLE'] },
      schema: { tags, summary: 'Move a scheduled evaluation to another free slot of the same evaluator, with a reason', params: IdParams, body: RescheduleBody, response: { 200: CertificateRequestSchema } },
    },
    async (req) => reschedule(ctx, actorOf(req), req.params.id, req.body, req.id),
  );

  app.post(
    '/api/certificate-requests/:id/cancel',
    {
      config: { access: 'authenticated', problems: ['REQUEST_NOT_SCHEDULED'] },
      schema: { tags, summary: 'Cancel an open certificate request, with a reason', params: IdParams, body: CancelBody, response: { 200: CertificateRequestSchema } },
    },
    async (req) => cancel(ctx, actorOf(req), req.params.id, req.body.reason, req.id),
  );

  app.post(
    '/api/batches/:id/certificate-requests',
    {
      config: { access: ['Moderator', 'Course Creator'] },
      schema: {
        tags,
        summary: 'Group request: one certificate request per batch member without a valid certificate for the course',
        params: IdParams,
        body: GroupRequestBody,
        response: { 201: z.object({ items: z.array(CertificateRequestSchema) }) },
      },
    },
    async (req, reply) => reply.code(201).send({ items: await groupRequest(ctx, actorOf(req), req.params.id, req.body.courseId, req.id) }),
  );
}
