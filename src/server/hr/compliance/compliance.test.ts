import { expect, it } from 'vitest';
import { describeDb, json, type TestUser } from '../../../../test/helpers/harness.ts';
import { today } from '../../db/dialect.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import type { EmployeeCompliance } from '../../../contract/compliance.ts';
import { addDays, addMonths } from '../dates.ts';
import { complianceExpiryJob, runComplianceExpiry } from './compliance.service.ts';

type Emp = { id: string; userId: string | null };

describeDb('compliance types, employee compliance and the expiry job', (env) => {
  let hr: TestUser;
  let seq = 0;
  const ready = async () => {
    hr ??= await env.user(['HR Manager']);
    return hr;
  };
  async function employee(withUser = true): Promise<{ emp: Emp; user: TestUser | null }> {
    const user = withUser ? await env.user([]) : null;
    const res = await env.req('POST', '/api/employees', {
      as: hr,
      body: { employeeCode: `CO-${Date.now().toString(36)}-${++seq}`, fullName: `Compliant ${seq}`, department: 'Warehouse', ...(user ? { userId: user.id } : {}) },
    });
    return { emp: json<Emp>(res), user };
  }
  async function type(name: string, renewalMonths: number | null, reminderLeadDays = 30): Promise<string> {
    const res = await env.req('POST', '/api/compliance-types', { as: hr, body: { name, renewalMonths, reminderLeadDays } });
    expect(res.statusCode).toBe(201);
    return json<{ id: string }>(res).id;
  }

  it('HR creates a row (pending) and marks it complete; the renewal date follows from the type; evidence must be the employee’s own document', async () => {
    const as = await ready();
    const typeId = await type(`Fire warden ${seq}`, 12);
    const { emp } = await employee();
    const created = await env.req('POST', '/api/employee-compliance', { as, body: { employeeId: emp.id, complianceTypeId: typeId } });
    expect(created.statusCode).toBe(201);
    const row = json<EmployeeCompliance>(created);
    expect(row).toMatchObject({ status: 'pending', completedOn: null, renewalDate: null });
    const dup = await env.req('POST', '/api/employee-compliance', { as, body: { employeeId: emp.id, complianceTypeId: typeId } });
    expect(dup.statusCode).toBe(409);
    expect(json(dup)).toMatchObject({ code: 'COMPLIANCE_EXISTS', complianceId: row.id });

    const other = await employee();
    const foreignDoc = json<{ id: string }>(await env.req('POST', '/api/employee-documents', { as, body: { employeeId: other.emp.id, title: 'Not yours' } }));
    const bad = await env.req('POST', `/api/employee-compliance/${row.id}/complete`, { as, body: { completedOn: today(), evidenceDocumentId: foreignDoc.id } });
    expect(bad.statusCode).toBe(400);
    const future = await env.req('POST', `/api/employee-compliance/${row.id}/complete`, { as, body: { completedOn: addDays(today(), 1) } });
    expect(future.statusCode).toBe(400);
    for (const body of [{}, { completedOn: 'yesterday' }, { completedOn: today(), extra: 1 }]) {
      expect((await env.req('POST', `/api/employee-compliance/${row.id}/complete`, { as, body })).statusCode).toBe(400);
    }
    expect((await env.req('POST', `/api/employee-compliance/0000000000000000000000zzzz/complete`, { as, body: { completedOn: today() } })).statusCode).toBe(404);
    expect(json<EmployeeCompliance>(await env.req('GET', `/api/employee-compliance/${row.id}`, { as })).status).toBe('pending');

    const evidence = json<{ id: string }>(await env.req('POST', '/api/employee-documents', { as, body: { employeeId: emp.id, title: 'Warden course' } }));
    const done = await env.req('POST', `/api/employee-compliance/${row.id}/complete`, { as, body: { completedOn: today(), evidenceDocumentId: evidence.id } });
    expect(done.statusCode).toBe(200);
    expect(json<EmployeeCompliance>(done)).toMatchObject({ status: 'complete', completedOn: today(), renewalDate: addMonths(today(), 12), evidenceDocumentId: evidence.id });
    const audit = await env.ctx.db.selectFrom('audit_log').select('action').where('entity_id', '=', row.id).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['create', 'complete']);
  });

  it('refuses unknown employee/type ids and bad input, writing nothing; LMS roles get 403', async () => {
    const as = await ready();
    const typeId = await type(`Bad input ${seq}`, null);
    const { emp } = await employee(false);
    const before = await env.count('employee_compliance');
    for (const body of [
      { employeeId: '0000000000000000000000zzzz', complianceTypeId: typeId },
      { employeeId: emp.id, complianceTypeId: '0000000000000000000000zzzz' },
      { employeeId: emp.id },
      { employeeId: emp.id, complianceTypeId: typeId, status: 'complete' },
      { employeeId: 1, complianceTypeId: typeId },
    ]) {
      const res = await env.req('POST', '/api/employee-compliance', { as, body });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(json(res).code).toBe('VALIDATION_FAILED');
    }
    expect(await env.count('employee_compliance')).toBe(before);
    for (const body of [{ name: '' }, { name: 'X', renewalMonths: 0 }, { name: 'X', reminderLeadDays: -1 }, { name: 'X', extra: true }]) {
      expect((await env.req('POST', '/api/compliance-types', { as, body })).statusCode).toBe(400);
    }
    const learner = await env.user(['LMS Student']);
    expect((await env.req('GET', '/api/employee-compliance', { as: learner })).statusCode).toBe(403);
    expect((await env.req('POST', '/api/employee-compliance', { as: learner, body: { employeeId: emp.id, complianceTypeId: typeId } })).statusCode).toBe(403);
    expect((await env.req('GET', '/api/compliance-types', { as: await env.user(['Moderator']) })).statusCode).toBe(403);
    // One type reads back by id (the desk opens it); an unknown id is 404, other roles 403.
    const one = await env.req('GET', `/api/compliance-types/${typeId}`, { as });
    expect(one.statusCode).toBe(200);
    expect(json<{ id: string; name: string }>(one)).toMatchObject({ id: typeId });
    expect((await env.req('GET', '/api/compliance-types/0000000000000000000000zzzz', { as })).statusCode).toBe(404);
    expect((await env.req('GET', `/api/compliance-types/${typeId}`, { as: learner })).statusCode).toBe(403);
    expect(await env.count('employee_compliance')).toBe(before);
  });

  it('nothing flips a row automatically from LMS: completing a course leaves compliance pending', async () => {
    const as = await ready();
    const typeId = await type(`Manual only ${seq}`, 12);
    const { emp, user } = await employee();
    const row = json<EmployeeCompliance>(await env.req('POST', '/api/employee-compliance', { as, body: { employeeId: emp.id, complianceTypeId: typeId } }));
    const { courseId, lessonIds } = await makeCourse(env, { lessons: 1, mandatory: true });
    expect((await env.req('POST', `/api/courses/${courseId}/enroll`, { as: user! })).statusCode).toBe(201);
    const done = await env.req('POST', `/api/lessons/${lessonIds[0]}/complete`, { as: user! });
    expect(json<{ enrollment: { progress: number } }>(done).enrollment.progress).toBe(100);
    await runComplianceExpiry(env.ctx);
    expect(json<EmployeeCompliance>(await env.req('GET', `/api/employee-compliance/${row.id}`, { as })).status).toBe('pending');
  });

  it('the daily job moves rows to expiring/expired and alerts HR and the employee once', async () => {
    const as = await ready();
    const hrUser = await env.user(['HR User']);
    const typeId = await type(`Forklift licence ${seq}`, 12, 30);
    const a = await employee();
    const b = await employee();
    const c = await employee(false);
    const rows: Record<string, EmployeeCompliance> = {};
    for (const [key, who] of [['soon', a], ['gone', b], ['fine', c]] as const) {
      rows[key] = json<EmployeeCompliance>(await env.req('POST', '/api/employee-compliance', { as, body: { employeeId: who.emp.id, complianceTypeId: typeId } }));
    }
    const on = today();
    // Completed a year ago minus 10 days: renewal in 10 days (within the 30 lead days).
    const set = async (id: string, completedOn: string) =>
      env.ctx.db
        .updateTable('employee_compliance')
        .set({ status: 'complete', completed_on: completedOn, renewal_date: addMonths(completedOn, 12) })
        .where('id', '=', id)
        .execute();
    await set(rows.soon!.id, addMonths(addDays(on, 10), -12));
    await set(rows.gone!.id, addMonths(addDays(on, -1), -12));
    await set(rows.fine!.id, addMonths(addDays(on, 31), -12));

    const r1 = await runComplianceExpiry(env.ctx, on);
    expect(r1).toMatchObject({ expiring: 1, expired: 1 });
    const status = async (id: string) => json<EmployeeCompliance>(await env.req('GET', `/api/employee-compliance/${id}`, { as })).status;
    expect(await status(rows.soon!.id)).toBe('expiring');
    expect(await status(rows.gone!.id)).toBe('expired');
    expect(await status(rows.fine!.id)).toBe('complete');

    type N = { items: { kind: string; title: string; link: string; id: string; readAt: string | null }[] };
    const mine = json<N>(await env.req('GET', '/api/me/notifications', { as: a.user! }));
    expect(mine.items.map((n) => n.kind)).toEqual(['compliance.expiring']);
    expect(mine.items[0]!.link).toBe(`/app/employee-compliance/${rows.soon!.id}`);
    const theirs = json<N>(await env.req('GET', '/api/me/notifications', { as: b.user! }));
    expect(theirs.items.map((n) => n.kind)).toEqual(['compliance.expired']);
    const hrSees = json<N>(await env.req('GET', '/api/me/notifications', { as: hrUser }));
    expect(hrSees.items.map((n) => n.kind).sort()).toEqual(['compliance.expired', 'compliance.expiring']);

    // A second run the same day alerts nobody twice.
    const count = await env.count('notifications');
    const r2 = await runComplianceExpiry(env.ctx, on);
    expect(r2).toEqual({ expiring: 0, expired: 0, alerts: 0 });
    expect(await env.count('notifications')).toBe(count);
    // Later the expiring row expires: one new alert each.
    const r3 = await runComplianceExpiry(env.ctx, addDays(on, 11));
    expect(r3.expired).toBe(1);
    expect(json<N>(await env.req('GET', '/api/me/notifications', { as: a.user! })).items.map((n) => n.kind)).toEqual(['compliance.expired', 'compliance.expiring']);

    // Read marks; another user's notification is 404.
    const first = mine.items[0]!;
    expect((await env.req('POST', `/api/me/notifications/${first.id}/read`, { as: a.user! })).statusCode).toBe(204);
    expect((await env.req('POST', `/api/me/notifications/${first.id}/read`, { as: b.user! })).statusCode).toBe(404);
    const unread = json<N>(await env.req('GET', '/api/me/notifications?unread=true', { as: a.user! }));
    expect(unread.items.map((n) => n.id)).not.toContain(first.id);

    // The employee sees their own rows in the portal profile; filters work for HR.
    const me = json<{ compliance: EmployeeCompliance[] }>(await env.req('GET', '/api/me/hr', { as: a.user! }));
    expect(me.compliance.map((x) => x.id)).toEqual([rows.soon!.id]);
    const expired = json<{ items: EmployeeCompliance[] }>(await env.req('GET', `/api/employee-compliance?status=expired&complianceTypeId=${typeId}`, { as }));
    expect(expired.items.map((x) => x.id).sort()).toEqual([rows.soon!.id, rows.gone!.id].sort());
    expect(complianceExpiryJob.name).toBe('hr.compliance-expiry');
  });
});
