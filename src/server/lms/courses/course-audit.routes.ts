import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/types.ts';
import { actorOf } from '../../http/access.ts';
import { contentDisposition } from '../../http/content-disposition.ts';
import { IdParams, IsoDate, LimitSchema, pageOf } from '../../../contract/common.ts';
import { AuditEntry } from '../../../contract/audit.ts';
import { sendListCsv } from '../../platform/list-export.ts';
import { auditNames, changedFields, courseAuditPage, courseAuditPdf, COURSE_AUDIT_PDF_MAX, memberOf, recordInWords } from './course-audit.ts';
import { COURSE_AUDIT_READERS, actionInWords } from '../../../contract/audit.ts';

const tags = ['courses'];
const Range = {
  from: IsoDate.optional().describe('First day (UTC), inclusive'),
  to: IsoDate.optional().describe('Last day (UTC), inclusive'),
};
const PageQuery = z.strictObject({ ...Range, limit: LimitSchema, cursor: z.string().max(64).optional() });
const RangeQuery = z.strictObject({ ...Range, download: z.enum(['true', 'false']).optional() });
const description =
  'Entries about the course, its chapters, lessons and quizzes, its enrollments, quiz attempts, certificates, training assignments and attestations. ' +
  "Moderators read every course's trail, Course Creators the courses they teach; any other course answers 404.";

/** Proof for auditors: one course's audit trail for a date range, as JSON, CSV and PDF. */
export function registerCourseAuditRoutes(app: App, ctx: AppContext): void {
  app.get(
    '/api/courses/:id/audit-log',
    {
      config: { access: COURSE_AUDIT_READERS },
      schema: { tags, summary: "A course's audit trail for a date range, newest first", description, params: IdParams, querystring: PageQuery, response: { 200: pageOf(AuditEntry) } },
    },
    async (req) => courseAuditPage(ctx, actorOf(req), req.params.id, req.query),
  );
  app.get(
    '/api/courses/:id/audit-log/export.csv',
    {
      config: { access: COURSE_AUDIT_READERS },
      schema: { tags, summary: "The course's audit trail for a date range as CSV, newest first", description, params: IdParams, querystring: z.strictObject(Range) },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      return sendListCsv(reply, {
        list: (q) => courseAuditPage(ctx, actor, req.params.id, { ...req.query, limit: q.limit, cursor: q.cursor }),
        filters: {},
        fileName: `course-audit-trail${req.query.from ? `-${req.query.from}` : ''}${req.query.to ? `-to-${req.query.to}` : ''}`,
        lookup: (items) => auditNames(ctx, items),
        columns: [
          { header: 'Position', value: (r) => r.position },
          { header: 'When (UTC)', value: (r) => r.at.slice(0, 19).replace('T', ' ') },
          { header: 'By', value: (r, names) => (r.actorId ? (names.get(r.actorId) ?? r.actorId) : 'System') },
          { header: 'Action', value: (r) => actionInWords(r.action) },
          { header: 'Record', value: (r, names) => recordInWords(r, names) },
          { header: 'Learner', value: (r, names) => { const m = memberOf(r); return m ? (names.get(m) ?? m) : ''; } },
          { header: 'Changed', value: (r) => changedFields(r) },
          { header: 'Entity', value: (r) => r.entity },
          { header: 'Record ID', value: (r) => r.entityId },
          { header: 'Hash', value: (r) => r.hash },
          { header: 'Previous hash', value: (r) => r.prevHash },
        ],
      });
    },
  );
  app.get(
    '/api/courses/:id/audit-log.pdf',
    {
      config: { access: COURSE_AUDIT_READERS },
      schema: {
        tags,
        summary: `The course's audit trail for a date range as a PDF, oldest first (at most ${COURSE_AUDIT_PDF_MAX} entries; ?download=true for an attachment)`,
        description,
        params: IdParams,
        querystring: RangeQuery,
        response: { 200: z.any().describe('application/pdf') },
      },
    },
    async (req, reply) => {
      const { pdf, filename } = await courseAuditPdf(ctx, actorOf(req), req.params.id, req.query);
      return reply
        .type('application/pdf')
        .header('content-disposition', contentDisposition(filename, req.query.download === 'true' ? 'attachment' : 'inline'))
        .header('cache-control', 'private, no-store')
        .send(pdf);
    },
  );
}
