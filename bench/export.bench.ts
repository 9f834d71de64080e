/**
 * export: GET /api/enrollments/export.csv of every enrollment (1,000,000; 50,000 with --quick)
 * streamed to the client: rows/s against the raw keyset paging query behind it (same joins, pages
 * of 2000, run in this process without HTTP or CSV), and the server's peak memory during the
 * export against its memory before it (flat = the export does not buffer the table).
 */
import fs from 'node:fs';
import http from 'node:http';
import { compared, defineBenchmark, figure } from './lib/types.ts';
import { request } from './lib/load.ts';
import { startBenchServer } from './lib/server.ts';
import { enrollmentsOnly } from './lib/dataset.ts';

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** Streams a GET, counting lines and bytes, without keeping the body. */
function streamCount(url: string, cookie: string): Promise<{ status: number; lines: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.get({ host: u.hostname, port: u.port, path: u.pathname + u.search, headers: { cookie } }, (res) => {
      let lines = 0;
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        for (let i = c.indexOf(10); i !== -1; i = c.indexOf(10, i + 1)) lines++;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, lines, bytes }));
      res.on('error', reject);
    });
    req.setTimeout(900_000, () => req.destroy(new Error('export timed out')));
    req.on('error', reject);
  });
}

export default defineBenchmark({
  name: 'export',
  description:
    'GET /api/enrollments/export.csv of 1,000,000 enrollments (50,000 with --quick): rows/s vs the raw keyset paging query ' +
    'in-process, and server peak RSS during the export vs before it (goal ≤ 1.5×: memory stays flat).',
  async run(opts) {
    const { dialect, quick } = opts;
    const log = (msg: string) => opts.log(msg);
    const employees = quick ? 10_000 : 100_000;
    const courses = quick ? 20 : 200;
    const total = quick ? 50_000 : 1_000_000;
    const server = await startBenchServer(dialect, { log, dataset: enrollmentsOnly({ employees, courses, enrollments: total }) });
    try {
      const db = server.ctx.db;
      const admin = await server.createUser(['System Manager']);
      const cookie = await server.login(admin);

      // Warm-up: a small filtered export, so code paths are compiled before the baseline is taken.
      const warm = await request(`${server.url}/api/enrollments/export.csv?progressMin=100`, { headers: { cookie }, timeoutMs: 600_000 });
      if (warm.status !== 200) throw new Error(`warm-up export answered ${warm.status}: ${warm.body.slice(0, 300)}`);
      const baseline = rssMb(server.pid);
      let peak = baseline;
      const sampler = setInterval(() => {
        try {
          peak = Math.max(peak, rssMb(server.pid));
        } catch {
          /* the process may be gone at the very end */
        }
      }, 50);
      const t1 = performance.now();
      const res = await streamCount(`${server.url}/api/enrollments/export.csv`, cookie).finally(() => clearInterval(sampler));
      const exportMs = performance.now() - t1;
      if (res.status !== 200) throw new Error(`export answered ${res.status}`);
      if (res.lines !== total + 1) throw new Error(`export sent ${res.lines - 1} rows, expected ${total}`);
      const exportRps = (total * 1000) / exportMs;
      log(
        `export: ${total} rows, ${(res.bytes / 1024 / 1024).toFixed(1)} MB in ${exportMs.toFixed(0)} ms; RSS ${baseline.toFixed(0)} → peak ${peak.toFixed(0)} MB`,
      );

      // The limit: the same keyset paging query, in-process, no HTTP and no CSV.
      const t2 = performance.now();
      let cursor: string | null = null;
      let rows = 0;
      for (;;) {
        let q = db
          .selectFrom('enrollments')
          .innerJoin('users', 'users.id', 'enrollments.member_id')
          .innerJoin('courses', 'courses.id', 'enrollments.course_id')
          .selectAll('enrollments')
          .select(['users.full_name as member_name', 'users.email as member_email', 'courses.title as course_title']);
        if (cursor) q = q.where('enrollments.id', '<', cursor);
        const page = await q.orderBy('enrollments.id', 'desc').limit(2000).execute();
        rows += page.length;
        if (page.length < 2000) break;
        cursor = page[page.length - 1]!.id;
      }
      const rawMs = performance.now() - t2;
      if (rows !== total) throw new Error(`raw paging read ${rows} rows, expected ${total}`);
      const rawRps = (total * 1000) / rawMs;
      log(`raw keyset paging: ${rows} rows in ${rawMs.toFixed(0)} ms`);

      return [
        compared('export.csv throughput', exportRps, 'rows/s', { name: 'raw keyset paging query', value: rawRps }),
        compared('server peak RSS during export', peak, 'MB', { name: 'RSS before the export', value: baseline }, { atMost: 1.5 }),
        figure('export size', res.bytes / 1024 / 1024, 'MB'),
      ];
    } finally {
      await server.close();
    }
  },
});
