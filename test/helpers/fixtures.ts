import { bool, nowIso } from '../../src/server/db/dialect.ts';
import { newId } from '../../src/server/db/ids.ts';
import type { TestEnv } from './harness.ts';

export interface CourseFixture {
  courseId: string;
  chapterIds: string[];
  lessonIds: string[];
}

/**
 * Writes a course with chapters and lessons straight into the database, for tests whose subject
 * is something else (enrollments, progress, quizzes). Course authoring has its own API tests.
 */
export async function makeCourse(
  env: TestEnv,
  opts: {
    title?: string;
    published?: boolean;
    paid?: boolean;
    mandatory?: boolean;
    disableSelfEnrollment?: boolean;
    sequential?: boolean;
    lessons?: number;
    chapters?: number;
    kinds?: string[];
    instructorIds?: string[];
    enableCertification?: boolean;
  } = {},
): Promise<CourseFixture> {
  const now = nowIso();
  const courseId = newId();
  await env.ctx.db
    .insertInto('courses')
    .values({
      id: courseId,
      title: opts.title ?? `Course ${courseId.slice(-6)}`,
      short_introduction: 'A test course',
      description: '',
      image_file_id: null,
      category: null,
      tags: '[]',
      published: bool(opts.published ?? true),
      published_at: opts.published === false ? null : now,
      mandatory: bool(opts.mandatory ?? false),
      paid: bool(opts.paid ?? false),
      price: opts.paid ? 4900 : null,
      currency: opts.paid ? 'EUR' : null,
      enable_certification: bool(opts.enableCertification ?? false),
      certificate_issue_mode: 'auto',
      certificate_template_id: null,
      certificate_validity_months: null,
      disable_self_enrollment: bool(opts.disableSelfEnrollment ?? false),
      sequential: bool(opts.sequential ?? false),
      lesson_count: opts.lessons ?? 4,
      created_by: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  for (const uid of opts.instructorIds ?? []) {
    await env.ctx.db.insertInto('course_instructors').values({ course_id: courseId, user_id: uid }).execute();
  }
  const chapters = opts.chapters ?? 1;
  const lessons = opts.lessons ?? 4;
  const chapterIds: string[] = [];
  const lessonIds: string[] = [];
  for (let c = 0; c < chapters; c++) {
    const chapterId = newId();
    chapterIds.push(chapterId);
    await env.ctx.db.insertInto('chapters').values({ id: chapterId, course_id: courseId, title: `Chapter ${c + 1}`, position: c, created_at: now }).execute();
  }
  for (let l = 0; l < lessons; l++) {
    const id = newId();
    lessonIds.push(id);
    await env.ctx.db
      .insertInto('lessons')
      .values({
        id,
        course_id: courseId,
        chapter_id: chapterIds[l % chapters]!,
        title: `Lesson ${l + 1}`,
        kind: opts.kinds?.[l] ?? 'text',
        body: `# Lesson ${l + 1}\n\nSome text.`,
        video_url: null,
        file_id: null,
        quiz_id: null,
        scorm_package_id: null,
        is_preview: 0,
        position: Math.floor(l / chapters),
        created_at: now,
        updated_at: now,
      })
      .execute();
  }
  return { courseId, chapterIds, lessonIds };
}

/**
 * A booked certificate evaluation whose time has come: it started a minute ago (the booking is
 * moved in the database, as the API books only future slots). Tests do not move the clock.
 */
export async function evaluationUnderWay(env: TestEnv, requestId: string): Promise<void> {
  const now = Date.now();
  await env.ctx.db
    .updateTable('certificate_requests')
    .set({ starts_at: new Date(now - 60_000).toISOString(), ends_at: new Date(now + 29 * 60_000).toISOString() })
    .where('id', '=', requestId)
    .execute();
}
