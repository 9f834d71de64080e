/**
 * `npm test`: every test on SQLite and PostgreSQL plus the browser tests, then one plain line
 * "N passed, N failed" read from Vitest's JSON report.
 */
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { postgresReachable, TEST_PG_URL } from '../test/helpers/db.ts';

const CI = process.env.CI === 'true';
const env = { ...process.env };
const args = process.argv.slice(2);

const dialects = (env.TEST_DIALECTS ?? 'sqlite,postgres').split(',');
if (dialects.includes('postgres') && !(await postgresReachable())) {
  if (CI) {
    console.error(`PostgreSQL is not reachable at ${TEST_PG_URL}; CI requires it.`);
    process.exit(1);
  }
  console.warn(`\n!!! PostgreSQL is not reachable at ${TEST_PG_URL}: running SQLite only !!!\n`);
  env.TEST_DIALECTS = dialects.filter((d) => d !== 'postgres').join(',');
}

const chromium = env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!fs.existsSync(chromium)) {
  if (CI) {
    console.error(`Chromium is missing at ${chromium}; CI requires it for the browser tests.`);
    process.exit(1);
  }
  console.warn(`\n!!! Chromium not found at ${chromium}: browser tests are skipped !!!\n`);
}

if (!env.SKIP_WEB_BUILD) {
  const build = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit', env: { ...env, NODE_ENV: 'production' } });
  if (build.status !== 0) {
    console.error('The web build failed.');
    process.exit(1);
  }
}

fs.mkdirSync('.test-results', { recursive: true });
const report = '.test-results/vitest.json';
fs.rmSync(report, { force: true });
const run = spawnSync(
  'npx',
  ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...args],
  { stdio: 'inherit', env },
);

let passed = 0;
let failed = 0;
let skipped = 0;
if (fs.existsSync(report)) {
  const r = JSON.parse(fs.readFileSync(report, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    numTodoTests: number;
    numFailedTestSuites: number;
  };
  passed = r.numPassedTests;
  failed = r.numFailedTests + (r.numFailedTests === 0 && r.numFailedTestSuites > 0 ? r.numFailedTestSuites : 0);
  skipped = r.numPendingTests + r.numTodoTests;
} else {
  failed = 1;
}
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(run.status === 0 && failed === 0 ? 0 : 1);
