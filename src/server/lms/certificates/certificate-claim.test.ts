/**
 * Certificates a learner earns by completing a course: issued in the completing request (auto mode)
 * or claimed (claim mode), once however many claims race; refused below 100%, to someone not
 * enrolled, and for a course without certification.
 */
import { expect, it } from 'vitest';
import { describeDb, json } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { addMonths } from './certificate.service.ts';
import { certAudit, certCourse, certRows, completeCourse, type Cert } from './certificate-test-helpers.ts';

describeDb('certificates: issued on completion or claimed', (env) => {
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
});
