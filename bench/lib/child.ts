/**
 * Runs one benchmark for one dialect in a fresh process:
 *
 *   node --import tsx bench/lib/child.ts <file> <dialect> [--quick]
 *
 * Progress goes to stderr; the results go to stdout as one line `RESULT_MARKER <json ChildReport>`.
 * Exit code 0 when the benchmark ran (goals may still be missed), 1 when it failed.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { RESULT_MARKER, type BenchDialect, type Benchmark, type ChildReport } from './types.ts';

const [file, dialectArg, ...rest] = process.argv.slice(2);
const quick = rest.includes('--quick');

function report(r: ChildReport, code: number): never {
  process.stdout.write(`\n${RESULT_MARKER}${JSON.stringify(r)}\n`, () => process.exit(code));
  // process.exit happens in the write callback; keep the type checker happy.
  return undefined as never;
}

function isBenchmark(x: unknown): x is Benchmark {
  const b = x as Benchmark | null;
  return !!b && typeof b.name === 'string' && typeof b.description === 'string' && typeof b.run === 'function';
}

async function main() {
  if (!file || (dialectArg !== 'sqlite' && dialectArg !== 'postgres')) {
    console.error('usage: child.ts <file.bench.ts> <sqlite|postgres> [--quick]');
    process.exit(2);
  }
  const dialect: BenchDialect = dialectArg;
  const stem = path.basename(file).replace(/\.bench\.ts$/, '');
  let name = stem;
  let description = '';
  try {
    const mod = (await import(pathToFileURL(path.resolve(file)).href)) as { default?: unknown };
    if (!isBenchmark(mod.default)) throw new Error(`${file} must export default defineBenchmark({ name, description, run })`);
    const bench = mod.default;
    name = bench.name;
    description = bench.description;
    const log = (msg: string) => process.stderr.write(`${msg}\n`);
    const results = await bench.run({ dialect, quick, log });
    report({ name, description, dialect, results }, 0);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    process.stderr.write(`FAILED: ${err.stack ?? err.message}\n`);
    report({ name, description, dialect, results: [], error: { message: err.message, ...(err.stack ? { stack: err.stack } : {}) } }, 1);
  }
}

void main();
