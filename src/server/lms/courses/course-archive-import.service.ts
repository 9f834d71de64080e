/**
 * Course import: a course archive (see course-archive-export.service.ts) becomes a NEW unpublished
 * course with new ids everywhere, its quiz lessons pointing to new quizzes of the course and its
 * SCORM lessons to packages uploaded again through the SCORM package code.
 *
 * The zip is checked like a SCORM upload (platform/safe-zip.ts: names, sizes, count, ratio) and
 * `course.json` against its schema before anything is stored; every file is stored under the
 * upload rule of its place (a lesson's PDF must be a PDF). Then one transaction writes the rows;
 * when anything fails, the stored files and extracted packages are removed again, so a refused
 * archive leaves nothing behind. The archive itself is never kept.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Actor, AppContext } from '../../context.ts';
import { bool, nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import { AppError, fieldErrorsFromZod, type FieldError } from '../../http/errors.ts';
import { recordAudit } from '../../platform/audit.service.ts';
import {
  discardBlob,
  discardBlobs,
  insertFileRow,
  storagePath,
  storeStream,
  UPLOAD_RULES,
  type StoredBlob,
  type UploadRule,
} from '../../platform/files.service.ts';
import { extractZip, inspectZip, type ZipKind } from '../../platform/safe-zip.ts';
import {
  COURSE_ARCHIVE_FORMAT,
  COURSE_ARCHIVE_MANIFEST,
  COURSE_ARCHIVE_VERSION,
  CourseArchiveSchema,
  type ArchiveFile,
  type CourseArchive,
  type CourseImportReport,
  type CourseImportResult,
} from '../../../contract/course-archive.ts';
import { findCertificateTemplate } from '../certificates/index.ts';
import { recomputeProgress } from '../enrollments/index.ts';
import { checkQuizWindow, questionRows } from '../quizzes/index.ts';
import { preparePackage, type PreparedPackage } from '../scorm/index.ts';
import { checkEnrollmentWindow, checkPricing, newCourseRow, writeInstructors } from './course.service.ts';
import type { ChapterRow, LessonRow } from './course.present.ts';

export function archiveInvalid(errs: FieldError[], detail?: string): AppError {
  return new AppError(400, 'COURSE_ARCHIVE_INVALID', detail ?? errs.map((e) => e.message).join(' '), { errors: errs });
}

const COURSE_ZIP: ZipKind = {
  manifest: COURSE_ARCHIVE_MANIFEST,
  noun: 'archive',
  missingManifest: (nested) =>
    nested !== null
      ? `course.json must be at the root of the zip, not in "${nested}".`
      : "The zip has no course.json at its root: it is not a course archive (export one with a course's Export action).",
};

/** Rules refused by a service check become archive errors, their paths inside course.json. */
function asArchiveError(e: unknown, prefix: string): unknown {
  if (!(e instanceof AppError)) return e;
  const errs = (e.extras.errors as FieldError[] | undefined) ?? [{ path: '', message: e.message }];
  return archiveInvalid(
    errs.map((x) => ({ path: `${COURSE_ARCHIVE_MANIFEST}:${prefix}${x.path ? `.${x.path}` : ''}`, message: x.message })),
  );
}

