/**
 * Certificates: issued once per member + course (auto at 100%, claimed at 100%, or by staff),
 * revocable with a reason, verifiable in public by an unguessable code, rendered to PDF from a
 * template, exported in zips, and watched for expiry by a daily job.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { SelectQueryBuilder } from 'kysely';
import type { Actor, AppContext } from '../context.ts';
import type { Executor, Tx } from '../db/database.ts';
import type { DB } from '../db/schema.ts';
import type { CertificatesTable } from '../db/schema-certificates.ts';
import { nowIso, today } from '../db/dialect.ts';
import { newId, newSecret } from '../db/ids.ts';
import { applyKeyset, keysetOrder, keysetPage, type SortKeys } from '../db/keyset.ts';
import type { CERTIFICATE_SORTS } from '../../contract/certificates.ts';
import { errors } from '../http/errors.ts';
import { hasAnyRole } from '../http/access.ts';
import { recordAudit, recordAuditMany } from '../platform/audit.service.ts';
import { getSettings } from '../platform/settings.service.ts';
import { insertFileRow, storageKeyFor, storagePath, type FileRow } from '../platform/files.service.ts';
import type { JobDefinition } from '../platform/jobs.ts';
import type {
  Certificate,
  CertificateFilterValues,
  CertificateListFilters,
  CertificateSource,
  CertificateStatus,
  Verification,
  ZipJob,
} from '../../contract/certificates.ts';
import { HR_READERS, canManageCourse, canSeeCourse, isCourseAdmin, readableByMemberOrInstructor } from './course-access.ts';
import { certificateFileName, renderCertificatePdf, ZipBuilder, type CertificateData, type RenderTemplate } from './certificate-pdf.ts';
import { CertificateRenderPool } from './certificate-render-pool.ts';
import { renderTemplateFor } from './certificate-template.service.ts';
import { progressSql } from './progress.service.ts';

declare module '../platform/hooks.ts' {
  interface HookEvents {
    /** Fires once when a certificate is issued, inside the issuing transaction. */
    'certificate.issued': { certificateId: string; memberId: string; courseId: string; source: CertificateSource; actorId: string | null };
  }
}

/** Roles that read every certificate (HR files them on the employee record). */
const ALL_READERS = ['System Manager', 'Moderator', 'Batch Evaluator', ...HR_READERS] as const;
/** Most PDFs in one zip export. */
export const ZIP_EXPORT_LIMIT = 10_000;

// ---------------------------------------------------------------------------------------------
// Dates, status, presentation

/** YYYY-MM-DD plus whole months, clamped to the month's last day (2026-01-31 + 1 = 2026-02-28). */
export function addMonths(isoDate: string, months: number): string {
  const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) + months;
  const year = Math.floor(total / 12);
  const month = total % 12;
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return `${String(year).padStart(4, '0')}-${String(month + 1).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

/** Revoked wins; otherwise expired once the expiry date has passed (valid through the expiry day). */
export function statusOf(r: Pick<CertificatesTable, 'revoked_at' | 'expiry_date'>, on = today()): CertificateStatus {
  if (r.revoked_at) return 'revoked';
  if (r.expiry_date && r.expiry_date < on) return 'expired';
  return 'valid';
}

export function verificationUrl(ctx: AppContext, code: string): string {
  const base = (ctx.config.publicUrl ?? `http://localhost:${ctx.config.port}`).replace(/\/+$/, '');
  return `${base}/lms/certificates/verify/${code}`;
}

type CertificateRow = CertificatesTable & { member_name: string; course_title: string };

function present(ctx: AppContext, r: CertificateRow): Certificate {
  return {
    id: r.id,
    memberId: r.member_id,
    courseId: r.course_id,
    issueDate: r.issue_date,
    expiryDate: r.expiry_date,
    status: statusOf(r),
    verificationCode: r.verification_code,
    verificationUrl: verificationUrl(ctx, r.verification_code),
    memberName: r.member_name,
    courseTitle: r.course_title,
    templateId: r.template_id,
    source: r.source as CertificateSource,
    issuedBy: r.issued_by,
    revokedAt: r.revoked_at,
    revokeReason: r.revoke_reason,
    createdAt: r.created_at,
  };
}

type CertQuery = SelectQueryBuilder<DB, 'certificates', object>;

