import { z } from 'zod';
import { BoolQuery, IdSchema, PageQuery, SortQuery, UtcTimestamp, VisibleText } from './common.ts';
import { EnrollmentSourceSchema } from './enrollments.ts';
import { ScormLessonStatusSchema } from './scorm.ts';
import { isVideoSite, videoEmbed } from './video.ts';

/** Lesson kinds, as stored (the lessons_kind check constraint holds the same list). */
export const LESSON_KINDS = ['text', 'video', 'pdf', 'scorm', 'quiz', 'assignment'] as const;
export type LessonKind = (typeof LESSON_KINDS)[number];
export const LessonKindSchema = z.enum(LESSON_KINDS);

export const CERTIFICATE_ISSUE_MODES = ['auto', 'claim'] as const;

const Title = VisibleText(200, 'The title');
const Markdown = z.string().max(200_000);
const Tag = VisibleText(50, 'A tag');

/** Currencies this runtime knows (ISO 4217). */
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/** ISO 4217 code; lower case is accepted and stored upper case. */
export const CurrencySchema = z
  .string()
  .regex(/^[A-Za-z]{3}$/, 'Use a 3-letter ISO 4217 code such as EUR')
  .transform((s) => s.toUpperCase())
  .refine((s) => CURRENCIES.has(s), 'Not an ISO 4217 currency code');

/** A price in integer minor units of its currency (cents: 4990 is 49.90 EUR), as batches and payments count. */
export const PriceSchema = z.number().int('Give the price in minor units (cents), a whole number.').min(0).max(100_000_000);

/** https only: lesson videos are embedded in an https page. */
export const HttpsUrl = z
  .url({ protocol: /^https$/, error: 'Use an https:// URL' })
  .max(2000)
  .refine((u) => /^https:\/\/[^/\s]/i.test(u), 'Use an https:// URL');

const courseFields = {
  title: Title,
  shortIntroduction: z.string().trim().max(500),
  description: Markdown,
  category: VisibleText(100, 'The category').nullable(),
  tags: z.array(Tag).max(20),
  published: z.boolean(),
  mandatory: z.boolean(),
  paid: z.boolean(),
  price: PriceSchema.nullable(),
  currency: CurrencySchema.nullable(),
  enableCertification: z.boolean(),
  certificateIssueMode: z.enum(CERTIFICATE_ISSUE_MODES),
  /** The certificate is issued only through a passing certificate evaluation, not at 100%. */
  evaluationRequired: z.boolean(),
  certificateTemplateId: IdSchema.nullable(),
  certificateValidityMonths: z.number().int().min(1).max(600).nullable(),
  /** The certificate waits until the learner attests, re-entering their password (POST /api/courses/:id/attestation). */
  requiresAttestation: z.boolean(),
  /** What the learner attests; null means the standard statement (DEFAULT_ATTESTATION_TEXT). */
  attestationText: VisibleText(2000, 'The attestation text').nullable(),
  /** Recertification: a new cycle opens this many days before a certificate of the course expires (needs a validity). */
  recertifyDaysBefore: z.number().int().min(1).max(3650).nullable(),
  disableSelfEnrollment: z.boolean(),
  /** Self-enrollment opens at / closes at (UTC); null: no limit. Opens before closes. */
  enrollmentOpensAt: UtcTimestamp.nullable(),
  enrollmentClosesAt: UtcTimestamp.nullable(),
  /** Self-enrollment stops when the course holds this many enrollments; null: no limit. */
  maxEnrollments: z.number().int().min(1).max(1_000_000).nullable(),
  sequential: z.boolean(),
  instructorIds: z.array(IdSchema).max(50),
};

/** The statement a learner signs when the course names none. */
export const DEFAULT_ATTESTATION_TEXT = 'I have read and understood the content of this course and will apply it in my work.';

/**
 * Create a course. A Course Creator always becomes one of its instructors; a Moderator or System
 * Manager becomes one unless they name `instructorIds`. A paid course with a price needs a
 * currency.
 */
export const CreateCourseBody = z.strictObject({
  ...courseFields,
  shortIntroduction: courseFields.shortIntroduction.optional(),
  description: courseFields.description.optional(),
  category: courseFields.category.optional(),
  tags: courseFields.tags.optional(),
  published: courseFields.published.optional(),
  mandatory: courseFields.mandatory.optional(),
  paid: courseFields.paid.optional(),
  price: courseFields.price.optional(),
  currency: courseFields.currency.optional(),
  enableCertification: courseFields.enableCertification.optional(),
  certificateIssueMode: courseFields.certificateIssueMode.optional(),
  evaluationRequired: courseFields.evaluationRequired.optional(),
  certificateTemplateId: courseFields.certificateTemplateId.optional(),
  certificateValidityMonths: courseFields.certificateValidityMonths.optional(),
  requiresAttestation: courseFields.requiresAttestation.optional(),
  attestationText: courseFields.attestationText.optional(),
  recertifyDaysBefore: courseFields.recertifyDaysBefore.optional(),
  disableSelfEnrollment: courseFields.disableSelfEnrollment.optional(),
  enrollmentOpensAt: courseFields.enrollmentOpensAt.optional(),
  enrollmentClosesAt: courseFields.enrollmentClosesAt.optional(),
  maxEnrollments: courseFields.maxEnrollments.optional(),
  sequential: courseFields.sequential.optional(),
  instructorIds: courseFields.instructorIds.optional(),
});
export type CreateCourseInput = z.infer<typeof CreateCourseBody>;

