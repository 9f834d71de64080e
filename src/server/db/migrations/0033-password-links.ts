import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * One-time set-password links: invitations (a new account sets its first password) and password
 * resets. Only the SHA-256 of a link's secret is stored (as the row's id), so the table cannot be
 * used to log in. A link is used by one conditional UPDATE (used_at still null, not expired), so
 * two uses at once make one success.
 *
 * User imports no longer hand out generated passwords: the plain-text initial passwords an
 * import kept for its creator (imports.credentials_json) are removed with the column.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('password_links')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .addCheckConstraint('password_links_purpose', sql`purpose in ('invitation', 'reset')`)
    .addCheckConstraint('password_links_hash', sql`length(id) = 43`)
    .addCheckConstraint('password_links_expiry', sql`expires_at > created_at`)
    .execute();
  await db.schema.createIndex('password_links_user_idx').on('password_links').columns(['user_id', 'purpose', 'created_at']).execute();
  await sql`update imports set credentials_json = null`.execute(db);
  await db.schema.alterTable('imports').dropColumn('credentials_json').execute();
}
