import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Integrations at HR scale.
 *
 * A user import hands out the initial passwords of the accounts it created once: they wait in
 * the import record (JSON) until its creator reads the finished import, and are cleared then.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('imports').addColumn('credentials_json', 'text').execute();
  // GET /api/users?updatedSince= (reconciliation): users changed since an instant, in that order.
  await db.schema.createIndex('users_updated_idx').on('users').columns(['updated_at', 'id']).execute();
}
