import { sql, type Kysely } from 'kysely';

/**
 * The frame of SQLite's table rebuild (the documented "12 step" procedure, for changes ALTER TABLE
 * cannot make): foreign keys off, one transaction around `change`, and a commit only when
 * foreign_key_check finds no row of `table`, or pointing at it, left without its parent —
 * otherwise everything is rolled back. Kysely runs SQLite migrations outside a transaction on its
 * single connection, which the pragma needs.
 */
export async function rebuildSqliteTable(
  db: Kysely<unknown>,
  migration: string,
  table: string,
  change: () => Promise<void>,
): Promise<void> {
  const fkOn = (await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db)).rows[0]?.foreign_keys === 1;
  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await sql`begin immediate`.execute(db);
    try {
      await change();
      const broken = (await sql<{ table: string; parent: string }>`pragma foreign_key_check`.execute(db)).rows.filter(
        (r) => r.table === table || r.parent === table,
      );
      if (broken.length)
        throw new Error(`${migration}: foreign key check failed after rebuilding ${table}: ${JSON.stringify(broken.slice(0, 5))}`);
      await sql`commit`.execute(db);
    } catch (e) {
      await sql`rollback`.execute(db);
      throw e;
    }
  } finally {
    if (fkOn) await sql`pragma foreign_keys = on`.execute(db);
  }
}
