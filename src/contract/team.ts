import { z } from 'zod';
import { TrainingRecordCourseSchema } from './training-record.ts';

/** One required course (mandatory or assigned) of a team member, as their manager sees it. */
export const TeamCourseSchema = TrainingRecordCourseSchema.pick({
  courseId: true,
  title: true,
  mandatory: true,
  assigned: true,
  status: true,
  progress: true,
  dueDate: true,
  overdue: true,
  completedAt: true,
}).extend({
  /** Not completed and due within the next 14 days (not yet overdue). */
  dueSoon: z.boolean(),
});

export const TeamMemberSchema = z.object({
  employeeId: z.string(),
  fullName: z.string(),
  department: z.string().nullable(),
  designation: z.string().nullable(),
  /** Whether the employee can log in (has a linked user): without one no training can be tracked. */
  hasAccount: z.boolean(),
  required: z.number().int(),
  completed: z.number().int(),
  inProgress: z.number().int(),
  notStarted: z.number().int(),
  overdue: z.number().int(),
  dueSoon: z.number().int(),
  /** Required courses, the ones needing attention first (overdue, due soon, then the rest). */
  courses: z.array(TeamCourseSchema),
});

export const TeamSchema = z.object({
  /** The caller's own employee record; null when they have none (then nobody reports to them here). */
  manager: z.object({ employeeId: z.string(), fullName: z.string() }).nullable(),
  members: z.array(TeamMemberSchema),
  /** More people report to the caller than one answer lists. */
  truncated: z.boolean(),
});
export type Team = z.infer<typeof TeamSchema>;
export type TeamMember = z.infer<typeof TeamMemberSchema>;
