import { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { App } from '../http/types.ts';
import { actorOf } from '../http/access.ts';
import { TeamSchema } from '../../contract/team.ts';
import { myTeam, TEAM_MAX } from './team.ts';

/** A manager's view of their direct reports' required training (portal "My team"). */
export function registerTeamRoutes(app: App, ctx: AppContext): void {
  app.get(
    '/api/me/team',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['hr'],
        summary: "The caller's direct reports (by the employee record's reports-to) with their mandatory and assigned training",
        description: `Each active employee reporting to the caller's employee record, with required courses: status, progress, due date, overdue, due within 14 days. At most ${TEAM_MAX} people. Empty for callers without an employee record or reports.`,
        querystring: z.strictObject({}),
        response: { 200: TeamSchema },
      },
    },
    async (req) => myTeam(ctx, actorOf(req)),
  );
}
