import { expect, it } from 'vitest';
import { describeDb, json, type TestEnv, type TestUser } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { importerFor } from '../../../../test/helpers/imports.ts';
import type { ImportState } from '../../../contract/imports.ts';

const DUE = '2099-06-30';
const importCsv = importerFor('/api/training-assignments/import', 'assignments.csv');

async function counts(env: TestEnv) {
  return {
    assignments: await env.count('training_assignments'),
    enrollments: await env.count('enrollments'),
    audit: await env.count('audit_log'),
  };
}

/**
 * Every enrollment path answers alike for a draft: a course the caller cannot see is 404, a draft
 * they can see is 422 COURSE_NOT_PUBLISHED, and no path opens a draft's lessons to a learner.
 */
describeDb('enrollment paths refuse unpublished courses', (env) => {
  let hrUser: TestUser;
  let hrManager: TestUser;
  let moderator: TestUser;
  let learner: TestUser;
  const ready = async () => {
    hrUser ??= await env.user(['HR User']);
    hrManager ??= await env.user(['HR Manager']);
    moderator ??= await env.user(['Moderator']);
    learner ??= await env.user();
  };

  it('API assignment: HR gets 404 for a draft (as for GET), a Moderator 422; preview too; nothing is written', async () => {
    await ready();
    const draft = await makeCourse(env, { published: false });
    expect((await env.req('GET', `/api/courses/${draft.courseId}`, { as: hrUser })).statusCode).toBe(404);
    const before = await counts(env);
    for (const preview of [false, true]) {
      for (const as of [hrUser, hrManager]) {
        const res = await env.req('POST', '/api/training-assignments', { as, body: { courseId: draft.courseId, dueDate: DUE, memberIds: [learner.id], preview } });
        expect(res.statusCode).toBe(404);
        expect(json(res).code).toBe('NOT_FOUND');
      }
      const mod = await env.req('POST', '/api/training-assignments', { as: moderator, body: { courseId: draft.courseId, dueDate: DUE, memberIds: [learner.id], preview } });
      expect(mod.statusCode).toBe(422);
      expect(json(mod).code).toBe('COURSE_NOT_PUBLISHED');
    }
    expect(await counts(env)).toEqual(before);
    // The learner cannot read the draft's lessons.
    expect((await env.req('GET', `/api/lessons/${draft.lessonIds[0]}`, { as: learner })).statusCode).toBe(404);
    // A published course is still assigned.
    const open = await makeCourse(env);
    expect((await env.req('POST', '/api/training-assignments', { as: hrUser, body: { courseId: open.courseId, dueDate: DUE, memberIds: [learner.id] } })).statusCode).toBe(201);
  });

  it('CSV import: a draft is an unknown course for HR and an unpublished one for a Moderator; nothing is written', async () => {
    await ready();
    const title = `Draft ${Date.now().toString(36)}`;
    const draft = await makeCourse(env, { published: false, title });
    const before = await counts(env);
    for (const as of [hrUser, hrManager]) {
      for (const csv of [`memberEmail,courseId,dueDate\n${learner.email},${draft.courseId},${DUE}\n`, `memberEmail,courseTitle,dueDate\n${learner.email},${title},${DUE}\n`]) {
        const res = await importCsv(env, as, csv, { mode: 'valid-rows' });
        const s = json<ImportState>(res);
        expect(s.errors).toHaveLength(1);
        expect(s.errors[0]!.message).toMatch(/^No course (has the id|is titled)/);
      }
    }
    const res = await importCsv(env, moderator, `memberEmail,courseId,dueDate\n${learner.email},${draft.courseId},${DUE}\n`, { mode: 'valid-rows' });
    const s = json<ImportState>(res);
    expect(s.errors).toHaveLength(1);
    expect(s.errors[0]).toMatchObject({ row: 2, column: 'courseId' });
    expect(s.errors[0]!.message).toContain('is not published');
    expect(await env.count('training_assignments')).toBe(before.assignments);
    expect(await env.count('enrollments')).toBe(before.enrollments);
    expect((await env.req('GET', `/api/lessons/${draft.lessonIds[0]}`, { as: learner })).statusCode).toBe(404);
  });

  it('staff enrollment (POST /api/enrollments) and the automatic paths refuse a draft with 422', async () => {
    await ready();
    const draft = await makeCourse(env, { published: false });
    const before = await counts(env);
    const res = await env.req('POST', '/api/enrollments', { as: moderator, body: { courseId: draft.courseId, memberId: learner.id } });
    expect(res.statusCode).toBe(422);
    expect(json(res).code).toBe('COURSE_NOT_PUBLISHED');
    expect(await counts(env)).toEqual(before);
  });
});
