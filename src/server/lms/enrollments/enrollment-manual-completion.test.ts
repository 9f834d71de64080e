/**
 * Marking a course complete by hand: staff and the course's instructors, with a reason and an
 * optional evidence file of their own; the enrollment completes as any completion does (certificate
 * and training assignment follow), shows who marked it and why, and stays complete when lessons are
 * added later.
 */
import { expect, it } from 'vitest';
import { describeDb, json, type TestUser } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { fileUpload, samples } from '../../../../test/helpers/multipart.ts';
import { newId } from '../../db/ids.ts';

type Enrollment = {
  id: string;
  status: string;
  progress: number;
  completedAt: string | null;
  completedManuallyAt: string | null;
  completedManuallyBy: string | null;
  completedManuallyReason: string | null;
  completionEvidenceFileId: string | null;
};

describeDb('manual completion of an enrollment', (env) => {
  async function learnerIn(courseId: string) {
    const learner = await env.user(['LMS Student']);
    const res = await env.req('POST', `/api/courses/${courseId}/enroll`, { as: learner });
    expect(res.statusCode, res.body).toBe(201);
    return { learner, enrollmentId: json<{ id: string }>(res).id };
  }
  async function upload(as: TestUser, data = samples.pdf, name = 'attendance.pdf', type = 'application/pdf') {
    const form = fileUpload(data, name, type);
    return env.req('POST', '/api/files', { as, body: form.body, headers: form.headers });
  }
  const row = (id: string) => env.ctx.db.selectFrom('enrollments').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const certificatesOf = (memberId: string, courseId: string) =>
    env.ctx.db.selectFrom('certificates').select('id').where('member_id', '=', memberId).where('course_id', '=', courseId).execute();
  const snapshot = async () => [await env.count('audit_log'), await env.count('certificates'), await env.count('lesson_completions')];

  it('an instructor marks a course complete with a reason and evidence: progress 100, certificate issued, assignment completed, audited', async () => {
    const teacher = await env.user(['Course Creator'], 'Tess Teacher');
    const mod = await env.user(['Moderator']);
    const c = await makeCourse(env, { lessons: 3, instructorIds: [teacher.id], enableCertification: true });
    const a = await learnerIn(c.courseId);
    const assigned = await env.req('POST', '/api/training-assignments', { as: mod, body: { courseId: c.courseId, dueDate: '2099-01-01', memberIds: [a.learner.id] } });
    expect(assigned.statusCode, assigned.body).toBe(201);
    const up = await upload(teacher);
    expect(up.statusCode, up.body).toBe(201);
    const fileId = json<{ id: string }>(up).id;

    const res = await env.req('POST', `/api/enrollments/${a.enrollmentId}/mark-complete`, {
      as: teacher,
      body: { reason: 'Attended the classroom session on 2 Dec', evidenceFileId: fileId },
    });
    expect(res.statusCode, res.body).toBe(200);
    const e = json<Enrollment>(res);
    expect(e).toMatchObject({
      status: 'completed',
      progress: 100,
      completedManuallyBy: teacher.id,
      completedManuallyReason: 'Attended the classroom session on 2 Dec',
      completionEvidenceFileId: fileId,
    });
    expect(e.completedAt).toBe(e.completedManuallyAt);
    expect(await certificatesOf(a.learner.id, c.courseId)).toHaveLength(1);
    const ta = await env.ctx.db.selectFrom('training_assignments').select('status').where('member_id', '=', a.learner.id).where('course_id', '=', c.courseId).execute();
    expect(ta.map((t) => t.status)).toEqual(['completed']);
    const audit = await env.ctx.db.selectFrom('audit_log').select(['actor_id', 'before_json']).where('entity_id', '=', a.enrollmentId).where('action', '=', 'mark-complete').execute();
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.before_json!)).toMatchObject({ progress: 0, completedAt: null });

    // The learner downloads the evidence and sees the marking; the training record shows it.
    const ev = await env.req('GET', `/api/enrollments/${a.enrollmentId}/evidence`, { as: a.learner });
    expect(ev.statusCode).toBe(200);
    expect(ev.rawPayload.equals(samples.pdf)).toBe(true);
    expect((await env.req('GET', `/api/enrollments/${a.enrollmentId}/evidence`, { as: await env.user() })).statusCode).toBe(404);

    const again = await env.req('POST', `/api/enrollments/${a.enrollmentId}/mark-complete`, { as: mod, body: { reason: 'Again' } });
    expect([again.statusCode, json(again).code]).toEqual([409, 'ALREADY_COMPLETED']);

    // A lesson added later does not take the completion away.
    const chapter = await env.ctx.db.selectFrom('chapters').select('id').where('course_id', '=', c.courseId).executeTakeFirstOrThrow();
    const added = await env.req('POST', `/api/chapters/${chapter.id}/lessons`, { as: teacher, body: { title: 'New lesson', kind: 'text', body: 'More' } });
    expect(added.statusCode, added.body).toBe(201);
    const after = await row(a.enrollmentId);
    expect(after.completed_at).toBe(e.completedAt);
    expect(json<Enrollment>(await env.req('GET', `/api/enrollments/${a.enrollmentId}`, { as: mod })).progress).toBe(100);
  });

  it('the training record shows the manual completion, by whom and why', async () => {
    const mod = await env.user(['Moderator'], 'Mona Moderator');
    const hr = await env.user(['HR Manager']);
    const c = await makeCourse(env, { lessons: 2, title: 'Forklift practice' });
    const a = await learnerIn(c.courseId);
    const emp = await env.req('POST', '/api/employees', { as: hr, body: { employeeCode: `M-${a.learner.id.slice(-6)}`, fullName: a.learner.fullName, userId: a.learner.id } });
    expect(emp.statusCode, emp.body).toBe(201);
    expect((await env.req('POST', `/api/enrollments/${a.enrollmentId}/mark-complete`, { as: mod, body: { reason: 'External certificate' } })).statusCode).toBe(200);
    const rec = await env.req('GET', `/api/employees/${json<{ id: string }>(emp).id}/training-record`, { as: hr });
    expect(rec.statusCode, rec.body).toBe(200);
    const course = json<{ courses: { courseId: string; status: string; progress: number; manualCompletion: unknown }[] }>(rec).courses.find((x) => x.courseId === c.courseId);
    expect(course).toMatchObject({ status: 'completed', progress: 100, manualCompletion: { byName: 'Mona Moderator', reason: 'External certificate', evidenceFileId: null } });
  });

  it('permission: a Course Creator of another course, a learner and HR may not; nothing is written', async () => {
    const teacher = await env.user(['Course Creator']);
    const other = await env.user(['Course Creator']);
    const hr = await env.user(['HR Manager']);
    const c = await makeCourse(env, { lessons: 2, instructorIds: [teacher.id], enableCertification: true });
    await makeCourse(env, { lessons: 1, instructorIds: [other.id] });
    const a = await learnerIn(c.courseId);
    const before = await snapshot();
    const denied: [TestUser, number][] = [
      [other, 404],
      [a.learner, 403],
      [hr, 403],
    ];
    for (const [who, status] of denied) {
      const res = await env.req('POST', `/api/enrollments/${a.enrollmentId}/mark-complete`, { as: who, body: { reason: 'Because' } });
      expect({ roles: who.roles, status: res.statusCode }).toEqual({ roles: who.roles, status });
    }
    expect((await env.req('POST', '/api/files', { as: a.learner, ...fileUpload(samples.pdf, 'x.pdf', 'application/pdf') })).statusCode).toBe(403);
    expect(await snapshot()).toEqual(before);
    expect((await row(a.enrollmentId)).completed_at).toBeNull();
  });

  it("bad input (missing or oversize reason, wrong types, unknown id, another user's or a non-evidence file) writes nothing", async () => {
    const mod = await env.user(['Moderator']);
    const otherMod = await env.user(['Moderator']);
    const c = await makeCourse(env, { lessons: 2, enableCertification: true });
    const a = await learnerIn(c.courseId);
    const theirs = json<{ id: string }>(await upload(otherMod)).id;
    const image = await env.ctx.db.selectFrom('files').select('id').where('purpose', '<>', 'evidence').executeTakeFirst();
    const before = await snapshot();
    const cases: [string, unknown, number, string, string?][] = [
      [a.enrollmentId, undefined, 400, 'VALIDATION_FAILED'],
      [a.enrollmentId, {}, 400, 'VALIDATION_FAILED'],
      [a.enrollmentId, { reason: '  ' }, 400, 'VALIDATION_FAILED'],
      [a.enrollmentId, { reason: 'x'.repeat(501) }, 400, 'VALIDATION_FAILED'],
      [a.enrollmentId, { reason: 7 }, 400, 'VALIDATION_FAILED'],
      [a.enrollmentId, { reason: 'ok', evidenceFileId: 12 }, 400, 'VALIDATION_FAILED'],
      [a.enrollmentId, { reason: 'ok', progress: 100 }, 400, 'VALIDATION_FAILED'],
      [a.enrollmentId, { reason: 'ok', evidenceFileId: theirs }, 400, 'VALIDATION_FAILED', 'evidenceFileId'],
      [a.enrollmentId, { reason: 'ok', evidenceFileId: newId() }, 400, 'VALIDATION_FAILED', 'evidenceFileId'],
      [newId(), { reason: 'ok' }, 404, 'NOT_FOUND'],
    ];
    if (image) cases.push([a.enrollmentId, { reason: 'ok', evidenceFileId: image.id }, 400, 'VALIDATION_FAILED', 'evidenceFileId']);
    for (const [id, body, status, code, path] of cases) {
      const res = await env.req('POST', `/api/enrollments/${id}/mark-complete`, { as: mod, ...(body !== undefined ? { body } : {}) });
      expect({ body, status: res.statusCode, code: json(res).code }).toEqual({ body, status, code });
      if (path) expect(json<{ errors: { path: string }[] }>(res).errors.map((e) => e.path)).toEqual([path]);
    }
    expect(await snapshot()).toEqual(before);
    expect((await row(a.enrollmentId)).completed_at).toBeNull();
    // Uploads: only PDF, PNG or JPEG.
    const files = await env.count('files');
    const wrong = await upload(mod, Buffer.from('just text'), 'notes.txt', 'text/plain');
    expect(wrong.statusCode).toBe(415);
    expect(await env.count('files')).toBe(files);
    // The database refuses a manual completion without a completed enrollment or a reason.
    await expect(
      env.ctx.db.updateTable('enrollments').set({ completed_manually_at: new Date().toISOString(), completed_manually_reason: 'x' }).where('id', '=', a.enrollmentId).execute(),
    ).rejects.toThrow();
  });

  it('parallel mark-complete requests: one completion, one certificate, the rest 409 ALREADY_COMPLETED', async () => {
    const mod = await env.user(['Moderator']);
    const teacher = await env.user(['Course Creator']);
    const c = await makeCourse(env, { lessons: 2, instructorIds: [teacher.id], enableCertification: true });
    const a = await learnerIn(c.courseId);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        env.req('POST', `/api/enrollments/${a.enrollmentId}/mark-complete`, { as: i % 2 ? mod : teacher, body: { reason: `Marked ${i}` } }),
      ),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409, 409, 409, 409, 409]);
    expect(results.filter((r) => r.statusCode === 409).every((r) => json(r).code === 'ALREADY_COMPLETED')).toBe(true);
    expect(await certificatesOf(a.learner.id, c.courseId)).toHaveLength(1);
    const audits = await env.ctx.db.selectFrom('audit_log').select('id').where('entity_id', '=', a.enrollmentId).where('action', '=', 'mark-complete').execute();
    expect(audits).toHaveLength(1);
  });

  it('a learner whose lessons are all done is complete already: 409', async () => {
    const mod = await env.user(['Moderator']);
    const c = await makeCourse(env, { lessons: 1 });
    const a = await learnerIn(c.courseId);
    expect((await env.req('POST', `/api/lessons/${c.lessonIds[0]}/complete`, { as: a.learner })).statusCode).toBe(200);
    const res = await env.req('POST', `/api/enrollments/${a.enrollmentId}/mark-complete`, { as: mod, body: { reason: 'x' } });
    expect([res.statusCode, json(res).code]).toEqual([409, 'ALREADY_COMPLETED']);
    expect((await row(a.enrollmentId)).completed_manually_at).toBeNull();
  });
});
