import { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { App } from '../http/types.ts';
import { actorOf } from '../http/access.ts';
import { contentDisposition } from '../http/content-disposition.ts';
import { IdParams } from '../../contract/common.ts';
import { TrainingRecordSchema } from '../../contract/training-record.ts';
import { trainingRecord, trainingRecordPdf } from './training-record.ts';

const Pdf = z.any().describe('application/pdf');
const PdfQuery = z.strictObject({ download: z.enum(['true', 'false']).optional() });

/** Proof for auditors: one employee's full training record, as JSON and as a PDF. */
export function registerTrainingRecordRoutes(app: App, ctx: AppContext): void {
  const description =
    "HR roles and Moderators read any employee's record; an employee's own linked user reads theirs; anyone else gets 404.";
  app.get(
    '/api/employees/:id/training-record',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['hr'],
        summary:
          "An employee's training record: mandatory, assigned and enrolled courses, quiz attempts, certificates, documents, compliance",
        description,
        params: IdParams,
        response: { 200: TrainingRecordSchema },
      },
    },
    async (req) => trainingRecord(ctx, actorOf(req), req.params.id),
  );
  app.get(
    '/api/employees/:id/training-record.pdf',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['hr'],
        summary: 'The training record as a PDF (?download=true for an attachment)',
        description,
        params: IdParams,
        querystring: PdfQuery,
        response: { 200: Pdf },
      },
    },
    async (req, reply) => {
      const { pdf, filename } = await trainingRecordPdf(ctx, actorOf(req), req.params.id);
      return reply
        .type('application/pdf')
        .header('content-disposition', contentDisposition(filename, req.query.download === 'true' ? 'attachment' : 'inline'))
        .header('cache-control', 'private, no-store')
        .send(pdf);
    },
  );
}
