/**
 * Course authoring: courses, instructors, chapters, lessons, their files, and the outline.
 *
 * Access (see course-access.ts): Moderators and System Managers manage every course; Course
 * Creators manage the courses they are instructors of. Everyone logged in sees published courses;
 * an unpublished course is seen by its managers and by members already enrolled in it (unpublishing
 * never takes access away from enrolled learners). A course the caller cannot see answers 404; a
 * course they can see but may not manage answers 403 FORBIDDEN on writes.
 *
 * Positions of chapters (in a course) and lessons (in a chapter) are 0-based and contiguous.
 * Structure changes lock the course row (PostgreSQL; SQLite serialises writers) so concurrent
 * appends cannot take the same position, and recompute progress in the same transaction.
 */
import { sql, type Selectable } from 'kysely';
import type { Actor, AppContext } from '../context.ts';
import type { Executor, Tx } from '../db/database.ts';
import { bool, containsCi, isForeignKeyViolation, nowIso } from '../db/dialect.ts';
import { newId } from '../db/ids.ts';
import { applyKeyset, keysetOrder, keysetPage, type SortKeys } from '../db/keyset.ts';
import type { ChaptersTable, CoursesTable, LessonsTable } from '../db/schema.ts';
import { hasAnyRole } from '../http/access.ts';
import { AppError, errors, type FieldError } from '../http/errors.ts';
import { recordAudit } from '../platform/audit.service.ts';
import {
  deleteFileRows,
  replaceFile,
  discardBlobs,
  insertFileRow,
  UPLOAD_RULES,
  type FileRow,
  type StoredBlob,
  type UploadRule,
} from '../platform/files.service.ts';
import { renderMarkdown } from '../platform/markdown.ts';
import type {
  Course,
  CourseListFilters,
  CreateCourseInput,
  CreateLessonInput,
  Lesson,
  LessonKind,
  Outline,
  UpdateCourseInput,
  UpdateLessonInput,
} from '../../contract/courses.ts';
import type { EnrollmentSource } from '../../contract/enrollments.ts';
import type { COURSE_SORTS } from '../../contract/courses.ts';
import { LMS_STAFF } from '../../contract/roles.ts';
import type { SearchResult } from '../../contract/search.ts';
import { canManageCourse, isCourseAdmin } from './course-access.ts';
import { progressSql, recomputeProgress } from './progress.service.ts';
import { assertUnlocked } from './enrollment.service.ts';
import { assertQuizLinkable } from './quiz.service.ts';
import { assertCertificateTemplate } from './certificate-template.service.ts';
import { withOwnCommit } from '../db/database.ts';

type CourseRow = Selectable<CoursesTable>;
type ChapterRow = Selectable<ChaptersTable>;
type LessonRow = Selectable<LessonsTable>;

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
function normalizeTags(tags: readonly string[]): string[] {
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

function selectCourses(db: Executor) {
  return db
    .selectFrom('courses')
    .selectAll('courses')
    .select((eb) =>
      eb.selectFrom('lessons').select(eb.fn.countAll<number>().as('n')).whereRef('lessons.course_id', '=', 'courses.id').as('lesson_count'),
    );
}

type CourseWithCount = CourseRow & { lesson_count: number | string | null };

async function presentCourses(db: Executor, rows: CourseWithCount[]): Promise<Course[]> {
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
    certificateTemplateId: c.certificate_template_id,
    certificateValidityMonths: c.certificate_validity_months,
    disableSelfEnrollment: c.disable_self_enrollment === 1,
    sequential: c.sequential === 1,
    instructors: byCourse.get(c.id) ?? [],
    lessonCount: Number(c.lesson_count ?? 0),
    createdAt: c.created_at,
    updatedAt: c.updated_at,
  }));
}

async function presentCourse(db: Executor, id: string): Promise<Course> {
  const row = await selectCourses(db).where('courses.id', '=', id).executeTakeFirstOrThrow();
  return (await presentCourses(db, [row]))[0]!;
}

function presentChapter(c: ChapterRow): ChapterView {
  return { id: c.id, courseId: c.course_id, title: c.title, position: c.position, createdAt: c.created_at };
}

type LessonWithFile = LessonRow & { file_name: string | null; file_type: string | null; file_size: number | string | null };

function selectLessons(db: Executor) {
  return db
    .selectFrom('lessons')
    .leftJoin('files', 'files.id', 'lessons.file_id')
    .selectAll('lessons')
    .select(['files.filename as file_name', 'files.content_type as file_type', 'files.size as file_size']);
}

