import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { describeDb, json } from '../../../test/helpers/harness.ts';
import { LOGIN_LIMITS } from './auth.service.ts';

describeDb('hardening: NUL characters', (env) => {
  it('a NUL in a JSON body, a query or a cursor is 400 VALIDATION_FAILED with its path, and nothing is written', async () => {
    const admin = await env.user(['System Manager']);
    const users = await env.count('users');
    const audit = await env.count('audit_log');

    const anon = await env.req('POST', '/api/auth/login', { body: { email: 'a\u0000@example.com', password: 'x' } });
    expect(anon.statusCode).toBe(400);
    expect(json(anon)).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'email' }] });

    const create = await env.req('POST', '/api/users', {
      as: admin,
      body: { email: 'nul@example.com', fullName: 'Nul\u0000Name', roles: [] },
    });
    expect(create.statusCode).toBe(400);
    expect(create.headers['content-type']).toContain('application/problem+json');
    expect(json(create)).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'fullName' }] });

    const course = await env.req('POST', '/api/courses', { as: admin, body: { title: 'x\u0000y' } });
    expect(course.statusCode).toBe(400);
    expect(json(course)).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'title' }] });

    const q = await env.req('GET', '/api/users?q=%00', { as: admin });
    expect(q.statusCode).toBe(400);
    expect(json(q)).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'querystring.q' }] });
    const cursor = await env.req('GET', '/api/users?cursor=ab%00cd', { as: admin });
    expect(cursor.statusCode).toBe(400);
    expect(json(cursor)).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'querystring.cursor' }] });
    const param = await env.req('PATCH', '/api/users/ab%00', { as: admin, body: { fullName: 'X' } });
    expect(param.statusCode).toBe(400);
    expect(json(param)).toMatchObject({ code: 'VALIDATION_FAILED' });

    expect(await env.count('users')).toBe(users);
    expect(await env.count('courses')).toBe(0);
    expect(await env.count('audit_log')).toBe(audit);
  });
});

describeDb('hardening: credentials end with a password change or a disabled account', (env) => {
  async function tokenOf(u: Awaited<ReturnType<typeof env.user>>): Promise<string> {
    const res = await env.req('POST', '/api/auth/tokens', { as: u, body: { name: 'sync' } });
    expect(res.statusCode).toBe(201);
    return json<{ token: string }>(res).token;
  }
  const me = (token: string) => env.req('GET', '/api/auth/me', { headers: { authorization: `Bearer ${token}` } });

  it('a password reset revokes API tokens and sessions in the same audited change', async () => {
    const admin = await env.user(['System Manager']);
    const u = await env.user(['Moderator']);
    const token = await tokenOf(u);
    expect((await me(token)).statusCode).toBe(200);
    const res = await env.req('PATCH', `/api/users/${u.id}`, { as: admin, body: { password: 'a-brand-new-passphrase' } });
    expect(res.statusCode).toBe(200);
    expect((await me(token)).statusCode).toBe(401);
    expect((await env.req('GET', '/api/auth/me', { as: u })).statusCode).toBe(401);
    const row = await env.ctx.db.selectFrom('api_tokens').select('revoked_at').where('user_id', '=', u.id).executeTakeFirstOrThrow();
    expect(row.revoked_at).not.toBeNull();
    const entry = await env.ctx.db
      .selectFrom('audit_log')
      .select('after_json')
      .where('entity', '=', 'user')
      .where('entity_id', '=', u.id)
      .where('action', '=', 'update')
      .executeTakeFirstOrThrow();
    expect(entry.after_json).toContain('"apiTokens":1');
  });

  it('disabling a user revokes API tokens', async () => {
    const admin = await env.user(['System Manager']);
    const u = await env.user(['Moderator']);
    const token = await tokenOf(u);
    const res = await env.req('PATCH', `/api/users/${u.id}`, { as: admin, body: { enabled: false } });
    expect(res.statusCode).toBe(200);
    // Even once enabled again, the old token stays revoked.
    await env.req('PATCH', `/api/users/${u.id}`, { as: admin, body: { enabled: true } });
    expect((await me(token)).statusCode).toBe(401);
  });
});

