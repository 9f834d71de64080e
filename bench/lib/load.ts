/**
 * Closed-loop HTTP load generator on node:http with a keep-alive agent.
 *
 * `concurrency` workers each send one request, wait for the whole response, then send the next,
 * until the duration has passed or the request count is reached (whichever comes first). Both
 * are bounded, so a loop always stops by itself. Only loopback hosts are accepted.
 *
 * A response that is not 2xx (or fails `expect`) and every network error count as errors; by
 * default `load()` throws a LoadError after the run when there were any.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { summarize, type Summary } from './stats.ts';

type Headers = Record<string, string>;

export interface LoadOptions {
  url: string;
  method?: string;
  headers?: Headers | (() => Headers);
  /** Called for every request; return undefined for no body. */
  body?: () => string | Buffer | undefined;
  /** Parallel connections, each with one request in flight. */
  concurrency: number;
  /** Stop sending after this long (ms). */
  durationMs?: number;
  /** Stop after this many requests in total. */
  requests?: number;
  /** Which statuses count as success; default 200–299. */
  expect?: (status: number) => boolean;
  /** Per-request timeout (ms); a timeout counts as an error. Default 10 s. */
  timeoutMs?: number;
  /** Throw a LoadError after the run when errors > 0 (default true). */
  failOnError?: boolean;
  /** Label used in error messages. */
  label?: string;
}

export interface LoadResult {
  label: string;
  /** Requests completed (successful + failed). */
  requests: number;
  ok: number;
  errors: number;
  /** Count per HTTP status, plus "network" for transport errors. */
  statuses: Record<string, number>;
  /** The first few error descriptions. */
  errorSamples: string[];
  elapsedMs: number;
  /** Successful requests per second over the elapsed time. */
  rps: number;
  /** Latency of successful requests, ms. */
  latency: Summary;
  /** Raw latencies of successful requests (ms), to merge several runs. */
  samples: Float64Array;
}

export class LoadError extends Error {
  constructor(public readonly result: LoadResult) {
    super(
      `${result.label}: ${result.errors} of ${result.requests} requests failed ` +
        `(statuses ${JSON.stringify(result.statuses)}); first errors:\n  ${result.errorSamples.join('\n  ')}`,
    );
    this.name = 'LoadError';
  }
}

/** Hard caps so that no caller can make a loop unbounded. */
const MAX_DURATION_MS = 10 * 60_000;
const MAX_REQUESTS = 50_000_000;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function assertLoopback(url: URL): void {
  if (!LOOPBACK.has(url.hostname)) {
    throw new Error(`Benchmarks send load only to 127.0.0.1 (got ${url.hostname}).`);
  }
}