function presentLesson(l: LessonWithFile): Lesson {
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

async function loadLessonView(db: Executor, id: string): Promise<Lesson> {
  return presentLesson(await selectLessons(db).where('lessons.id', '=', id).executeTakeFirstOrThrow());
}

// ---------------------------------------------------------------------------------------------
// Access

async function isEnrolled(db: Executor, actor: Actor, courseId: string): Promise<boolean> {
  if (!actor.id) return false;
  const row = await db
    .selectFrom('enrollments')
    .select('id')
    .where('member_id', '=', actor.id)
    .where('course_id', '=', courseId)
    .executeTakeFirst();
  return row !== undefined;
}

async function loadCourse(ctx: AppContext, db: Executor, id: string, lock: boolean): Promise<CourseRow | undefined> {
  let q = db.selectFrom('courses').selectAll().where('id', '=', id);
  // SQLite has no FOR UPDATE; its single writer already serialises structure changes.
  if (lock && ctx.dialect === 'postgres') q = q.forUpdate();
  return q.executeTakeFirst();
}

/**
 * The course, when the actor may manage it. 404 when the actor cannot see it (or it does not
 * exist), 403 when they see it but may not change it.
 */
async function manageableCourse(
  ctx: AppContext,
  db: Executor,
  actor: Actor,
  courseId: string,
  opts: { lock?: boolean; what?: string } = {},
): Promise<CourseRow> {
  const what = opts.what ?? 'The course';
  const course = await loadCourse(ctx, db, courseId, opts.lock ?? false);
  if (!course) throw errors.notFound(what);
  if (await canManageCourse(db, actor, courseId)) return course;
  if (course.published === 1 || (await isEnrolled(db, actor, courseId))) {
    throw errors.forbidden('You do not manage this course.');
  }
  throw errors.notFound(what);
}

/** The course when the actor may see it, else 404. */
async function visibleCourse(db: Executor, actor: Actor, courseId: string, what = 'The course'): Promise<CourseRow> {
  const course = await db.selectFrom('courses').selectAll().where('id', '=', courseId).executeTakeFirst();
  if (!course) throw errors.notFound(what);
  if (course.published === 1) return course;
  if (await canManageCourse(db, actor, courseId)) return course;
  if (await isEnrolled(db, actor, courseId)) return course;
  throw errors.notFound(what);
}

/** For routes: refuse before reading an upload when the actor may not change the course. */
export async function assertCanManageCourse(ctx: AppContext, actor: Actor, courseId: string): Promise<void> {
  await manageableCourse(ctx, ctx.db, actor, courseId);
}

// ---------------------------------------------------------------------------------------------
// Courses

const ISO_CURRENCY_NEEDED: FieldError = {
  path: 'currency',
  message: 'A paid course with a price needs its currency (ISO 4217, e.g. EUR).',
};

function checkPricing(state: { paid: number; price: number | null; currency: string | null }): void {
  if (state.paid === 1 && state.price !== null && state.currency === null) {
    throw errors.validation([ISO_CURRENCY_NEEDED], ISO_CURRENCY_NEEDED.message);
  }
}

async function checkUsersExist(db: Executor, ids: readonly string[], field: string): Promise<void> {
  if (!ids.length) return;
  const found = await db
    .selectFrom('users')
    .select('id')
    .where('id', 'in', [...new Set(ids)])
    .execute();
  const known = new Set(found.map((r) => r.id));
  const bad: FieldError[] = [];
  ids.forEach((id, i) => {
    if (!known.has(id)) bad.push({ path: `${field}.${i}`, message: 'No user has this id.' });
  });
  if (bad.length) throw errors.validation(bad, 'Some instructors are not users.');
}

async function writeInstructors(db: Executor, courseId: string, userIds: readonly string[]): Promise<void> {
  await db.deleteFrom('course_instructors').where('course_id', '=', courseId).execute();
  const unique = [...new Set(userIds)];
  if (unique.length) {
    await db
      .insertInto('course_instructors')
      .values(unique.map((user_id) => ({ course_id: courseId, user_id })))
      .execute();
  }
}

export async function createCourse(ctx: AppContext, actor: Actor, input: CreateCourseInput): Promise<Course> {
  const now = nowIso();
  const id = newId();
  const published = input.published ?? false;
  const row: CourseRow = {
    id,
    title: input.title,
    short_introduction: input.shortIntroduction ?? '',
    description: input.description ?? '',
    image_file_id: null,
    category: input.category ?? null,
    tags: JSON.stringify(normalizeTags(input.tags ?? [])),
    published: bool(published),
    published_at: published ? now : null,
    mandatory: bool(input.mandatory ?? false),
    paid: bool(input.paid ?? false),
    price: input.price ?? null,
    currency: input.currency ?? null,
    enable_certification: bool(input.enableCertification ?? false),
    certificate_issue_mode: input.certificateIssueMode ?? 'auto',
    certificate_template_id: input.certificateTemplateId ?? null,
    certificate_validity_months: input.certificateValidityMonths ?? null,
    disable_self_enrollment: bool(input.disableSelfEnrollment ?? false),
    sequential: bool(input.sequential ?? false),
    lesson_count: 0,
    created_by: actor.id,
    created_at: now,
    updated_at: now,
  };
  checkPricing(row);
  // A Course Creator always teaches what they create (or they could not manage it); an admin
  // who names instructors is not added to them.
  const instructorIds = [...(input.instructorIds ?? [])];
  if (actor.id && (!isCourseAdmin(actor) || input.instructorIds === undefined)) instructorIds.push(actor.id);
  return ctx.db.transaction().execute(async (trx) => {
    await checkUsersExist(trx, input.instructorIds ?? [], 'instructorIds');
    await assertCertificateTemplate(ctx, trx, input.certificateTemplateId);
    await trx.insertInto('courses').values(row).execute();
    await writeInstructors(trx, id, instructorIds);
    const view = await presentCourse(trx, id);
    await recordAudit(trx, { actorId: actor.id, action: 'create', entity: 'course', entityId: id, after: auditCourse(view) });
    return view;
  });
}

/** The audit copy of a course: everything but the rendered HTML. */
function auditCourse(c: Course): Omit<Course, 'descriptionHtml'> {
  const { descriptionHtml: _html, ...rest } = c;
  return rest;
}

export async function getCourse(ctx: AppContext, actor: Actor, id: string): Promise<Course> {
  await visibleCourse(ctx.db, actor, id);
  return presentCourse(ctx.db, id);
}

const COURSE_SORT_KEYS: SortKeys<(typeof COURSE_SORTS)[number]> = {
  title: { ref: 'courses.title', kind: 'text' },
  category: { ref: 'courses.category', kind: 'text', nullable: true },
  createdAt: { ref: 'courses.created_at', kind: 'date' },
};

/**
 * Lists the courses the actor can see, ordered by title (or `sort`) then id (keyset on both). Learners see
 * published courses only; Course Creators also the unpublished ones they teach; admins all.
 */
export async function listCourses(ctx: AppContext, actor: Actor, f: CourseListFilters) {
  let q = selectCourses(ctx.db);
  if (!isCourseAdmin(actor)) {
    const actorId = actor.id;
    if (hasAnyRole(actor.roles, ['Course Creator']) && actorId) {
      q = q.where((eb) =>
        eb.or([
          eb('courses.published', '=', 1),
          eb.exists(
            eb
              .selectFrom('course_instructors')
              .select('course_instructors.user_id')
              .whereRef('course_instructors.course_id', '=', 'courses.id')
              .where('course_instructors.user_id', '=', actorId),
          ),
        ]),
      );
    } else {
      q = q.where('courses.published', '=', 1);
    }
  }
  if (f.q) {
    const text = f.q;
    q = q.where((eb) => containsCi(eb.ref('courses.title'), text));
  }
  if (f.category) q = q.where(sql<string>`lower(${sql.ref('courses.category')})`, '=', f.category.toLowerCase());
  if (f.tag) {
    // Tags are stored as a JSON array: look for the quoted tag in its text.
    const needle = JSON.stringify(f.tag);
    q = q.where((eb) => containsCi(eb.ref('courses.tags'), needle));
  }
  if (f.mandatory !== undefined) q = q.where('courses.mandatory', '=', bool(f.mandatory));
  if (f.published !== undefined) q = q.where('courses.published', '=', bool(f.published));

  let total: number | undefined;
  if (f.withTotal) {
    const r = await q
      .clearSelect()
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    total = Number(r.n);
  }
  const order = keysetOrder(f.sort ?? 'title', COURSE_SORT_KEYS, 'courses.id');
  const rows = await applyKeyset(q, order, ctx.dialect, f.cursor)
    .limit(f.limit + 1)
    .execute();
  const { page, nextCursor } = keysetPage(order, rows, f.limit);
  return {
    items: await presentCourses(ctx.db, page),
    nextCursor,
    ...(total !== undefined ? { total } : {}),
  };
}

export async function updateCourse(ctx: AppContext, actor: Actor, id: string, patch: UpdateCourseInput): Promise<Course> {
  return ctx.db.transaction().execute(async (trx) => {
    const before = await manageableCourse(ctx, trx, actor, id, { lock: true });
    await assertCertificateTemplate(ctx, trx, patch.certificateTemplateId);
    const beforeView = await presentCourse(trx, id);
    const now = nowIso();
    const set: Partial<CourseRow> = { updated_at: now };
    if (patch.title !== undefined) set.title = patch.title;
    if (patch.shortIntroduction !== undefined) set.short_introduction = patch.shortIntroduction;
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.category !== undefined) set.category = patch.category;
    if (patch.tags !== undefined) set.tags = JSON.stringify(normalizeTags(patch.tags));
    if (patch.published !== undefined) {
      set.published = bool(patch.published);
      // The date of the first publication stays; unpublishing keeps it (and every enrollment).
      if (patch.published && before.published_at === null) set.published_at = now;
    }
    if (patch.mandatory !== undefined) set.mandatory = bool(patch.mandatory);
    if (patch.paid !== undefined) set.paid = bool(patch.paid);
    if (patch.price !== undefined) set.price = patch.price;
    if (patch.currency !== undefined) set.currency = patch.currency;
    if (patch.enableCertification !== undefined) set.enable_certification = bool(patch.enableCertification);
    if (patch.certificateIssueMode !== undefined) set.certificate_issue_mode = patch.certificateIssueMode;
    if (patch.certificateTemplateId !== undefined) set.certificate_template_id = patch.certificateTemplateId;
    if (patch.certificateValidityMonths !== undefined) set.certificate_validity_months = patch.certificateValidityMonths;
    if (patch.disableSelfEnrollment !== undefined) set.disable_self_enrollment = bool(patch.disableSelfEnrollment);
    if (patch.sequential !== undefined) set.sequential = bool(patch.sequential);
    checkPricing({ ...before, ...set });
    await trx.updateTable('courses').set(set).where('id', '=', id).execute();
    const after = await presentCourse(trx, id);
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'update',
      entity: 'course',
      entityId: id,
      before: auditCourse(beforeView),
      after: auditCourse(after),
    });
    return after;
  });
}

