/**
 * Employee document types and documents, including PDFs filed from the LMS.
 */
import { z } from 'zod';
import { IdSchema, IsoDate, PageQuery, VisibleText } from './common.ts';

const Name = VisibleText(140, 'The name');

// ---------------------------------------------------------------------------------------------
// Documents

export const DocumentTypeSchema = z.object({
  id: z.string(),
  name: z.string(),
  expires: z.boolean(),
  defaultValidityMonths: z.number().int().nullable(),
});
export const CreateDocumentTypeBody = z.strictObject({
  name: Name,
  expires: z.boolean().default(false),
  defaultValidityMonths: z.number().int().min(1).max(1200).nullable().optional(),
});
export const UpdateDocumentTypeBody = z.strictObject({
  name: Name.optional(),
  expires: z.boolean().optional(),
  defaultValidityMonths: z.number().int().min(1).max(1200).nullable().optional(),
});

export const DOCUMENT_SOURCE_KINDS = ['certificate', 'quiz-submission', 'course-quiz-report'] as const;
export const DocumentSourceKindSchema = z.enum(DOCUMENT_SOURCE_KINDS);

export const EmployeeDocumentSchema = z.object({
  id: z.string(),
  employeeId: z.string(),
  documentTypeId: z.string().nullable(),
  title: z.string(),
  fileId: z.string().nullable(),
  fileName: z.string().nullable(),
  fileUrl: z.string().nullable(),
  issueDate: z.string().nullable(),
  expiryDate: z.string().nullable(),
  source: z.object({ kind: DocumentSourceKindSchema, id: z.string() }).nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type EmployeeDocument = z.infer<typeof EmployeeDocumentSchema>;

export const CreateEmployeeDocumentBody = z.strictObject({
  employeeId: IdSchema,
  documentTypeId: IdSchema.nullable().optional(),
  title: VisibleText(200, 'The title'),
  issueDate: IsoDate.nullable().optional(),
  expiryDate: IsoDate.nullable().optional(),
});
export const UpdateEmployeeDocumentBody = z.strictObject({
  documentTypeId: IdSchema.nullable().optional(),
  title: VisibleText(200, 'The title').optional(),
  issueDate: IsoDate.nullable().optional(),
  expiryDate: IsoDate.nullable().optional(),
});
export const EmployeeDocumentListQuery = z.strictObject({
  ...PageQuery,
  employeeId: IdSchema.optional(),
  documentTypeId: IdSchema.optional(),
  expiringBefore: IsoDate.optional(),
});
export const FileFromLmsBody = z.strictObject({
  kind: DocumentSourceKindSchema,
  id: IdSchema,
  documentTypeId: IdSchema.nullable().optional(),
});