/** course.json: JSON, the format and version this server reads, the schema, and references that hold. */
export function parseArchive(text: string, entries: ReadonlySet<string>): CourseArchive {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw archiveInvalid([{ path: COURSE_ARCHIVE_MANIFEST, message: `course.json is not valid JSON (${(e as Error).message}).` }]);
  }
  const head = (raw ?? {}) as { format?: unknown; version?: unknown };
  if (typeof raw !== 'object' || raw === null || head.format !== COURSE_ARCHIVE_FORMAT)
    throw archiveInvalid([
      {
        path: `${COURSE_ARCHIVE_MANIFEST}:format`,
        message: `course.json does not say "format": "${COURSE_ARCHIVE_FORMAT}": it is not a course archive.`,
      },
    ]);
  if (head.version !== COURSE_ARCHIVE_VERSION)
    throw archiveInvalid([
      {
        path: `${COURSE_ARCHIVE_MANIFEST}:version`,
        message: `The archive is version ${JSON.stringify(head.version)}; this server reads version ${COURSE_ARCHIVE_VERSION}. Export it again from a server of the same version.`,
      },
    ]);
  const parsed = CourseArchiveSchema.safeParse(raw);
  if (!parsed.success) throw archiveInvalid(fieldErrorsFromZod(parsed.error, `${COURSE_ARCHIVE_MANIFEST}:`).slice(0, 50));
  const a = parsed.data;

  const problems: FieldError[] = [];
  const at = (p: string, message: string) => problems.push({ path: `${COURSE_ARCHIVE_MANIFEST}:${p}`, message });
  const needFile = (f: ArchiveFile | null | undefined, p: string) => {
    if (f && !entries.has(f.path)) at(`${p}.path`, `The archive names "${f.path}", which is not in the zip.`);
  };
  const quizKeys = new Set<string>();
  a.quizzes.forEach((q, i) => {
    if (quizKeys.has(q.key)) at(`quizzes.${i}.key`, `Two quizzes have the key "${q.key}".`);
    quizKeys.add(q.key);
  });
  const packageKeys = new Set<string>();
  a.scormPackages.forEach((p, i) => {
    if (packageKeys.has(p.key)) at(`scormPackages.${i}.key`, `Two SCORM packages have the key "${p.key}".`);
    packageKeys.add(p.key);
    needFile(p.file, `scormPackages.${i}.file`);
  });
  needFile(a.course.image, 'course.image');
  a.chapters.forEach((ch, c) =>
    ch.lessons.forEach((l, i) => {
      const p = `chapters.${c}.lessons.${i}`;
      needFile(l.file, `${p}.file`);
      if (l.kind === 'quiz' && !(l.quiz && quizKeys.has(l.quiz)))
        at(`${p}.quiz`, "A quiz lesson names one of the archive's quizzes by its key.");
      if (l.kind !== 'quiz' && l.quiz) at(`${p}.quiz`, 'Only quiz lessons have a quiz.');
      if (l.kind === 'scorm' && !(l.scormPackage && packageKeys.has(l.scormPackage)))
        at(`${p}.scormPackage`, "A SCORM lesson names one of the archive's SCORM packages by its key.");
      if (l.kind !== 'scorm' && l.scormPackage) at(`${p}.scormPackage`, 'Only SCORM lessons have a SCORM package.');
      if (l.kind !== 'video' && l.videoUrl) at(`${p}.videoUrl`, 'Only video lessons have a video URL.');
      if (l.file && l.kind !== 'video' && l.kind !== 'pdf') at(`${p}.file`, 'Only video and PDF lessons have a file.');
    }),
  );
  if (problems.length) throw archiveInvalid(problems.slice(0, 50));
  return a;
}

/** What the import leaves to clean up if it does not commit. */
class Leftovers {
  readonly blobs: StoredBlob[] = [];
  readonly packages: PreparedPackage[] = [];
  async discard(ctx: AppContext): Promise<void> {
    await discardBlobs(
      ctx,
      this.blobs.map((b) => b.storageKey),
    );
    for (const p of this.packages) await p.discard();
  }
}

async function storeArchiveFile(
  ctx: AppContext,
  dir: string,
  f: ArchiveFile,
  rule: UploadRule,
  where: string,
  left: Leftovers,
): Promise<StoredBlob> {
  const full = path.resolve(dir, f.path);
  if (!full.startsWith(dir + path.sep)) throw archiveInvalid([{ path: where, message: `"${f.path}" is outside the archive.` }]);
  try {
    const blob = await storeStream(ctx, fs.createReadStream(full), { filename: f.filename, rule });
    left.blobs.push(blob);
    return blob;
  } catch (e) {
    if (e instanceof AppError) throw archiveInvalid([{ path: where, message: `"${f.path}": ${e.message}` }]);
    throw e;
  }
}

