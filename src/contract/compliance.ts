/**
 * Compliance types, employee compliance rows and the alerts about them.
 */
import { z } from 'zod';
import { IdSchema, IsoDate, PageQuery, VisibleText } from './common.ts';

const Name = VisibleText(140, 'The name');

// ---------------------------------------------------------------------------------------------
// Compliance

export const ComplianceTypeSchema = z.object({
  id: z.string(),
  name: z.string(),
  renewalMonths: z.number().int().nullable(),
  reminderLeadDays: z.number().int(),
});
export const CreateComplianceTypeBody = z.strictObject({
  name: Name,
  renewalMonths: z.number().int().min(1).max(1200).nullable().optional(),
  reminderLeadDays: z.number().int().min(0).max(3650).default(30),
});
export const UpdateComplianceTypeBody = z.strictObject({
  name: Name.optional(),
  renewalMonths: z.number().int().min(1).max(1200).nullable().optional(),
  reminderLeadDays: z.number().int().min(0).max(3650).optional(),
});

export const COMPLIANCE_STATUSES = ['pending', 'complete', 'expiring', 'expired'] as const;
export const ComplianceStatusSchema = z.enum(COMPLIANCE_STATUSES);

export const EmployeeComplianceSchema = z.object({
  id: z.string(),
  employeeId: z.string(),
  complianceTypeId: z.string(),
  complianceTypeName: z.string(),
  status: ComplianceStatusSchema,
  completedOn: z.string().nullable(),
  renewalDate: z.string().nullable(),
  evidenceDocumentId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type EmployeeCompliance = z.infer<typeof EmployeeComplianceSchema>;

export const CreateEmployeeComplianceBody = z.strictObject({ employeeId: IdSchema, complianceTypeId: IdSchema });
export const CompleteComplianceBody = z.strictObject({ completedOn: IsoDate, evidenceDocumentId: IdSchema.nullable().optional() });
export const EmployeeComplianceListQuery = z.strictObject({
  ...PageQuery,
  employeeId: IdSchema.optional(),
  complianceTypeId: IdSchema.optional(),
  status: ComplianceStatusSchema.optional(),
  department: Name.optional(),
});

export const NotificationSchema = z.object({
  id: z.string(),
  kind: z.string(),
  title: z.string(),
  body: z.string(),
  link: z.string().nullable(),
  createdAt: z.string(),
  readAt: z.string().nullable(),
});
