import { expect, it } from 'vitest';
import { describeDb, json, type TestEnv } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { DAY_MS } from '../../db/dialect.ts';
import { addMonths } from './certificate.service.ts';

const today = () => new Date().toISOString().slice(0, 10);

async function counts(env: TestEnv) {
  return { certificates: await env.count('certificates'), audit: await env.count('audit_log') };
}

/** Manual issue: never to oneself, never dated in the future, never before the enrollment without a reason. */
describeDb('manual certificate issue rules', (env) => {
  it('refuses a certificate to oneself for every issuing role (403 SELF_ISSUE_FORBIDDEN), writing nothing', async () => {
    const c = await makeCourse(env, { enableCertification: true });
    for (const roles of [['Moderator'], ['Batch Evaluator'], ['System Manager'], ['Moderator', 'LMS Student']] as const) {
      const staff = await env.user([...roles]);
      await env.req('POST', `/api/courses/${c.courseId}/enroll`, { as: staff });
      const before = await counts(env);
      for (const body of [
        { memberId: staff.id, courseId: c.courseId },
        { memberId: staff.id, courseId: c.courseId, issueDate: '1990-01-01', reason: 'Old paper certificate' },
      ]) {
        const res = await env.req('POST', '/api/certificates', { as: staff, body });
        expect(res.statusCode, `${roles.join('+')}: ${res.body}`).toBe(403);
        expect(json(res).code).toBe('SELF_ISSUE_FORBIDDEN');
      }
      expect(await counts(env)).toEqual(before);
    }
    // Another issuer may certify them.
    const mod = await env.user(['Moderator']);
    const someone = await env.user(['Moderator']);
    expect((await env.req('POST', '/api/certificates', { as: mod, body: { memberId: someone.id, courseId: c.courseId } })).statusCode).toBe(
      201,
    );
  });

  it('an issue date before the enrollment is 422 ISSUE_DATE_BEFORE_ENROLLMENT; with a reason it is issued and the reason audited', async () => {
    const mod = await env.user(['Moderator']);
    const c = await makeCourse(env, { enableCertification: true });
    const learner = await env.user();
    expect((await env.req('POST', `/api/courses/${c.courseId}/enroll`, { as: learner })).statusCode).toBe(201);
    const before = await counts(env);
    for (const issueDate of ['1990-01-01', addMonths(today(), -1)]) {
      const res = await env.req('POST', '/api/certificates', { as: mod, body: { memberId: learner.id, courseId: c.courseId, issueDate } });
      expect(res.statusCode).toBe(422);
      expect(json(res)).toMatchObject({ code: 'ISSUE_DATE_BEFORE_ENROLLMENT', earliestIssueDate: today() });
      expect(json<{ detail: string }>(res).detail).toContain('before the member enrolled');
    }
    // A blank reason is no reason.
    const blank = await env.req('POST', '/api/certificates', {
      as: mod,
      body: { memberId: learner.id, courseId: c.courseId, issueDate: '1990-01-01', reason: '   ' },
    });
    expect(blank.statusCode).toBe(400);
    expect(json(blank).code).toBe('VALIDATION_FAILED');
    expect(await counts(env)).toEqual(before);

    const ok = await env.req('POST', '/api/certificates', {
      as: mod,
      body: { memberId: learner.id, courseId: c.courseId, issueDate: '1990-01-01', reason: 'Completed the paper course in 1990' },
    });
    expect(ok.statusCode, ok.body).toBe(201);
    const cert = json<{ id: string; issueDate: string }>(ok);
    expect(cert.issueDate).toBe('1990-01-01');
    const audit = await env.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'after_json', 'actor_id'])
      .where('entity_id', '=', cert.id)
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'issue', actor_id: mod.id });
    expect(JSON.parse(audit[0]!.after_json!)).toMatchObject({ issueDate: '1990-01-01', issueReason: 'Completed the paper course in 1990' });
  });

  it('without an enrollment, any earlier date needs a reason; today and no date are fine; the future is 400', async () => {
    const mod = await env.user(['Moderator']);
    const c = await makeCourse(env, { enableCertification: true });
    const [a, b, d, f] = [await env.user(), await env.user(), await env.user(), await env.user()];
    const before = await counts(env);
    const back = await env.req('POST', '/api/certificates', {
      as: mod,
      body: { memberId: a.id, courseId: c.courseId, issueDate: addMonths(today(), -2) },
    });
    expect(back.statusCode).toBe(422);
    expect(json(back).code).toBe('ISSUE_DATE_BEFORE_ENROLLMENT');
    const future = new Date(Date.now() + 2 * DAY_MS).toISOString().slice(0, 10);
    const ahead = await env.req('POST', '/api/certificates', {
      as: mod,
      body: { memberId: f.id, courseId: c.courseId, issueDate: future, reason: 'x' },
    });
    expect(ahead.statusCode).toBe(400);
    expect(json(ahead).code).toBe('VALIDATION_FAILED');
    expect(await counts(env)).toEqual(before);
    expect(
      (await env.req('POST', '/api/certificates', { as: mod, body: { memberId: b.id, courseId: c.courseId, issueDate: today() } }))
        .statusCode,
    ).toBe(201);
    expect((await env.req('POST', '/api/certificates', { as: mod, body: { memberId: d.id, courseId: c.courseId } })).statusCode).toBe(201);
  });
});
