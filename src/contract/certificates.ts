import { z } from 'zod';
import { IdSchema, IsoDate, PageQuery, SortQuery } from './common.ts';

export const CERTIFICATE_STATUSES = ['valid', 'expired', 'revoked'] as const;
export type CertificateStatus = (typeof CERTIFICATE_STATUSES)[number];
export const CertificateStatusSchema = z.enum(CERTIFICATE_STATUSES);

export const CERTIFICATE_SOURCES = ['auto', 'claim', 'manual'] as const;
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
  issuedBy: z.string().nullable(),
  revokedAt: z.string().nullable(),
  revokeReason: z.string().nullable(),
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
  issueDate: IsoDate.optional(),
});

export const RevokeCertificateBody = z.strictObject({
  reason: z.string().trim().min(1).max(1000),
});

/** The caller's view of a course's certificate: what the course page needs for its actions. */
export const CourseCertificateStateSchema = z.object({
  enabled: z.boolean(),
  issueMode: z.enum(['auto', 'claim']),
  progress: z.number().int().nullable(),
  eligible: z.boolean(),
  certificate: CertificateSchema.nullable(),
});

// ---------------------------------------------------------------------------------------------
// Templates

export const CERTIFICATE_PLACEHOLDERS = ['memberName', 'courseTitle', 'issueDate', 'expiryDate', 'verificationUrl', 'certificateId'] as const;
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

function placeholderText(max: number) {
  return z
    .string()
    .max(max)
    .superRefine((v, c) => {
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
  name: z.string().trim().min(1).max(200),
  orientation: z.enum(['landscape', 'portrait']),
  pageSize: z.enum(['A4', 'LETTER']),
  title: placeholderText(200).pipe(z.string().trim().min(1)),
  subtitle: placeholderText(300),
  body: placeholderText(4000),
  signerName: z.string().trim().max(200),
  signerTitle: z.string().trim().max(200),
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
