import { beforeAll, expect, it } from 'vitest';
import { describeDb, json, type TestUser } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { newId } from '../../db/ids.ts';
import type { OutboxMessage, OutboxItem } from '../../../contract/notifications.ts';
import { notifyRecentEnrollments } from './events.ts';
import { HIDDEN_TOKEN } from '../../platform/mail/outbox-list.ts';

describeDb('the mail outbox, one message at a time; templates saved unchanged', (env) => {
  let admin: TestUser;
  beforeAll(async () => {
    admin = await env.user(['System Manager'], 'Ada Admin');
    env.config.publicUrl = 'https://lms.example.com';
    env.config.smtpUrl = null;
    await env.req('PATCH', '/api/settings', { as: admin, body: { organisationName: 'Acme Training', mailFrom: 'training@acme.example' } });
  });

  it('lists who a message is for by name and opens it with its plain-text and HTML parts; reading changes nothing', async () => {
    const learner = await env.user(['LMS Student'], 'Lena Outbox');
    const { courseId } = await makeCourse(env, { title: 'Ladder Safety' });
    expect((await env.req('POST', '/api/enrollments', { as: admin, body: { courseId, memberId: learner.id } })).statusCode).toBe(201);
    await notifyRecentEnrollments(env.ctx);

    const page = json<{ items: OutboxItem[] }>(await env.req('GET', '/api/mail-outbox?status=pending', { as: admin }));
    const item = page.items.find((m) => m.to === learner.email);
    expect(item).toMatchObject({ toName: 'Lena Outbox', subject: 'You are enrolled in Ladder Safety', status: 'pending', attempts: 0 });

    const res = await env.req('GET', `/api/mail-outbox/${item!.id}`, { as: admin });
    expect(res.statusCode, res.body).toBe(200);
    const m = json<OutboxMessage>(res);
    expect(m).toMatchObject({ id: item!.id, to: learner.email, toName: 'Lena Outbox', subject: 'You are enrolled in Ladder Safety', status: 'pending' });
    // The plain-text part as the sender puts it in the mail: words, not Markdown.
    expect(m.text).toBe(`Hello Lena Outbox,\n\nYou are now enrolled in Ladder Safety.\n\nOpen the course: https://lms.example.com/lms/courses/${courseId}`);
    expect(m.html).toContain('Acme Training');
    expect(m.html).toContain(`href="https://lms.example.com/lms/courses/${courseId}"`);

    // A message not written for a user (an address only) has no name.
    const bare = newId();
    const now = new Date().toISOString();
    await env.ctx.db
      .insertInto('mail_outbox')
      .values({ id: bare, to_address: 'someone@example.com', event: 'account.invitation', subject: 'Set your password', body_markdown: 'Hello', next_attempt_at: now, created_at: now, updated_at: now })
      .execute();
    expect(json<OutboxMessage>(await env.req('GET', `/api/mail-outbox/${bare}`, { as: admin })).toName).toBeNull();

    const row = await env.ctx.db.selectFrom('mail_outbox').selectAll().where('id', '=', item!.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'pending', attempts: 0, sent_at: null });
  });

  it('an invitation shows that it carries a set-password link but never its token (the recipient’s alone)', async () => {
    const res = await env.req('POST', '/api/users', { as: admin, body: { email: 'ines.invited@example.com', fullName: 'Inès Invited', roles: ['LMS Student'] } });
    expect(res.statusCode, res.body).toBe(201);
    const row = await env.ctx.db.selectFrom('mail_outbox').selectAll().where('to_address', '=', 'ines.invited@example.com').executeTakeFirstOrThrow();
    const token = /set-password\?token=([A-Za-z0-9_-]+)/.exec(row.body_markdown)?.[1];
    expect(token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    const read = await env.req('GET', `/api/mail-outbox/${row.id}`, { as: admin });
    expect(read.statusCode).toBe(200);
    expect(read.body).not.toContain(token);
    const m = json<OutboxMessage>(read);
    expect(m.toName).toBe('Inès Invited');
    expect(m.text).toContain(`/lms/set-password?token=${HIDDEN_TOKEN}`);
    expect(m.html).toContain(`set-password?token=${HIDDEN_TOKEN}`);
    // The message that goes out keeps the link.
    expect((await env.ctx.db.selectFrom('mail_outbox').select('body_markdown').where('id', '=', row.id).executeTakeFirstOrThrow()).body_markdown).toContain(token);
  });

  it('a message is for System Managers only; an unknown or malformed id is refused in words', async () => {
    const now = new Date().toISOString();
    const id = newId();
    await env.ctx.db
      .insertInto('mail_outbox')
      .values({ id, to_address: 'private@example.com', event: 'account.password-reset', subject: 'Reset', body_markdown: 'secret link', next_attempt_at: now, created_at: now, updated_at: now })
      .execute();
    const learner = await env.user(['LMS Student']);
    const hr = await env.user(['HR Manager']);
    for (const as of [learner, hr]) {
      const res = await env.req('GET', `/api/mail-outbox/${id}`, { as });
      expect(res.statusCode).toBe(403);
      expect(res.body).not.toContain('secret link');
    }
    expect((await env.req('GET', `/api/mail-outbox/${id}`)).statusCode).toBe(401);

    const missing = await env.req('GET', `/api/mail-outbox/${newId()}`, { as: admin });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toContain('application/problem+json');
    expect(json<{ code: string; detail: string }>(missing)).toMatchObject({ code: 'NOT_FOUND' });
    expect(json<{ detail: string }>(missing).detail).toContain('message');
    for (const bad of ["x' or '1'='1", 'a'.repeat(65)]) {
      const res = await env.req('GET', `/api/mail-outbox/${encodeURIComponent(bad)}`, { as: admin });
      expect(res.statusCode, bad).toBe(400);
      expect(json<{ code: string }>(res).code).toBe('VALIDATION_FAILED');
    }
    // An address past the router's limit is refused before any handler runs.
    expect((await env.req('GET', `/api/mail-outbox/${'a'.repeat(300)}`, { as: admin })).statusCode).toBe(414);
  });

  it('saving a template with the words it has writes nothing and logs nothing; a change is logged once', async () => {
    const audits = () => env.ctx.db.selectFrom('audit_log').select('id').where('entity', '=', 'notification_template').where('entity_id', '=', 'certificate.issued').execute();
    const before = json<{ items: { event: string; subject: string; body: string; customised: boolean }[] }>(
      await env.req('GET', '/api/notification-templates', { as: admin }),
    ).items.find((t) => t.event === 'certificate.issued')!;
    const same = await env.req('PUT', '/api/notification-templates/certificate.issued', { as: admin, body: { subject: before.subject, body: before.body } });
    expect(same.statusCode, same.body).toBe(200);
    expect(json(same)).toMatchObject({ customised: false });
    expect(await audits()).toHaveLength(0);
    expect(await env.ctx.db.selectFrom('notification_templates').select('event').where('event', '=', 'certificate.issued').execute()).toHaveLength(0);

    const changed = { subject: 'Well done, {{recipientName}}', body: before.body };
    expect(json(await env.req('PUT', '/api/notification-templates/certificate.issued', { as: admin, body: changed }))).toMatchObject({ customised: true });
    expect(json(await env.req('PUT', '/api/notification-templates/certificate.issued', { as: admin, body: changed }))).toMatchObject({ customised: true });
    expect(await audits()).toHaveLength(1);
  });
});
