/**
 * A course's structure: chapters and lessons in order, and lesson files.
 *
 * Positions of chapters (in a course) and lessons (in a chapter) are 0-based and contiguous.
 * Structure changes lock the course row (PostgreSQL; SQLite serialises writers) so concurrent
 * appends cannot take the same position, and recompute progress in the same transaction.
 */
import { sql } from 'kysely';
import type { Actor, AppContext } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import { bool, nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import { AppError, errors, type FieldError } from '../../http/errors.ts';
import { recordAudit } from '../../platform/audit.service.ts';
import {
  deleteFileRows,
  replaceFile,
  discardBlobs,
  insertFileRow,
  UPLOAD_RULES,
  type FileRow,
  type StoredBlob,
  type UploadRule,
} from '../../platform/files.service.ts';
import type { CreateLessonInput, Lesson, UpdateLessonInput } from '../../../contract/courses.ts';
import { canManageCourse } from './course.policy.ts';
import { recomputeProgress, assertEnrollmentActive, assertUnlocked } from '../enrollments/index.ts';
import { assertQuizLinkable } from '../quizzes/index.ts';
import { assertPackageLinkable } from '../scorm/index.ts';
import { ownCommit } from '../../db/database.ts';
import type { ChapterRow, ChapterView, CourseRow, LessonRow } from './course.present.ts';
import { loadLessonView, presentChapter, presentLesson, selectLessons } from './course.present.ts';
import { isEnrolled, manageableCourse } from './course.service.ts';

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
  const keys = await ownCommit(ctx.db)
    .transaction()
    .execute(async (trx) => {
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
    });
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
  if (l.scorm_package_id === null && kind === 'scorm')
    problems.push({ path: 'scormPackageId', message: 'A SCORM lesson needs its package: upload the zip and choose it.' });
  if (problems.length) throw errors.validation(problems, `These fields do not belong to a ${kind} lesson.`);
  if (kind === 'quiz' && l.quiz_id === null)
    throw errors.validation([{ path: 'quizId', message: 'Choose the quiz this lesson shows.' }], 'A quiz lesson needs its quiz.');
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
  return ownCommit(ctx.db)
    .transaction()
    .execute(async (trx) => {
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
      if (row.scorm_package_id !== null) await assertPackageLinkable(trx, actor, row.scorm_package_id);
      await trx.insertInto('lessons').values(row).execute();
      await touchCourse(trx, chapter.course_id);
      await recomputeProgress(ctx, trx, chapter.course_id, { actorId: actor.id });
      const view = await loadLessonView(trx, row.id);
      await recordAudit(trx, { actorId: actor.id, action: 'create', entity: 'lesson', entityId: row.id, after: auditLesson(view) });
      return view;
    });
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
    if (actor.id) {
      // A suspended learner keeps the record but does not open lessons (a preview lesson included).
      await assertEnrollmentActive(ctx.db, actor.id, lesson.course_id);
      await assertUnlocked(ctx.db, lesson, actor.id);
    }
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
    if (set.scorm_package_id) await assertPackageLinkable(trx, actor, set.scorm_package_id);
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
  const keys = await ownCommit(ctx.db)
    .transaction()
    .execute(async (trx) => {
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
    });
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
  return ownCommit(ctx.db)
    .transaction()
    .execute(async (trx) => {
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
    });
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
