import type { Actor, AppContext } from '../context.ts';
import { errors } from '../http/errors.ts';
import { findEmployee } from '../hr/employees/index.ts';
import { documentsOfEmployee } from '../hr/documents/index.ts';
import { complianceOfEmployee } from '../hr/compliance/index.ts';
import { trainingHistoryOf } from '../lms/training/index.ts';
import { chainHead } from '../platform/audit-chain.ts';
import { getSettings } from '../platform/settings.service.ts';
import { logoPdfBlocks } from '../platform/logo.service.ts';
import { renderPdf, type PdfContent, type PdfDocDefinition } from '../platform/pdf.ts';
import { readableDay, readableStamp } from '../platform/readable-instant.ts';
import type { TrainingRecord, TrainingRecordCourse } from '../../contract/training-record.ts';
import type { Role } from '../../contract/roles.ts';

/** Who may read any employee's training record; an employee's own linked user may read theirs. */
export const TRAINING_RECORD_READERS: readonly Role[] = ['System Manager', 'HR Manager', 'HR User', 'Moderator'];

/**
 * One employee's full training record (HR and LMS): every mandatory, assigned and enrolled course
 * with status, due date, completion, quiz attempts and certificates; the filed HR documents and
 * compliance rows; and the audit log position it reflects. Another learner's record answers 404.
 */
export async function trainingRecord(ctx: AppContext, actor: Actor, employeeId: string): Promise<TrainingRecord> {
  const employee = await findEmployee(ctx.db, employeeId);
  const allowed =
    TRAINING_RECORD_READERS.some((r) => actor.roles.has(r)) || (employee !== null && actor.id !== null && employee.userId === actor.id);
  if (!employee || !allowed) throw errors.notFound('The employee');
  // The audit position first: everything read after it is at least as new.
  const head = await chainHead(ctx.db);
  const [courses, documents, compliance] = await Promise.all([
    employee.userId ? trainingHistoryOf(ctx.db, employee.userId) : Promise.resolve([]),
    documentsOfEmployee(ctx.db, employee.id),
    complianceOfEmployee(ctx.db, employee.id),
  ]);
  return {
    employee,
    courses,
    documents,
    compliance,
    generatedAt: new Date().toISOString(),
    auditPosition: { entries: head.seq, headHash: head.hash },
  };
}

const GREY = '#666666';
const HEAD_FILL = '#eeeeee';
const STATUS: Record<TrainingRecordCourse['status'], string> = {
  'not-enrolled': 'Not enrolled',
  enrolled: 'Enrolled',
  'in-progress': 'In progress',
  completed: 'Completed',
};

const day = (iso: string | null) => (iso ? readableDay(iso.slice(0, 10), 'short') : '—');

function table(widths: (number | string)[], head: string[], rows: PdfContent[][], empty: string): PdfContent {
  if (rows.length === 0) return { text: empty, color: GREY, margin: [0, 0, 0, 8] };
  return {
    margin: [0, 0, 0, 8],
    table: {
      headerRows: 1,
      widths,
      body: [head.map((h) => ({ text: h, bold: true, fillColor: HEAD_FILL })), ...rows],
    },
    fontSize: 8,
  };
}