function withNames(q: CertQuery) {
  return q
    .innerJoin('users', 'users.id', 'certificates.member_id')
    .innerJoin('courses', 'courses.id', 'certificates.course_id')
    .selectAll('certificates')
    .select(['users.full_name as member_name', 'courses.title as course_title']);
}

async function rowById(db: Executor, id: string): Promise<CertificateRow | undefined> {
  return withNames(db.selectFrom('certificates')).where('certificates.id', '=', id).executeTakeFirst();
}

async function rowOf(db: Executor, memberId: string, courseId: string): Promise<CertificateRow | undefined> {
  return withNames(db.selectFrom('certificates'))
    .where('certificates.member_id', '=', memberId)
    .where('certificates.course_id', '=', courseId)
    .executeTakeFirst();
}

// ---------------------------------------------------------------------------------------------
// Issuing

export interface IssueInput {
  memberId: string;
  courseId: string;
  source: CertificateSource;
  actorId: string | null;
  issueDate?: string | undefined;
  requestId?: string | null;
}

/** Members per insert when issuing many certificates at once. */
const ISSUE_CHUNK = 500;

/**
 * Issues the members' certificates for one course inside the caller's transaction, set-based
 * (a few statements per 500 members), and returns each member's certificate, new or existing.
 * The unique index on (member, course) decides races: the insert does nothing where a row is
 * there, and that row is returned with created = false.
 */
async function issueManyInTx(
  ctx: AppContext,
  trx: Tx,
  input: Omit<IssueInput, 'memberId'> & { memberIds: readonly string[] },
): Promise<Map<string, { certificate: Certificate; created: boolean }>> {
  const out = new Map<string, { certificate: Certificate; created: boolean }>();
  if (input.memberIds.length === 0) return out;
  const course = await trx
    .selectFrom('courses')
    .leftJoin('certificate_templates', 'certificate_templates.id', 'courses.certificate_template_id')
    .select(['certificate_templates.id as template_id', 'courses.certificate_validity_months'])
    .where('courses.id', '=', input.courseId)
    .executeTakeFirstOrThrow();
  const issueDate = input.issueDate ?? today();
  const months = course.certificate_validity_months === null ? null : Number(course.certificate_validity_months);
  const expiryDate = months && months > 0 ? addMonths(issueDate, months) : null;
  const now = nowIso();
  for (let i = 0; i < input.memberIds.length; i += ISSUE_CHUNK) {
    const members = input.memberIds.slice(i, i + ISSUE_CHUNK);
    const rows: CertificatesTable[] = members.map((memberId) => ({
      id: newId(),
      member_id: memberId,
      course_id: input.courseId,
      template_id: course.template_id,
      issue_date: issueDate,
      expiry_date: expiryDate,
      // 120 random bits, URL-safe: cannot be guessed or enumerated.
      verification_code: newSecret(15),
      source: input.source,
      issued_by: input.actorId,
      revoked_at: null,
      revoked_by: null,
      revoke_reason: null,
      expiry_notice: null,
      expiry_notice_at: null,
      created_at: now,
    }));
    const inserted = new Set(
      (
        await trx
          .insertInto('certificates')
          .values(rows)
          .onConflict((oc) => oc.columns(['member_id', 'course_id']).doNothing())
          .returning('id')
          .execute()
      ).map((r) => r.id),
    );
    const current = await withNames(trx.selectFrom('certificates'))
      .where('certificates.course_id', '=', input.courseId)
      .where('certificates.member_id', 'in', members)
      .execute();
    const created: Certificate[] = [];
    for (const r of current) {
      const certificate = present(ctx, r);
      out.set(r.member_id, { certificate, created: inserted.has(r.id) });
      if (inserted.has(r.id)) created.push(certificate);
    }
    await recordAuditMany(
      trx,
      created.map((c) => ({ actorId: input.actorId, action: 'issue', entity: 'certificate', entityId: c.id, after: c, requestId: input.requestId ?? null })),
    );
    for (const c of created) {
      await ctx.hooks.emit('certificate.issued', trx, {
        certificateId: c.id,
        memberId: c.memberId,
        courseId: c.courseId,
        source: input.source,
        actorId: input.actorId,
      });
    }
  }
  return out;
}

/** Issues one member's certificate for the course inside the caller's transaction, or returns the one that exists. */
export async function issueInTx(ctx: AppContext, trx: Tx, input: IssueInput): Promise<{ certificate: Certificate; created: boolean }> {
  const { memberId, ...rest } = input;
  const r = (await issueManyInTx(ctx, trx, { ...rest, memberIds: [memberId] })).get(memberId);
  if (!r) throw new Error('certificate vanished after insert');
  return r;
}

