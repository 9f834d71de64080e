import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * A certificate zip job records the process running it (`host:pid:start`, platform/process-owner.ts),
 * so a server starting on the same machine ends at once the jobs of a process that died, instead
 * of waiting for their heartbeat to go quiet.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('certificate_zip_jobs').addColumn('owner', 'text').execute();
}
