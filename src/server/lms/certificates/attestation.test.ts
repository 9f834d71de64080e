import { expect, it } from 'vitest';
import { describeDb, json, type TestEnv, type TestUser } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { pdfText } from '../../../../test/helpers/quizzes.ts';

type Attestation = {
  id: string;
  memberId: string;
  courseId: string;
  statement: string;
  contentHash: string;
  signedAt: string;
  clientAddress: string | null;
};
type Problem = { code: string; errors?: { path: string; message: string }[] };

const STATEMENT = 'I have read the food hygiene rules and will follow them at work.';

async function attestedCourse(env: TestEnv, mode: 'auto' | 'claim', lessons = 2) {
  const mod = await env.user(['Moderator']);
  const c = await makeCourse(env, { enableCertification: true, lessons, title: 'Food Hygiene Level 2' });
  const res = await env.req('PATCH', `/api/courses/${c.courseId}`, {
    as: mod,
    body: { requiresAttestation: true, attestationText: STATEMENT, certificateIssueMode: mode },
  });
  expect(res.statusCode, res.body).toBe(200);
  expect(json(res)).toMatchObject({ requiresAttestation: true, attestationText: STATEMENT });
  return { ...c, mod };
}

async function complete(env: TestEnv, learner: TestUser, c: { courseId: string; lessonIds: string[] }, upTo = c.lessonIds.length) {
  expect((await env.req('POST', `/api/courses/${c.courseId}/enroll`, { as: learner })).statusCode).toBe(201);
  for (const l of c.lessonIds.slice(0, upTo))
    expect((await env.req('POST', `/api/lessons/${l}/complete`, { as: learner })).statusCode).toBe(200);
}

const rows = async (env: TestEnv) => ({
  attestations: await env.count('attestations'),
  certificates: await env.count('certificates'),
  audit: await env.count('audit_log'),
});

