import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

export const EMPLOYEE_STATUSES = ['active', 'left'] as const;
export const ONBOARDING_STATUSES = ['pending', 'in_progress', 'completed'] as const;
export const ASSIGNMENT_SOURCES = ['onboarding', 'manual', 'import'] as const;
export const COMPLIANCE_STATUSES = ['pending', 'complete', 'expiring', 'expired'] as const;
export const DOCUMENT_SOURCE_KINDS = ['certificate', 'quiz-submission', 'course-quiz-report'] as const;

const list = (values: readonly string[]) => sql.join(values.map((v) => sql.lit(v)));

/**
 * HR records (departments, designations, employees, onboardings, documents, compliance), the
 * LMS Training Assignments that onboarding and staff create, and in-app notifications.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  for (const table of ['departments', 'designations'] as const) {
    await db.schema
      .createTable(table)
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addCheckConstraint(`${table}_name_trimmed`, sql`name = trim(name) and name <> ''`)
      .execute();
    // Names are matched exactly as typed on an HR spreadsheet; one row per name.
    await db.schema.createIndex(`${table}_name_uq`).on(table).column('name').unique().execute();
  }

  await db.schema
    .createTable('employees')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('employee_code', 'text', (c) => c.notNull())
    .addColumn('full_name', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.references('users.id'))
    .addColumn('department_id', 'text', (c) => c.references('departments.id'))
    .addColumn('designation_id', 'text', (c) => c.references('designations.id'))
    .addColumn('reports_to_id', 'text', (c) => c.references('employees.id'))
    .addColumn('date_of_joining', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('left_on', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('employees_status', sql`status in (${list(EMPLOYEE_STATUSES)})`)
    .addCheckConstraint('employees_not_own_manager', sql`reports_to_id is null or reports_to_id <> id`)
    .execute();
  await db.schema.createIndex('employees_code_uq').on('employees').column('employee_code').unique().execute();
  // One employee record per user account.
  await db.schema.createIndex('employees_user_uq').on('employees').column('user_id').unique().execute();
  await db.schema.createIndex('employees_department_idx').on('employees').columns(['department_id', 'status', 'id']).execute();
  await db.schema.createIndex('employees_designation_idx').on('employees').columns(['designation_id', 'status', 'id']).execute();
  await db.schema.createIndex('employees_status_idx').on('employees').columns(['status', 'id']).execute();
  // "Active employees with a linked user": the people mandatory-training statistics expect.
  await db.schema
    .createIndex('employees_active_user_idx')
    .on('employees')
    .columns(['user_id', 'department_id'])
    .where(sql.ref('status'), '=', sql.lit('active'))
    .execute();
  await db.schema.createIndex('employees_reports_to_idx').on('employees').columns(['reports_to_id']).execute();

  await db.schema
    .createTable('employee_onboardings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('employee_id', 'text', (c) => c.notNull().references('employees.id'))
    .addColumn('onboarding_date', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('activities_json', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('result_json', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('employee_onboardings_status', sql`status in (${list(ONBOARDING_STATUSES)})`)
    .execute();
  await db.schema.createIndex('employee_onboardings_employee_idx').on('employee_onboardings').columns(['employee_id', 'id']).execute();

  await db.schema
    .createTable('training_assignments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('member_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('course_id', 'text', (c) => c.notNull().references('courses.id'))
    .addColumn('enrollment_id', 'text')
    .addColumn('due_date', 'text', (c) => c.notNull())
    // Stored: open | completed. "overdue" is derived: open and due_date < today.
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('open'))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('onboarding_id', 'text')
    .addColumn('completed_at', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('training_assignments_status', sql`status in ('open', 'completed')`)
    .addCheckConstraint('training_assignments_source', sql`source in (${list(ASSIGNMENT_SOURCES)})`)
    .addCheckConstraint('training_assignments_completed', sql`(status = 'completed') = (completed_at is not null)`)
    .execute();
  // One open assignment per member + course.
  await db.schema
    .createIndex('training_assignments_open_uq')
    .on('training_assignments')
    .columns(['member_id', 'course_id'])
    .unique()
    .where(sql.ref('status'), '=', sql.lit('open'))
    .execute();
  await db.schema.createIndex('training_assignments_member_idx').on('training_assignments').columns(['member_id', 'id']).execute();
  await db.schema.createIndex('training_assignments_course_idx').on('training_assignments').columns(['course_id', 'status', 'due_date']).execute();
  await db.schema.createIndex('training_assignments_status_due_idx').on('training_assignments').columns(['status', 'due_date']).execute();
  await db.schema.createIndex('training_assignments_onboarding_idx').on('training_assignments').columns(['onboarding_id']).execute();

  await db.schema
    .createTable('employee_document_types')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('expires', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('default_validity_months', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('employee_document_types_validity', sql`default_validity_months is null or default_validity_months > 0`)
    .execute();
  await db.schema.createIndex('employee_document_types_name_uq').on('employee_document_types').column('name').unique().execute();

  await db.schema
    .createTable('employee_documents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('employee_id', 'text', (c) => c.notNull().references('employees.id'))
    .addColumn('document_type_id', 'text', (c) => c.references('employee_document_types.id'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('file_id', 'text', (c) => c.references('files.id').onDelete('set null'))
    .addColumn('issue_date', 'text')
    .addColumn('expiry_date', 'text')
    .addColumn('source_kind', 'text')
    .addColumn('source_id', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('employee_documents_dates', sql`expiry_date is null or issue_date is null or expiry_date >= issue_date`)
    .addCheckConstraint(
      'employee_documents_source',
      sql`(source_kind is null and source_id is null) or (source_kind in (${list(DOCUMENT_SOURCE_KINDS)}) and source_id is not null)`,
    )
    .execute();
  // Filing the same LMS PDF twice makes one document.
  await db.schema.createIndex('employee_documents_source_uq').on('employee_documents').columns(['source_kind', 'source_id']).unique().execute();
  await db.schema.createIndex('employee_documents_employee_idx').on('employee_documents').columns(['employee_id', 'id']).execute();
  await db.schema.createIndex('employee_documents_type_idx').on('employee_documents').columns(['document_type_id', 'id']).execute();
  await db.schema.createIndex('employee_documents_expiry_idx').on('employee_documents').columns(['expiry_date']).execute();

  await db.schema
    .createTable('compliance_types')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('renewal_months', 'integer')
    .addColumn('reminder_lead_days', 'integer', (c) => c.notNull().defaultTo(30))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('compliance_types_renewal', sql`renewal_months is null or renewal_months > 0`)
    .addCheckConstraint('compliance_types_lead', sql`reminder_lead_days >= 0`)
    .execute();
  await db.schema.createIndex('compliance_types_name_uq').on('compliance_types').column('name').unique().execute();

  await db.schema
    .createTable('employee_compliance')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('employee_id', 'text', (c) => c.notNull().references('employees.id'))
    .addColumn('compliance_type_id', 'text', (c) => c.notNull().references('compliance_types.id'))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('completed_on', 'text')
    .addColumn('renewal_date', 'text')
    .addColumn('evidence_document_id', 'text', (c) => c.references('employee_documents.id').onDelete('set null'))
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('employee_compliance_status', sql`status in (${list(COMPLIANCE_STATUSES)})`)
    .addCheckConstraint('employee_compliance_completed', sql`(status = 'pending') = (completed_on is null)`)
    .execute();
  // One obligation row per employee and compliance type.
  await db.schema
    .createIndex('employee_compliance_employee_type_uq')
    .on('employee_compliance')
    .columns(['employee_id', 'compliance_type_id'])
    .unique()
    .execute();
  await db.schema.createIndex('employee_compliance_status_idx').on('employee_compliance').columns(['status', 'renewal_date']).execute();
  await db.schema.createIndex('employee_compliance_type_idx').on('employee_compliance').columns(['compliance_type_id', 'id']).execute();

  await db.schema
    .createTable('notifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('link', 'text')
    // Jobs that run again must not alert twice: one notification per (user, dedupe key).
    .addColumn('dedupe_key', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('read_at', 'text')
    .execute();
  await db.schema.createIndex('notifications_user_idx').on('notifications').columns(['user_id', 'id']).execute();
  await db.schema.createIndex('notifications_dedupe_uq').on('notifications').columns(['user_id', 'dedupe_key']).unique().execute();
}
