import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { describeDb, json, sessionCookie, type TestEnv, type TestUser } from '../../../test/helpers/harness.ts';
import { startSmtp } from '../../../test/helpers/smtp.ts';
import { DAY_MS } from '../db/dialect.ts';
import { drainOutbox } from '../platform/mail/index.ts';
import { RESET_LIMITS } from './password-links.ts';

const NEW_PASSWORD = 'violet kettle harbour 42';

interface Problem {
  code: string;
  detail: string;
  errors?: { path: string; message: string }[];
}

/** The set-password token of the latest message of `event` to `email` (from the outbox). */
async function latestToken(env: TestEnv, email: string, event: 'account.invitation' | 'account.password-reset'): Promise<string> {
  const row = await env.ctx.db
    .selectFrom('mail_outbox')
    .select('body_markdown')
    .where('to_address', '=', email)
    .where('event', '=', event)
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
  const token = /\/lms\/set-password\?token=([A-Za-z0-9_-]+)/.exec(row.body_markdown)?.[1];
  if (!token) throw new Error(`no link in ${row.body_markdown}`);
  return token;
}

/** What a refused use of a link must leave alone. */
async function snapshot(env: TestEnv, userId: string) {
  const user = await env.ctx.db.selectFrom('users').select(['password_hash', 'updated_at']).where('id', '=', userId).executeTakeFirstOrThrow();
  const links = await env.ctx.db.selectFrom('password_links').select(['id', 'used_at']).where('user_id', '=', userId).orderBy('id').execute();
  return {
    user,
    links,
    sessions: await env.ctx.db.selectFrom('sessions').select('id').where('user_id', '=', userId).execute(),
    audit: await env.count('audit_log'),
  };
}