/** The record as a PDF document: organisation, employee, courses, attempts, certificates, documents, compliance. */
export function trainingRecordDoc(r: TrainingRecord, organisation: string, generatedBy: string, logo: PdfContent[] = []): PdfDocDefinition {
  const e = r.employee;
  const attempts = r.courses.flatMap((c) =>
    c.attempts.map((a) => [
      c.title,
      a.quizTitle,
      String(a.attempt),
      a.percentage === null ? a.status.replace('_', ' ') : `${a.score ?? 0}/${a.maxScore ?? 0} (${a.percentage}%)`,
      a.passed === null ? '—' : a.passed ? 'Passed' : 'Not passed',
      day(a.submittedAt),
    ]),
  );
  const certificates = r.courses.flatMap((c) =>
    c.certificates.map((x) => [
      c.title,
      day(x.issueDate),
      x.expiryDate ? day(x.expiryDate) : 'No expiry',
      { text: x.verificationCode, noWrap: true, fontSize: 7 },
      x.revoked ? 'Revoked' : x.expiryDate && x.expiryDate < new Date().toISOString().slice(0, 10) ? 'Expired' : 'Valid',
    ]),
  );
  return {
    info: { title: `Training record — ${e.fullName}`, subject: `Training record of ${e.fullName} (${e.employeeCode})` },
    pageMargins: [40, 40, 40, 60],
    footer: (page, pages) => ({
      margin: [40, 8, 40, 0],
      fontSize: 7,
      color: GREY,
      stack: [
        `Generated ${readableStamp(r.generatedAt)} by ${generatedBy}. Reflects the audit log at entry ${r.auditPosition.entries}, head ${r.auditPosition.headHash}.`,
        { text: `Page ${page} of ${pages}`, alignment: 'right' },
      ],
    }),
    styles: {
      org: { fontSize: 10, color: GREY },
      title: { fontSize: 16, bold: true, margin: [0, 2, 0, 10] },
      h2: { fontSize: 12, bold: true, margin: [0, 10, 0, 4] },
    },
    content: [
      ...logo,
      { text: organisation, style: 'org' },
      { text: 'Employee Training Record', style: 'title' },
      {
        layout: 'noBorders',
        margin: [0, 0, 0, 8],
        table: {
          widths: [110, '*'],
          body: [
            ['Employee', e.fullName],
            ['Employee code', e.employeeCode],
            ['Department', e.department ?? '—'],
            ['Designation', e.designation ?? '—'],
            ['Date of joining', day(e.dateOfJoining)],
            ['Status', e.status === 'active' ? 'Active' : `Left ${day(e.leftOn)}`],
          ].map(([k, v]) => [{ text: k, color: GREY }, { text: v }]),
        },
      },
      { text: 'Courses', style: 'h2' },
      table(
        ['*', 52, 60, 44, 56, 56, 56],
        ['Course', 'Required', 'Status', 'Progress', 'Due', 'Completed', 'Best score'],
        r.courses.map((c) => [
          c.title,
          [c.mandatory ? 'Mandatory' : '', c.assigned ? 'Assigned' : ''].filter(Boolean).join(', ') || '—',
          STATUS[c.status] + (c.overdue ? ' (overdue)' : '') + (c.suspendedAt ? ` (suspended: ${c.suspendReason ?? ''})` : ''),
          `${c.progress}%`,
          day(c.dueDate),
          day(c.completedAt) +
            (c.manualCompletion
              ? `\nMarked complete${c.manualCompletion.byName ? ` by ${c.manualCompletion.byName}` : ''}: ${c.manualCompletion.reason}${c.manualCompletion.evidenceFileId ? ' (evidence on file)' : ''}`
              : ''),
          c.bestPercentage === null ? '—' : `${c.bestPercentage}%`,
        ]),
        'No mandatory, assigned or enrolled course.',
      ),
      { text: 'Quiz attempts', style: 'h2' },
      table(['*', '*', 40, 80, 50, 56], ['Course', 'Quiz', 'Attempt', 'Score', 'Result', 'Submitted'], attempts, 'No quiz attempt.'),
      { text: 'Certificates', style: 'h2' },
      table(['*', 50, 50, 125, 36], ['Course', 'Issued', 'Expires', 'Verification code', 'State'], certificates, 'No certificate.'),
      { text: 'Attestations', style: 'h2' },
      table(
        ['*', 80, 160],
        ['Course and statement', 'Signed', 'Content (sha256)'],
        r.courses.flatMap((c) =>
          c.attestations.map((a) => [
            {
              text: [
                { text: `${c.title}\n`, bold: true },
                { text: a.statement, color: GREY },
              ],
            },
            readableStamp(a.signedAt),
            { text: a.contentHash, fontSize: 6 },
          ]),
        ),
        'No attestation.',
      ),
      { text: 'Filed documents', style: 'h2' },
      table(
        ['*', 60, 60],
        ['Document', 'Issued', 'Expires'],
        r.documents.map((d) => [d.title, day(d.issueDate), day(d.expiryDate)]),
        'No filed document.',
      ),
      { text: 'Compliance', style: 'h2' },
      table(
        ['*', 60, 60, 60],
        ['Compliance', 'Status', 'Completed', 'Renewal'],
        r.compliance.map((c) => [
          c.complianceTypeName,
          c.status[0]!.toUpperCase() + c.status.slice(1),
          day(c.completedOn),
          day(c.renewalDate),
        ]),
        'No compliance row.',
      ),
    ],
  };
}

function fileSafe(s: string): string {
  return (
    s
      .replace(/[^\p{L}\p{N}]+/gu, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60) || 'employee'
  );
}

export async function trainingRecordPdf(ctx: AppContext, actor: Actor, employeeId: string): Promise<{ pdf: Buffer; filename: string }> {
  const record = await trainingRecord(ctx, actor, employeeId);
  const settings = await getSettings(ctx.db);
  const by = actor.id
    ? await ctx.db.selectFrom('users').select(['full_name', 'email']).where('id', '=', actor.id).executeTakeFirst()
    : undefined;
  const generatedBy = by ? `${by.full_name} (${by.email})` : 'the system';
  const pdf = await renderPdf(trainingRecordDoc(record, settings.organisationName, generatedBy, await logoPdfBlocks(ctx)));
  return { pdf, filename: `training-record-${fileSafe(record.employee.fullName)}.pdf` };
}