/**
 * Deletes a course with its chapters, lessons and files. Refused while it has enrollments (or
 * payments): unpublish it instead. The audit entry keeps the deleted course and its structure.
 */
export async function deleteCourse(ctx: AppContext, actor: Actor, id: string): Promise<void> {
  const refuse = () =>
    errors.conflict(
      'COURSE_HAS_ENROLLMENTS',
      "The course has enrollments, so it cannot be deleted. Unpublish it instead: that hides it from the catalog and keeps learners' records.",
    );
  let keys: string[] = [];
  try {
    keys = await ctx.db.transaction().execute(async (trx) => {
      const course = await manageableCourse(ctx, trx, actor, id, { lock: true });
      const enrolled = await trx
        .selectFrom('enrollments')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('course_id', '=', id)
        .executeTakeFirstOrThrow();
      if (Number(enrolled.n) > 0) throw refuse();
      const paid = await trx.selectFrom('payments').select('id').where('course_id', '=', id).limit(1).executeTakeFirst();
      if (paid) {
        throw errors.conflict('COURSE_HAS_PAYMENTS', 'Payments were made for this course, so it cannot be deleted. Unpublish it instead.');
      }
      const view = await presentCourse(trx, id);
      const chapters = await trx
        .selectFrom('chapters')
        .select(['id', 'title', 'position'])
        .where('course_id', '=', id)
        .orderBy('position')
        .execute();
      const lessons = await trx
        .selectFrom('lessons')
        .select(['id', 'chapter_id', 'title', 'kind', 'position', 'file_id'])
        .where('course_id', '=', id)
        .orderBy('chapter_id')
        .orderBy('position')
        .execute();
      await recordAudit(trx, {
        actorId: actor.id,
        action: 'delete',
        entity: 'course',
        entityId: id,
        before: { ...auditCourse(view), chapters, lessons },
      });
      await trx.deleteFrom('courses').where('id', '=', id).execute();
      return deleteFileRows(trx, [course.image_file_id, ...lessons.map((l) => l.file_id)]);
    });
  } catch (e) {
    // An enrollment committed between the check and the delete.
    if (isForeignKeyViolation(e)) throw refuse();
    throw e;
  }
  await discardBlobs(ctx, keys);
}

