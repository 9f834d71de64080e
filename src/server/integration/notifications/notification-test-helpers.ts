/**
 * What the notification tests share: a System Manager of "Acme Training" (mail from
 * training@acme.example, links to https://lms.example.com), a local SMTP server the outbox sends
 * to, emptied before each test, and reads of a user's notifications and of the mail queued for an
 * address.
 */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { json, type TestEnv, type TestUser } from '../../../../test/helpers/harness.ts';
import { startSmtp } from '../../../../test/helpers/smtp.ts';

export type Note = { id: string; kind: string; title: string; body: string; link: string | null; readAt: string | null };

export interface NotificationSuite {
  /** Started before the first test, closed after the last. */
  smtp: Awaited<ReturnType<typeof startSmtp>>;
  /** Ada Admin, a System Manager: made before the first test. */
  admin: TestUser;
  /** The user's notifications, newest first (only the unread ones with `unread`). */
  notes: (u: TestUser, unread?: boolean) => Promise<Note[]>;
  /** The mail queued in the outbox for an address. */
  outboxFor: (email: string) => ReturnType<typeof outboxOf>;
}

function outboxOf(env: TestEnv, email: string) {
  return env.ctx.db.selectFrom('mail_outbox').selectAll().where('to_address', '=', email).execute();
}

/** Sets the suite up around the tests of a `describeDb` (call it in its body); `smtp` and `admin` are there once the tests run. */
export function notificationSuite(env: TestEnv): NotificationSuite {
  const suite = {
    notes: async (u: TestUser, unread = false) =>
      json<{ items: Note[] }>(await env.req('GET', `/api/me/notifications${unread ? '?unread=true' : ''}`, { as: u })).items,
    outboxFor: (email: string) => outboxOf(env, email),
  } as NotificationSuite;
  beforeAll(async () => {
    suite.smtp = await startSmtp();
    suite.admin = await env.user(['System Manager'], 'Ada Admin');
    env.config.publicUrl = 'https://lms.example.com';
    await env.req('PATCH', '/api/settings', {
      as: suite.admin,
      body: { organisationName: 'Acme Training', mailFrom: 'training@acme.example' },
    });
  });
  afterAll(async () => {
    await suite.smtp.close();
  });
  beforeEach(() => {
    env.config.smtpUrl = suite.smtp.url;
    suite.smtp.received.length = 0;
  });
  return suite;
}