export async function load(opts: LoadOptions): Promise<LoadResult> {
  const url = new URL(opts.url);
  assertLoopback(url);
  if (url.protocol !== 'http:') throw new Error(`load() speaks plain http only (got ${url.protocol})`);
  if (opts.durationMs === undefined && opts.requests === undefined) {
    throw new Error('load() needs durationMs or requests');
  }
  const concurrency = Math.max(1, Math.floor(opts.concurrency));
  const durationMs = Math.min(opts.durationMs ?? MAX_DURATION_MS, MAX_DURATION_MS);
  const maxRequests = Math.min(opts.requests ?? MAX_REQUESTS, MAX_REQUESTS);
  const method = opts.method ?? 'GET';
  const expect = opts.expect ?? ((s: number) => s >= 200 && s < 300);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const label = opts.label ?? `${method} ${url.pathname}`;
  const path = url.pathname + url.search;

  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  // Preallocated sample buffer, grown by doubling.
  let samples = new Float64Array(1 << 16);
  let nSamples = 0;
  let started = 0;
  let ok = 0;
  let errors = 0;
  const statuses: Record<string, number> = {};
  const errorSamples: string[] = [];

  const noteError = (what: string) => {
    errors++;
    if (errorSamples.length < 5) errorSamples.push(what);
  };

  const once = (): Promise<void> =>
    new Promise((resolve) => {
      const headers: Headers = { ...(typeof opts.headers === 'function' ? opts.headers() : (opts.headers ?? {})) };
      const body = opts.body?.();
      if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
      const t0 = performance.now();
      let settled = false;
      const done = () => {
        if (!settled) {
          settled = true;
          resolve();
        }
      };
      const req = http.request(
        { agent, host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port, path, method, headers },
        (res) => {
          const status = res.statusCode ?? 0;
          statuses[status] = (statuses[status] ?? 0) + 1;
          const good = expect(status);
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => {
            if (!good && chunks.length < 4) chunks.push(c);
          });
          res.on('end', () => {
            if (settled) return;
            if (good) {
              ok++;
              if (nSamples === samples.length) {
                const bigger = new Float64Array(samples.length * 2);
                bigger.set(samples);
                samples = bigger;
              }
              samples[nSamples++] = performance.now() - t0;
            } else {
              noteError(`HTTP ${status}: ${Buffer.concat(chunks).toString('utf8').slice(0, 300)}`);
            }
            done();
          });
          res.on('error', (e) => {
            if (!settled) noteError(`response error: ${e.message}`);
            done();
          });
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
      req.on('error', (e) => {
        if (!settled) {
          statuses.network = (statuses.network ?? 0) + 1;
          noteError(`network error: ${e.message}`);
        }
        done();
      });
      if (body !== undefined) req.end(body);
      else req.end();
    });

  const start = performance.now();
  const deadline = start + durationMs;
  const worker = async () => {
    while (started < maxRequests && performance.now() < deadline) {
      started++;
      await once();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = performance.now() - start;
  agent.destroy();

  const kept = samples.slice(0, nSamples);
  const result: LoadResult = {
    label,
    requests: ok + errors,
    ok,
    errors,
    statuses,
    errorSamples,
    elapsedMs,
    rps: elapsedMs > 0 ? (ok * 1000) / elapsedMs : 0,
    latency: summarize(kept),
    samples: kept,
  };
  if (errors > 0 && opts.failOnError !== false) throw new LoadError(result);
  return result;
}

/** Combines several runs against the same target (e.g. the A and B halves of an ABBA order). */
export function mergeLoadResults(parts: LoadResult[]): LoadResult {
  if (parts.length === 0) throw new Error('mergeLoadResults: nothing to merge');
  const total = parts.reduce((n, p) => n + p.samples.length, 0);
  const samples = new Float64Array(total);
  let at = 0;
  const statuses: Record<string, number> = {};
  for (const p of parts) {
    samples.set(p.samples, at);
    at += p.samples.length;
    for (const [k, v] of Object.entries(p.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  }
  const ok = parts.reduce((n, p) => n + p.ok, 0);
  const errors = parts.reduce((n, p) => n + p.errors, 0);
  const elapsedMs = parts.reduce((n, p) => n + p.elapsedMs, 0);
  return {
    label: parts[0]!.label,
    requests: ok + errors,
    ok,
    errors,
    statuses,
    errorSamples: parts.flatMap((p) => p.errorSamples).slice(0, 5),
    elapsedMs,
    rps: elapsedMs > 0 ? (ok * 1000) / elapsedMs : 0,
    latency: summarize(samples),
    samples,
  };
}

/** One-line description for progress logs. */
export function describeLoad(r: LoadResult): string {
  const f = (n: number) => n.toFixed(2);
  return (
    `${r.label}: ${Math.round(r.rps)} req/s, ${r.ok} ok, ${r.errors} errors in ${(r.elapsedMs / 1000).toFixed(1)} s; ` +
    `latency ms p50 ${f(r.latency.p50)} p95 ${f(r.latency.p95)} p99 ${f(r.latency.p99)} max ${f(r.latency.max)}`
  );
}

/**
 * A single request (for set-up steps such as logging in), with the body read as text. A request
 * sent on a kept-alive connection that the server closed meanwhile (its keep-alive timeout passed
 * while this process was busy, e.g. with a long synchronous insert) never reached the server: it
 * is sent once more on a new connection.
 */
export async function request(
  urlText: string,
  opts: { method?: string; headers?: Headers; body?: string; timeoutMs?: number } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  try {
    return await requestOnce(urlText, opts);
  } catch (e) {
    if (!(e instanceof StaleSocketError)) throw e;
    return requestOnce(urlText, opts, false);
  }
}

class StaleSocketError extends Error {}

function requestOnce(
  urlText: string,
  opts: { method?: string; headers?: Headers; body?: string; timeoutMs?: number },
  agent?: false,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const url = new URL(urlText);
  assertLoopback(url);
  return new Promise((resolve, reject) => {
    let answered = false;
    const headers: Headers = { ...(opts.headers ?? {}) };
    if (opts.body !== undefined) headers['content-length'] = String(Buffer.byteLength(opts.body));
    const req = http.request(
      { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port, path: url.pathname + url.search, method: opts.method ?? 'GET', headers, ...(agent === false ? { agent } : {}) },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(opts.timeoutMs ?? 30_000, () => req.destroy(new Error('request timed out')));
    req.on('error', (e: NodeJS.ErrnoException) => {
      // No answer came: the connection was found closed when the request was written on it.
      const stale = req.reusedSocket && !answered && (e.code === 'ECONNRESET' || e.code === 'EPIPE');
      reject(stale ? new StaleSocketError(e.message) : e);
    });
    req.end(opts.body);
  });
}