export async function setInstructors(ctx: AppContext, actor: Actor, id: string, userIds: readonly string[]): Promise<Course> {
  return ctx.db.transaction().execute(async (trx) => {
    await manageableCourse(ctx, trx, actor, id, { lock: true });
    if (!isCourseAdmin(actor) && actor.id && !userIds.includes(actor.id)) {
      throw errors.unprocessable(
        'CANNOT_REMOVE_SELF',
        'You would no longer manage this course. Keep yourself in the list, or ask a Moderator to hand the course over.',
      );
    }
    await checkUsersExist(trx, userIds, 'userIds');
    const before = await presentCourse(trx, id);
    await writeInstructors(trx, id, userIds);
    await trx.updateTable('courses').set({ updated_at: nowIso() }).where('id', '=', id).execute();
    const after = await presentCourse(trx, id);
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'set-instructors',
      entity: 'course',
      entityId: id,
      before: { instructors: before.instructors },
      after: { instructors: after.instructors },
    });
    return after;
  });
}

/** Stores an uploaded image as the course image; the previous image file is removed. */
export async function setCourseImage(ctx: AppContext, actor: Actor, id: string, blob: StoredBlob): Promise<Course> {
  return replaceFile(ctx, blob, async (trx) => {
    const course = await manageableCourse(ctx, trx, actor, id, { lock: true });
    const file = await insertFileRow(trx, blob, { purpose: UPLOAD_RULES.courseImage.purpose, createdBy: actor.id });
    await trx.updateTable('courses').set({ image_file_id: file.id, updated_at: nowIso() }).where('id', '=', id).execute();
    const oldKeys = await deleteFileRows(trx, [course.image_file_id]);
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'set-image',
      entity: 'course',
      entityId: id,
      before: { imageFileId: course.image_file_id },
      after: { imageFileId: file.id, filename: file.filename, contentType: file.content_type, size: file.size, sha256: file.sha256 },
    });
    return { result: await presentCourse(trx, id), replaced: oldKeys };
  });
}

export async function getCourseImage(ctx: AppContext, actor: Actor, id: string): Promise<FileRow> {
  const course = await visibleCourse(ctx.db, actor, id);
  const file = course.image_file_id
    ? await ctx.db.selectFrom('files').selectAll().where('id', '=', course.image_file_id).executeTakeFirst()
    : undefined;
  if (!file) throw errors.notFound('The course image');
  return file;
}

// ---------------------------------------------------------------------------------------------
// Chapters

async function chapterRow(db: Executor, id: string): Promise<ChapterRow | undefined> {
  return db.selectFrom('chapters').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The chapter and its course, when the actor may manage the course (404/403 otherwise). */
async function manageableChapter(
  ctx: AppContext,
  trx: Tx,
  actor: Actor,
  chapterId: string,
): Promise<{ chapter: ChapterRow; course: CourseRow }> {
  const found = await chapterRow(trx, chapterId);
  if (!found) throw errors.notFound('The chapter');
  const course = await manageableCourse(ctx, trx, actor, found.course_id, { lock: true, what: 'The chapter' });
  // Re-read under the course lock: a concurrent change may have moved or deleted it.
  const chapter = await chapterRow(trx, chapterId);
  if (!chapter) throw errors.notFound('The chapter');
  return { chapter, course };
}

async function listChapters(db: Executor, courseId: string): Promise<ChapterView[]> {
  const rows = await db.selectFrom('chapters').selectAll().where('course_id', '=', courseId).orderBy('position').orderBy('id').execute();
  return rows.map(presentChapter);
}

async function touchCourse(trx: Tx, courseId: string): Promise<void> {
  await trx.updateTable('courses').set({ updated_at: nowIso() }).where('id', '=', courseId).execute();
}

export async function createChapter(ctx: AppContext, actor: Actor, courseId: string, title: string): Promise<ChapterView> {
  return ctx.db.transaction().execute(async (trx) => {
    await manageableCourse(ctx, trx, actor, courseId, { lock: true });
    const { next } = await trx
      .selectFrom('chapters')
      .select(sql<number>`coalesce(max(position) + 1, 0)`.as('next'))
      .where('course_id', '=', courseId)
      .executeTakeFirstOrThrow();
    const row: ChapterRow = { id: newId(), course_id: courseId, title, position: Number(next), created_at: nowIso() };
    await trx.insertInto('chapters').values(row).execute();
    await touchCourse(trx, courseId);
    const view = presentChapter(row);
    await recordAudit(trx, { actorId: actor.id, action: 'create', entity: 'chapter', entityId: row.id, after: view });
    return view;
  });
}

export async function updateChapter(ctx: AppContext, actor: Actor, chapterId: string, title: string): Promise<ChapterView> {
  return ctx.db.transaction().execute(async (trx) => {
    const { chapter } = await manageableChapter(ctx, trx, actor, chapterId);
    await trx.updateTable('chapters').set({ title }).where('id', '=', chapterId).execute();
    await touchCourse(trx, chapter.course_id);
    const after = presentChapter({ ...chapter, title });
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'update',
      entity: 'chapter',
      entityId: chapterId,
      before: presentChapter(chapter),
      after,
    });
    return after;
  });
}

