/**
 * Revoking a certificate: Moderators revoke with a reason, the row stays on record as revoked and
 * audited, and a second revoke, a learner's attempt or a bad body is refused, writing nothing.
 */
import { expect, it } from 'vitest';
import { describeDb, json } from '../../../../test/helpers/harness.ts';
import { certAudit, certCourse, certRows, completeCourse, type Cert } from './certificate-test-helpers.ts';

describeDb('certificates: revocation', (env) => {
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
});