describeDb('hardening: login throttling', (env) => {
  const login = (email: string, password: string, ip = '10.1.0.1') =>
    env.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password }, remoteAddress: ip });
  /** What waiting out the delay does: the key's next allowed attempt moves into the past. */
  const waitOut = (key: string) =>
    env.ctx.db.updateTable('login_throttle').set({ next_at: new Date(Date.now() - 1000).toISOString() }).where('key', '=', key).execute();

  it('40 simultaneous logins for one email (39 wrong, the right one last): the right one is not let in', async () => {
    const u = await env.user();
    const results = await Promise.all([
      ...Array.from({ length: 39 }, () => login(u.email, 'wrong-guess-123', '10.1.0.2')),
      login(u.email, u.password, '10.1.0.2'),
    ]);
    const codes = results.map((r) => r.statusCode);
    expect(codes.at(-1)).toBe(429);
    expect(codes.filter((c) => c === 401).length).toBeLessThanOrEqual(LOGIN_LIMITS.account.free);
    expect(results.at(-1)!.cookies).toHaveLength(0);
  });

  it('60 simultaneous wrong logins: only the free attempts are checked, the rest are 429 with Retry-After', async () => {
    const u = await env.user();
    const results = await Promise.all(Array.from({ length: 60 }, () => login(u.email, 'wrong-guess-123', '10.1.0.3')));
    const checked = results.filter((r) => r.statusCode === 401).length;
    expect(checked).toBeLessThanOrEqual(LOGIN_LIMITS.account.free);
    const limited = results.filter((r) => r.statusCode === 429);
    expect(limited.length).toBe(60 - checked);
    expect(json(limited[0]!)).toMatchObject({ code: 'RATE_LIMITED' });
    expect(Number(limited[0]!.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('after the account delay the right password gets in, and a success does not erase the failures', async () => {
    const u = await env.user();
    for (let i = 0; i < LOGIN_LIMITS.account.free; i++) expect((await login(u.email, 'wrong-guess-123', '10.1.0.4')).statusCode).toBe(401);
    const early = await login(u.email, u.password, '10.1.0.4');
    expect(early.statusCode).toBe(429);
    const retry = Number(early.headers['retry-after']);
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(LOGIN_LIMITS.account.maxSeconds);
    await waitOut(`email:${u.email}`);
    expect((await login(u.email, u.password, '10.1.0.4')).statusCode).toBe(200);
    const row = await env.ctx.db.selectFrom('login_throttle').selectAll().where('key', '=', `email:${u.email}`).executeTakeFirstOrThrow();
    expect(Number(row.failures)).toBe(LOGIN_LIMITS.account.free);
    // The next wrong guess is checked, then slowed down again (longer than before).
    expect((await login(u.email, 'wrong-guess-123', '10.1.0.4')).statusCode).toBe(401);
    const again = await login(u.email, u.password, '10.1.0.4');
    expect(again.statusCode).toBe(429);
    expect(Number(again.headers['retry-after'])).toBeGreaterThanOrEqual(retry);
  });

  it('waiting out the longest delay does not start the count over; a quiet key does', async () => {
    const u = await env.user();
    const key = `email:${u.email}`;
    const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
    // Twelve failures, the last delay just over; the last attempt long ago.
    await env.ctx.db
      .updateTable('login_throttle')
      .set({ failures: 12, next_at: new Date(Date.now() - 1000).toISOString(), updated_at: ago(16) })
      .where('key', '=', key)
      .execute();
    expect((await login(u.email, 'wrong-guess-123', '10.1.0.7')).statusCode).toBe(401);
    const next = await login(u.email, u.password, '10.1.0.7');
    expect(next.statusCode).toBe(429);
    expect(Number(next.headers['retry-after'])).toBeGreaterThan(LOGIN_LIMITS.account.maxSeconds - 5);
    // Left alone for resetMinutes after its delay, the key starts over.
    await env.ctx.db.updateTable('login_throttle').set({ next_at: ago(LOGIN_LIMITS.resetMinutes + 1) }).where('key', '=', key).execute();
    expect((await login(u.email, 'wrong-guess-123', '10.1.0.7')).statusCode).toBe(401);
    expect((await login(u.email, u.password, '10.1.0.7')).statusCode).toBe(200);
  });

  it('many failures from one address slow that address down but never lock the right password out for long', async () => {
    const admin = await env.user(['System Manager']);
    const ip = '10.1.0.5';
    const n = LOGIN_LIMITS.address.free + 10;
    for (let i = 0; i < n; i += 10) {
      await Promise.all(Array.from({ length: 10 }, (_, j) => login(`victim${i + j}@example.com`, 'wrong-guess-123', ip)));
    }
    const early = await login(admin.email, admin.password, ip);
    expect(early.statusCode).toBe(429);
    expect(Number(early.headers['retry-after'])).toBeLessThanOrEqual(LOGIN_LIMITS.address.maxSeconds);
    // Another address is not affected at all.
    expect((await login(admin.email, admin.password, '10.1.0.6')).statusCode).toBe(200);
    await waitOut(`ip:${ip}`);
    expect((await login(admin.email, admin.password, ip)).statusCode).toBe(200);
  });

  it('many people logging in at once from one address (an office behind a proxy) all get in', async () => {
    const people = await Promise.all(Array.from({ length: LOGIN_LIMITS.address.free + 20 }, () => env.user(['LMS Student'])));
    const results = await Promise.all(people.map((p) => login(p.email, p.password, '10.1.0.9')));
    expect(results.map((r) => r.statusCode).filter((c) => c !== 200)).toEqual([]);
  });
});

describeDb('hardening: general request budget', (env) => {
  it('over the per-minute budget answers 429 RATE_LIMITED problem+json with Retry-After, per user and per address', async () => {
    const { buildApp } = await import('../app.ts');
    const config = { ...env.config, rateLimit: { perMinute: 3, anonymousPerMinute: 2 } };
    const { app } = await buildApp({ config, database: env.database, logger: false });
    try {
      const a = await env.user();
      const b = await env.user();
      const me = (cookie: string) => app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } });
      for (let i = 0; i < 3; i++) expect((await me(a.cookie)).statusCode).toBe(200);
      const limited = await me(a.cookie);
      expect(limited.statusCode).toBe(429);
      expect(limited.headers['content-type']).toContain('application/problem+json');
      expect(json(limited)).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      // Another user (same address) has a budget of their own.
      expect((await me(b.cookie)).statusCode).toBe(200);

      const anon = () => app.inject({ method: 'GET', url: '/api/setup', remoteAddress: '10.2.0.1' });
      expect((await anon()).statusCode).toBe(200);
      expect((await anon()).statusCode).toBe(200);
      expect((await anon()).statusCode).toBe(429);
      expect((await app.inject({ method: 'GET', url: '/api/setup', remoteAddress: '10.2.0.2' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('the default budget is generous and configurable', async () => {
    const { loadConfig } = await import('../config.ts');
    expect(loadConfig({}).rateLimit).toEqual({ perMinute: 12_000, anonymousPerMinute: 1_200 });
    expect(loadConfig({ SMOOTH_RATE_LIMIT_PER_MINUTE: '0', SMOOTH_RATE_LIMIT_ANONYMOUS_PER_MINUTE: '50' }).rateLimit).toEqual({
      perMinute: 0,
      anonymousPerMinute: 50,
    });
  });
});

describeDb('hardening: database outage', (env) => {
  it('a database that cannot be reached answers 503 SERVICE_UNAVAILABLE with Retry-After', async () => {
    if (env.config.database.kind !== 'postgres') {
      // better-sqlite3 opens at once (a directory is no database file): the open itself fails.
      const { openDatabase } = await import('../db/database.ts');
      const { isDatabaseUnavailable } = await import('../db/dialect.ts');
      let error: unknown = null;
      try {
        openDatabase({ kind: 'sqlite', file: env.dataDir });
      } catch (e) {
        error = e;
      }
      expect((error as { code?: string }).code).toBe('SQLITE_CANTOPEN');
      expect(isDatabaseUnavailable(error)).toBe(true);
      return;
    }
    const { buildApp } = await import('../app.ts');
    const { openDatabase } = await import('../db/database.ts');
    const u = await env.user();
    // The app reaches PostgreSQL through a TCP relay; closing the relay is the outage.
    const real = new URL(env.config.database.url);
    const sockets = new Set<net.Socket>();
    const relay = net.createServer((client) => {
      const upstream = net.connect(Number(real.port || 5432), real.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => {});
        s.on('close', () => sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', () => resolve()));
    const via = new URL(real);
    via.host = `127.0.0.1:${(relay.address() as net.AddressInfo).port}`;
    const database = openDatabase({ kind: 'postgres', url: via.toString() });
    const { app } = await buildApp({ config: env.config, database, logger: false });
    try {
      expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: u.cookie } })).statusCode).toBe(200);
      await new Promise<void>((resolve) => {
        relay.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      for (const res of [
        await app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: u.cookie } }),
        await app.inject({ method: 'GET', url: '/api/health', headers: { cookie: u.cookie } }),
        await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: u.email, password: u.password } }),
      ]) {
        expect(res.statusCode).toBe(503);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(json(res)).toMatchObject({ code: 'SERVICE_UNAVAILABLE', status: 503 });
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        expect(res.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
      }
    } finally {
      await app.close();
      await database.close();
    }
  });

  it('SQLite: a write that waits out the busy timeout behind another writer answers 503, and writes nothing', async () => {
    if (env.config.database.kind !== 'sqlite') return;
    const { default: SQLite } = await import('better-sqlite3');
    const other = new SQLite(env.config.database.file);
    const before = await env.count('login_throttle');
    other.exec('begin immediate');
    try {
      const res = await env.req('POST', '/api/auth/login', { body: { email: 'busy@example.com', password: 'whatever-it-is' } });
      expect(res.statusCode).toBe(503);
      expect(json(res)).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      other.exec('rollback');
      other.close();
    }
    expect(await env.count('login_throttle')).toBe(before);
  });

  it('SQLite busy/cannot-open and PostgreSQL connection failures are recognised; other errors are not', async () => {
    const { isDatabaseUnavailable } = await import('../db/dialect.ts');
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P03', '08006', '08001', '53300', 'SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_CANTOPEN', 'SQLITE_IOERR_READ']) {
      expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code })), code).toBe(true);
    }
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    for (const code of ['23505', '42P01', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_ERROR', undefined]) {
      expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code })), String(code)).toBe(false);
    }
  });
});

