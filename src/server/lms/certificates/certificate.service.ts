/**
 * Certificates: how they look and who may read them, lists, verification by an unguessable public
 * code, revocation with a reason, and the daily expiry job.
 */
import type { SelectQueryBuilder } from 'kysely';
import type { Actor, AppContext } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import type { DB } from '../../db/schema.ts';
import type { CertificatesTable } from '../../db/schema-certificates.ts';
import { nowIso, today } from '../../db/dialect.ts';
import { applyKeyset, keysetOrder, keysetPage, type SortKeys } from '../../db/keyset.ts';
import type { CERTIFICATE_SORTS } from '../../../contract/certificates.ts';
import { errors } from '../../http/errors.ts';
import { hasAnyRole } from '../../http/access.ts';
import { recordAudit } from '../../platform/audit.service.ts';
import { getSettings } from '../../platform/settings.service.ts';
import type { JobDefinition } from '../../platform/jobs.ts';
import type {
  Certificate,
  CertificateFilterValues,
  CertificateListFilters,
  CertificateSource,
  CertificateStatus,
  Verification,
} from '../../../contract/certificates.ts';
import { HR_READERS, isCourseAdmin, readableByMemberOrInstructor } from '../courses/index.ts';

declare module '../../platform/hooks.ts' {
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

export type CertificateRow = CertificatesTable & { member_name: string; course_title: string; attested_at?: string | null };

export function present(ctx: AppContext, r: CertificateRow): Certificate {
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
    attestedAt: r.attested_at ?? null,
    createdAt: r.created_at,
  };
}

type CertQuery = SelectQueryBuilder<DB, 'certificates', object>;

export function withNames(q: CertQuery) {
  return (
    q
      .innerJoin('users', 'users.id', 'certificates.member_id')
      .innerJoin('courses', 'courses.id', 'certificates.course_id')
      .selectAll('certificates')
      .select(['users.full_name as member_name', 'courses.title as course_title'])
      // The holder's latest attestation of the course, where it asks for one.
      .select((eb) =>
        eb
          .selectFrom('attestations')
          .select((a) => a.fn.max('attestations.signed_at').as('signed_at'))
          .whereRef('attestations.member_id', '=', 'certificates.member_id')
          .whereRef('attestations.course_id', '=', 'certificates.course_id')
          .as('attested_at'),
      )
  );
}

async function rowById(db: Executor, id: string): Promise<CertificateRow | undefined> {
  return withNames(db.selectFrom('certificates')).where('certificates.id', '=', id).executeTakeFirst();
}

export async function rowOf(db: Executor, memberId: string, courseId: string): Promise<CertificateRow | undefined> {
  return withNames(db.selectFrom('certificates'))
    .where('certificates.member_id', '=', memberId)
    .where('certificates.course_id', '=', courseId)
    .where('certificates.superseded_at', 'is', null)
    .executeTakeFirst();
}

// ---------------------------------------------------------------------------------------------
// Reading

/** The certificates the actor may read, as a query to add filters to. */
export function scoped(db: Executor, actor: Actor): CertQuery {
  const rule = readableByMemberOrInstructor('certificates', actor, hasAnyRole(actor.roles, ALL_READERS));
  const q = db.selectFrom('certificates');
  return rule ? q.where(rule) : q;
}

export function applyFilters(q: CertQuery, f: CertificateFilterValues): CertQuery {
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
  const rows = await applyKeyset(withNames(base), order, ctx.dialect, f.cursor)
    .limit(f.limit + 1)
    .execute();
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

export async function visibleRow(db: Executor, actor: Actor, id: string): Promise<CertificateRow> {
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
  return {
    holderName: row.member_name,
    courseTitle: row.course_title,
    issueDate: row.issue_date,
    expiryDate: row.expiry_date,
    status: statusOf(row),
  };
}

export async function revokeCertificate(
  ctx: AppContext,
  actor: Actor,
  id: string,
  reason: string,
  requestId: string | null,
): Promise<Certificate> {
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
      throw errors.conflict(
        'ALREADY_REVOKED',
        `This certificate was already revoked on ${before.revoked_at?.slice(0, 10) ?? 'an earlier date'}.`,
      );
    }
    const after = present(ctx, (await rowById(trx, id))!);
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'revoke',
      entity: 'certificate',
      entityId: id,
      before: present(ctx, before),
      after,
      requestId,
    });
    return after;
  });
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
