/**
 * The scheduled jobs as System Managers see them: listed with their last run, run by hand (the
 * notification reminders here), an unknown name not found.
 */
import { expect, it } from 'vitest';
import { describeDb, json } from '../../../../test/helpers/harness.ts';
import { notificationSuite } from './notification-test-helpers.ts';

describeDb('notifications: jobs', (env) => {
  const suite = notificationSuite(env);

  it('jobs: listed with their last run, run by hand, unknown names not found', async () => {
    const learner = await env.user();
    expect((await env.req('GET', '/api/jobs', { as: learner })).statusCode).toBe(403);
    expect((await env.req('POST', '/api/jobs/notifications.reminders/run', { as: learner })).statusCode).toBe(403);
    const run = json<{ status: string; ran: boolean; outcome: string }>(
      await env.req('POST', '/api/jobs/notifications.reminders/run', { as: suite.admin }),
    );
    expect(run).toMatchObject({ ran: true, status: 'done' });
    expect(JSON.parse(run.outcome)).toHaveProperty('dueSoon');
    const jobs = json<{ items: { name: string; lastRun: { status: string; durationMs: number } | null }[] }>(
      await env.req('GET', '/api/jobs', { as: suite.admin }),
    );
    for (const name of ['notifications.reminders', 'certificates.expiry', 'hr.compliance-expiry', 'mail.outbox', 'notifications.digest']) {
      expect(jobs.items.map((j) => j.name)).toContain(name);
    }
    expect(jobs.items.find((j) => j.name === 'notifications.reminders')?.lastRun).toMatchObject({ status: 'done' });
    const missing = await env.req('POST', '/api/jobs/no.such-job/run', { as: suite.admin });
    expect(missing.statusCode).toBe(404);
    expect(json<{ code: string }>(missing).code).toBe('NOT_FOUND');
    expect((await env.req('POST', '/api/jobs/Bad Name!/run', { as: suite.admin })).statusCode).toBe(400);
  });
});
