import { expect, it } from 'vitest';
import { describeDb, json } from '../../../test/helpers/harness.ts';

type Row = { id: string; email: string; fullName: string; enabled: boolean; roles: string[]; updatedAt: string };
type Page = { items: Row[]; nextCursor: string | null };

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeDb('users for reconciliation (updatedSince, export)', (env) => {
  it('lists exactly the users changed since an instant, in updatedAt order, page by page; the export has the same rows', async () => {
    const admin = await env.user(['System Manager']);
    const hr = await env.user(['HR Manager']);
    const [a, b, c, untouched] = [await env.user(), await env.user(), await env.user(), await env.user()];
    await pause(5);
    const since = new Date().toISOString();
    await pause(5);

    // Every kind of change moves updated_at: name, roles, enabled, a role granted by linking an employee.
    expect((await env.req('PATCH', `/api/users/${b.id}`, { as: admin, body: { fullName: 'Bea Renamed' } })).statusCode).toBe(200);
    await pause(3);
    expect((await env.req('PUT', `/api/users/${a.id}/roles`, { as: admin, body: { roles: ['LMS Student', 'HR User'] } })).statusCode).toBe(200);
    await pause(3);
    expect((await env.req('PATCH', `/api/users/${c.id}`, { as: admin, body: { enabled: false } })).statusCode).toBe(200);
    await pause(3);
    const noRole = await env.user([]);
    await pause(5);
    const linkedSince = new Date().toISOString();
    await pause(5);
    const emp = await env.req('POST', '/api/employees', { as: hr, body: { employeeCode: `S-${env.dialect}-${Date.now()}`, fullName: 'Linked Person', userId: noRole.id } });
    expect(emp.statusCode, emp.body).toBe(201);

    const seen: Row[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/api/users?updatedSince=${encodeURIComponent(since)}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await env.req('GET', url, { as: hr });
      expect(res.statusCode, res.body).toBe(200);
      const page = json<Page>(res);
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen.map((r) => r.id)).toEqual([b.id, a.id, c.id, noRole.id]);
    expect(seen.map((r) => r.updatedAt)).toEqual([...seen.map((r) => r.updatedAt)].sort());
    expect(seen.find((r) => r.id === b.id)!.fullName).toBe('Bea Renamed');
    expect(seen.find((r) => r.id === c.id)!.enabled).toBe(false);
    expect(seen.some((r) => r.id === untouched.id)).toBe(false);

    const linked = json<Page>(await env.req('GET', `/api/users?updatedSince=${encodeURIComponent(linkedSince)}`, { as: hr }));
    expect(linked.items.map((r) => [r.id, r.roles])).toEqual([[noRole.id, ['LMS Student']]]);

    // A date works too, and q narrows.
    const today = since.slice(0, 10);
    const byName = json<Page>(await env.req('GET', `/api/users?updatedSince=${today}&q=Bea%20Renamed`, { as: hr }));
    expect(byName.items.map((r) => r.id)).toEqual([b.id]);

    const csv = await env.req('GET', `/api/users/export.csv?updatedSince=${encodeURIComponent(since)}`, { as: hr });
    expect(csv.statusCode).toBe(200);
    const lines = csv.body.replace(/^\uFEFF/, '').trim().split(/\r\n/);
    expect(lines[0]).toBe('ID,Name,Email,Roles,Enabled,Created,Updated');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual([b.id, a.id, c.id, noRole.id]);
  });

  it('refuses bad filters and other roles, writing nothing', async () => {
    const hr = await env.user(['HR User']);
    const before = await env.count('users');
    for (const bad of ['yesterday', '2026-13-01', '2026-12-06T25:00:00Z', "1' or '1'='1", 'x'.repeat(300)]) {
      const res = await env.req('GET', `/api/users?updatedSince=${encodeURIComponent(bad)}`, { as: hr });
      expect(res.statusCode, bad).toBe(400);
      expect(json(res).code).toBe('VALIDATION_FAILED');
    }
    // Course Creators look people up to enroll them, but the bulk export is HR's and the administrators'.
    expect((await env.req('GET', '/api/users/export.csv?updatedSince=2026-01-01', { as: await env.user(['Course Creator']) })).statusCode).toBe(403);
    expect((await env.req('GET', '/api/users?updatedSince=2026-01-01', { as: await env.user(['LMS Student']) })).statusCode).toBe(403);
    expect((await env.req('GET', '/api/users/export.csv?updatedSince=2026-01-01')).statusCode).toBe(401);
    expect(await env.count('users')).toBe(before + 2);
  });
});
