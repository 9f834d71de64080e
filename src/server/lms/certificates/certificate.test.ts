import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { describeDb, json, type TestEnv, type TestUser } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import { addMonths, certificateExpiryJob } from './certificate.service.ts';
import { reapZipJobs, stopZipJobs, ZIP_JOB_STALE_MS } from './certificate-export.service.ts';

const run = promisify(execFile);

type Cert = {
  id: string;
  memberId: string;
  courseId: string;
  issueDate: string;
  expiryDate: string | null;
  status: string;
  verificationCode: string;
  verificationUrl: string;
  source: string;
  revokeReason: string | null;
};

async function pdfText(buf: Buffer): Promise<string> {
  const file = path.join(os.tmpdir(), `cert-${process.pid}-${Math.random().toString(36).slice(2)}.pdf`);
  fs.writeFileSync(file, buf);
  try {
    const { stdout } = await run('pdftotext', ['-enc', 'UTF-8', file, '-']);
    return stdout;
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** Entries of a stored zip: names and data, read through the central directory. */
function readZip(buf: Buffer): { name: string; data: Buffer }[] {
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(eocd).toBeGreaterThanOrEqual(0);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out: { name: string; data: Buffer }[] = [];
  for (let i = 0; i < count; i++) {
    expect(buf.readUInt32LE(p)).toBe(0x02014b50);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extra = buf.readUInt16LE(p + 30);
    const comment = buf.readUInt16LE(p + 32);
    const offset = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    expect(buf.readUInt32LE(offset)).toBe(0x04034b50);
    const localName = buf.readUInt16LE(offset + 26);
    const localExtra = buf.readUInt16LE(offset + 28);
    const start = offset + 30 + localName + localExtra;
    out.push({ name, data: buf.subarray(start, start + size) });
    p += 46 + nameLen + extra + comment;
  }
  return out;
}

async function certCourse(
  env: TestEnv,
  opts: { mode?: 'auto' | 'claim'; validityMonths?: number | null; lessons?: number; title?: string } = {},
) {
  const c = await makeCourse(env, { enableCertification: true, lessons: opts.lessons ?? 2, ...(opts.title ? { title: opts.title } : {}) });
  await env.ctx.db
    .updateTable('courses')
    .set({ certificate_issue_mode: opts.mode ?? 'auto', certificate_validity_months: opts.validityMonths ?? null })
    .where('id', '=', c.courseId)
    .execute();
  return c;
}

async function completeCourse(env: TestEnv, learner: TestUser, c: { courseId: string; lessonIds: string[] }, upTo = c.lessonIds.length) {
  const e = await env.req('POST', `/api/courses/${c.courseId}/enroll`, { as: learner });
  expect(e.statusCode).toBe(201);
  for (const l of c.lessonIds.slice(0, upTo)) {
    const r = await env.req('POST', `/api/lessons/${l}/complete`, { as: learner });
    expect(r.statusCode).toBe(200);
  }
}

async function certAudit(env: TestEnv): Promise<number> {
  const r = await env.ctx.db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('entity', '=', 'certificate')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

async function certRows(env: TestEnv, memberId: string, courseId: string) {
  return env.ctx.db.selectFrom('certificates').selectAll().where('member_id', '=', memberId).where('course_id', '=', courseId).execute();
}

describeDb('certificates', (env) => {
  it('auto mode: reaching 100% issues the certificate in the completing request, with audit and expiry from the course validity', async () => {
    const learner = await env.user();
    const c = await certCourse(env, { mode: 'auto', validityMonths: 12 });
    await completeCourse(env, learner, c, 1);
    expect(await certRows(env, learner.id, c.courseId)).toHaveLength(0);
    const last = await env.req('POST', `/api/lessons/${c.lessonIds[1]}/complete`, { as: learner });
    expect(json<{ enrollment: { progress: number } }>(last).enrollment.progress).toBe(100);
    const rows = await certRows(env, learner.id, c.courseId);
    expect(rows).toHaveLength(1);
    // Issued by the course on completion, not by the learner who completed it.
    expect([rows[0]!.source, rows[0]!.issued_by]).toEqual(['auto', null]);

    const mine = await env.req('GET', '/api/me/certificates', { as: learner });
    expect(mine.statusCode).toBe(200);
    const [cert] = json<Cert[]>(mine);
    const today = new Date().toISOString().slice(0, 10);
    expect(cert).toMatchObject({
      memberId: learner.id,
      courseId: c.courseId,
      issueDate: today,
      expiryDate: addMonths(today, 12),
      status: 'valid',
    });
    expect(cert!.verificationCode.length).toBeGreaterThanOrEqual(20);
    expect(cert!.verificationUrl).toBe(`http://localhost:${env.config.port}/lms/certificates/verify/${cert!.verificationCode}`);

    const audit = await env.ctx.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity', '=', 'certificate')
      .where('entity_id', '=', cert!.id)
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['issue']);

    // Claiming afterwards answers the same certificate with 200.
    const claim = await env.req('POST', `/api/courses/${c.courseId}/certificate`, { as: learner });
    expect(claim.statusCode).toBe(200);
    expect(json<Cert>(claim).id).toBe(cert!.id);

    const state = json<{ eligible: boolean; certificate: Cert | null; issueMode: string }>(
      await env.req('GET', `/api/courses/${c.courseId}/certificate`, { as: learner }),
    );
    expect(state).toMatchObject({ eligible: true, issueMode: 'auto' });
    expect(state.certificate?.id).toBe(cert!.id);
  });

  it('a course without certification issues nothing at 100% and refuses claims with 422 CERTIFICATION_DISABLED', async () => {
    const learner = await env.user();
    const c = await makeCourse(env, { lessons: 1 });
    await completeCourse(env, learner, c);
    const before = await env.count('certificates');
    const r = await env.req('POST', `/api/courses/${c.courseId}/certificate`, { as: learner });
    expect(r.statusCode).toBe(422);
    expect(json(r).code).toBe('CERTIFICATION_DISABLED');
    expect(await env.count('certificates')).toBe(before);
    expect(await certRows(env, learner.id, c.courseId)).toHaveLength(0);
  });

  it('claim mode: nothing at 100% until the learner claims; 201 first, 200 with the same certificate after', async () => {
    const learner = await env.user();
    const c = await certCourse(env, { mode: 'claim' });
    await completeCourse(env, learner, c);
    expect(await certRows(env, learner.id, c.courseId)).toHaveLength(0);
    const first = await env.req('POST', `/api/courses/${c.courseId}/certificate`, { as: learner });
    expect(first.statusCode).toBe(201);
    expect(json<Cert>(first)).toMatchObject({
      memberId: learner.id,
      courseId: c.courseId,
      status: 'valid',
      source: 'claim',
      expiryDate: null,
    });
    const again = await env.req('POST', `/api/courses/${c.courseId}/certificate`, { as: learner });
    expect(again.statusCode).toBe(200);
    expect(json<Cert>(again).id).toBe(json<Cert>(first).id);
    expect(await certRows(env, learner.id, c.courseId)).toHaveLength(1);
  });

  it('refuses claims below 100% (422 COURSE_NOT_COMPLETED), when not enrolled, and for unknown or malformed courses, writing nothing', async () => {
    const learner = await env.user();
    const c = await certCourse(env, { mode: 'claim', lessons: 3 });
    await completeCourse(env, learner, c, 2);
    const before = await env.count('certificates');
    const auditBefore = await certAudit(env);
    const below = await env.req('POST', `/api/courses/${c.courseId}/certificate`, { as: learner });
    expect(below.statusCode).toBe(422);
    expect(json(below)).toMatchObject({ code: 'COURSE_NOT_COMPLETED', progress: 66 });
    expect(json<{ detail: string }>(below).detail).toContain('66%');

    const stranger = await env.user();
    const notEnrolled = await env.req('POST', `/api/courses/${c.courseId}/certificate`, { as: stranger });
    expect(notEnrolled.statusCode).toBe(422);
    expect(json(notEnrolled).code).toBe('COURSE_NOT_COMPLETED');

    const unknown = await env.req('POST', '/api/courses/0000000000000000000000zzzz/certificate', { as: learner });
    expect(unknown.statusCode).toBe(404);
    const malformed = await env.req('POST', '/api/courses/NOT-AN-ID/certificate', { as: learner });
    expect(malformed.statusCode).toBe(400);
    expect(json(malformed).code).toBe('VALIDATION_FAILED');
    const anonymous = await env.req('POST', `/api/courses/${c.courseId}/certificate`);
    expect(anonymous.statusCode).toBe(401);

    const unpublished = await makeCourse(env, { published: false, enableCertification: true });
    const hidden = await env.req('POST', `/api/courses/${unpublished.courseId}/certificate`, { as: learner });
    expect(hidden.statusCode).toBe(404);

    expect(await env.count('certificates')).toBe(before);
    expect(await certAudit(env)).toBe(auditBefore);
  });

  it('20 concurrent claims make one certificate: one 201, the rest 200 with the same id', async () => {
    const learner = await env.user();
    const c = await certCourse(env, { mode: 'claim', lessons: 1 });
    await completeCourse(env, learner, c);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => env.req('POST', `/api/courses/${c.courseId}/certificate`, { as: learner })),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, ...Array<number>(19).fill(200)].sort());
    const ids = new Set(results.map((r) => json<Cert>(r).id));
    expect(ids.size).toBe(1);
    const rows = await certRows(env, learner.id, c.courseId);
    expect(rows).toHaveLength(1);
    const audit = await env.ctx.db
      .selectFrom('audit_log')
      .select('id')
      .where('entity', '=', 'certificate')
      .where('entity_id', '=', rows[0]!.id)
      .execute();
    expect(audit).toHaveLength(1);
  });

  it('concurrent manual issues for one member + course make one row: one 201, the rest 409 CERTIFICATE_EXISTS', async () => {
    const mod = await env.user(['Moderator']);
    const learner = await env.user();
    const c = await certCourse(env);
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        env.req('POST', '/api/certificates', { as: mod, body: { memberId: learner.id, courseId: c.courseId } }),
      ),
    );
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    const conflicts = results.filter((r) => r.statusCode === 409);
    expect(conflicts).toHaveLength(9);
    const id = json<Cert>(results.find((r) => r.statusCode === 201)!).id;
    for (const r of conflicts) expect(json(r)).toMatchObject({ code: 'CERTIFICATE_EXISTS', certificateId: id });
    expect(await certRows(env, learner.id, c.courseId)).toHaveLength(1);
  });

  it('staff issue manually; bad input is refused with the right code and writes nothing', async () => {
    const mod = await env.user(['Moderator']);
    const learner = await env.user();
    const otherLearner = await env.user();
    const c = await certCourse(env, { validityMonths: 6 });
    const before = await env.count('certificates');
    const auditBefore = await certAudit(env);
    const bad: [unknown, number, string][] = [
      [{}, 400, 'VALIDATION_FAILED'],
      [{ memberId: learner.id }, 400, 'VALIDATION_FAILED'],
      [{ memberId: 42, courseId: c.courseId }, 400, 'VALIDATION_FAILED'],
      [{ memberId: learner.id, courseId: c.courseId, extra: true }, 400, 'VALIDATION_FAILED'],
      [{ memberId: learner.id, courseId: c.courseId, issueDate: '2026-02-30' }, 400, 'VALIDATION_FAILED'],
      [{ memberId: learner.id, courseId: c.courseId, issueDate: '2999-01-01' }, 400, 'VALIDATION_FAILED'],
      [{ memberId: '0000000000000000000000zzzz', courseId: c.courseId }, 400, 'VALIDATION_FAILED'],
      [{ memberId: learner.id, courseId: '0000000000000000000000zzzz' }, 404, 'NOT_FOUND'],
      [{ memberId: 'x'.repeat(5000), courseId: c.courseId }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [body, status, code] of bad) {
      const r = await env.req('POST', '/api/certificates', { as: mod, body });
      expect(r.statusCode, JSON.stringify(body).slice(0, 80)).toBe(status);
      expect(json(r).code).toBe(code);
    }
    const asLearner = await env.req('POST', '/api/certificates', {
      as: otherLearner,
      body: { memberId: otherLearner.id, courseId: c.courseId },
    });
    expect(asLearner.statusCode).toBe(403);
    expect(json(asLearner).code).toBe('FORBIDDEN');
    const creator = await env.user(['Course Creator']);
    const notTheirs = await env.req('POST', '/api/certificates', { as: creator, body: { memberId: learner.id, courseId: c.courseId } });
    expect(notTheirs.statusCode).toBe(403);
    expect(await env.count('certificates')).toBe(before);
    expect(await certAudit(env)).toBe(auditBefore);

    const ok = await env.req('POST', '/api/certificates', {
      as: mod,
      body: { memberId: learner.id, courseId: c.courseId, issueDate: '2026-01-31', reason: 'Paper certificate on file' },
    });
    expect(ok.statusCode).toBe(201);
    expect(json<Cert>(ok)).toMatchObject({ source: 'manual', issueDate: '2026-01-31', expiryDate: '2026-07-31', issuedBy: mod.id });
  });

  it('verification: public, shows holder, course, dates and status only; valid, expired, revoked and unknown codes', async () => {
    const mod = await env.user(['Moderator']);
    const holder = await env.user(['LMS Student'], 'Ана Петровић');
    const current = await certCourse(env, { title: 'Working at Height' });
    const old = await certCourse(env, { title: 'First Aid', validityMonths: 12 });
    const valid = json<Cert>(
      await env.req('POST', '/api/certificates', { as: mod, body: { memberId: holder.id, courseId: current.courseId } }),
    );
    const expired = json<Cert>(
      await env.req('POST', '/api/certificates', {
        as: mod,
        body: { memberId: holder.id, courseId: old.courseId, issueDate: '2020-03-15', reason: 'Paper certificate on file' },
      }),
    );
    expect(expired).toMatchObject({ status: 'expired', expiryDate: '2021-03-15' });

    const v = await env.req('GET', `/api/certificates/verify/${valid.verificationCode}`);
    expect(v.statusCode).toBe(200);
    const body = json(v);
    expect(body).toEqual({
      holderName: 'Ана Петровић',
      courseTitle: 'Working at Height',
      issueDate: valid.issueDate,
      expiryDate: null,
      status: 'valid',
    });
    expect(v.body).not.toContain(holder.email);
    expect(v.body).not.toContain(holder.id);

    const e = json(await env.req('GET', `/api/certificates/verify/${expired.verificationCode}`));
    expect(e).toMatchObject({ status: 'expired', expiryDate: '2021-03-15', courseTitle: 'First Aid' });

    const revoke = await env.req('POST', `/api/certificates/${valid.id}/revoke`, { as: mod, body: { reason: 'Issued in error' } });
    expect(revoke.statusCode).toBe(200);
    expect(json(await env.req('GET', `/api/certificates/verify/${valid.verificationCode}`)).status).toBe('revoked');

    const unknown = await env.req('GET', '/api/certificates/verify/this-code-does-not-exist');
    expect(unknown.statusCode).toBe(404);
    expect(json(unknown).code).toBe('NOT_FOUND');
    expect(env.built.routes.find((r) => r.url === '/api/certificates/verify/:code')?.access).toBe('public');
  });

  it('revocation: Moderators revoke with a reason; the row stays, audited; second revoke 409; learners 403; bad bodies 400', async () => {
    const mod = await env.user(['Moderator']);
    const learner = await env.user();
    const c = await certCourse(env, { mode: 'claim', lessons: 1 });
    await completeCourse(env, learner, c);
    const cert = json<Cert>(await env.req('POST', `/api/courses/${c.courseId}/certificate`, { as: learner }));

    const auditBefore = await certAudit(env);
    for (const body of [{}, { reason: '' }, { reason: '   ' }, { reason: 5 }, { reason: 'ok', extra: 1 }, { reason: 'x'.repeat(1001) }]) {
      const r = await env.req('POST', `/api/certificates/${cert.id}/revoke`, { as: mod, body });
      expect(r.statusCode, JSON.stringify(body).slice(0, 40)).toBe(400);
      expect(json(r).code).toBe('VALIDATION_FAILED');
    }
    const byLearner = await env.req('POST', `/api/certificates/${cert.id}/revoke`, { as: learner, body: { reason: 'mine' } });
    expect(byLearner.statusCode).toBe(403);
    const unknown = await env.req('POST', '/api/certificates/0000000000000000000000zzzz/revoke', { as: mod, body: { reason: 'x' } });
    expect(unknown.statusCode).toBe(404);
    expect(await certAudit(env)).toBe(auditBefore);
    expect((await certRows(env, learner.id, c.courseId))[0]!.revoked_at).toBeNull();

    const ok = await env.req('POST', `/api/certificates/${cert.id}/revoke`, { as: mod, body: { reason: 'Exam irregularity' } });
    expect(ok.statusCode).toBe(200);
    expect(json<Cert>(ok)).toMatchObject({ status: 'revoked', revokeReason: 'Exam irregularity' });
    const twice = await env.req('POST', `/api/certificates/${cert.id}/revoke`, { as: mod, body: { reason: 'again' } });
    expect(twice.statusCode).toBe(409);
    expect(json(twice).code).toBe('ALREADY_REVOKED');

    // Still on record: the learner sees it as revoked, a claim returns the revoked one (no new row).
    expect(json<Cert[]>(await env.req('GET', '/api/me/certificates', { as: learner }))[0]).toMatchObject({
      id: cert.id,
      status: 'revoked',
    });
    const reclaim = await env.req('POST', `/api/courses/${c.courseId}/certificate`, { as: learner });
    expect(reclaim.statusCode).toBe(200);
    expect(json<Cert>(reclaim).status).toBe('revoked');
    expect(await certRows(env, learner.id, c.courseId)).toHaveLength(1);
    const audit = await env.ctx.db
      .selectFrom('audit_log')
      .selectAll()
      .where('entity', '=', 'certificate')
      .where('entity_id', '=', cert.id)
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['issue', 'revoke']);
    expect(JSON.parse(audit[1]!.after_json!)).toMatchObject({ status: 'revoked', revokeReason: 'Exam irregularity' });
  });

  it("another learner's certificate is 404 (read, PDF, list filter); staff readers see it", async () => {
    const owner = await env.user();
    const other = await env.user();
    const hr = await env.user(['HR User']);
    const c = await certCourse(env, { mode: 'auto', lessons: 1 });
    await completeCourse(env, owner, c);
    const cert = json<Cert[]>(await env.req('GET', '/api/me/certificates', { as: owner }))[0]!;
    expect((await env.req('GET', `/api/certificates/${cert.id}`, { as: other })).statusCode).toBe(404);
    const pdf = await env.req('GET', `/api/certificates/${cert.id}/pdf`, { as: other });
    expect(pdf.statusCode).toBe(404);
    expect(json(pdf).code).toBe('NOT_FOUND');
    const list = json<{ items: Cert[] }>(await env.req('GET', `/api/certificates?memberId=${owner.id}`, { as: other }));
    expect(list.items).toEqual([]);
    expect(json<Cert[]>(await env.req('GET', '/api/me/certificates', { as: other }))).toEqual([]);
    expect((await env.req('GET', `/api/certificates/${cert.id}`, { as: owner })).statusCode).toBe(200);
    expect(json<Cert>(await env.req('GET', `/api/certificates/${cert.id}`, { as: hr })).id).toBe(cert.id);
    expect((await env.req('GET', `/api/certificates/${cert.id}`)).statusCode).toBe(401);
  });

  it('the PDF carries the holder name (non-Latin too), the course, the dates and the verification URL', async () => {
    const learner = await env.user(['LMS Student'], 'Zoë Łukasiewicz-Дмитриева');
    const c = await certCourse(env, { mode: 'claim', lessons: 1, title: 'Brandschutz für Fortgeschrittene', validityMonths: 24 });
    // The course page says what completing it earns.
    const outline = json<{ course: Record<string, unknown> }>(await env.req('GET', `/api/courses/${c.courseId}/outline`, { as: learner }));
    expect(outline.course).toMatchObject({ enableCertification: true, evaluationRequired: false, certificateValidityMonths: 24 });
    await completeCourse(env, learner, c);
    const cert = json<Cert>(await env.req('POST', `/api/courses/${c.courseId}/certificate`, { as: learner }));
    const res = await env.req('GET', `/api/certificates/${cert.id}/pdf?download=true`, { as: learner });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(String(res.headers['content-disposition'])).toMatch(/^attachment;/);
    // Named for people: holder, course and issue day (no internal id).
    expect(decodeURIComponent(String(res.headers['content-disposition']))).toContain(
      `Zoë Łukasiewicz-Дмитриева - Brandschutz für Fortgeschrittene - ${cert.issueDate}.pdf`,
    );
    expect(res.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const text = (await pdfText(res.rawPayload)).replace(/\s+/g, ' ');
    expect(text).toContain('Zoë Łukasiewicz-Дмитриева');
    expect(text).toContain('Brandschutz für Fortgeschrittene');
    expect(text).toContain('Certificate of Completion');
    expect(text).toContain(cert.verificationUrl);
    expect(text).not.toContain(cert.id);
    const bad = await env.req('GET', `/api/certificates/${cert.id}/pdf?download=maybe`, { as: learner });
    expect(bad.statusCode).toBe(400);
  });

  it('lists with filters (course, member, status, expiringBefore), keyset pages and totals; bad filters 400', async () => {
    const mod = await env.user(['Moderator']);
    const a = await env.user();
    const b = await env.user();
    const c1 = await certCourse(env, { validityMonths: 12 });
    const c2 = await certCourse(env);
    const issue = async (memberId: string, courseId: string, issueDate?: string) =>
      json<Cert>(
        await env.req('POST', '/api/certificates', {
          as: mod,
          body: { memberId, courseId, ...(issueDate ? { issueDate, reason: 'Paper certificate on file' } : {}) },
        }),
      );
    const aOld = await issue(a.id, c1.courseId, '2020-01-10');
    const bNew = await issue(b.id, c1.courseId);
    const aForever = await issue(a.id, c2.courseId);
    const bRevoked = await issue(b.id, c2.courseId);
    await env.req('POST', `/api/certificates/${bRevoked.id}/revoke`, { as: mod, body: { reason: 'duplicate' } });

    const get = async (qs: string) => {
      const r = await env.req('GET', `/api/certificates?${qs}`, { as: mod });
      expect(r.statusCode, qs).toBe(200);
      return json<{ items: Cert[]; nextCursor: string | null; total?: number }>(r);
    };
    const ids = (p: { items: Cert[] }) => p.items.map((x) => x.id).sort();
    expect(ids(await get(`courseId=${c1.courseId}`))).toEqual([aOld.id, bNew.id].sort());
    expect(ids(await get(`memberId=${a.id}`))).toEqual([aOld.id, aForever.id].sort());
    expect(ids(await get(`courseId=${c1.courseId}&status=expired`))).toEqual([aOld.id]);
    expect(ids(await get(`courseId=${c2.courseId}&status=revoked`))).toEqual([bRevoked.id]);
    expect(ids(await get(`memberId=${a.id}&status=valid`))).toEqual([aForever.id]);
    const soon = addMonths(new Date().toISOString().slice(0, 10), 13);
    expect(ids(await get(`courseId=${c1.courseId}&expiringBefore=${soon}`))).toEqual([aOld.id, bNew.id].sort());
    expect(ids(await get(`courseId=${c1.courseId}&expiringBefore=2021-02-01`))).toEqual([aOld.id]);

    const p1 = await get(`courseId=${c2.courseId}&limit=1&withTotal=true`);
    expect(p1.items).toHaveLength(1);
    expect(p1.total).toBe(2);
    expect(p1.nextCursor).not.toBeNull();
    const p2 = await get(`courseId=${c2.courseId}&limit=1&cursor=${p1.nextCursor}`);
    expect(p2.items).toHaveLength(1);
    expect(p2.nextCursor).toBeNull();
    expect(new Set([...ids(p1), ...ids(p2)]).size).toBe(2);

    for (const qs of ['status=lost', 'expiringBefore=2026-13-01', 'limit=0', 'limit=501', 'memberId=BAD!', 'nope=1']) {
      const r = await env.req('GET', `/api/certificates?${qs}`, { as: mod });
      expect(r.statusCode, qs).toBe(400);
      expect(json(r).code).toBe('VALIDATION_FAILED');
    }
    // Learners only ever list their own.
    const own = json<{ items: Cert[] }>(await env.req('GET', '/api/certificates?limit=500', { as: a }));
    expect(own.items.every((x) => x.memberId === a.id)).toBe(true);
    expect(own.items).toHaveLength(2);
  });

  it('the daily expiry job marks expired and expiring-within-30-days certificates once; revoked ones are skipped', async () => {
    const mod = await env.user(['Moderator']);
    const people = await Promise.all([env.user(), env.user(), env.user(), env.user()]);
    const year = await certCourse(env, { validityMonths: 12 });
    const today = new Date().toISOString().slice(0, 10);
    const lastYear = addMonths(today, -12);
    const issue = async (i: number, issueDate: string) =>
      json<Cert>(
        await env.req('POST', '/api/certificates', {
          as: mod,
          body: { memberId: people[i]!.id, courseId: year.courseId, issueDate, reason: 'Paper certificate on file' },
        }),
      );
    const expired = await issue(0, addMonths(today, -13));
    const expiring = await issue(1, addMonths(addMonths(today, 10), -22)); // expires in ~10 days... computed below
    const fresh = await issue(2, today);
    const revoked = await issue(3, addMonths(today, -14));
    await env.req('POST', `/api/certificates/${revoked.id}/revoke`, { as: mod, body: { reason: 'x' } });
    // Make one expire in exactly 10 days regardless of month lengths.
    const in10 = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    await env.ctx.db.updateTable('certificates').set({ expiry_date: in10, issue_date: lastYear }).where('id', '=', expiring.id).execute();

    expect(certificateExpiryJob.name).toBe('certificates.expiry');
    await certificateExpiryJob.run(env.ctx);
    const notice = async (id: string) =>
      (await env.ctx.db.selectFrom('certificates').select('expiry_notice').where('id', '=', id).executeTakeFirstOrThrow()).expiry_notice;
    expect(await notice(expired.id)).toBe('expired');
    expect(await notice(expiring.id)).toBe('expiring');
    expect(await notice(fresh.id)).toBeNull();
    expect(await notice(revoked.id)).toBeNull();
    const again = await certificateExpiryJob.run(env.ctx);
    expect(again).toMatchObject({ expiring: 0 });
    expect(json<Cert>(await env.req('GET', `/api/certificates/${expired.id}`, { as: mod })).status).toBe('expired');
    expect(json<Cert>(await env.req('GET', `/api/certificates/${expiring.id}`, { as: mod })).status).toBe('valid');
  });

  it('zip export: streamed zip of the filtered PDFs, and a zip job with progress whose download matches; other users get 404', async () => {
    const mod = await env.user(['Moderator']);
    const c = await certCourse(env, { title: 'Zip Course' });
    const people = await Promise.all([env.user(['LMS Student'], 'Örjan Ångström'), env.user(), env.user()]);
    for (const p of people) {
      expect((await env.req('POST', '/api/certificates', { as: mod, body: { memberId: p.id, courseId: c.courseId } })).statusCode).toBe(
        201,
      );
    }
    const res = await env.req('GET', `/api/certificates/export.zip?courseId=${c.courseId}`, { as: mod });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    const entries = readZip(res.rawPayload);
    expect(entries).toHaveLength(3);
    expect(entries.every((e) => e.data.subarray(0, 5).toString() === '%PDF-')).toBe(true);
    expect(entries.some((e) => e.name.startsWith('Örjan Ångström - Zip Course - '))).toBe(true);
    expect(await pdfText(entries.find((e) => e.name.startsWith('Örjan'))!.data)).toContain('Örjan Ångström');

    const learner = people[0];
    expect((await env.req('GET', `/api/certificates/export.zip?courseId=${c.courseId}`, { as: learner })).statusCode).toBe(403);
    expect((await env.req('GET', '/api/certificates/export.zip?status=bogus', { as: mod })).statusCode).toBe(400);

    const bad = await env.req('POST', '/api/certificates/zip-jobs', { as: mod, body: { filters: { courseId: c.courseId, extra: 1 } } });
    expect(bad.statusCode).toBe(400);
    const jobsBefore = await env.count('certificate_zip_jobs');
    expect(jobsBefore).toBe(0);
    const start = await env.req('POST', '/api/certificates/zip-jobs', { as: mod, body: { filters: { courseId: c.courseId } } });
    expect(start.statusCode).toBe(202);
    const { jobId, total } = json<{ jobId: string; total: number }>(start);
    expect(total).toBe(3);
    let job = { status: 'queued', processed: 0, total: 3, downloadUrl: null as string | null };
    const early = await env.req('GET', `/api/certificates/zip-jobs/${jobId}/download`, { as: mod });
    expect([200, 409]).toContain(early.statusCode);
    for (let i = 0; i < 200 && job.status !== 'done' && job.status !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      job = json(await env.req('GET', `/api/certificates/zip-jobs/${jobId}`, { as: mod }));
    }
    expect(job).toMatchObject({ status: 'done', processed: 3, total: 3, downloadUrl: `/api/certificates/zip-jobs/${jobId}/download` });
    const dl = await env.req('GET', job.downloadUrl!, { as: mod });
    expect(dl.statusCode).toBe(200);
    expect(dl.headers['content-type']).toBe('application/zip');
    expect(
      readZip(dl.rawPayload)
        .map((e) => e.name)
        .sort(),
    ).toEqual(entries.map((e) => e.name).sort());

    const otherMod = await env.user(['Moderator']);
    expect((await env.req('GET', `/api/certificates/zip-jobs/${jobId}`, { as: otherMod })).statusCode).toBe(404);
    expect((await env.req('GET', `/api/certificates/zip-jobs/${jobId}/download`, { as: otherMod })).statusCode).toBe(404);
    expect((await env.req('GET', '/api/certificates/zip-jobs/0000000000000000000000zzzz', { as: mod })).statusCode).toBe(404);
  });

  it('a batch large enough for the render threads: every PDF in order, each with its own holder, revoked ones marked', async () => {
    const mod = await env.user(['Moderator']);
    const c = await certCourse(env, { title: 'Threaded Batch' });
    const now = nowIso();
    const n = 104;
    const users = Array.from({ length: n }, (_, i) => ({
      id: newId(),
      email: `batch-${i}-${newId().slice(-8).toLowerCase()}@example.test`,
      full_name: `${['Zoë', 'Дмитрий', 'Γιώργος', 'Ngozi'][i % 4]} Holder ${i}`,
      password_hash: null,
      enabled: 1,
      created_at: now,
      updated_at: now,
    }));
    await env.ctx.db.insertInto('users').values(users).execute();
    const certs = users.map((u, i) => ({
      id: newId(),
      member_id: u.id,
      course_id: c.courseId,
      template_id: null,
      issue_date: '2026-01-15',
      expiry_date: null,
      verification_code: `batch-code-${i}-${newId()}`,
      source: 'manual',
      issued_by: null,
      revoked_at: i % 16 === 5 ? now : null,
      revoked_by: null,
      revoke_reason: i % 16 === 5 ? 'Issued in error' : null,
      expiry_notice: null,
      expiry_notice_at: null,
      created_at: now,
    }));
    await env.ctx.db.insertInto('certificates').values(certs).execute();
    const res = await env.req('GET', `/api/certificates/export.zip?courseId=${c.courseId}`, { as: mod });
    expect(res.statusCode).toBe(200);
    const entries = readZip(res.rawPayload);
    const expected = certs.map((cert, i) => ({ cert, user: users[i]! })).sort((a, b) => (a.cert.id < b.cert.id ? 1 : -1));
    expect(entries.map((e) => e.name)).toEqual(expected.map((x) => `${x.user.full_name} - Threaded Batch - ${x.cert.id}.pdf`));
    for (const k of [0, 1, 2, 3, 51, 102, 103, ...expected.flatMap((x, k) => (x.cert.revoked_at ? [k] : []))]) {
      const text = await pdfText(entries[k]!.data);
      expect(text).toContain(expected[k]!.user.full_name);
      expect(text).toContain(`/lms/certificates/verify/${expected[k]!.cert.verification_code}`);
      // The watermark crosses the holder's name: pdftotext may drop a letter where they overlap.
      expect(/REV\s*O?\s*KED/.test(text)).toBe(expected[k]!.cert.revoked_at !== null);
    }
  }, 120_000);

  it('zip jobs left queued or running by a process that stopped end as failed; live and finished jobs are left alone', async () => {
    const mod = await env.user(['Moderator']);
    const longAgo = new Date(Date.now() - ZIP_JOB_STALE_MS - 60_000).toISOString();
    const job = (status: string, updatedAt: string) => ({
      id: newId(),
      created_by: mod.id,
      filters_json: '{}',
      status,
      processed: 2,
      total: 5,
      file_id: null,
      error: null,
      created_at: longAgo,
      updated_at: updatedAt,
    });
    const crashed = job('running', longAgo);
    const neverStarted = job('queued', longAgo);
    const live = job('running', nowIso());
    const failedLongAgo = { ...job('failed', longAgo), error: 'The export failed; it has been logged. Try again.' };
    await env.ctx.db.insertInto('certificate_zip_jobs').values([crashed, neverStarted, live, failedLongAgo]).execute();
    const jobsBefore = await env.count('certificate_zip_jobs');
    const filesBefore = await env.count('files');

    // Reading a job that stopped showing signs of life reports it failed (one statement ends every such job).
    const read = await env.req('GET', `/api/certificates/zip-jobs/${crashed.id}`, { as: mod });
    expect(read.statusCode).toBe(200);
    expect(json(read)).toMatchObject({ id: crashed.id, status: 'failed', processed: 2, downloadUrl: null });
    expect(json<{ error: string }>(read).error).toMatch(/stopped before it finished/);
    const dl = await env.req('GET', `/api/certificates/zip-jobs/${crashed.id}/download`, { as: mod });
    expect(dl.statusCode).toBe(409);
    expect(json(dl)).toMatchObject({ code: 'EXPORT_NOT_READY', status: 'failed' });
    const rows = await env.ctx.db
      .selectFrom('certificate_zip_jobs')
      .select(['id', 'status', 'error'])
      .where('created_by', '=', mod.id)
      .execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(neverStarted.id)?.status).toBe('failed');
    expect(byId.get(live.id)).toMatchObject({ status: 'running', error: null });
    expect(byId.get(failedLongAgo.id)).toMatchObject({ status: 'failed', error: failedLongAgo.error });
    expect(json(await env.req('GET', `/api/certificates/zip-jobs/${live.id}`, { as: mod }))).toMatchObject({ status: 'running' });

    // The sweep a starting server runs: ends only what is stale, and nothing twice.
    const another = job('running', longAgo);
    await env.ctx.db.insertInto('certificate_zip_jobs').values(another).execute();
    expect(await reapZipJobs(env.ctx)).toBe(1);
    expect(await reapZipJobs(env.ctx)).toBe(0);
    // An hour later the live job, had it stopped touching its row, would be ended too.
    expect(await reapZipJobs(env.ctx, new Date(Date.now() + 60 * 60_000))).toBe(1);
    expect(await env.count('certificate_zip_jobs')).toBe(jobsBefore + 1);
    expect(await env.count('files')).toBe(filesBefore);
  });

  it('closing the app stops running zip jobs: they end done or failed, never left running, and a stopped one leaves no file', async () => {
    const mod = await env.user(['Moderator']);
    const c = await certCourse(env, { title: 'Shutdown Course' });
    for (const p of await Promise.all([env.user(), env.user(), env.user(), env.user()])) {
      expect((await env.req('POST', '/api/certificates', { as: mod, body: { memberId: p.id, courseId: c.courseId } })).statusCode).toBe(
        201,
      );
    }
    const filesBefore = await env.count('files');
    const start = await env.req('POST', '/api/certificates/zip-jobs', { as: mod, body: { filters: { courseId: c.courseId } } });
    expect(start.statusCode).toBe(202);
    const { jobId } = json<{ jobId: string }>(start);
    await stopZipJobs(env.ctx);
    const row = await env.ctx.db.selectFrom('certificate_zip_jobs').selectAll().where('id', '=', jobId).executeTakeFirstOrThrow();
    expect(['done', 'failed']).toContain(row.status);
    if (row.status === 'failed') {
      expect(row.error).toMatch(/server stopped/);
      expect(row.file_id).toBeNull();
      expect(await env.count('files')).toBe(filesBefore);
    } else {
      expect(await env.count('files')).toBe(filesBefore + 1);
    }
  });
});