/** Deletes a chapter with its lessons (their completions cascade) and recomputes progress. */
export async function deleteChapter(ctx: AppContext, actor: Actor, chapterId: string): Promise<void> {
  const keys = await withOwnCommit(() =>
    ctx.db.transaction().execute(async (trx) => {
      const { chapter } = await manageableChapter(ctx, trx, actor, chapterId);
      const lessons = await trx
        .selectFrom('lessons')
        .select(['id', 'title', 'kind', 'position', 'file_id'])
        .where('chapter_id', '=', chapterId)
        .orderBy('position')
        .execute();
      await trx.deleteFrom('chapters').where('id', '=', chapterId).execute();
      await trx
        .updateTable('chapters')
        .set((eb) => ({ position: eb('position', '-', 1) }))
        .where('course_id', '=', chapter.course_id)
        .where('position', '>', chapter.position)
        .execute();
      const fileKeys = await deleteFileRows(
        trx,
        lessons.map((l) => l.file_id),
      );
      await touchCourse(trx, chapter.course_id);
      await recomputeProgress(ctx, trx, chapter.course_id, { actorId: actor.id });
      await recordAudit(trx, {
        actorId: actor.id,
        action: 'delete',
        entity: 'chapter',
        entityId: chapterId,
        before: { ...presentChapter(chapter), lessons },
      });
      return fileKeys;
    }),
  );
  await discardBlobs(ctx, keys);
}

/** `wanted` must hold each of `existing` exactly once; else 400 on `path` ("the course's chapters"). */
function checkSameSet(wanted: readonly string[], existing: readonly string[], path: string, noun: string, owner: string): void {
  const have = new Set(existing);
  const seen = new Set<string>();
  const problems: FieldError[] = [];
  wanted.forEach((id, i) => {
    if (!have.has(id)) problems.push({ path: `${path}.${i}`, message: `Not one of the ${owner}'s ${noun}.` });
    else if (seen.has(id)) problems.push({ path: `${path}.${i}`, message: 'Listed twice.' });
    seen.add(id);
  });
  const missing = existing.filter((id) => !seen.has(id));
  if (missing.length) problems.push({ path, message: `Missing ${missing.length} of the ${noun}: list every one exactly once.` });
  if (problems.length) throw errors.validation(problems, `List each of the ${noun} exactly once.`);
}

/** One statement: position = index in `ids` (and, for lessons, the chapter they now belong to). */
function positionCase(ids: readonly string[]) {
  return sql<number>`case id ${sql.join(
    ids.map((id, i) => sql`when ${id} then ${sql.lit(i)}`),
    sql` `,
  )} end`;
}

export async function reorderChapters(
  ctx: AppContext,
  actor: Actor,
  courseId: string,
  chapterIds: readonly string[],
): Promise<ChapterView[]> {
  return ctx.db.transaction().execute(async (trx) => {
    await manageableCourse(ctx, trx, actor, courseId, { lock: true });
    const before = await listChapters(trx, courseId);
    checkSameSet(
      chapterIds,
      before.map((c) => c.id),
      'chapterIds',
      'chapters',
      'course',
    );
    if (chapterIds.length) {
      await trx
        .updateTable('chapters')
        .set({ position: positionCase(chapterIds) })
        .where('id', 'in', [...chapterIds])
        .execute();
    }
    await touchCourse(trx, courseId);
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'reorder-chapters',
      entity: 'course',
      entityId: courseId,
      before: { chapterIds: before.map((c) => c.id) },
      after: { chapterIds },
    });
    return listChapters(trx, courseId);
  });
}

// ---------------------------------------------------------------------------------------------
// Lessons

function checkLessonFields(kind: string, l: { video_url: string | null; quiz_id: string | null; scorm_package_id: string | null }): void {
  const problems: FieldError[] = [];
  if (l.video_url !== null && kind !== 'video') problems.push({ path: 'videoUrl', message: 'Only video lessons have a video URL.' });
  if (l.quiz_id !== null && kind !== 'quiz') problems.push({ path: 'quizId', message: 'Only quiz lessons have a quiz.' });
  if (l.scorm_package_id !== null && kind !== 'scorm')
    problems.push({ path: 'scormPackageId', message: 'Only SCORM lessons have a SCORM package.' });
  if (problems.length) throw errors.validation(problems, `These fields do not belong to a ${kind} lesson.`);
}

async function lessonIdsOf(db: Executor, chapterId: string): Promise<string[]> {
  const rows = await db.selectFrom('lessons').select('id').where('chapter_id', '=', chapterId).orderBy('position').orderBy('id').execute();
  return rows.map((r) => r.id);
}

async function writeLessonOrder(trx: Tx, chapterId: string, ids: readonly string[]): Promise<void> {
  if (!ids.length) return;
  await trx
    .updateTable('lessons')
    .set({ chapter_id: chapterId, position: positionCase(ids) })
    .where('id', 'in', [...ids])
    .execute();
}

