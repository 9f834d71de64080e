import type { AppContext } from '../context.ts';
import type { App } from '../http/types.ts';
import { actorOf } from '../http/access.ts';
import { IdParams } from '../../contract/common.ts';
import { EnrollmentCyclesSchema } from '../../contract/notifications.ts';
import { enrollmentCycles } from './recertification.ts';

export function registerRecertificationRoutes(app: App, ctx: AppContext): void {
  app.get(
    '/api/enrollments/:id/cycles',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['enrollments'],
        summary: "The enrollment's cycles (recertification), oldest first: dates, lesson completions, quiz attempts and certificate of each",
        params: IdParams,
        response: { 200: EnrollmentCyclesSchema },
      },
    },
    async (req) => enrollmentCycles(ctx, actorOf(req), req.params.id),
  );
}
