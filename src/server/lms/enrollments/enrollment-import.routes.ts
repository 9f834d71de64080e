import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/types.ts';
import { actorOf } from '../../http/access.ts';
import { EnrollmentListQuery } from '../../../contract/enrollments.ts';
import { ENROLLMENT_IMPORT_COLUMNS, ImportAccepted, ImportQuery, ImportStateSchema } from '../../../contract/imports.ts';
import { csvLine } from '../../platform/csv.ts';
import { registerListExport } from '../../platform/list-export.ts';
import { handleImportUpload, IMPORT_MAX_BYTES, registerImportRoutes } from '../../platform/imports.routes.ts';
import { ENROLLMENT_EXPORT_COLUMNS, enrollmentImportKind } from './enrollment-import.service.ts';
import { listEnrollments } from './enrollment-list.service.ts';

const STAFF_ENROLLERS = ['System Manager', 'Moderator', 'Course Creator'] as const;

/** POST /api/enrollments/import, GET /api/enrollments/import-template, GET /api/enrollments/export.csv, GET /api/imports/:id. */
export function registerEnrollmentImportRoutes(app: App, ctx: AppContext): void {
  registerImportRoutes(app, ctx);

  app.post(
    '/api/enrollments/import',
    {
      config: { access: STAFF_ENROLLERS, problems: ['PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'MALFORMED_REQUEST'] },
      schema: {
        tags: ['imports'],
        summary: 'Import enrollments from CSV (multipart: file, mode, dryRun)',
        description:
          `multipart/form-data: \`file\` (CSV, UTF-8, comma or semicolon, at most ${IMPORT_MAX_BYTES / 1024 / 1024} MB), ` +
          '`mode` = all-or-nothing (default) | valid-rows, `dryRun` = true | false. Columns: memberEmail or employeeCode, courseId or ' +
          'courseTitle, optional source, dueDate, batchId. Answers 202 { importId } (poll GET /api/imports/:id), or with ?wait=true 200 ' +
          'with the final state. 413 PAYLOAD_TOO_LARGE over the limit; 415 UNSUPPORTED_MEDIA_TYPE when the file is not CSV text.',
        querystring: ImportQuery,
        response: { 200: ImportStateSchema, 202: ImportAccepted },
      },
    },
    async (req, reply) => handleImportUpload(ctx, req, reply, enrollmentImportKind, req.query.wait),
  );

  app.get(
    '/api/enrollments/import-template',
    {
      config: { access: STAFF_ENROLLERS },
      schema: { tags: ['imports'], summary: 'The enrollment import template (CSV header)', response: { 200: z.string() } },
    },
    async (_req, reply) =>
      reply
        .type('text/csv; charset=utf-8')
        .header('Content-Disposition', 'attachment; filename="enrollments-import-template.csv"')
        .send(csvLine(ENROLLMENT_IMPORT_COLUMNS)),
  );

  registerListExport(app, '/api/enrollments', {
    access: 'authenticated',
    tags: ['enrollments'],
    querystring: EnrollmentListQuery,
    fileName: 'enrollments',
    list: (req, q) => listEnrollments(ctx, actorOf(req), q),
    columns: ENROLLMENT_EXPORT_COLUMNS,
  });
}