export async function createLesson(ctx: AppContext, actor: Actor, chapterId: string, input: CreateLessonInput): Promise<Lesson> {
  return withOwnCommit(() =>
    ctx.db.transaction().execute(async (trx) => {
      const { chapter } = await manageableChapter(ctx, trx, actor, chapterId);
      const now = nowIso();
      const { next } = await trx
        .selectFrom('lessons')
        .select(sql<number>`coalesce(max(position) + 1, 0)`.as('next'))
        .where('chapter_id', '=', chapterId)
        .executeTakeFirstOrThrow();
      const row: LessonRow = {
        id: newId(),
        course_id: chapter.course_id,
        chapter_id: chapterId,
        title: input.title,
        kind: input.kind,
        body: input.body ?? '',
        video_url: input.videoUrl ?? null,
        file_id: null,
        quiz_id: input.quizId ?? null,
        scorm_package_id: input.scormPackageId ?? null,
        is_preview: bool(input.isPreview ?? false),
        position: Number(next),
        created_at: now,
        updated_at: now,
      };
      checkLessonFields(row.kind, row);
      if (row.quiz_id !== null) await assertQuizLinkable(trx, actor, row.quiz_id, chapter.course_id);
      await trx.insertInto('lessons').values(row).execute();
      await touchCourse(trx, chapter.course_id);
      await recomputeProgress(ctx, trx, chapter.course_id, { actorId: actor.id });
      const view = await loadLessonView(trx, row.id);
      await recordAudit(trx, { actorId: actor.id, action: 'create', entity: 'lesson', entityId: row.id, after: auditLesson(view) });
      return view;
    }),
  );
}

function auditLesson(l: Lesson): Omit<Lesson, 'bodyHtml'> {
  const { bodyHtml: _html, ...rest } = l;
  return rest;
}

/** The lesson and its course, when the actor may manage the course (404/403 otherwise). */
async function manageableLesson(
  ctx: AppContext,
  trx: Tx,
  actor: Actor,
  lessonId: string,
): Promise<{ lesson: LessonRow; course: CourseRow }> {
  const found = await trx.selectFrom('lessons').select('course_id').where('id', '=', lessonId).executeTakeFirst();
  if (!found) throw errors.notFound('The lesson');
  const course = await manageableCourse(ctx, trx, actor, found.course_id, { lock: true, what: 'The lesson' });
  const lesson = await trx.selectFrom('lessons').selectAll().where('id', '=', lessonId).executeTakeFirst();
  if (!lesson) throw errors.notFound('The lesson');
  return { lesson, course };
}

/**
 * A lesson with its content. Readable by the course's managers, by members enrolled in the
 * course, and by anyone who can see the course when the lesson is a preview; 404 for others.
 */
export async function getLesson(ctx: AppContext, actor: Actor, lessonId: string): Promise<Lesson> {
  const lesson = await selectLessons(ctx.db).where('lessons.id', '=', lessonId).executeTakeFirst();
  if (!lesson) throw errors.notFound('The lesson');
  await assertCanReadLesson(ctx, actor, lesson);
  return presentLesson(lesson);
}

async function assertCanReadLesson(
  ctx: AppContext,
  actor: Actor,
  lesson: Pick<LessonRow, 'id' | 'course_id' | 'is_preview'>,
): Promise<void> {
  if (await canManageCourse(ctx.db, actor, lesson.course_id)) return;
  if (await isEnrolled(ctx.db, actor, lesson.course_id)) {
    if (actor.id) await assertUnlocked(ctx.db, lesson, actor.id);
    return;
  }
  if (lesson.is_preview === 1) {
    const course = await ctx.db.selectFrom('courses').select('published').where('id', '=', lesson.course_id).executeTakeFirst();
    if (course?.published === 1) return;
  }
  throw errors.notFound('The lesson');
}

export async function updateLesson(ctx: AppContext, actor: Actor, lessonId: string, patch: UpdateLessonInput): Promise<Lesson> {
  return ctx.db.transaction().execute(async (trx) => {
    const { lesson } = await manageableLesson(ctx, trx, actor, lessonId);
    const before = await loadLessonView(trx, lessonId);
    const set: Partial<LessonRow> = { updated_at: nowIso() };
    if (patch.title !== undefined) set.title = patch.title;
    if (patch.body !== undefined) set.body = patch.body;
    if (patch.videoUrl !== undefined) set.video_url = patch.videoUrl;
    if (patch.quizId !== undefined) set.quiz_id = patch.quizId;
    if (patch.scormPackageId !== undefined) set.scorm_package_id = patch.scormPackageId;
    if (patch.isPreview !== undefined) set.is_preview = bool(patch.isPreview);
    checkLessonFields(lesson.kind, { ...lesson, ...set });
    if (set.quiz_id) await assertQuizLinkable(trx, actor, set.quiz_id, lesson.course_id);
    await trx.updateTable('lessons').set(set).where('id', '=', lessonId).execute();
    await touchCourse(trx, lesson.course_id);
    const after = await loadLessonView(trx, lessonId);
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'update',
      entity: 'lesson',
      entityId: lessonId,
      before: auditLesson(before),
      after: auditLesson(after),
    });
    return after;
  });
}

