import fs from 'node:fs';
import os from 'node:os';
import zlib from 'node:zlib';
import path from 'node:path';
import { expect, it } from 'vitest';
import { sql } from 'kysely';
import { describeDb, json } from '../../../test/helpers/harness.ts';
import { buildApp } from '../app.ts';
import { openDatabase } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';

describeDb('platform: access, errors, users, audit', (env) => {
  it('every registered route declares who may call it', () => {
    const undeclared = env.built.routes.filter((r) => r.access === undefined).map((r) => `${r.method} ${r.url}`);
    expect(undeclared).toEqual([]);
    expect(env.built.routes.length).toBeGreaterThan(10);
  });

  it('unknown routes answer problem+json 404', async () => {
    const res = await env.req('GET', '/api/does-not-exist');
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(json(res)).toMatchObject({ status: 404, code: 'NOT_FOUND', title: 'Not Found' });
  });

  it('anonymous callers get 401, wrong roles get 403', async () => {
    expect(json(await env.req('GET', '/api/users')).code).toBe('UNAUTHENTICATED');
    const student = await env.user(['LMS Student']);
    const res = await env.req('GET', '/api/users', { as: student });
    expect(res.statusCode).toBe(403);
    expect(json(res).code).toBe('FORBIDDEN');
    const before = await env.count('users');
    const create = await env.req('POST', '/api/users', { as: student, body: { email: 'x@example.com', fullName: 'X', roles: [] } });
    expect(create.statusCode).toBe(403);
    expect(await env.count('users')).toBe(before);
  });

  it('malformed JSON, wrong types, unknown fields: 400 with paths, nothing written', async () => {
    const admin = await env.user(['System Manager']);
    const before = await env.count('users');
    const malformed = await env.req('POST', '/api/users', {
      as: admin,
      headers: { 'content-type': 'application/json' },
      body: '{"email": "a@b.c", ',
    });
    expect(malformed.statusCode).toBe(400);
    expect(json(malformed).code).toBe('MALFORMED_JSON');

    const wrongTypes = await env.req('POST', '/api/users', { as: admin, body: { email: 42, fullName: ['x'], roles: 'Moderator' } });
    expect(wrongTypes.statusCode).toBe(400);
    const w = json<{ code: string; errors: { path: string; message: string }[] }>(wrongTypes);
    expect(w.code).toBe('VALIDATION_FAILED');
    expect([...new Set(w.errors.map((e) => e.path))].sort()).toEqual(['email', 'fullName', 'roles']);

    const unknown = await env.req('POST', '/api/users', { as: admin, body: { email: 'u@example.com', fullName: 'U', roles: [], isAdmin: true } });
    expect(unknown.statusCode).toBe(400);
    expect(json<{ errors: { path: string }[] }>(unknown).errors[0]!.path).toBe('isAdmin');

    const badRole = await env.req('POST', '/api/users', { as: admin, body: { email: 'r@example.com', fullName: 'R', roles: ['Emperor'] } });
    expect(badRole.statusCode).toBe(400);
    expect(json<{ errors: { path: string }[] }>(badRole).errors[0]!.path).toBe('roles.0');
    expect(await env.count('users')).toBe(before);
  });

  it('a 30 MB body is refused with 413 before anything is written', async () => {
    const admin = await env.user(['System Manager']);
    const before = await env.count('users');
    const big = JSON.stringify({ email: 'big@example.com', fullName: 'x'.repeat(30 * 1024 * 1024), roles: [] });
    const res = await env.req('POST', '/api/users', { as: admin, headers: { 'content-type': 'application/json' }, body: big });
    expect(res.statusCode).toBe(413);
    expect(json(res).code).toBe('PAYLOAD_TOO_LARGE');
    expect(await env.count('users')).toBe(before);
  });

  it('users: create with roles, duplicate email (any case) is 409, audit entry written in the same change', async () => {
    const admin = await env.user(['System Manager']);
    const res = await env.req('POST', '/api/users', {
      as: admin,
      body: { email: 'Dup.Person@Example.com', fullName: 'Dup Person', password: 'dup-person-passphrase', roles: ['Moderator', 'LMS Student'] },
    });
    expect(res.statusCode).toBe(201);
    const user = json<{ id: string; roles: string[]; email: string }>(res);
    expect(user.email).toBe('dup.person@example.com');
    expect(user.roles).toEqual(['Moderator', 'LMS Student']);
    const before = await env.count('users');
    const dup = await env.req('POST', '/api/users', { as: admin, body: { email: 'DUP.PERSON@example.com', fullName: 'Again', roles: [] } });
    expect(dup.statusCode).toBe(409);
    expect(json(dup)).toMatchObject({ code: 'EMAIL_TAKEN' });
    expect(await env.count('users')).toBe(before);

    const audit = json<{ items: { action: string; actorId: string; after: { email: string } }[] }>(
      await env.req('GET', `/api/audit-log?entity=user&entityId=${user.id}`, { as: admin }),
    );
    expect(audit.items).toHaveLength(1);
    expect(audit.items[0]).toMatchObject({ action: 'create', actorId: admin.id, after: { email: 'dup.person@example.com' } });
  });

  it('concurrent creates of one email make one user', async () => {
    const admin = await env.user(['System Manager']);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => env.req('POST', '/api/users', { as: admin, body: { email: 'racer@example.com', fullName: 'Racer', roles: [] } })),
    );
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    expect(results.filter((r) => r.statusCode === 409)).toHaveLength(9);
    const n = await env.ctx.db.selectFrom('users').select('id').where('email', '=', 'racer@example.com').execute();
    expect(n).toHaveLength(1);
  });

  it('roles: replace, unknown role refused, own System Manager role kept', async () => {
    const admin = await env.user(['System Manager']);
    const u = await env.user(['LMS Student']);
    const ok = await env.req('PUT', `/api/users/${u.id}/roles`, { as: admin, body: { roles: ['Course Creator', 'LMS Student'] } });
    expect(json(ok)).toMatchObject({ roles: ['Course Creator', 'LMS Student'] });
    const me = await env.req('GET', '/api/auth/me', { as: u });
    expect(json(me)).toMatchObject({ roles: ['Course Creator', 'LMS Student'] });
    const bad = await env.req('PUT', `/api/users/${u.id}/roles`, { as: admin, body: { roles: ['Moderator', 'Wizard'] } });
    expect(bad.statusCode).toBe(400);
    expect(json(await env.req('GET', `/api/users/${u.id}`, { as: admin }))).toMatchObject({ roles: ['Course Creator', 'LMS Student'] });
    const self = await env.req('PUT', `/api/users/${admin.id}/roles`, { as: admin, body: { roles: [] } });
    expect(self.statusCode).toBe(422);
    const unknown = await env.req('PUT', `/api/users/0000000000000000000000zzzz/roles`, { as: admin, body: { roles: [] } });
    expect(unknown.statusCode).toBe(404);
  });

  it('the database refuses a role name that does not exist', async () => {
    const u = await env.user();
    await expect(env.ctx.db.insertInto('user_roles').values({ user_id: u.id, role: 'Emperor' }).execute()).rejects.toThrow();
  });

  it('the audit log is append-only in the database', async () => {
    await env.user();
    const row = await env.ctx.db.selectFrom('audit_log').select('id').executeTakeFirstOrThrow();
    await expect(env.ctx.db.updateTable('audit_log').set({ action: 'forged' }).where('id', '=', row.id).execute()).rejects.toThrow(/append-only/);
    await expect(env.ctx.db.deleteFrom('audit_log').where('id', '=', row.id).execute()).rejects.toThrow(/append-only/);
  });

  it('audit log is staff-only and filterable', async () => {
    const student = await env.user();
    expect((await env.req('GET', '/api/audit-log', { as: student })).statusCode).toBe(403);
    const mod = await env.user(['Moderator']);
    const res = await env.req('GET', '/api/audit-log?entity=user&action=create&limit=2', { as: mod });
    const body = json<{ items: { entity: string }[]; nextCursor: string | null }>(res);
    expect(body.items).toHaveLength(2);
    expect(body.items.every((i) => i.entity === 'user')).toBe(true);
    expect(body.nextCursor).not.toBeNull();
    const next = json<{ items: { id: string }[] }>(await env.req('GET', `/api/audit-log?entity=user&limit=2&cursor=${body.nextCursor}`, { as: mod }));
    expect(next.items.length).toBeGreaterThan(0);
    const bad = await env.req('GET', '/api/audit-log?limit=100000', { as: mod });
    expect(bad.statusCode).toBe(400);
  });

  it('health reports the dialect and version; OpenAPI documents the routes', async () => {
    const h = json(await env.req('GET', '/api/health'));
    expect(h).toMatchObject({ status: 'ok', database: { dialect: env.dialect, reachable: true } });
    const doc = json<{ paths: Record<string, unknown> }>(await env.req('GET', '/api/openapi.json'));
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/auth/login', '/api/users', '/api/audit-log', '/api/health']));
    expect((await env.req('GET', '/api/docs')).statusCode).toBeLessThan(400);
  });

  it('pages carry security headers', async () => {
    const res = await env.req('GET', '/lms/some/deep/link');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    // No inline style without this response's nonce; every response has its own.
    const again = await env.req('GET', '/lms/some/deep/link');
    const nonces = [res, again].map((r) => /style-src 'self' 'nonce-([A-Za-z0-9+/=]{20,})'/.exec(String(r.headers['content-security-policy']))?.[1]);
    expect(nonces[0]).toBeTruthy();
    expect(nonces[1]).not.toBe(nonces[0]);
    expect(res.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect((await env.req('GET', '/assets/../../package.json')).statusCode).toBe(404);
  });

  it('JSON answers carry the API security headers: never cached, framed or sniffed', async () => {
    for (const res of [await env.req('GET', '/api/health'), await env.req('GET', '/api/auth/me')]) {
      expect(res.headers['content-type']).toMatch(/^application\/(problem\+)?json/);
      expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['strict-transport-security']).toContain('max-age=');
      expect(res.headers['cross-origin-opener-policy']).toBeUndefined();
    }
    // Pages keep the document headers, and a header the route set itself (the page's Cache-Control).
    const page = await env.req('GET', '/lms');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['x-frame-options']).toBe('SAMEORIGIN');
  });

  it("a page names its area's code and its first requests, so the browser fetches them at once", async () => {
    // A build of the web app: the entry, a chunk both areas share, and each area's own chunk.
    const webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smooth-web-'));
    fs.mkdirSync(path.join(webDir, '.vite'));
    fs.writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><html><head><script type="module" src="/assets/index-1.js"></script></head><body></body></html>');
    fs.writeFileSync(
      path.join(webDir, '.vite/manifest.json'),
      JSON.stringify({
        'index.html': { file: 'assets/index-1.js', isEntry: true, imports: ['_react.js'] },
        '_react.js': { file: 'assets/react-1.js' },
        '_frame.js': { file: 'assets/frame-1.js', imports: ['_react.js'], css: ['assets/frame-1.css'] },
        'portal/PortalFrame.tsx': { file: 'assets/PortalFrame-1.js', isDynamicEntry: true, imports: ['_frame.js', '_react.js'], css: ['assets/PortalFrame-1.css'] },
        'desk/DeskFrame.tsx': { file: 'assets/DeskFrame-1.js', isDynamicEntry: true, imports: ['_frame.js'] },
      }),
    );
    const database = openDatabase(env.config.database);
    const { app } = await buildApp({ config: env.config, database, logger: false, webDir });
    try {
      const learner = await env.user(['LMS Student']);
      const hints = async (url: string, cookie?: string) => {
        const res = await app.inject({ method: 'GET', url, headers: { accept: 'text/html', ...(cookie ? { cookie } : {}) } });
        expect(res.headers.vary).toContain('Cookie');
        return [...res.body.matchAll(/<link rel="(\w+)"(?: as="fetch")? crossorigin href="([^"]+)">/g)].map((m) => `${m[1]} ${m[2]}`);
      };
      const portalCode = ['stylesheet /assets/frame-1.css', 'stylesheet /assets/PortalFrame-1.css', 'modulepreload /assets/frame-1.js', 'modulepreload /assets/PortalFrame-1.js'];
      // My Courses with a session: its code (not what the entry already loads), the session and its data.
      expect(await hints('/lms', learner.cookie)).toEqual([
        ...portalCode,
        'preload /api/auth/session',
        'preload /api/me/courses',
        'preload /api/training-assignments?limit=500',
      ]);
      // Without a session the portal sends the visitor to the login page: no data asked for.
      expect(await hints('/lms')).toEqual([...portalCode, 'preload /api/auth/session']);
      // Other portal pages ask for their own data.
      expect(await hints('/lms/catalog', learner.cookie)).toEqual([...portalCode, 'preload /api/auth/session']);
      expect(await hints('/app/lms-course', learner.cookie)).toEqual([
        'stylesheet /assets/frame-1.css',
        'modulepreload /assets/frame-1.js',
        'modulepreload /assets/DeskFrame-1.js',
        'preload /api/auth/session',
      ]);
      expect(await hints('/login')).toEqual(['preload /api/auth/session']);
      // Public pages outside the portal's frame, and unknown URLs, need neither.
      expect(await hints('/lms/certificates/verify/ABC123')).toEqual([]);
      expect(await hints('/forgot-password')).toEqual([]);
      expect(await hints('/nowhere')).toEqual([]);
    } finally {
      await app.close();
      await database.close();
      fs.rmSync(webDir, { recursive: true, force: true });
    }
  });

  it('build assets: kept a year by browsers, sent compressed to browsers that accept it', async () => {
    const webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smooth-web-'));
    fs.mkdirSync(path.join(webDir, 'assets'));
    fs.writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><html><head></head><body></body></html>');
    const script = `export const words = ${JSON.stringify('compressible '.repeat(500))};\n`;
    fs.writeFileSync(path.join(webDir, 'assets/app-1.js'), script);
    fs.writeFileSync(path.join(webDir, 'assets/app-1.js.br'), zlib.brotliCompressSync(script));
    fs.writeFileSync(path.join(webDir, 'assets/app-1.js.gz'), zlib.gzipSync(script));
    fs.writeFileSync(path.join(webDir, 'assets/small-1.css'), 'a{color:red}');
    const database = openDatabase(env.config.database);
    const { app } = await buildApp({ config: env.config, database, logger: false, webDir });
    try {
      const get = (url: string, encoding?: string) => app.inject({ method: 'GET', url, headers: encoding ? { 'accept-encoding': encoding } : {} });
      const br = await get('/assets/app-1.js', 'gzip, deflate, br');
      expect(br.statusCode).toBe(200);
      expect(br.headers['content-encoding']).toBe('br');
      expect(br.headers['content-type']).toMatch(/^text\/javascript|^application\/javascript/);
      expect(br.headers.vary).toContain('accept-encoding');
      expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(zlib.brotliDecompressSync(br.rawPayload).toString()).toBe(script);
      const gz = await get('/assets/app-1.js', 'gzip');
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(zlib.gunzipSync(gz.rawPayload).toString()).toBe(script);
      // A client that accepts neither, and a file without a compressed copy, get the file as it is.
      const plain = await get('/assets/app-1.js');
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.body).toBe(script);
      const css = await get('/assets/small-1.css', 'br');
      expect(css.statusCode).toBe(200);
      expect(css.headers['content-encoding']).toBeUndefined();
      expect(css.body).toBe('a{color:red}');
      expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      // Outside the assets folder, and a missing file: 404.
      expect((await get('/assets/../index.html', 'br')).statusCode).toBe(404);
      expect((await get('/assets/missing-1.js', 'br')).statusCode).toBe(404);
    } finally {
      await app.close();
      await database.close();
      fs.rmSync(webDir, { recursive: true, force: true });
    }
  });

  it('an unexpected failure answers 500 without leaking SQL or stacks', async () => {
    const database = openDatabase(env.config.database);
    await migrateToLatest(database);
    const { app } = await buildApp({ config: env.config, database, logger: false });
    // The last test of the file: it breaks the schema on purpose.
    await sql`drop table ${sql.table('login_throttle')}`.execute(database.db).catch(() => {});
    try {
      const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'x@example.com', password: 'whatever1' } });
      expect(res.statusCode).toBe(500);
      const body = json<{ code: string; detail: string; requestId: string }>(res);
      expect(body.code).toBe('INTERNAL_ERROR');
      expect(res.body).not.toMatch(/login_throttle|select|at \w+ \(/i);
      expect(body.requestId).toBeTruthy();
    } finally {
      await app.close();
      await database.close();
    }
  });
});

