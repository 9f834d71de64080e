import { describe, expect, it } from 'vitest';
import { describeDb, json, sessionCookie } from '../../../test/helpers/harness.ts';
import { LOGIN_LIMITS, sha256 } from './auth.service.ts';

describeDb('setup, login, sessions and tokens', (env) => {
  it('first-run setup creates one System Manager, logs in, then closes for good', async () => {
    expect(json(await env.req('GET', '/api/setup'))).toEqual({ needed: true });
    const bad = await env.req('POST', '/api/setup', { body: { email: 'not-an-email', fullName: '', password: 'short' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    const badBody = json<{ code: string; errors: { path: string }[] }>(bad);
    expect(badBody.code).toBe('VALIDATION_FAILED');
    expect(badBody.errors.map((e) => e.path).sort()).toEqual(['email', 'fullName', 'password']);
    expect(await env.count('users')).toBe(0);

    const res = await env.req('POST', '/api/setup', { body: { email: 'Boss@Example.com', fullName: 'Zoë Łukasiewicz', password: 'correct horse' } });
    expect(res.statusCode).toBe(201);
    const body = json<{ user: { email: string; roles: string[]; fullName: string } }>(res);
    expect(body.user).toMatchObject({ email: 'boss@example.com', fullName: 'Zoë Łukasiewicz', roles: ['System Manager'] });
    const cookie = res.cookies.find((c) => c.name === 'smooth_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    const me = await env.req('GET', '/api/auth/me', { headers: { cookie: sessionCookie(res) } });
    expect(json(me)).toMatchObject({ email: 'boss@example.com' });

    const again = await env.req('POST', '/api/setup', { body: { email: 'other@example.com', fullName: 'Other', password: 'other-admin-passphrase' } });
    expect(again.statusCode).toBe(409);
    expect(json(again)).toMatchObject({ code: 'SETUP_DONE' });
    expect(await env.count('users')).toBe(1);
    expect(json(await env.req('GET', '/api/setup'))).toEqual({ needed: false });
  });

  it('concurrent setup attempts create exactly one administrator', async () => {
    // The first test already created one; the race here is against a closed setup.
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        env.req('POST', '/api/setup', { body: { email: `race${i}@example.com`, fullName: 'Racer', password: 'other-admin-passphrase' } }),
      ),
    );
    expect(results.every((r) => r.statusCode === 409)).toBe(true);
    expect(await env.count('users')).toBe(1);
  });

  it('login: wrong password and unknown email get the same 401, and write no session', async () => {
    const u = await env.user();
    const sessionsBefore = await env.count('sessions');
    const wrong = await env.req('POST', '/api/auth/login', { body: { email: u.email, password: 'wrong-password' } });
    const unknown = await env.req('POST', '/api/auth/login', { body: { email: 'nobody@example.com', password: 'wrong-password' } });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(json(wrong).detail).toBe(json(unknown).detail);
    expect(json(wrong).code).toBe('UNAUTHENTICATED');
    expect(wrong.cookies).toHaveLength(0);
    expect(await env.count('sessions')).toBe(sessionsBefore);
  });

  it('login is case-insensitive on email and gives a new session id each time', async () => {
    const u = await env.user();
    const a = await env.req('POST', '/api/auth/login', { body: { email: u.email.toUpperCase(), password: u.password } });
    const b = await env.req('POST', '/api/auth/login', { body: { email: u.email, password: u.password } });
    expect(a.statusCode).toBe(200);
    expect(sessionCookie(a)).not.toBe(sessionCookie(b));
  });

  it('logout revokes the session server-side', async () => {
    const u = await env.user();
    expect((await env.req('GET', '/api/auth/me', { as: u })).statusCode).toBe(200);
    expect((await env.req('POST', '/api/auth/logout', { as: u })).statusCode).toBe(204);
    const after = await env.req('GET', '/api/auth/me', { as: u });
    expect(after.statusCode).toBe(401);
    expect(json(after).code).toBe('UNAUTHENTICATED');
  });

  it('a disabled user cannot log in and loses existing sessions', async () => {
    const admin = await env.user(['System Manager']);
    const u = await env.user();
    const res = await env.req('PATCH', `/api/users/${u.id}`, { as: admin, body: { enabled: false } });
    expect(res.statusCode).toBe(200);
    expect((await env.req('GET', '/api/auth/me', { as: u })).statusCode).toBe(401);
    const login = await env.req('POST', '/api/auth/login', { body: { email: u.email, password: u.password } });
    expect(login.statusCode).toBe(401);
    expect(json(login).detail).toBe('The email or password is not correct.');
  });

  it('an expired session (absolute or idle) is refused and removed', async () => {
    const u = await env.user();
    const token = u.cookie.split('=')[1]!;
    await env.ctx.db.updateTable('sessions').set({ expires_at: '2000-01-01T00:00:00.000Z' }).where('id', '=', sha256(token)).execute();
    expect((await env.req('GET', '/api/auth/me', { as: u })).statusCode).toBe(401);
    expect(await env.ctx.db.selectFrom('sessions').select('id').where('id', '=', sha256(token)).executeTakeFirst()).toBeUndefined();

    const v = await env.user();
    const vt = v.cookie.split('=')[1]!;
    await env.ctx.db.updateTable('sessions').set({ last_seen_at: '2000-01-01T00:00:00.000Z' }).where('id', '=', sha256(vt)).execute();
    expect((await env.req('GET', '/api/auth/me', { as: v })).statusCode).toBe(401);
  });

  it('rate limits failed logins per email with 429 and Retry-After', async () => {
    const u = await env.user();
    for (let i = 0; i < LOGIN_LIMITS.account.free; i++) {
      const r = await env.req('POST', '/api/auth/login', { body: { email: u.email, password: 'nope-nope' } });
      expect(r.statusCode).toBe(401);
    }
    const limited = await env.req('POST', '/api/auth/login', { body: { email: u.email, password: u.password } });
    expect(limited.statusCode).toBe(429);
    expect(json(limited).code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.cookies).toHaveLength(0);
  });

  it('API tokens: shown once, stored hashed, work as Bearer, revocable', async () => {
    const u = await env.user(['Moderator']);
    const created = await env.req('POST', '/api/auth/tokens', { as: u, body: { name: 'HR sync' } });
    expect(created.statusCode).toBe(201);
    const { token, id } = json<{ token: string; id: string }>(created);
    expect(token.startsWith('smt_')).toBe(true);
    const row = await env.ctx.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.token_hash).not.toContain(token);
    expect(row.token_hash).toBe(sha256(token));
    const list = json<{ items: Record<string, unknown>[] }>(await env.req('GET', '/api/auth/tokens', { as: u }));
    expect(JSON.stringify(list)).not.toContain(token);

    const me = await env.req('GET', '/api/auth/me', { headers: { authorization: `Bearer ${token}` } });
    expect(json(me)).toMatchObject({ id: u.id });
    // Token requests are not browser requests: no Origin needed for writes.
    expect((await env.req('DELETE', `/api/auth/tokens/${id}`, { as: u })).statusCode).toBe(204);
    const revoked = await env.req('GET', '/api/auth/me', { headers: { authorization: `Bearer ${token}` } });
    expect(revoked.statusCode).toBe(401);
    expect(json(revoked).code).toBe('UNAUTHENTICATED');
  });

  it("cannot revoke another user's token (404) and it keeps working", async () => {
    const a = await env.user();
    const b = await env.user();
    const { token, id } = json<{ token: string; id: string }>(await env.req('POST', '/api/auth/tokens', { as: a, body: { name: 'mine' } }));
    const res = await env.req('DELETE', `/api/auth/tokens/${id}`, { as: b });
    expect(res.statusCode).toBe(404);
    expect((await env.req('GET', '/api/auth/me', { headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
  });

  it('refuses cross-site state changes that ride a session cookie', async () => {
    const admin = await env.user(['System Manager']);
    const before = await env.count('users');
    const res = await env.req('POST', '/api/users', {
      as: admin,
      headers: { origin: 'https://evil.example' },
      body: { email: 'csrf@example.com', fullName: 'CSRF', roles: [] },
    });
    expect(res.statusCode).toBe(403);
    expect(json(res).code).toBe('CSRF_REJECTED');
    const viaFetchMeta = await env.req('POST', '/api/users', {
      headers: { cookie: admin.cookie, 'sec-fetch-site': 'cross-site' },
      body: { email: 'csrf2@example.com', fullName: 'CSRF', roles: [] },
    });
    expect(viaFetchMeta.statusCode).toBe(403);
    expect(await env.count('users')).toBe(before);
  });
});

describe('password storage', () => {
  it('uses scrypt with a per-user salt', async () => {
    const { hashPassword, verifyPassword } = await import('./passwords.ts');
    const a = await hashPassword('same password', 10);
    const b = await hashPassword('same password', 10);
    expect(a).toMatch(/^scrypt\$10\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('same password', a)).toBe(true);
    expect(await verifyPassword('other password', a)).toBe(false);
  });
});

describeDb('who is logged in, asked without a session', (env) => {
  it('GET /api/auth/session answers 200 with the user or null (the web app asks it on logged-out pages); /api/auth/me stays 401', async () => {
    const before = await env.count('sessions');
    const anon = await env.req('GET', '/api/auth/session');
    expect(anon.statusCode).toBe(200);
    expect(json(anon)).toEqual({ user: null });
    expect((await env.req('GET', '/api/auth/me')).statusCode).toBe(401);
    // A cookie of an ended or made-up session is nobody, not an error; a bad API token is refused as everywhere.
    expect(json(await env.req('GET', '/api/auth/session', { headers: { cookie: 'smooth_session=forged' } }))).toEqual({ user: null });
    const badToken = await env.req('GET', '/api/auth/session', { headers: { authorization: 'Bearer not-a-token' } });
    expect(badToken.statusCode).toBe(401);
    expect(json(badToken)).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await env.count('sessions')).toBe(before);

    const u = await env.user(['Moderator'], 'Mona Moderator');
    const mine = json<{ user: { id: string; fullName: string; roles: string[] } }>(await env.req('GET', '/api/auth/session', { as: u }));
    expect(mine.user).toEqual(json(await env.req('GET', '/api/auth/me', { as: u })));
    expect(mine.user).toMatchObject({ id: u.id, fullName: 'Mona Moderator', roles: ['Moderator'] });
  });
});
