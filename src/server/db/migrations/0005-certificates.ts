import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/** The built-in template every installation starts with; System Managers may edit it. */
export const DEFAULT_TEMPLATE_ID = '00000000000000000000000def';

export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('certificate_templates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('orientation', 'text', (c) => c.notNull().defaultTo('landscape'))
    .addColumn('page_size', 'text', (c) => c.notNull().defaultTo('A4'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('subtitle', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('signer_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('signer_title', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('primary_color', 'text', (c) => c.notNull())
    .addColumn('text_color', 'text', (c) => c.notNull())
    .addColumn('background_color', 'text', (c) => c.notNull())
    .addColumn('title_font', 'text', (c) => c.notNull())
    .addColumn('body_font', 'text', (c) => c.notNull())
    .addColumn('background_file_id', 'text', (c) => c.references('files.id').onDelete('set null'))
    .addColumn('logo_file_id', 'text', (c) => c.references('files.id').onDelete('set null'))
    .addColumn('signature_file_id', 'text', (c) => c.references('files.id').onDelete('set null'))
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('certificate_templates_orientation', sql`orientation in ('landscape', 'portrait')`)
    .addCheckConstraint('certificate_templates_page_size', sql`page_size in ('A4', 'LETTER')`)
    .execute();
  await db.schema.createIndex('certificate_templates_name_idx').on('certificate_templates').columns(['name', 'id']).execute();
  // At most one default template.
  await db.schema
    .createIndex('certificate_templates_default_uq')
    .on('certificate_templates')
    .column('is_default')
    .unique()
    .where(sql.ref('is_default'), '=', 1)
    .execute();

  await db.schema
    .createTable('certificates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('member_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('course_id', 'text', (c) => c.notNull().references('courses.id'))
    .addColumn('template_id', 'text', (c) => c.references('certificate_templates.id').onDelete('set null'))
    .addColumn('issue_date', 'text', (c) => c.notNull())
    .addColumn('expiry_date', 'text')
    .addColumn('verification_code', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('issued_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('revoked_at', 'text')
    .addColumn('revoked_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('revoke_reason', 'text')
    .addColumn('expiry_notice', 'text')
    .addColumn('expiry_notice_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addCheckConstraint('certificates_source', sql`source in ('auto', 'claim', 'manual')`)
    .addCheckConstraint('certificates_expiry_notice', sql`expiry_notice is null or expiry_notice in ('expiring', 'expired')`)
    .addCheckConstraint('certificates_revoked', sql`(revoked_at is null) = (revoke_reason is null)`)
    .addCheckConstraint('certificates_dates', sql`expiry_date is null or expiry_date >= issue_date`)
    .execute();
  // One certificate per member + course, whatever the path (auto, claim, manual).
  await db.schema.createIndex('certificates_member_course_uq').on('certificates').columns(['member_id', 'course_id']).unique().execute();
  await db.schema.createIndex('certificates_code_uq').on('certificates').column('verification_code').unique().execute();
  await db.schema.createIndex('certificates_member_idx').on('certificates').columns(['member_id', 'id']).execute();
  await db.schema.createIndex('certificates_course_idx').on('certificates').columns(['course_id', 'id']).execute();
  await db.schema.createIndex('certificates_expiry_idx').on('certificates').columns(['expiry_date', 'id']).execute();
  await db.schema.createIndex('certificates_revoked_idx').on('certificates').columns(['revoked_at', 'id']).execute();

  await db.schema
    .createTable('certificate_zip_jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('filters_json', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('processed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('total', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('file_id', 'text', (c) => c.references('files.id').onDelete('set null'))
    .addColumn('error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('certificate_zip_jobs_status', sql`status in ('queued', 'running', 'done', 'failed')`)
    .execute();
  await db.schema.createIndex('certificate_zip_jobs_creator_idx').on('certificate_zip_jobs').columns(['created_by', 'id']).execute();

  const now = new Date().toISOString();
  await sql`
    insert into certificate_templates
      (id, name, orientation, page_size, title, subtitle, body, signer_name, signer_title, primary_color, text_color,
       background_color, title_font, body_font, is_default, created_at, updated_at)
    values
      (${DEFAULT_TEMPLATE_ID}, ${'Classic'}, ${'landscape'}, ${'A4'}, ${'Certificate of Completion'}, ${'This is to certify that'},
       ${'has successfully completed the course\n{{courseTitle}}\non {{issueDate}}.'}, ${''}, ${'Head of Learning & Development'},
       ${'#1f3a5f'}, ${'#222222'}, ${'#fffdf7'}, ${'DejaVuSerif'}, ${'DejaVuSerif'}, ${1}, ${now}, ${now})`.execute(db);
}
