import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeDb, json, type TestUser } from '../../../test/helpers/harness.ts';
import { makeCourse } from '../../../test/helpers/fixtures.ts';
import { answersFor, createQuiz, pdfText, submit } from '../../../test/helpers/quizzes.ts';
import { chainHead } from '../platform/audit-chain.ts';
import type { TrainingRecord } from '../../contract/training-record.ts';

describeDb('employee training record', (env) => {
  let hr: TestUser;
  let learner: TestUser;
  let employeeId: string;
  let courses: Record<string, string>;

  async function seed() {
    if (employeeId) return;
    hr = await env.user(['HR Manager'], 'Hana Ruiz');
    const mod = await env.user(['Moderator']);
    learner = await env.user([], 'Zoë Łukasiewicz');
    expect(
      (
        await env.req('PATCH', '/api/settings', {
          as: await env.user(['System Manager']),
          body: { organisationName: 'Acme Ÿ Safety GmbH' },
        })
      ).statusCode,
    ).toBe(200);
    const emp = await env.req('POST', '/api/employees', {
      as: hr,
      body: { employeeCode: 'TR-1', fullName: 'Zoë Łukasiewicz', department: 'Plant', userId: learner.id },
    });
    expect(emp.statusCode, emp.body).toBe(201);
    employeeId = json<{ id: string }>(emp).id;

    const fire = await makeCourse(env, { title: 'A Fire Safety', mandatory: true, lessons: 1, enableCertification: true });
    // Its certificate expires in two years (the record writes that day in words).
    await env.ctx.db.updateTable('courses').set({ certificate_validity_months: 24 }).where('id', '=', fire.courseId).execute();
    const privacy = await makeCourse(env, { title: 'B Privacy', mandatory: true, lessons: 2 });
    const forklift = await makeCourse(env, { title: 'C Forklift', lessons: 2 });
    const optional = await makeCourse(env, { title: 'D Excel', lessons: 1 });
    await makeCourse(env, { title: 'E Not mine', lessons: 1 });
    await makeCourse(env, { title: 'F Draft mandatory', mandatory: true, published: false });
    courses = { fire: fire.courseId, privacy: privacy.courseId, forklift: forklift.courseId, optional: optional.courseId };

    // Fire Safety: two quiz attempts, completed, certificate claimed.
    expect((await env.req('POST', `/api/courses/${fire.courseId}/enroll`, { as: learner })).statusCode).toBe(201);
    const quiz = await createQuiz(env, mod, { courseId: fire.courseId, title: 'Extinguishers' });
    expect(
      (await submit(env, learner, quiz.id, { answers: answersFor(quiz, { single: [1], multiple: [1], text: 'no' }) })).statusCode,
    ).toBeLessThan(300);
    expect(
      (await submit(env, learner, quiz.id, { answers: answersFor(quiz, { single: [0], multiple: [0, 2], text: 'water' }) })).statusCode,
    ).toBeLessThan(300);
    expect((await env.req('POST', `/api/lessons/${fire.lessonIds[0]}/complete`, { as: learner })).statusCode).toBe(200);
    await env.req('POST', `/api/courses/${fire.courseId}/certificate`, { as: learner });
    // Forklift: assigned (overdue), half done. Excel: enrolled only. Privacy: mandatory, never started.
    expect(
      (
        await env.req('POST', '/api/training-assignments', {
          as: hr,
          body: { courseId: forklift.courseId, dueDate: '2099-01-01', memberIds: [learner.id] },
        })
      ).statusCode,
    ).toBe(201);
    await env.ctx.db.updateTable('training_assignments').set({ due_date: '2020-02-03' }).where('member_id', '=', learner.id).execute();
    expect((await env.req('POST', `/api/lessons/${forklift.lessonIds[0]}/complete`, { as: learner })).statusCode).toBe(200);
    expect((await env.req('POST', `/api/courses/${optional.courseId}/enroll`, { as: learner })).statusCode).toBe(201);

    // HR side: a document and a compliance row.
    expect(
      (
        await env.req('POST', '/api/employee-documents', {
          as: hr,
          body: { employeeId, title: 'Forklift licence', issueDate: '2026-01-31' },
        })
      ).statusCode,
    ).toBe(201);
    const type = json<{ id: string }>(
      await env.req('POST', '/api/compliance-types', { as: hr, body: { name: 'Eye test', renewalMonths: 12, reminderLeadDays: 30 } }),
    );
    expect(
      (await env.req('POST', '/api/employee-compliance', { as: hr, body: { employeeId, complianceTypeId: type.id } })).statusCode,
    ).toBe(201);
  }

  it('lists exactly what the database holds for the employee', async () => {
    await seed();
    const res = await env.req('GET', `/api/employees/${employeeId}/training-record`, { as: hr });
    expect(res.statusCode, res.body).toBe(200);
    const r = json<TrainingRecord>(res);
    const db = env.ctx.db;
    expect(r.employee).toMatchObject({ id: employeeId, fullName: 'Zoë Łukasiewicz', employeeCode: 'TR-1' });
    expect(r.courses.map((c) => c.title)).toEqual(['A Fire Safety', 'B Privacy', 'C Forklift', 'D Excel']);
    const byId = new Map(r.courses.map((c) => [c.courseId, c]));

    const enrollments = await db.selectFrom('enrollments').selectAll().where('member_id', '=', learner.id).execute();
    expect(enrollments).toHaveLength(3);
    for (const e of enrollments) {
      expect(byId.get(e.course_id)).toMatchObject({ enrolledAt: e.created_at, completedAt: e.completed_at });
    }
    expect(byId.get(courses.fire!)).toMatchObject({
      mandatory: true,
      assigned: false,
      status: 'completed',
      progress: 100,
      dueDate: null,
      overdue: false,
    });
    expect(byId.get(courses.privacy!)).toMatchObject({
      mandatory: true,
      status: 'not-enrolled',
      progress: 0,
      enrolledAt: null,
      attempts: [],
      certificates: [],
    });
    expect(byId.get(courses.forklift!)).toMatchObject({
      mandatory: false,
      assigned: true,
      status: 'in-progress',
      progress: 50,
      dueDate: '2020-02-03',
      overdue: true,
    });
    expect(byId.get(courses.optional!)).toMatchObject({ assigned: false, status: 'enrolled', progress: 0 });

    const subs = await db
      .selectFrom('quiz_submissions')
      .selectAll()
      .where('member_id', '=', learner.id)
      .where('preview', '=', 0)
      .orderBy('attempt')
      .execute();
    expect(subs).toHaveLength(2);
    const fire = byId.get(courses.fire!)!;
    expect(fire.attempts.map((a) => [a.id, a.attempt, a.score, a.maxScore, a.percentage, a.passed])).toEqual(
      subs.map((s) => [s.id, s.attempt, s.score, s.max_score, s.percentage, s.passed === null ? null : s.passed === 1]),
    );
    expect(fire.bestPercentage).toBe(Math.max(...subs.map((s) => s.percentage!)));
    expect(fire.bestPercentage).toBeGreaterThan(Math.min(...subs.map((s) => s.percentage!)));

    const certs = await db.selectFrom('certificates').selectAll().where('member_id', '=', learner.id).execute();
    expect(certs).toHaveLength(1);
    expect(fire.certificates).toEqual(
      certs.map((c) => ({
        id: c.id,
        issueDate: c.issue_date,
        expiryDate: c.expiry_date,
        verificationCode: c.verification_code,
        revoked: false,
      })),
    );

    const docs = await db.selectFrom('employee_documents').select(['id', 'title']).where('employee_id', '=', employeeId).execute();
    expect(r.documents.map((d) => [d.id, d.title])).toEqual(docs.map((d) => [d.id, d.title]));
    const comp = await db.selectFrom('employee_compliance').select(['id', 'status']).where('employee_id', '=', employeeId).execute();
    expect(r.compliance.map((c) => [c.id, c.status])).toEqual(comp.map((c) => [c.id, c.status]));

    const head = await chainHead(db);
    expect(r.auditPosition).toEqual({ entries: head.seq, headHash: head.hash });
  });

  it('the PDF says the same, with the organisation, page numbers and who generated it at which audit position', async () => {
    await seed();
    const head = await chainHead(env.ctx.db);
    const res = await env.req('GET', `/api/employees/${employeeId}/training-record.pdf`, { as: hr });
    const text = pdfText(res);
    expect(res.headers['content-disposition']).toContain(
      'training-record-Zoë-Łukasiewicz.pdf'.replace('ë', '_').replace('Ł', '_').slice(0, 18),
    );
    for (const s of [
      'Acme Ÿ Safety GmbH',
      'Employee Training Record',
      'Zoë Łukasiewicz',
      'TR-1',
      'A Fire Safety',
      'B Privacy',
      'Not enrolled',
      'C Forklift',
      'In progress (overdue)',
      '3 Feb 2020',
      // Column heads are whole words (a narrow column broke them: "Progres" / "s").
      'Progress',
      'Attempt',
      'Extinguishers',
      'Forklift licence',
      'Eye test',
      'Page 1 of',
      'by Hana Ruiz',
      `entry ${head.seq}`,
      head.hash.slice(0, 20),
    ]) {
      expect(text).toContain(s);
    }
    // Dates as people write them, certificates' expiry too (it printed 2028-12-07 beside 3 Feb 2020).
    expect(text).not.toMatch(/\b\d{4}-\d{2}-\d{2}\b/);
    const cert = await env.ctx.db
      .selectFrom('certificates')
      .select('verification_code')
      .where('member_id', '=', learner.id)
      .executeTakeFirstOrThrow();
    // pdftotext's layout pass may split a long unbroken code into pieces; its -raw mode reads the text in drawing order.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'record-pdf-'));
    try {
      fs.writeFileSync(path.join(dir, 'r.pdf'), res.rawPayload);
      const raw = execFileSync('pdftotext', ['-raw', '-enc', 'UTF-8', path.join(dir, 'r.pdf'), '-'], { encoding: 'utf8' });
      expect(raw.replace(/\s/g, '')).toContain(cert.verification_code);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('HR roles, Moderators and the employee themself may read it; any other user gets 404, anonymous 401', async () => {
    await seed();
    for (const as of [hr, await env.user(['HR User']), await env.user(['Moderator']), await env.user(['System Manager']), learner]) {
      expect((await env.req('GET', `/api/employees/${employeeId}/training-record`, { as })).statusCode).toBe(200);
    }
    for (const as of [await env.user(), await env.user(['Course Creator'])]) {
      for (const url of [`/api/employees/${employeeId}/training-record`, `/api/employees/${employeeId}/training-record.pdf`]) {
        const res = await env.req('GET', url, { as });
        expect(res.statusCode).toBe(404);
        expect(json(res).code).toBe('NOT_FOUND');
      }
    }
    expect((await env.req('GET', `/api/employees/${employeeId}/training-record`)).statusCode).toBe(401);
    const unknown = await env.req('GET', '/api/employees/0000000000000000000000zzzz/training-record', { as: hr });
    expect(unknown.statusCode).toBe(404);
    const bad = await env.req('GET', `/api/employees/${'x'.repeat(500)}/training-record`, { as: hr });
    expect([400, 404, 414]).toContain(bad.statusCode);
    const badQuery = await env.req('GET', `/api/employees/${employeeId}/training-record.pdf?download=maybe`, { as: hr });
    expect(json(badQuery).code).toBe('VALIDATION_FAILED');
  });

  it('an employee without a linked user has a record of HR rows only', async () => {
    await seed();
    const res = await env.req('POST', '/api/employees', { as: hr, body: { employeeCode: 'TR-2', fullName: 'No Login' } });
    const r = json<TrainingRecord>(await env.req('GET', `/api/employees/${json<{ id: string }>(res).id}/training-record`, { as: hr }));
    expect(r).toMatchObject({ courses: [], documents: [], compliance: [] });
  });
});

describeDb('employee training record: the due date of a course assigned again', (env) => {
  it("shows the open assignment's due date, not an older completed assignment's", async () => {
    const hr = await env.user(['HR Manager']);
    const learner = await env.user([], 'Kwame Mensah');
    const emp = json<{ id: string }>(await env.req('POST', '/api/employees', { as: hr, body: { employeeCode: 'TR-9', fullName: 'Kwame Mensah', userId: learner.id } }));
    const { courseId } = await makeCourse(env, { title: 'Fire Safety at Work', lessons: 1 });
    // Assigned at onboarding and completed; assigned again (a renewal), then its date was moved.
    const done = await env.req('POST', '/api/training-assignments', { as: hr, body: { courseId, dueDate: '2027-01-04', memberIds: [learner.id] } });
    expect(done.statusCode, done.body).toBe(201);
    await env.ctx.db.updateTable('training_assignments').set({ status: 'completed', completed_at: '2026-01-02T10:00:00.000Z' }).where('member_id', '=', learner.id).execute();
    const again = await env.req('POST', '/api/training-assignments', { as: hr, body: { courseId, dueDate: '2027-01-15', memberIds: [learner.id] } });
    expect(again.statusCode, again.body).toBe(201);
    const course = () => env.req('GET', `/api/employees/${emp.id}/training-record`, { as: hr }).then((r) => json<TrainingRecord>(r).courses.find((c) => c.courseId === courseId));
    expect(await course()).toMatchObject({ assigned: true, dueDate: '2027-01-15' });
    // Once that one is completed too, the latest date stands.
    await env.ctx.db.updateTable('training_assignments').set({ status: 'completed', completed_at: '2026-12-01T10:00:00.000Z' }).where('member_id', '=', learner.id).execute();
    expect(await course()).toMatchObject({ assigned: true, dueDate: '2027-01-15' });
  });
});

describeDb('employee training record: attestations', (env) => {
  it('lists the statements the employee signed, with the content hash, in JSON and in the PDF', async () => {
    const hr = await env.user(['HR Manager']);
    const mod = await env.user(['Moderator']);
    const learner = await env.user([], 'Amara Okafor');
    const emp = await env.req('POST', '/api/employees', {
      as: hr,
      body: { employeeCode: 'AT-1', fullName: 'Amara Okafor', userId: learner.id },
    });
    const employeeId = json<{ id: string }>(emp).id;
    const course = await makeCourse(env, { title: 'Food Hygiene', lessons: 1, enableCertification: true });
    await env.req('PATCH', `/api/courses/${course.courseId}`, {
      as: mod,
      body: { requiresAttestation: true, attestationText: 'I will keep raw and cooked food apart.' },
    });
    await env.req('POST', `/api/courses/${course.courseId}/enroll`, { as: learner });
    await env.req('POST', `/api/lessons/${course.lessonIds[0]}/complete`, { as: learner });
    const signed = json<{ id: string; contentHash: string; signedAt: string }>(
      await env.req('POST', `/api/courses/${course.courseId}/attestation`, { as: learner, body: { password: learner.password } }),
    );
    const record = json<TrainingRecord>(await env.req('GET', `/api/employees/${employeeId}/training-record`, { as: hr }));
    const row = record.courses.find((c) => c.courseId === course.courseId)!;
    expect(row.attestations).toEqual([
      { id: signed.id, statement: 'I will keep raw and cooked food apart.', contentHash: signed.contentHash, signedAt: signed.signedAt },
    ]);
    expect(row.certificates).toHaveLength(1);
    const text = pdfText(await env.req('GET', `/api/employees/${employeeId}/training-record.pdf`, { as: hr }));
    expect(text).toContain('Attestations');
    expect(text).toContain('I will keep raw and cooked food apart.');
    expect(text.replace(/\s/g, '')).toContain(signed.contentHash);
  });
});
