import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Imports record when their process last showed signs of life, so an import left queued or
 * running by a process that died can be told apart from one still working and ended as failed.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('imports').addColumn('heartbeat_at', 'text').execute();
  await db.schema.createIndex('imports_status_idx').on('imports').columns(['status', 'heartbeat_at']).execute();
}
