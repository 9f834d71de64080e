/**
 * Course export: one zip with `course.json` (the course's settings, chapters and lessons in order,
 * the quizzes its quiz lessons show with their questions and correct answers, the certificate
 * template it names) and `files/...` (cover image, lesson files, SCORM package zips as uploaded).
 * Never learners' data: no enrollments, attempts, progress, certificates, payments or audit.
 *
 * Only those who may manage the course export it (the correct answers are in the file); anyone
 * else gets 404.
 */
import fs from 'node:fs';
import type { Actor, AppContext } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import { errors } from '../../http/errors.ts';
import { storagePath } from '../../platform/files.service.ts';
import { ZipBuilder } from '../../platform/zip-builder.ts';
import { VERSION } from '../../version.ts';
import {
  ArchiveCourseSchema,
  COURSE_ARCHIVE_FORMAT,
  COURSE_ARCHIVE_MANIFEST,
  COURSE_ARCHIVE_VERSION,
  type ArchiveFile,
  type CourseArchiveInput,
} from '../../../contract/course-archive.ts';
import type { Course } from '../../../contract/courses.ts';
import type { QuestionInputT } from '../../../contract/quizzes.ts';
import { loadQuestions } from '../quizzes/index.ts';
import { packageZipFile } from '../scorm/index.ts';
import { canManageCourse } from './course.policy.ts';
import { presentCourse } from './course.present.ts';

/** A file of the store that goes into the zip under `path`. */
interface Attachment {
  path: string;
  storageKey: string;
}

