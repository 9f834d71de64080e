import { z } from 'zod';
import { IdSchema, IsoDate, PageQuery, SortQuery } from './common.ts';

export const ASSIGNMENT_STATUSES = ['open', 'completed', 'overdue'] as const;
export const AssignmentStatusSchema = z.enum(ASSIGNMENT_STATUSES);
export const ASSIGNMENT_SOURCES = ['onboarding', 'manual', 'import'] as const;
export const AssignmentSourceSchema = z.enum(ASSIGNMENT_SOURCES);
export type AssignmentSource = (typeof ASSIGNMENT_SOURCES)[number];
/** How an assignment came about, in words. */
export const ASSIGNMENT_SOURCE_WORDS: Record<AssignmentSource, string> = { manual: 'Assigned by staff', onboarding: 'Onboarding', import: 'Imported from a file' };

export const TrainingAssignmentSchema = z.object({
  id: z.string(),
  memberId: z.string(),
  courseId: z.string(),
  enrollmentId: z.string().nullable(),
  dueDate: z.string(),
  status: AssignmentStatusSchema,
  source: AssignmentSourceSchema,
  onboardingId: z.string().nullable(),
  completedAt: z.string().nullable(),
  createdAt: z.string(),
});
export type TrainingAssignment = z.infer<typeof TrainingAssignmentSchema>;

export const TrainingAssignmentRowSchema = TrainingAssignmentSchema.extend({
  memberName: z.string(),
  courseTitle: z.string(),
  progress: z.number().int().nullable(),
});

/** At most this many people in one bulk assignment. */
export const MAX_ASSIGN_MEMBERS = 50_000;

export const CreateAssignmentBody = z
  .strictObject({
    courseId: IdSchema,
    dueDate: IsoDate,
    memberIds: z.array(IdSchema).min(1).max(MAX_ASSIGN_MEMBERS).optional(),
    department: z.string().trim().min(1).max(140).optional(),
    designation: z.string().trim().min(1).max(140).optional(),
    preview: z.boolean().optional(),
  })
  .refine((b) => b.memberIds !== undefined || b.department !== undefined || b.designation !== undefined, {
    message: 'Give memberIds, department or designation',
    path: ['memberIds'],
  });
export type CreateAssignmentInput = z.infer<typeof CreateAssignmentBody>;

/** PATCH /api/training-assignments/:id: an open assignment's new due date. */
export const UpdateAssignmentBody = z.strictObject({ dueDate: IsoDate });
export type UpdateAssignmentInput = z.infer<typeof UpdateAssignmentBody>;

export const AssignmentPreviewSchema = z.object({
  preview: z.literal(true),
  count: z.number().int(),
  alreadyAssigned: z.number().int(),
  alreadyCompleted: z.number().int(),
  people: z.array(z.object({ memberId: z.string(), fullName: z.string(), state: z.enum(['new', 'assigned', 'completed']) })),
});

export const AssignmentResultSchema = z.object({
  created: z.number().int(),
  reused: z.number().int(),
  skipped: z.array(z.object({ memberId: z.string(), reason: z.string() })),
  /** Employees of the department or designation who have no login yet: nothing was assigned to them (at most 500). */
  withoutLogin: z.array(z.object({ employeeId: z.string(), fullName: z.string() })),
  assignments: z.array(TrainingAssignmentSchema),
});

export const ASSIGNMENT_SORTS = ['dueDate', 'createdAt', 'memberName', 'courseTitle'] as const;

export const AssignmentListQuery = z
  .strictObject({
    ...PageQuery,
    sort: SortQuery(ASSIGNMENT_SORTS),
    memberId: IdSchema.optional(),
    courseId: IdSchema.optional(),
    status: AssignmentStatusSchema.optional(),
    department: z.string().trim().min(1).max(140).optional(),
    dueFrom: IsoDate.optional(),
    dueTo: IsoDate.optional(),
  })
  .refine((q) => !q.dueFrom || !q.dueTo || q.dueFrom <= q.dueTo, { message: 'dueFrom must not be after dueTo', path: ['dueFrom'] });
export type AssignmentListFilters = z.infer<typeof AssignmentListQuery>;

export const MandatoryComplianceRowSchema = z.object({
  courseId: z.string(),
  title: z.string(),
  expected: z.number().int(),
  completed: z.number().int(),
  inProgress: z.number().int(),
  notStarted: z.number().int(),
  overdue: z.number().int(),
  /** completed / expected × 100, one decimal (0 when nobody is expected). */
  completionRate: z.number(),
});
export const MandatoryComplianceQuery = z.strictObject({ department: z.string().trim().min(1).max(140).optional() });
