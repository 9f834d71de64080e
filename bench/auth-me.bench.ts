/**
 * auth-me: what a logged-in request costs on top of the cheapest request that reaches the database.
 *
 * On one server (its own process) and one scratch database, in one run:
 *   - GET /api/auth/me with a session cookie (cookie → session lookup → roles → serialize)
 *   - GET /api/health, the limit: same framework, hooks and serializer, one `select 1`
 *   - a bare node:http server answering a similar JSON, the load generator's own ceiling
 * Targets are measured in rounds of raw, health, me, me, health, raw (short segments), so drift
 * and bursts of other work on the machine hit all of them alike.
 */
import { compared, defineBenchmark, durations, figure, type BenchResult } from './lib/types.ts';
import { describeLoad, load, mergeLoadResults, request, type LoadResult } from './lib/load.ts';
import { startBenchServer, startRawServer, type ChildServer } from './lib/server.ts';

/** Closed-loop connections. The server is one Node process; 8 in flight keep it busy. */
const CONCURRENCY = 8;

export default defineBenchmark({
  name: 'auth-me',
  description:
    'Requests/s and p95 of GET /api/auth/me with a session cookie vs GET /api/health (the limit) on the same server; ' +
    'health vs a bare node:http server shows how close the load generator is to its own ceiling.',
  async run({ dialect, quick, log }) {
    const { warmupMs, measureMs } = durations(quick);
    const server = await startBenchServer(dialect, { log });
    let raw: ChildServer | null = null;
    try {
      raw = await startRawServer();
      const user = await server.createUser(['LMS Student']);
      const cookie = await server.login(user);

      // Sanity: we measure what we think we measure.
      const me = await request(`${server.url}/api/auth/me`, { headers: { cookie } });
      if (me.status !== 200 || (JSON.parse(me.body) as { email?: string }).email !== user.email) {
        throw new Error(`GET /api/auth/me with the cookie answered ${me.status} ${me.body}`);
      }
      const anon = await request(`${server.url}/api/auth/me`);
      if (anon.status !== 401) throw new Error(`GET /api/auth/me without a cookie answered ${anon.status}, expected 401`);
      const health = await request(`${server.url}/api/health`);
      if (health.status !== 200) throw new Error(`GET /api/health answered ${health.status} ${health.body}`);

      const targets = {
        raw: { label: 'bare node:http', url: `${raw.url}/`, headers: {} as Record<string, string> },
        health: { label: 'GET /api/health', url: `${server.url}/api/health`, headers: {} as Record<string, string> },
        me: { label: 'GET /api/auth/me', url: `${server.url}/api/auth/me`, headers: { cookie } },
      };
      type Key = keyof typeof targets;
      const run = (k: Key, durationMs: number) =>
        load({ ...targets[k], concurrency: CONCURRENCY, durationMs, requests: 5_000_000 });

      log(`warm-up ${warmupMs / 1000} s per target, concurrency ${CONCURRENCY}`);
      for (const k of ['raw', 'health', 'me'] as Key[]) await run(k, warmupMs);

      // Rounds of raw, health, me, me, health, raw: short alternating segments, so a burst of
      // other work on the machine lands on every target alike.
      const rounds = quick ? 2 : 5;
      const segmentMs = measureMs / (2 * rounds);
      const order: Key[] = ['raw', 'health', 'me', 'me', 'health', 'raw'];
      const parts: Record<Key, LoadResult[]> = { raw: [], health: [], me: [] };
      const roundRatios: number[] = [];
      log(`measuring ${measureMs / 1000} s per target: ${rounds} rounds of ${order.join(', ')} (${segmentMs / 1000} s each)`);
      for (let round = 0; round < rounds; round++) {
        const inRound: Record<Key, LoadResult[]> = { raw: [], health: [], me: [] };
        for (const k of order) {
          const r = await run(k, segmentMs);
          inRound[k].push(r);
          parts[k].push(r);
        }
        const ratio = mergeLoadResults(inRound.me).rps / mergeLoadResults(inRound.health).rps;
        roundRatios.push(ratio);
        log(`  round ${round + 1}: ${(['raw', 'health', 'me'] as Key[]).map((k) => `${k} ${Math.round(mergeLoadResults(inRound[k]).rps)}`).join(', ')} req/s; me/health ${ratio.toFixed(2)}`);
      }
      const m = {
        raw: mergeLoadResults(parts.raw),
        health: mergeLoadResults(parts.health),
        me: mergeLoadResults(parts.me),
      };
      log(`me/health per round: min ${Math.min(...roundRatios).toFixed(2)}, max ${Math.max(...roundRatios).toFixed(2)} (a wide spread means a noisy machine)`);
      for (const r of Object.values(m)) log(`total ${describeLoad(r)}`);

      // The session must still be valid after the run (nothing logged it out midway).
      const after = await request(`${server.url}/api/auth/me`, { headers: { cookie } });
      if (after.status !== 200) throw new Error(`after the run GET /api/auth/me answered ${after.status}`);

      const results: BenchResult[] = [
        compared('GET /api/auth/me throughput', m.me.rps, 'req/s', { name: 'GET /api/health', value: m.health.rps }),
        compared('GET /api/auth/me p95 latency', m.me.latency.p95, 'ms', { name: 'GET /api/health', value: m.health.latency.p95 }),
        compared('GET /api/health throughput', m.health.rps, 'req/s', { name: 'bare node:http', value: m.raw.rps }),
        figure('GET /api/health p95 latency', m.health.latency.p95, 'ms'),
      ];
      return results;
    } finally {
      await raw?.close();
      await server.close();
    }
  },
});
