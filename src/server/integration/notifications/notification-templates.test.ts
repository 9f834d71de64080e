/**
 * Message templates: System Managers edit a message's subject and body, preview it with sample
 * data and reset it to the default; a placeholder the event does not fill is refused.
 */
import { expect, it } from 'vitest';
import { describeDb, json } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { notifyRecentEnrollments } from './events.ts';
import { notificationSuite } from './notification-test-helpers.ts';

describeDb('notifications: templates', (env) => {
  const suite = notificationSuite(env);
  const { notes } = suite;

  it('templates: System Managers edit subject and body, preview with sample data, reset to the default', async () => {
    const learner = await env.user();
    expect((await env.req('GET', '/api/notification-templates', { as: learner })).statusCode).toBe(403);
    const list = json<{ items: { event: string; customised: boolean; placeholders: string[] }[] }>(
      await env.req('GET', '/api/notification-templates', { as: suite.admin }),
    );
    expect(list.items.find((t) => t.event === 'enrolled')).toMatchObject({ customised: false });
    const preview = json<{ subject: string; text: string; html: string }>(
      await env.req('POST', '/api/notification-templates/enrolled/preview', {
        as: suite.admin,
        body: { subject: 'Welcome to {{courseTitle}}', body: 'Hi {{recipientName}} from {{organisationName}}: **go**' },
      }),
    );
    expect(preview.subject).toBe('Welcome to Fire Safety Basics');
    // The plain-text part as mail carries it: the Markdown's marks dropped.
    expect(preview.text).toBe('Hi Sam Taylor from Acme Training: go');
    expect(preview.html).toContain('<strong>go</strong>');
    const bad = await env.req('PUT', '/api/notification-templates/enrolled', { as: suite.admin, body: { subject: '', body: 'x' } });
    expect(bad.statusCode).toBe(400);
    // A placeholder the event does not fill (a typo would reach every learner as written) is refused
    // on its field, by the preview and by saving, naming the ones to use; nothing is saved.
    const typo = { subject: 'You are enrolled in {{courseName}}', body: 'Hi {{ recipientName }}, {{first name}} {{link}}' };
    for (const res of [
      await env.req('POST', '/api/notification-templates/enrolled/preview', { as: suite.admin, body: typo }),
      await env.req('PUT', '/api/notification-templates/enrolled', { as: suite.admin, body: typo }),
    ]) {
      expect(res.statusCode).toBe(400);
      const problem = json<{ code: string; errors: { path: string; message: string }[] }>(res);
      expect(problem.code).toBe('VALIDATION_FAILED');
      expect(problem.errors).toEqual([
        {
          path: 'subject',
          message: '{{courseName}} is not a placeholder of this message. Use {{recipientName}}, {{organisationName}}, {{link}}, {{courseTitle}}.',
        },
        {
          path: 'body',
          message: '{{first name}} is not a placeholder of this message. Use {{recipientName}}, {{organisationName}}, {{link}}, {{courseTitle}}.',
        },
      ]);
    }
    expect(
      (await env.req('PUT', '/api/notification-templates/nope', { as: suite.admin, body: { subject: 'a', body: 'b' } })).statusCode,
    ).toBe(400);
    expect(await env.count('notification_templates')).toBe(0);
    const saved = await env.req('PUT', '/api/notification-templates/enrolled', {
      as: suite.admin,
      body: { subject: 'Welcome to {{courseTitle}}', body: 'Hi {{recipientName}}, see {{link}}' },
    });
    expect(saved.statusCode, saved.body).toBe(200);
    const u = await env.user(['LMS Student'], 'Walt Welcome');
    const { courseId } = await makeCourse(env, { title: 'Templated Course' });
    await env.req('POST', '/api/enrollments', { as: suite.admin, body: { courseId, memberId: u.id } });
    await notifyRecentEnrollments(env.ctx);
    const [n] = await notes(u);
    expect(n).toMatchObject({
      title: 'Welcome to Templated Course',
      body: `Hi Walt Welcome, see https://lms.example.com/lms/courses/${courseId}`,
    });
    expect((await env.req('DELETE', '/api/notification-templates/enrolled', { as: suite.admin })).statusCode).toBe(204);
    expect(await env.count('notification_templates')).toBe(0);
  });
});
