/**
 * How courses, chapters and lessons look in the API: rows to views, image and file URLs, tags.
 */
import { type Selectable } from 'kysely';
import type { Executor } from '../../db/database.ts';
import type { ChaptersTable, CoursesTable, LessonsTable } from '../../db/schema.ts';
import { renderMarkdown } from '../../platform/markdown.ts';
import { DEFAULT_ATTESTATION_TEXT, type Course, type Lesson, type LessonKind } from '../../../contract/courses.ts';

export type CourseRow = Selectable<CoursesTable>;
export type ChapterRow = Selectable<ChaptersTable>;
export type LessonRow = Selectable<LessonsTable>;

export interface ChapterView {
  id: string;
  courseId: string;
  title: string;
  position: number;
  createdAt: string;
}

// ---------------------------------------------------------------------------------------------
// Presenting

export function courseImageUrl(courseId: string, imageFileId: string | null): string | null {
  return imageFileId ? `/api/courses/${courseId}/image?v=${imageFileId}` : null;
}

export function lessonFileUrl(lessonId: string, fileId: string | null): string | null {
  return fileId ? `/api/lessons/${lessonId}/file?v=${fileId}` : null;
}

/** A course's tags column (JSON text) as a list; anything malformed reads as no tags. */
export function parseTags(json: string): string[] {
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** Trimmed, first spelling kept, duplicates (any case) dropped. */
export function normalizeTags(tags: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const t of tags) {
    const key = t.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(t);
  }
  return out;
}

export function selectCourses(db: Executor) {
  return db
    .selectFrom('courses')
    .selectAll('courses')
    .select((eb) =>
      eb.selectFrom('lessons').select(eb.fn.countAll<number>().as('n')).whereRef('lessons.course_id', '=', 'courses.id').as('lesson_count'),
    );
}

type CourseWithCount = CourseRow & { lesson_count: number | string | null };

export async function presentCourses(db: Executor, rows: CourseWithCount[]): Promise<Course[]> {
  if (!rows.length) return [];
  const instructorRows = await db
    .selectFrom('course_instructors')
    .innerJoin('users', 'users.id', 'course_instructors.user_id')
    .select(['course_instructors.course_id', 'users.id', 'users.full_name'])
    .where(
      'course_instructors.course_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('users.full_name')
    .orderBy('users.id')
    .execute();
  const byCourse = new Map<string, { id: string; fullName: string }[]>();
  for (const r of instructorRows) {
    const list = byCourse.get(r.course_id) ?? [];
    list.push({ id: r.id, fullName: r.full_name });
    byCourse.set(r.course_id, list);
  }
  const counts = await enrollmentCounts(
    db,
    rows.filter((r) => r.max_enrollments !== null).map((r) => r.id),
  );
  const now = new Date().toISOString();
  return rows.map((c) => ({
    id: c.id,
    title: c.title,
    shortIntroduction: c.short_introduction,
    description: c.description,
    descriptionHtml: renderMarkdown(c.description),
    imageUrl: courseImageUrl(c.id, c.image_file_id),
    category: c.category,
    tags: parseTags(c.tags),
    published: c.published === 1,
    publishedAt: c.published_at,
    mandatory: c.mandatory === 1,
    paid: c.paid === 1,
    price: c.price === null ? null : Number(c.price),
    currency: c.currency,
    enableCertification: c.enable_certification === 1,
    certificateIssueMode: c.certificate_issue_mode === 'claim' ? 'claim' : 'auto',
    evaluationRequired: Number(c.evaluation_required ?? 0) === 1,
    certificateTemplateId: c.certificate_template_id,
    certificateValidityMonths: c.certificate_validity_months,
    requiresAttestation: c.requires_attestation === 1,
    attestationText: c.attestation_text ?? DEFAULT_ATTESTATION_TEXT,
    recertifyDaysBefore: c.recertify_days_before,
    disableSelfEnrollment: c.disable_self_enrollment === 1,
    ...enrollmentWindow(c, counts.get(c.id) ?? 0, now),
    sequential: c.sequential === 1,
    instructors: byCourse.get(c.id) ?? [],
    lessonCount: Number(c.lesson_count ?? 0),
    createdAt: c.created_at,
    updatedAt: c.updated_at,
  }));
}

/** Enrollments per course (any source), for the courses with a maximum. */
async function enrollmentCounts(db: Executor, courseIds: string[]): Promise<Map<string, number>> {
  if (!courseIds.length) return new Map();
  const rows = await db
    .selectFrom('enrollments')
    .select(['course_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('course_id', 'in', courseIds)
    .groupBy('course_id')
    .execute();
  return new Map(rows.map((r) => [r.course_id, Number(r.n)]));
}

type WindowColumns = Pick<CourseRow, 'enrollment_opens_at' | 'enrollment_closes_at' | 'max_enrollments'>;

/** Whether self-enrollment is open now by the course's window and capacity. */
export function enrollmentStateOf(c: WindowColumns, enrolled: number, now: string): Course['enrollmentState'] {
  if (c.enrollment_opens_at !== null && now < c.enrollment_opens_at) return 'not_yet_open';
  if (c.enrollment_closes_at !== null && now >= c.enrollment_closes_at) return 'closed';
  if (c.max_enrollments !== null && enrolled >= Number(c.max_enrollments)) return 'full';
  return 'open';
}

function enrollmentWindow(c: WindowColumns, enrolled: number, now: string) {
  const max = c.max_enrollments === null ? null : Number(c.max_enrollments);
  return {
    enrollmentOpensAt: c.enrollment_opens_at,
    enrollmentClosesAt: c.enrollment_closes_at,
    maxEnrollments: max,
    placesLeft: max === null ? null : Math.max(0, max - enrolled),
    enrollmentState: enrollmentStateOf(c, enrolled, now),
  };
}

export async function presentCourse(db: Executor, id: string): Promise<Course> {
  const row = await selectCourses(db).where('courses.id', '=', id).executeTakeFirstOrThrow();
  return (await presentCourses(db, [row]))[0]!;
}

export function presentChapter(c: ChapterRow): ChapterView {
  return { id: c.id, courseId: c.course_id, title: c.title, position: c.position, createdAt: c.created_at };
}

type LessonWithFile = LessonRow & { file_name: string | null; file_type: string | null; file_size: number | string | null };

export function selectLessons(db: Executor) {
  return db
    .selectFrom('lessons')
    .leftJoin('files', 'files.id', 'lessons.file_id')
    .selectAll('lessons')
    .select(['files.filename as file_name', 'files.content_type as file_type', 'files.size as file_size']);
}

export function presentLesson(l: LessonWithFile): Lesson {
  return {
    id: l.id,
    courseId: l.course_id,
    chapterId: l.chapter_id,
    title: l.title,
    kind: l.kind as LessonKind,
    body: l.body,
    bodyHtml: renderMarkdown(l.body),
    videoUrl: l.video_url,
    fileUrl: lessonFileUrl(l.id, l.file_id),
    file:
      l.file_id && l.file_name !== null
        ? { filename: l.file_name, contentType: l.file_type ?? 'application/octet-stream', size: Number(l.file_size) }
        : null,
    quizId: l.quiz_id,
    scormPackageId: l.scorm_package_id,
    isPreview: l.is_preview === 1,
    position: l.position,
    createdAt: l.created_at,
    updatedAt: l.updated_at,
  };
}

export async function loadLessonView(db: Executor, id: string): Promise<Lesson> {
  return presentLesson(await selectLessons(db).where('lessons.id', '=', id).executeTakeFirstOrThrow());
}
