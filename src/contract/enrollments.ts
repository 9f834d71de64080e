import { z } from 'zod';
import { BoolQuery, IdSchema, PageQuery, SortQuery, VisibleText } from './common.ts';

export const ENROLLMENT_SOURCES = ['self', 'admin', 'cohort', 'onboarding', 'assignment', 'import'] as const;
export type EnrollmentSource = (typeof ENROLLMENT_SOURCES)[number];
export const EnrollmentSourceSchema = z.enum(ENROLLMENT_SOURCES);
/** How an enrollment came about, in the words pages show. */
export const ENROLLMENT_SOURCE_WORDS: Record<EnrollmentSource, string> = {
  self: 'Self-enrolled',
  admin: 'By staff',
  cohort: 'Cohort',
  onboarding: 'Onboarding',
  assignment: 'Training assignment',
  import: 'Imported',
};

export const EnrollmentSchema = z.object({
  id: z.string(),
  memberId: z.string(),
  courseId: z.string(),
  progress: z.number().int(),
  currentLessonId: z.string().nullable(),
  source: EnrollmentSourceSchema,
  batchId: z.string().nullable(),
  paymentId: z.string().nullable(),
  completedAt: z.string().nullable(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  lastActivityAt: z.string(),
  /** suspended when suspendedAt is set (whatever the progress), else completed when completedAt is set, else active. */
  status: z.enum(['active', 'suspended', 'completed']),
  suspendedAt: z.string().nullable(),
  suspendedBy: z.string().nullable(),
  suspendReason: z.string().nullable(),
  /** Set when staff or an instructor marked the course complete by hand. */
  completedManuallyAt: z.string().nullable(),
  completedManuallyBy: z.string().nullable(),
  completedManuallyReason: z.string().nullable(),
  /** The evidence file of a manual completion (GET /api/enrollments/:id/evidence). */
  completionEvidenceFileId: z.string().nullable(),
});
export type Enrollment = z.infer<typeof EnrollmentSchema>;

export const ENROLLMENT_STATUSES = ['active', 'suspended', 'completed'] as const;
export type EnrollmentStatus = (typeof ENROLLMENT_STATUSES)[number];

/** The longest reason a suspension or a manual completion takes. */
export const ENROLLMENT_REASON_MAX = 500;

export const SuspendEnrollmentBody = z.strictObject({ reason: VisibleText(ENROLLMENT_REASON_MAX, 'The reason') });
export const MarkCompleteBody = z.strictObject({
  reason: VisibleText(ENROLLMENT_REASON_MAX, 'The reason'),
  evidenceFileId: IdSchema.optional(),
});
export type MarkCompleteInput = z.infer<typeof MarkCompleteBody>;

/** POST /api/files: an uploaded evidence file, to be named by a manual completion. */
export const UploadedFileSchema = z.object({
  id: z.string(),
  filename: z.string(),
  contentType: z.string(),
  size: z.number().int(),
  createdAt: z.string(),
});

/** An enrollment with the names a list shows. */
export const EnrollmentRowSchema = EnrollmentSchema.extend({
  memberName: z.string(),
  memberEmail: z.string(),
  courseTitle: z.string(),
});
export type EnrollmentWithNames = z.infer<typeof EnrollmentRowSchema>;

/** Why an enrollment is removed: required of a course's instructors, optional for Moderators and System Managers. */
const RemovalReason = VisibleText(1000, 'The reason');
export const RemoveEnrollmentBody = z.strictObject({ reason: RemovalReason.optional() }).nullish();
export const RemoveEnrollmentQuery = z.strictObject({ reason: RemovalReason.optional() });

export const CreateEnrollmentBody = z
  .strictObject({
    courseId: IdSchema,
    memberId: IdSchema.optional(),
    memberEmail: z.email().optional(),
  })
  .refine((b) => (b.memberId ? 1 : 0) + (b.memberEmail ? 1 : 0) === 1, {
    message: 'Give exactly one of memberId or memberEmail',
    path: ['memberId'],
  });

/** At most this many items per POST /api/enrollments/batch. */
export const ENROLLMENT_BATCH_MAX = 1000;

/** Sources an integrator may give a batch item (default admin); `self` is what a learner does. */
export const BATCH_ENROLLMENT_SOURCES = ['admin', 'import', 'assignment', 'onboarding', 'cohort'] as const;

export const BatchEnrollmentItem = z
  .strictObject({
    courseId: IdSchema,
    memberId: IdSchema.optional(),
    memberEmail: z.email().max(254).optional(),
    employeeCode: z.string().trim().min(1).max(64).optional(),
    source: z.enum(BATCH_ENROLLMENT_SOURCES).optional(),
  })
  .refine((b) => (b.memberId ? 1 : 0) + (b.memberEmail ? 1 : 0) + (b.employeeCode ? 1 : 0) === 1, {
    message: 'Give exactly one of memberId, memberEmail or employeeCode',
    path: ['memberId'],
  });
export type BatchEnrollmentItem = z.infer<typeof BatchEnrollmentItem>;

export const BatchEnrollmentBody = z.strictObject({
  items: z.array(BatchEnrollmentItem).min(1).max(ENROLLMENT_BATCH_MAX),
});

/** The problem codes a batch item can carry. */
export const BATCH_ITEM_PROBLEMS = ['NOT_FOUND', 'FORBIDDEN', 'COURSE_NOT_PUBLISHED'] as const;

export const BatchItemResultSchema = z.object({
  index: z.number().int(),
  status: z.enum(['created', 'existing', 'failed']),
  enrollmentId: z.string().optional(),
  problem: z
    .object({
      code: z.enum(BATCH_ITEM_PROBLEMS),
      /** The item's member that names what failed: courseId, memberId, memberEmail or employeeCode. */
      path: z.string(),
      detail: z.string(),
    })
    .optional(),
});
export type BatchItemResult = z.infer<typeof BatchItemResultSchema>;

export const BatchEnrollmentResult = z.object({ items: z.array(BatchItemResultSchema) });

const Progress = z.coerce.number().int().min(0).max(100);

/** The keys `GET /api/enrollments?sort=` takes (`-key` for descending). */
export const ENROLLMENT_SORTS = ['createdAt', 'progress', 'completedAt', 'memberName', 'courseTitle'] as const;

export const EnrollmentListQuery = z
  .strictObject({
    ...PageQuery,
    sort: SortQuery(ENROLLMENT_SORTS),
    courseId: IdSchema.optional(),
    memberId: IdSchema.optional(),
    source: EnrollmentSourceSchema.optional(),
    progressMin: Progress.optional(),
    progressMax: Progress.optional(),
    completed: BoolQuery.optional(),
    status: z.enum(ENROLLMENT_STATUSES).optional(),
    q: z.string().max(200).optional(),
  })
  .refine((q) => q.progressMin === undefined || q.progressMax === undefined || q.progressMin <= q.progressMax, {
    message: 'progressMin must not exceed progressMax',
    path: ['progressMin'],
  });
export type EnrollmentListFilters = z.infer<typeof EnrollmentListQuery>;

export const MyCourseSchema = z.object({
  enrollment: EnrollmentSchema,
  course: z.object({
    id: z.string(),
    title: z.string(),
    shortIntroduction: z.string(),
    imageUrl: z.string().nullable(),
    mandatory: z.boolean(),
    lessonCount: z.number().int(),
  }),
});

export const LearnerRowSchema = z.object({
  enrollmentId: z.string(),
  memberId: z.string(),
  fullName: z.string(),
  email: z.string(),
  progress: z.number().int(),
  completedLessons: z.number().int(),
  source: EnrollmentSourceSchema,
  currentLessonId: z.string().nullable(),
  lastActivityAt: z.string(),
  completedAt: z.string().nullable(),
  enrolledAt: z.string(),
});

/** GET /api/statistics/course-completion: one row per published course, the most enrolled first. */
export const CourseCompletionRowSchema = z.object({
  courseId: z.string(),
  title: z.string(),
  enrolled: z.number().int(),
  completed: z.number().int(),
  /** Not completed, at least one lesson done. */
  inProgress: z.number().int(),
  /** No lesson done yet. */
  notStarted: z.number().int(),
  /** completed / enrolled × 100, one decimal (0 when nobody is enrolled). */
  completionRate: z.number(),
});
export type CourseCompletionRow = z.infer<typeof CourseCompletionRowSchema>;
