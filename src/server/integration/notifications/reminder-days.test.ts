import { expect, it } from 'vitest';
import { describeDb, json, type TestUser } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { today } from '../../db/dialect.ts';
import { addDays } from '../../hr/index.ts';
import { readableDay } from '../../platform/readable-instant.ts';

type Problem = { code: string; errors?: { path: string; message: string }[] };

describeDb('reminder days: settings and the reminders job', (env) => {
  it('defaults to 7 and 1; System Managers change them; the job reminds on the days set', async () => {
    const admin = await env.user(['System Manager']);
    const learner = await env.user(['LMS Student'], 'Dora Due');
    expect(json<{ reminderDays: number[] }>(await env.req('GET', '/api/settings', { as: admin })).reminderDays).toEqual([7, 1]);
    const on = today();
    for (const days of [1, 3, 7, 14]) {
      const { courseId } = await makeCourse(env, { title: `Due in ${days}` });
      const res = await env.req('POST', '/api/training-assignments', { as: admin, body: { courseId, dueDate: addDays(on, days), memberIds: [learner.id] } });
      expect(res.statusCode, res.body).toBe(201);
    }
    const dueSoon = async () =>
      (await env.ctx.db.selectFrom('notifications').select('title').where('user_id', '=', learner.id).where('kind', '=', 'assignment.due-soon').orderBy('title').execute()).map(
        (n) => n.title,
      );
    const run = async () => {
      const res = await env.req('POST', '/api/jobs/notifications.reminders/run', { as: admin });
      expect(res.statusCode, res.body).toBe(200);
      return JSON.parse(json<{ outcome: string }>(res).outcome) as { dueSoon: number };
    };
    expect((await run()).dueSoon).toBe(2);
    expect(await dueSoon()).toEqual([`Reminder: Due in 1 is due on ${readableDay(addDays(on, 1))}`, `Reminder: Due in 7 is due on ${readableDay(addDays(on, 7))}`]);

    const saved = await env.req('PATCH', '/api/settings', { as: admin, body: { reminderDays: [14, 3] } });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(json<{ reminderDays: number[] }>(saved).reminderDays).toEqual([14, 3]);
    await env.ctx.db.deleteFrom('notifications').where('user_id', '=', learner.id).execute();
    expect((await run()).dueSoon).toBe(2);
    expect(await dueSoon()).toEqual([`Reminder: Due in 14 is due on ${readableDay(addDays(on, 14))}`, `Reminder: Due in 3 is due on ${readableDay(addDays(on, 3))}`]);

    // No reminder days: no due-soon reminder at all.
    expect((await env.req('PATCH', '/api/settings', { as: admin, body: { reminderDays: [] } })).statusCode).toBe(200);
    await env.ctx.db.deleteFrom('notifications').where('user_id', '=', learner.id).execute();
    expect((await run()).dueSoon).toBe(0);
  });

  it('refuses anything but up to five different whole days from 1 to 365, and non-admins; nothing changes', async () => {
    const admin = await env.user(['System Manager']);
    const hr: TestUser = await env.user(['HR Manager']);
    expect((await env.req('PATCH', '/api/settings', { as: admin, body: { reminderDays: [10, 5, 2] } })).statusCode).toBe(200);
    const before = { settings: await env.count('settings'), audit: await env.count('audit_log') };
    const bad: [unknown, string, string][] = [
      [[30, 14, 7, 3, 2, 1], 'reminderDays', 'At most 5 reminder days.'],
      [[0], 'reminderDays.0', 'Each reminder day must be at least 1.'],
      [[-3], 'reminderDays.0', 'Each reminder day must be at least 1.'],
      [[7, 1.5], 'reminderDays.1', 'Write whole numbers of days, e.g. 7, 1.'],
      [['7'], 'reminderDays.0', 'Write whole numbers of days, e.g. 7, 1.'],
      [[400], 'reminderDays.0', 'Each reminder day must be at most 365.'],
      [[7, 7], 'reminderDays', 'Write each day only once.'],
      ['7, 1', 'reminderDays', 'Write whole numbers of days, e.g. 7, 1.'],
      [null, 'reminderDays', 'Write whole numbers of days, e.g. 7, 1.'],
    ];
    for (const [reminderDays, path, message] of bad) {
      const res = await env.req('PATCH', '/api/settings', { as: admin, body: { reminderDays } });
      expect(res.statusCode, JSON.stringify(reminderDays)).toBe(400);
      const p = json<Problem>(res);
      expect(p.code).toBe('VALIDATION_FAILED');
      expect(p.errors).toContainEqual({ path, message });
    }
    const forbidden = await env.req('PATCH', '/api/settings', { as: hr, body: { reminderDays: [3] } });
    expect(forbidden.statusCode).toBe(403);
    expect(json<Problem>(forbidden).code).toBe('FORBIDDEN');
    expect({ settings: await env.count('settings'), audit: await env.count('audit_log') }).toEqual(before);
    expect(json<{ reminderDays: number[] }>(await env.req('GET', '/api/settings', { as: admin })).reminderDays).toEqual([10, 5, 2]);
  });
});
