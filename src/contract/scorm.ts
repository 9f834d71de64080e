import { z } from 'zod';
import { IdSchema, PageQuery } from './common.ts';

export const ScormVersionSchema = z.enum(['1.2', '2004']);

export const ScormScoSchema = z.object({
  /** The manifest item's identifier (attempts are keyed by it). */
  id: z.string(),
  title: z.string(),
  /** `sco` reports to the runtime; `asset` is a plain page. */
  kind: z.enum(['sco', 'asset']),
  /** Relative to the package root, with the item's parameters. */
  launch: z.string(),
  /** Nesting level in the organization (0 = top). */
  depth: z.number().int(),
  masteryScore: z.number().nullable(),
  scaledPassingScore: z.number().nullable(),
});
export type ScormSco = z.infer<typeof ScormScoSchema>;

export const ScormPackageSchema = z.object({
  id: z.string(),
  version: ScormVersionSchema,
  schemaVersion: z.string(),
  title: z.string(),
  scos: z.array(ScormScoSchema),
  /** Where the package's files are served: `/scorm/<id>/`. */
  baseUrl: z.string(),
  fileCount: z.number().int(),
  totalBytes: z.number().int(),
  /** 1 for the first upload, +1 per replacement. */
  revision: z.number().int(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ScormPackage = z.infer<typeof ScormPackageSchema>;

export const ScormPackageListQuery = z.strictObject({ ...PageQuery });

const Text = (max: number) => z.string().max(max);

/**
 * One SCO's commit. `cmi` is the object scorm-again commits (`{ core: { lesson_status, score },
 * suspend_data, ... }` for 1.2, `{ completion_status, success_status, score, ... }` for 2004; an
 * outer `{ cmi: ... }` envelope is accepted too). `seq` is the player's commit counter: a commit
 * whose seq is not greater than the stored one changes nothing. `session` names the runtime
 * session (a new one adds the previous session's time to the total).
 */
export const ScormCommitBody = z.strictObject({
  scoId: Text(200).min(1),
  seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  session: Text(64).min(1).optional(),
  cmi: z.record(z.string(), z.unknown()),
});
export type ScormCommitInput = z.infer<typeof ScormCommitBody>;

export const ScormInteractionSchema = z.object({
  id: z.string(),
  type: z.string(),
  result: z.string(),
  latency: z.string(),
  learnerResponse: z.string(),
  timestamp: z.string(),
});

export const ScormScoAttemptSchema = z.object({
  scoId: z.string(),
  /** The SCO's title in the current package (null when the package no longer has it). */
  title: z.string().nullable(),
  seq: z.number().int(),
  completionStatus: z.string(),
  successStatus: z.string(),
  scoreRaw: z.number().nullable(),
  scoreMin: z.number().nullable(),
  scoreMax: z.number().nullable(),
  scoreScaled: z.number().nullable(),
  sessionSeconds: z.number(),
  totalSeconds: z.number(),
  location: z.string(),
  suspendData: z.string(),
  exit: z.string(),
  interactions: z.array(ScormInteractionSchema),
  /** Whether this SCO counts as done for the lesson (completed, and passed where mastery is set). */
  done: z.boolean(),
  updatedAt: z.string(),
});
export type ScormScoAttempt = z.infer<typeof ScormScoAttemptSchema>;

export const ScormAttemptSchema = z.object({
  lessonId: z.string(),
  courseId: z.string(),
  memberId: z.string(),
  packageId: z.string(),
  version: ScormVersionSchema,
  /** Every SCO of the package in order, with what it reported (null: never launched). */
  scos: z.array(z.object({ sco: ScormScoSchema, attempt: ScormScoAttemptSchema.nullable() })),
  /** SCOs reported for items the current package no longer has (kept after a replacement). */
  retired: z.array(ScormScoAttemptSchema),
  lessonCompleted: z.boolean(),
});
export type ScormAttempt = z.infer<typeof ScormAttemptSchema>;

export const ScormAttemptListQuery = z.strictObject({
  ...PageQuery,
  lessonId: IdSchema.optional(),
  memberId: IdSchema.optional(),
  courseId: IdSchema.optional(),
});

export const ScormAttemptRowSchema = ScormScoAttemptSchema.extend({
  id: z.string(),
  lessonId: z.string(),
  lessonTitle: z.string(),
  courseId: z.string(),
  courseTitle: z.string(),
  memberId: z.string(),
  memberName: z.string(),
});
export type ScormAttemptRow = z.infer<typeof ScormAttemptRowSchema>;

/**
 * A SCORM lesson in the caller's outline, while it is not complete: how many SCOs are done and,
 * for each one that is not, what it last reported ("progress stuck" answers itself).
 */
export const ScormLessonStatusSchema = z.object({
  scoCount: z.number().int(),
  doneCount: z.number().int(),
  incomplete: z.array(
    z.object({
      scoId: z.string(),
      title: z.string(),
      /** What the package last reported: 1.2 lesson_status or 2004 completion status; "not attempted" when never launched. */
      completionStatus: z.string(),
      successStatus: z.string(),
      scoreRaw: z.number().nullable(),
      lastReportedAt: z.string().nullable(),
    }),
  ),
});
export type ScormLessonStatus = z.infer<typeof ScormLessonStatusSchema>;
