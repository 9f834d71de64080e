import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/types.ts';
import { actorOf } from '../../http/access.ts';
import { IdParams, pageOf } from '../../../contract/common.ts';
import type { Role } from '../../../contract/roles.ts';
import {
  ChapterBody,
  ChapterOrderBody,
  ChapterSchema,
  CourseListQuery,
  CourseSchema,
  CreateCourseBody,
  CreateLessonBody,
  LessonOrderBody,
  LessonSchema,
  MoveLessonBody,
  OutlineSchema,
  SetInstructorsBody,
  UpdateCourseBody,
  UpdateLessonBody,
} from '../../../contract/courses.ts';
import { receiveUpload, sendFileWithRange, UPLOAD_RULES } from '../../platform/files.service.ts';
import { registerListExport, yesNo } from '../../platform/list-export.ts';
import {
  assertCanManageCourse,
  createCourse,
  deleteCourse,
  getCourse,
  getCourseImage,
  listCourses,
  setCourseImage,
  removeCourseImage,
  setInstructors,
  updateCourse,
} from './course.service.ts';
import {
  createChapter,
  createLesson,
  deleteChapter,
  deleteLesson,
  getLesson,
  getLessonFile,
  lessonUploadRule,
  moveLesson,
  reorderChapters,
  reorderLessons,
  setLessonFile,
  updateChapter,
  updateLesson,
} from './structure.service.ts';
import { getOutline } from './outline.service.ts';

/** Who may author: Moderators (all courses) and Course Creators (courses they teach). */
const AUTHORS: readonly Role[] = ['Moderator', 'Course Creator'];
const tags = ['courses'];
const MULTIPART = ['multipart/form-data'];
/** `?v=` is the cache-busting version in image and file URLs. */
const VersionQuery = z.strictObject({ v: z.string().max(64).optional() });
const IMMUTABLE = 'private, max-age=31536000, immutable';