/** Change a course: every field optional; instructors change through PUT /instructors. */
export const UpdateCourseBody = z
  .strictObject({
    title: Title,
    shortIntroduction: courseFields.shortIntroduction,
    description: courseFields.description,
    category: courseFields.category,
    tags: courseFields.tags,
    published: courseFields.published,
    mandatory: courseFields.mandatory,
    paid: courseFields.paid,
    price: courseFields.price,
    currency: courseFields.currency,
    enableCertification: courseFields.enableCertification,
    certificateIssueMode: courseFields.certificateIssueMode,
    evaluationRequired: courseFields.evaluationRequired,
    certificateTemplateId: courseFields.certificateTemplateId,
    certificateValidityMonths: courseFields.certificateValidityMonths,
    requiresAttestation: courseFields.requiresAttestation,
    attestationText: courseFields.attestationText,
    recertifyDaysBefore: courseFields.recertifyDaysBefore,
    disableSelfEnrollment: courseFields.disableSelfEnrollment,
    enrollmentOpensAt: courseFields.enrollmentOpensAt,
    enrollmentClosesAt: courseFields.enrollmentClosesAt,
    maxEnrollments: courseFields.maxEnrollments,
    sequential: courseFields.sequential,
  })
  .partial();
export type UpdateCourseInput = z.infer<typeof UpdateCourseBody>;

export const SetInstructorsBody = z.strictObject({ userIds: z.array(IdSchema).max(50) });

export const InstructorSchema = z.object({ id: z.string(), fullName: z.string() });

