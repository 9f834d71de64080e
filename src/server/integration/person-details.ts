import type { Executor } from '../db/database.ts';
import type { PersonDetails } from '../platform/person-details.ts';

/** HR details LMS documents print (quiz reports, certificates), read from the employee record. */
export async function personDetailsFromHr(db: Executor, userId: string): Promise<PersonDetails | null> {
  const row = await db
    .selectFrom('employees')
    .leftJoin('departments', 'departments.id', 'employees.department_id')
    .leftJoin('designations', 'designations.id', 'employees.designation_id')
    .select(['employees.employee_code', 'departments.name as department', 'designations.name as designation'])
    .where('employees.user_id', '=', userId)
    .executeTakeFirst();
  return row ? { employeeCode: row.employee_code, department: row.department, designation: row.designation } : null;
}
