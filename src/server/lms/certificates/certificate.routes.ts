import { Readable } from 'node:stream';
import { contentDisposition } from '../../http/content-disposition.ts';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/types.ts';
import { actorOf } from '../../http/access.ts';
import { IdParams, pageOf } from '../../../contract/common.ts';
import {
  AttestationSchema,
  AttestBody,
  CertificateFilters,
  CertificateListQuery,
  CertificateSchema,
  CourseCertificateStateSchema,
  CreateTemplateBody,
  CreateZipJobBody,
  IssueCertificateBody,
  PreviewTemplateBody,
  RevokeCertificateBody,
  TemplateImageParams,
  TemplateSchema,
  UpdateTemplateBody,
  VerificationSchema,
  VerifyParams,
  ZipJobSchema,
} from '../../../contract/certificates.ts';
import { receiveUpload, sendFileWithRange } from '../../platform/files.service.ts';
import { codeInWords, emailsById, registerListExport } from '../../platform/list-export.ts';
import {
  getCertificate,
  listCertificates,
  myCertificates,
  revokeCertificate,
  verificationUrl,
  verifyCertificate,
} from './certificate.service.ts';
import {
  CERTIFICATE_IMAGE_RULE,
  createTemplate,
  deleteTemplate,
  getTemplate,
  listTemplates,
  previewTemplate,
  updateTemplate,
} from './template.service.ts';
import {
  certificatePdf,
  createZipJob,
  getZipJob,
  reapZipJobs,
  stopCertificateWork,
  zipJobFile,
  zipStream,
} from './certificate-export.service.ts';
import { getTemplateImage, removeTemplateImage, setTemplateImage } from './template-image.service.ts';
import { attest } from './attestation.service.ts';
import { claimCertificate, courseCertificateState, issueManually } from './issue.service.ts';

const tags = ['certificates'];
/** Staff who issue certificates by hand (Course Creators: for courses they manage). */
const ISSUERS = ['Moderator', 'Batch Evaluator', 'Course Creator'] as const;
/** Staff who export certificates (each sees the rows their role may read). */
const EXPORTERS = ['Moderator', 'Batch Evaluator', 'Course Creator', 'HR Manager', 'HR User'] as const;
const TEMPLATE_EDITORS = ['System Manager'] as const;
const TEMPLATE_READERS = ['Moderator', 'Course Creator'] as const;
const MULTIPART = ['multipart/form-data'];
const Pdf = z.any().describe('application/pdf');


