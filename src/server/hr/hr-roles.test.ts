import { expect, it } from 'vitest';
import { describeDb, json, type TestUser } from '../../../test/helpers/harness.ts';

/**
 * HR User keeps employees, onboardings, employee documents and compliance rows day to day; HR
 * Manager also owns departments, designations, document and compliance types, and deletes documents.
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

  it('only an HR Manager adds departments and designations, directly or by naming a new one on an employee', async () => {
    await ready();
    for (const table of ['departments', 'designations'] as const) {
      const before = await env.count(table);
      const denied = await env.req('POST', `/api/${table}`, { as: user, body: { name: `New ${table}` } });
      expect(denied.statusCode).toBe(403);
      expect(json(denied).code).toBe('FORBIDDEN');
      expect(await env.count(table)).toBe(before);
      const made = await env.req('POST', `/api/${table}`, { as: manager, body: { name: ` Finance ${table} ` } });
      expect(made.statusCode).toBe(201);
      expect(json(made)).toMatchObject({ name: `Finance ${table}`, employees: 0 });
      const again = await env.req('POST', `/api/${table}`, { as: manager, body: { name: `Finance ${table}` } });
      expect(again.statusCode).toBe(409);
      expect(json(again).code).toBe('NAME_TAKEN');
      expect((await env.req('POST', `/api/${table}`, { as: manager, body: { name: '  ' } })).statusCode).toBe(400);
      expect(await env.count(table)).toBe(before + 1);
    }

    // An HR User picks existing names freely, but a new name is the manager's call: nothing is written.
    const ok = await env.req('POST', '/api/employees', {
      as: user,
      body: { employeeCode: code(), fullName: 'Ada', department: 'Finance departments', designation: 'Finance designations' },
    });
    expect(ok.statusCode).toBe(201);
    const employeeId = json<{ id: string }>(ok).id;
    const counts = async () => [await env.count('employees'), await env.count('departments'), await env.count('designations'), await env.count('audit_log')];
    const before = await counts();
    for (const body of [
      { employeeCode: code(), fullName: 'Bo', department: 'Typo Dept' },
      { employeeCode: code(), fullName: 'Bo', department: 'Finance departments', designation: 'Chief Typo' },
    ]) {
      const res = await env.req('POST', '/api/employees', { as: user, body });
      expect(res.statusCode).toBe(403);
      expect(json(res).code).toBe('FORBIDDEN');
    }
    const moved = await env.req('PATCH', `/api/employees/${employeeId}`, { as: user, body: { fullName: 'Ada L', department: 'Elsewhere' } });
    expect(moved.statusCode).toBe(403);
    expect(await counts()).toEqual(before);
    expect(json(await env.req('GET', `/api/employees/${employeeId}`, { as: user }))).toMatchObject({ fullName: 'Ada', department: 'Finance departments' });

    // The same requests from an HR Manager create the names on first use.
    expect((await env.req('PATCH', `/api/employees/${employeeId}`, { as: manager, body: { department: 'Elsewhere' } })).statusCode).toBe(200);
    expect((await env.req('PATCH', `/api/employees/${employeeId}`, { as: user, body: { department: 'Elsewhere', status: 'left' } })).statusCode).toBe(200);
    expect(await env.count('departments')).toBe(before[1]! + 1);
  });

  it('document and compliance types are the manager\'s; HR Users read them and keep the rows that use them', async () => {
    await ready();
    const employee = json<{ id: string }>(await env.req('POST', '/api/employees', { as: manager, body: { employeeCode: code(), fullName: 'Cy' } }));
    for (const [path, body] of [
      ['/api/employee-document-types', { name: `Passport ${seq}`, expires: true, defaultValidityMonths: 120 }],
      ['/api/compliance-types', { name: `First aid ${seq}`, renewalMonths: 24 }],
    ] as const) {
      const table = path === '/api/compliance-types' ? 'compliance_types' : 'employee_document_types';
      const before = await env.count(table);
      const denied = await env.req('POST', path, { as: user, body });
      expect(denied.statusCode).toBe(403);
      expect(json(denied).code).toBe('FORBIDDEN');
      expect(await env.count(table)).toBe(before);
      const made = await env.req('POST', path, { as: manager, body });
      expect(made.statusCode).toBe(201);
      const id = json<{ id: string }>(made).id;
      const rename = await env.req('PATCH', `${path}/${id}`, { as: user, body: { name: `${body.name} (renamed)` } });
      expect(rename.statusCode).toBe(403);
      // Unknown ids: the manager learns they do not exist; the HR User may not update any type at all.
      expect((await env.req('PATCH', `${path}/nope`, { as: manager, body: { name: 'x' } })).statusCode).toBe(404);
      expect((await env.req('PATCH', `${path}/nope`, { as: user, body: { name: 'x' } })).statusCode).toBe(403);
      const list = json<{ items: { id: string; name: string }[] }>(await env.req('GET', path, { as: user }));
      expect(list.items.find((t) => t.id === id)?.name).toBe(body.name);
      expect((await env.req('PATCH', `${path}/${id}`, { as: manager, body: { name: `${body.name} (renamed)` } })).statusCode).toBe(200);
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
