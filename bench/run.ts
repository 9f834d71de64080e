/**
 * `npm run bench` — runs every bench/*.bench.ts on SQLite and PostgreSQL, each benchmark and
 * dialect in its own child process, then prints a markdown table and writes it (with machine
 * info) to bench/results/latest.md and bench/results/latest.json.
 *
 *   npm run bench                          full run
 *   npm run bench -- --quick               one-minute smoke of the whole suite
 *   npm run bench -- --only auth-me        benchmarks whose name contains the text (repeatable, or a,b)
 *   npm run bench -- --dialects sqlite     dialects to run (default sqlite,postgres)
 *   npm run bench -- --list                list benchmarks and exit
 *   npm run bench -- --keep-seed           keep the seeded data sets for later runs (bench/.cache,
 *                                          PostgreSQL templates smooth_bench_tpl_<hash>)
 *   npm run bench -- --drop-seed           drop the kept data sets and exit
 *
 * Exit code 1 when a benchmark failed (e.g. a request errored) or missed its goal, or when
 * PostgreSQL is unreachable with CI=true.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dropKeptSeeds, dropSeedCache, seedCacheFor, SEED_CACHE_DIR_ENV, SEED_CACHE_PREFIX_ENV } from './lib/dataset.ts';
import { RESULT_MARKER, BENCH_DIALECTS, type BenchDialect, type BenchResult, type Benchmark, type ChildReport } from './lib/types.ts';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(BENCH_DIR, '..');
const RESULTS_DIR = path.join(BENCH_DIR, 'results');
const CHILD = path.join(BENCH_DIR, 'lib/child.ts');

interface Args {
  quick: boolean;
  only: string[];
  dialects: BenchDialect[];
  list: boolean;
  keepSeed: boolean;
  dropSeed: boolean;
}

function usage(code: number): never {
  console.log(`usage: npm run bench -- [--quick] [--only <text>[,<text>]] [--dialects sqlite,postgres] [--keep-seed] [--drop-seed] [--list]`);
  process.exit(code);
}

function parseArgs(argv: string[]): Args {
  const a: Args = { quick: false, only: [], dialects: [...BENCH_DIALECTS], list: false, keepSeed: false, dropSeed: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (flag: string) => {
      const eq = arg.indexOf('=');
      if (eq >= 0) return arg.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) {
        console.error(`${flag} needs a value`);
        usage(2);
      }
      return v;
    };
    if (arg === '--quick') a.quick = true;
    else if (arg === '--list') a.list = true;
    else if (arg === '--keep-seed') a.keepSeed = true;
    else if (arg === '--drop-seed') a.dropSeed = true;
    else if (arg === '--help' || arg === '-h') usage(0);
    else if (arg === '--only' || arg.startsWith('--only=')) a.only.push(...value('--only').split(',').map((s) => s.trim()).filter(Boolean));
    else if (arg === '--dialects' || arg.startsWith('--dialects=')) {
      const ds = value('--dialects').split(',').map((s) => s.trim()).filter(Boolean);
      for (const d of ds) {
        if (d !== 'sqlite' && d !== 'postgres') {
          console.error(`unknown dialect "${d}" (sqlite or postgres)`);
          usage(2);
        }
      }
      a.dialects = ds as BenchDialect[];
    } else {
      console.error(`unknown argument "${arg}"`);
      usage(2);
    }
  }
  return a;
}

function discover(only: string[]): { file: string; stem: string }[] {
  return fs
    .readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith('.bench.ts'))
    .sort()
    .map((f) => ({ file: path.join(BENCH_DIR, f), stem: f.replace(/\.bench\.ts$/, '') }))
    .filter((b) => only.length === 0 || only.some((o) => b.stem.includes(o)));
}

interface Row {
  bench: string;
  dialect: BenchDialect;
  result?: BenchResult;
  status: 'ok' | 'failed' | 'skipped';
  note?: string;
}

function runChild(file: string, stem: string, dialect: BenchDialect, quick: boolean): Promise<ChildReport> {
  const prefix = `[${stem}/${dialect}] `;
  const timeoutMs = quick ? 5 * 60_000 : 30 * 60_000;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, file, dialect, ...(quick ? ['--quick'] : [])], {
      cwd: REPO_ROOT,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let report: ChildReport | null = null;
    const lines = (stream: NodeJS.ReadableStream, onLine: (l: string) => void) => {
      let buf = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          onLine(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
        }
      });
      stream.on('end', () => {
        if (buf) onLine(buf);
      });
    };
    lines(child.stdout, (l) => {
      if (l.startsWith(RESULT_MARKER)) {
        try {
          report = JSON.parse(l.slice(RESULT_MARKER.length)) as ChildReport;
        } catch (e) {
          console.error(`${prefix}could not parse the result line: ${String(e)}`);
        }
      } else if (l.trim()) console.log(prefix + l);
    });
    lines(child.stderr, (l) => {
      if (l.trim()) console.error(prefix + l);
    });
    const watchdog = setTimeout(() => {
      console.error(`${prefix}!!! no result after ${timeoutMs / 60_000} min: killing the benchmark !!!`);
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(watchdog);
      if (report) return resolve(report);
      resolve({
        name: stem,
        description: '',
        dialect,
        results: [],
        error: { message: `the benchmark process ended (code ${code}, signal ${signal}) without printing results` },
      });
    });
  });
}

// ---------- formatting ----------

function num(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString('en-US');
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(rows: Row[]): string {
  const head = ['benchmark', 'dialect', 'metric', 'value', 'limit', 'ratio', 'goal', 'ok'];
  const out = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const row of rows) {
    const r = row.result;
    let cells: string[];
    if (!r) {
      cells = [row.bench, row.dialect, row.status === 'skipped' ? 'SKIPPED' : 'FAILED', row.note ?? '', '', '', '', row.status === 'skipped' ? '–' : '✗'];
    } else {
      cells = [
        row.bench,
        row.dialect,
        r.metric,
        `${num(r.value)} ${r.unit}`,
        r.limit ? `${r.limit.name}: ${num(r.limit.value)} ${r.unit}` : '',
        r.ratio !== undefined ? r.ratio.toFixed(2) : '',
        r.goal ?? '',
        r.ok === undefined ? '' : r.ok ? '✓' : '✗',
      ];
    }
    out.push(`| ${cells.map(cell).join(' | ')} |`);
  }
  return out.join('\n');
}

// ---------- machine info ----------

async function machineInfo(pgReachable: boolean | null): Promise<Record<string, string>> {
  const cpus = os.cpus();
  const info: Record<string, string> = {
    date: new Date().toISOString(),
    cpu: `${cpus[0]?.model ?? 'unknown'} × ${cpus.length} (available parallelism ${os.availableParallelism()})`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    'load average at start': os.loadavg().map((l) => l.toFixed(2)).join(' '),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (git.status === 0) info.commit = git.stdout.trim();
  try {
    const { default: SQLite } = await import('better-sqlite3');
    const db = new SQLite(':memory:');
    info.sqlite = String((db.prepare('select sqlite_version() as v').get() as { v: string }).v);
    db.close();
  } catch {
    /* informational only */
  }
  if (pgReachable) {
    try {
      const { default: pg } = await import('pg');
      const { TEST_PG_URL } = await import('../test/helpers/db.ts');
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      const r = await c.query<{ server_version: string }>('show server_version');
      info.postgresql = r.rows[0]?.server_version ?? '?';
      await c.end();
    } catch {
      /* informational only */
    }
  }
  return info;
}

