/**
 * enroll-batch: POST /api/enrollments/batch with 1,000 items per request (member by email, one
 * request after the other) against the enrollment import (POST /api/enrollments/import?wait=true)
 * of the same number of rows, in rows per second, on the same database in the same run. Goal: the
 * batch path ≥ 0.8 of the import's rows/s.
 */
import { randomBytes } from 'node:crypto';
import type { ImportState } from '../src/contract/imports.ts';
import { courseId, newTag, seedCourses, seedUsers, userEmail } from '../scripts/seed-scale.ts';
import { compared, defineBenchmark, type BenchResult } from './lib/types.ts';
import { request } from './lib/load.ts';
import { startBenchServer } from './lib/server.ts';

const PER_REQUEST = 1000;

export default defineBenchmark({
  name: 'enroll-batch',
  description:
    'POST /api/enrollments/batch, 1,000 items per request, vs the enrollment import of as many rows (20,000; 5,000 with --quick), ' +
    'in rows/s on the same database; goal ≥ 0.8 of the import.',
  async run(opts) {
    const { dialect, quick } = opts;
    const log = (msg: string) => opts.log(msg);
    const n = quick ? 5_000 : 20_000;
    const server = await startBenchServer(dialect, { log });
    try {
      const db = server.ctx.db;
      const tag = newTag();
      await seedUsers(db, dialect, tag, n);
      // Course 0 receives the import, course 1 the batches: same rows, same indexes, no conflicts.
      await seedCourses(db, dialect, tag, 2, 1);
      log(`seeded ${n} members and 2 courses`);
      const admin = await server.createUser(['System Manager']);
      const cookie = await server.login(admin);

      let csv = 'memberEmail,courseId\n';
      for (let i = 0; i < n; i++) csv += `${userEmail(tag, i)},${courseId(tag, 0)}\n`;
      const boundary = `----bench-${randomBytes(8).toString('hex')}`;
      const body =
        `--${boundary}\r\nContent-Disposition: form-data; name="mode"\r\n\r\nvalid-rows\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench.csv"\r\nContent-Type: text/csv\r\n\r\n${csv}\r\n` +
        `--${boundary}--\r\n`;
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
      if (state.created !== n) throw new Error(`import did not create ${n} rows: ${res.body.slice(0, 500)}`);
      log(`import: ${n} rows in ${importMs.toFixed(0)} ms`);

      const t1 = performance.now();
      for (let i = 0; i < n; i += PER_REQUEST) {
        const items = [];
        for (let k = i; k < Math.min(n, i + PER_REQUEST); k++) items.push({ courseId: courseId(tag, 1), memberEmail: userEmail(tag, k) });
        const r = await request(`${server.url}/api/enrollments/batch`, {
          method: 'POST',
          headers: { cookie, 'content-type': 'application/json', origin: server.url },
          body: JSON.stringify({ items }),
          timeoutMs: 120_000,
        });
        if (r.status !== 200) throw new Error(`batch answered ${r.status}: ${r.body.slice(0, 500)}`);
        const created = (JSON.parse(r.body) as { items: { status: string }[] }).items.filter((x) => x.status === 'created').length;
        if (created !== items.length) throw new Error(`batch created ${created} of ${items.length}`);
      }
      const batchMs = performance.now() - t1;
      log(`batches: ${n} rows in ${batchMs.toFixed(0)} ms (${PER_REQUEST} per request)`);

      const results: BenchResult[] = [
        compared(
          `batch enrollment (${PER_REQUEST} items per request)`,
          (n * 1000) / batchMs,
          'rows/s',
          { name: 'enrollment import', value: (n * 1000) / importMs },
          { atLeast: 0.8 },
        ),
      ];
      return results;
    } finally {
      await server.close();
    }
  },
});
