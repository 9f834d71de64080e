/**
 * progress-migration: how long migration 0014 (stored progress → derived from counts) takes on a
 * database with 250,000 enrollments and their lesson completions (20,000 with --quick), from the
 * schema before it (0013). It counts every enrollment's completions, drops the progress column (a
 * table rebuild on SQLite), builds the new index and refills the compliance counts; on
 * PostgreSQL, writers of the tables it touches wait for it, on SQLite the server starts after it.
 * Limit: one raw copy of the enrollments table (create table … as select *), on the same data.
 * No goal: the figure says how long an upgrade of a large database holds its writers.
 * BENCH_MIGRATION_ENROLLMENTS sets another size (a multiple of 10, e.g. 1000000; seeding takes minutes).
 */
import { sql } from 'kysely';
import { openDatabase } from '../src/server/db/database.ts';
import { migrateToLatest, migrateUpTo } from '../src/server/db/migrate.ts';
import { newTag, seedCourses, seedEnrollments, seedUsers } from '../scripts/seed-scale.ts';
import { createScratchDatabase } from '../test/helpers/db.ts';
import { compared, defineBenchmark } from './lib/types.ts';

export default defineBenchmark({
  name: 'progress-migration',
  description:
    'Migration 0014 (progress derived from completed-lesson counts) on 250,000 enrollments with their lesson completions ' +
    '(20,000 with --quick), vs one raw copy of the enrollments table; no goal.',
  async run(opts) {
    const { dialect, quick } = opts;
    const log = (msg: string) => opts.log(msg);
    const courses = 10;
    const size = Number(process.env.BENCH_MIGRATION_ENROLLMENTS ?? (quick ? 20_000 : 250_000));
    if (!Number.isInteger(size) || size < courses || size % courses !== 0) throw new Error(`BENCH_MIGRATION_ENROLLMENTS must be a multiple of ${courses}`);
    const employees = size / courses;
    const lessons = 5;
    const count = employees * courses;
    const scratch = await createScratchDatabase(dialect);
    const database = openDatabase(scratch.target);
    try {
      const db = database.db;
      await migrateUpTo(database, '0013-progress-index');
      const tag = newTag();
      const t0 = performance.now();
      await seedUsers(db, dialect, tag, employees);
      await seedCourses(db, dialect, tag, courses, lessons, 'stored');
      const { completions } = await seedEnrollments(db, dialect, tag, { employees, courses, lessons, count, schema: 'stored', log });
      await sql`analyze`.execute(db);
      log(`seeded ${count} enrollments (stored progress) and ${completions} lesson completions in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

      const t1 = performance.now();
      const applied = await migrateToLatest(database);
      const migrationMs = performance.now() - t1;
      log(`applied ${applied.join(', ')} in ${(migrationMs / 1000).toFixed(1)} s`);
      // The figure is only worth something if the migration did its work.
      const check = await sql<{ counted: number | string; rows: number | string }>`
        select (select sum(completed_lessons) from enrollments) as counted, (select count(*) from lesson_completions) as rows`.execute(db);
      const { counted, rows } = check.rows[0]!;
      if (Number(counted) !== Number(rows) || Number(rows) !== completions) {
        throw new Error(`after the migration the counts add up to ${counted}, the completion rows are ${rows}, ${completions} were seeded`);
      }

      const t2 = performance.now();
      await sql`create table bench_enrollments_copy as select * from enrollments`.execute(db);
      const copyMs = performance.now() - t2;
      log(`raw copy of the enrollments table in ${(copyMs / 1000).toFixed(1)} s`);

      return [
        compared(`migration 0014, ${count.toLocaleString('en-US')} enrollments`, migrationMs, 'ms', { name: 'raw copy of enrollments', value: copyMs }),
      ];
    } finally {
      await database.close();
      await scratch.drop();
    }
  },
});