describeDb('hardening: weak passwords and invisible text', (env) => {
  const WEAK = ['        ', '12345678', 'password', 'passwordpassword', '            ', 'qwertyuiop123', 'aaaaaaaaaaaaaa', 'short-pw'];

  it('setup refuses short, blank and common passwords with a field error in words, creating nothing', async () => {
    for (const password of WEAK) {
      const res = await env.req('POST', '/api/setup', { body: { email: 'boss@example.com', fullName: 'Boss', password } });
      expect(res.statusCode, password).toBe(400);
      const body = json<{ code: string; errors: { path: string; message: string }[] }>(res);
      expect(body.code).toBe('VALIDATION_FAILED');
      expect(body.errors.length).toBeGreaterThan(0);
      expect(body.errors.every((e) => e.path === 'password' && /[a-z]{3,} [a-z]{3,}/i.test(e.message))).toBe(true);
    }
    expect(await env.count('users')).toBe(0);
    const ok = await env.req('POST', '/api/setup', { body: { email: 'boss@example.com', fullName: 'Boss', password: 'a long passphrase 2026' } });
    expect(ok.statusCode).toBe(201);
  });

  it('creating a user or changing a password refuses common passwords; nothing changes', async () => {
    const admin = await env.user(['System Manager']);
    const u = await env.user();
    const users = await env.count('users');
    const audit = await env.count('audit_log');
    for (const password of WEAK) {
      const created = await env.req('POST', '/api/users', { as: admin, body: { email: 'weak@example.com', fullName: 'Weak', password, roles: [] } });
      expect(created.statusCode, password).toBe(400);
      expect(json<{ errors: { path: string }[] }>(created).errors[0]!.path).toBe('password');
      const changed = await env.req('PATCH', `/api/users/${u.id}`, { as: admin, body: { password } });
      expect(changed.statusCode, password).toBe(400);
    }
    expect(await env.count('users')).toBe(users);
    expect(await env.count('audit_log')).toBe(audit);
    expect((await env.req('POST', '/api/auth/login', { body: { email: u.email, password: u.password } })).statusCode).toBe(200);
  });

  it('titles and names made only of invisible characters are refused; visible ones are trimmed of them', async () => {
    const admin = await env.user(['System Manager']);
    for (const blank of ['\u200B\u200B', '\uFEFF', ' \u200C\u200D\u2060 ', '\u00A0\u3000', '\u180E\u2800']) {
      const course = await env.req('POST', '/api/courses', { as: admin, body: { title: blank } });
      expect(course.statusCode, JSON.stringify(blank)).toBe(400);
      const body = json<{ code: string; errors: { path: string; message: string }[] }>(course);
      expect(body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'title' }] });
      expect(body.errors[0]!.message).toMatch(/invisible/);
      const user = await env.req('POST', '/api/users', { as: admin, body: { email: 'blank@example.com', fullName: blank, roles: [] } });
      expect(user.statusCode).toBe(400);
      expect(json<{ errors: { path: string }[] }>(user).errors[0]!.path).toBe('fullName');
    }
    expect(await env.count('courses')).toBe(0);
    const ok = await env.req('POST', '/api/courses', { as: admin, body: { title: '\u200B Fire safety\uFEFF ' } });
    expect(ok.statusCode).toBe(201);
    expect(json(ok)).toMatchObject({ title: 'Fire safety' });
  });
});

describe('hardening: NUL characters in CSV files', () => {
  it('a CSV file with a NUL character is refused at its line', async () => {
    const { Readable } = await import('node:stream');
    const { readCsv, CsvSyntaxError } = await import('./csv.ts');
    const read = async () => {
      const out = [];
      for await (const r of readCsv(Readable.from(['email,course\nok@example.com,A\nbad\u0000@example.com,B\n']))) out.push(r);
      return out;
    };
    const err = await read().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CsvSyntaxError);
    expect(err).toMatchObject({ line: 3 });
    expect((err as Error).message).toMatch(/NUL/);
  });
});
