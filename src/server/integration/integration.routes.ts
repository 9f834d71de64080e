import { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { App } from '../http/types.ts';
import { actorOf } from '../http/access.ts';
import { errors } from '../http/errors.ts';
import { BoolQuery, IdParams, IdSchema, LimitSchema, pageOf } from '../../contract/common.ts';
import { HR_ROLES, STATISTICS_ROLES } from '../../contract/roles.ts';
import { EmployeeComplianceSchema, NotificationSchema } from '../../contract/compliance.ts';
import { EmployeeDocumentSchema, FileFromLmsBody } from '../../contract/documents.ts';
import { EmployeeSchema } from '../../contract/employees.ts';
import { MandatoryComplianceQuery, MandatoryComplianceRowSchema, TrainingAssignmentSchema } from '../../contract/training-assignments.ts';
import { employeeOfUser } from '../hr/employees/index.ts';
import { documentsOfEmployee } from '../hr/documents/index.ts';
import { complianceOfEmployee } from '../hr/compliance/index.ts';
import { registerTrainingAssignmentRoutes, assignmentsOf } from '../lms/training/index.ts';
import { hrAudience } from './audience.ts';
import { fileFromLms } from './file-to-record.ts';
import { mandatoryCompliance } from './mandatory-compliance.ts';
import { registerListExport } from '../platform/list-export.ts';
import { markAllNotificationsRead, markNotificationRead, myNotifications } from './notifications.ts';


/** Routes that span HR and LMS. */
export function registerIntegrationRoutes(app: App, ctx: AppContext): void {
  registerTrainingAssignmentRoutes(app, ctx, hrAudience);

  app.get(
    '/api/statistics/mandatory-compliance',
    {
      config: { access: STATISTICS_ROLES },
      schema: {
        tags: ['statistics'],
        summary: 'Mandatory Training Compliance per published mandatory course (expected = active employees with a linked user)',
        querystring: MandatoryComplianceQuery,
        response: { 200: z.array(MandatoryComplianceRowSchema) },
      },
    },
    async (req) => mandatoryCompliance(ctx, req.query),
  );
  registerListExport(app, '/api/statistics/mandatory-compliance', {
    access: STATISTICS_ROLES,
    tags: ['statistics'],
    querystring: MandatoryComplianceQuery,
    fileName: 'mandatory-training-compliance',
    list: async (_req, q) => ({ items: await mandatoryCompliance(ctx, q), nextCursor: null }),
    columns: [
      { header: 'Course', value: (r) => r.title },
      { header: 'Expected', value: (r) => r.expected },
      { header: 'Completed', value: (r) => r.completed },
      { header: 'In progress', value: (r) => r.inProgress },
      { header: 'Not started', value: (r) => r.notStarted },
      { header: 'Overdue (of those not completed)', value: (r) => r.overdue },
      { header: 'Completed of expected (%)', value: (r) => r.completionRate },
    ],
  });

  app.post(
    '/api/employee-documents/from-lms',
    {
      config: { access: HR_ROLES, problems: ['NOT_AN_EMPLOYEE', 'RENDER_TIMEOUT'] },
      schema: {
        tags: ['hr'],
        summary: 'File an LMS certificate, Quiz Submission Report or Course Quiz PDF on the learner\'s employee record',
        description:
          'kind certificate (id = certificate id), quiz-submission (id = submission id) or course-quiz-report (id = enrollment id). ' +
          '201 with the new document; 200 with the same document when it was filed before. 422 NOT_AN_EMPLOYEE when the learner has no employee record.',
        body: FileFromLmsBody,
        response: { 200: EmployeeDocumentSchema, 201: EmployeeDocumentSchema },
      },
    },
    async (req, reply) => {
      const r = await fileFromLms(ctx, actorOf(req), req.body);
      return reply.code(r.created ? 201 : 200).send(r.document);
    },
  );

  app.get(
    '/api/me/hr',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['hr'],
        summary: "The caller's own employee record, documents, compliance rows and training assignments (portal profile)",
        response: {
          200: z.object({
            employee: EmployeeSchema.nullable(),
            documents: z.array(EmployeeDocumentSchema),
            compliance: z.array(EmployeeComplianceSchema),
            assignments: z.array(TrainingAssignmentSchema),
          }),
        },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      if (!actor.id) throw errors.unauthenticated();
      const employee = await employeeOfUser(ctx.db, actor.id);
      return {
        employee,
        documents: employee ? await documentsOfEmployee(ctx.db, employee.id) : [],
        compliance: employee ? await complianceOfEmployee(ctx.db, employee.id) : [],
        assignments: await assignmentsOf(ctx.db, actor.id),
      };
    },
  );

  app.get(
    '/api/me/notifications',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['notifications'],
        summary: "The caller's in-app notifications, newest first",
        querystring: z.strictObject({ limit: LimitSchema, cursor: z.string().max(200).optional(), unread: BoolQuery.optional() }),
        response: { 200: pageOf(NotificationSchema) },
      },
    },
    async (req) => myNotifications(ctx, actorOf(req), req.query),
  );

  app.post(
    '/api/me/notifications/read-all',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['notifications'],
        summary: "Mark the caller's unread notifications read (with upTo: those up to that notification, the newest the reader saw)",
        body: z.strictObject({ upTo: IdSchema.optional() }).optional(),
        response: { 200: z.object({ marked: z.number().int() }) },
      },
    },
    async (req) => ({ marked: await markAllNotificationsRead(ctx, actorOf(req), req.body?.upTo) }),
  );

  app.post(
    '/api/me/notifications/:id/read',
    { config: { access: 'authenticated' }, schema: { tags: ['notifications'], summary: 'Mark one of the caller\'s notifications read', params: IdParams } },
    async (req, reply) => {
      await markNotificationRead(ctx, actorOf(req), req.params.id);
      return reply.code(204).send();
    },
  );
}