export const CourseSchema = z.object({
  id: z.string(),
  title: z.string(),
  shortIntroduction: z.string(),
  description: z.string(),
  /** The description rendered to sanitised HTML. */
  descriptionHtml: z.string(),
  /** `/api/courses/:id/image?v=<file id>` or null. */
  imageUrl: z.string().nullable(),
  category: z.string().nullable(),
  tags: z.array(z.string()),
  published: z.boolean(),
  publishedAt: z.string().nullable(),
  mandatory: z.boolean(),
  paid: z.boolean(),
  /** Integer minor units of `currency`. */
  price: z.number().int().nullable(),
  currency: z.string().nullable(),
  enableCertification: z.boolean(),
  certificateIssueMode: z.enum(CERTIFICATE_ISSUE_MODES),
  evaluationRequired: z.boolean(),
  certificateTemplateId: z.string().nullable(),
  certificateValidityMonths: z.number().int().nullable(),
  requiresAttestation: z.boolean(),
  /** The statement the learner signs (the course's own, or the standard one). */
  attestationText: z.string(),
  recertifyDaysBefore: z.number().int().nullable(),
  disableSelfEnrollment: z.boolean(),
  enrollmentOpensAt: z.string().nullable(),
  enrollmentClosesAt: z.string().nullable(),
  maxEnrollments: z.number().int().nullable(),
  /** Places left for self-enrollment (maxEnrollments minus the course's enrollments, never below 0); null without a maximum. */
  placesLeft: z.number().int().nullable(),
  /** Whether self-enrollment is open now by the window and capacity (publication and payment aside). */
  enrollmentState: z.enum(['open', 'not_yet_open', 'closed', 'full']),
  sequential: z.boolean(),
  instructors: z.array(InstructorSchema),
  lessonCount: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Course = z.infer<typeof CourseSchema>;

/**
 * Course list. Ordered by title (case-insensitive) or `sort`, then id; `cursor` is opaque. Learners only
 * ever see published courses; `published` narrows the list for staff.
 */
export const COURSE_SORTS = ['title', 'category', 'createdAt'] as const;

export const CourseListQuery = z.strictObject({
  ...PageQuery,
  sort: SortQuery(COURSE_SORTS),
  q: z.string().trim().max(200).optional(),
  category: z.string().trim().max(100).optional(),
  tag: z.string().trim().max(50).optional(),
  mandatory: BoolQuery.optional(),
  published: BoolQuery.optional(),
});
export type CourseListFilters = z.infer<typeof CourseListQuery>;

// --- chapters ----------------------------------------------------------------------------------

export const ChapterBody = z.strictObject({ title: Title });

export const ChapterSchema = z.object({
  id: z.string(),
  courseId: z.string(),
  title: z.string(),
  /** 0-based place in the course. */
  position: z.number().int(),
  createdAt: z.string(),
});

export const ChapterOrderBody = z.strictObject({ chapterIds: z.array(IdSchema).max(1000) });

// --- lessons -----------------------------------------------------------------------------------

/**
 * A video lesson's address: a video file (MP4 or WebM) or a YouTube or Vimeo video, which plays in
 * that site's player. Another page of those sites (a channel, a playlist) plays nothing: refused.
 */
export const VideoUrl = HttpsUrl.refine(
  (u) => !isVideoSite(u) || videoEmbed(u) !== null,
  'This address is not one video. Copy the address of the video itself (for example https://www.youtube.com/watch?v=… or https://vimeo.com/…).',
);

const lessonFields = {
  title: Title,
  body: Markdown,
  videoUrl: VideoUrl.nullable(),
  quizId: IdSchema.nullable(),
  scormPackageId: IdSchema.nullable(),
  isPreview: z.boolean(),
};

/**
 * A lesson, appended at the end of the chapter. `videoUrl` belongs to video lessons, `quizId` to
 * quiz lessons, `scormPackageId` to SCORM lessons; `body` (Markdown) to any kind.
 */
export const CreateLessonBody = z.strictObject({
  title: lessonFields.title,
  kind: LessonKindSchema,
  body: lessonFields.body.optional(),
  videoUrl: lessonFields.videoUrl.optional(),
  quizId: lessonFields.quizId.optional(),
  scormPackageId: lessonFields.scormPackageId.optional(),
  isPreview: lessonFields.isPreview.optional(),
});
export type CreateLessonInput = z.infer<typeof CreateLessonBody>;

/** Change a lesson. The kind is fixed at creation. */
export const UpdateLessonBody = z.strictObject(lessonFields).partial();
export type UpdateLessonInput = z.infer<typeof UpdateLessonBody>;

export const LessonOrderBody = z.strictObject({ lessonIds: z.array(IdSchema).max(1000) });

/** Move a lesson to `position` (0-based) in `chapterId`, a chapter of the same course. */
export const MoveLessonBody = z.strictObject({ chapterId: IdSchema, position: z.number().int().min(0) });

export const LessonFileSchema = z.object({ filename: z.string(), contentType: z.string(), size: z.number().int() });

export const LessonSchema = z.object({
  id: z.string(),
  courseId: z.string(),
  chapterId: z.string(),
  title: z.string(),
  kind: LessonKindSchema,
  body: z.string(),
  bodyHtml: z.string(),
  videoUrl: z.string().nullable(),
  /** `/api/lessons/:id/file?v=<file id>` when a file is uploaded (video lessons: it wins over videoUrl). */
  fileUrl: z.string().nullable(),
  file: LessonFileSchema.nullable(),
  quizId: z.string().nullable(),
  scormPackageId: z.string().nullable(),
  isPreview: z.boolean(),
  /** 0-based place in the chapter. */
  position: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Lesson = z.infer<typeof LessonSchema>;

// --- outline -----------------------------------------------------------------------------------

export const OutlineSchema = z.object({
  course: z.object({
    id: z.string(),
    title: z.string(),
    shortIntroduction: z.string(),
    imageUrl: z.string().nullable(),
    published: z.boolean(),
    mandatory: z.boolean(),
    paid: z.boolean(),
    sequential: z.boolean(),
    enableCertification: z.boolean(),
    /** The certificate comes from a passing certificate evaluation, not at 100%. */
    evaluationRequired: z.boolean(),
    /** How long a certificate of the course is valid; null: no expiry. */
    certificateValidityMonths: z.number().int().nullable(),
    requiresAttestation: z.boolean(),
    /** The statement a learner signs when the course requires an attestation. */
    attestationText: z.string(),
    lessonCount: z.number().int(),
    /** Whether the caller may edit the course. */
    canManage: z.boolean(),
  }),
  chapters: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      position: z.number().int(),
      lessons: z.array(
        z.object({
          id: z.string(),
          title: z.string(),
          kind: LessonKindSchema,
          position: z.number().int(),
          isPreview: z.boolean(),
          /** The caller has completed this lesson. */
          completed: z.boolean(),
          /** Sequential course: a previous lesson is still incomplete, so this one is not open yet. */
          locked: z.boolean(),
          /** An incomplete SCORM lesson of an enrolled caller: which SCOs are not done and what they last reported. */
          scorm: ScormLessonStatusSchema.optional(),
          /** A quiz lesson of an enrolled caller who used every attempt of its quiz without passing. */
          quizCompletedNotPassed: z.boolean().optional(),
        }),
      ),
    }),
  ),
  /** The caller's enrollment in this course, or null. */
  enrollment: z
    .object({
      id: z.string(),
      progress: z.number().int(),
      currentLessonId: z.string().nullable(),
      completedAt: z.string().nullable(),
      source: EnrollmentSourceSchema,
      /** Set while staff have suspended the enrollment: lessons stay closed; suspendReason says why. */
      suspendedAt: z.string().nullable(),
      suspendReason: z.string().nullable(),
    })
    .nullable(),
});
export type Outline = z.infer<typeof OutlineSchema>;
