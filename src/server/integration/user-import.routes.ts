import { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { App } from '../http/types.ts';
import {
  HR_MANAGER_GRANTABLE,
  IMPORT_ROLES,
  ImportAccepted,
  ImportQuery,
  ImportStateSchema,
  USER_IMPORT_COLUMNS,
} from '../../contract/imports.ts';
import { csvLine } from '../platform/csv.ts';
import { handleImportUpload, IMPORT_MAX_BYTES } from '../platform/imports.routes.ts';
import { userImportKind } from './user-import.ts';

/** POST /api/users/import, GET /api/users/import-template (System Manager; HR Manager for a few roles). */
export function registerUserImportRoutes(app: App, ctx: AppContext): void {
  app.post(
    '/api/users/import',
    {
      config: { access: IMPORT_ROLES.users, problems: ['PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'MALFORMED_REQUEST'] },
      schema: {
        tags: ['imports'],
        summary: 'Import user accounts from CSV (multipart: file, mode, dryRun)',
        description:
          `multipart/form-data: \`file\` (CSV, UTF-8, comma or semicolon, at most ${IMPORT_MAX_BYTES / 1024 / 1024} MB), ` +
          '`mode` = all-or-nothing (default) | valid-rows, `dryRun` = true | false. Columns: email, fullName, roles (role names ' +
          'separated by ";", default LMS Student), employeeCode (an existing HR employee without an account: it is linked to the new ' +
          'account, which also gets LMS Student). An email that already has an account is skipped, so importing a file again creates ' +
          'nothing. Row errors (line and column): a bad or repeated email (emails differing only in case are the same email), an ' +
          `unknown role, a role the importer may not give (an HR Manager gives only ${HR_MANAGER_GRANTABLE.join(', ')}), an unknown ` +
          'employee code, an employee that already has another account or is named twice. Every account created gets a generated ' +
          'initial password, answered once to the importer in `credentials` (the ?wait=true answer, else the first GET ' +
          '/api/imports/:id once finished) — hand them over safely; invitation emails come with the notifications outbox later. ' +
          'Each account created has an audit entry naming who imported it. Answers 202 { importId } (poll GET /api/imports/:id), or ' +
          'with ?wait=true 200 with the final state. 413 PAYLOAD_TOO_LARGE over the limit; 415 UNSUPPORTED_MEDIA_TYPE when the file ' +
          'is not CSV text.',
        querystring: ImportQuery,
        response: { 200: ImportStateSchema, 202: ImportAccepted },
      },
    },
    async (req, reply) => handleImportUpload(ctx, req, reply, userImportKind, req.query.wait),
  );

  app.get(
    '/api/users/import-template',
    {
      config: { access: IMPORT_ROLES.users },
      schema: { tags: ['imports'], summary: 'The user import template (CSV header)', response: { 200: z.string() } },
    },
    async (_req, reply) =>
      reply
        .type('text/csv; charset=utf-8')
        .header('Content-Disposition', 'attachment; filename="users-import-template.csv"')
        .send(csvLine(USER_IMPORT_COLUMNS)),
  );
}