describeDb('set-password links: invitations and password resets', (env) => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let admin: TestUser;
  beforeAll(async () => {
    smtp = await startSmtp();
  });
  afterAll(async () => {
    await smtp.close();
  });
  beforeEach(async () => {
    env.config.smtpUrl = smtp.url;
    smtp.received.length = 0;
    // Each test starts with fresh forgot-password counters (they share one client address).
    await env.ctx.db.deleteFrom('login_throttle').where('key', 'like', 'reset-%').execute();
    admin ??= await env.user(['System Manager'], 'Alex Admin');
  });

  async function invite(email: string, fullName = 'Sam Taylor') {
    const res = await env.req('POST', '/api/users', { as: admin, body: { email, fullName, roles: ['LMS Student'] } });
    expect(res.statusCode, res.body).toBe(201);
    return json<{ id: string; email: string }>(res);
  }

  it('a user created without a password is mailed an invitation; its link sets the password once and logs in', async () => {
    const email = `sam.${env.dialect}.${Date.now().toString(36)}@example.com`;
    const user = await invite(email);
    const stored = await env.ctx.db.selectFrom('users').select('password_hash').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(stored.password_hash).toBeNull();

    expect((await drainOutbox(env.ctx)).sent).toBeGreaterThanOrEqual(1);
    const mail = smtp.received.find((m) => m.to.includes(email));
    expect(mail?.raw).toContain('Alex Admin invites you');
    const token = /set-password\?token=([A-Za-z0-9_-]+)/.exec(mail!.raw)?.[1];
    expect(token).toHaveLength(43);
    // Only a hash of the secret is stored.
    const links = await env.ctx.db.selectFrom('password_links').selectAll().where('user_id', '=', user.id).execute();
    expect(links).toHaveLength(1);
    expect(links[0]).toMatchObject({ purpose: 'invitation', created_by: admin.id, used_at: null });
    expect(JSON.stringify(links)).not.toContain(token!);
    const days = (Date.parse(links[0]!.expires_at) - Date.parse(links[0]!.created_at)) / DAY_MS;
    expect(days).toBe(7);

    const state = json<{ invitedAt: string; passwordSet: boolean; acceptedAt: string | null }>(
      await env.req('GET', `/api/users/${user.id}/invitation`, { as: admin }),
    );
    expect(state).toMatchObject({ invitedAt: links[0]!.created_at, passwordSet: false, acceptedAt: null });

    const res = await env.req('POST', '/api/auth/set-password', { body: { token, password: NEW_PASSWORD } });
    expect(res.statusCode, res.body).toBe(200);
    expect(json(res)).toEqual({ email, user: { id: user.id, email, fullName: 'Sam Taylor', roles: ['LMS Student'] } });
    // The answer logs the new account in: its cookie is a live session of that user.
    const me = await env.req('GET', '/api/auth/me', { headers: { cookie: sessionCookie(res) } });
    expect(me.statusCode).toBe(200);
    expect(json<{ id: string }>(me).id).toBe(user.id);
    const login = await env.req('POST', '/api/auth/login', { body: { email, password: NEW_PASSWORD } });
    expect(login.statusCode).toBe(200);
    const audit = await env.ctx.db.selectFrom('audit_log').selectAll().where('entity_id', '=', user.id).where('action', '=', 'set-password').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor_id).toBe(user.id);
    expect(audit[0]!.after_json).not.toContain(NEW_PASSWORD);

    // Used once: the same link again is refused and changes nothing.
    const before = await snapshot(env, user.id);
    const again = await env.req('POST', '/api/auth/set-password', { body: { token, password: 'another long passphrase 7' } });
    expect(again.statusCode).toBe(422);
    expect(json<Problem>(again).code).toBe('PASSWORD_LINK_USED');
    expect(await snapshot(env, user.id)).toEqual(before);
    // Nothing left to invite to.
    const resend = await env.req('POST', `/api/users/${user.id}/invitation`, { as: admin });
    expect(resend.statusCode).toBe(409);
    expect(json<Problem>(resend).code).toBe('ACCOUNT_ACTIVE');
  });

  it('refuses a missing, oversize, forged, expired or replaced link, a weak password and another account’s link, writing nothing', async () => {
    const email = `bad.${env.dialect}.${Date.now().toString(36)}@example.com`;
    const user = await invite(email);
    const token = await latestToken(env, email, 'account.invitation');
    const other = await env.user(['LMS Student']);
    const before = await snapshot(env, user.id);
    const otherBefore = await snapshot(env, other.id);

    const cases: { body: unknown; as?: TestUser; status: number; code: string; path?: string }[] = [
      { body: { password: NEW_PASSWORD }, status: 400, code: 'VALIDATION_FAILED', path: 'token' },
      { body: { token: '', password: NEW_PASSWORD }, status: 400, code: 'VALIDATION_FAILED', path: 'token' },
      { body: { token: 'x'.repeat(201), password: NEW_PASSWORD }, status: 400, code: 'VALIDATION_FAILED', path: 'token' },
      { body: { token, password: NEW_PASSWORD, extra: 1 }, status: 400, code: 'VALIDATION_FAILED' },
      { body: { token: `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, password: NEW_PASSWORD }, status: 422, code: 'PASSWORD_LINK_INVALID' },
      { body: { token: 'not-a-link-at-all', password: NEW_PASSWORD }, status: 422, code: 'PASSWORD_LINK_INVALID' },
      { body: { token, password: 'short' }, status: 400, code: 'VALIDATION_FAILED', path: 'password' },
      { body: { token, password: 'passwordpassword' }, status: 400, code: 'VALIDATION_FAILED', path: 'password' },
      { body: { token, password: 'x'.repeat(201) }, status: 400, code: 'VALIDATION_FAILED', path: 'password' },
      { body: { token, password: NEW_PASSWORD }, as: other, status: 409, code: 'PASSWORD_LINK_OTHER_USER' },
    ];
    for (const c of cases) {
      const res = await env.req('POST', '/api/auth/set-password', { body: c.body, ...(c.as ? { as: c.as } : {}) });
      expect(res.statusCode, `${JSON.stringify(c.body).slice(0, 80)} → ${res.body}`).toBe(c.status);
      expect(res.headers['content-type']).toContain('application/problem+json');
      const p = json<Problem>(res);
      expect(p.code).toBe(c.code);
      if (c.path) expect(p.errors?.map((e) => e.path)).toContain(c.path);
    }
    expect(await snapshot(env, user.id)).toEqual(before);
    expect(await snapshot(env, other.id)).toEqual(otherBefore);
    // The other account's session still works.
    expect((await env.req('GET', '/api/auth/me', { as: other })).statusCode).toBe(200);

    // Expired: refused with the date in words, nothing written.
    await env.ctx.db.updateTable('password_links').set({ expires_at: '2026-01-02T10:00:00.000Z', created_at: '2026-01-01T10:00:00.000Z' }).where('user_id', '=', user.id).execute();
    const expiredBefore = await snapshot(env, user.id);
    const expired = await env.req('POST', '/api/auth/set-password', { body: { token, password: NEW_PASSWORD } });
    expect(expired.statusCode).toBe(422);
    expect(json<Problem>(expired)).toMatchObject({ code: 'PASSWORD_LINK_EXPIRED' });
    expect(json<Problem>(expired).detail).toContain('2 January 2026');
    expect(await snapshot(env, user.id)).toEqual(expiredBefore);

    // Resent: a new link works and the previous one no longer does.
    const resent = await env.req('POST', `/api/users/${user.id}/invitation`, { as: admin });
    expect(resent.statusCode, resent.body).toBe(201);
    const fresh = await latestToken(env, email, 'account.invitation');
    expect(fresh).not.toBe(token);
    const old = await env.req('POST', '/api/auth/set-password', { body: { token, password: NEW_PASSWORD } });
    expect(json<Problem>(old).code).toBe('PASSWORD_LINK_INVALID');
    expect((await env.req('POST', '/api/auth/set-password', { body: { token: fresh, password: NEW_PASSWORD } })).statusCode).toBe(200);
  });

  it('two (and eight) uses of one link at once: exactly one sets the password', async () => {
    for (const n of [2, 8]) {
      const email = `race${n}.${env.dialect}.${Date.now().toString(36)}@example.com`;
      const user = await invite(email);
      const token = await latestToken(env, email, 'account.invitation');
      const results = await Promise.all(
        Array.from({ length: n }, (_, i) => env.req('POST', '/api/auth/set-password', { body: { token, password: `${NEW_PASSWORD} try ${i}` } })),
      );
      const ok = results.filter((r) => r.statusCode === 200);
      expect(ok).toHaveLength(1);
      for (const r of results.filter((x) => x.statusCode !== 200)) {
        expect(r.statusCode).toBe(422);
        expect(json<Problem>(r).code).toBe('PASSWORD_LINK_USED');
      }
      const audit = await env.ctx.db.selectFrom('audit_log').select('id').where('entity_id', '=', user.id).where('action', '=', 'set-password').execute();
      expect(audit).toHaveLength(1);
      const used = await env.ctx.db.selectFrom('password_links').select('used_at').where('user_id', '=', user.id).execute();
      expect(used.every((l) => l.used_at !== null)).toBe(true);
      // The winner's password is the one stored.
      const winner = results.indexOf(ok[0]!);
      expect((await env.req('POST', '/api/auth/login', { body: { email, password: `${NEW_PASSWORD} try ${winner}` } })).statusCode).toBe(200);
    }
  });

  it('forgot password answers the same for any email, mails only enabled accounts, and a reset ends sessions, API tokens and other links', async () => {
    const user = await env.user(['LMS Student'], 'Robin Reset');
    const disabled = await env.user(['LMS Student']);
    await env.req('PATCH', `/api/users/${disabled.id}`, { as: admin, body: { enabled: false } });
    const apiToken = json<{ token: string }>(await env.req('POST', '/api/auth/tokens', { as: user, body: { name: 'HR sync' } })).token;
    const outboxBefore = await env.count('mail_outbox');

    const known = await env.req('POST', '/api/auth/forgot-password', { body: { email: `  ${user.email.toUpperCase()} ` } });
    const unknown = await env.req('POST', '/api/auth/forgot-password', { body: { email: `nobody.${Date.now()}@example.com` } });
    const off = await env.req('POST', '/api/auth/forgot-password', { body: { email: disabled.email } });
    for (const r of [known, unknown, off]) {
      expect(r.statusCode).toBe(202);
      expect(r.body).toBe(known.body);
    }
    expect(await env.count('mail_outbox')).toBe(outboxBefore + 1);
    const first = await latestToken(env, user.email, 'account.password-reset');
    const link = await env.ctx.db.selectFrom('password_links').selectAll().where('user_id', '=', user.id).executeTakeFirstOrThrow();
    expect(Date.parse(link.expires_at) - Date.parse(link.created_at)).toBe(3_600_000);

    // A second request replaces the first link.
    await env.req('POST', '/api/auth/forgot-password', { body: { email: user.email } });
    const second = await latestToken(env, user.email, 'account.password-reset');
    expect(json<Problem>(await env.req('POST', '/api/auth/set-password', { body: { token: first, password: NEW_PASSWORD } })).code).toBe(
      'PASSWORD_LINK_INVALID',
    );

    // The session and the API token work until the password is set.
    expect((await env.req('GET', '/api/auth/me', { as: user })).statusCode).toBe(200);
    expect((await env.req('GET', '/api/auth/me', { headers: { authorization: `Bearer ${apiToken}` } })).statusCode).toBe(200);
    const res = await env.req('POST', '/api/auth/set-password', { as: user, body: { token: second, password: NEW_PASSWORD } });
    expect(res.statusCode, res.body).toBe(200);
    // Every earlier session ends; the answer's cookie is a new one.
    expect((await env.req('GET', '/api/auth/me', { as: user })).statusCode).toBe(401);
    expect((await env.req('GET', '/api/auth/me', { headers: { cookie: sessionCookie(res) } })).statusCode).toBe(200);
    expect((await env.req('GET', '/api/auth/me', { headers: { authorization: `Bearer ${apiToken}` } })).statusCode).toBe(401);
    expect((await env.req('POST', '/api/auth/login', { body: { email: user.email, password: user.password } })).statusCode).toBe(401);
    const login = await env.req('POST', '/api/auth/login', { body: { email: user.email, password: NEW_PASSWORD } });
    expect(login.statusCode).toBe(200);
    expect(sessionCookie(login)).toMatch(/^smooth_session=/);
  });

  it('forgot password: bad input is refused; per account at most 3 mails an hour (answered the same), per address 429', async () => {
    const user = await env.user(['LMS Student']);
    for (const body of [{}, { email: '' }, { email: `${'a'.repeat(250)}@example.com` }, { email: user.email, extra: true }]) {
      const r = await env.req('POST', '/api/auth/forgot-password', { body });
      expect(r.statusCode).toBe(400);
      expect(json<Problem>(r).code).toBe('VALIDATION_FAILED');
    }
    const before = await env.count('mail_outbox');
    const answers = [];
    for (let i = 0; i < RESET_LIMITS.account.max + 2; i++) answers.push(await env.req('POST', '/api/auth/forgot-password', { body: { email: user.email } }));
    expect(answers.map((a) => a.statusCode)).toEqual(answers.map(() => 202));
    expect(new Set(answers.map((a) => a.body)).size).toBe(1);
    expect(await env.count('mail_outbox')).toBe(before + RESET_LIMITS.account.max);

    // The address has used max + 2 of its requests; the rest of its allowance, then 429.
    const left = RESET_LIMITS.address.max - (RESET_LIMITS.account.max + 2);
    for (let i = 0; i < left; i++) {
      expect((await env.req('POST', '/api/auth/forgot-password', { body: { email: `other${i}@example.com` } })).statusCode).toBe(202);
    }
    const limited = await env.req('POST', '/api/auth/forgot-password', { body: { email: `other-last@example.com` } });
    expect(limited.statusCode).toBe(429);
    expect(json<Problem>(limited).code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(await env.count('mail_outbox')).toBe(before + RESET_LIMITS.account.max);
  });

  it('an edited invitation template is what people receive', async () => {
    const put = await env.req('PUT', '/api/notification-templates/account.invitation', {
      as: admin,
      body: { subject: 'Welcome aboard, {{recipientName}}', body: 'Pick a password here: {{link}} (until {{expiresAt}})' },
    });
    expect(put.statusCode, put.body).toBe(200);
    try {
      const email = `tpl.${env.dialect}.${Date.now().toString(36)}@example.com`;
      await invite(email, 'Tina Template');
      const row = await env.ctx.db.selectFrom('mail_outbox').selectAll().where('to_address', '=', email).executeTakeFirstOrThrow();
      expect(row.subject).toBe('Welcome aboard, Tina Template');
      expect(row.body_markdown).toMatch(/^Pick a password here: .*\/lms\/set-password\?token=[A-Za-z0-9_-]{43} \(until \d+ \w+ \d{4} at \d\d:\d\d UTC\)$/);
    } finally {
      await env.req('DELETE', '/api/notification-templates/account.invitation', { as: admin });
    }
  });
});
