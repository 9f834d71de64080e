import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * The audit log's import index holds only entries an import wrote. Every other audited write (most
 * of them: enrollments, completions, certificates) inserted a NULL key into it that no query
 * reads. (import_id, id) serves "entries of one import, newest first" (GET /api/audit-log?importId=).
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await sql`drop index audit_log_import_idx`.execute(db);
  await sql`create index audit_log_import_idx on audit_log (import_id, id) where import_id is not null`.execute(db);
}
