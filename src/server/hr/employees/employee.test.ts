import { expect, it } from 'vitest';
import { describeDb, json, type TestUser } from '../../../../test/helpers/harness.ts';
import { rolesOf } from '../../platform/users.service.ts';

type Emp = { id: string; employeeCode: string; userId: string | null; department: string | null; designation: string | null; status: string; leftOn: string | null };

describeDb('employees', (env) => {
  let hr: TestUser;
  const ready = async () => {
    hr ??= await env.user(['HR Manager']);
    return hr;
  };
  let codeSeq = 0;
  const code = () => `E-${Date.now().toString(36)}-${++codeSeq}`;

  it('creates an employee with department and designation by name (created on first use) and grants the linked user LMS Student in the same transaction', async () => {
    const as = await ready();
    const person = await env.user([], 'Ada Lovelace');
    expect(await rolesOf(env.ctx.db, person.id)).toEqual([]);
    const depsBefore = await env.count('departments');
    const res = await env.req('POST', '/api/employees', {
      as,
      body: { employeeCode: code(), fullName: 'Ada Lovelace', userId: person.id, department: 'Research', designation: 'Analyst', dateOfJoining: '2026-01-05' },
    });
    expect(res.statusCode).toBe(201);
    const e = json<Emp>(res);
    expect(e).toMatchObject({ userId: person.id, department: 'Research', designation: 'Analyst', status: 'active', leftOn: null });
    expect(await rolesOf(env.ctx.db, person.id)).toEqual(['LMS Student']);
    expect(await env.count('departments')).toBe(depsBefore + 1);
    // LMS documents (quiz reports, certificates) print these through the person-details provider.
    expect(await env.ctx.people.get(env.ctx.db, person.id)).toEqual({ employeeCode: e.employeeCode, department: 'Research', designation: 'Analyst' });
    // The second employee of the department reuses it.
    const again = await env.req('POST', '/api/employees', { as, body: { employeeCode: code(), fullName: 'Bob', department: 'Research' } });
    expect(again.statusCode).toBe(201);
    expect(await env.count('departments')).toBe(depsBefore + 1);
    const audit = await env.ctx.db.selectFrom('audit_log').select(['action', 'entity']).where('entity_id', '=', e.id).execute();
    expect(audit).toEqual([{ action: 'create', entity: 'employee' }]);
  });

  it('an employee without a user is fine; linking a user later grants LMS Student', async () => {
    const as = await ready();
    const res = await env.req('POST', '/api/employees', { as, body: { employeeCode: code(), fullName: 'No User Yet' } });
    expect(res.statusCode).toBe(201);
    const e = json<Emp>(res);
    expect(e.userId).toBeNull();
    const person = await env.user([]);
    const linked = await env.req('PATCH', `/api/employees/${e.id}`, { as, body: { userId: person.id } });
    expect(linked.statusCode).toBe(200);
    expect(json<Emp>(linked).userId).toBe(person.id);
    expect(await rolesOf(env.ctx.db, person.id)).toEqual(['LMS Student']);
  });

  it('refuses duplicate codes (409), a user linked twice (409), unknown user/manager ids (400) and bad input, writing nothing', async () => {
    const as = await ready();
    const c = code();
    const person = await env.user([]);
    const first = await env.req('POST', '/api/employees', { as, body: { employeeCode: c, fullName: 'First', userId: person.id } });
    expect(first.statusCode).toBe(201);
    const before = await env.count('employees');
    const auditBefore = await env.count('audit_log');
    const cases: [unknown, number, string][] = [
      [{ employeeCode: c, fullName: 'Dup' }, 409, 'EMPLOYEE_CODE_TAKEN'],
      [{ employeeCode: code(), fullName: 'Same user', userId: person.id }, 409, 'USER_ALREADY_LINKED'],
      [{ employeeCode: code(), fullName: 'X', userId: '0000000000000000000000zzzz' }, 400, 'VALIDATION_FAILED'],
      [{ employeeCode: code(), fullName: 'X', reportsToId: '0000000000000000000000zzzz' }, 400, 'VALIDATION_FAILED'],
      [{ fullName: 'No code' }, 400, 'VALIDATION_FAILED'],
      [{ employeeCode: code() }, 400, 'VALIDATION_FAILED'],
      [{ employeeCode: 42, fullName: 'Wrong type' }, 400, 'VALIDATION_FAILED'],
      [{ employeeCode: code(), fullName: 'X', salary: 1 }, 400, 'VALIDATION_FAILED'],
      [{ employeeCode: code(), fullName: 'X', dateOfJoining: '2026-02-30' }, 400, 'VALIDATION_FAILED'],
      [{ employeeCode: code(), fullName: 'X', status: 'retired' }, 400, 'VALIDATION_FAILED'],
      [{ employeeCode: code(), fullName: 'x'.repeat(141) }, 400, 'VALIDATION_FAILED'],
      [{ employeeCode: code(), fullName: 'X', department: '' }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [body, status, errCode] of cases) {
      const res = await env.req('POST', '/api/employees', { as, body });
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(json(res).code).toBe(errCode);
    }
    expect(await env.count('employees')).toBe(before);
    expect(await env.count('audit_log')).toBe(auditBefore);
  });

  it('20 parallel creates with one code make one employee', async () => {
    const as = await ready();
    const c = code();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => env.req('POST', '/api/employees', { as, body: { employeeCode: c, fullName: `Racer ${i}` } })),
    );
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    expect(results.filter((r) => r.statusCode === 409).every((r) => json(r).code === 'EMPLOYEE_CODE_TAKEN')).toBe(true);
    expect(results.filter((r) => r.statusCode === 409)).toHaveLength(19);
    const rows = await env.ctx.db.selectFrom('employees').select('id').where('employee_code', '=', c).execute();
    expect(rows).toHaveLength(1);
  });

  it('a leaver keeps every record; disableUser also disables the login and ends their sessions', async () => {
    const as = await ready();
    const person = await env.user([]);
    const e = json<Emp>(await env.req('POST', '/api/employees', { as, body: { employeeCode: code(), fullName: 'Leaver', userId: person.id } }));
    expect((await env.req('GET', '/api/auth/me', { as: person })).statusCode).toBe(200);
    const bad = await env.req('PATCH', `/api/employees/${e.id}`, { as, body: { disableUser: true } });
    expect(bad.statusCode).toBe(400);
    const res = await env.req('PATCH', `/api/employees/${e.id}`, { as, body: { status: 'left', disableUser: true } });
    expect(res.statusCode).toBe(200);
    expect(json<Emp>(res)).toMatchObject({ status: 'left', userId: person.id });
    expect(json<Emp>(res).leftOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const u = await env.ctx.db.selectFrom('users').select('enabled').where('id', '=', person.id).executeTakeFirstOrThrow();
    expect(u.enabled).toBe(0);
    expect((await env.req('GET', '/api/auth/me', { as: person })).statusCode).toBe(401);
    expect((await env.req('GET', `/api/employees/${e.id}`, { as })).statusCode).toBe(200);
  });

  it('PATCH refuses a reporting loop, a taken code and unknown ids', async () => {
    const as = await ready();
    const a = json<Emp>(await env.req('POST', '/api/employees', { as, body: { employeeCode: code(), fullName: 'Boss' } }));
    const b = json<Emp>(await env.req('POST', '/api/employees', { as, body: { employeeCode: code(), fullName: 'Report', reportsToId: a.id } }));
    const loop = await env.req('PATCH', `/api/employees/${a.id}`, { as, body: { reportsToId: b.id } });
    expect(loop.statusCode).toBe(400);
    const self = await env.req('PATCH', `/api/employees/${a.id}`, { as, body: { reportsToId: a.id } });
    expect(self.statusCode).toBe(400);
    const taken = await env.req('PATCH', `/api/employees/${b.id}`, { as, body: { employeeCode: a.employeeCode } });
    expect(taken.statusCode).toBe(409);
    expect(json(taken).code).toBe('EMPLOYEE_CODE_TAKEN');
    expect((await env.req('PATCH', `/api/employees/0000000000000000000000zzzz`, { as, body: { fullName: 'Ghost' } })).statusCode).toBe(404);
    expect((await env.req('PATCH', `/api/employees/${a.id}`, { as, body: { unknown: 1 } })).statusCode).toBe(400);
  });

  it('lists with filters by department name, designation, status and q, with keyset pages and totals', async () => {
    const as = await ready();
    const dept = `Dept ${Date.now().toString(36)}`;
    for (let i = 0; i < 5; i++) {
      await env.req('POST', '/api/employees', { as, body: { employeeCode: code(), fullName: `Lister ${i}`, department: dept, designation: i % 2 ? 'Odd' : 'Even' } });
    }
    const page1 = json<{ items: Emp[]; nextCursor: string | null; total: number }>(
      await env.req('GET', `/api/employees?department=${encodeURIComponent(dept)}&limit=3&withTotal=true`, { as }),
    );
    expect(page1.items).toHaveLength(3);
    expect(page1.total).toBe(5);
    const page2 = json<{ items: Emp[]; nextCursor: string | null }>(
      await env.req('GET', `/api/employees?department=${encodeURIComponent(dept)}&limit=3&cursor=${page1.nextCursor}`, { as }),
    );
    expect(page2.items).toHaveLength(2);
    expect(page2.nextCursor).toBeNull();
    const odd = json<{ items: Emp[] }>(await env.req('GET', `/api/employees?department=${encodeURIComponent(dept)}&designation=Odd`, { as }));
    expect(odd.items).toHaveLength(2);
    const q = json<{ items: Emp[] }>(await env.req('GET', `/api/employees?q=lister%203`, { as }));
    expect(q.items.map((x) => x.department)).toContain(dept);
    const none = json<{ items: Emp[] }>(await env.req('GET', `/api/employees?department=No%20such%20dept`, { as }));
    expect(none.items).toEqual([]);
    const depts = json<{ items: { name: string; employees: number }[] }>(await env.req('GET', `/api/departments?q=${encodeURIComponent(dept)}`, { as }));
    expect(depts.items).toEqual([expect.objectContaining({ name: dept, employees: 5 })]);
    expect((await env.req('GET', '/api/employees?limit=501', { as })).statusCode).toBe(400);
    expect((await env.req('GET', '/api/employees?status=gone', { as })).statusCode).toBe(400);
  });

  it('LMS roles without an HR role get 403 on HR records; anonymous 401', async () => {
    const as = await ready();
    const e = json<Emp>(await env.req('POST', '/api/employees', { as, body: { employeeCode: code(), fullName: 'Private' } }));
    for (const roles of [['LMS Student'], ['Moderator'], ['Course Creator']] as const) {
      const other = await env.user([...roles]);
      expect((await env.req('GET', '/api/employees', { as: other })).statusCode).toBe(403);
      expect((await env.req('GET', `/api/employees/${e.id}`, { as: other })).statusCode).toBe(403);
      const before = await env.count('employees');
      expect((await env.req('POST', '/api/employees', { as: other, body: { employeeCode: code(), fullName: 'Sneaky' } })).statusCode).toBe(403);
      expect(await env.count('employees')).toBe(before);
    }
    expect((await env.req('GET', '/api/employees')).statusCode).toBe(401);
    const hrUser = await env.user(['HR User']);
    expect((await env.req('GET', `/api/employees/${e.id}`, { as: hrUser })).statusCode).toBe(200);
  });
});
