import { z } from 'zod';
import { IdSchema, IsoDate, PageQuery } from './common.ts';

/** True when the IANA time zone name is one this runtime knows (Europe/Berlin, UTC, ...). */
export function isKnownTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const Timezone = z
  .string()
  .min(1)
  .max(64)
  .refine(isKnownTimezone, { message: 'Not a known time zone (use an IANA name such as Europe/Berlin).' });
const Title = z.string().trim().min(1).max(200);
const Description = z.string().max(20_000);
const Ids = z.array(IdSchema).max(100);
const Currency = z.string().regex(/^[A-Z]{3}$/, 'A three-letter currency code such as EUR');

const batchFields = {
  title: Title,
  description: Description.optional(),
  startDate: IsoDate,
  endDate: IsoDate,
  timezone: Timezone,
  seatCount: z.number().int().min(1).max(100_000).nullable().optional(),
  published: z.boolean().optional(),
  allowSelfEnrollment: z.boolean().optional(),
  paid: z.boolean().optional(),
  /** Minor units (cents). */
  price: z.number().int().min(0).max(100_000_000).nullable().optional(),
  currency: Currency.nullable().optional(),
  courseIds: Ids,
  evaluatorIds: Ids.optional(),
  instructorIds: Ids.optional(),
};

const datesInOrder = (b: { startDate?: string | undefined; endDate?: string | undefined }) =>
  b.startDate === undefined || b.endDate === undefined || b.endDate >= b.startDate;

export const CreateBatchBody = z
  .strictObject(batchFields)
  .refine(datesInOrder, { message: 'The end date must not be before the start date.', path: ['endDate'] });
export type CreateBatchInput = z.infer<typeof CreateBatchBody>;

export const UpdateBatchBody = z
  .strictObject({
    ...batchFields,
    title: Title.optional(),
    startDate: IsoDate.optional(),
    endDate: IsoDate.optional(),
    timezone: Timezone.optional(),
    courseIds: Ids.optional(),
  })
  .refine(datesInOrder, { message: 'The end date must not be before the start date.', path: ['endDate'] });
export type UpdateBatchInput = z.infer<typeof UpdateBatchBody>;

export const BatchSchema = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  startDate: z.string(),
  endDate: z.string(),
  timezone: z.string(),
  seatCount: z.number().int().nullable(),
  memberCount: z.number().int(),
  /** null when the batch has no seat limit. */
  seatsLeft: z.number().int().nullable(),
  published: z.boolean(),
  allowSelfEnrollment: z.boolean(),
  paid: z.boolean(),
  price: z.number().int().nullable(),
  currency: z.string().nullable(),
  courseIds: z.array(z.string()),
  courses: z.array(z.object({ id: z.string(), title: z.string() })),
  instructorIds: z.array(z.string()),
  evaluatorIds: z.array(z.string()),
  instructors: z.array(z.object({ id: z.string(), fullName: z.string() })),
  /** Whether the caller is a member of the batch. */
  isMember: z.boolean(),
  /** Whether the caller manages the batch (edits it, adds members). */
  canManage: z.boolean(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Batch = z.infer<typeof BatchSchema>;

export const BatchListQuery = z.strictObject({
  ...PageQuery,
  q: z.string().max(200).optional(),
  published: z.enum(['true', 'false']).optional(),
  /** Only batches the caller is a member of. */
  mine: z.enum(['true', 'false']).optional(),
});
export type BatchListFilters = z.infer<typeof BatchListQuery>;

export const AddMemberBody = z
  .strictObject({ memberId: IdSchema.optional(), memberEmail: z.email().max(320).optional() })
  .refine((b) => (b.memberId ? 1 : 0) + (b.memberEmail ? 1 : 0) === 1, {
    message: 'Give exactly one of memberId or memberEmail',
    path: ['memberId'],
  });

export const BatchMembershipSchema = z.object({
  batchMemberId: z.string(),
  enrollments: z.array(z.object({ courseId: z.string(), enrollmentId: z.string(), created: z.boolean() })),
});
export type BatchMembership = z.infer<typeof BatchMembershipSchema>;

export const AddBatchCourseBody = z.strictObject({ courseId: IdSchema });
export const BatchCourseAddedSchema = BatchSchema.extend({
  /** Members enrolled in the course by this call, and members whose existing enrollment was kept. */
  backfill: z.object({ created: z.number().int(), reused: z.number().int() }),
});

export const BatchMemberParams = z.strictObject({ id: IdSchema, memberId: IdSchema });

export const BatchMemberRowSchema = z.object({
  memberId: z.string(),
  fullName: z.string(),
  joinedAt: z.string(),
  courses: z.array(z.object({ courseId: z.string(), progress: z.number().int().nullable() })),
  assessments: z.object({ passed: z.number().int(), total: z.number().int() }),
  attendance: z.object({ attended: z.number().int(), held: z.number().int() }),
  /** Average progress over the batch's courses is below where the calendar says it should be. */
  behind: z.boolean(),
});
export type BatchMemberRow = z.infer<typeof BatchMemberRowSchema>;

export const BatchMemberListQuery = z.strictObject({ ...PageQuery });

export const LiveClassBody = z.strictObject({
  title: z.string().trim().min(1, 'Give the class a title.').max(200),
  /** UTC (...Z) or with an offset (+02:00); stored and answered in UTC. */
  startsAt: z.iso.datetime({ offset: true, error: 'Give the day and time the class starts.' }),
  durationMinutes: z.number().int().min(1).max(1440),
  joinUrl: z.url({ protocol: /^https?$/, error: 'Give the full join link, starting with https://' }).max(2000),
  description: Description.optional(),
});
export const UpdateLiveClassBody = LiveClassBody.partial();

export const LiveClassSchema = z.object({
  id: z.string(),
  batchId: z.string(),
  title: z.string(),
  description: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  durationMinutes: z.number().int(),
  joinUrl: z.string(),
  /** The batch's time zone, named next to the times. */
  timezone: z.string(),
  presentMemberIds: z.array(z.string()).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type LiveClass = z.infer<typeof LiveClassSchema>;

export const AttendanceBody = z.strictObject({ presentMemberIds: z.array(IdSchema).max(10_000) });
export const AttendanceSchema = z.object({ liveClassId: z.string(), presentMemberIds: z.array(z.string()) });

export const CalendarFeedSchema = z.object({
  active: z.boolean(),
  /** Shown once, when the feed is created or renewed; the server keeps only a hash of the secret. */
  url: z.string().nullable(),
  createdAt: z.string().nullable(),
});
export const CalendarTokenParams = z.strictObject({
  token: z
    .string()
    .min(20)
    .max(100)
    .regex(/^[A-Za-z0-9_-]+$/),
});

/** A learner's batch for "My batches": the batch, its courses with the caller's progress, the next live class. */
export const MyBatchSchema = z.object({
  batch: BatchSchema,
  /** The caller teaches the batch (instructor or manager) rather than, or as well as, learning in it. */
  teaching: z.boolean(),
  courses: z.array(z.object({ courseId: z.string(), title: z.string(), progress: z.number().int().nullable() })),
  /** The first live class that has not ended yet. */
  nextLiveClass: LiveClassSchema.nullable(),
  liveClasses: z.array(LiveClassSchema),
});
export type MyBatch = z.infer<typeof MyBatchSchema>;
