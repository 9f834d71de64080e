import { sql, type Expression, type SqlBool } from 'kysely';
import type { Executor } from '../db/database.ts';
import { errors } from '../http/errors.ts';
import { type AudienceResolver, type AudienceTarget } from '../lms/training/index.ts';

async function idByName(db: Executor, table: 'departments' | 'designations', name: string, path: string): Promise<string> {
  const row = await db.selectFrom(table).select('id').where('name', '=', name.trim()).executeTakeFirst();
  if (!row) throw errors.validation([{ path, message: `No ${path} is called "${name}".` }], `No ${path} is called "${name}".`);
  return row.id;
}

/** HR targeting for LMS Training Assignments: active employees with a linked user. */
export const hrAudience: AudienceResolver = {
  async members(db: Executor, target: AudienceTarget): Promise<string[]> {
    let q = db.selectFrom('employees').select('user_id').where('status', '=', 'active').where('user_id', 'is not', null);
    if (target.department !== undefined) q = q.where('department_id', '=', await idByName(db, 'departments', target.department, 'department'));
    if (target.designation !== undefined) q = q.where('designation_id', '=', await idByName(db, 'designations', target.designation, 'designation'));
    const rows = await q.execute();
    return rows.map((r) => r.user_id).filter((x): x is string => x !== null);
  },
  async withoutLogin(db: Executor, target: AudienceTarget) {
    let q = db.selectFrom('employees').select(['id', 'full_name']).where('status', '=', 'active').where('user_id', 'is', null);
    if (target.department !== undefined) q = q.where('department_id', '=', await idByName(db, 'departments', target.department, 'department'));
    if (target.designation !== undefined) q = q.where('designation_id', '=', await idByName(db, 'designations', target.designation, 'designation'));
    const rows = await q.orderBy('full_name').limit(500).execute();
    return rows.map((r) => ({ employeeId: r.id, fullName: r.full_name }));
  },
  inDepartment(memberId: Expression<string>, department: string): Expression<SqlBool> {
    return sql<SqlBool>`exists (
      select 1 from employees he join departments hd on hd.id = he.department_id
       where he.user_id = ${memberId} and hd.name = ${department})`;
  },
};