/** The enrollment.completed subscriber: courses issuing automatically get their members' certificates now. */
export async function issueOnCompletion(
  ctx: AppContext,
  trx: Tx,
  p: { courseId: string; memberIds: readonly string[]; actorId: string | null },
): Promise<void> {
  const course = await trx
    .selectFrom('courses')
    .select(['enable_certification', 'certificate_issue_mode'])
    .where('id', '=', p.courseId)
    .executeTakeFirst();
  if (!course || course.enable_certification !== 1 || course.certificate_issue_mode !== 'auto') return;
  await issueManyInTx(ctx, trx, { courseId: p.courseId, memberIds: p.memberIds, source: 'auto', actorId: p.actorId });
}

async function visibleCourse(db: Executor, actor: Actor, courseId: string) {
  const course = await db
    .selectFrom('courses')
    .select(['id', 'published', 'enable_certification', 'certificate_issue_mode'])
    .where('id', '=', courseId)
    .executeTakeFirst();
  if (!course) throw errors.notFound('The course');
  const enrolled =
    actor.id !== null &&
    (await db.selectFrom('enrollments').select('id').where('member_id', '=', actor.id).where('course_id', '=', courseId).executeTakeFirst()) !==
      undefined;
  // Learners keep access to the certificate of a course that was unpublished after they enrolled.
  if (!enrolled && !(await canSeeCourse(db, actor, course))) throw errors.notFound('The course');
  return course;
}

/** The caller claims the certificate of a course they completed (also returns one issued automatically). */
export async function claimCertificate(
  ctx: AppContext,
  actor: Actor,
  courseId: string,
  requestId: string | null,
): Promise<{ certificate: Certificate; created: boolean }> {
  if (!actor.id) throw errors.unauthenticated();
  const memberId = actor.id;
  return ctx.db.transaction().execute(async (trx) => {
    const course = await visibleCourse(trx, actor, courseId);
    if (course.enable_certification !== 1) {
      throw errors.unprocessable('CERTIFICATION_DISABLED', 'This course does not issue certificates.');
    }
    const existing = await rowOf(trx, memberId, courseId);
    if (existing) return { certificate: present(ctx, existing), created: false };
    const enrollment = await trx
      .selectFrom('enrollments')
      .select(progressSql().as('progress'))
      .where('member_id', '=', memberId)
      .where('course_id', '=', courseId)
      .executeTakeFirst();
    if (!enrollment || Number(enrollment.progress) < 100) {
      const progress = enrollment ? Number(enrollment.progress) : 0;
      throw errors.unprocessable(
        'COURSE_NOT_COMPLETED',
        enrollment
          ? `The certificate is issued at 100% progress; you are at ${progress}%. Complete the remaining lessons first.`
          : 'You are not enrolled in this course, so there is no completion to certify.',
        { progress },
      );
    }
    return issueInTx(ctx, trx, { memberId, courseId, source: 'claim', actorId: memberId, requestId });
  });
}

/** What the course page needs: is there a certificate, can the caller claim one. */
export async function courseCertificateState(ctx: AppContext, actor: Actor, courseId: string) {
  const course = await visibleCourse(ctx.db, actor, courseId);
  const enrollment = actor.id
    ? await ctx.db.selectFrom('enrollments').select(progressSql().as('progress')).where('member_id', '=', actor.id).where('course_id', '=', courseId).executeTakeFirst()
    : undefined;
  const row = actor.id ? await rowOf(ctx.db, actor.id, courseId) : undefined;
  const progress = enrollment ? Number(enrollment.progress) : null;
  return {
    enabled: course.enable_certification === 1,
    issueMode: course.certificate_issue_mode === 'claim' ? ('claim' as const) : ('auto' as const),
    progress,
    eligible: course.enable_certification === 1 && progress === 100,
    certificate: row ? present(ctx, row) : null,
  };
}

