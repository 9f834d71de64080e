/**
 * The contract between the runner (bench/run.ts) and a benchmark file (bench/*.bench.ts).
 *
 * A benchmark file exports `default defineBenchmark({...})`. The runner starts one child process
 * per benchmark and dialect, calls `run()` there and prints the results it returns.
 */

export type BenchDialect = 'sqlite' | 'postgres';
export const BENCH_DIALECTS: readonly BenchDialect[] = ['sqlite', 'postgres'];

/** The raw limit a figure is compared with, measured on the same machine in the same run. */
export interface BenchLimit {
  /** What the limit is, e.g. "GET /api/health". Same unit as the result. */
  name: string;
  value: number;
}

export interface BenchResult {
  /** What was measured, e.g. "GET /api/auth/me throughput". */
  metric: string;
  value: number;
  /** e.g. "req/s", "ms", "rows/s". */
  unit: string;
  limit?: BenchLimit;
  /** value / limit.value. */
  ratio?: number;
  /** Human-readable goal, e.g. "ratio ≥ 0.50". */
  goal?: string;
  /** Whether the goal was met (absent when there is no goal). */
  ok?: boolean;
}

export interface BenchOptions {
  dialect: BenchDialect;
  /** Smoke mode: the whole suite should finish in about a minute. */
  quick: boolean;
  /** Progress line, shown by the runner prefixed with the benchmark and dialect. */
  log: (msg: string) => void;
}

export interface Benchmark {
  /** Should equal the file name without `.bench.ts` (that is what `--only` matches). */
  name: string;
  /** One sentence: what is measured and against which limit. */
  description: string;
  run(opts: BenchOptions): Promise<BenchResult[]>;
}

/** Identity function that gives a benchmark file type checking. */
export function defineBenchmark(b: Benchmark): Benchmark {
  return b;
}

/** A goal on the ratio value / limit. */
export type RatioGoal = { atLeast: number } | { atMost: number };

/** A plain figure without a limit. */
export function figure(metric: string, value: number, unit: string): BenchResult {
  return { metric, value, unit };
}

/**
 * A figure compared with a limit: computes the ratio and, when a goal is given, whether it is met.
 * `ok` is false (not absent) when the ratio cannot be computed.
 */
export function compared(
  metric: string,
  value: number,
  unit: string,
  limit: BenchLimit,
  goal?: RatioGoal,
): BenchResult {
  const ratio = limit.value > 0 && Number.isFinite(value) ? value / limit.value : Number.NaN;
  const r: BenchResult = { metric, value, unit, limit, ratio };
  if (goal) {
    if ('atLeast' in goal) {
      r.goal = `ratio ≥ ${goal.atLeast.toFixed(2)}`;
      r.ok = Number.isFinite(ratio) && ratio >= goal.atLeast;
    } else {
      r.goal = `ratio ≤ ${goal.atMost.toFixed(2)}`;
      r.ok = Number.isFinite(ratio) && ratio <= goal.atMost;
    }
  }
  return r;
}

/** Warm-up and measurement lengths; every benchmark should take them from here. */
export function durations(quick: boolean): { warmupMs: number; measureMs: number } {
  return quick ? { warmupMs: 500, measureMs: 1_000 } : { warmupMs: 2_000, measureMs: 6_000 };
}

/** What a benchmark child process prints (one line, after RESULT_MARKER). */
export interface ChildReport {
  name: string;
  description: string;
  dialect: BenchDialect;
  results: BenchResult[];
  error?: { message: string; stack?: string };
}

export const RESULT_MARKER = '@@SMOOTH_BENCH_RESULT@@';

/** What bench/lib/serve-child.ts prints once its server listens. */
export const SERVER_MARKER = '@@SMOOTH_BENCH_SERVER@@';
