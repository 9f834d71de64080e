/**
 * Suspension, resumption and manual completion of an enrollment, the evidence file of a manual
 * completion, and POST /api/files (the evidence upload).
 */
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/types.ts';
import { actorOf } from '../../http/access.ts';
import { IdParams } from '../../../contract/common.ts';
import { EnrollmentSchema, MarkCompleteBody, SuspendEnrollmentBody, UploadedFileSchema } from '../../../contract/enrollments.ts';
import { discardBlob, insertFileRow, receiveUpload, sendFileWithRange, type UploadRule } from '../../platform/files.service.ts';
import { getEnrollment } from './enrollment.service.ts';
import { EVIDENCE_PURPOSE, evidenceFileOf, markEnrollmentComplete, resumeEnrollment, suspendEnrollment } from './enrollment-rules.service.ts';

/** Who suspends, resumes and marks complete: staff; a Course Creator only for the courses they teach (403 otherwise). */
const ENROLLMENT_MANAGERS = ['System Manager', 'Moderator', 'Course Creator'] as const;
const MULTIPART = ['multipart/form-data'];

/** Evidence of classroom or external training: a PDF or an image, at most 20 MB. */
export const EVIDENCE_UPLOAD: UploadRule = {
  accept: ['application/pdf', 'image/png', 'image/jpeg'],
  maxBytes: 20 * 1024 * 1024,
  label: 'a PDF document or a PNG or JPEG image',
  purpose: EVIDENCE_PURPOSE,
};

export function registerEnrollmentRuleRoutes(app: App, ctx: AppContext): void {
  app.post(
    '/api/enrollments/:id/suspend',
    {
      config: { access: ENROLLMENT_MANAGERS, problems: ['ALREADY_SUSPENDED', 'NOT_FOUND'] },
      schema: {
        tags: ['enrollments'],
        summary: 'Suspend an enrollment with a reason: the learner keeps the record and progress but cannot open lessons or submit',
        description:
          "Moderators and System Managers suspend any enrollment, a Course Creator those of the courses they teach (403 otherwise). `reason`: 1 to 500 characters. 409 ALREADY_SUSPENDED when it is suspended already. While suspended, the learner's lesson, progress, quiz, SCORM and assignment requests answer 422 ENROLLMENT_SUSPENDED.",
        params: IdParams,
        body: SuspendEnrollmentBody,
        response: { 200: EnrollmentSchema },
      },
    },
    async (req) => suspendEnrollment(ctx, actorOf(req), req.params.id, req.body.reason, req.id),
  );

  app.post(
    '/api/enrollments/:id/resume',
    {
      config: { access: ENROLLMENT_MANAGERS, problems: ['NOT_SUSPENDED', 'NOT_FOUND'] },
      schema: {
        tags: ['enrollments'],
        summary: 'Resume a suspended enrollment',
        description: '409 NOT_SUSPENDED when the enrollment is not suspended. Same permission as suspending.',
        params: IdParams,
        response: { 200: EnrollmentSchema },
      },
    },
    async (req) => resumeEnrollment(ctx, actorOf(req), req.params.id, req.id),
  );

  app.post(
    '/api/enrollments/:id/mark-complete',
    {
      config: { access: ENROLLMENT_MANAGERS, problems: ['ALREADY_COMPLETED', 'NOT_FOUND'] },
      schema: {
        tags: ['enrollments'],
        summary: 'Mark a course complete by hand (classroom or external training), with a reason and an optional evidence file',
        description:
          'Sets progress 100 and completes the enrollment as any completion does (certificates and training assignments follow). `reason`: 1 to 500 characters; `evidenceFileId`: a file the caller uploaded with POST /api/files (400 VALIDATION_FAILED otherwise). 409 ALREADY_COMPLETED when it is complete already. Same permission as suspending.',
        params: IdParams,
        body: MarkCompleteBody,
        response: { 200: EnrollmentSchema },
      },
    },
    async (req) => markEnrollmentComplete(ctx, actorOf(req), req.params.id, req.body, req.id),
  );

  app.get(
    '/api/enrollments/:id/evidence',
    {
      config: { access: 'authenticated', problems: ['RANGE_NOT_SATISFIABLE'] },
      schema: {
        tags: ['enrollments'],
        summary: 'The evidence file of a manual completion (whoever may read the enrollment)',
        params: IdParams,
      },
    },
    async (req, reply) => {
      const enrollment = await getEnrollment(ctx, actorOf(req), req.params.id);
      return sendFileWithRange(ctx, reply, req, await evidenceFileOf(ctx, enrollment), { disposition: 'attachment' });
    },
  );

  app.post(
    '/api/files',
    {
      config: { access: ENROLLMENT_MANAGERS, problems: ['PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'MALFORMED_REQUEST'] },
      schema: {
        tags: ['enrollments'],
        summary: 'Upload an evidence file (multipart part "file": PDF, PNG or JPEG, at most 20 MB) for a manual completion',
        consumes: MULTIPART,
        response: { 201: UploadedFileSchema },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const blob = await receiveUpload(ctx, req, EVIDENCE_UPLOAD);
      try {
        const row = await insertFileRow(ctx.db, blob, { purpose: EVIDENCE_PURPOSE, createdBy: actor.id });
        return reply.code(201).send(z.parse(UploadedFileSchema, {
          id: row.id,
          filename: row.filename,
          contentType: row.content_type,
          size: Number(row.size),
          createdAt: row.created_at,
        }));
      } catch (e) {
        await discardBlob(ctx, blob.storageKey);
        throw e;
      }
    },
  );
}
