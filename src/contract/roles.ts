import { z } from 'zod';

/** Role names exactly as they appear on the wire. */
export const ROLES = ['System Manager', 'Moderator', 'Course Creator', 'Batch Evaluator', 'LMS Student', 'HR Manager', 'HR User'] as const;

export type Role = (typeof ROLES)[number];

export const RoleSchema = z.enum(ROLES);

export const STAFF_ROLES: readonly Role[] = ['System Manager', 'Moderator', 'Course Creator', 'Batch Evaluator', 'HR Manager', 'HR User'];
export const LMS_STAFF: readonly Role[] = ['System Manager', 'Moderator', 'Course Creator', 'Batch Evaluator'];
export const HR_ROLES: readonly Role[] = ['System Manager', 'HR Manager', 'HR User'];
/** Who reads the statistics (their APIs, their CSVs and the desk's Statistics page). */
export const STATISTICS_ROLES: readonly Role[] = ['System Manager', 'Moderator', 'HR Manager', 'HR User'];
