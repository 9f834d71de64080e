/**
 * Steady "other" traffic next to a heavy operation (an import) or as a soak: each kind of request
 * runs in its own loop, one request at a time with a short pause, so a stall shows as one slow
 * answer per kind instead of a queue of them. Latencies are kept with the time they started.
 */
import os from 'node:os';
import { request } from './load.ts';
import { summarize, type Summary } from './stats.ts';
import type { BenchResult } from './types.ts';

export interface TrafficKind {
  name: string;
  /** Sends one request; `status` decides success (2xx unless `expect` says otherwise). */
  send(): Promise<{ status: number; body: string }>;
  /** Statuses that count as success besides 2xx (e.g. 409 for an enroll that may repeat). */
  expect?: readonly number[];
  /** Pause between two requests of this kind (ms); default 25. */
  pauseMs?: number;
}

export interface KindRecord {
  name: string;
  /** Start of each request, ms since the traffic began. */
  at: number[];
  latency: number[];
  errors: number;
  /** The first few failures, for the log. */
  failures: string[];
}

/**
 * Runs every kind in its own loop until `until` settles (a promise) or passes (a deadline in ms
 * of performance.now()). Never throws: failures are counted per kind.
 */
export async function runTraffic(kinds: readonly TrafficKind[], until: Promise<unknown> | number): Promise<KindRecord[]> {
  let stop = false;
  if (typeof until !== 'number') void until.then(() => (stop = true), () => (stop = true));
  const over = () => stop || (typeof until === 'number' && performance.now() >= until);
  const t0 = performance.now();
  return Promise.all(
    kinds.map(async (k) => {
      const rec: KindRecord = { name: k.name, at: [], latency: [], errors: 0, failures: [] };
      while (!over()) {
        const t = performance.now();
        let failure: string | null = null;
        try {
          const res = await k.send();
          const fine = (res.status >= 200 && res.status < 300) || (k.expect ?? []).includes(res.status);
          if (!fine) failure = `${res.status} ${res.body.slice(0, 200)}`;
        } catch (e) {
          failure = e instanceof Error ? e.message : String(e);
        }
        rec.at.push(t - t0);
        rec.latency.push(performance.now() - t);
        if (failure !== null) {
          rec.errors++;
          if (rec.failures.length < 5) rec.failures.push(failure);
        }
        await new Promise((r) => setTimeout(r, k.pauseMs ?? 25));
      }
      return rec;
    }),
  );
}

/** GET/POST with a session cookie: the shape `TrafficKind.send` wants. */
export function sender(url: string, cookie: string, method = 'GET', body?: unknown): () => Promise<{ status: number; body: string }> {
  const headers: Record<string, string> = { cookie };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const text = body === undefined ? undefined : JSON.stringify(body);
  return () => request(url, { method, headers, body: text, timeoutMs: 120_000 });
}

export function loadAverage(): string {
  return os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(' / ');
}

/**
 * Results for traffic next to `what`: p50, p99 (goal ≤ goalMs) and worst per kind and for all
 * kinds together, the error count, and the load average when it ended.
 */
export function trafficResults(what: string, records: readonly KindRecord[], goalMs = 250): BenchResult[] {
  const all = records.flatMap((r) => r.latency);
  const rows: BenchResult[] = [];
  const add = (label: string, s: Summary, withGoal: boolean) => {
    rows.push({ metric: `${label} during ${what}: p50`, value: s.p50, unit: 'ms' });
    rows.push(
      withGoal
        ? { metric: `${label} during ${what}: p99`, value: s.p99, unit: 'ms', goal: `≤ ${goalMs} ms`, ok: s.p99 <= goalMs }
        : { metric: `${label} during ${what}: p99`, value: s.p99, unit: 'ms' },
    );
    rows.push({ metric: `${label} during ${what}: worst stall (${s.count} requests)`, value: s.max, unit: 'ms' });
  };
  add('other requests (all)', summarize(all), true);
  for (const r of records) add(r.name, summarize(r.latency), false);
  const errors = records.reduce((n, r) => n + r.errors, 0);
  rows.push({ metric: `other requests during ${what}: errors`, value: errors, unit: 'requests', goal: '0', ok: errors === 0 });
  rows.push({ metric: `load average (1/5/15 min) after ${what}: ${loadAverage()}`, value: os.loadavg()[0]!, unit: '' });
  return rows;
}
