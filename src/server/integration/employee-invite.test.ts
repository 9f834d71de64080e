import { expect, it } from 'vitest';
import { describeDb, json, type TestUser } from '../../../test/helpers/harness.ts';
import { newId } from '../db/ids.ts';
import type { Invitation } from '../../contract/users.ts';

interface Problem {
  code: string;
  detail: string;
  errors?: { path: string; message: string }[];
}


let seq = 0;

describeDb('inviting an employee from the employee form', (env) => {
  async function employee(as: TestUser, status = 'active') {
    const code = `INV-${env.dialect}-${Date.now().toString(36)}-${++seq}`;
    const res = await env.req('POST', '/api/employees', { as, body: { employeeCode: code, fullName: `Jordan Joiner ${seq}`, status } });
    expect(res.statusCode, res.body).toBe(201);
    return json<{ id: string; fullName: string }>(res);
  }

  async function written() {
    return {
      users: await env.count('users'),
      roles: await env.count('user_roles'),
      links: await env.count('password_links'),
      mail: await env.count('mail_outbox'),
      audit: await env.count('audit_log'),
    };
  }

  it('an HR Manager creates the linked account with roles and the invitation; the form shows when it was sent; resend replaces the link', async () => {
    const hr = await env.user(['HR Manager'], 'Hana HR');
    const e = await employee(hr);
    expect(json<{ invitation: null }>(await env.req('GET', `/api/employees/${e.id}/invitation`, { as: hr }))).toEqual({ invitation: null });
    const email = `jordan.${env.dialect}.${Date.now().toString(36)}@example.com`;
    const res = await env.req('POST', `/api/employees/${e.id}/invitation`, { as: hr, body: { email: email.toUpperCase(), roles: ['HR User'] } });
    expect(res.statusCode, res.body).toBe(201);
    const inv = json<Invitation & { employeeId: string }>(res);
    expect(inv).toMatchObject({ email, passwordSet: false, acceptedAt: null, employeeId: e.id });
    expect(inv.invitedAt).not.toBeNull();

    const linked = await env.ctx.db.selectFrom('employees').select('user_id').where('id', '=', e.id).executeTakeFirstOrThrow();
    expect(linked.user_id).toBe(inv.userId);
    const user = json<{ fullName: string; roles: string[] }>(await env.req('GET', `/api/users/${inv.userId}`, { as: hr }));
    // The employee's name; the chosen role, and LMS Student as every linked employee gets.
    expect(user).toMatchObject({ fullName: e.fullName, roles: ['LMS Student', 'HR User'] });
    const mail = await env.ctx.db.selectFrom('mail_outbox').selectAll().where('to_address', '=', email).execute();
    expect(mail).toHaveLength(1);
    expect(mail[0]!.subject).toContain('Hana HR invites you');
    const audit = await env.ctx.db.selectFrom('audit_log').selectAll().where('entity_id', 'in', [e.id, inv.userId]).execute();
    expect(audit.filter((a) => a.entity === 'user' && a.action === 'create').map((a) => a.actor_id)).toEqual([hr.id]);
    expect(audit.some((a) => a.entity === 'employee' && a.action === 'update' && a.actor_id === hr.id)).toBe(true);

    const shown = json<{ invitation: Invitation }>(await env.req('GET', `/api/employees/${e.id}/invitation`, { as: await env.user(['HR User']) }));
    expect(shown.invitation).toMatchObject({ userId: inv.userId, invitedAt: inv.invitedAt });

    await new Promise((r) => setTimeout(r, 5));
    const resent = await env.req('POST', `/api/users/${inv.userId}/invitation`, { as: hr });
    expect(resent.statusCode, resent.body).toBe(201);
    expect(Date.parse(json<Invitation>(resent).invitedAt!)).toBeGreaterThan(Date.parse(inv.invitedAt!));
    expect(await env.ctx.db.selectFrom('password_links').select('id').where('user_id', '=', inv.userId).execute()).toHaveLength(1);
    expect(await env.ctx.db.selectFrom('mail_outbox').select('id').where('to_address', '=', email).execute()).toHaveLength(2);

    // A second invitation for the same employee is refused, nothing written.
    const before = await written();
    const twice = await env.req('POST', `/api/employees/${e.id}/invitation`, { as: hr, body: { email: `other.${email}` } });
    expect(twice.statusCode).toBe(409);
    expect(json<Problem>(twice).code).toBe('EMPLOYEE_HAS_ACCOUNT');
    expect(await written()).toEqual(before);
  });

  it('refuses roles the inviter may not give, a taken email, a bad email, a left employee and HR Users, writing nothing', async () => {
    const hr = await env.user(['HR Manager']);
    const e = await employee(hr);
    const left = await employee(hr, 'left');
    const taken = await env.user();
    const before = await written();
    const cases: { as: TestUser; id: string; body: unknown; status: number; code: string; path?: string }[] = [
      { as: hr, id: e.id, body: { email: 'x1@example.com', roles: ['System Manager'] }, status: 400, code: 'VALIDATION_FAILED', path: 'roles' },
      { as: hr, id: e.id, body: { email: 'x2@example.com', roles: ['Wizard'] }, status: 400, code: 'VALIDATION_FAILED' },
      { as: hr, id: e.id, body: { email: taken.email.toUpperCase() }, status: 409, code: 'EMAIL_TAKEN' },
      { as: hr, id: e.id, body: { email: 'not an email' }, status: 400, code: 'VALIDATION_FAILED', path: 'email' },
      { as: hr, id: e.id, body: {}, status: 400, code: 'VALIDATION_FAILED', path: 'email' },
      { as: hr, id: e.id, body: { email: `${'a'.repeat(260)}@example.com` }, status: 400, code: 'VALIDATION_FAILED', path: 'email' },
      { as: hr, id: left.id, body: { email: 'x3@example.com' }, status: 422, code: 'EMPLOYEE_NOT_ACTIVE' },
      { as: hr, id: newId(), body: { email: 'x4@example.com' }, status: 404, code: 'NOT_FOUND' },
      { as: await env.user(['HR User']), id: e.id, body: { email: 'x5@example.com' }, status: 403, code: 'FORBIDDEN' },
    ];
    for (const c of cases) {
      const res = await env.req('POST', `/api/employees/${c.id}/invitation`, { as: c.as, body: c.body });
      expect(res.statusCode, `${JSON.stringify(c.body)} → ${res.body}`).toBe(c.status);
      const p = json<Problem>(res);
      expect(p.code).toBe(c.code);
      if (c.path) expect(p.errors?.map((x) => x.path)).toContain(c.path);
    }
    // (the HR User above was created meanwhile: one user, one role, its login audit)
    const after = await written();
    expect({ ...after, users: after.users - 1, roles: after.roles - 1, audit: after.audit - 2 }).toEqual(before);
    expect((await env.ctx.db.selectFrom('employees').select('user_id').where('id', '=', e.id).executeTakeFirstOrThrow()).user_id).toBeNull();
  });

  it('ten invitations of one employee at once: one account, one link, one mail', async () => {
    const hr = await env.user(['HR Manager']);
    const e = await employee(hr);
    const tag = `${env.dialect}${Date.now().toString(36)}`;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => env.req('POST', `/api/employees/${e.id}/invitation`, { as: hr, body: { email: `race${i}.${tag}@example.com` } })),
    );
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    for (const r of results.filter((x) => x.statusCode !== 201)) {
      expect(r.statusCode, r.body).toBe(409);
      expect(json<Problem>(r).code).toBe('EMPLOYEE_HAS_ACCOUNT');
    }
    const users = await env.ctx.db.selectFrom('users').select('id').where('email', 'like', `race%.${tag}@example.com`).execute();
    expect(users).toHaveLength(1);
    expect(await env.ctx.db.selectFrom('password_links').select('id').where('user_id', '=', users[0]!.id).execute()).toHaveLength(1);
    expect(await env.ctx.db.selectFrom('mail_outbox').select('id').where('to_address', 'like', `race%.${tag}@example.com`).execute()).toHaveLength(1);
  });
});
