import { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { App } from '../http/types.ts';
import { databaseReachable } from './health.service.ts';
import { VERSION } from '../version.ts';

export function registerHealthRoutes(app: App, ctx: AppContext): void {
  app.get(
    '/api/health',
    {
      config: { access: 'public' },
      schema: {
        tags: ['platform'],
        summary: 'Liveness and database reachability',
        response: {
          200: z.object({ status: z.literal('ok'), version: z.string(), database: z.object({ dialect: z.string(), reachable: z.boolean() }) }),
          503: z.object({ status: z.literal('degraded'), version: z.string(), database: z.object({ dialect: z.string(), reachable: z.boolean() }) }),
        },
      },
    },
    async (_req, reply) => {
      if (await databaseReachable(ctx)) {
        return { status: 'ok' as const, version: VERSION, database: { dialect: ctx.dialect, reachable: true } };
      }
      return reply.code(503).send({ status: 'degraded' as const, version: VERSION, database: { dialect: ctx.dialect, reachable: false } });
    },
  );
}
