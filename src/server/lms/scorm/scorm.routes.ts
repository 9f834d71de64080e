import fs from 'node:fs';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/types.ts';
import { actorOf } from '../../http/access.ts';
import { AppError } from '../../http/errors.ts';
import { IdParams, IdSchema, pageOf } from '../../../contract/common.ts';
import { EnrollmentSchema } from '../../../contract/enrollments.ts';
import {
  ScormAttemptListQuery,
  ScormAttemptRowSchema,
  ScormAttemptSchema,
  ScormCommitBody,
  ScormPackageListQuery,
  ScormPackageSchema,
  ScormScoAttemptSchema,
} from '../../../contract/scorm.ts';
import { parseRange, receiveUpload, UPLOAD_RULES } from '../../platform/files.service.ts';
import { listAttempts } from './attempt-report.service.ts';
import { commitAttempt, getAttempt } from './attempt.service.ts';
import { packageCsp, packageFile } from './package-files.service.ts';
import { createPackage, getPackage, listPackages, replacePackage } from './package.service.ts';
import { SCORM_MANAGERS } from './scorm.policy.ts';

const tags = ['scorm'];
const MULTIPART = ['multipart/form-data'];
const UPLOAD_PROBLEMS = ['SCORM_INVALID', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'MALFORMED_REQUEST'] as const;

const CommitResultSchema = z.object({
  attempt: ScormScoAttemptSchema,
  applied: z.boolean(),
  scosDone: z.boolean(),
  enrollment: EnrollmentSchema,
});

