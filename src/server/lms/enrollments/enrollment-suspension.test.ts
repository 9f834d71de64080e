/**
 * Suspending and resuming an enrollment: who may, what a suspended learner can no longer do (open
 * lessons, mark progress, start or submit a quiz, commit SCORM), the status filter of the list and
 * its CSV, the audit before-image, parallel suspensions, and leavers suspended by HR.
 */
import { expect, it } from 'vitest';
import { describeDb, json, type TestUser } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { AUTO_QUESTIONS, createQuiz } from '../../../../test/helpers/quizzes.ts';
import { scormCourse, uploadSample } from '../../../../test/helpers/scorm.ts';
import { newId } from '../../db/ids.ts';
import { importerFor } from '../../../../test/helpers/imports.ts';

const importEmployees = importerFor('/api/employees/import', 'employees.csv');

type Enrollment = { id: string; status: string; progress: number; suspendedAt: string | null; suspendedBy: string | null; suspendReason: string | null };

describeDb('enrollment suspension', (env) => {
  async function learnerIn(courseId: string, lessonsDone: string[] = []) {
    const learner = await env.user(['LMS Student']);
    const res = await env.req('POST', `/api/courses/${courseId}/enroll`, { as: learner });
    expect(res.statusCode, res.body).toBe(201);
    for (const l of lessonsDone) expect((await env.req('POST', `/api/lessons/${l}/complete`, { as: learner })).statusCode).toBe(200);
    return { learner, enrollmentId: json<{ id: string }>(res).id };
  }
  const row = (id: string) => env.ctx.db.selectFrom('enrollments').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const audits = (id: string, action: string) =>
    env.ctx.db.selectFrom('audit_log').select(['actor_id', 'before_json', 'after_json']).where('entity', '=', 'enrollment').where('entity_id', '=', id).where('action', '=', action).execute();
  const snapshot = async () => [await env.count('audit_log'), await env.count('lesson_completions'), await env.count('quiz_submissions'), await env.count('scorm_attempts')];

  it('a Moderator suspends with a reason and resumes; progress is kept and each change is audited with its before-image', async () => {
    const mod = await env.user(['Moderator']);
    const c = await makeCourse(env, { lessons: 4 });
    const a = await learnerIn(c.courseId, [c.lessonIds[0]!]);
    const res = await env.req('POST', `/api/enrollments/${a.enrollmentId}/suspend`, { as: mod, body: { reason: '  Unpaid invoice  ' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(json<Enrollment>(res)).toMatchObject({ id: a.enrollmentId, status: 'suspended', progress: 25, suspendedBy: mod.id, suspendReason: 'Unpaid invoice' });
    const [entry] = await audits(a.enrollmentId, 'suspend');
    expect(entry!.actor_id).toBe(mod.id);
    expect(JSON.parse(entry!.before_json!)).toMatchObject({ status: 'active', suspendedAt: null, progress: 25 });
    expect(JSON.parse(entry!.after_json!)).toMatchObject({ status: 'suspended', suspendReason: 'Unpaid invoice' });
    // The learner sees the suspension with its reason.
    const mine = json<Enrollment>(await env.req('GET', `/api/enrollments/${a.enrollmentId}`, { as: a.learner }));
    expect(mine).toMatchObject({ status: 'suspended', suspendReason: 'Unpaid invoice' });

    const again = await env.req('POST', `/api/enrollments/${a.enrollmentId}/suspend`, { as: mod, body: { reason: 'Twice' } });
    expect([again.statusCode, json(again).code]).toEqual([409, 'ALREADY_SUSPENDED']);

    const resumed = await env.req('POST', `/api/enrollments/${a.enrollmentId}/resume`, { as: mod });
    expect(resumed.statusCode, resumed.body).toBe(200);
    expect(json<Enrollment>(resumed)).toMatchObject({ status: 'active', progress: 25, suspendedAt: null, suspendReason: null });
    expect(JSON.parse((await audits(a.enrollmentId, 'resume'))[0]!.before_json!)).toMatchObject({ status: 'suspended', suspendReason: 'Unpaid invoice' });
    const twice = await env.req('POST', `/api/enrollments/${a.enrollmentId}/resume`, { as: mod });
    expect([twice.statusCode, json(twice).code]).toEqual([409, 'NOT_SUSPENDED']);
    // Learning goes on where it stopped.
    expect((await env.req('POST', `/api/lessons/${c.lessonIds[1]}/complete`, { as: a.learner })).statusCode).toBe(200);
    expect((await row(a.enrollmentId)).completed_lessons).toBe(2);
  });

  it("a course's instructor may suspend its learners; a Course Creator of another course, a learner and HR may not", async () => {
    const teacher = await env.user(['Course Creator']);
    const otherTeacher = await env.user(['Course Creator']);
    const hr = await env.user(['HR Manager']);
    const c = await makeCourse(env, { lessons: 2, instructorIds: [teacher.id] });
    await makeCourse(env, { lessons: 2, instructorIds: [otherTeacher.id] });
    const a = await learnerIn(c.courseId);
    const peer = await learnerIn(c.courseId);
    const before = await snapshot();
    const denied: [TestUser, number, string][] = [
      [otherTeacher, 404, 'NOT_FOUND'],
      [a.learner, 403, 'FORBIDDEN'],
      [peer.learner, 403, 'FORBIDDEN'],
      [hr, 403, 'FORBIDDEN'],
    ];
    for (const [who, status, code] of denied) {
      for (const action of ['suspend', 'resume']) {
        const res = await env.req('POST', `/api/enrollments/${a.enrollmentId}/${action}`, { as: who, body: { reason: 'No' } });
        expect({ who: who.roles, action, status: res.statusCode, code: json(res).code }).toEqual({ who: who.roles, action, status, code });
      }
    }
    expect((await env.req('POST', `/api/enrollments/${a.enrollmentId}/suspend`, { body: { reason: 'No' } })).statusCode).toBe(401);
    expect(await snapshot()).toEqual(before);
    expect((await row(a.enrollmentId)).suspended_at).toBeNull();

    const ok = await env.req('POST', `/api/enrollments/${a.enrollmentId}/suspend`, { as: teacher, body: { reason: 'Missed the safety briefing' } });
    expect(ok.statusCode, ok.body).toBe(200);
    expect((await row(a.enrollmentId)).suspended_by).toBe(teacher.id);
  });

  it('bad input is problem+json and nothing is written', async () => {
    const mod = await env.user(['Moderator']);
    const c = await makeCourse(env, { lessons: 2 });
    const a = await learnerIn(c.courseId);
    const before = await snapshot();
    const cases: [string, unknown, number, string][] = [
      [a.enrollmentId, undefined, 400, 'VALIDATION_FAILED'],
      [a.enrollmentId, {}, 400, 'VALIDATION_FAILED'],
      [a.enrollmentId, { reason: '' }, 400, 'VALIDATION_FAILED'],
      [a.enrollmentId, { reason: ' \u200b ' }, 400, 'VALIDATION_FAILED'],
      [a.enrollmentId, { reason: 'x'.repeat(501) }, 400, 'VALIDATION_FAILED'],
      [a.enrollmentId, { reason: 42 }, 400, 'VALIDATION_FAILED'],
      [a.enrollmentId, { reason: ['a'] }, 400, 'VALIDATION_FAILED'],
      [a.enrollmentId, { reason: 'ok', extra: true }, 400, 'VALIDATION_FAILED'],
      [newId(), { reason: 'ok' }, 404, 'NOT_FOUND'],
      ['x'.repeat(65), { reason: 'ok' }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [id, body, status, code] of cases) {
      const res = await env.req('POST', `/api/enrollments/${id}/suspend`, { as: mod, ...(body !== undefined ? { body } : {}) });
      expect({ body, status: res.statusCode, code: json(res).code }).toEqual({ body, status, code });
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    expect((await env.req('POST', `/api/enrollments/${newId()}/resume`, { as: mod })).statusCode).toBe(404);
    expect(await snapshot()).toEqual(before);
    expect((await row(a.enrollmentId)).suspended_at).toBeNull();
    // Exactly 500 characters is accepted.
    const max = await env.req('POST', `/api/enrollments/${a.enrollmentId}/suspend`, { as: mod, body: { reason: 'y'.repeat(500) } });
    expect(max.statusCode, max.body).toBe(200);
  });

  it('the database refuses a suspension without its reason', async () => {
    const c = await makeCourse(env, { lessons: 1 });
    const a = await learnerIn(c.courseId);
    await expect(env.ctx.db.updateTable('enrollments').set({ suspended_at: new Date().toISOString() }).where('id', '=', a.enrollmentId).execute()).rejects.toThrow();
    await expect(
      env.ctx.db.updateTable('enrollments').set({ suspended_at: new Date().toISOString(), suspend_reason: '' }).where('id', '=', a.enrollmentId).execute(),
    ).rejects.toThrow();
    expect((await row(a.enrollmentId)).suspended_at).toBeNull();
  });

  it('a suspended learner keeps the record but cannot open lessons, mark progress, take quizzes or commit SCORM', async () => {
    const mod = await env.user(['Moderator']);
    const c = await makeCourse(env, { lessons: 3, kinds: ['text', 'text', 'quiz'] });
    const quiz = await createQuiz(env, mod, { courseId: c.courseId, questions: AUTO_QUESTIONS });
    await env.ctx.db.updateTable('lessons').set({ quiz_id: quiz.id }).where('id', '=', c.lessonIds[2]!).execute();
    const a = await learnerIn(c.courseId, [c.lessonIds[0]!]);
    expect((await env.req('POST', `/api/enrollments/${a.enrollmentId}/suspend`, { as: mod, body: { reason: 'Under review' } })).statusCode).toBe(200);
    const before = await snapshot();
    const calls: ['GET' | 'POST' | 'PUT', string, unknown][] = [
      ['GET', `/api/lessons/${c.lessonIds[1]}`, undefined],
      ['POST', `/api/lessons/${c.lessonIds[1]}/complete`, undefined],
      ['PUT', `/api/lessons/${c.lessonIds[1]}/current`, undefined],
      ['POST', `/api/quizzes/${quiz.id}/attempts`, undefined],
      ['POST', `/api/quizzes/${quiz.id}/submissions`, { answers: [] }],
    ];
    for (const [method, url, body] of calls) {
      const res = await env.req(method, url, { as: a.learner, ...(body !== undefined ? { body } : {}) });
      expect({ url, status: res.statusCode, code: json(res).code }).toEqual({ url, status: 422, code: 'ENROLLMENT_SUSPENDED' });
      expect(json<{ reason: string }>(res).reason).toBe('Under review');
    }
    expect(await snapshot()).toEqual(before);
    const kept = await row(a.enrollmentId);
    expect(kept.completed_lessons).toBe(1);
    // Staff still open the lesson; the learner's list shows the row.
    expect((await env.req('GET', `/api/lessons/${c.lessonIds[1]}`, { as: mod })).statusCode).toBe(200);
    const list = json<{ items: Enrollment[] }>(await env.req('GET', '/api/enrollments', { as: a.learner }));
    expect(list.items.map((e) => [e.id, e.status])).toEqual([[a.enrollmentId, 'suspended']]);
  });

  it('SCORM: commits and the attempt of a suspended learner answer ENROLLMENT_SUSPENDED and store nothing', async () => {
    const mod = await env.user(['Moderator']);
    const learner = await env.user();
    const pkg = await uploadSample(env, mod, 'basic12');
    const course = await scormCourse(env, mod, pkg.id);
    const enrolled = await env.req('POST', `/api/courses/${course.courseId}/enroll`, { as: learner });
    const enrollmentId = json<{ id: string }>(enrolled).id;
    const url = `/api/lessons/${course.lessonId}/scorm-attempt`;
    const incomplete = { scoId: 'item_1', seq: 1, session: 's1', cmi: { core: { lesson_status: 'incomplete', session_time: '00:00:10' } } };
    expect((await env.req('PUT', url, { as: learner, body: incomplete })).statusCode).toBe(200);
    expect((await env.req('POST', `/api/enrollments/${enrollmentId}/suspend`, { as: mod, body: { reason: 'Paused' } })).statusCode).toBe(200);
    const before = await env.ctx.db.selectFrom('scorm_attempts').selectAll().execute();
    const passed = { scoId: 'item_1', seq: 3, session: 's1', cmi: { core: { lesson_status: 'passed', session_time: '00:00:20' } } };
    for (const body of [{ ...incomplete, seq: 2 }, passed]) {
      const res = await env.req('PUT', url, { as: learner, body });
      expect([res.statusCode, json(res).code]).toEqual([422, 'ENROLLMENT_SUSPENDED']);
    }
    const got = await env.req('GET', url, { as: learner });
    expect([got.statusCode, json(got).code]).toEqual([422, 'ENROLLMENT_SUSPENDED']);
    expect(await env.ctx.db.selectFrom('scorm_attempts').selectAll().execute()).toEqual(before);
    expect(await env.ctx.db.selectFrom('lesson_completions').select('id').where('member_id', '=', learner.id).execute()).toEqual([]);
  });

  it('the list, the learners and the CSV export filter by status active, suspended or completed', async () => {
    const mod = await env.user(['Moderator']);
    const c = await makeCourse(env, { lessons: 1 });
    const active = await learnerIn(c.courseId);
    const done = await learnerIn(c.courseId, [c.lessonIds[0]!]);
    const paused = await learnerIn(c.courseId, [c.lessonIds[0]!]);
    expect((await env.req('POST', `/api/enrollments/${paused.enrollmentId}/suspend`, { as: mod, body: { reason: 'On leave' } })).statusCode).toBe(200);
    const ids = async (status: string) =>
      json<{ items: Enrollment[] }>(await env.req('GET', `/api/enrollments?courseId=${c.courseId}&status=${status}`, { as: mod })).items.map((e) => e.id);
    expect(await ids('active')).toEqual([active.enrollmentId]);
    expect(await ids('completed')).toEqual([done.enrollmentId]);
    expect(await ids('suspended')).toEqual([paused.enrollmentId]);
    const bad = await env.req('GET', `/api/enrollments?status=paused`, { as: mod });
    expect([bad.statusCode, json(bad).code]).toEqual([400, 'VALIDATION_FAILED']);
    const csv = await env.req('GET', `/api/enrollments/export.csv?courseId=${c.courseId}&status=suspended`, { as: mod });
    expect(csv.statusCode, csv.body).toBe(200);
    const lines = csv.body.trim().split(/\r?\n/);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('status');
    expect(lines[0]).toContain('suspendReason');
    expect(lines[1]).toContain(paused.enrollmentId);
    expect(lines[1]).toContain('suspended');
    expect(lines[1]).toContain('On leave');
  });

  it('parallel suspensions of one enrollment: exactly one 200, the rest 409 ALREADY_SUSPENDED, one audit entry', async () => {
    const mod = await env.user(['Moderator']);
    const teacher = await env.user(['Course Creator']);
    const c = await makeCourse(env, { lessons: 2, instructorIds: [teacher.id] });
    const a = await learnerIn(c.courseId);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        env.req('POST', `/api/enrollments/${a.enrollmentId}/suspend`, { as: i % 2 ? mod : teacher, body: { reason: `Reason ${i}` } }),
      ),
    );
    const statuses = results.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409, 409, 409, 409]);
    expect(results.filter((r) => r.statusCode === 409).every((r) => json(r).code === 'ALREADY_SUSPENDED')).toBe(true);
    expect(await audits(a.enrollmentId, 'suspend')).toHaveLength(1);
  });

  it("leavers: HR setting an employee's status to left suspends their user's enrollments in the same change", async () => {
    const hr = await env.user(['HR Manager']);
    const mod = await env.user(['Moderator']);
    const c1 = await makeCourse(env, { lessons: 2 });
    const c2 = await makeCourse(env, { lessons: 2 });
    const a = await learnerIn(c1.courseId, [c1.lessonIds[0]!]);
    const second = await env.req('POST', `/api/courses/${c2.courseId}/enroll`, { as: a.learner });
    const secondId = json<{ id: string }>(second).id;
    // Already suspended before: kept as it was.
    expect((await env.req('POST', `/api/enrollments/${secondId}/suspend`, { as: mod, body: { reason: 'Earlier reason' } })).statusCode).toBe(200);
    const other = await learnerIn(c1.courseId);
    const created = await env.req('POST', '/api/employees', { as: hr, body: { employeeCode: `E-${a.learner.id.slice(-6)}`, fullName: a.learner.fullName, userId: a.learner.id } });
    expect(created.statusCode, created.body).toBe(201);
    const employeeId = json<{ id: string }>(created).id;
    const left = await env.req('PATCH', `/api/employees/${employeeId}`, { as: hr, body: { status: 'left' } });
    expect(left.statusCode, left.body).toBe(200);
    const first = await row(a.enrollmentId);
    expect(first).toMatchObject({ suspend_reason: 'Employee left', suspended_by: hr.id, completed_lessons: 1 });
    expect((await row(secondId)).suspend_reason).toBe('Earlier reason');
    expect((await row(other.enrollmentId)).suspended_at).toBeNull();
    const [entry] = await audits(a.enrollmentId, 'suspend');
    expect(JSON.parse(entry!.before_json!)).toMatchObject({ status: 'active', progress: 50 });
    // The former employee can no longer open the course's lessons.
    const res = await env.req('GET', `/api/lessons/${c1.lessonIds[1]}`, { as: a.learner });
    expect([res.statusCode, json(res).code]).toEqual([422, 'ENROLLMENT_SUSPENDED']);

    // Back (rehired, or marked left by mistake): what leaving suspended resumes, progress intact;
    // the suspension staff made for another reason stays.
    const back = await env.req('PATCH', `/api/employees/${employeeId}`, { as: hr, body: { status: 'active' } });
    expect(back.statusCode, back.body).toBe(200);
    expect(await row(a.enrollmentId)).toMatchObject({ suspended_at: null, suspended_by: null, suspend_reason: null, completed_lessons: 1 });
    expect((await row(secondId)).suspend_reason).toBe('Earlier reason');
    const [resumed] = await audits(a.enrollmentId, 'resume');
    expect(resumed).toMatchObject({ actor_id: hr.id });
    expect(JSON.parse(resumed!.before_json!)).toMatchObject({ status: 'suspended', suspendReason: 'Employee left' });
    expect(JSON.parse(resumed!.after_json!)).toMatchObject({ status: 'active', progress: 50 });
    expect((await env.req('GET', `/api/lessons/${c1.lessonIds[1]}`, { as: a.learner })).statusCode).toBe(200);
  });

  it('an employee imported as a leaver has their account’s enrollments suspended in the import’s transaction', async () => {
    const hr = await env.user(['HR Manager']);
    const c = await makeCourse(env, { lessons: 2 });
    const leaver = await learnerIn(c.courseId);
    const stays = await learnerIn(c.courseId);
    const code = (u: TestUser) => `L-${u.id.slice(-8)}`;
    const csv = `employeeCode,fullName,email,status\n${code(leaver.learner)},${leaver.learner.fullName},${leaver.learner.email},left\n${code(stays.learner)},${stays.learner.fullName},${stays.learner.email},active\n`;
    const res = await importEmployees(env, hr, csv, { mode: 'all-or-nothing' });
    expect(res.statusCode, res.body).toBe(200);
    expect(json(res)).toMatchObject({ status: 'done', created: 2 });
    expect(await row(leaver.enrollmentId)).toMatchObject({ suspend_reason: 'Employee left', suspended_by: hr.id });
    expect((await row(stays.enrollmentId)).suspended_at).toBeNull();
    const [entry] = await audits(leaver.enrollmentId, 'suspend');
    expect(entry).toMatchObject({ actor_id: hr.id });
  });
});