// ---------- main ----------

async function listBenchmarks(files: { file: string; stem: string }[]) {
  for (const f of files) {
    const mod = (await import(pathToFileURL(f.file).href)) as { default?: Benchmark };
    console.log(`${f.stem.padEnd(24)} ${mod.default?.description ?? '(no default export)'}`);
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.dropSeed) {
    const n = await dropKeptSeeds();
    console.log(`dropped bench/.cache and ${n} PostgreSQL template(s)`);
    process.exit(0);
  }
  const files = discover(args.only);
  if (args.list) {
    await listBenchmarks(files);
    process.exit(0);
  }
  if (files.length === 0) {
    console.error(`no benchmark matches ${args.only.length ? args.only.join(', ') : 'bench/*.bench.ts'}`);
    process.exit(2);
  }

  let dialects = args.dialects;
  const skipped: string[] = [];
  let pgOk: boolean | null = null;
  if (dialects.includes('postgres')) {
    const { postgresReachable, TEST_PG_URL } = await import('../test/helpers/db.ts');
    pgOk = await postgresReachable();
    if (!pgOk) {
      const msg = `PostgreSQL is not reachable at ${TEST_PG_URL}: the postgres runs are SKIPPED`;
      console.error(`\n${'!'.repeat(msg.length + 8)}\n!!! ${msg} !!!\n${'!'.repeat(msg.length + 8)}\n`);
      skipped.push(msg);
      if (process.env.CI === 'true') {
        console.error('CI requires PostgreSQL.');
        process.exit(1);
      }
      dialects = dialects.filter((d) => d !== 'postgres');
    }
  }

  const mode = args.quick ? 'quick' : 'full';
  console.log(`Smooth LMS benchmarks (${mode}): ${files.map((f) => f.stem).join(', ')} on ${dialects.join(', ') || 'no dialect'}`);
  const info = await machineInfo(pgOk);

  // Data sets are seeded once per run and dialect and copied for each benchmark (bench/lib/dataset.ts).
  const seedCache = seedCacheFor(args.keepSeed);
  process.env[SEED_CACHE_DIR_ENV] = seedCache.dir;
  process.env[SEED_CACHE_PREFIX_ENV] = seedCache.prefix;
  const dropCache = () => dropSeedCache(seedCache, pgOk === true).catch((e: unknown) => console.error('could not drop the seed cache:', e));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: dropping the seed cache`);
      void dropCache().finally(() => process.exit(130));
    });
  }

  const rows: Row[] = [];
  const descriptions = new Map<string, string>();
  const times = new Map<string, { dialect: BenchDialect; s: number }[]>();
  const t0 = Date.now();
  let failed = 0;
  for (const f of files) {
    for (const dialect of dialects) {
      console.log(`\n=== ${f.stem} on ${dialect} ===`);
      const started = Date.now();
      const rep = await runChild(f.file, f.stem, dialect, args.quick);
      const seconds = (Date.now() - started) / 1000;
      times.set(f.stem, [...(times.get(f.stem) ?? []), { dialect, s: seconds }]);
      if (rep.description) descriptions.set(rep.name, rep.description);
      if (rep.error) {
        failed++;
        console.error(`[${f.stem}/${dialect}] !!! FAILED: ${rep.error.message}`);
        rows.push({ bench: rep.name, dialect, status: 'failed', note: rep.error.message.split('\n')[0]! });
      }
      for (const r of rep.results) rows.push({ bench: rep.name, dialect, result: r, status: 'ok' });
      console.log(`=== ${f.stem} on ${dialect}: ${rep.error ? 'FAILED' : 'done'} in ${seconds.toFixed(1)} s ===`);
    }
    if (pgOk === false && args.dialects.includes('postgres')) {
      rows.push({ bench: f.stem, dialect: 'postgres', status: 'skipped', note: 'PostgreSQL not reachable' });
    }
  }

  await dropCache();
  const totalS = (Date.now() - t0) / 1000;

  const missed = rows.filter((r) => r.result?.ok === false);
  const timeLines = [...times].map(
    ([stem, ts]) =>
      `  - ${stem}: ${ts.reduce((a, t) => a + t.s, 0).toFixed(0)} s (${ts.map((t) => `${t.dialect} ${t.s.toFixed(0)} s`).join(', ')})`,
  );
  const md = [
    `# Smooth LMS benchmarks (${mode} run)`,
    '',
    ...Object.entries(info).map(([k, v]) => `- ${k}: ${v}`),
    `- load average at end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (well above 1 on a 2-core machine means other work competed with the run)`,
    `- total time: ${totalS.toFixed(0)} s (${(totalS / 60).toFixed(1)} min); per benchmark (a shared data set is seeded by the first that uses it${args.keepSeed ? ', or taken from bench/.cache' : ''}):`,
    ...timeLines,
    ...skipped.map((s) => `- **${s}**`),
    '',
    table(rows),
    '',
    'ratio = value / limit, both measured on this machine in this run.',
    '',
    ...[...descriptions].map(([n, d]) => `- **${n}**: ${d}`),
    '',
  ].join('\n');

  console.log(`\n${md}`);
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(RESULTS_DIR, 'latest.md'), md);
  fs.writeFileSync(
    path.join(RESULTS_DIR, 'latest.json'),
    JSON.stringify({ mode, machine: info, skipped, totalSeconds: Math.round(totalS), seconds: Object.fromEntries(times), rows }, null, 2) + '\n',
  );
  console.log(`written to ${path.relative(process.cwd(), path.join(RESULTS_DIR, 'latest.md'))}`);
  if (failed || missed.length) {
    console.error(`\n!!! ${failed} benchmark run(s) failed, ${missed.length} goal(s) missed !!!`);
    process.exit(1);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
