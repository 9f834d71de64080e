/**
 * A person's notification preferences: with email off nothing is mailed, with a daily digest the
 * day's notifications go in one mail, once a day; bad input is refused and writes nothing.
 */
import { expect, it } from 'vitest';
import { describeDb, json } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { today } from '../../db/dialect.ts';
import { drainOutbox } from '../../platform/mail/index.ts';
import { runDigest } from './digest.ts';
import { notifyRecentEnrollments } from './events.ts';
import { readableDay } from '../../platform/readable-instant.ts';
import { notificationSuite } from './notification-test-helpers.ts';

describeDb('notifications: preferences and digest', (env) => {
  const suite = notificationSuite(env);
  const { notes, outboxFor } = suite;

  it('preferences: email off writes no mail; a daily digest groups the day in one mail', async () => {
    const quiet = await env.user(['LMS Student'], 'Quinn Quiet');
    const digest = await env.user(['LMS Student'], 'Dana Digest');
    expect(json(await env.req('GET', '/api/me/notification-preferences', { as: quiet }))).toEqual({ email: true, digest: 'off' });
    expect(json(await env.req('PATCH', '/api/me/notification-preferences', { as: quiet, body: { email: false } }))).toEqual({
      email: false,
      digest: 'off',
    });
    expect(json(await env.req('PATCH', '/api/me/notification-preferences', { as: digest, body: { digest: 'daily' } }))).toEqual({
      email: true,
      digest: 'daily',
    });
    const a = await makeCourse(env, { title: 'Course Alpha' });
    const b = await makeCourse(env, { title: 'Course Beta' });
    for (const u of [quiet, digest]) {
      for (const c of [a, b])
        expect(
          (await env.req('POST', '/api/enrollments', { as: suite.admin, body: { courseId: c.courseId, memberId: u.id } })).statusCode,
        ).toBe(201);
    }
    await notifyRecentEnrollments(env.ctx);
    expect(await notes(quiet)).toHaveLength(2);
    expect(await notes(digest)).toHaveLength(2);
    expect(await outboxFor(quiet.email)).toHaveLength(0);
    expect(await outboxFor(digest.email)).toHaveLength(0);
    const r = await runDigest(env.ctx, today());
    expect(r.digests).toBeGreaterThanOrEqual(1);
    const d = await outboxFor(digest.email);
    expect(d).toHaveLength(1);
    expect(d[0]!.subject).toBe(`Your notifications of ${readableDay(today())}`);
    // Both enrollments were told by one pass of the job (the same instant): the digest lists both.
    expect(d[0]!.body_markdown).toContain('- **You are enrolled in Course Alpha**');
    expect(d[0]!.body_markdown).toContain('- **You are enrolled in Course Beta**');
    expect(d[0]!.body_markdown).toContain('https://lms.example.com/lms/notifications');
    // Once per day.
    await runDigest(env.ctx, today());
    expect(await outboxFor(digest.email)).toHaveLength(1);
    expect(await outboxFor(quiet.email)).toHaveLength(0);
    await drainOutbox(env.ctx);
    const mail = suite.smtp.received.find((m) => m.to.includes(digest.email));
    expect(mail?.raw).toContain('<strong>You are enrolled in Course Alpha</strong>');
  });

  it('preferences refuse bad input and write nothing', async () => {
    const u = await env.user();
    const before = await env.count('notification_preferences');
    for (const body of [{ digest: 'weekly' }, { email: 'yes' }, { email: true, extra: 1 }, { digest: 'x'.repeat(5000) }]) {
      const res = await env.req('PATCH', '/api/me/notification-preferences', { as: u, body });
      expect(res.statusCode).toBe(400);
      expect(json<{ code: string }>(res).code).toBe('VALIDATION_FAILED');
    }
    expect((await env.req('PATCH', '/api/me/notification-preferences', { body: { email: false } })).statusCode).toBe(401);
    expect(await env.count('notification_preferences')).toBe(before);
  });
});
