import { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { App } from '../http/types.ts';
import { actorOf } from '../http/access.ts';
import { RecommendationQuery, RecommendationSchema } from '../../contract/recommendations.ts';
import { recommendationsFor } from './recommendations.ts';

export function registerRecommendationRoutes(app: App, ctx: AppContext): void {
  app.get(
    '/api/me/recommendations',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['recommendations'],
        summary: 'Published courses suggested to the caller (never one they are enrolled in), best first, each with its reason',
        description:
          'Built in: mandatory training not taken yet first, then what colleagues of the same department and designation took and ' +
          "completed, likeness to the caller's courses and role, popularity. When LMS Settings hold a provider endpoint and key, " +
          'that model may re-order the suggestions; when it fails or is slow the built-in order answers. limit: 1-20, default 8.',
        querystring: RecommendationQuery,
        response: { 200: z.array(RecommendationSchema) },
      },
    },
    async (req) => recommendationsFor(ctx, actorOf(req), req.query.limit),
  );
}
