/**
 * enrollment-list: p95 latency of GET /api/enrollments?courseId=&progressMin=&progressMax= at
 * 1,000,000 enrollments (100,000 with --quick), against GET /api/health on the same server in
 * the same run. Goal: p95 ≤ 25 ms.
 */
import { courseId } from '../scripts/seed-scale.ts';
import { compared, defineBenchmark, durations, type BenchResult } from './lib/types.ts';
import { describeLoad, load, mergeLoadResults, request, type LoadResult } from './lib/load.ts';
import { startBenchServer } from './lib/server.ts';
import { enrollmentsOnly } from './lib/dataset.ts';

const CONCURRENCY = 4;

export default defineBenchmark({
  name: 'enrollment-list',
  description:
    'p95 of GET /api/enrollments?courseId=&progressMin=&progressMax= (a Moderator, first page) at 1,000,000 enrollments ' +
    '(100,000 with --quick) vs GET /api/health on the same server; goal p95 ≤ 25 ms.',
  async run(opts) {
    const { dialect, quick } = opts;
    const log = (msg: string) => opts.log(msg);
    const { warmupMs, measureMs } = durations(quick);
    const employees = quick ? 20_000 : 100_000;
    const courses = quick ? 20 : 200;
    const total = quick ? 100_000 : 1_000_000;
    const server = await startBenchServer(dialect, { log, dataset: enrollmentsOnly({ employees, courses, enrollments: total }) });
    try {
      const tag = server.seeded;
      const admin = await server.createUser(['Moderator']);
      const cookie = await server.login(admin);

      const filters = [
        [3, 20, 80],
        [7, 0, 40],
        [11, 60, 100],
        [13, 40, 60],
      ] as const;
      const urls = filters.map(
        ([c, min, max]) => `${server.url}/api/enrollments?courseId=${courseId(tag, c % courses)}&progressMin=${min}&progressMax=${max}`,
      );
      for (const url of urls) {
        const r = await request(url, { headers: { cookie } });
        const items = (JSON.parse(r.body) as { items?: unknown[] }).items;
        if (r.status !== 200 || !items || items.length === 0)
          throw new Error(`${url} answered ${r.status} with ${items?.length ?? 0} items`);
      }
      const health = `${server.url}/api/health`;
      log(`warm-up ${warmupMs / 1000} s`);
      for (const url of urls) await load({ url, headers: { cookie }, concurrency: CONCURRENCY, durationMs: warmupMs / urls.length });
      await load({ url: health, concurrency: CONCURRENCY, durationMs: warmupMs / 2 });

      const list: LoadResult[] = [];
      const base: LoadResult[] = [];
      const slice = measureMs / urls.length;
      for (const url of urls) {
        list.push(
          await load({
            url,
            headers: { cookie },
            concurrency: CONCURRENCY,
            durationMs: slice,
            label: 'GET /api/enrollments?courseId&progress',
          }),
        );
        base.push(await load({ url: health, concurrency: CONCURRENCY, durationMs: slice / 2 }));
      }
      const m = mergeLoadResults(list);
      const h = mergeLoadResults(base);
      log(describeLoad(m));
      log(describeLoad(h));
      const results: BenchResult[] = [
        compared('list p95 latency', m.latency.p95, 'ms', { name: 'GET /api/health p95', value: h.latency.p95 }),
        { metric: 'list p95 latency (absolute)', value: m.latency.p95, unit: 'ms', goal: '≤ 25 ms', ok: m.latency.p95 <= 25 },
        compared('list throughput', m.rps, 'req/s', { name: 'GET /api/health', value: h.rps }),
      ];
      return results;
    } finally {
      await server.close();
    }
  },
});