/** Deletes a lesson (its completions cascade), closes the gap and recomputes progress. */
export async function deleteLesson(ctx: AppContext, actor: Actor, lessonId: string): Promise<void> {
  const keys = await withOwnCommit(() =>
    ctx.db.transaction().execute(async (trx) => {
      const { lesson } = await manageableLesson(ctx, trx, actor, lessonId);
      const before = await loadLessonView(trx, lessonId);
      await trx.deleteFrom('lessons').where('id', '=', lessonId).execute();
      await trx
        .updateTable('lessons')
        .set((eb) => ({ position: eb('position', '-', 1) }))
        .where('chapter_id', '=', lesson.chapter_id)
        .where('position', '>', lesson.position)
        .execute();
      const fileKeys = await deleteFileRows(trx, [lesson.file_id]);
      await touchCourse(trx, lesson.course_id);
      await recomputeProgress(ctx, trx, lesson.course_id, { actorId: actor.id });
      await recordAudit(trx, { actorId: actor.id, action: 'delete', entity: 'lesson', entityId: lessonId, before: auditLesson(before) });
      return fileKeys;
    }),
  );
  await discardBlobs(ctx, keys);
}

export async function reorderLessons(ctx: AppContext, actor: Actor, chapterId: string, lessonIds: readonly string[]): Promise<Lesson[]> {
  return ctx.db.transaction().execute(async (trx) => {
    const { chapter } = await manageableChapter(ctx, trx, actor, chapterId);
    const before = await lessonIdsOf(trx, chapterId);
    checkSameSet(lessonIds, before, 'lessonIds', 'lessons', 'chapter');
    await writeLessonOrder(trx, chapterId, lessonIds);
    await touchCourse(trx, chapter.course_id);
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'reorder-lessons',
      entity: 'chapter',
      entityId: chapterId,
      before: { lessonIds: before },
      after: { lessonIds },
    });
    const rows = await selectLessons(trx).where('lessons.chapter_id', '=', chapterId).orderBy('lessons.position').execute();
    return rows.map(presentLesson);
  });
}

/** Moves a lesson to `position` (0-based) of `chapterId`, which must be in the same course. */
export async function moveLesson(
  ctx: AppContext,
  actor: Actor,
  lessonId: string,
  target: { chapterId: string; position: number },
): Promise<Lesson> {
  return withOwnCommit(() =>
    ctx.db.transaction().execute(async (trx) => {
      const { lesson } = await manageableLesson(ctx, trx, actor, lessonId);
      const dest = await chapterRow(trx, target.chapterId);
      if (!dest || dest.course_id !== lesson.course_id) {
        throw errors.validation([{ path: 'chapterId', message: "Not a chapter of this lesson's course." }]);
      }
      const sourceIds = (await lessonIdsOf(trx, lesson.chapter_id)).filter((id) => id !== lessonId);
      const destIds = dest.id === lesson.chapter_id ? sourceIds : await lessonIdsOf(trx, dest.id);
      if (target.position > destIds.length) {
        throw errors.validation([{ path: 'position', message: `Use a position from 0 to ${destIds.length}.` }]);
      }
      const newDest = [...destIds.slice(0, target.position), lessonId, ...destIds.slice(target.position)];
      if (dest.id !== lesson.chapter_id) await writeLessonOrder(trx, lesson.chapter_id, sourceIds);
      await writeLessonOrder(trx, dest.id, newDest);
      await trx.updateTable('lessons').set({ updated_at: nowIso() }).where('id', '=', lessonId).execute();
      await touchCourse(trx, lesson.course_id);
      await recomputeProgress(ctx, trx, lesson.course_id, { actorId: actor.id });
      await recordAudit(trx, {
        actorId: actor.id,
        action: 'move',
        entity: 'lesson',
        entityId: lessonId,
        before: { chapterId: lesson.chapter_id, position: lesson.position },
        after: { chapterId: dest.id, position: target.position },
      });
      return loadLessonView(trx, lessonId);
    }),
  );
}

const FILE_RULES: Partial<Record<string, UploadRule>> = { video: UPLOAD_RULES.lessonVideo, pdf: UPLOAD_RULES.lessonPdf };

/**
 * For routes, before reading an upload: the rule for the lesson's file (video or PDF), when the
 * actor may manage the lesson's course.
 */
export async function lessonUploadRule(ctx: AppContext, actor: Actor, lessonId: string): Promise<UploadRule> {
  const lesson = await ctx.db.selectFrom('lessons').select(['course_id', 'kind']).where('id', '=', lessonId).executeTakeFirst();
  if (!lesson) throw errors.notFound('The lesson');
  await manageableCourse(ctx, ctx.db, actor, lesson.course_id, { what: 'The lesson' });
  const rule = FILE_RULES[lesson.kind];
  if (!rule) {
    throw errors.unprocessable('LESSON_TAKES_NO_FILE', `A ${lesson.kind} lesson takes no uploaded file; only video and PDF lessons do.`);
  }
  return rule;
}

/** Attaches an uploaded file to a video or PDF lesson; the previous file is removed. */
export async function setLessonFile(ctx: AppContext, actor: Actor, lessonId: string, blob: StoredBlob): Promise<Lesson> {
  return replaceFile(ctx, blob, async (trx) => {
    const { lesson } = await manageableLesson(ctx, trx, actor, lessonId);
    const rule = FILE_RULES[lesson.kind];
    if (!rule || !rule.accept.includes(blob.contentType)) {
      throw new AppError(409, 'LESSON_CHANGED', 'The lesson changed while the file was uploading; upload it again.');
    }
    const file = await insertFileRow(trx, blob, { purpose: rule.purpose, createdBy: actor.id });
    await trx.updateTable('lessons').set({ file_id: file.id, updated_at: nowIso() }).where('id', '=', lessonId).execute();
    const oldKeys = await deleteFileRows(trx, [lesson.file_id]);
    await touchCourse(trx, lesson.course_id);
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'set-file',
      entity: 'lesson',
      entityId: lessonId,
      before: { fileId: lesson.file_id },
      after: { fileId: file.id, filename: file.filename, contentType: file.content_type, size: file.size, sha256: file.sha256 },
    });
    return { result: await loadLessonView(trx, lessonId), replaced: oldKeys };
  });
}

