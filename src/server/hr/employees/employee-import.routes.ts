import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/types.ts';
import { HR_ROLES } from '../../../contract/roles.ts';
import { EMPLOYEE_IMPORT_COLUMNS, ImportAccepted, ImportQuery, ImportStateSchema } from '../../../contract/imports.ts';
import { csvLine } from '../../platform/csv.ts';
import { handleImportUpload, IMPORT_MAX_BYTES } from '../../platform/imports.routes.ts';
import { employeeImportKind } from './employee-import.service.ts';

/** POST /api/employees/import, GET /api/employees/import-template (HR Manager, HR User, System Manager). */
export function registerEmployeeImportRoutes(app: App, ctx: AppContext): void {
  app.post(
    '/api/employees/import',
    {
      config: { access: HR_ROLES, problems: ['PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'MALFORMED_REQUEST'] },
      schema: {
        tags: ['imports'],
        summary: 'Import employees from CSV (multipart: file, mode, dryRun)',
        description:
          `multipart/form-data: \`file\` (CSV, UTF-8, comma or semicolon, at most ${IMPORT_MAX_BYTES / 1024 / 1024} MB), ` +
          '`mode` = all-or-nothing (default) | valid-rows, `dryRun` = true | false. Columns: employeeCode, fullName, optional email ' +
          '(links the existing user with that email, who gets the LMS Student role), department and designation (existing names), ' +
          'reportsTo (the manager\'s employee code, here or anywhere in the file), dateOfJoining (YYYY-MM-DD), status (active | left). ' +
          'A code that already exists is skipped. Answers 202 { importId } (poll GET /api/imports/:id), or with ?wait=true 200 with ' +
          'the final state. 413 PAYLOAD_TOO_LARGE over the limit; 415 UNSUPPORTED_MEDIA_TYPE when the file is not CSV text.',
        querystring: ImportQuery,
        response: { 200: ImportStateSchema, 202: ImportAccepted },
      },
    },
    async (req, reply) => handleImportUpload(ctx, req, reply, employeeImportKind, req.query.wait),
  );

  app.get(
    '/api/employees/import-template',
    {
      config: { access: HR_ROLES },
      schema: { tags: ['imports'], summary: 'The employee import template (CSV header)', response: { 200: z.string() } },
    },
    async (_req, reply) =>
      reply
        .type('text/csv; charset=utf-8')
        .header('Content-Disposition', 'attachment; filename="employees-import-template.csv"')
        .send(csvLine(EMPLOYEE_IMPORT_COLUMNS)),
  );
}
