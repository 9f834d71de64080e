import fs from 'node:fs';
import { expect, it } from 'vitest';
import { describeDb, type TestUser } from '../helpers/harness.ts';
import { ROLES, type Role } from '../../src/contract/roles.ts';
import { ANONYMOUS, PERMISSION_MATRIX, type Caller } from './permission-matrix.ts';

/**
 * Every registered route × every role: the callers the table allows get past the access rules
 * (any answer but 401/403, and never a 500), every other caller gets 401 or 403. Ids are
 * valid-looking but unknown, so allowed callers answer 404 or 400 as often as 2xx. A route with no
 * row in test/security/permission-matrix.ts fails the test: a new route needs its row.
 *
 * PERMISSION_MATRIX_WRITE=1 prints the observed table (to review, never to paste blindly).
 */
const CALLERS: readonly Caller[] = [...ROLES, ANONYMOUS];
const FAKE: Record<string, string> = { id: '01zzzzzzzzzzzzzzzzzzzzzzzz', code: 'zzzzzzzzzzzzzzzzzzzzzzzz', slot: 'logo' };

/** The URL to call for a route pattern: params filled with unknown but valid-looking values. */
export function concreteUrl(url: string): string {
  return url.replace(/:(\w+)/g, (_, name: string) => FAKE[name] ?? 'zzzz').replace(/\*$/, 'zzzz');
}

describeDb('permission matrix', (env) => {
  it('every route has a row, and every role gets exactly the answer class its row says', { timeout: 240_000 }, async () => {
    expect(ROLES).toEqual(['System Manager', 'Moderator', 'Course Creator', 'Batch Evaluator', 'LMS Student', 'HR Manager', 'HR User']);
    const users = new Map<Role, TestUser>();
    for (const role of ROLES) users.set(role, await env.user([role]));
    const keys = env.built.routes.map((r) => `${r.method} ${r.url}`);
    const writing = Boolean(process.env.PERMISSION_MATRIX_WRITE);
    const missing = keys.filter((k) => !(k in PERMISSION_MATRIX));
    if (!writing) expect(missing, 'routes without a row in test/security/permission-matrix.ts').toEqual([]);
    const stale = Object.keys(PERMISSION_MATRIX).filter((k) => !keys.includes(k));
    expect(stale, 'rows for routes that no longer exist').toEqual([]);

    const observed: Record<string, Caller[]> = {};
    const wrong: string[] = [];
    for (const key of keys) {
      const [method, url] = key.split(' ') as [string, string];
      const allowed = new Set<Caller>(PERMISSION_MATRIX[key] ?? []);
      observed[key] = [];
      for (const caller of CALLERS) {
        // Logging out ends the session it is called with: a user of its own.
        const as = caller === ANONYMOUS ? null : key === 'POST /api/auth/logout' ? await env.user([caller]) : users.get(caller)!;
        const res = await env.req(method, concreteUrl(url), { as, ...(['POST', 'PUT', 'PATCH'].includes(method) ? { body: {} } : {}) });
        const denied = res.statusCode === 401 || res.statusCode === 403;
        if (!denied) observed[key].push(caller);
        if (res.statusCode >= 500) wrong.push(`${key} as ${caller}: ${res.statusCode} ${res.body.slice(0, 200)}`);
        else if (denied === allowed.has(caller)) {
          wrong.push(`${key} as ${caller}: ${res.statusCode} but the table says ${allowed.has(caller) ? 'allowed' : 'denied'}`);
        } else if (denied && caller === ANONYMOUS && res.statusCode !== 401) {
          wrong.push(`${key} anonymous: ${res.statusCode}, expected 401`);
        }
      }
    }
    if (writing) fs.writeFileSync(`/tmp/permission-matrix-${env.dialect}.json`, JSON.stringify(observed, null, 1));
    expect(writing ? wrong.filter((w) => w.includes(': 5')) : wrong).toEqual([]);
  });
});