/** Staff issue a certificate by hand (evaluated or external training): no completion needed. */
export async function issueManually(
  ctx: AppContext,
  actor: Actor,
  input: { memberId: string; courseId: string; issueDate?: string | undefined },
  requestId: string | null,
): Promise<Certificate> {
  if (input.issueDate && input.issueDate > today()) {
    throw errors.validation([{ path: 'issueDate', message: 'The issue date cannot be in the future.' }], 'The issue date cannot be in the future.');
  }
  return ctx.db.transaction().execute(async (trx) => {
    const course = await trx.selectFrom('courses').select(['id', 'published']).where('id', '=', input.courseId).executeTakeFirst();
    if (!course || !(await canSeeCourse(trx, actor, course))) throw errors.notFound('The course');
    if (!hasAnyRole(actor.roles, ['Moderator', 'Batch Evaluator']) && !(await canManageCourse(trx, actor, course.id))) {
      throw errors.forbidden('You may only issue certificates for courses you manage.');
    }
    const member = await trx.selectFrom('users').select('id').where('id', '=', input.memberId).executeTakeFirst();
    if (!member) throw errors.validation([{ path: 'memberId', message: 'No user has this id.' }], 'No user has this id.');
    const { certificate, created } = await issueInTx(ctx, trx, {
      memberId: input.memberId,
      courseId: input.courseId,
      source: 'manual',
      actorId: actor.id,
      issueDate: input.issueDate,
      requestId,
    });
    if (!created) {
      throw errors.conflict('CERTIFICATE_EXISTS', 'This member already has a certificate for the course.', { certificateId: certificate.id });
    }
    return certificate;
  });
}

// ---------------------------------------------------------------------------------------------
// Reading

/** The certificates the actor may read, as a query to add filters to. */
function scoped(db: Executor, actor: Actor): CertQuery {
  const rule = readableByMemberOrInstructor('certificates', actor, hasAnyRole(actor.roles, ALL_READERS));
  const q = db.selectFrom('certificates');
  return rule ? q.where(rule) : q;
}

function applyFilters(q: CertQuery, f: CertificateFilterValues): CertQuery {
  const on = today();
  if (f.memberId) q = q.where('certificates.member_id', '=', f.memberId);
  if (f.courseId) q = q.where('certificates.course_id', '=', f.courseId);
  if (f.status === 'revoked') q = q.where('certificates.revoked_at', 'is not', null);
  if (f.status === 'expired') q = q.where('certificates.revoked_at', 'is', null).where('certificates.expiry_date', '<', on);
  if (f.status === 'valid') {
    q = q
      .where('certificates.revoked_at', 'is', null)
      .where((eb) => eb.or([eb('certificates.expiry_date', 'is', null), eb('certificates.expiry_date', '>=', on)]));
  }
  if (f.expiringBefore) q = q.where('certificates.expiry_date', 'is not', null).where('certificates.expiry_date', '<', f.expiringBefore);
  return q;
}

const CERTIFICATE_SORT_KEYS: SortKeys<(typeof CERTIFICATE_SORTS)[number]> = {
  issueDate: { ref: 'certificates.issue_date', kind: 'date' },
  expiryDate: { ref: 'certificates.expiry_date', kind: 'date', nullable: true },
  memberName: { ref: 'users.full_name', kind: 'text' },
  courseTitle: { ref: 'courses.title', kind: 'text' },
};

export async function listCertificates(ctx: AppContext, actor: Actor, f: CertificateListFilters) {
  const base = applyFilters(scoped(ctx.db, actor), f);
  const order = keysetOrder(f.sort, CERTIFICATE_SORT_KEYS, 'certificates.id');
  const rows = await applyKeyset(withNames(base), order, ctx.dialect, f.cursor).limit(f.limit + 1).execute();
  const { page, nextCursor } = keysetPage(order, rows, f.limit);
  const items = page.map((r) => present(ctx, r));
  let total: number | undefined;
  if (f.withTotal) {
    const c = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    total = Number(c.n);
  }
  return {
    items,
    nextCursor,
    ...(total !== undefined ? { total } : {}),
  };
}

/** My Certificates: the caller's own, newest first (a person holds a handful, so no paging). */
export async function myCertificates(ctx: AppContext, actor: Actor): Promise<Certificate[]> {
  if (!actor.id) throw errors.unauthenticated();
  const rows = await withNames(ctx.db.selectFrom('certificates'))
    .where('certificates.member_id', '=', actor.id)
    .orderBy('certificates.id', 'desc')
    .execute();
  return rows.map((r) => present(ctx, r));
}

async function visibleRow(db: Executor, actor: Actor, id: string): Promise<CertificateRow> {
  const row = await withNames(scoped(db, actor)).where('certificates.id', '=', id).executeTakeFirst();
  if (!row) throw errors.notFound('The certificate');
  return row;
}

