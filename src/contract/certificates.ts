import { z } from 'zod';
import { IdSchema, IsoDate, PageQuery, SortQuery, trimInvisible, VisibleText } from './common.ts';

export const CERTIFICATE_STATUSES = ['valid', 'expired', 'revoked'] as const;
export type CertificateStatus = (typeof CERTIFICATE_STATUSES)[number];
export const CertificateStatusSchema = z.enum(CERTIFICATE_STATUSES);

export const CERTIFICATE_SOURCES = ['auto', 'claim', 'manual', 'evaluation'] as const;
/** How a certificate came to be, in words. */
export const CERTIFICATE_SOURCE_WORDS: Record<(typeof CERTIFICATE_SOURCES)[number], string> = {
  auto: 'Issued on completing the course',
  claim: 'Claimed by the learner on completion',
  manual: 'Issued by staff',
  evaluation: 'Issued after an evaluation',
};
export type CertificateSource = (typeof CERTIFICATE_SOURCES)[number];

export const CertificateSchema = z.object({
  id: z.string(),
  memberId: z.string(),
  courseId: z.string(),
  issueDate: z.string(),
  expiryDate: z.string().nullable(),
  status: CertificateStatusSchema,
  verificationCode: z.string(),
  verificationUrl: z.string(),
  memberName: z.string(),
  courseTitle: z.string(),
  templateId: z.string().nullable(),
  source: z.enum(CERTIFICATE_SOURCES),
  /** Who issued it: staff (manual) or the evaluator (evaluation); null when the course issued it on completion or claim. */
  issuedBy: z.string().nullable(),
  revokedAt: z.string().nullable(),
  revokeReason: z.string().nullable(),
  /** When the holder attested the course (courses asking for an attestation), else null. */
  attestedAt: z.string().nullable(),
  createdAt: z.string(),
});
export type Certificate = z.infer<typeof CertificateSchema>;

/** What the public verification page shows: nothing beyond this (no email, no ids). */
export const VerificationSchema = z.object({
  holderName: z.string(),
  courseTitle: z.string(),
  issueDate: z.string(),
  expiryDate: z.string().nullable(),
  status: CertificateStatusSchema,
});
export type Verification = z.infer<typeof VerificationSchema>;

export const VerifyParams = z.strictObject({ code: z.string().min(1).max(100) });

const filterFields = {
  memberId: IdSchema.optional(),
  courseId: IdSchema.optional(),
  status: CertificateStatusSchema.optional(),
  expiringBefore: IsoDate.optional(),
};
export const CertificateFilters = z.strictObject(filterFields);
export type CertificateFilterValues = z.infer<typeof CertificateFilters>;

export const CERTIFICATE_SORTS = ['issueDate', 'expiryDate', 'memberName', 'courseTitle'] as const;
export const CertificateListQuery = z.strictObject({ ...PageQuery, sort: SortQuery(CERTIFICATE_SORTS), ...filterFields });
export type CertificateListFilters = z.infer<typeof CertificateListQuery>;

export const IssueCertificateBody = z.strictObject({
  memberId: IdSchema,
  courseId: IdSchema,
  /** Today or earlier; not before the member's enrollment unless `reason` says why. */
  issueDate: IsoDate.optional(),
  /** Why the issue date is earlier than the enrollment (kept in the audit entry). */
  reason: z.string().trim().min(1).max(1000).optional(),
});

export const RevokeCertificateBody = z.strictObject({
  reason: VisibleText(1000, 'The reason'),
});

/** The caller's view of a course's certificate: what the course page needs for its actions. */
export const CourseCertificateStateSchema = z.object({
  enabled: z.boolean(),
  issueMode: z.enum(['auto', 'claim']),
  progress: z.number().int().nullable(),
  eligible: z.boolean(),
  /** The course asks the learner to attest (POST /api/courses/:id/attestation) before its certificate. */
  attestationRequired: z.boolean(),
  /** The caller attested the course as it stands now. */
  attested: z.boolean(),
  certificate: CertificateSchema.nullable(),
});

/** Attest a completed course: the learner re-enters their password. */
export const AttestBody = z.strictObject({ password: z.string().min(1, 'Enter your password.').max(1000) });

export const AttestationSchema = z.object({
  id: z.string(),
  memberId: z.string(),
  courseId: z.string(),
  statement: z.string(),
  /** sha256 (hex) of the course content the learner completed. */
  contentHash: z.string(),
  signedAt: z.string(),
  clientAddress: z.string().nullable(),
});

// ---------------------------------------------------------------------------------------------
// Templates

export const CERTIFICATE_PLACEHOLDERS = [
  'memberName',
  'courseTitle',
  'issueDate',
  'expiryDate',
  'verificationUrl',
  'certificateId',
] as const;
export type CertificatePlaceholder = (typeof CERTIFICATE_PLACEHOLDERS)[number];
export const TEMPLATE_IMAGE_SLOTS = ['background', 'logo', 'signature'] as const;
export type TemplateImageSlot = (typeof TEMPLATE_IMAGE_SLOTS)[number];
export const TEMPLATE_FONTS = ['DejaVuSerif', 'DejaVuSans'] as const;