export function registerCertificateRoutes(app: App, ctx: AppContext): void {
  // Zip jobs: end those a stopped process left running; on close, stop ours before the database closes.
  app.addHook('onReady', async () => {
    const reaped = await reapZipJobs(ctx);
    if (reaped) ctx.log.warn({ reaped }, 'certificate zip jobs left running by a stopped process were marked failed');
  });
  app.addHook('onClose', async () => stopCertificateWork(ctx));

  // ---- learner side ---------------------------------------------------------------------------
  app.post(
    '/api/courses/:id/certificate',
    {
      config: { access: 'authenticated', problems: ['CERTIFICATION_DISABLED', 'COURSE_NOT_COMPLETED', 'ATTESTATION_REQUIRED', 'EVALUATION_REQUIRED'] },
      schema: {
        tags,
        summary: 'Claim the certificate of a completed course',
        description:
          '201 the first time, 200 with the same certificate afterwards (double clicks are harmless). 422 COURSE_NOT_COMPLETED below 100%; 422 CERTIFICATION_DISABLED when the course issues none; 422 ATTESTATION_REQUIRED when the course asks for an attestation the caller has not signed (for its current content).',
        params: IdParams,
        response: { 200: CertificateSchema, 201: CertificateSchema },
      },
    },
    async (req, reply) => {
      const { certificate, created } = await claimCertificate(ctx, actorOf(req), req.params.id, req.id);
      return reply.code(created ? 201 : 200).send(certificate);
    },
  );

  app.post(
    '/api/courses/:id/attestation',
    {
      config: { access: 'authenticated', problems: ['ATTESTATION_NOT_REQUIRED', 'COURSE_NOT_COMPLETED', 'RATE_LIMITED'] },
      schema: {
        tags,
        summary: 'Attest a completed course by re-entering the password',
        description:
          'For a course with requiresAttestation: binds the caller, the statement, a hash of the course content, the time and the client address. 201 the first time, 200 with the same attestation for the same content. A wrong password is 400 on `password` and writes nothing (counted like a failed login). A course issuing certificates automatically issues it now.',
        params: IdParams,
        body: AttestBody,
        response: { 200: AttestationSchema, 201: AttestationSchema },
      },
    },
    async (req, reply) => {
      const { attestation, created } = await attest(
        ctx,
        actorOf(req),
        req.params.id,
        req.body,
        { ip: req.ip, userAgent: req.headers['user-agent'] ?? null },
        req.id,
      );
      return reply.code(created ? 201 : 200).send(attestation);
    },
  );

  app.get(
    '/api/courses/:id/certificate',
    {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: "The caller's certificate state for a course (for the course page's certificate actions)",
        params: IdParams,
        response: { 200: CourseCertificateStateSchema },
      },
    },
    async (req) => courseCertificateState(ctx, actorOf(req), req.params.id),
  );

  app.get(
    '/api/me/certificates',
    {
      config: { access: 'authenticated' },
      schema: { tags, summary: "The caller's certificates, newest first (My Certificates)", response: { 200: z.array(CertificateSchema) } },
    },
    async (req) => myCertificates(ctx, actorOf(req)),
  );

  // ---- public verification --------------------------------------------------------------------
  app.get(
    '/api/certificates/verify/:code',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'Verify a certificate by its code (no login): holder, course, dates and status only',
        security: [],
        params: VerifyParams,
        response: { 200: VerificationSchema },
      },
    },
    async (req, reply) => {
      const v = await verifyCertificate(ctx, req.params.code);
      void reply.header('Cache-Control', 'no-store').header('X-Robots-Tag', 'noindex');
      return v;
    },
  );

  // ---- staff and owners -----------------------------------------------------------------------
  app.get(
    '/api/certificates',
    {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: 'List certificates the caller may read (learners: their own), newest first',
        description:
          'status is derived: revoked, else expired after the expiry date, else valid. expiringBefore = expiry date before that day.',
        querystring: CertificateListQuery,
        response: { 200: pageOf(CertificateSchema) },
      },
    },
    async (req) => listCertificates(ctx, actorOf(req), req.query),
  );
  registerListExport(app, '/api/certificates', {
    access: 'authenticated',
    tags,
    querystring: CertificateListQuery,
    fileName: 'certificates',
    list: (req, q) => listCertificates(ctx, actorOf(req), q),
    lookup: (items) => emailsById(ctx.db, items, (r) => r.memberId),
    columns: [
      { header: 'ID', value: (r) => r.id },
      { header: 'Member', value: (r) => r.memberName },
      { header: 'Email', value: (r, emails) => emails.get(r.memberId) ?? '' },
      { header: 'Course', value: (r) => r.courseTitle },
      { header: 'Issued', value: (r) => r.issueDate },
      { header: 'Expires', value: (r) => r.expiryDate },
      { header: 'Status', value: (r) => codeInWords(r.status) },
    ],
  });

  app.post(
    '/api/certificates',
    {
      config: { access: ISSUERS, problems: ['CERTIFICATE_EXISTS', 'NOT_FOUND', 'SELF_ISSUE_FORBIDDEN', 'ISSUE_DATE_BEFORE_ENROLLMENT'] },
      schema: {
        tags,
        summary: 'Issue a certificate by hand (evaluated or external training)',
        description:
          '409 CERTIFICATE_EXISTS (with certificateId) when the member already holds one for the course. 403 SELF_ISSUE_FORBIDDEN ' +
          'for a certificate to oneself. issueDate is today or earlier; before the enrollment (or, without one, before today) it ' +
          'needs a reason (kept in the audit entry), else 422 ISSUE_DATE_BEFORE_ENROLLMENT.',
        body: IssueCertificateBody,
        response: { 201: CertificateSchema },
      },
    },
    async (req, reply) => reply.code(201).send(await issueManually(ctx, actorOf(req), req.body, req.id)),
  );

  app.get(
    '/api/certificates/export.zip',
    {
      config: { access: EXPORTERS, problems: ['EXPORT_TOO_LARGE'] },
      schema: {
        tags,
        summary: 'A zip of the PDFs of the certificates matching the filters, streamed while it renders',
        description:
          'For progress, start a zip job instead (POST /api/certificates/zip-jobs). 422 EXPORT_TOO_LARGE above 10 000 certificates.',
        querystring: CertificateFilters,
      },
    },
    async (req, reply) => {
      const chunks = await zipStream(ctx, actorOf(req), req.query);
      return reply
        .type('application/zip')
        .header('Content-Disposition', contentDisposition(`certificates-${new Date().toISOString().slice(0, 10)}.zip`, 'attachment'))
        .header('Cache-Control', 'no-store')
        .send(Readable.from(chunks));
    },
  );

  app.post(
    '/api/certificates/zip-jobs',
    {
      config: { access: EXPORTERS, problems: ['EXPORT_TOO_LARGE'] },
      schema: {
        tags,
        summary: 'Start building a zip of certificate PDFs in the background',
        body: CreateZipJobBody,
        response: { 202: z.object({ jobId: z.string(), total: z.number().int() }) },
      },
    },
    async (req, reply) => reply.code(202).send(await createZipJob(ctx, actorOf(req), req.body.filters ?? {})),
  );

  app.get(
    '/api/certificates/zip-jobs/:id',
    {
      config: { access: EXPORTERS },
      schema: { tags, summary: 'Progress of a zip job', params: IdParams, response: { 200: ZipJobSchema } },
    },
    async (req) => getZipJob(ctx, actorOf(req), req.params.id),
  );

  app.get(
    '/api/certificates/zip-jobs/:id/download',
    {
      config: { access: EXPORTERS, problems: ['EXPORT_NOT_READY', 'RANGE_NOT_SATISFIABLE'] },
      schema: { tags, summary: 'Download the zip of a finished job (409 EXPORT_NOT_READY before)', params: IdParams },
    },
    async (req, reply) => {
      const file = await zipJobFile(ctx, actorOf(req), req.params.id);
      return sendFileWithRange(ctx, reply, req, file, { disposition: 'attachment' });
    },
  );

  app.get(
    '/api/certificates/:id',
    {
      config: { access: 'authenticated' },
      schema: { tags, summary: 'One certificate', params: IdParams, response: { 200: CertificateSchema } },
    },
    async (req) => getCertificate(ctx, actorOf(req), req.params.id),
  );

  app.get(
    '/api/certificates/:id/pdf',
    {
      config: { access: 'authenticated', problems: ['RENDER_TIMEOUT'] },
      schema: {
        tags,
        summary: 'The certificate as PDF (?download=true for an attachment)',
        params: IdParams,
        querystring: z.strictObject({ download: z.enum(['true', 'false']).optional() }),
        response: { 200: Pdf },
      },
    },
    async (req, reply) => {
      const { pdf, filename } = await certificatePdf(ctx, actorOf(req), req.params.id);
      return reply
        .type('application/pdf')
        .header('Content-Disposition', contentDisposition(filename, req.query.download === 'true' ? 'attachment' : 'inline'))
        .header('Cache-Control', 'private, no-cache')
        .send(pdf);
    },
  );

  app.post(
    '/api/certificates/:id/revoke',
    {
      config: { access: ['Moderator'], problems: ['ALREADY_REVOKED'] },
      schema: {
        tags,
        summary: 'Revoke a certificate with a reason (it stays on record and verifies as revoked)',
        description: '409 ALREADY_REVOKED when it is revoked already.',
        params: IdParams,
        body: RevokeCertificateBody,
        response: { 200: CertificateSchema },
      },
    },
    async (req) => revokeCertificate(ctx, actorOf(req), req.params.id, req.body.reason, req.id),
  );

  // ---- templates ------------------------------------------------------------------------------
  const ttags = ['certificate templates'];
  app.get(
    '/api/certificate-templates',
    {
      config: { access: [...TEMPLATE_EDITORS, ...TEMPLATE_READERS] },
      schema: { tags: ttags, summary: 'Certificate templates (the default first)', response: { 200: z.array(TemplateSchema) } },
    },
    async () => listTemplates(ctx),
  );

  app.post(
    '/api/certificate-templates',
    {
      config: { access: TEMPLATE_EDITORS },
      schema: {
        tags: ttags,
        summary: 'Create a template',
        description: `Texts may use {{memberName}}, {{courseTitle}}, {{issueDate}}, {{expiryDate}}, {{verificationUrl}}, {{certificateId}}; any other placeholder is refused (400).`,
        body: CreateTemplateBody,
        response: { 201: TemplateSchema },
      },
    },
    async (req, reply) => reply.code(201).send(await createTemplate(ctx, actorOf(req), req.body)),
  );

  app.get(
    '/api/certificate-templates/:id',
    {
      config: { access: [...TEMPLATE_EDITORS, ...TEMPLATE_READERS] },
      schema: { tags: ttags, summary: 'One template', params: IdParams, response: { 200: TemplateSchema } },
    },
    async (req) => getTemplate(ctx, req.params.id),
  );

  app.patch(
    '/api/certificate-templates/:id',
    {
      config: { access: TEMPLATE_EDITORS, problems: ['DEFAULT_TEMPLATE_REQUIRED'] },
      schema: { tags: ttags, summary: 'Change a template', params: IdParams, body: UpdateTemplateBody, response: { 200: TemplateSchema } },
    },
    async (req) => updateTemplate(ctx, actorOf(req), req.params.id, req.body),
  );

  app.delete(
    '/api/certificate-templates/:id',
    {
      config: { access: TEMPLATE_EDITORS, problems: ['DEFAULT_TEMPLATE_REQUIRED', 'TEMPLATE_IN_USE'] },
      schema: {
        tags: ttags,
        summary: 'Delete a template no course uses',
        description:
          '409 TEMPLATE_IN_USE (with courseCount and up to 10 courses) while courses use it; 422 DEFAULT_TEMPLATE_REQUIRED for the default. Certificates issued with it render with the default template afterwards.',
        params: IdParams,
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      await deleteTemplate(ctx, actorOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/certificate-templates/:id/preview.pdf',
    {
      config: { access: [...TEMPLATE_EDITORS, ...TEMPLATE_READERS], problems: ['RENDER_TIMEOUT'] },
      schema: {
        tags: ttags,
        summary: 'Render the template with sample data; a body previews unsaved changes on top of it (writes nothing: whoever reads templates may preview)',
        params: IdParams,
        body: PreviewTemplateBody,
        response: { 200: Pdf },
      },
    },
    async (req, reply) => {
      const base = verificationUrl(ctx, 'x').replace(/\/lms\/certificates\/verify\/x$/, '');
      const pdf = await previewTemplate(ctx, req.params.id, req.body ?? undefined, base);
      return reply.type('application/pdf').header('Content-Disposition', contentDisposition('certificate-preview.pdf', 'inline')).send(pdf);
    },
  );

  app.put(
    '/api/certificate-templates/:id/images/:slot',
    {
      config: { access: TEMPLATE_EDITORS, problems: ['PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'MALFORMED_REQUEST'] },
      schema: {
        tags: ttags,
        summary: 'Upload a template image: background, logo or signature (multipart part "file": PNG or JPEG, at most 2 MB)',
        params: TemplateImageParams,
        consumes: MULTIPART,
        response: { 200: TemplateSchema },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      await getTemplate(ctx, req.params.id);
      const blob = await receiveUpload(ctx, req, CERTIFICATE_IMAGE_RULE);
      return setTemplateImage(ctx, actor, req.params.id, req.params.slot, blob);
    },
  );

  app.delete(
    '/api/certificate-templates/:id/images/:slot',
    {
      config: { access: TEMPLATE_EDITORS },
      schema: { tags: ttags, summary: 'Remove a template image', params: TemplateImageParams, response: { 200: TemplateSchema } },
    },
    async (req) => removeTemplateImage(ctx, actorOf(req), req.params.id, req.params.slot),
  );

  app.get(
    '/api/certificate-templates/:id/images/:slot',
    {
      config: { access: [...TEMPLATE_EDITORS, ...TEMPLATE_READERS], problems: ['RANGE_NOT_SATISFIABLE'] },
      schema: { tags: ttags, summary: 'A template image', params: TemplateImageParams },
    },
    async (req, reply) => {
      const file = await getTemplateImage(ctx, req.params.id, req.params.slot);
      return sendFileWithRange(ctx, reply, req, file);
    },
  );
}
