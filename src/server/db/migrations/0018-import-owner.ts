import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * An import records the process running it (`host:pid`), so a process that died is recognised at
 * once on its own machine, and the scratch file of its upload, so the file is deleted when the
 * import is ended by someone else.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('imports').addColumn('owner', 'text').execute();
  await db.schema.alterTable('imports').addColumn('upload_file', 'text').execute();
}
