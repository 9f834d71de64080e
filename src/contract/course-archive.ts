import { z } from 'zod';
import { CreateCourseBody, CreateLessonBody, LessonKindSchema } from './courses.ts';
import { CreateQuizBody } from './quizzes.ts';

/**
 * A course archive: a zip with `course.json` (this schema) at its root and the files it names
 * under `files/`. It carries a course's content (settings, chapters, lessons, quizzes with their
 * answers, files, SCORM package zips) and never learners' data (enrollments, attempts, progress,
 * certificates, payments, audit).
 */
export const COURSE_ARCHIVE_FORMAT = 'smooth-course-archive';
export const COURSE_ARCHIVE_VERSION = 1;
/** The zip entry holding the description. */
export const COURSE_ARCHIVE_MANIFEST = 'course.json';

/** A name in the archive: `files/...`, relative, no `..` (the zip reader refuses unsafe names too). */
const ArchivePath = z
  .string()
  .max(500)
  .regex(/^files\/[^\\]+$/, 'A file of the archive is named "files/..."')
  .refine((p) => !p.split('/').includes('..') && !p.split('/').includes(''), 'A file name may not hold ".." or empty parts');

const Key = z.string().min(1).max(50);

export const ArchiveFileSchema = z.strictObject({
  path: ArchivePath,
  /** The name it had when uploaded. */
  filename: z.string().min(1).max(200),
});
export type ArchiveFile = z.infer<typeof ArchiveFileSchema>;

/** Course settings; publication, instructors and the template id are this installation's matter. */
export const ArchiveCourseSchema = CreateCourseBody.omit({ published: true, instructorIds: true, certificateTemplateId: true }).extend({
  image: ArchiveFileSchema.nullable().optional(),
  /** The template the course's certificates used: kept when this installation has it (same id, else same name). */
  certificateTemplate: z
    .strictObject({ id: z.string().max(100), name: z.string().max(200) })
    .nullable()
    .optional(),
});

export const ArchiveLessonSchema = z.strictObject({
  title: CreateLessonBody.shape.title,
  kind: LessonKindSchema,
  body: z.string().max(200_000).default(''),
  videoUrl: CreateLessonBody.shape.videoUrl,
  isPreview: z.boolean().default(false),
  /** Video and PDF lessons: the uploaded file. */
  file: ArchiveFileSchema.nullable().optional(),
  /** Quiz lessons: the `key` of one of `quizzes`. */
  quiz: Key.nullable().optional(),
  /** SCORM lessons: the `key` of one of `scormPackages`. */
  scormPackage: Key.nullable().optional(),
});
export type ArchiveLesson = z.infer<typeof ArchiveLessonSchema>;

export const ArchiveChapterSchema = z.strictObject({
  title: CreateLessonBody.shape.title,
  lessons: z.array(ArchiveLessonSchema).max(1000),
});

export const ArchiveQuizSchema = CreateQuizBody.omit({ courseId: true }).extend({ key: Key });
export type ArchiveQuiz = z.infer<typeof ArchiveQuizSchema>;

export const ArchiveScormPackageSchema = z.strictObject({
  key: Key,
  title: z.string().max(500),
  /** The package zip as uploaded: the import uploads it again through the SCORM package code. */
  file: ArchiveFileSchema,
});

export const CourseArchiveSchema = z.strictObject({
  format: z.literal(COURSE_ARCHIVE_FORMAT),
  version: z.literal(COURSE_ARCHIVE_VERSION),
  exportedAt: z.string().max(40),
  /** The server that wrote it (for people reading the file). */
  generator: z.string().max(200).optional(),
  course: ArchiveCourseSchema,
  chapters: z.array(ArchiveChapterSchema).max(1000),
  quizzes: z.array(ArchiveQuizSchema).max(1000),
  scormPackages: z.array(ArchiveScormPackageSchema).max(200),
});
export type CourseArchive = z.infer<typeof CourseArchiveSchema>;
/** What the export writes (defaults filled). */
export type CourseArchiveInput = z.input<typeof CourseArchiveSchema>;

export const CourseImportReportSchema = z.object({
  chapters: z.number().int(),
  lessons: z.number().int(),
  quizzes: z.number().int(),
  questions: z.number().int(),
  /** Files stored: cover image, lesson files and SCORM package zips. */
  files: z.number().int(),
  /** What was not carried over, in plain words. */
  warnings: z.array(z.string()),
});
export type CourseImportReport = z.infer<typeof CourseImportReportSchema>;

export const CourseImportResultSchema = z.object({
  courseId: z.string(),
  title: z.string(),
  report: CourseImportReportSchema,
});
export type CourseImportResult = z.infer<typeof CourseImportResultSchema>;

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The import report in words (the desk's dialog and `smooth course import` say the same). */
export function describeImport(r: CourseImportResult): string {
  const c = r.report;
  return (
    `Imported “${r.title}” as a new unpublished course: ${count(c.chapters, 'chapter')}, ${count(c.lessons, 'lesson')}, ` +
    `${count(c.quizzes, 'quiz', 'quizzes')} with ${count(c.questions, 'question')}, ${count(c.files, 'file')}.`
  );
}
