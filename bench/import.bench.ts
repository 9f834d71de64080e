/**
 * import: POST /api/enrollments/import?wait=true with N rows (upload, parse, validation of every
 * row, set-based writes with conflict handling, one audit entry per created row) against a raw
 * batched insert of the same rows into the same table (multi-row INSERT of 2000, one transaction)
 * on the same database in the same run. Goals: import ≤ 3 × raw; 100,000 rows ≤ 10 s on SQLite.
 */
import { randomBytes } from 'node:crypto';
import { nowIso } from '../src/server/db/dialect.ts';
import { newId } from '../src/server/db/ids.ts';
import type { EnrollmentsTable } from '../src/server/db/schema.ts';
import type { ImportState } from '../src/contract/imports.ts';
import { courseId, newTag, seedCourses, seedUsers, userEmail, userId } from '../scripts/seed-scale.ts';
import { compared, defineBenchmark, figure, type BenchResult } from './lib/types.ts';
import { request } from './lib/load.ts';
import { startBenchServer } from './lib/server.ts';

export default defineBenchmark({
  name: 'import',
  description:
    'POST /api/enrollments/import?wait=true of 100,000 rows (10,000 with --quick) vs a raw batched insert of the same rows ' +
    '(multi-row INSERT of 2000 in one transaction) on the same database; goals: ≤ 3× raw, and ≤ 10 s for 100,000 rows on SQLite.',
  async run(opts) {
    const { dialect, quick } = opts;
    const log = (msg: string) => opts.log(msg);
    const n = quick ? 10_000 : 100_000;
    const server = await startBenchServer(dialect, { log });
    try {
      const db = server.ctx.db;
      const tag = newTag();
      await seedUsers(db, dialect, tag, n);
      // Course 0 receives the import, course 1 the raw insert: same rows, same indexes, no conflicts.
      await seedCourses(db, dialect, tag, 2, 1);
      log(`seeded ${n} members and 2 courses`);
      const admin = await server.createUser(['System Manager']);
      const cookie = await server.login(admin);

      let csv = 'memberEmail,courseId\n';
      for (let i = 0; i < n; i++) csv += `${userEmail(tag, i)},${courseId(tag, 0)}\n`;
      const boundary = `----bench-${randomBytes(8).toString('hex')}`;
      const body =
        `--${boundary}\r\nContent-Disposition: form-data; name="mode"\r\n\r\nall-or-nothing\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench.csv"\r\nContent-Type: text/csv\r\n\r\n${csv}\r\n` +
        `--${boundary}--\r\n`;
      log(`importing ${n} rows (${(body.length / 1024 / 1024).toFixed(1)} MB upload)`);
      const t0 = performance.now();
      const res = await request(`${server.url}/api/enrollments/import?wait=true`, {
        method: 'POST',
        headers: { cookie, 'content-type': `multipart/form-data; boundary=${boundary}` },
        body,
        timeoutMs: 600_000,
      });
      const importMs = performance.now() - t0;
      if (res.status !== 200) throw new Error(`import answered ${res.status}: ${res.body.slice(0, 500)}`);
      const state = JSON.parse(res.body) as ImportState;
      if (state.status !== 'done' || state.created !== n) throw new Error(`import did not create ${n} rows: ${res.body.slice(0, 500)}`);
      log(`import: ${n} rows in ${importMs.toFixed(0)} ms`);

      const now = nowIso();
      const t1 = performance.now();
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < n; i += 2000) {
          const rows: EnrollmentsTable[] = [];
          for (let k = i; k < Math.min(n, i + 2000); k++) {
            rows.push({
              id: newId(),
              member_id: userId(tag, k),
              course_id: courseId(tag, 1),
              completed_lessons: 0,
              current_lesson_id: null,
              source: 'import',
              batch_id: null,
              payment_id: null,
              completed_at: null,
              last_activity_at: now,
              created_by: admin.id,
              created_at: now,
            });
          }
          await trx
            .insertInto('enrollments')
            .values(rows)
            .onConflict((oc) => oc.columns(['member_id', 'course_id']).doNothing())
            .execute();
        }
      });
      const rawMs = performance.now() - t1;
      log(`raw batched insert: ${n} rows in ${rawMs.toFixed(0)} ms`);

      const results: BenchResult[] = [
        compared(
          `import of ${n.toLocaleString('en-US')} rows`,
          importMs,
          'ms',
          { name: 'raw batched insert', value: rawMs },
          { atMost: 3 },
        ),
        figure('import throughput', (n * 1000) / importMs, 'rows/s'),
      ];
      if (dialect === 'sqlite' && !quick) {
        results.push({
          metric: 'import of 100,000 rows (absolute)',
          value: importMs / 1000,
          unit: 's',
          goal: '≤ 10 s',
          ok: importMs <= 10_000,
        });
      }
      return results;
    } finally {
      await server.close();
    }
  },
});