/** A name safe in a zip on every OS, keeping the extension. */
function safeName(name: string): string {
  const clean = name
    .replace(/[\u0000-\u001f\u007f<>:"/\\|?*]+/g, '_')
    .replace(/^\.+/, '_')
    .trim()
    .slice(-100);
  return clean === '' ? 'file' : clean;
}

/** "Fire Safety 2026" → "fire-safety-2026.zip" (the download's name). */
export function archiveFileName(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return `${slug || 'course'}.zip`;
}

async function fileOf(db: Executor, id: string | null) {
  if (!id) return undefined;
  return db.selectFrom('files').select(['storage_key', 'filename']).where('id', '=', id).executeTakeFirst();
}

/** Reads the course into its archive description and the files that go with it. */
export async function buildCourseArchive(
  ctx: AppContext,
  actor: Actor,
  courseId: string,
): Promise<{ archive: CourseArchiveInput; attachments: Attachment[]; title: string }> {
  const db = ctx.db;
  const c = await db.selectFrom('courses').selectAll().where('id', '=', courseId).executeTakeFirst();
  if (!c || !(await canManageCourse(db, actor, courseId))) throw errors.notFound('The course');

  const attachments: Attachment[] = [];
  const attach = (dir: string, storageKey: string, filename: string): ArchiveFile => {
    const path = `files/${dir}/${attachments.length + 1}-${safeName(filename)}`;
    attachments.push({ path, storageKey });
    return { path, filename };
  };

  const image = await fileOf(db, c.image_file_id);
  const template = c.certificate_template_id
    ? await db.selectFrom('certificate_templates').select(['id', 'name']).where('id', '=', c.certificate_template_id).executeTakeFirst()
    : undefined;

  const chapters = await db
    .selectFrom('chapters')
    .selectAll()
    .where('course_id', '=', courseId)
    .orderBy('position')
    .orderBy('id')
    .execute();
  const lessons = await db
    .selectFrom('lessons')
    .leftJoin('files', 'files.id', 'lessons.file_id')
    .select([
      'lessons.chapter_id',
      'lessons.title',
      'lessons.kind',
      'lessons.body',
      'lessons.video_url',
      'lessons.is_preview',
      'lessons.quiz_id',
      'lessons.scorm_package_id',
      'files.storage_key',
      'files.filename',
    ])
    .where('lessons.course_id', '=', courseId)
    .orderBy('lessons.position')
    .orderBy('lessons.id')
    .execute();

  // Quizzes and packages are listed once each, however many lessons show them.
  const quizKeys = new Map<string, string>();
  const packageKeys = new Map<string, string>();
  const quizzes: CourseArchiveInput['quizzes'] = [];
  const scormPackages: CourseArchiveInput['scormPackages'] = [];
  for (const l of lessons) {
    if (l.kind === 'quiz' && l.quiz_id && !quizKeys.has(l.quiz_id)) {
      const q = await db.selectFrom('quizzes').selectAll().where('id', '=', l.quiz_id).executeTakeFirstOrThrow();
      const key = `quiz-${quizKeys.size + 1}`;
      quizKeys.set(l.quiz_id, key);
      quizzes.push({
        key,
        title: q.title,
        description: q.description,
        passingPercentage: Number(q.passing_percentage),
        maxAttempts: Number(q.max_attempts),
        timeLimitMinutes: q.time_limit_minutes === null ? null : Number(q.time_limit_minutes),
        shuffle: q.shuffle === 1,
        showAnswers: q.show_answers === 1,
        opensAt: q.opens_at,
        closesAt: q.closes_at,
        questions: (await loadQuestions(db, q.id)).map((x): QuestionInputT => ({
          kind: x.kind,
          text: x.text,
          marks: x.marks,
          ...(x.options ? { options: x.options.map((o) => ({ text: o.text, correct: o.correct })) } : {}),
          ...(x.answers ? { answers: x.answers } : {}),
          ...(x.explanation !== null ? { explanation: x.explanation } : {}),
        })),
      });
    }
    if (l.kind === 'scorm' && l.scorm_package_id && !packageKeys.has(l.scorm_package_id)) {
      const zip = await packageZipFile(db, l.scorm_package_id);
      if (!zip) continue;
      const key = `package-${packageKeys.size + 1}`;
      packageKeys.set(l.scorm_package_id, key);
      scormPackages.push({ key, title: zip.title, file: attach('scorm', zip.storageKey, zip.filename) });
    }
  }

  // The settings that travel are the archive schema's fields, read from the course's API view.
  const view = await presentCourse(db, courseId);
  const settings = Object.fromEntries(
    Object.keys(ArchiveCourseSchema.shape)
      .filter((k) => k in view)
      .map((k) => [k, view[k as keyof Course]]),
  ) as Omit<CourseArchiveInput['course'], 'image' | 'certificateTemplate'>;
  const archive: CourseArchiveInput = {
    format: COURSE_ARCHIVE_FORMAT,
    version: COURSE_ARCHIVE_VERSION,
    exportedAt: new Date().toISOString(),
    generator: `Smooth LMS ${VERSION}`,
    course: {
      ...settings,
      // The course's own statement (null: the standard one), not the text the view fills in.
      attestationText: c.attestation_text,
      image: image ? attach('images', image.storage_key, image.filename) : null,
      certificateTemplate: template ? { id: template.id, name: template.name } : null,
    },
    chapters: chapters.map((ch) => ({
      title: ch.title,
      lessons: lessons
        .filter((l) => l.chapter_id === ch.id)
        .map((l) => ({
          title: l.title,
          kind: l.kind as CourseArchiveInput['chapters'][number]['lessons'][number]['kind'],
          body: l.body,
          videoUrl: l.video_url,
          isPreview: l.is_preview === 1,
          file: l.storage_key && l.filename ? attach('lessons', l.storage_key, l.filename) : null,
          quiz: l.quiz_id ? (quizKeys.get(l.quiz_id) ?? null) : null,
          scormPackage: l.scorm_package_id ? (packageKeys.get(l.scorm_package_id) ?? null) : null,
        })),
    })),
    quizzes,
    scormPackages,
  };
  return { archive, attachments, title: c.title };
}

/** The archive as a zip, written as a stream of chunks (one file read at a time). */
export async function exportCourseArchive(
  ctx: AppContext,
  actor: Actor,
  courseId: string,
): Promise<{ fileName: string; chunks: AsyncGenerator<Buffer> }> {
  const { archive, attachments, title } = await buildCourseArchive(ctx, actor, courseId);
  async function* chunks(): AsyncGenerator<Buffer> {
    const zip = new ZipBuilder();
    yield zip.entry(COURSE_ARCHIVE_MANIFEST, Buffer.from(JSON.stringify(archive, null, 2)));
    for (const a of attachments) yield zip.entry(a.path, await fs.promises.readFile(storagePath(ctx, a.storageKey)));
    yield zip.finish();
  }
  return { fileName: archiveFileName(title), chunks: chunks() };
}
