import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeDb, json, type TestUser } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import type { EmployeeDocument } from '../../../contract/documents.ts';

type Emp = { id: string; userId: string | null };

function multipart(name: string, filename: string, content: Buffer, contentType = 'application/octet-stream') {
  const boundary = `----smooth${Math.random().toString(16).slice(2)}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: ${contentType}\r\n\r\n`),
    content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n' + ' '.repeat(100));

function pdfText(buf: Buffer): string {
  const file = path.join(os.tmpdir(), `doc-${Date.now()}-${Math.random().toString(16).slice(2)}.pdf`);
  fs.writeFileSync(file, buf);
  try {
    return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  } finally {
    fs.rmSync(file, { force: true });
  }
}

describeDb('employee documents and filing LMS PDFs', (env) => {
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
      body: { employeeCode: `DOC-${Date.now().toString(36)}-${++seq}`, fullName: `Doc Holder ${seq}`, ...(user ? { userId: user.id } : {}) },
    });
    return { emp: json<Emp>(res), user };
  }

  it('document types: create, default validity sets the expiry, duplicate names 409', async () => {
    const as = await ready();
    const t = await env.req('POST', '/api/employee-document-types', { as, body: { name: 'First Aid Card', expires: true, defaultValidityMonths: 24 } });
    expect(t.statusCode).toBe(201);
    const typeId = json<{ id: string }>(t).id;
    const dup = await env.req('POST', '/api/employee-document-types', { as, body: { name: 'First Aid Card' } });
    expect(dup.statusCode).toBe(409);
    expect(json(dup).code).toBe('NAME_TAKEN');
    // One type reads back by id (the desk opens it); an unknown id is 404, a learner 403.
    const one = await env.req('GET', `/api/employee-document-types/${typeId}`, { as });
    expect(one.statusCode).toBe(200);
    expect(json(one)).toEqual({ id: typeId, name: 'First Aid Card', expires: true, defaultValidityMonths: 24 });
    expect((await env.req('GET', '/api/employee-document-types/0000000000000000000000zzzz', { as })).statusCode).toBe(404);
    expect((await env.req('GET', `/api/employee-document-types/${typeId}`, { as: await env.user(['LMS Student']) })).statusCode).toBe(403);
    const { emp } = await employee();
    const d = await env.req('POST', '/api/employee-documents', { as, body: { employeeId: emp.id, documentTypeId: typeId, title: 'Card', issueDate: '2026-01-31' } });
    expect(d.statusCode).toBe(201);
    expect(json<EmployeeDocument>(d)).toMatchObject({ issueDate: '2026-01-31', expiryDate: '2028-01-31', fileId: null, source: null });
    const list = json<{ items: EmployeeDocument[] }>(await env.req('GET', `/api/employee-documents?employeeId=${emp.id}`, { as }));
    expect(list.items).toHaveLength(1);
    const types = json<{ items: { name: string }[] }>(await env.req('GET', '/api/employee-document-types', { as }));
    expect(types.items.map((x) => x.name)).toContain('First Aid Card');
  });

  it('refuses an expiry before the issue date, unknown employee/type and bad input, writing nothing', async () => {
    const as = await ready();
    const { emp } = await employee();
    const before = await env.count('employee_documents');
    const cases: [unknown, number][] = [
      [{ employeeId: emp.id, title: 'X', issueDate: '2026-05-01', expiryDate: '2026-04-30' }, 400],
      [{ employeeId: '0000000000000000000000zzzz', title: 'X' }, 400],
      [{ employeeId: emp.id, title: 'X', documentTypeId: '0000000000000000000000zzzz' }, 400],
      [{ employeeId: emp.id }, 400],
      [{ title: 'X' }, 400],
      [{ employeeId: emp.id, title: 5 }, 400],
      [{ employeeId: emp.id, title: 'X', fileId: 'abc' }, 400],
      [{ employeeId: emp.id, title: 'x'.repeat(201) }, 400],
    ];
    for (const [body, status] of cases) {
      const res = await env.req('POST', '/api/employee-documents', { as, body });
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(json(res).code).toBe('VALIDATION_FAILED');
    }
    expect(await env.count('employee_documents')).toBe(before);
    const ok = json<EmployeeDocument>(await env.req('POST', '/api/employee-documents', { as, body: { employeeId: emp.id, title: 'Fine', issueDate: '2026-05-01' } }));
    const bad = await env.req('PATCH', `/api/employee-documents/${ok.id}`, { as, body: { expiryDate: '2026-01-01' } });
    expect(bad.statusCode).toBe(400);
    expect(json<EmployeeDocument>(await env.req('GET', `/api/employee-documents/${ok.id}`, { as })).expiryDate).toBeNull();
  });

  it('uploads a file; HR and the employee download it, another learner gets 404 and cannot list', async () => {
    const as = await ready();
    const { emp, user } = await employee();
    const doc = json<EmployeeDocument>(await env.req('POST', '/api/employee-documents', { as, body: { employeeId: emp.id, title: 'Contract' } }));
    const up = multipart('file', 'contract.pdf', PDF, 'application/pdf');
    const res = await env.app.inject({ method: 'PUT', url: `/api/employee-documents/${doc.id}/file`, headers: { ...up.headers, cookie: as.cookie, origin: 'http://localhost:80', host: 'localhost:80' }, payload: up.body });
    expect(res.statusCode).toBe(200);
    const withFile = json<EmployeeDocument>(res);
    expect(withFile.fileName).toBe('contract.pdf');
    const dl = await env.req('GET', `/api/employee-documents/${doc.id}/file`, { as: user! });
    expect(dl.statusCode).toBe(200);
    expect(dl.headers['content-type']).toBe('application/pdf');
    expect(dl.rawPayload.equals(PDF)).toBe(true);
    expect((await env.req('GET', `/api/employee-documents/${doc.id}`, { as: user! })).statusCode).toBe(200);

    const stranger = await env.user(['LMS Student']);
    expect((await env.req('GET', `/api/employee-documents/${doc.id}`, { as: stranger })).statusCode).toBe(404);
    expect((await env.req('GET', `/api/employee-documents/${doc.id}/file`, { as: stranger })).statusCode).toBe(404);
    expect((await env.req('GET', '/api/employee-documents', { as: stranger })).statusCode).toBe(403);
    expect((await env.req('GET', '/api/employee-documents', { as: await env.user(['Moderator']) })).statusCode).toBe(403);

    // Not a PDF/image: 415 and no file row.
    const files = await env.count('files');
    const txt = multipart('file', 'notes.txt', Buffer.from('just text, not a document'), 'text/plain');
    const bad = await env.app.inject({ method: 'PUT', url: `/api/employee-documents/${doc.id}/file`, headers: { ...txt.headers, cookie: as.cookie, origin: 'http://localhost:80', host: 'localhost:80' }, payload: txt.body });
    expect(bad.statusCode).toBe(415);
    expect(await env.count('files')).toBe(files);
    const ghost = await env.app.inject({ method: 'PUT', url: `/api/employee-documents/0000000000000000000000zzzz/file`, headers: { ...up.headers, cookie: as.cookie, origin: 'http://localhost:80', host: 'localhost:80' }, payload: up.body });
    expect(ghost.statusCode).toBe(404);
    expect(await env.count('files')).toBe(files);

    // The portal profile shows the employee their own documents.
    const me = json<{ employee: { id: string }; documents: EmployeeDocument[] }>(await env.req('GET', '/api/me/hr', { as: user! }));
    expect(me.employee.id).toBe(emp.id);
    expect(me.documents.map((d) => d.id)).toEqual([doc.id]);
    const nobody = json<{ employee: null; documents: unknown[] }>(await env.req('GET', '/api/me/hr', { as: stranger }));
    expect(nobody).toMatchObject({ employee: null, documents: [] });
  });

  it('files an LMS certificate PDF on the employee record once: filing again (or 10 times in parallel) gives the same document', async () => {
    const as = await ready();
    const moderator = await env.user(['Moderator']);
    const { emp, user } = await employee();
    const { courseId } = await makeCourse(env, { title: 'Forklift Safety', enableCertification: true });
    const cert = await env.req('POST', '/api/certificates', { as: moderator, body: { memberId: user!.id, courseId } });
    expect(cert.statusCode).toBe(201);
    const certId = json<{ id: string }>(cert).id;

    const files = await env.count('files');
    const first = await env.req('POST', '/api/employee-documents/from-lms', { as, body: { kind: 'certificate', id: certId } });
    expect(first.statusCode).toBe(201);
    const doc = json<EmployeeDocument>(first);
    expect(doc).toMatchObject({ employeeId: emp.id, title: 'Certificate: Forklift Safety', source: { kind: 'certificate', id: certId } });
    expect(doc.fileId).toBeTruthy();
    const pdf = await env.req('GET', `/api/employee-documents/${doc.id}/file`, { as });
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdfText(pdf.rawPayload)).toContain('Forklift Safety');

    const second = await env.req('POST', '/api/employee-documents/from-lms', { as, body: { kind: 'certificate', id: certId } });
    expect(second.statusCode).toBe(200);
    expect(json<EmployeeDocument>(second).id).toBe(doc.id);
    expect(await env.count('files')).toBe(files + 1);

    // Parallel filings of another certificate: one document, one file kept.
    const { courseId: c2 } = await makeCourse(env, { title: 'Hazmat', enableCertification: true });
    const cert2 = json<{ id: string }>(await env.req('POST', '/api/certificates', { as: moderator, body: { memberId: user!.id, courseId: c2 } })).id;
    const results = await Promise.all(Array.from({ length: 10 }, () => env.req('POST', '/api/employee-documents/from-lms', { as, body: { kind: 'certificate', id: cert2 } })));
    expect(results.every((r) => r.statusCode === 200 || r.statusCode === 201)).toBe(true);
    expect(new Set(results.map((r) => json<EmployeeDocument>(r).id)).size).toBe(1);
    const rows = await env.ctx.db.selectFrom('employee_documents').select('id').where('source_kind', '=', 'certificate').where('source_id', '=', cert2).execute();
    expect(rows).toHaveLength(1);
    expect(await env.count('files')).toBe(files + 2);
  });

  it('files a Course Quiz PDF of an enrollment; refuses learners without an employee record, unknown sources and bad kinds', async () => {
    const as = await ready();
    const { emp, user } = await employee();
    const { courseId } = await makeCourse(env, { title: 'Audit Prep' });
    const enr = await env.req('POST', `/api/courses/${courseId}/enroll`, { as: user! });
    expect(enr.statusCode).toBe(201);
    const res = await env.req('POST', '/api/employee-documents/from-lms', { as, body: { kind: 'course-quiz-report', id: json<{ id: string }>(enr).id } });
    expect(res.statusCode).toBe(201);
    expect(json<EmployeeDocument>(res)).toMatchObject({ employeeId: emp.id, title: 'Course quiz report: Audit Prep' });

    const outsider = await env.user(['LMS Student']);
    const e2 = json<{ id: string }>(await env.req('POST', `/api/courses/${courseId}/enroll`, { as: outsider }));
    const before = { docs: await env.count('employee_documents'), files: await env.count('files') };
    const notEmployee = await env.req('POST', '/api/employee-documents/from-lms', { as, body: { kind: 'course-quiz-report', id: e2.id } });
    expect(notEmployee.statusCode).toBe(422);
    expect(json(notEmployee).code).toBe('NOT_AN_EMPLOYEE');
    const cases: [unknown, number][] = [
      [{ kind: 'certificate', id: '0000000000000000000000zzzz' }, 404],
      [{ kind: 'quiz-submission', id: '0000000000000000000000zzzz' }, 404],
      [{ kind: 'payslip', id: e2.id }, 400],
      [{ kind: 'certificate' }, 400],
      [{ kind: 'certificate', id: e2.id, extra: 1 }, 400],
    ];
    for (const [body, status] of cases) expect((await env.req('POST', '/api/employee-documents/from-lms', { as, body })).statusCode, JSON.stringify(body)).toBe(status);
    expect({ docs: await env.count('employee_documents'), files: await env.count('files') }).toEqual(before);
    expect((await env.req('POST', '/api/employee-documents/from-lms', { as: user!, body: { kind: 'course-quiz-report', id: e2.id } })).statusCode).toBe(403);
  });

  it('deleting a document removes its file and keeps the audit entry', async () => {
    const as = await ready();
    const { emp } = await employee(false);
    const doc = json<EmployeeDocument>(await env.req('POST', '/api/employee-documents', { as, body: { employeeId: emp.id, title: 'Old ID' } }));
    const del = await env.req('DELETE', `/api/employee-documents/${doc.id}`, { as });
    expect(del.statusCode).toBe(204);
    expect((await env.req('GET', `/api/employee-documents/${doc.id}`, { as })).statusCode).toBe(404);
    const audit = await env.ctx.db.selectFrom('audit_log').select('action').where('entity_id', '=', doc.id).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['create', 'delete']);
  });
});
