import type { App } from '../http/types.ts';
import { errors } from '../http/errors.ts';
import { JobListSchema, JobNameParams, JobRunSchema } from '../../contract/notifications.ts';
import type { Jobs } from './jobs.ts';

const tags = ['jobs'];

/** Scheduled jobs for System Managers: the list with each one's last run, and a run by hand. */
export function registerJobRoutes(app: App, jobs: Jobs): void {
  app.get(
    '/api/jobs',
    {
      config: { access: ['System Manager'] },
      schema: { tags, summary: 'Every scheduled job with its schedule and last run (start, duration, outcome)', response: { 200: JobListSchema } },
    },
    async () => ({ items: await jobs.list() }),
  );

  app.post(
    '/api/jobs/:name/run',
    {
      config: { access: ['System Manager'] },
      schema: {
        tags,
        summary: 'Run a job now and wait for it (as `smooth jobs run NAME`)',
        description: 'Answers how the run went: done or failed with its outcome. 404 NOT_FOUND for a name that is not a job.',
        params: JobNameParams,
        response: { 200: JobRunSchema },
      },
    },
    async (req) => {
      if (!jobs.has(req.params.name)) throw errors.notFound('The job');
      return jobs.runNow(req.params.name);
    },
  );
}
