import { expect, it } from 'vitest';
import { describeDb, json, type TestUser } from '../../../../test/helpers/harness.ts';

/**
 * product.md §1: HR Manager and HR User both keep employees, onboardings, employee documents,
 * employee compliance and the document and compliance types; departments and designations are
 * created on first use (api.md). Deleting an employee document is the HR Manager's.
 */
describeDb('HR Manager and HR User', (env) => {
  let manager: TestUser;
  let user: TestUser;
  let seq = 0;
  const ready = async () => {
    manager ??= await env.user(['HR Manager']);
    user ??= await env.user(['HR User']);
  };
  const code = () => `RL-${Date.now().toString(36)}-${++seq}`;

  it('both HR roles add departments and designations, directly or on first use by an employee; others may not', async () => {
    await ready();
    for (const table of ['departments', 'designations'] as const) {
      const before = await env.count(table);
      const made = await env.req('POST', `/api/${table}`, { as: user, body: { name: ` Finance ${table} ` } });
      expect(made.statusCode).toBe(201);
      expect(json(made)).toMatchObject({ name: `Finance ${table}`, employees: 0 });
      const again = await env.req('POST', `/api/${table}`, { as: manager, body: { name: `Finance ${table}` } });
      expect(again.statusCode).toBe(409);
      expect(json(again).code).toBe('NAME_TAKEN');
      expect((await env.req('POST', `/api/${table}`, { as: manager, body: { name: '  ' } })).statusCode).toBe(400);
      expect(await env.count(table)).toBe(before + 1);
    }
    const before = await env.count('departments');
    const ok = await env.req('POST', '/api/employees', { as: user, body: { employeeCode: code(), fullName: 'Ada', department: 'Brand New Dept' } });
    expect(ok.statusCode).toBe(201);
    expect(await env.count('departments')).toBe(before + 1);
    expect(json(await env.req('GET', `/api/employees/${json<{ id: string }>(ok).id}`, { as: user }))).toMatchObject({ department: 'Brand New Dept' });
  });

  it('both HR roles keep document and compliance types and the rows that use them', async () => {
    await ready();
    const employee = json<{ id: string }>(await env.req('POST', '/api/employees', { as: manager, body: { employeeCode: code(), fullName: 'Cy' } }));
    for (const [path, body] of [
      ['/api/employee-document-types', { name: `Passport ${seq}`, expires: true, defaultValidityMonths: 120 }],
      ['/api/compliance-types', { name: `First aid ${seq}`, renewalMonths: 24 }],
    ] as const) {
      const made = await env.req('POST', path, { as: user, body });
      expect(made.statusCode).toBe(201);
      const id = json<{ id: string }>(made).id;
      expect((await env.req('PATCH', `${path}/${id}`, { as: manager, body: { name: `${body.name} (renamed)` } })).statusCode).toBe(200);
      expect((await env.req('PATCH', `${path}/nope`, { as: user, body: { name: 'x' } })).statusCode).toBe(404);
      const list = json<{ items: { id: string; name: string }[] }>(await env.req('GET', path, { as: user }));
      expect(list.items.find((t) => t.id === id)?.name).toBe(`${body.name} (renamed)`);
    }

    // Day to day with those types: the HR User files documents and compliance rows and completes them.
    const types = json<{ items: { id: string }[] }>(await env.req('GET', '/api/compliance-types', { as: user })).items;
    const row = await env.req('POST', '/api/employee-compliance', { as: user, body: { employeeId: employee.id, complianceTypeId: types[0]!.id } });
    expect(row.statusCode).toBe(201);
    const done = await env.req('POST', `/api/employee-compliance/${json<{ id: string }>(row).id}/complete`, { as: user, body: { completedOn: '2026-01-10' } });
    expect(done.statusCode).toBe(200);
    const doc = await env.req('POST', '/api/employee-documents', { as: user, body: { employeeId: employee.id, title: 'Contract' } });
    expect(doc.statusCode).toBe(201);
    const docId = json<{ id: string }>(doc).id;
    expect((await env.req('PATCH', `/api/employee-documents/${docId}`, { as: user, body: { title: 'Contract 2026' } })).statusCode).toBe(200);

    // Deleting a document is the manager's.
    const before = await env.count('employee_documents');
    const denied = await env.req('DELETE', `/api/employee-documents/${docId}`, { as: user });
    expect(denied.statusCode).toBe(403);
    expect(json(denied).code).toBe('FORBIDDEN');
    expect(await env.count('employee_documents')).toBe(before);
    expect((await env.req('DELETE', `/api/employee-documents/${docId}`, { as: manager })).statusCode).toBe(204);
    expect((await env.req('DELETE', `/api/employee-documents/${docId}`, { as: manager })).statusCode).toBe(404);
    expect(await env.count('employee_documents')).toBe(before - 1);

    // Neither role reaches these for anyone else.
    const moderator = await env.user(['Moderator']);
    expect((await env.req('POST', '/api/departments', { as: moderator, body: { name: 'Sneaky' } })).statusCode).toBe(403);
    expect((await env.req('POST', '/api/compliance-types', { as: moderator, body: { name: 'Sneaky' } })).statusCode).toBe(403);
    expect((await env.req('POST', '/api/departments', { body: { name: 'Sneaky' } })).statusCode).toBe(401);
  });
});
