import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/types.ts';
import { ImportAccepted, ImportQuery, ImportStateSchema, TRAINING_ASSIGNMENT_IMPORT_COLUMNS } from '../../../contract/imports.ts';
import { csvLine } from '../../platform/csv.ts';
import { handleImportUpload, IMPORT_MAX_BYTES } from '../../platform/imports.routes.ts';
import { trainingAssignmentImportKind } from './assignment-import.service.ts';
import { ASSIGNERS } from './assignment.service.ts';

/** POST /api/training-assignments/import, GET /api/training-assignments/import-template (whoever may assign training). */
export function registerTrainingAssignmentImportRoutes(app: App, ctx: AppContext): void {
  app.post(
    '/api/training-assignments/import',
    {
      config: { access: ASSIGNERS, problems: ['PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'MALFORMED_REQUEST'] },
      schema: {
        tags: ['imports'],
        summary: 'Import training assignments from CSV (multipart: file, mode, dryRun)',
        description:
          `multipart/form-data: \`file\` (CSV, UTF-8, comma or semicolon, at most ${IMPORT_MAX_BYTES / 1024 / 1024} MB), ` +
          '`mode` = all-or-nothing (default) | valid-rows, `dryRun` = true | false. Columns: memberEmail or employeeCode, courseId or ' +
          'courseTitle, dueDate (YYYY-MM-DD, required). Each row ensures the enrollment (source assignment) and one open assignment; ' +
          'an open assignment or a completed course is skipped. Answers 202 { importId } (poll GET /api/imports/:id), or with ' +
          '?wait=true 200 with the final state. 413 PAYLOAD_TOO_LARGE over the limit; 415 UNSUPPORTED_MEDIA_TYPE when the file is not CSV text.',
        querystring: ImportQuery,
        response: { 200: ImportStateSchema, 202: ImportAccepted },
      },
    },
    async (req, reply) => handleImportUpload(ctx, req, reply, trainingAssignmentImportKind, req.query.wait),
  );

  app.get(
    '/api/training-assignments/import-template',
    {
      config: { access: ASSIGNERS },
      schema: { tags: ['imports'], summary: 'The training-assignment import template (CSV header)', response: { 200: z.string() } },
    },
    async (_req, reply) =>
      reply
        .type('text/csv; charset=utf-8')
        .header('Content-Disposition', 'attachment; filename="training-assignments-import-template.csv"')
        .send(csvLine(TRAINING_ASSIGNMENT_IMPORT_COLUMNS)),
  );
}
