/**
 * Reading certificates: the public verification page (holder, course, dates and status only), one
 * certificate and its PDF (another learner's is not found), and the list with its filters, keyset
 * pages and totals.
 */
import { expect, it } from 'vitest';
import { describeDb, json } from '../../../../test/helpers/harness.ts';
import { pdfText } from '../../../../test/helpers/quizzes.ts';
import { addMonths } from './certificate.service.ts';
import { certCourse, completeCourse, type Cert } from './certificate-test-helpers.ts';

describeDb('certificates: reading', (env) => {
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
    const text = pdfText(res);
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
});
