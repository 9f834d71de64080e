/**
 * "File to employee record": one action that renders an LMS certificate PDF, a Quiz Submission
 * Report or a Course Quiz PDF and files it as an Employee Document of the learner's employee
 * record, with a link back to its source. Idempotent: the unique (source_kind, source_id) index
 * makes a second filing (or a concurrent one) answer the first document.
 */
import type { Actor, AppContext } from '../context.ts';
import type { Executor } from '../db/database.ts';
import { today } from '../db/dialect.ts';
import { errors } from '../http/errors.ts';
import { deleteFileRows, discardBlobs, saveBuffer } from '../platform/files.service.ts';
import { employeeOfUser } from '../hr/employees/index.ts';
import { existingSourceDocument, fileSourceDocument } from '../hr/documents/index.ts';
import { certificatePdf } from '../lms/certificates/index.ts';
import { courseQuizPdf, quizSubmissionPdf } from '../lms/quizzes/index.ts';
import type { EmployeeDocument } from '../../contract/documents.ts';
import type { DOCUMENT_SOURCE_KINDS } from '../../contract/documents.ts';

export type SourceKind = (typeof DOCUMENT_SOURCE_KINDS)[number];

interface SourceInfo {
  memberId: string;
  title: string;
  issueDate: string | null;
  expiryDate: string | null;
}

interface Source {
  what: string;
  info(db: Executor, id: string): Promise<SourceInfo | null>;
  render(ctx: AppContext, actor: Actor, id: string): Promise<{ pdf: Buffer; filename: string }>;
}

const SOURCES: Record<SourceKind, Source> = {
  certificate: {
    what: 'The certificate',
    async info(db, id) {
      const r = await db
        .selectFrom('certificates')
        .innerJoin('courses', 'courses.id', 'certificates.course_id')
        .select(['certificates.member_id', 'certificates.issue_date', 'certificates.expiry_date', 'courses.title'])
        .where('certificates.id', '=', id)
        .executeTakeFirst();
      return r ? { memberId: r.member_id, title: `Certificate: ${r.title}`, issueDate: r.issue_date, expiryDate: r.expiry_date } : null;
    },
    render: (ctx, actor, id) => certificatePdf(ctx, actor, id),
  },
  'quiz-submission': {
    what: 'The quiz submission',
    async info(db, id) {
      const r = await db
        .selectFrom('quiz_submissions')
        .innerJoin('quizzes', 'quizzes.id', 'quiz_submissions.quiz_id')
        .select(['quiz_submissions.member_id', 'quiz_submissions.submitted_at', 'quiz_submissions.attempt', 'quizzes.title'])
        .where('quiz_submissions.id', '=', id)
        .executeTakeFirst();
      if (!r) return null;
      return { memberId: r.member_id, title: `Quiz report: ${r.title} (attempt ${r.attempt})`, issueDate: r.submitted_at?.slice(0, 10) ?? null, expiryDate: null };
    },
    render: (ctx, actor, id) => quizSubmissionPdf(ctx, actor, id),
  },
  'course-quiz-report': {
    what: 'The enrollment',
    async info(db, id) {
      const r = await db
        .selectFrom('enrollments')
        .innerJoin('courses', 'courses.id', 'enrollments.course_id')
        .select(['enrollments.member_id', 'courses.title'])
        .where('enrollments.id', '=', id)
        .executeTakeFirst();
      return r ? { memberId: r.member_id, title: `Course quiz report: ${r.title}`, issueDate: today(), expiryDate: null } : null;
    },
    render: (ctx, actor, id) => courseQuizPdf(ctx, actor, id),
  },
};

export async function fileFromLms(
  ctx: AppContext,
  actor: Actor,
  input: { kind: SourceKind; id: string; documentTypeId?: string | null | undefined },
): Promise<{ document: EmployeeDocument; created: boolean }> {
  const source = SOURCES[input.kind];
  const info = await source.info(ctx.db, input.id);
  if (!info) throw errors.notFound(source.what);
  const existing = await existingSourceDocument(ctx.db, input.kind, input.id);
  if (existing) return { document: existing, created: false };
  const employee = await employeeOfUser(ctx.db, info.memberId);
  if (!employee) {
    throw errors.unprocessable('NOT_AN_EMPLOYEE', 'The learner has no employee record to file this document on. Link their user to an employee first.');
  }
  // Rendering checks that the caller may read the source (HR readers may) and happens before the
  // transaction, so no lock is held while the PDF is drawn.
  const { pdf, filename } = await source.render(ctx, actor, input.id);
  let orphanKeys: string[] = [];
  let savedKey: string | null = null;
  const result = await ctx.db.transaction().execute(async (trx) => {
    const file = await saveBuffer(ctx, trx, { buffer: pdf, filename, contentType: 'application/pdf', purpose: 'employee-document', createdBy: actor.id });
    savedKey = file.storage_key;
    const r = await fileSourceDocument(trx, actor, {
      employeeId: employee.id,
      sourceKind: input.kind,
      sourceId: input.id,
      title: info.title,
      fileId: file.id,
      documentTypeId: input.documentTypeId ?? null,
      issueDate: info.issueDate,
      expiryDate: info.expiryDate,
    });
    // A concurrent filing won: our copy of the PDF is not needed.
    if (!r.created) orphanKeys = await deleteFileRows(trx, [file.id]);
    return r;
  }).catch(async (e: unknown) => {
    // The transaction rolled back: the bytes saved for it are not referenced by anything.
    if (savedKey) await discardBlobs(ctx, [savedKey]);
    throw e;
  });
  await discardBlobs(ctx, orphanKeys);
  return result;
}
