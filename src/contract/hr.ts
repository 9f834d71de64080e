import { z } from 'zod';
import { IdSchema, IsoDate, PageQuery, SortQuery } from './common.ts';

const Name = z.string().trim().min(1).max(140);
const OptionalName = Name.nullable().optional();

export const EMPLOYEE_STATUSES = ['active', 'left'] as const;
export const EmployeeStatusSchema = z.enum(EMPLOYEE_STATUSES);

export const EmployeeSchema = z.object({
  id: z.string(),
  employeeCode: z.string(),
  fullName: z.string(),
  userId: z.string().nullable(),
  department: z.string().nullable(),
  designation: z.string().nullable(),
  reportsToId: z.string().nullable(),
  dateOfJoining: z.string().nullable(),
  status: EmployeeStatusSchema,
  leftOn: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Employee = z.infer<typeof EmployeeSchema>;

export const CreateEmployeeBody = z.strictObject({
  employeeCode: z.string().trim().min(1).max(64),
  fullName: Name,
  userId: IdSchema.nullable().optional(),
  department: OptionalName,
  designation: OptionalName,
  reportsToId: IdSchema.nullable().optional(),
  dateOfJoining: IsoDate.nullable().optional(),
  status: EmployeeStatusSchema.optional(),
});
export type CreateEmployeeInput = z.infer<typeof CreateEmployeeBody>;

export const UpdateEmployeeBody = z.strictObject({
  employeeCode: z.string().trim().min(1).max(64).optional(),
  fullName: Name.optional(),
  userId: IdSchema.nullable().optional(),
  department: OptionalName,
  designation: OptionalName,
  reportsToId: IdSchema.nullable().optional(),
  dateOfJoining: IsoDate.nullable().optional(),
  status: EmployeeStatusSchema.optional(),
  /** With status "left": also disable the linked user's login (records are kept either way). */
  disableUser: z.boolean().optional(),
});
export type UpdateEmployeeInput = z.infer<typeof UpdateEmployeeBody>;

export const EMPLOYEE_SORTS = ['fullName', 'employeeCode', 'department', 'designation', 'dateOfJoining', 'createdAt'] as const;

export const EmployeeListQuery = z.strictObject({
  ...PageQuery,
  sort: SortQuery(EMPLOYEE_SORTS),
  department: Name.optional(),
  designation: Name.optional(),
  status: EmployeeStatusSchema.optional(),
  q: z.string().max(200).optional(),
});
export type EmployeeListFilters = z.infer<typeof EmployeeListQuery>;

export const NamedSchema = z.object({ id: z.string(), name: z.string(), employees: z.number().int() });
export const NameListQuery = z.strictObject({ ...PageQuery, q: z.string().max(200).optional() });

// ---------------------------------------------------------------------------------------------
// Onboarding

export const OnboardingActivitySchema = z.strictObject({
  title: z.string().trim().min(1).max(200),
  ownerId: IdSchema.nullable().optional(),
  dueOffsetDays: z.number().int().min(0, 'An activity cannot be due before the onboarding date').max(3650).default(0),
  done: z.boolean().default(false),
});

export const ONBOARDING_STATUSES = ['pending', 'in_progress', 'completed'] as const;
export const OnboardingStatusSchema = z.enum(ONBOARDING_STATUSES);

export const SKIP_REASONS = ['no linked user', 'course unpublished', 'already completed'] as const;

export const OnboardingResultSchema = z.object({
  enrolled: z.array(z.object({ courseId: z.string(), enrollmentId: z.string(), reused: z.boolean() })),
  skipped: z.array(z.object({ courseId: z.string(), reason: z.enum(SKIP_REASONS) })),
  assignments: z.array(z.object({ id: z.string(), courseId: z.string(), enrollmentId: z.string().nullable(), dueDate: z.string(), reused: z.boolean() })),
});
export type OnboardingResult = z.infer<typeof OnboardingResultSchema>;

export const OnboardingSchema = OnboardingResultSchema.extend({
  id: z.string(),
  employeeId: z.string(),
  onboardingDate: z.string(),
  status: OnboardingStatusSchema,
  activities: z.array(
    z.object({ title: z.string(), ownerId: z.string().nullable(), dueOffsetDays: z.number().int(), dueDate: z.string(), done: z.boolean() }),
  ),
  createdAt: z.string(),
});
export type Onboarding = z.infer<typeof OnboardingSchema>;

export const CreateOnboardingBody = z.strictObject({
  employeeId: IdSchema,
  onboardingDate: IsoDate.optional(),
  activities: z.array(OnboardingActivitySchema).max(100).optional(),
});

export const UpdateOnboardingBody = z.strictObject({
  status: OnboardingStatusSchema.optional(),
  activities: z.array(OnboardingActivitySchema).max(100).optional(),
});

export const OnboardingListQuery = z.strictObject({ ...PageQuery, employeeId: IdSchema.optional(), status: OnboardingStatusSchema.optional() });

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
  title: z.string().trim().min(1).max(200),
  issueDate: IsoDate.nullable().optional(),
  expiryDate: IsoDate.nullable().optional(),
});
export const UpdateEmployeeDocumentBody = z.strictObject({
  documentTypeId: IdSchema.nullable().optional(),
  title: z.string().trim().min(1).max(200).optional(),
  issueDate: IsoDate.nullable().optional(),
  expiryDate: IsoDate.nullable().optional(),
});
export const EmployeeDocumentListQuery = z.strictObject({
  ...PageQuery,
  employeeId: IdSchema.optional(),
  documentTypeId: IdSchema.optional(),
  expiringBefore: IsoDate.optional(),
});
export const FileFromLmsBody = z.strictObject({ kind: DocumentSourceKindSchema, id: IdSchema, documentTypeId: IdSchema.nullable().optional() });

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
