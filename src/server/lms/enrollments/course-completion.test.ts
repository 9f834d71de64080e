import { expect, it } from 'vitest';
import { describeDb, json } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import type { CourseCompletionRow } from '../../../contract/enrollments.ts';

describeDb('statistics: completion by course (GET /api/statistics/course-completion)', (env) => {
  it('counts every published course’s enrollments completed, in progress and not started, most enrolled first; also as CSV', async () => {
    const hr = await env.user(['HR User']);
    const ladders = await makeCourse(env, { title: 'Ladder Safety', lessons: 2 });
    const privacy = await makeCourse(env, { title: 'Data Privacy', lessons: 1 });
    await makeCourse(env, { title: 'Ethics (draft)', published: false });
    const [done, half, idle, other] = await Promise.all([env.user(), env.user(), env.user(), env.user()]);
    for (const u of [done, half, idle]) expect((await env.req('POST', `/api/courses/${ladders.courseId}/enroll`, { as: u })).statusCode).toBe(201);
    expect((await env.req('POST', `/api/courses/${privacy.courseId}/enroll`, { as: other })).statusCode).toBe(201);
    for (const l of ladders.lessonIds) expect((await env.req('POST', `/api/lessons/${l}/complete`, { as: done })).statusCode).toBe(200);
    expect((await env.req('POST', `/api/lessons/${ladders.lessonIds[0]}/complete`, { as: half })).statusCode).toBe(200);

    const res = await env.req('GET', '/api/statistics/course-completion', { as: hr });
    expect(res.statusCode, res.body).toBe(200);
    expect(json<CourseCompletionRow[]>(res)).toEqual([
      { courseId: ladders.courseId, title: 'Ladder Safety', enrolled: 3, completed: 1, inProgress: 1, notStarted: 1, completionRate: 33.3 },
      { courseId: privacy.courseId, title: 'Data Privacy', enrolled: 1, completed: 0, inProgress: 0, notStarted: 1, completionRate: 0 },
    ]);

    const csv = await env.req('GET', '/api/statistics/course-completion/export.csv', { as: hr });
    expect([csv.statusCode, csv.headers['content-disposition']]).toEqual([200, 'attachment; filename="completion-by-course.csv"']);
    expect(csv.body.trim().split(/\r?\n/)).toEqual([
      'Course,Enrolled,Completed,In progress,Not started,Completed of enrolled (%)',
      'Ladder Safety,3,1,1,1,33.3',
      'Data Privacy,1,0,0,1,0',
    ]);
  });

  it('needs a staff role and takes no parameters', async () => {
    const learner = await env.user();
    const mod = await env.user(['Moderator']);
    for (const url of ['/api/statistics/course-completion', '/api/statistics/course-completion/export.csv']) {
      expect((await env.req('GET', url, { as: learner })).statusCode, url).toBe(403);
      expect((await env.req('GET', url)).statusCode, url).toBe(401);
      const bad = await env.req('GET', `${url}?courseId=x`, { as: mod });
      expect([bad.statusCode, json(bad).code], url).toEqual([400, 'VALIDATION_FAILED']);
    }
  });
});
