import { type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Login throttling keeps one counter row per key (`email:<address>`, `ip:<address>`), raised by
 * a single upsert before a password is checked, so concurrent attempts (in any process) are
 * counted before any of them is let through. It replaces the append-only auth_failures log, whose
 * count-then-check raced.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('login_throttle')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('next_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('login_throttle_updated_idx').on('login_throttle').column('updated_at').execute();
  await db.schema.dropTable('auth_failures').execute();
}