/** Placeholders named in a text that are not known ({{ name }} with optional spaces). */
export function unknownPlaceholders(text: string): string[] {
  const bad = new Set<string>();
  for (const m of text.matchAll(/\{\{\s*([^{}]*?)\s*\}\}/g)) {
    if (!(CERTIFICATE_PLACEHOLDERS as readonly string[]).includes(m[1]!)) bad.add(m[1]!);
  }
  // A lone "{{" or "}}" left over is a typo in a placeholder.
  const stripped = text.replace(/\{\{\s*[^{}]*?\s*\}\}/g, '');
  if (stripped.includes('{{') || stripped.includes('}}')) bad.add(stripped.includes('{{') ? '{{' : '}}');
  return [...bad];
}

/**
 * A template text: at most `max` characters, `lines` lines and `placeholders` placeholders (each
 * is filled with up to a course title's length), so that one certificate stays one page and its
 * render stays short.
 */
function placeholderText(max: number, limits: { lines: number; placeholders: number }) {
  return z
    .string()
    .max(max)
    .superRefine((v, c) => {
      const lines = v.split(/\r?\n/).length;
      if (lines > limits.lines) c.addIssue({ code: 'custom', message: `At most ${limits.lines} lines (this text has ${lines}).` });
      const used = [...v.matchAll(/\{\{[^{}]*\}\}/g)].length;
      if (used > limits.placeholders) {
        c.addIssue({ code: 'custom', message: `At most ${limits.placeholders} placeholders (this text has ${used}).` });
      }
      const bad = unknownPlaceholders(v);
      if (bad.length) {
        c.addIssue({
          code: 'custom',
          message: `Unknown placeholder ${bad.map((b) => `{{${b}}}`).join(', ')}. Use ${CERTIFICATE_PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}.`,
        });
      }
    });
}

const Color = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'A colour as #rrggbb');

const templateFields = {
  name: VisibleText(200, 'The name'),
  orientation: z.enum(['landscape', 'portrait']),
  pageSize: z.enum(['A4', 'LETTER']),
  title: placeholderText(200, { lines: 2, placeholders: 3 }).pipe(VisibleText(200, 'The title')),
  subtitle: placeholderText(300, { lines: 3, placeholders: 3 }),
  body: placeholderText(4000, { lines: 40, placeholders: 12 }),
  signerName: z.string().overwrite(trimInvisible).max(200),
  signerTitle: z.string().overwrite(trimInvisible).max(200),
  primaryColor: Color,
  textColor: Color,
  backgroundColor: Color,
  titleFont: z.enum(TEMPLATE_FONTS),
  bodyFont: z.enum(TEMPLATE_FONTS),
};

export const CreateTemplateBody = z.strictObject({
  name: templateFields.name,
  orientation: templateFields.orientation.optional(),
  pageSize: templateFields.pageSize.optional(),
  title: templateFields.title.optional(),
  subtitle: templateFields.subtitle.optional(),
  body: templateFields.body.optional(),
  signerName: templateFields.signerName.optional(),
  signerTitle: templateFields.signerTitle.optional(),
  primaryColor: templateFields.primaryColor.optional(),
  textColor: templateFields.textColor.optional(),
  backgroundColor: templateFields.backgroundColor.optional(),
  titleFont: templateFields.titleFont.optional(),
  bodyFont: templateFields.bodyFont.optional(),
  isDefault: z.boolean().optional(),
});
export type CreateTemplateInput = z.infer<typeof CreateTemplateBody>;

export const UpdateTemplateBody = CreateTemplateBody.partial();
export type UpdateTemplateInput = z.infer<typeof UpdateTemplateBody>;

/** Unsaved changes to preview on top of the saved template. */
export const PreviewTemplateBody = UpdateTemplateBody.omit({ isDefault: true, name: true }).nullish();

export const TemplateSchema = z.object({
  id: z.string(),
  name: z.string(),
  orientation: templateFields.orientation,
  pageSize: templateFields.pageSize,
  title: z.string(),
  subtitle: z.string(),
  body: z.string(),
  signerName: z.string(),
  signerTitle: z.string(),
  primaryColor: z.string(),
  textColor: z.string(),
  backgroundColor: z.string(),
  titleFont: z.enum(TEMPLATE_FONTS),
  bodyFont: z.enum(TEMPLATE_FONTS),
  isDefault: z.boolean(),
  images: z.object({
    background: z.string().nullable(),
    logo: z.string().nullable(),
    signature: z.string().nullable(),
  }),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type CertificateTemplate = z.infer<typeof TemplateSchema>;

export const TemplateImageParams = z.strictObject({ id: IdSchema, slot: z.enum(TEMPLATE_IMAGE_SLOTS) });

// ---------------------------------------------------------------------------------------------
// Zip export jobs

export const ZIP_JOB_STATUSES = ['queued', 'running', 'done', 'failed'] as const;
export const CreateZipJobBody = z.strictObject({ filters: CertificateFilters.optional() });
export const ZipJobSchema = z.object({
  id: z.string(),
  status: z.enum(ZIP_JOB_STATUSES),
  processed: z.number().int(),
  total: z.number().int(),
  error: z.string().nullable(),
  downloadUrl: z.string().nullable(),
  createdAt: z.string(),
});
export type ZipJob = z.infer<typeof ZipJobSchema>;