export async function getCertificate(ctx: AppContext, actor: Actor, id: string): Promise<Certificate> {
  return present(ctx, await visibleRow(ctx.db, actor, id));
}

/** The public check: only what a verifier needs (no email, no ids). Unknown codes are 404. */
export async function verifyCertificate(ctx: AppContext, code: string): Promise<Verification> {
  const row = await withNames(ctx.db.selectFrom('certificates')).where('certificates.verification_code', '=', code).executeTakeFirst();
  if (!row) throw errors.notFound('The certificate');
  return { holderName: row.member_name, courseTitle: row.course_title, issueDate: row.issue_date, expiryDate: row.expiry_date, status: statusOf(row) };
}

export async function revokeCertificate(ctx: AppContext, actor: Actor, id: string, reason: string, requestId: string | null): Promise<Certificate> {
  return ctx.db.transaction().execute(async (trx) => {
    const before = await visibleRow(trx, actor, id);
    if (!isCourseAdmin(actor)) throw errors.forbidden('Only Moderators and System Managers may revoke certificates.');
    const updated = await trx
      .updateTable('certificates')
      .set({ revoked_at: nowIso(), revoked_by: actor.id, revoke_reason: reason })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    if (!updated) {
      throw errors.conflict('ALREADY_REVOKED', `This certificate was already revoked on ${before.revoked_at?.slice(0, 10) ?? 'an earlier date'}.`);
    }
    const after = present(ctx, (await rowById(trx, id))!);
    await recordAudit(trx, { actorId: actor.id, action: 'revoke', entity: 'certificate', entityId: id, before: present(ctx, before), after, requestId });
    return after;
  });
}

// ---------------------------------------------------------------------------------------------
// PDFs

type TemplateSource = (templateId: string | null) => Promise<RenderTemplate>;
type Render = (template: RenderTemplate, data: CertificateData) => Promise<Buffer>;

async function renderRow(ctx: AppContext, templates: TemplateSource, r: CertificateRow, render: Render = renderCertificatePdf): Promise<Buffer> {
  const template = await templates(r.template_id);
  const status = statusOf(r);
  return render(template, {
    memberName: r.member_name,
    courseTitle: r.course_title,
    issueDate: r.issue_date,
    expiryDate: r.expiry_date,
    verificationUrl: verificationUrl(ctx, r.verification_code),
    certificateId: r.id,
    watermark: status === 'revoked' ? 'REVOKED' : undefined,
  });
}

export async function certificatePdf(ctx: AppContext, actor: Actor, id: string): Promise<{ pdf: Buffer; filename: string }> {
  const row = await visibleRow(ctx.db, actor, id);
  return { pdf: await renderRow(ctx, (t) => renderTemplateFor(ctx, ctx.db, t), row), filename: certificateFileName(row.member_name, row.course_title, row.id) };
}

/** Batches from this many certificates render on threads (starting one costs about 100 renders of CPU time). */
const THREADS_FROM = 100;

/** The render threads batches use, one pool per app (started on first use, closed with the app). */
const renderPools = new WeakMap<AppContext, CertificateRenderPool>();

function renderPoolFor(ctx: AppContext): CertificateRenderPool {
  let pool = renderPools.get(ctx);
  if (!pool) renderPools.set(ctx, (pool = new CertificateRenderPool(undefined, ctx.log)));
  return pool;
}

/** Stops the zip jobs this process runs, then the render threads: for app close. */
export async function stopCertificateWork(ctx: AppContext): Promise<void> {
  await stopZipJobs(ctx);
  await renderPools.get(ctx)?.close();
  renderPools.delete(ctx);
}

/**
 * Renders the certificates matching `f` that the actor may read, in pages of `chunk` rows (one
 * query per page), newest first. Yields each PDF with its file name, in order, while the render
 * threads work on the next few (two per thread in flight: enough to keep them busy, bounded).
 */
