/**
 * Expiry notices that reach people: the certificate expiry job marks certificates expiring and
 * expired, and their members are then told in-app and by mail; the compliance expiry job writes
 * its in-app alerts, and they are then mailed. Both steps are idempotent (dedupe keys, one message
 * per notification), so a job run again writes nothing twice. HR documents expiring have a job of
 * their own.
 */
import { sql } from 'kysely';
import type { AppContext } from '../../context.ts';
import { addDays } from '../../hr/index.ts';
import type { JobDefinition } from '../../platform/jobs.ts';
import { getSettings } from '../../platform/settings.service.ts';
import { fanOut, mailNotificationsSince } from './fanout.ts';

/** Certificates marked expiring or expired since `since`: their members are told, once per state. */
export async function notifyCertificateExpiry(ctx: AppContext, since: string): Promise<{ expiring: number; expired: number }> {
  const source = (notice: 'expiring' | 'expired') => ({
    select: sql`
      select cert.member_id as user_id, 'certificate-' || ${notice} || ':' || cert.id || ':' || cert.expiry_date as dedupe_key,
             '/lms/certificates' as link, u.full_name as "recipientName", c.title as "courseTitle", cert.expiry_date as "expiryDate"
        from certificates cert
        join courses c on c.id = cert.course_id
        join users u on u.id = cert.member_id
       where cert.expiry_notice = ${notice} and cert.expiry_notice_at >= ${since} and cert.revoked_at is null and u.enabled = 1`,
  });
  return ctx.db.transaction().execute(async (trx) => ({
    expiring: await fanOut(ctx, trx, 'certificate.expiring', source('expiring')),
    expired: await fanOut(ctx, trx, 'certificate.expired', source('expired')),
  }));
}

/** The certificate expiry job, then its notices. */
export function withCertificateExpiryNotices(job: JobDefinition): JobDefinition {
  return {
    ...job,
    async run(ctx) {
      const since = new Date().toISOString();
      const marked = await job.run(ctx);
      return { marked, notified: await notifyCertificateExpiry(ctx, since) };
    },
  };
}

/** The compliance expiry job, then mail for the alerts it wrote (and any of the last day not mailed yet). */
export function withComplianceExpiryMail(job: JobDefinition): JobDefinition {
  return {
    ...job,
    async run(ctx) {
      const since = `${addDays(new Date().toISOString().slice(0, 10), -1)}T00:00:00.000Z`;
      const result = await job.run(ctx);
      return { result, mailed: await mailNotificationsSince(ctx, ['compliance.expiring', 'compliance.expired'], since) };
    },
  };
}

/**
 * HR documents expiring within the warning window (LMS Settings certificateExpiryWarningDays): the
 * employee's linked user and every HR Manager are told once per document and expiry date.
 */
export async function notifyDocumentsExpiring(ctx: AppContext, on = new Date().toISOString().slice(0, 10)): Promise<{ told: number }> {
  const { certificateExpiryWarningDays } = await getSettings(ctx.db);
  const until = addDays(on, certificateExpiryWarningDays);
  const recipients = sql`
    select e.user_id as user_id, d.id, d.title, d.expiry_date, e.full_name, '/lms/profile' as link from employee_documents d join employees e on e.id = d.employee_id
     where d.expiry_date >= ${on} and d.expiry_date <= ${until} and e.status = 'active' and e.user_id is not null
    union all
    select hr.user_id, d.id, d.title, d.expiry_date, e.full_name, '/app/employee-document/' || d.id as link from employee_documents d join employees e on e.id = d.employee_id
     cross join (select r.user_id from user_roles r join users hu on hu.id = r.user_id where r.role = 'HR Manager' and hu.enabled = 1) hr
     where d.expiry_date >= ${on} and d.expiry_date <= ${until} and e.status = 'active'`;
  const told = await ctx.db.transaction().execute((trx) =>
    fanOut(ctx, trx, 'document.expiring', {
      select: sql`
        select x.user_id, 'document-expiring:' || x.id || ':' || x.expiry_date as dedupe_key, x.link,
               u.full_name as "recipientName", x.title as "documentTitle", x.full_name as "employeeName", x.expiry_date as "expiryDate"
          from (${recipients}) x
          join users u on u.id = x.user_id and u.enabled = 1`,
    }),
  );
  return { told };
}

/** Daily at 05:20 UTC. */
export const documentExpiryJob: JobDefinition = {
  name: 'hr.document-expiry',
  schedule: '20 5 * * *',
  run: (ctx) => notifyDocumentsExpiring(ctx),
};
