import { Readable } from 'node:stream';
import type { AppContext } from '../../context.ts';
import { actorOf } from '../../http/access.ts';
import { contentDisposition } from '../../http/content-disposition.ts';
import type { App } from '../../http/types.ts';
import { receiveUpload, UPLOAD_RULES } from '../../platform/files.service.ts';
import { IdParams } from '../../../contract/common.ts';
import { CourseImportResultSchema } from '../../../contract/course-archive.ts';
import type { Role } from '../../../contract/roles.ts';
import { exportCourseArchive } from './course-archive-export.service.ts';
import { importCourseArchive } from './course-archive-import.service.ts';

/** Who may author: Moderators (all courses) and Course Creators (courses they teach). */
const AUTHORS: readonly Role[] = ['Moderator', 'Course Creator'];
const tags = ['courses'];

/** Course archives: a course's content as one zip, and a new course from one. */
export function registerCourseArchiveRoutes(app: App, ctx: AppContext): void {
  app.get(
    '/api/courses/:id/export.zip',
    {
      config: { access: AUTHORS },
      schema: {
        tags,
        summary:
          "The course's content as a zip (course.json and files/): settings, chapters, lessons, quizzes with answers, files, SCORM packages",
        description:
          "For those who manage the course (404 for anyone else). Never learners' data: no enrollments, attempts, progress, certificates, payments or audit entries.",
        params: IdParams,
      },
    },
    async (req, reply) => {
      const { fileName, chunks } = await exportCourseArchive(ctx, actorOf(req), req.params.id);
      return reply
        .type('application/zip')
        .header('Content-Disposition', contentDisposition(fileName, 'attachment'))
        .header('Cache-Control', 'no-store')
        .send(Readable.from(chunks));
    },
  );

  app.post(
    '/api/courses/import',
    {
      config: {
        access: AUTHORS,
        problems: ['COURSE_ARCHIVE_INVALID', 'SCORM_INVALID', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'MALFORMED_REQUEST'],
      },
      schema: {
        tags,
        summary:
          'Create a new unpublished course from a course archive (multipart part "file": a zip from GET /api/courses/:id/export.zip, at most 1 GB)',
        description:
          'New ids everywhere; quiz lessons point to new quizzes of the new course; SCORM packages are uploaded again. All or nothing: 400 COURSE_ARCHIVE_INVALID with `errors[]` (not a zip, no course.json, another format version, content that does not fit the schema) and nothing is written.',
        consumes: ['multipart/form-data'],
        response: { 201: CourseImportResultSchema },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const blob = await receiveUpload(ctx, req, UPLOAD_RULES.courseArchive);
      return reply.code(201).send(await importCourseArchive(ctx, actor, blob));
    },
  );
}
