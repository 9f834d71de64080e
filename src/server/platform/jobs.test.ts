import { expect, it } from 'vitest';
import { describeDb } from '../../../test/helpers/harness.ts';
import { loadConfig } from '../config.ts';
import { openDatabase } from '../db/database.ts';
import { Jobs } from './jobs.ts';

describeDb('scheduled jobs', (env) => {
  it('two processes racing for one slot: exactly one runs it, once', async () => {
    // A second connection (pool) to the same database stands in for a second server process.
    const other = openDatabase(env.config.database);
    try {
      let runs = 0;
      const job = { name: 'test.race', schedule: '0 0 1 1 *', run: async () => void runs++ };
      const a = new Jobs(env.ctx);
      const b = new Jobs({ ...env.ctx, db: other.db });
      a.register(job);
      b.register(job);
      const slot = new Date().toISOString();
      const claims = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).runOnce('test.race', slot)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(runs).toBe(1);
      const rows = await env.ctx.db.selectFrom('job_runs').selectAll().where('name', '=', 'test.race').execute();
      expect(rows.map((r) => [r.slot, r.status])).toEqual([[slot, 'done']]);
      // The next slot runs again.
      expect(await b.runOnce('test.race', `${slot}-next`)).toBe(true);
      expect(runs).toBe(2);
    } finally {
      await other.close();
    }
  });

  it('a failing job is recorded as failed and does not stop the next slot', async () => {
    const jobs = new Jobs(env.ctx);
    let calls = 0;
    jobs.register({
      name: 'test.failing',
      schedule: '0 0 1 1 *',
      run: () => {
        calls++;
        return Promise.reject(new Error('boom'));
      },
    });
    expect(await jobs.runOnce('test.failing', 's1')).toBe(true);
    expect(await jobs.runOnce('test.failing', 's2')).toBe(true);
    const rows = await env.ctx.db.selectFrom('job_runs').select(['slot', 'status']).where('name', '=', 'test.failing').orderBy('slot').execute();
    expect(rows).toEqual([
      { slot: 's1', status: 'failed' },
      { slot: 's2', status: 'failed' },
    ]);
    expect(calls).toBe(2);
  });

  it('stopping waits for a run in progress to finish and record itself', async () => {
    const jobs = new Jobs(env.ctx);
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    jobs.register({ name: 'test.slow', schedule: '0 0 1 1 *', run: () => gate });
    const run = jobs.runOnce('test.slow', 'slow-1');
    await new Promise((r) => setTimeout(r, 50));
    let stopped = false;
    const stop = jobs.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(stopped).toBe(false);
    open();
    await Promise.all([run, stop]);
    const row = await env.ctx.db.selectFrom('job_runs').select('status').where('name', '=', 'test.slow').executeTakeFirstOrThrow();
    expect(row.status).toBe('done');
  });

  it('schedules can be replaced by name; unknown names and bad patterns stop the start', async () => {
    const jobs = new Jobs(env.ctx);
    let runs = 0;
    jobs.register({ name: 'test.often', schedule: '0 0 1 1 *', run: async () => void runs++ });
    expect(() => jobs.start({ 'test.nope': '* * * * *' })).toThrow(/unknown jobs: test\.nope/);
    expect(() => jobs.start({ 'test.often': '61 * * * *' })).toThrow(/invalid schedule/);
    // Every second instead of once a year.
    jobs.start({ 'test.often': '* * * * * *' });
    try {
      const until = Date.now() + 5_000;
      while (runs === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    } finally {
      await jobs.stop();
    }
    expect(runs).toBeGreaterThan(0);
    const rows = await env.ctx.db.selectFrom('job_runs').select('slot').where('name', '=', 'test.often').execute();
    expect(rows).toHaveLength(runs);
  });
});

it('SMOOTH_JOB_SCHEDULES is parsed as name=pattern pairs; malformed entries stop the configuration', () => {
  expect(loadConfig({ SMOOTH_JOB_SCHEDULES: 'certificates.expiry=0 1 * * *; imports.reap=*/10 * * * * *' }).jobSchedules).toEqual({
    'certificates.expiry': '0 1 * * *',
    'imports.reap': '*/10 * * * * *',
  });
  expect(loadConfig({}).jobSchedules).toEqual({});
  expect(() => loadConfig({ SMOOTH_JOB_SCHEDULES: 'certificates.expiry' })).toThrow(/not name=cron-pattern/);
  expect(() => loadConfig({ SMOOTH_JOB_SCHEDULES: 'x=1 2 3' })).toThrow(/not name=cron-pattern/);
  expect(() => loadConfig({ SMOOTH_JOB_SCHEDULES: 'x=$(rm -rf /) * * * *' })).toThrow(/not name=cron-pattern/);
});
