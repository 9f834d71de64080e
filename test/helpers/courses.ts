import { expect } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import type { TestEnv, TestUser } from './harness.ts';
import type { Course, Lesson, Outline } from '../../src/contract/courses.ts';
import { newId } from '../../src/server/db/ids.ts';
import { nowIso } from '../../src/server/db/dialect.ts';
import { progressSql } from '../../src/server/lms/enrollments/index.ts';

export type Problem = { code: string; status: number; detail: string; errors?: { path: string; message: string }[] };
export type Chapter = { id: string; courseId: string; title: string; position: number };

/** Awaits a response, asserts its status, returns its JSON body. */
export async function ok<T>(p: Promise<LightMyRequestResponse>, status = 200): Promise<T> {
  const res = await p;
  expect(res.statusCode, res.body).toBe(status);
  return JSON.parse(res.body) as T;
}

/**
 * Enrolls a member by inserting the row directly (source admin, progress 0), for tests that
 * need an enrollment without going through the enrollment API.
 */
export async function enroll(env: TestEnv, memberId: string, courseId: string): Promise<string> {
  const id = newId();
  const now = nowIso();
  await env.ctx.db
    .insertInto('enrollments')
    .values({
      id,
      member_id: memberId,
      course_id: courseId,
      completed_lessons: 0,
      current_lesson_id: null,
      source: 'admin',
      batch_id: null,
      payment_id: null,
      completed_at: null,
      last_activity_at: now,
      created_by: null,
      created_at: now,
    })
    .execute();
  return id;
}

/** Course authoring through the API, asserting success at each step. */
export function courseKit(env: TestEnv) {
  return {
    course: (as: TestUser, body: Record<string, unknown> = {}) =>
      ok<Course>(env.req('POST', '/api/courses', { as, body: { title: `Course ${newId()}`, ...body } }), 201),
    chapter: (as: TestUser, courseId: string, title = 'Chapter') =>
      ok<Chapter>(env.req('POST', `/api/courses/${courseId}/chapters`, { as, body: { title } }), 201),
    lesson: (as: TestUser, chapterId: string, body: Record<string, unknown> = {}) =>
      ok<Lesson>(env.req('POST', `/api/chapters/${chapterId}/lessons`, { as, body: { title: 'Lesson', kind: 'text', ...body } }), 201),
    outline: (as: TestUser, courseId: string) => ok<Outline>(env.req('GET', `/api/courses/${courseId}/outline`, { as })),
    /** "chapter title: lesson titles" in outline order, to compare structure at a glance. */
    shape: async (as: TestUser, courseId: string) => {
      const o = await ok<Outline>(env.req('GET', `/api/courses/${courseId}/outline`, { as }));
      return o.chapters.map((c) => `${c.title}: ${c.lessons.map((l) => l.title).join(',')}`);
    },
    /** Marks a lesson complete for a member by inserting the completion row directly. */
    complete: async (memberId: string, lesson: Lesson) => {
      await env.ctx.db
        .insertInto('lesson_completions')
        .values({ id: newId(), member_id: memberId, lesson_id: lesson.id, course_id: lesson.courseId, completed_at: nowIso() })
        .execute();
    },
    progressOf: async (enrollmentId: string) =>
      env.ctx.db.selectFrom('enrollments').select([progressSql().as('progress'), 'completed_at']).where('id', '=', enrollmentId).executeTakeFirstOrThrow(),
  };
}
