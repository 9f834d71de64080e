import { z } from 'zod';
import { EmployeeComplianceSchema } from './compliance.ts';
import { EmployeeDocumentSchema } from './documents.ts';
import { EmployeeSchema } from './employees.ts';

/** One quiz attempt as the training record lists it (author previews are never listed). */
export const TrainingRecordAttemptSchema = z.object({
  id: z.string(),
  quizId: z.string(),
  quizTitle: z.string(),
  attempt: z.number().int(),
  status: z.string(),
  score: z.number().nullable(),
  maxScore: z.number().nullable(),
  percentage: z.number().nullable(),
  passed: z.boolean().nullable(),
  submittedAt: z.string().nullable(),
});

export const TrainingRecordCertificateSchema = z.object({
  id: z.string(),
  issueDate: z.string(),
  expiryDate: z.string().nullable(),
  verificationCode: z.string(),
  revoked: z.boolean(),
});

/** A statement the learner signed for the course (with a hash of the content they completed). */
export const TrainingRecordAttestationSchema = z.object({
  id: z.string(),
  statement: z.string(),
  contentHash: z.string(),
  signedAt: z.string(),
});

/** One course of the record: mandatory for everyone, assigned to the learner, or enrolled in. */
export const TrainingRecordCourseSchema = z.object({
  courseId: z.string(),
  title: z.string(),
  mandatory: z.boolean(),
  assigned: z.boolean(),
  /** not-enrolled | enrolled | in-progress | completed */
  status: z.enum(['not-enrolled', 'enrolled', 'in-progress', 'completed']),
  progress: z.number().int(),
  enrollmentId: z.string().nullable(),
  enrolledAt: z.string().nullable(),
  /** The earliest due date of the learner's training assignments for the course. */
  dueDate: z.string().nullable(),
  overdue: z.boolean(),
  completedAt: z.string().nullable(),
  /** Set while the enrollment is suspended (lessons and submissions closed). */
  suspendedAt: z.string().nullable(),
  suspendReason: z.string().nullable(),
  /** A completion marked by hand: when, by whom (name), why, and whether evidence was filed. */
  manualCompletion: z
    .object({ at: z.string(), byName: z.string().nullable(), reason: z.string(), evidenceFileId: z.string().nullable() })
    .nullable(),
  attempts: z.array(TrainingRecordAttemptSchema),
  /** Best percentage over the graded attempts (null without one). */
  bestPercentage: z.number().nullable(),
  certificates: z.array(TrainingRecordCertificateSchema),
  attestations: z.array(TrainingRecordAttestationSchema),
});

export const TrainingRecordSchema = z.object({
  employee: EmployeeSchema,
  courses: z.array(TrainingRecordCourseSchema),
  documents: z.array(EmployeeDocumentSchema),
  compliance: z.array(EmployeeComplianceSchema),
  generatedAt: z.string(),
  /** The audit log as it stood when the record was read: entries and the hash of the last one. */
  auditPosition: z.object({ entries: z.number().int(), headHash: z.string() }),
});
export type TrainingRecord = z.infer<typeof TrainingRecordSchema>;
export type TrainingRecordCourse = z.infer<typeof TrainingRecordCourseSchema>;