describeDb('attestation', (env) => {
  it('claim mode: the claim waits for the attestation; a wrong password writes nothing; the signed statement binds the content; the certificate shows it', async () => {
    const c = await attestedCourse(env, 'claim');
    const learner = await env.user(['LMS Student'], 'Ngozi Okafor');
    await complete(env, learner, c);

    const state = json<{ attestationRequired: boolean; attested: boolean; eligible: boolean }>(
      await env.req('GET', `/api/courses/${c.courseId}/certificate`, { as: learner }),
    );
    expect(state).toMatchObject({ attestationRequired: true, attested: false, eligible: false });
    const before = await rows(env);
    const early = await env.req('POST', `/api/courses/${c.courseId}/certificate`, { as: learner });
    expect(early.statusCode).toBe(422);
    expect(json<Problem>(early).code).toBe('ATTESTATION_REQUIRED');

    const wrong = await env.req('POST', `/api/courses/${c.courseId}/attestation`, { as: learner, body: { password: 'not my password' } });
    expect(wrong.statusCode).toBe(400);
    expect(json<Problem>(wrong)).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ path: 'password', message: 'The password is not correct.' }],
    });
    expect(await rows(env)).toEqual(before);
    // The session is untouched by a wrong password.
    expect((await env.req('GET', '/api/auth/me', { as: learner })).statusCode).toBe(200);

    const signed = await env.req('POST', `/api/courses/${c.courseId}/attestation`, {
      as: learner,
      body: { password: learner.password },
      headers: { 'user-agent': 'Test browser' },
    });
    expect(signed.statusCode, signed.body).toBe(201);
    const a = json<Attestation>(signed);
    expect(a).toMatchObject({ memberId: learner.id, courseId: c.courseId, statement: STATEMENT });
    expect(a.contentHash).toMatch(/^[0-9a-f]{64}$/);
    const again = await env.req('POST', `/api/courses/${c.courseId}/attestation`, { as: learner, body: { password: learner.password } });
    expect(again.statusCode).toBe(200);
    expect(json<Attestation>(again).id).toBe(a.id);
    const stored = await env.ctx.db.selectFrom('attestations').selectAll().where('member_id', '=', learner.id).execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ content_hash: a.contentHash, statement: STATEMENT, user_agent: 'Test browser' });
    const audit = await env.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'actor_id'])
      .where('entity', '=', 'attestation')
      .where('entity_id', '=', a.id)
      .execute();
    expect(audit).toEqual([{ action: 'attest', actor_id: learner.id }]);

    const claimed = await env.req('POST', `/api/courses/${c.courseId}/certificate`, { as: learner });
    expect(claimed.statusCode, claimed.body).toBe(201);
    const cert = json<{ id: string; attestedAt: string | null }>(claimed);
    expect(cert.attestedAt).toBe(a.signedAt);
    const text = pdfText(await env.req('GET', `/api/certificates/${cert.id}/pdf`, { as: learner }));
    expect(text).toContain('Attested by the holder on');
  });

  it('auto mode: completing issues nothing until the learner attests, then the certificate is issued at once', async () => {
    const c = await attestedCourse(env, 'auto');
    const learner = await env.user();
    await complete(env, learner, c);
    expect(json<unknown[]>(await env.req('GET', '/api/me/certificates', { as: learner }))).toEqual([]);
    expect(
      (await env.req('POST', `/api/courses/${c.courseId}/attestation`, { as: learner, body: { password: learner.password } })).statusCode,
    ).toBe(201);
    const certs = json<{ courseId: string; source: string }[]>(await env.req('GET', '/api/me/certificates', { as: learner }));
    expect(certs).toEqual([expect.objectContaining({ courseId: c.courseId, source: 'auto' })]);
  });

  it('a changed course asks for a new attestation; the earlier one stays on the record', async () => {
    const c = await attestedCourse(env, 'claim');
    const learner = await env.user();
    await complete(env, learner, c);
    const first = json<Attestation>(
      await env.req('POST', `/api/courses/${c.courseId}/attestation`, { as: learner, body: { password: learner.password } }),
    );
    const edit = await env.req('PATCH', `/api/lessons/${c.lessonIds[0]}`, {
      as: c.mod,
      body: { body: 'New rules: wash hands for 30 seconds.' },
    });
    expect(edit.statusCode, edit.body).toBe(200);
    const claim = await env.req('POST', `/api/courses/${c.courseId}/certificate`, { as: learner });
    expect(json<Problem>(claim).code).toBe('ATTESTATION_REQUIRED');
    const second = json<Attestation>(
      await env.req('POST', `/api/courses/${c.courseId}/attestation`, { as: learner, body: { password: learner.password } }),
    );
    expect(second.id).not.toBe(first.id);
    expect(second.contentHash).not.toBe(first.contentHash);
    expect((await env.req('POST', `/api/courses/${c.courseId}/certificate`, { as: learner })).statusCode).toBe(201);
    expect(await env.ctx.db.selectFrom('attestations').select('id').where('member_id', '=', learner.id).execute()).toHaveLength(2);
  });

  it('refuses below 100%, for courses that ask none, unknown or unseen courses and bad bodies, writing nothing; guessing the password is throttled', async () => {
    const c = await attestedCourse(env, 'claim', 2);
    const learner = await env.user();
    await complete(env, learner, c, 1);
    const plain = await makeCourse(env, { lessons: 1 });
    const draft = await makeCourse(env, { lessons: 1, published: false });
    const other = await env.user();
    const before = await rows(env);
    const cases: [string, string, unknown, number, string, TestUser][] = [
      ['below 100%', c.courseId, { password: learner.password }, 422, 'COURSE_NOT_COMPLETED', learner],
      ['no attestation asked', plain.courseId, { password: learner.password }, 422, 'ATTESTATION_NOT_REQUIRED', learner],
      ['unknown course', '0000000000000000000000zzzz', { password: learner.password }, 404, 'NOT_FOUND', learner],
      ['a draft the caller cannot see', draft.courseId, { password: other.password }, 404, 'NOT_FOUND', other],
      ['not enrolled', c.courseId, { password: other.password }, 422, 'COURSE_NOT_COMPLETED', other],
      ['no password', c.courseId, {}, 400, 'VALIDATION_FAILED', learner],
      ['empty password', c.courseId, { password: '' }, 400, 'VALIDATION_FAILED', learner],
      ['a number', c.courseId, { password: 12345678 }, 400, 'VALIDATION_FAILED', learner],
      ['oversize', c.courseId, { password: 'x'.repeat(5000) }, 400, 'VALIDATION_FAILED', learner],
      ['extra member', c.courseId, { password: learner.password, memberId: other.id }, 400, 'VALIDATION_FAILED', learner],
    ];
    for (const [name, courseId, body, status, code, as] of cases) {
      const res = await env.req('POST', `/api/courses/${courseId}/attestation`, { as, body });
      expect(res.statusCode, `${name}: ${res.body}`).toBe(status);
      expect(json<Problem>(res).code, name).toBe(code);
    }
    expect((await env.req('POST', `/api/courses/${c.courseId}/attestation`, { body: { password: 'x' } })).statusCode).toBe(401);
    expect(await rows(env)).toEqual(before);

    // Wrong passwords count like failed logins: after the free ones, the account must wait.
    const finisher = await env.user();
    await complete(env, finisher, c);
    const answers: number[] = [];
    for (let i = 0; i < 6; i++) {
      answers.push(
        (await env.req('POST', `/api/courses/${c.courseId}/attestation`, { as: finisher, body: { password: `guess number ${i}` } }))
          .statusCode,
      );
    }
    expect(answers).toEqual([400, 400, 400, 400, 400, 429]);
    expect(await env.count('attestations')).toBe(before.attestations);
  });
});
