/**
 * Employees, departments and designations (HR).
 */
import { z } from 'zod';
import { IdSchema, IsoDate, PageQuery, SortQuery, VisibleText } from './common.ts';

const Name = VisibleText(140, 'The name');
const OptionalName = Name.nullable().optional();

export const EMPLOYEE_STATUSES = ['active', 'left'] as const;
export const EmployeeStatusSchema = z.enum(EMPLOYEE_STATUSES);

export const EmployeeSchema = z.object({
  id: z.string(),
  employeeCode: z.string(),
  fullName: z.string(),
  userId: z.string().nullable(),
  department: z.string().nullable(),
  designation: z.string().nullable(),
  reportsToId: z.string().nullable(),
  dateOfJoining: z.string().nullable(),
  status: EmployeeStatusSchema,
  leftOn: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Employee = z.infer<typeof EmployeeSchema>;

export const CreateEmployeeBody = z.strictObject({
  employeeCode: z.string().trim().min(1).max(64),
  fullName: Name,
  userId: IdSchema.nullable().optional(),
  department: OptionalName,
  designation: OptionalName,
  reportsToId: IdSchema.nullable().optional(),
  dateOfJoining: IsoDate.nullable().optional(),
  status: EmployeeStatusSchema.optional(),
});
export type CreateEmployeeInput = z.infer<typeof CreateEmployeeBody>;

export const UpdateEmployeeBody = z.strictObject({
  employeeCode: z.string().trim().min(1).max(64).optional(),
  fullName: Name.optional(),
  userId: IdSchema.nullable().optional(),
  department: OptionalName,
  designation: OptionalName,
  reportsToId: IdSchema.nullable().optional(),
  dateOfJoining: IsoDate.nullable().optional(),
  status: EmployeeStatusSchema.optional(),
  /** With status "left": also disable the linked user's login (records are kept either way). */
  disableUser: z.boolean().optional(),
});
export type UpdateEmployeeInput = z.infer<typeof UpdateEmployeeBody>;

export const EMPLOYEE_SORTS = ['fullName', 'employeeCode', 'department', 'designation', 'dateOfJoining', 'createdAt'] as const;

export const EmployeeListQuery = z.strictObject({
  ...PageQuery,
  sort: SortQuery(EMPLOYEE_SORTS),
  department: Name.optional(),
  designation: Name.optional(),
  status: EmployeeStatusSchema.optional(),
  q: z.string().max(200).optional(),
});
export type EmployeeListFilters = z.infer<typeof EmployeeListQuery>;

export const NamedSchema = z.object({ id: z.string(), name: z.string(), employees: z.number().int() });
export const NameListQuery = z.strictObject({ ...PageQuery, q: z.string().max(200).optional() });
