import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Indexes for the sortable list keys (db/keyset.ts): each key followed by the id that breaks ties.
 * Text keys are sorted as lower(text) (byte order, `collate "C"` on PostgreSQL), so their indexes
 * are on that same expression.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const text = (column: string) => (dialect === 'postgres' ? `(lower(${column}) collate "C")` : `lower(${column})`);
  const indexes: [name: string, table: string, key: string][] = [
    ['users_sort_name_idx', 'users', text('full_name')],
    ['users_sort_email_idx', 'users', text('email')],
    ['users_sort_created_idx', 'users', 'created_at'],
    ['courses_sort_title_idx', 'courses', text('title')],
    ['courses_sort_created_idx', 'courses', 'created_at'],
    ['enrollments_sort_created_idx', 'enrollments', 'created_at'],
    ['enrollments_sort_completed_idx', 'enrollments', `(coalesce(completed_at, ''))`],
    ['employees_sort_name_idx', 'employees', text('full_name')],
    ['employees_sort_code_idx', 'employees', text('employee_code')],
    ['employees_sort_created_idx', 'employees', 'created_at'],
    ['training_assignments_sort_due_idx', 'training_assignments', 'due_date'],
    ['training_assignments_sort_created_idx', 'training_assignments', 'created_at'],
    ['certificates_sort_issue_idx', 'certificates', 'issue_date'],
    ['quiz_submissions_sort_started_idx', 'quiz_submissions', 'started_at'],
  ];
  for (const [name, table, key] of indexes) {
    await sql`create index ${sql.id(name)} on ${sql.id(table)} (${sql.raw(key)}, id)`.execute(db);
  }
}
