import { z } from 'zod';
import { IdSchema, IsoDate, PageQuery } from './common.ts';
import { isKnownTimezone } from './batches.ts';
import { isoDateProblem } from './evaluation-dates.ts';

export const SUBMISSION_KINDS = ['text', 'file', 'url'] as const;
export const SUBMISSION_STATUSES = ['submitted', 'passed', 'failed'] as const;
export type SubmissionStatus = (typeof SUBMISSION_STATUSES)[number];

const Title = z.string().trim().min(1).max(200);

export const CreateAssignmentBody = z.strictObject({
  title: Title,
  /** Markdown. */
  instructions: z.string().max(50_000),
  submissionKind: z.enum(SUBMISSION_KINDS),
  courseId: IdSchema.nullish(),
  /** A lesson of kind `assignment`: it completes when the submission passes. */
  lessonId: IdSchema.nullish(),
});
export type CreateAssignmentInput = z.infer<typeof CreateAssignmentBody>;

/**
 * Change an assignment: any field. How work is handed in and the course or lesson change only
 * while nobody has handed in (409 ASSIGNMENT_HAS_SUBMISSIONS).
 */
export const UpdateAssignmentBody = CreateAssignmentBody.partial();
export type UpdateAssignmentInput = z.infer<typeof UpdateAssignmentBody>;

export const AssignmentSchema = z.object({
  id: z.string(),
  title: z.string(),
  instructions: z.string(),
  instructionsHtml: z.string(),
  submissionKind: z.enum(SUBMISSION_KINDS),
  courseId: z.string().nullable(),
  courseTitle: z.string().nullable(),
  lessonId: z.string().nullable(),
  lessonTitle: z.string().nullable(),
  createdAt: z.string(),
});
export type Assignment = z.infer<typeof AssignmentSchema>;

const HttpUrl = z
  .string()
  .trim()
  .max(2000)
  .refine((u) => /^https?:\/\/[^\s]+$/i.test(u) && URL.canParse(u), { message: 'Give a web address starting with http:// or https://.' });

/** JSON submission: text or URL, as the assignment asks (a file comes as multipart part `file`). */
export const SubmitBody = z.strictObject({
  text: z.string().trim().min(1).max(100_000).optional(),
  url: HttpUrl.optional(),
});

export const SubmissionSchema = z.object({
  id: z.string(),
  assignmentId: z.string(),
  assignmentTitle: z.string(),
  memberId: z.string(),
  memberName: z.string(),
  version: z.number().int(),
  status: z.enum(SUBMISSION_STATUSES),
  text: z.string().nullable(),
  url: z.string().nullable(),
  file: z.object({ id: z.string(), filename: z.string(), size: z.number().int(), url: z.string() }).nullable(),
  batchId: z.string().nullable(),
  dueDate: z.string().nullable(),
  late: z.boolean(),
  score: z.number().nullable(),
  comment: z.string().nullable(),
  gradedBy: z.string().nullable(),
  gradedByName: z.string().nullable(),
  gradedAt: z.string().nullable(),
  submittedAt: z.string(),
});
export type Submission = z.infer<typeof SubmissionSchema>;

export const GradeBody = z.strictObject({
  result: z.enum(['pass', 'fail']),
  comment: z.string().trim().max(20_000).optional(),
  score: z.number().min(0).max(100_000).optional(),
});
export type GradeInput = z.infer<typeof GradeBody>;

export const SubmissionListQuery = z.strictObject({
  ...PageQuery,
  assignmentId: IdSchema.optional(),
  memberId: IdSchema.optional(),
  status: z.enum(SUBMISSION_STATUSES).optional(),
  batchId: IdSchema.optional(),
});
export type SubmissionListFilters = z.infer<typeof SubmissionListQuery>;

export const AssignmentListQuery = z.strictObject({ ...PageQuery, courseId: IdSchema.optional() });

// --- batch assessments ---------------------------------------------------------------------

export const CreateAssessmentBody = z
  .strictObject({
    kind: z.enum(['quiz', 'assignment']),
    quizId: IdSchema.optional(),
    assignmentId: IdSchema.optional(),
    dueDate: IsoDate,
  })
  .superRefine((b, c) => {
    if (b.kind === 'quiz' && !b.quizId) c.addIssue({ code: 'custom', path: ['quizId'], message: 'Choose the quiz.' });
    if (b.kind === 'quiz' && b.assignmentId) c.addIssue({ code: 'custom', path: ['assignmentId'], message: 'A quiz assessment has no assignment.' });
    if (b.kind === 'assignment' && !b.assignmentId) c.addIssue({ code: 'custom', path: ['assignmentId'], message: 'Choose the assignment.' });
    if (b.kind === 'assignment' && b.quizId) c.addIssue({ code: 'custom', path: ['quizId'], message: 'An assignment assessment has no quiz.' });
  });
export type CreateAssessmentInput = z.infer<typeof CreateAssessmentBody>;

export const AssessmentSchema = z.object({
  id: z.string(),
  batchId: z.string(),
  kind: z.enum(['quiz', 'assignment']),
  quizId: z.string().nullable(),
  assignmentId: z.string().nullable(),
  title: z.string(),
  dueDate: z.string(),
  /** Members who passed it (quizzes: their best attempt), out of the batch's members. */
  passed: z.number().int(),
  members: z.number().int(),
  /** For a member: their own state. */
  myStatus: z.enum(['passed', 'failed', 'submitted', 'open']).nullable(),
});
export type Assessment = z.infer<typeof AssessmentSchema>;

