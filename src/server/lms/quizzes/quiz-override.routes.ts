import type { AppContext } from '../../context.ts';
import type { App } from '../../http/types.ts';
import { actorOf } from '../../http/access.ts';
import { IdParams } from '../../../contract/common.ts';
import { QuizOverrideBody, QuizOverrideListSchema, QuizOverrideParams, QuizOverrideSchema } from '../../../contract/quizzes.ts';
import { deleteOverride, getOverride, listOverrides, putOverride } from './quiz-availability.service.ts';

const tags = ['quizzes'];
const AUTHORS = ['Moderator', 'Course Creator'] as const;

/** Per-learner quiz overrides (extra attempts, a later close), set by the quiz's authors; audited. */
export function registerQuizOverrideRoutes(app: App, ctx: AppContext): void {
  app.get(
    '/api/quizzes/:id/overrides',
    {
      config: { access: AUTHORS },
      schema: {
        tags,
        summary: 'The learners of this quiz with an override, by name, with their attempts and result',
        params: IdParams,
        response: { 200: QuizOverrideListSchema },
      },
    },
    async (req) => ({ items: await listOverrides(ctx, actorOf(req), req.params.id) }),
  );

  app.get(
    '/api/quizzes/:id/overrides/:memberId',
    {
      config: { access: AUTHORS },
      schema: { tags, summary: 'One learner’s override (404 when they have none)', params: QuizOverrideParams, response: { 200: QuizOverrideSchema } },
    },
    async (req) => getOverride(ctx, actorOf(req), req.params.id, req.params.memberId),
  );

  app.put(
    '/api/quizzes/:id/overrides/:memberId',
    {
      config: { access: AUTHORS },
      schema: {
        tags,
        summary: 'Give one learner extra attempts (0–100, on top of maxAttempts) and/or a later close time',
        description:
          'Creates (201) or replaces (200) the learner’s override, audited with the before-image. The learner must be enrolled in a course with this quiz (400 on memberId otherwise).',
        params: QuizOverrideParams,
        body: QuizOverrideBody,
        response: { 200: QuizOverrideSchema, 201: QuizOverrideSchema },
      },
    },
    async (req, reply) => {
      const { override, created } = await putOverride(ctx, actorOf(req), req.params.id, req.params.memberId, req.body);
      return reply.code(created ? 201 : 200).send(override);
    },
  );

  app.delete(
    '/api/quizzes/:id/overrides/:memberId',
    {
      config: { access: AUTHORS },
      schema: { tags, summary: 'Remove a learner’s override (audited): the quiz’s own attempts and close apply again', params: QuizOverrideParams },
    },
    async (req, reply) => {
      await deleteOverride(ctx, actorOf(req), req.params.id, req.params.memberId);
      return reply.code(204).send();
    },
  );
}
