import { afterAll, beforeAll, describe } from 'vitest';
import type { Kysely } from 'kysely';
import { openDatabase, type Database } from '../../src/server/db/database.ts';
import { migrateToLatest, migrateUpTo } from '../../src/server/db/migrate.ts';
import { createScratchDatabase, postgresReachable, testDialects, type ScratchDatabase, type TestDialect } from './db.ts';

export interface MigrationEnv {
  readonly dialect: TestDialect;
  /** The migrated database (only when `ready`). */
  readonly db: Kysely<unknown>;
  /** False when this dialect's database is unreachable: tests skip. */
  readonly ready: boolean;
}

/**
 * A migration on a database that already holds data, once per test dialect: a scratch database is
 * migrated up to `before`, filled by `seed` (SQL of that older schema), then migrated to the latest.
 */
export function describeMigration(
  title: string,
  before: Parameters<typeof migrateUpTo>[1],
  seed: (db: Kysely<unknown>, dialect: TestDialect) => Promise<void>,
  tests: (m: MigrationEnv) => void,
): void {
  for (const dialect of testDialects()) {
    describe(`${title} [${dialect}]`, () => {
      let scratch: ScratchDatabase | null = null;
      let database: Database | null = null;
      const m: MigrationEnv = {
        dialect,
        get db() {
          if (!database) throw new Error('the scratch database is not open');
          return database.db as unknown as Kysely<unknown>;
        },
        get ready() {
          return database !== null;
        },
      };
      beforeAll(async () => {
        if (dialect === 'postgres' && !(await postgresReachable())) return;
        scratch = await createScratchDatabase(dialect);
        const opened = openDatabase(scratch.target);
        await migrateUpTo(opened, before);
        await seed(opened.db as unknown as Kysely<unknown>, dialect);
        await migrateToLatest(opened);
        database = opened;
      });
      afterAll(async () => {
        await database?.close();
        await scratch?.drop();
      });
      tests(m);
    });
  }
}

/** The error a statement fails with (the test fails if it succeeds). */
export async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('the statement was expected to fail');
}
