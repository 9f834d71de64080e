/**
 * Ending an enrollment: a course's instructors remove a learner with a reason (audited with the
 * before-image, as staff deletions are), and self-enrolled learners leave a course themselves
 * unless it is mandatory or a training assignment for it is open.
 */
import { expect, it } from 'vitest';
import { describeDb, json, type TestUser } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { enroll } from '../../../../test/helpers/courses.ts';
import { newId } from '../../db/ids.ts';
import { nowIso } from '../../db/dialect.ts';

type Audit = { action: string; actor_id: string | null; before_json: string | null; after_json: string | null };

describeDb('removing and leaving enrollments', (env) => {
  async function learnerIn(courseId: string, lessonsDone: string[] = []) {
    const learner = await env.user(['LMS Student']);
    const res = await env.req('POST', `/api/courses/${courseId}/enroll`, { as: learner });
    expect(res.statusCode, res.body).toBe(201);
    for (const l of lessonsDone) expect((await env.req('POST', `/api/lessons/${l}/complete`, { as: learner })).statusCode).toBe(200);
    return { learner, enrollmentId: json<{ id: string }>(res).id };
  }
  const auditOf = (id: string) =>
    env.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'actor_id', 'before_json', 'after_json'])
      .where('entity', '=', 'enrollment')
      .where('entity_id', '=', id)
      .orderBy('at')
      .execute() as Promise<Audit[]>;
  const exists = async (id: string) => (await env.ctx.db.selectFrom('enrollments').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
  const snapshot = async () => [await env.count('enrollments'), await env.count('lesson_completions'), await env.count('audit_log')];

  it("an instructor removes a learner of their course with a reason (body or query); the audit entry keeps the row, progress and reason", async () => {
    const teacher = await env.user(['Course Creator']);
    const c = await makeCourse(env, { lessons: 2, instructorIds: [teacher.id] });
    const a = await learnerIn(c.courseId, [c.lessonIds[0]!]);
    const res = await env.req('DELETE', `/api/enrollments/${a.enrollmentId}`, { as: teacher, body: { reason: '  Left the company  ' } });
    expect(res.statusCode, res.body).toBe(204);
    expect(await exists(a.enrollmentId)).toBe(false);
    expect(await env.ctx.db.selectFrom('lesson_completions').select('id').where('member_id', '=', a.learner.id).execute()).toEqual([]);
    const [entry] = await auditOf(a.enrollmentId).then((r) => r.filter((x) => x.action === 'delete'));
    expect(entry).toMatchObject({ actor_id: teacher.id });
    expect(JSON.parse(entry!.before_json!)).toMatchObject({ id: a.enrollmentId, progress: 50, lessonProgress: [{ lessonId: c.lessonIds[0] }] });
    expect(JSON.parse(entry!.after_json!)).toEqual({ reason: 'Left the company' });
    // Access ends at once.
    expect((await env.req('POST', `/api/lessons/${c.lessonIds[1]}/complete`, { as: a.learner })).statusCode).toBe(404);

    const b = await learnerIn(c.courseId);
    const q = await env.req('DELETE', `/api/enrollments/${b.enrollmentId}?reason=${encodeURIComponent('Duplicate account')}`, { as: teacher });
    expect(q.statusCode, q.body).toBe(204);
    expect(JSON.parse((await auditOf(b.enrollmentId)).find((x) => x.action === 'delete')!.after_json!)).toEqual({ reason: 'Duplicate account' });
  });

  it('an instructor must give a sensible reason; bad input is problem+json and nothing is written', async () => {
    const teacher = await env.user(['Course Creator']);
    const c = await makeCourse(env, { lessons: 2, instructorIds: [teacher.id] });
    const a = await learnerIn(c.courseId, [c.lessonIds[0]!]);
    const before = await snapshot();
    const cases: [unknown, string, number, string][] = [
      [undefined, '', 400, 'VALIDATION_FAILED'],
      [{}, '', 400, 'VALIDATION_FAILED'],
      [{ reason: '   \u200b ' }, '', 400, 'VALIDATION_FAILED'],
      [{ reason: 'x'.repeat(1001) }, '', 400, 'VALIDATION_FAILED'],
      [{ reason: 42 }, '', 400, 'VALIDATION_FAILED'],
      [{ reason: ['a'] }, '', 400, 'VALIDATION_FAILED'],
      [{ reason: 'ok', extra: 1 }, '', 400, 'VALIDATION_FAILED'],
      [undefined, `?reason=${'y'.repeat(1001)}`, 400, 'VALIDATION_FAILED'],
      [undefined, '?reason=', 400, 'VALIDATION_FAILED'],
      [undefined, '?why=because', 400, 'VALIDATION_FAILED'],
    ];
    for (const [body, query, status, code] of cases) {
      const res = await env.req('DELETE', `/api/enrollments/${a.enrollmentId}${query}`, { as: teacher, ...(body !== undefined ? { body } : {}) });
      expect({ body, query, status: res.statusCode, code: json(res).code }).toEqual({ body, query, status, code });
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    const missing = json<{ errors: { path: string }[] }>(await env.req('DELETE', `/api/enrollments/${a.enrollmentId}`, { as: teacher }));
    expect(missing.errors.map((e) => e.path)).toEqual(['reason']);
    expect(await snapshot()).toEqual(before);
    expect(await exists(a.enrollmentId)).toBe(true);
  });

  it("other courses' enrollments, unknown ids and learners are refused; staff still delete without a reason", async () => {
    const teacher = await env.user(['Course Creator']);
    const mine = await makeCourse(env, { instructorIds: [teacher.id] });
    const other = await makeCourse(env);
    const a = await learnerIn(other.courseId);
    const b = await learnerIn(mine.courseId);
    const hr = await env.user(['HR Manager']);
    const before = await snapshot();
    const tries: [TestUser, string, number, string][] = [
      [teacher, a.enrollmentId, 404, 'NOT_FOUND'],
      [teacher, '0000000000000000000000zzzz', 404, 'NOT_FOUND'],
      [teacher, 'bad id!', 400, 'VALIDATION_FAILED'],
      [b.learner, b.enrollmentId, 403, 'FORBIDDEN'],
      [a.learner, b.enrollmentId, 403, 'FORBIDDEN'],
      [hr, b.enrollmentId, 403, 'FORBIDDEN'],
    ];
    for (const [as, id, status, code] of tries) {
      const res = await env.req('DELETE', `/api/enrollments/${encodeURIComponent(id)}`, { as, body: { reason: 'Because' } });
      expect({ id, status: res.statusCode, code: json(res).code }).toEqual({ id, status, code });
    }
    expect((await env.req('DELETE', `/api/enrollments/${b.enrollmentId}`, { body: { reason: 'x' } })).statusCode).toBe(401);
    expect(await snapshot()).toEqual(before);
    const mod = await env.user(['Moderator']);
    expect((await env.req('DELETE', `/api/enrollments/${a.enrollmentId}`, { as: mod })).statusCode).toBe(204);
    const entry = (await auditOf(a.enrollmentId)).find((x) => x.action === 'delete')!;
    expect(entry.after_json).toBeNull();
    expect((await env.req('DELETE', `/api/enrollments/${b.enrollmentId}`, { as: mod, body: { reason: 'Cleanup' } })).statusCode).toBe(204);
    expect(JSON.parse((await auditOf(b.enrollmentId)).find((x) => x.action === 'delete')!.after_json!)).toEqual({ reason: 'Cleanup' });
  });

  it('a self-enrolled learner leaves a course: 204, audited with the before-image, and may enroll again from zero', async () => {
    const c = await makeCourse(env, { lessons: 2 });
    const a = await learnerIn(c.courseId, [c.lessonIds[0]!]);
    const res = await env.req('POST', `/api/courses/${c.courseId}/leave`, { as: a.learner });
    expect(res.statusCode, res.body).toBe(204);
    expect(await exists(a.enrollmentId)).toBe(false);
    const [entry] = (await auditOf(a.enrollmentId)).filter((x) => x.action === 'leave');
    expect(entry).toMatchObject({ actor_id: a.learner.id });
    expect(JSON.parse(entry!.before_json!)).toMatchObject({ progress: 50, source: 'self', lessonProgress: [{ lessonId: c.lessonIds[0] }] });
    const again = await env.req('POST', `/api/courses/${c.courseId}/enroll`, { as: a.learner });
    expect(again.statusCode).toBe(201);
    expect(json<{ progress: number }>(again).progress).toBe(0);
  });

  it('leaving is refused for mandatory courses, enrollments made by someone else and open training assignments: 422, nothing written', async () => {
    const mandatory = await makeCourse(env, { mandatory: true });
    const m = await learnerIn(mandatory.courseId);
    const byStaff = await makeCourse(env);
    const s = await env.user(['LMS Student']);
    await enroll(env, s.id, byStaff.courseId);
    const assigned = await makeCourse(env);
    const t = await learnerIn(assigned.courseId);
    const now = nowIso();
    const assignment = {
      id: newId(),
      member_id: t.learner.id,
      course_id: assigned.courseId,
      enrollment_id: t.enrollmentId,
      due_date: '2030-01-01',
      status: 'open' as const,
      source: 'manual' as const,
      onboarding_id: null,
      completed_at: null,
      created_by: null,
      created_at: now,
      updated_at: now,
    };
    await env.ctx.db.insertInto('training_assignments').values(assignment).execute();
    const before = await snapshot();
    for (const [as, courseId, reason] of [
      [m.learner, mandatory.courseId, 'mandatory'],
      [s, byStaff.courseId, 'not_self_enrolled'],
      [t.learner, assigned.courseId, 'assigned'],
    ] as const) {
      const res = await env.req('POST', `/api/courses/${courseId}/leave`, { as });
      expect(res.statusCode).toBe(422);
      expect(json(res)).toMatchObject({ code: 'LEAVE_NOT_ALLOWED', reason });
    }
    expect(await snapshot()).toEqual(before);
    // A completed assignment no longer holds the learner.
    await env.ctx.db.updateTable('training_assignments').set({ status: 'completed', completed_at: now }).where('id', '=', assignment.id).execute();
    expect((await env.req('POST', `/api/courses/${assigned.courseId}/leave`, { as: t.learner })).statusCode).toBe(204);
  });

  it('leaving a course one is not in, an unknown or malformed course, or without logging in changes nothing', async () => {
    const c = await makeCourse(env);
    const a = await learnerIn(c.courseId);
    const stranger = await env.user(['LMS Student']);
    const before = await snapshot();
    const r1 = await env.req('POST', `/api/courses/${c.courseId}/leave`, { as: stranger });
    expect([r1.statusCode, json(r1).code]).toEqual([404, 'NOT_FOUND']);
    const r2 = await env.req('POST', `/api/courses/0000000000000000000000zzzz/leave`, { as: a.learner });
    expect([r2.statusCode, json(r2).code]).toEqual([404, 'NOT_FOUND']);
    const r3 = await env.req('POST', `/api/courses/${encodeURIComponent("x' or 1=1 --")}/leave`, { as: a.learner });
    expect([r3.statusCode, json(r3).code]).toEqual([400, 'VALIDATION_FAILED']);
    expect((await env.req('POST', `/api/courses/${c.courseId}/leave`)).statusCode).toBe(401);
    expect(await snapshot()).toEqual(before);
  });

  it('two leaves at once: one 204 and one 404, one audit entry', async () => {
    const c = await makeCourse(env, { lessons: 2 });
    const a = await learnerIn(c.courseId, [c.lessonIds[0]!]);
    const results = await Promise.all([1, 2].map(() => env.req('POST', `/api/courses/${c.courseId}/leave`, { as: a.learner })));
    expect(results.map((r) => r.statusCode).sort()).toEqual([204, 404]);
    expect((await auditOf(a.enrollmentId)).filter((x) => x.action === 'leave')).toHaveLength(1);
    expect(await env.ctx.db.selectFrom('lesson_completions').select('id').where('member_id', '=', a.learner.id).execute()).toEqual([]);
  });
});
