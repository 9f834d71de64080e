import { z } from 'zod';
import { HR_ROLES, type Role } from './roles.ts';

export const IMPORT_KINDS = ['enrollments', 'employees', 'training-assignments', 'users'] as const;
export type ImportKindName = (typeof IMPORT_KINDS)[number];

/** Who may import (and download the template of) each kind: the roles of its POST /api/<kind>/import. */
export const IMPORT_ROLES: Record<ImportKindName, readonly Role[]> = {
  enrollments: ['System Manager', 'Moderator', 'Course Creator'],
  employees: HR_ROLES,
  'training-assignments': ['System Manager', 'Moderator', 'HR Manager', 'HR User'],
  users: ['System Manager', 'HR Manager'],
};

/** Roles an HR Manager may give the accounts of a user import (a System Manager may give any). */
export const HR_MANAGER_GRANTABLE: readonly Role[] = ['LMS Student', 'HR User', 'HR Manager'];

export const IMPORT_STATUSES = ['queued', 'running', 'done', 'failed'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

export const IMPORT_MODES = ['all-or-nothing', 'valid-rows'] as const;
export type ImportMode = (typeof IMPORT_MODES)[number];

/** The header of the enrollment import template, in this order. */
export const ENROLLMENT_IMPORT_COLUMNS = ['memberEmail', 'employeeCode', 'courseId', 'courseTitle', 'source', 'dueDate'] as const;

/** The columns of the employee import (and its template), in this order. */
export const EMPLOYEE_IMPORT_COLUMNS = [
  'employeeCode',
  'fullName',
  'email',
  'department',
  'designation',
  'reportsTo',
  'dateOfJoining',
  'status',
] as const;

/** The columns of the training-assignment import (and its template), in this order. */
export const TRAINING_ASSIGNMENT_IMPORT_COLUMNS = ['memberEmail', 'employeeCode', 'courseId', 'courseTitle', 'dueDate'] as const;

/** The columns of the user import (and its template), in this order; roles are separated by `;`. */
export const USER_IMPORT_COLUMNS = ['email', 'fullName', 'roles', 'employeeCode'] as const;

/** One problem in an imported file: `row` is the file's own line number (the header is line 1). */
export const ImportRowErrorSchema = z.object({
  row: z.number().int(),
  column: z.string().nullable(),
  message: z.string(),
});
export type ImportRowError = z.infer<typeof ImportRowErrorSchema>;

export const ImportStateSchema = z.object({
  id: z.string(),
  kind: z.enum(IMPORT_KINDS),
  status: z.enum(IMPORT_STATUSES),
  /** 'validating' while rows are checked, 'writing' while valid rows are inserted. */
  phase: z.enum(['validating', 'writing', 'finished']),
  mode: z.enum(IMPORT_MODES),
  dryRun: z.boolean(),
  fileName: z.string(),
  /** Data rows checked so far. */
  processed: z.number().int(),
  /** Data rows in the file (known once the file has been counted). */
  total: z.number().int(),
  /** Rows written (with dryRun: rows that would be written). */
  created: z.number().int(),
  /** Rows that needed nothing (already there). */
  skipped: z.number().int(),
  /** Problems found (a row may have several); `errors` lists at most the first 1000. */
  errorCount: z.number().int(),
  errors: z.array(ImportRowErrorSchema),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type ImportState = z.infer<typeof ImportStateSchema>;

/** Multipart text fields of an import upload. */
export const ImportFieldsSchema = z.strictObject({
  mode: z.enum(IMPORT_MODES).default('all-or-nothing'),
  dryRun: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
});

export const ImportQuery = z.strictObject({
  wait: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => v === 'true'),
});

export const ImportAccepted = z.object({ importId: z.string() });