/** Imports the archive stored as `upload` (removed afterwards, whatever happens). */
export async function importCourseArchive(ctx: AppContext, actor: Actor, upload: StoredBlob): Promise<CourseImportResult> {
  const dir = path.resolve(ctx.config.dataDir, 'tmp', `course-import-${newId()}`);
  const left = new Leftovers();
  try {
    const zipPath = storagePath(ctx, upload.storageKey);
    const inspected = await inspectZip(zipPath, COURSE_ZIP);
    if (inspected.errors.length) throw archiveInvalid(inspected.errors);
    const archive = parseArchive(inspected.manifestText!, new Set(inspected.entries.map((e) => e.name)));
    await fs.promises.mkdir(path.dirname(dir), { recursive: true });
    try {
      await extractZip(zipPath, dir);
    } catch (e) {
      throw archiveInvalid([{ path: 'file', message: `The zip could not be extracted: ${(e as Error).message}.` }]);
    }
    const warnings: string[] = [];

    // Files first, each under the rule of its place; then the transaction that references them.
    const image = archive.course.image
      ? await storeArchiveFile(ctx, dir, archive.course.image, UPLOAD_RULES.courseImage, `${COURSE_ARCHIVE_MANIFEST}:course.image`, left)
      : null;
    const lessonFiles = new Map<string, { blob: StoredBlob; purpose: string }>();
    for (const [c, ch] of archive.chapters.entries())
      for (const [i, l] of ch.lessons.entries()) {
        if (!l.file) continue;
        const rule = l.kind === 'video' ? UPLOAD_RULES.lessonVideo : UPLOAD_RULES.lessonPdf;
        const where = `${COURSE_ARCHIVE_MANIFEST}:chapters.${c}.lessons.${i}.file`;
        lessonFiles.set(`${c}.${i}`, { blob: await storeArchiveFile(ctx, dir, l.file, rule, where, left), purpose: rule.purpose });
      }
    const packages = new Map<string, PreparedPackage>();
    for (const [i, p] of archive.scormPackages.entries()) {
      const where = `${COURSE_ARCHIVE_MANIFEST}:scormPackages.${i}.file`;
      const blob = await storeArchiveFile(ctx, dir, p.file, UPLOAD_RULES.scormPackage, where, left);
      left.blobs.pop(); // from here on the prepared package owns (and on failure removes) the zip
      try {
        const prepared = await preparePackage(ctx, blob);
        left.packages.push(prepared);
        packages.set(p.key, prepared);
      } catch (e) {
        throw e instanceof AppError ? asArchiveError(e, `scormPackages.${i}`) : e;
      }
    }

    const result = await ctx.db.transaction().execute(async (trx) => {
      const now = nowIso();
      const src = archive.course;
      let templateId: string | null = null;
      if (src.certificateTemplate) {
        const found = await findCertificateTemplate(trx, src.certificateTemplate);
        if (found) templateId = found.id;
        else
          warnings.push(
            `The certificate template "${src.certificateTemplate.name}" is not on this server: the course uses the default template until you choose one.`,
          );
      }
      const { image: _image, certificateTemplate: _template, ...settings } = src;
      const course = newCourseRow(actor, { ...settings, published: false, certificateTemplateId: templateId }, now);
      const courseId = course.id;
      try {
        checkPricing(course);
        checkEnrollmentWindow(course);
      } catch (e) {
        throw asArchiveError(e, 'course');
      }
      if (image)
        course.image_file_id = (await insertFileRow(trx, image, { purpose: UPLOAD_RULES.courseImage.purpose, createdBy: actor.id })).id;
      await trx.insertInto('courses').values(course).execute();
      if (actor.id) await writeInstructors(trx, courseId, [actor.id]);

      const quizIds = new Map<string, string>();
      let questions = 0;
      for (const [i, q] of archive.quizzes.entries()) {
        const quiz = {
          id: newId(),
          course_id: courseId,
          title: q.title,
          description: q.description ?? '',
          passing_percentage: q.passingPercentage,
          max_attempts: q.maxAttempts,
          time_limit_minutes: q.timeLimitMinutes ?? null,
          shuffle: bool(q.shuffle),
          show_answers: bool(q.showAnswers),
          opens_at: q.opensAt ?? null,
          closes_at: q.closesAt ?? null,
          created_by: actor.id,
          created_at: now,
          updated_at: now,
        };
        try {
          checkQuizWindow(quiz);
        } catch (e) {
          throw asArchiveError(e, `quizzes.${i}`);
        }
        await trx.insertInto('quizzes').values(quiz).execute();
        await trx.insertInto('quiz_questions').values(questionRows(quiz.id, q.questions)).execute();
        quizIds.set(q.key, quiz.id);
        questions += q.questions.length;
      }

      const packageIds = new Map<string, string>();
      for (const [key, p] of packages) packageIds.set(key, (await p.insert(trx, actor)).id);

      const chapters: ChapterRow[] = [];
      const lessons: LessonRow[] = [];
      for (const [c, ch] of archive.chapters.entries()) {
        const chapter: ChapterRow = { id: newId(), course_id: courseId, title: ch.title, position: c, created_at: now };
        chapters.push(chapter);
        for (const [i, l] of ch.lessons.entries()) {
          const file = lessonFiles.get(`${c}.${i}`);
          if (l.kind === 'assignment')
            warnings.push(`The assignment lesson "${l.title}" comes without its assignment: create the assignment again for it.`);
          lessons.push({
            id: newId(),
            course_id: courseId,
            chapter_id: chapter.id,
            title: l.title,
            kind: l.kind,
            body: l.body,
            video_url: l.videoUrl ?? null,
            file_id: file ? (await insertFileRow(trx, file.blob, { purpose: file.purpose, createdBy: actor.id })).id : null,
            quiz_id: l.quiz ? quizIds.get(l.quiz)! : null,
            scorm_package_id: l.scormPackage ? packageIds.get(l.scormPackage)! : null,
            is_preview: bool(l.isPreview),
            position: i,
            created_at: now,
            updated_at: now,
          });
        }
      }
      if (chapters.length) await trx.insertInto('chapters').values(chapters).execute();
      if (lessons.length) await trx.insertInto('lessons').values(lessons).execute();
      await recomputeProgress(ctx, trx, courseId, { actorId: actor.id });

      const report: CourseImportReport = {
        chapters: chapters.length,
        lessons: lessons.length,
        quizzes: quizIds.size,
        questions,
        files: (image ? 1 : 0) + lessonFiles.size + packages.size,
        warnings,
      };
      await recordAudit(trx, {
        actorId: actor.id,
        action: 'import',
        entity: 'course',
        entityId: courseId,
        after: {
          title: course.title,
          fileName: upload.filename,
          sha256: upload.sha256,
          exportedAt: archive.exportedAt,
          generator: archive.generator ?? null,
          report,
          chapters: chapters.map((c) => ({ id: c.id, title: c.title })),
          lessons: lessons.map((l) => ({ id: l.id, chapterId: l.chapter_id, title: l.title, kind: l.kind })),
          quizIds: [...quizIds.values()],
          scormPackageIds: [...packageIds.values()],
        },
      });
      return { courseId, title: course.title, report };
    });
    return result;
  } catch (e) {
    await left.discard(ctx);
    throw e;
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true }).catch(() => {});
    await discardBlob(ctx, upload.storageKey);
  }
}

/** For the command line: imports an archive file from disk, as if uploaded. */
export async function importCourseArchiveFile(ctx: AppContext, actor: Actor, file: string): Promise<CourseImportResult> {
  const upload = await storeStream(ctx, fs.createReadStream(file), { filename: path.basename(file), rule: UPLOAD_RULES.courseArchive });
  return importCourseArchive(ctx, actor, upload);
}
