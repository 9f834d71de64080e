import { sql } from 'kysely';
import { ownCommit, type Db, type Dialect } from './database.ts';

/**
 * Planner statistics, refreshed by the product itself (at start and by a daily job) so a database
 * that grew keeps its plans.
 *
 * PostgreSQL: `analyze` (autovacuum does it too; this only makes it happen now); `full` (after a
 * bulk load): `vacuum analyze`, which also marks the pages all-visible for index-only scans, as
 * autovacuum would a while after the load.
 *
 * SQLite: `pragma optimize` analyzes the tables whose size changed a lot since their last analysis
 * (`full`: `analyze` everything, after a bulk load). Only the per-index row counts are kept
 * (sqlite_stat1): better-sqlite3 builds SQLite with STAT4, and with STAT4 samples SQLite prepares
 * every statement that compares an indexed column with a parameter anew each time it runs with
 * other values: a full compile per run of most hot statements. The row counts choose between our
 * indexes as well. Samples are removed in the same transaction, so no other connection ever loads
 * them.
 */
export async function refreshStatistics(db: Db, dialect: Dialect, opts: { full?: boolean } = {}): Promise<void> {
  if (dialect === 'postgres') {
    await (opts.full ? sql`vacuum analyze` : sql`analyze`).execute(db);
    return;
  }
  await ownCommit(db)
    .transaction()
    .execute(async (trx) => {
      if (opts.full) await sql`analyze`.execute(trx);
      else {
        await sql`pragma analysis_limit = 1000`.execute(trx);
        await sql`pragma optimize = 0x10002`.execute(trx);
      }
      const samples = await sql`select 1 from sqlite_schema where name = 'sqlite_stat4'`.execute(trx);
      if (samples.rows.length > 0) await sql`delete from sqlite_stat4`.execute(trx);
    });
  // This connection loaded the samples while analyzing: load the statistics again.
  await sql`analyze sqlite_schema`.execute(db);
}