export async function* renderMatching(
  ctx: AppContext,
  actor: Actor,
  f: CertificateFilterValues,
  chunk = 200,
): AsyncGenerator<{ name: string; pdf: Buffer }> {
  // Templates are read once per batch, not once per certificate.
  const loaded = new Map<string, Promise<RenderTemplate>>();
  const templates: TemplateSource = (templateId) => {
    const key = templateId ?? '';
    let t = loaded.get(key);
    if (!t) loaded.set(key, (t = renderTemplateFor(ctx, ctx.db, templateId)));
    return t;
  };
  const pool = renderPoolFor(ctx);
  const inFlight: { name: string; pdf: Promise<Buffer> }[] = [];
  let cursor: string | null = null;
  for (;;) {
    let q = withNames(applyFilters(scoped(ctx.db, actor), f));
    if (cursor) q = q.where('certificates.id', '<', cursor);
    const rows = await q.orderBy('certificates.id', 'desc').limit(chunk).execute();
    // Small batches render here: starting the threads would cost more than it saves.
    const small = cursor === null && rows.length < Math.min(chunk, THREADS_FROM);
    const render: Render = small ? renderCertificatePdf : (t, d) => pool.render(t, d);
    for (const r of rows) {
      const pdf = renderRow(ctx, templates, r, render);
      // Awaited in order below; this only keeps a failure from counting as unhandled meanwhile.
      pdf.catch(() => {});
      inFlight.push({ name: certificateFileName(r.member_name, r.course_title, r.id), pdf });
      if (inFlight.length >= pool.size * 2) {
        const next = inFlight.shift()!;
        yield { name: next.name, pdf: await next.pdf };
      }
    }
    if (rows.length < chunk) break;
    cursor = rows[rows.length - 1]!.id;
  }
  for (let next = inFlight.shift(); next; next = inFlight.shift()) yield { name: next.name, pdf: await next.pdf };
}

export async function countMatching(ctx: AppContext, actor: Actor, f: CertificateFilterValues): Promise<number> {
  const c = await applyFilters(scoped(ctx.db, actor), f)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(c.n);
}

function assertExportable(total: number): void {
  if (total > ZIP_EXPORT_LIMIT) {
    throw errors.unprocessable('EXPORT_TOO_LARGE', `At most ${ZIP_EXPORT_LIMIT} certificates go in one zip; narrow the filters (${total} match).`, {
      total,
      limit: ZIP_EXPORT_LIMIT,
    });
  }
}

/** The zip of PDFs as a stream of chunks, written while it renders. */
export async function zipStream(ctx: AppContext, actor: Actor, f: CertificateFilterValues): Promise<AsyncGenerator<Buffer>> {
  assertExportable(await countMatching(ctx, actor, f));
  async function* gen(): AsyncGenerator<Buffer> {
    const zip = new ZipBuilder();
    for await (const { name, pdf } of renderMatching(ctx, actor, f)) yield zip.entry(name, pdf);
    yield zip.finish();
  }
  return gen();
}

// ---------------------------------------------------------------------------------------------
// Zip jobs: state in the database (any process answers), the zip in the file store.

type ZipJobRow = DB['certificate_zip_jobs'];

function presentJob(r: ZipJobRow): ZipJob {
  return {
    id: r.id,
    status: r.status as ZipJob['status'],
    processed: Number(r.processed),
    total: Number(r.total),
    error: r.error,
    downloadUrl: r.status === 'done' && r.file_id ? `/api/certificates/zip-jobs/${r.id}/download` : null,
    createdAt: r.created_at,
  };
}

/** A job whose row was not touched for this long was left behind by a process that stopped. */
export const ZIP_JOB_STALE_MS = 2 * 60_000;
/** How often a running job touches its row even when no certificate finished meanwhile. */
const ZIP_JOB_HEARTBEAT_MS = 15_000;
const ZIP_JOB_INTERRUPTED = 'The export stopped before it finished because the server stopped. Start it again.';

/** The zip jobs this process runs, so that closing the app can stop them cleanly. */
type ZipJobHandle = { stop: AbortController; done: Promise<void> };
const activeZipJobs = new WeakMap<AppContext, Map<string, ZipJobHandle>>();

/**
 * Ends, as failed, every job left queued or running whose row has not been touched for
 * ZIP_JOB_STALE_MS: a running job touches it at least every ZIP_JOB_HEARTBEAT_MS, so such a job
 * belongs to a process that died. One set-based statement; returns how many were ended.
 */
export async function reapZipJobs(ctx: AppContext, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - ZIP_JOB_STALE_MS).toISOString();
  const r = await ctx.db
    .updateTable('certificate_zip_jobs')
    .set({ status: 'failed', error: ZIP_JOB_INTERRUPTED, updated_at: nowIso() })
    .where('status', 'in', ['queued', 'running'])
    .where('updated_at', '<', cutoff)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Stops the jobs this process is running (they end as failed) and waits for them: for app close. */