describeDb('settings', (env) => {
  it('defaults, System Manager changes them with an audit entry, others cannot, bad values change nothing', async () => {
    const admin = await env.user(['System Manager']);
    const mod = await env.user(['Moderator']);
    expect(json(await env.req('GET', '/api/settings', { as: mod }))).toMatchObject({ defaultDueDays: 30, organisationName: 'Smooth LMS' });
    expect((await env.req('PATCH', '/api/settings', { as: mod, body: { defaultDueDays: 10 } })).statusCode).toBe(403);
    const bad = await env.req('PATCH', '/api/settings', { as: admin, body: { defaultDueDays: -4, organisationName: 'x' } });
    expect(bad.statusCode).toBe(400);
    expect(json<{ errors: { path: string }[] }>(bad).errors[0]!.path).toBe('defaultDueDays');
    expect((await env.req('PATCH', '/api/settings', { as: admin, body: { colour: 'red' } })).statusCode).toBe(400);
    expect(await env.count('settings')).toBe(0);
    const ok = await env.req('PATCH', '/api/settings', { as: admin, body: { defaultDueDays: 14, organisationName: 'Acme Safety Ltd' } });
    expect(json(ok)).toMatchObject({ defaultDueDays: 14, organisationName: 'Acme Safety Ltd' });
    expect(json(await env.req('GET', '/api/settings', { as: mod }))).toMatchObject({ defaultDueDays: 14 });
    const audit = json<{ items: { before: { defaultDueDays: number }; after: { defaultDueDays: number } }[] }>(
      await env.req('GET', '/api/audit-log?entity=settings', { as: admin }),
    );
    expect(audit.items[0]).toMatchObject({ before: { defaultDueDays: 30 }, after: { defaultDueDays: 14 } });
  });
});