export function registerCourseRoutes(app: App, ctx: AppContext): void {
  // --- courses ---------------------------------------------------------------------------------
  app.get(
    '/api/courses',
    {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: 'List courses (learners: published only), ordered by title then id',
        querystring: CourseListQuery,
        response: { 200: pageOf(CourseSchema) },
      },
    },
    async (req) => listCourses(ctx, actorOf(req), req.query),
  );
  registerListExport(app, '/api/courses', {
    access: 'authenticated',
    tags,
    querystring: CourseListQuery,
    fileName: 'courses',
    list: (req, q) => listCourses(ctx, actorOf(req), q),
    columns: [
      { header: 'ID', value: (r) => r.id },
      { header: 'Title', value: (r) => r.title },
      { header: 'Category', value: (r) => r.category },
      { header: 'Published', value: (r) => (r.published ? 'Published' : 'Draft') },
      { header: 'Mandatory', value: (r) => yesNo(r.mandatory) },
      { header: 'Lessons', value: (r) => r.lessonCount },
    ],
  });

  app.post(
    '/api/courses',
    { config: { access: AUTHORS }, schema: { tags, summary: 'Create a course', body: CreateCourseBody, response: { 201: CourseSchema } } },
    async (req, reply) => reply.code(201).send(await createCourse(ctx, actorOf(req), req.body)),
  );

  app.get(
    '/api/courses/:id',
    { config: { access: 'authenticated' }, schema: { tags, summary: 'One course', params: IdParams, response: { 200: CourseSchema } } },
    async (req) => getCourse(ctx, actorOf(req), req.params.id),
  );

  app.patch(
    '/api/courses/:id',
    {
      config: { access: AUTHORS },
      schema: { tags, summary: 'Change a course', params: IdParams, body: UpdateCourseBody, response: { 200: CourseSchema } },
    },
    async (req) => updateCourse(ctx, actorOf(req), req.params.id, req.body),
  );

  app.delete(
    '/api/courses/:id',
    {
      config: { access: ['Moderator'], problems: ['COURSE_HAS_ENROLLMENTS', 'COURSE_HAS_PAYMENTS'] },
      schema: {
        tags,
        summary: 'Delete a course with its chapters and lessons (409 COURSE_HAS_ENROLLMENTS when anyone is enrolled: unpublish instead)',
        params: IdParams,
      },
    },
    async (req, reply) => {
      await deleteCourse(ctx, actorOf(req), req.params.id);
      return reply.code(204).send();
    },
  );

  app.put(
    '/api/courses/:id/instructors',
    {
      config: { access: AUTHORS, problems: ['CANNOT_REMOVE_SELF'] },
      schema: {
        tags,
        summary: "Replace a course's instructors",
        params: IdParams,
        body: SetInstructorsBody,
        response: { 200: CourseSchema },
      },
    },
    async (req) => setInstructors(ctx, actorOf(req), req.params.id, req.body.userIds),
  );

  app.put(
    '/api/courses/:id/image',
    {
      config: { access: AUTHORS, problems: ['PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'MALFORMED_REQUEST'] },
      schema: {
        tags,
        summary: 'Upload the course image (multipart part "file": PNG, JPEG, WebP or GIF, at most 5 MB)',
        params: IdParams,
        consumes: MULTIPART,
        response: { 200: CourseSchema },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      await assertCanManageCourse(ctx, actor, req.params.id);
      const blob = await receiveUpload(ctx, req, UPLOAD_RULES.courseImage);
      return setCourseImage(ctx, actor, req.params.id, blob);
    },
  );

  app.delete(
    '/api/courses/:id/image',
    {
      config: { access: AUTHORS },
      schema: { tags, summary: 'Remove the course image', params: IdParams, response: { 200: CourseSchema } },
    },
    async (req) => removeCourseImage(ctx, actorOf(req), req.params.id),
  );

  app.get(
    '/api/courses/:id/image',
    {
      config: { access: 'authenticated', problems: ['RANGE_NOT_SATISFIABLE'] },
      schema: { tags, summary: 'The course image', params: IdParams, querystring: VersionQuery },
    },
    async (req, reply) => {
      const file = await getCourseImage(ctx, actorOf(req), req.params.id);
      return sendFileWithRange(ctx, reply, req, file, { cacheControl: req.query.v === file.id ? IMMUTABLE : undefined });
    },
  );

  app.get(
    '/api/courses/:id/outline',
    {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: "Chapters and lessons in order, each lesson with the caller's completion, and the caller's enrollment",
        params: IdParams,
        response: { 200: OutlineSchema },
      },
    },
    async (req) => getOutline(ctx, actorOf(req), req.params.id),
  );

  // --- chapters --------------------------------------------------------------------------------
  app.post(
    '/api/courses/:id/chapters',
    {
      config: { access: AUTHORS },
      schema: {
        tags,
        summary: 'Add a chapter at the end of the course',
        params: IdParams,
        body: ChapterBody,
        response: { 201: ChapterSchema },
      },
    },
    async (req, reply) => reply.code(201).send(await createChapter(ctx, actorOf(req), req.params.id, req.body.title)),
  );

  app.put(
    '/api/courses/:id/chapter-order',
    {
      config: { access: AUTHORS },
      schema: {
        tags,
        summary: "Reorder the course's chapters (list every chapter exactly once)",
        params: IdParams,
        body: ChapterOrderBody,
        response: { 200: z.object({ items: z.array(ChapterSchema) }) },
      },
    },
    async (req) => ({ items: await reorderChapters(ctx, actorOf(req), req.params.id, req.body.chapterIds) }),
  );

  app.patch(
    '/api/chapters/:id',
    {
      config: { access: AUTHORS },
      schema: { tags, summary: 'Rename a chapter', params: IdParams, body: ChapterBody, response: { 200: ChapterSchema } },
    },
    async (req) => updateChapter(ctx, actorOf(req), req.params.id, req.body.title),
  );

  app.delete(
    '/api/chapters/:id',
    {
      config: { access: AUTHORS },
      schema: { tags, summary: "Delete a chapter and its lessons (learners' progress is recomputed)", params: IdParams },
    },
    async (req, reply) => {
      await deleteChapter(ctx, actorOf(req), req.params.id);
      return reply.code(204).send();
    },
  );

  app.put(
    '/api/chapters/:id/lesson-order',
    {
      config: { access: AUTHORS },
      schema: {
        tags,
        summary: "Reorder the chapter's lessons (list every lesson exactly once)",
        params: IdParams,
        body: LessonOrderBody,
        response: { 200: z.object({ items: z.array(LessonSchema) }) },
      },
    },
    async (req) => ({ items: await reorderLessons(ctx, actorOf(req), req.params.id, req.body.lessonIds) }),
  );

  // --- lessons ---------------------------------------------------------------------------------
  app.post(
    '/api/chapters/:id/lessons',
    {
      config: { access: AUTHORS, problems: ['QUIZ_NOT_IN_COURSE'] },
      schema: {
        tags,
        summary: 'Add a lesson at the end of the chapter',
        params: IdParams,
        body: CreateLessonBody,
        response: { 201: LessonSchema },
      },
    },
    async (req, reply) => reply.code(201).send(await createLesson(ctx, actorOf(req), req.params.id, req.body)),
  );

  app.get(
    '/api/lessons/:id',
    {
      config: { access: 'authenticated', problems: ['LESSON_LOCKED', 'ENROLLMENT_SUSPENDED'] },
      schema: {
        tags,
        summary: "A lesson's content (enrolled members, the course's managers, or anyone for a preview lesson)",
        params: IdParams,
        response: { 200: LessonSchema },
      },
    },
    async (req) => getLesson(ctx, actorOf(req), req.params.id),
  );

  app.patch(
    '/api/lessons/:id',
    {
      config: { access: AUTHORS, problems: ['QUIZ_NOT_IN_COURSE'] },
      schema: {
        tags,
        summary: 'Change a lesson (its kind is fixed)',
        params: IdParams,
        body: UpdateLessonBody,
        response: { 200: LessonSchema },
      },
    },
    async (req) => updateLesson(ctx, actorOf(req), req.params.id, req.body),
  );

  app.delete(
    '/api/lessons/:id',
    {
      config: { access: AUTHORS },
      schema: { tags, summary: "Delete a lesson (learners' progress is recomputed)", params: IdParams },
    },
    async (req, reply) => {
      await deleteLesson(ctx, actorOf(req), req.params.id);
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/lessons/:id/move',
    {
      config: { access: AUTHORS },
      schema: {
        tags,
        summary: 'Move a lesson to a 0-based position in a chapter of the same course',
        params: IdParams,
        body: MoveLessonBody,
        response: { 200: LessonSchema },
      },
    },
    async (req) => moveLesson(ctx, actorOf(req), req.params.id, req.body),
  );

  app.put(
    '/api/lessons/:id/file',
    {
      config: {
        access: AUTHORS,
        problems: ['LESSON_TAKES_NO_FILE', 'LESSON_CHANGED', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'MALFORMED_REQUEST'],
      },
      schema: {
        tags,
        summary: 'Upload the lesson file (multipart part "file"): video lessons MP4/WebM up to 500 MB, PDF lessons PDF up to 50 MB',
        params: IdParams,
        consumes: MULTIPART,
        response: { 200: LessonSchema },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const rule = await lessonUploadRule(ctx, actor, req.params.id);
      const blob = await receiveUpload(ctx, req, rule);
      return setLessonFile(ctx, actor, req.params.id, blob);
    },
  );

  app.get(
    '/api/lessons/:id/file',
    {
      config: { access: 'authenticated', problems: ['LESSON_LOCKED', 'ENROLLMENT_SUSPENDED', 'RANGE_NOT_SATISFIABLE'] },
      schema: { tags, summary: 'The lesson file, with HTTP Range support for seeking', params: IdParams, querystring: VersionQuery },
    },
    async (req, reply) => {
      const file = await getLessonFile(ctx, actorOf(req), req.params.id);
      return sendFileWithRange(ctx, reply, req, file, { cacheControl: req.query.v === file.id ? IMMUTABLE : undefined });
    },
  );
}
