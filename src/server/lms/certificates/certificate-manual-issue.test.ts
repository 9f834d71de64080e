/**
 * Staff issue a certificate by hand: bad input and roles that may not issue are refused, writing
 * nothing, and concurrent issues for one member and course make one row. The rules on whom and
 * when (never to oneself, never in the future) are in certificate-issue.test.ts.
 */
import { expect, it } from 'vitest';
import { describeDb, json } from '../../../../test/helpers/harness.ts';
import { certAudit, certCourse, certRows, type Cert } from './certificate-test-helpers.ts';

describeDb('certificates: manual issue', (env) => {
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
});
