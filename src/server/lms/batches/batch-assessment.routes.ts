import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/types.ts';
import { actorOf } from '../../http/access.ts';
import { IdParams } from '../../../contract/common.ts';
import { AssessmentSchema, CreateAssessmentBody } from '../../../contract/assignments.ts';
import { BATCH_CREATORS } from './batch.policy.ts';
import { createAssessment, listAssessments } from './batch-assessment.service.ts';

const tags = ['batches'];

/** Batch assessments: the quizzes and assignments a batch is assessed on, with due dates. */
export function registerBatchAssessmentRoutes(app: App, ctx: AppContext): void {
  app.post(
    '/api/batches/:id/assessments',
    {
      config: { access: BATCH_CREATORS },
      schema: {
        tags,
        summary: 'Assess the batch on a quiz (best attempt counts) or an assignment, with a due date',
        params: IdParams,
        body: CreateAssessmentBody,
        response: { 201: AssessmentSchema },
      },
    },
    async (req, reply) => reply.code(201).send(await createAssessment(ctx, actorOf(req), req.params.id, req.body, req.id)),
  );

  app.get(
    '/api/batches/:id/assessments',
    {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: 'The batch’s assessments by due date: staff see passed out of members, members their own state',
        params: IdParams,
        response: { 200: z.object({ items: z.array(AssessmentSchema) }) },
      },
    },
    async (req) => ({ items: await listAssessments(ctx, actorOf(req), req.params.id) }),
  );
}