/** The lesson's file, under the same read rule as the lesson. */
export async function getLessonFile(ctx: AppContext, actor: Actor, lessonId: string): Promise<FileRow> {
  const lesson = await ctx.db
    .selectFrom('lessons')
    .select(['id', 'course_id', 'is_preview', 'file_id'])
    .where('id', '=', lessonId)
    .executeTakeFirst();
  if (!lesson) throw errors.notFound('The lesson');
  await assertCanReadLesson(ctx, actor, lesson);
  const file = lesson.file_id
    ? await ctx.db.selectFrom('files').selectAll().where('id', '=', lesson.file_id).executeTakeFirst()
    : undefined;
  if (!file) throw errors.notFound('The lesson file');
  return file;
}

// ---------------------------------------------------------------------------------------------
// Outline

/**
 * The course's chapters and lessons in order, each lesson with whether the caller completed it,
 * and the caller's enrollment. Three queries whatever the size of the course.
 */
export async function getOutline(ctx: AppContext, actor: Actor, courseId: string): Promise<Outline> {
  const actorId = actor.id ?? '';
  const head = await ctx.db
    .selectFrom('courses')
    .leftJoin('enrollments', (j) => j.onRef('enrollments.course_id', '=', 'courses.id').on('enrollments.member_id', '=', actorId))
    .select([
      'courses.id',
      'courses.title',
      'courses.short_introduction',
      'courses.image_file_id',
      'courses.published',
      'courses.mandatory',
      'courses.paid',
      'courses.sequential',
      'courses.enable_certification',
      'enrollments.id as enrollment_id',
      progressSql('enrollments', 'courses').as('progress'),
      'enrollments.current_lesson_id',
      'enrollments.completed_at',
      'enrollments.source',
    ])
    .select((eb) => [
      eb
        .selectFrom('course_instructors')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('course_instructors.course_id', '=', 'courses.id')
        .where('course_instructors.user_id', '=', actorId)
        .as('teaches'),
    ])
    .where('courses.id', '=', courseId)
    .executeTakeFirst();
  if (!head) throw errors.notFound('The course');
  const canManage = isCourseAdmin(actor) || (hasAnyRole(actor.roles, ['Course Creator']) && Number(head.teaches ?? 0) > 0);
  const enrolled = head.enrollment_id !== null;
  if (head.published !== 1 && !canManage && !enrolled) throw errors.notFound('The course');

  const chapters = await ctx.db
    .selectFrom('chapters')
    .select(['id', 'title', 'position'])
    .where('course_id', '=', courseId)
    .orderBy('position')
    .orderBy('id')
    .execute();
  const lessons = await ctx.db
    .selectFrom('lessons')
    .leftJoin('lesson_completions', (j) =>
      j.onRef('lesson_completions.lesson_id', '=', 'lessons.id').on('lesson_completions.member_id', '=', actorId),
    )
    .select([
      'lessons.id',
      'lessons.chapter_id',
      'lessons.title',
      'lessons.kind',
      'lessons.position',
      'lessons.is_preview',
      'lesson_completions.id as completion_id',
    ])
    .where('lessons.course_id', '=', courseId)
    .orderBy('lessons.position')
    .orderBy('lessons.id')
    .execute();

  const byChapter = new Map<string, Outline['chapters'][number]['lessons']>();
  for (const l of lessons) {
    const list = byChapter.get(l.chapter_id) ?? [];
    list.push({
      id: l.id,
      title: l.title,
      kind: l.kind as LessonKind,
      position: l.position,
      isPreview: l.is_preview === 1,
      completed: l.completion_id !== null,
      locked: false,
    });
    byChapter.set(l.chapter_id, list);
  }
  const outlineChapters = chapters.map((c) => ({ id: c.id, title: c.title, position: c.position, lessons: byChapter.get(c.id) ?? [] }));
  if (head.sequential === 1 && !canManage) {
    // In a sequential course a lesson opens when every lesson before it (in reading order) is complete.
    let open = true;
    for (const lesson of outlineChapters.flatMap((c) => c.lessons)) {
      lesson.locked = !open;
      open &&= lesson.completed;
    }
  }
  return {
    course: {
      id: head.id,
      title: head.title,
      shortIntroduction: head.short_introduction,
      imageUrl: courseImageUrl(head.id, head.image_file_id),
      published: head.published === 1,
      mandatory: head.mandatory === 1,
      paid: head.paid === 1,
      sequential: head.sequential === 1,
      enableCertification: head.enable_certification === 1,
      lessonCount: lessons.length,
      canManage,
    },
    chapters: outlineChapters,
    enrollment:
      head.enrollment_id !== null
        ? {
            id: head.enrollment_id,
            progress: head.progress ?? 0,
            currentLessonId: head.current_lesson_id,
            completedAt: head.completed_at,
            source: head.source as EnrollmentSource,
          }
        : null,
  };
}

/** Global search: the courses the actor can see whose title contains `q` (desk link for LMS staff). */
export async function searchCourses(ctx: AppContext, actor: Actor, q: string, limit: number): Promise<SearchResult[]> {
  const { items } = await listCourses(ctx, actor, { q, limit, withTotal: false });
  const staff = hasAnyRole(actor.roles, LMS_STAFF);
  return items.map((c) => ({
    kind: 'course',
    id: c.id,
    title: c.title,
    subtitle: [c.published ? 'Published' : 'Draft', c.category].filter(Boolean).join(' · '),
    url: staff ? `/app/lms-course/${c.id}` : `/lms/courses/${c.id}`,
  }));
}
