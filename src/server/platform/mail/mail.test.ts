import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { describeDb, json } from '../../../../test/helpers/harness.ts';
import { mailPart, startSmtp } from '../../../../test/helpers/smtp.ts';
import { openDatabase } from '../../db/database.ts';
import { nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import { drainOutbox } from './sender.ts';
import { claimDue } from './outbox.ts';

describeDb('mail outbox over SMTP', (env) => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  beforeAll(async () => {
    smtp = await startSmtp();
  });
  afterAll(async () => {
    await smtp.close();
  });
  beforeEach(async () => {
    env.config.smtpUrl = smtp.url;
    smtp.received.length = 0;
    await env.ctx.db.deleteFrom('mail_outbox').execute();
  });

  async function queue(n: number, to = 'learner@example.com') {
    const now = nowIso();
    const ids = Array.from({ length: n }, () => newId());
    await env.ctx.db
      .insertInto('mail_outbox')
      .values(
        ids.map((id, i) => ({
          id,
          to_address: to,
          event: 'enrolled',
          subject: `Message ${i + 1}`,
          body_markdown: `Hello **there** number ${i + 1}, see [the guide](https://lms.example.com/guide).\n\n- one\n- two\n\n[Open](https://lms.example.com/x)`,
          next_attempt_at: now,
          created_at: now,
          updated_at: now,
        })),
      )
      .execute();
    return ids;
  }

  it('sends a message with its recipient, subject, plain text and HTML parts, once', async () => {
    await env.req('PATCH', '/api/settings', {
      as: await env.user(['System Manager']),
      body: { organisationName: 'Acme Training', mailFrom: 'training@acme.example' },
    });
    const [id] = await queue(1);
    const r = await drainOutbox(env.ctx);
    expect(r).toMatchObject({ configured: true, sent: 1, failed: 0, retrying: 0 });
    expect(smtp.received).toHaveLength(1);
    const m = smtp.received[0]!;
    expect(m.to).toEqual(['learner@example.com']);
    expect(m.from).toBe('training@acme.example');
    expect(m.raw).toContain('Subject: Message 1');
    // The plain-text part reads as words: no Markdown marks, links with their addresses.
    expect(mailPart(m.raw, 'text/plain')).toBe('Hello there number 1, see the guide (https://lms.example.com/guide).\n\n- one\n- two\n\nOpen: https://lms.example.com/x');
    expect(mailPart(m.raw, 'text/html')).toContain('<strong>there</strong>');
    expect(m.raw).toContain('Acme Training');
    expect(m.raw).toContain(`Message-ID: <${id}@acme.example>`);
    const row = await env.ctx.db.selectFrom('mail_outbox').selectAll().where('id', '=', id!).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'sent', attempts: 1, lease_until: null });
    expect(row.sent_at).not.toBeNull();
    // A second run finds nothing to send.
    expect((await drainOutbox(env.ctx)).sent).toBe(0);
    expect(smtp.received).toHaveLength(1);
  });

  it('a temporary refusal (4xx) is retried later with backoff; the next try delivers', async () => {
    const [id] = await queue(1);
    smtp.refuse(1, 451);
    expect(await drainOutbox(env.ctx)).toMatchObject({ sent: 0, retrying: 1 });
    let row = await env.ctx.db.selectFrom('mail_outbox').selectAll().where('id', '=', id!).executeTakeFirstOrThrow();
    expect(row.status).toBe('pending');
    expect(row.attempts).toBe(1);
    expect(row.last_error).toContain('Try again later');
    expect(Date.parse(row.next_attempt_at)).toBeGreaterThan(Date.now() + 50_000);
    // Not due yet: nothing is sent.
    expect((await drainOutbox(env.ctx)).sent).toBe(0);
    await env.ctx.db.updateTable('mail_outbox').set({ next_attempt_at: nowIso() }).where('id', '=', id!).execute();
    expect((await drainOutbox(env.ctx)).sent).toBe(1);
    row = await env.ctx.db.selectFrom('mail_outbox').selectAll().where('id', '=', id!).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'sent', attempts: 2, last_error: null });
    expect(smtp.received).toHaveLength(1);
  });

  it('a permanent refusal (5xx) ends the message as failed with the server answer kept', async () => {
    const admin = await env.user(['System Manager']);
    const [id] = await queue(1, 'nobody@example.com');
    smtp.refuse(1, 550, 'No such user here');
    expect(await drainOutbox(env.ctx)).toMatchObject({ sent: 0, failed: 1 });
    const row = await env.ctx.db.selectFrom('mail_outbox').selectAll().where('id', '=', id!).executeTakeFirstOrThrow();
    expect(row.status).toBe('failed');
    expect(row.last_error).toContain('550');
    expect(row.last_error).toContain('No such user here');
    await env.ctx.db.updateTable('mail_outbox').set({ next_attempt_at: '2000-01-01T00:00:00.000Z' }).where('id', '=', id!).execute();
    expect((await drainOutbox(env.ctx)).sent).toBe(0);
    const page = json<{ items: { id: string; status: string; lastError: string; attempts: number }[]; smtpConfigured: boolean }>(
      await env.req('GET', '/api/mail-outbox?status=failed', { as: admin }),
    );
    expect(page.smtpConfigured).toBe(true);
    expect(page.items.map((i) => [i.id, i.status, i.attempts])).toEqual([[id, 'failed', 1]]);
    expect(page.items[0]!.lastError).toContain('No such user here');
  });

  it('without SMTP configured messages stay pending and the outbox says so', async () => {
    env.config.smtpUrl = null;
    const admin = await env.user(['System Manager']);
    await queue(2);
    expect(await drainOutbox(env.ctx)).toMatchObject({ configured: false, sent: 0 });
    const page = json<{ items: { status: string }[]; smtpConfigured: boolean }>(await env.req('GET', '/api/mail-outbox?status=pending', { as: admin }));
    expect(page.smtpConfigured).toBe(false);
    expect(page.items.map((i) => i.status)).toEqual(['pending', 'pending']);
    // The settings' smtpUrl is used when the environment sets none; it is never read back.
    const res = await env.req('PATCH', '/api/settings', { as: admin, body: { smtpUrl: smtp.url } });
    expect(res.statusCode, res.body).toBe(200);
    expect(json<{ smtpUrl: unknown }>(res).smtpUrl).toEqual({ set: true });
    expect(res.body).not.toContain('127.0.0.1');
    expect((await drainOutbox(env.ctx)).sent).toBe(2);
    await env.req('PATCH', '/api/settings', { as: admin, body: { smtpUrl: null } });
  });

  it('a message claimed by a process that stopped is sent again once its lease ran out', async () => {
    const [id] = await queue(1);
    const claimed = await claimDue(env.ctx);
    expect(claimed.map((r) => r.id)).toEqual([id]);
    // Within the lease nobody else takes it.
    expect(await claimDue(env.ctx)).toEqual([]);
    expect((await drainOutbox(env.ctx)).sent).toBe(0);
    await env.ctx.db.updateTable('mail_outbox').set({ lease_until: '2000-01-01T00:00:00.000Z' }).where('id', '=', id!).execute();
    expect((await drainOutbox(env.ctx)).sent).toBe(1);
    expect(smtp.received).toHaveLength(1);
  });

  it('two server processes on one database send each message exactly once', async () => {
    const other = openDatabase(env.config.database);
    try {
      const ids = await queue(60);
      const second = { ...env.ctx, db: other.db };
      const results = await Promise.all([drainOutbox(env.ctx), drainOutbox(second), drainOutbox(env.ctx), drainOutbox(second)]);
      expect(results.reduce((n, r) => n + r.sent, 0)).toBe(60);
      expect(smtp.received).toHaveLength(60);
      const subjects = smtp.received.map((m) => /Subject: (.*)/.exec(m.raw)?.[1]?.trim());
      expect(new Set(subjects).size).toBe(60);
      const sent = await env.ctx.db.selectFrom('mail_outbox').select(['id', 'attempts']).where('status', '=', 'sent').execute();
      expect(sent.map((r) => r.id).sort()).toEqual([...ids].sort());
      expect(sent.every((r) => r.attempts === 1)).toBe(true);
    } finally {
      await other.close();
    }
  }, 120_000);

  it('the outbox list is for System Managers only and checks its query', async () => {
    const learner = await env.user();
    expect((await env.req('GET', '/api/mail-outbox', { as: learner })).statusCode).toBe(403);
    expect((await env.req('GET', '/api/mail-outbox')).statusCode).toBe(401);
    const admin = await env.user(['System Manager']);
    const bad = await env.req('GET', '/api/mail-outbox?status=sending', { as: admin });
    expect(bad.statusCode).toBe(400);
    expect(json<{ code: string }>(bad).code).toBe('VALIDATION_FAILED');
  });
});