export async function stopZipJobs(ctx: AppContext): Promise<void> {
  const jobs = activeZipJobs.get(ctx);
  if (!jobs) return;
  for (const j of jobs.values()) j.stop.abort();
  await Promise.allSettled([...jobs.values()].map((j) => j.done));
}

export async function createZipJob(ctx: AppContext, actor: Actor, filters: CertificateFilterValues): Promise<{ jobId: string; total: number }> {
  const total = await countMatching(ctx, actor, filters);
  assertExportable(total);
  const now = nowIso();
  const id = newId();
  await ctx.db
    .insertInto('certificate_zip_jobs')
    .values({ id, created_by: actor.id, filters_json: JSON.stringify(filters), status: 'queued', processed: 0, total, file_id: null, error: null, created_at: now, updated_at: now })
    .execute();
  let jobs = activeZipJobs.get(ctx);
  if (!jobs) activeZipJobs.set(ctx, (jobs = new Map<string, ZipJobHandle>()));
  const stop = new AbortController();
  const done = runZipJob(ctx, actor, id, stop.signal)
    .catch((err: unknown) => ctx.log.error({ err, jobId: id }, 'certificate zip job crashed'))
    .finally(() => jobs.delete(id));
  jobs.set(id, { stop, done });
  return { jobId: id, total };
}

/**
 * Builds the job's zip into the file store, recording progress every few certificates (and at
 * least every ZIP_JOB_HEARTBEAT_MS). Only a job still queued or running is advanced: one that was
 * reaped meanwhile stays failed and its file is discarded. `signal` stops it (as failed).
 */
export async function runZipJob(ctx: AppContext, actor: Actor, id: string, signal?: AbortSignal): Promise<void> {
  const job = await ctx.db.selectFrom('certificate_zip_jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const filters = JSON.parse(job.filters_json) as CertificateFilterValues;
  const claimed = await ctx.db
    .updateTable('certificate_zip_jobs')
    .set({ status: 'running', updated_at: nowIso() })
    .where('id', '=', id)
    .where('status', 'in', ['queued', 'running'])
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) === 0) return;
  const fileId = newId();
  const storageKey = storageKeyFor(fileId);
  const target = storagePath(ctx, storageKey);
  let processed = 0;
  let touching: Promise<unknown> = Promise.resolve();
  const touch = () => {
    touching = ctx.db
      .updateTable('certificate_zip_jobs')
      .set({ processed, updated_at: nowIso() })
      .where('id', '=', id)
      .where('status', '=', 'running')
      .execute()
      .catch((err: unknown) => ctx.log.warn({ err, jobId: id }, 'certificate zip job heartbeat failed'));
    return touching;
  };
  const heartbeat = setInterval(() => void touch(), ZIP_JOB_HEARTBEAT_MS);
  heartbeat.unref();
  try {
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    const out = fs.createWriteStream(target, { flags: 'wx' });
    const hash = createHash('sha256');
    let size = 0;
    const write = async (b: Buffer) => {
      hash.update(b);
      size += b.length;
      if (!out.write(b)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    };
    const zip = new ZipBuilder();
    let lastReport = Date.now();
    try {
      for await (const { name, pdf } of renderMatching(ctx, actor, filters)) {
        if (signal?.aborted) throw new Error('stopped');
        await write(zip.entry(name, pdf));
        processed++;
        if (Date.now() - lastReport > 500) {
          lastReport = Date.now();
          await touch();
        }
      }
      await write(zip.finish());
    } finally {
      await new Promise<void>((resolve, reject) => {
        out.once('error', reject);
        out.end(() => resolve());
      });
    }
    clearInterval(heartbeat);
    await touching;
    await ctx.db.transaction().execute(async (trx) => {
      await insertFileRow(
        trx,
        { id: fileId, storageKey, filename: `certificates-${job.created_at.slice(0, 10)}.zip`, contentType: 'application/zip', size, sha256: hash.digest('hex') },
        { purpose: 'certificate-zip', createdBy: actor.id },
      );
      const finished = await trx
        .updateTable('certificate_zip_jobs')
        .set({ status: 'done', processed, total: processed, file_id: fileId, updated_at: nowIso() })
        .where('id', '=', id)
        .where('status', '=', 'running')
        .executeTakeFirst();
      // Reaped meanwhile: it stays failed (the file row goes with this transaction).
      if (Number(finished.numUpdatedRows) === 0) throw new Error('the job was ended while it ran');
    });
  } catch (err) {
    clearInterval(heartbeat);
    await touching;
    await fs.promises.rm(target, { force: true }).catch(() => {});
    if (!signal?.aborted) ctx.log.error({ err, jobId: id }, 'certificate zip job failed');
    await ctx.db
      .updateTable('certificate_zip_jobs')
      .set({ status: 'failed', error: signal?.aborted ? ZIP_JOB_INTERRUPTED : 'The export failed; it has been logged. Try again.', processed, updated_at: nowIso() })
      .where('id', '=', id)
      .where('status', '=', 'running')
      .execute();
  }
}