/** Packages (upload, replace, read), the runtime's commits and the attempts. */
export function registerScormRoutes(app: App, ctx: AppContext): void {
  app.post(
    '/api/scorm-packages',
    {
      config: { access: SCORM_MANAGERS, problems: [...UPLOAD_PROBLEMS] },
      schema: {
        tags,
        summary: 'Upload a SCORM 1.2 or 2004 package (multipart part "file": a zip with imsmanifest.xml at its root, at most 300 MB)',
        description:
          'The zip is validated before anything is extracted (manifest at the root, total size, file count, compression ratio, no absolute paths, `..` entries or links); 400 SCORM_INVALID with `errors[]` says what is wrong, and nothing is kept.',
        consumes: MULTIPART,
        response: { 201: ScormPackageSchema },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const blob = await receiveUpload(ctx, req, UPLOAD_RULES.scormPackage);
      return reply.code(201).send(await createPackage(ctx, actor, blob));
    },
  );

  app.put(
    '/api/scorm-packages/:id/file',
    {
      config: { access: SCORM_MANAGERS, problems: [...UPLOAD_PROBLEMS] },
      schema: {
        tags,
        summary: 'Replace the package with a new zip of the same SCORM version; the learners’ attempts are kept',
        params: IdParams,
        consumes: MULTIPART,
        response: { 200: ScormPackageSchema },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const blob = await receiveUpload(ctx, req, UPLOAD_RULES.scormPackage);
      return replacePackage(ctx, actor, req.params.id, blob);
    },
  );

  app.get(
    '/api/scorm-packages',
    {
      config: { access: SCORM_MANAGERS },
      schema: { tags, summary: 'Packages the caller manages, newest first', querystring: ScormPackageListQuery, response: { 200: pageOf(ScormPackageSchema) } },
    },
    async (req) => listPackages(ctx, actorOf(req), req.query),
  );

  app.get(
    '/api/scorm-packages/:id',
    {
      config: { access: 'authenticated' },
      schema: { tags, summary: 'One package with its SCOs (its managers, and members and instructors of courses that use it)', params: IdParams, response: { 200: ScormPackageSchema } },
    },
    async (req) => getPackage(ctx, actorOf(req), req.params.id),
  );

  app.get(
    '/api/lessons/:id/scorm-attempt',
    {
      config: { access: 'authenticated', problems: ['LESSON_LOCKED', 'ENROLLMENT_SUSPENDED'] },
      schema: {
        tags,
        summary: "The caller's attempt at a SCORM lesson: every SCO with what it last reported (for resuming)",
        params: IdParams,
        response: { 200: ScormAttemptSchema },
      },
    },
    async (req) => getAttempt(ctx, actorOf(req), req.params.id),
  );

  const commitOptions = {
    config: { access: 'authenticated' as const, problems: ['LESSON_LOCKED' as const, 'ENROLLMENT_SUSPENDED' as const] },
    schema: {
      tags,
      summary: 'Store one SCO’s runtime data (JSON, or the text/plain body of navigator.sendBeacon)',
      description:
        '`seq` is the player’s commit counter: a commit whose seq is not greater than the stored one changes nothing (`applied: false`), so a late or repeated commit never overwrites a newer one. The lesson completes through the usual progress path when every SCO is done.',
      params: IdParams,
      body: ScormCommitBody,
      response: { 200: CommitResultSchema },
    },
    // sendBeacon sends text/plain: its JSON text becomes the body before the schema checks it.
    preValidation: async (req: { body: unknown }) => {
      if (typeof req.body !== 'string') return;
      try {
        req.body = JSON.parse(req.body) as unknown;
      } catch {
        throw new AppError(400, 'MALFORMED_JSON', 'The request body is not valid JSON.');
      }
    },
  };
  app.put('/api/lessons/:id/scorm-attempt', commitOptions, async (req) => commitAttempt(ctx, actorOf(req), req.params.id, req.body));
  app.post('/api/lessons/:id/scorm-attempt', commitOptions, async (req) => commitAttempt(ctx, actorOf(req), req.params.id, req.body));

  app.get(
    '/api/scorm-attempts',
    {
      config: { access: SCORM_MANAGERS },
      schema: {
        tags,
        summary: 'SCORM attempts per lesson, member and SCO (staff: every course they manage), newest first',
        querystring: ScormAttemptListQuery,
        response: { 200: pageOf(ScormAttemptRowSchema) },
      },
    },
    async (req) => listAttempts(ctx, actorOf(req), req.query),
  );
}

const FileParams = z.strictObject({ packageId: IdSchema, '*': z.string().max(2000) });

/**
 * `/scorm/:packageId/...`: the package's files, to those who may open the package, with content
 * types from the extension, byte ranges, and a CSP that keeps the content in its folder and in
 * this site's frames.
 */
export function registerScormFiles(app: App, ctx: AppContext): void {
  app.get(
    '/scorm/:packageId/*',
    { config: { access: 'authenticated' }, schema: { hide: true, params: FileParams } },
    async (req, reply) => {
      const file = await packageFile(ctx, actorOf(req), req.params.packageId, req.params['*']);
      void reply
        .header('Content-Security-Policy', packageCsp(`${req.protocol}://${req.host}`, req.params.packageId))
        .header('Cache-Control', 'private, no-cache')
        .header('Accept-Ranges', 'bytes')
        .header('ETag', file.etag)
        .type(file.contentType);
      const inm = req.headers['if-none-match'];
      if (inm && inm.split(',').some((t) => t.trim() === file.etag)) return reply.code(304).send();
      const ifRange = req.headers['if-range'];
      const range = typeof ifRange === 'string' && ifRange.trim() !== file.etag ? ({ kind: 'none' } as const) : parseRange(req.headers.range, file.size);
      if (range.kind === 'unsatisfiable')
        throw new AppError(416, 'RANGE_NOT_SATISFIABLE', `The requested range is not satisfiable; the file has ${file.size} bytes.`, { size: file.size }, { 'Content-Range': `bytes */${file.size}` });
      if (range.kind === 'range')
        return reply
          .code(206)
          .header('Content-Range', `bytes ${range.start}-${range.end}/${file.size}`)
          .header('Content-Length', String(range.end - range.start + 1))
          .send(fs.createReadStream(file.full, { start: range.start, end: range.end }));
      return reply.header('Content-Length', String(file.size)).send(fs.createReadStream(file.full));
    },
  );
}