// --- certificate evaluations ---------------------------------------------------------------

const Time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'A time such as 09:00');
const Timezone = z.string().min(1).max(64).refine(isKnownTimezone, { message: 'Not a known time zone (use an IANA name such as Europe/Berlin).' });

export const AvailabilityBody = z.strictObject({
  slots: z
    .array(
      z.strictObject({ weekday: z.number().int().min(1).max(7), start: Time, end: Time }).refine((s) => s.start < s.end, {
        message: 'The end must be after the start.',
        path: ['end'],
      }),
    )
    .max(100),
  timezone: Timezone,
  unavailableDates: z.array(z.iso.date({ error: (iss) => isoDateProblem(iss.input) ?? 'Write the date as YYYY-MM-DD, e.g. 2026-12-24' })).max(500).optional(),
  /** Minutes per evaluation (default 30). */
  slotMinutes: z.number().int().min(10).max(240).optional(),
  /** The meeting room learners join (video call link). */
  meetingUrl: HttpUrl.nullable().optional(),
});
export type AvailabilityInput = z.infer<typeof AvailabilityBody>;

export const AvailabilitySchema = z.object({
  userId: z.string(),
  timezone: z.string().nullable(),
  slotMinutes: z.number().int(),
  meetingUrl: z.string().nullable(),
  slots: z.array(z.object({ weekday: z.number().int(), start: z.string(), end: z.string() })),
  unavailableDates: z.array(z.string()),
});
export type Availability = z.infer<typeof AvailabilitySchema>;

export const UserIdParams = z.strictObject({ userId: IdSchema });

export const BookBody = z.strictObject({
  courseId: IdSchema,
  batchId: IdSchema.optional(),
  /** The evaluator's local date and start time of a free slot. */
  date: IsoDate,
  startTime: Time,
  /** A particular evaluator (otherwise the first one free at that time). */
  evaluatorId: IdSchema.optional(),
});
export type BookInput = z.infer<typeof BookBody>;

export const REQUEST_STATUSES = ['requested', 'scheduled', 'passed', 'failed', 'cancelled'] as const;

export const CertificateRequestSchema = z.object({
  id: z.string(),
  memberId: z.string(),
  memberName: z.string(),
  courseId: z.string(),
  courseTitle: z.string(),
  batchId: z.string().nullable(),
  evaluatorId: z.string().nullable(),
  evaluatorName: z.string().nullable(),
  status: z.enum(REQUEST_STATUSES),
  date: z.string().nullable(),
  startTime: z.string().nullable(),
  timezone: z.string().nullable(),
  startsAt: z.string().nullable(),
  endsAt: z.string().nullable(),
  meetingUrl: z.string().nullable(),
  summary: z.string().nullable(),
  reason: z.string().nullable(),
  certificateId: z.string().nullable(),
  createdAt: z.string(),
});
export type CertificateRequest = z.infer<typeof CertificateRequestSchema>;

export const ResultBody = z.strictObject({ result: z.enum(['pass', 'fail']), summary: z.string().trim().max(20_000).optional() });
export const GroupRequestBody = z.strictObject({ courseId: IdSchema });
export const RescheduleBody = z.strictObject({ date: IsoDate, startTime: Time, reason: z.string().trim().min(1).max(2000) });
export const CancelBody = z.strictObject({ reason: z.string().trim().min(1).max(2000) });

export const RequestListQuery = z.strictObject({
  ...PageQuery,
  status: z.enum(REQUEST_STATUSES).optional(),
  evaluatorId: IdSchema.optional(),
  memberId: IdSchema.optional(),
  batchId: IdSchema.optional(),
  courseId: IdSchema.optional(),
});
export type RequestListFilters = z.infer<typeof RequestListQuery>;

export const SlotQuery = z.strictObject({
  courseId: IdSchema,
  batchId: IdSchema.optional(),
  from: IsoDate.optional(),
  days: z.coerce.number().int().min(1).max(31).default(14),
});
export const SlotSchema = z.object({
  evaluatorId: z.string(),
  evaluatorName: z.string(),
  date: z.string(),
  startTime: z.string(),
  timezone: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
});
export type Slot = z.infer<typeof SlotSchema>;

/** A course the caller may book a certificate evaluation for, with who could evaluate it and the caller's booking. */
export const EvaluationCourseSchema = z.object({
  courseId: z.string(),
  courseTitle: z.string(),
  /** The course certifies only through a passing evaluation. */
  evaluationRequired: z.boolean(),
  /** Evaluators who could evaluate the caller in this course and have set when they are available; 0: nobody evaluates it yet. */
  evaluatorCount: z.number().int(),
  /** The caller's open request: booked (`scheduled`), or sent by staff and waiting for a slot (`requested`). */
  openRequest: CertificateRequestSchema.nullable(),
  /** The caller holds a valid certificate for the course already. */
  certified: z.boolean(),
});
export type EvaluationCourse = z.infer<typeof EvaluationCourseSchema>;