/** A job is visible to the person who started it (and to System Managers). */
async function visibleJob(ctx: AppContext, actor: Actor, id: string): Promise<ZipJobRow> {
  const read = () => ctx.db.selectFrom('certificate_zip_jobs').selectAll().where('id', '=', id).executeTakeFirst();
  let row = await read();
  if (!row || (row.created_by !== actor.id && !actor.roles.has('System Manager'))) throw errors.notFound('The export job');
  // A job that stopped showing signs of life is reported as failed, not as running forever.
  if ((row.status === 'queued' || row.status === 'running') && Date.parse(row.updated_at) < Date.now() - ZIP_JOB_STALE_MS) {
    await reapZipJobs(ctx);
    row = (await read()) ?? row;
  }
  return row;
}

export async function getZipJob(ctx: AppContext, actor: Actor, id: string): Promise<ZipJob> {
  return presentJob(await visibleJob(ctx, actor, id));
}

export async function zipJobFile(ctx: AppContext, actor: Actor, id: string): Promise<FileRow> {
  const job = await visibleJob(ctx, actor, id);
  if (job.status !== 'done' || !job.file_id) {
    throw errors.conflict('EXPORT_NOT_READY', `The export is ${job.status}; download it when its status is done.`, { status: job.status });
  }
  const file = await ctx.db.selectFrom('files').selectAll().where('id', '=', job.file_id).executeTakeFirst();
  if (!file) throw errors.notFound('The export file');
  return file;
}

// ---------------------------------------------------------------------------------------------
// Expiry

/**
 * Marks certificates for the notification work: 'expiring' when the expiry date falls within the
 * warning window (LMS Settings certificateExpiryWarningDays, 30 by default), 'expired' once it has
 * passed. Set-based, idempotent: a row is marked once per state. Revoked certificates are skipped.
 */
export async function markCertificateExpiry(ctx: AppContext, on = today()): Promise<{ expiring: number; expired: number }> {
  const { certificateExpiryWarningDays } = await getSettings(ctx.db);
  const horizon = new Date(`${on}T00:00:00Z`);
  horizon.setUTCDate(horizon.getUTCDate() + certificateExpiryWarningDays);
  const until = horizon.toISOString().slice(0, 10);
  const now = nowIso();
  return ctx.db.transaction().execute(async (trx) => {
    const expired = await trx
      .updateTable('certificates')
      .set({ expiry_notice: 'expired', expiry_notice_at: now })
      .where('revoked_at', 'is', null)
      .where('expiry_date', '<', on)
      .where((eb) => eb.or([eb('expiry_notice', 'is', null), eb('expiry_notice', '<>', 'expired')]))
      .executeTakeFirst();
    const expiring = await trx
      .updateTable('certificates')
      .set({ expiry_notice: 'expiring', expiry_notice_at: now })
      .where('revoked_at', 'is', null)
      .where('expiry_date', '>=', on)
      .where('expiry_date', '<=', until)
      .where('expiry_notice', 'is', null)
      .executeTakeFirst();
    const result = { expiring: Number(expiring.numUpdatedRows), expired: Number(expired.numUpdatedRows) };
    if (result.expiring || result.expired) {
      await recordAudit(trx, { actorId: null, action: 'expiry-scan', entity: 'certificate', entityId: on, after: { ...result, until } });
    }
    return result;
  });
}

/** Daily at 02:15 UTC. Register with the Jobs scheduler in main.ts. */
export const certificateExpiryJob: JobDefinition = {
  name: 'certificates.expiry',
  schedule: '15 2 * * *',
  run: (ctx) => markCertificateExpiry(ctx),
};
