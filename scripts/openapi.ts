/**
 * The OpenAPI document the app serves at /api/openapi.json, built on a throwaway SQLite database.
 *   node --import tsx scripts/openapi.ts [OUT.json]   writes it (default: a temp file; prints the path)
 *   node --import tsx scripts/openapi.ts --lint       writes it to a temp file and runs `redocly lint`
 *                                                     on it with redocly.yaml (npm run lint:openapi)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { loadConfig } from '../src/server/config.ts';
import { buildApp } from '../src/server/app.ts';
import { openDatabase } from '../src/server/db/database.ts';
import { migrateToLatest } from '../src/server/db/migrate.ts';

const lint = process.argv[2] === '--lint';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smooth-openapi-'));
const out = path.resolve(!lint && process.argv[2] ? process.argv[2] : path.join(dir, 'openapi.json'));
let status = 0;
try {
  const config = loadConfig({ ...process.env, SMOOTH_DATA_DIR: dir, DATABASE_URL: `sqlite:${path.join(dir, 'smooth.db')}` });
  const database = openDatabase(config.database);
  try {
    await migrateToLatest(database);
    const { app } = await buildApp({ config, database, logger: false, webDir: dir });
    const res = await app.inject({ method: 'GET', url: '/api/openapi.json' });
    await app.close();
    if (res.statusCode !== 200) throw new Error(`GET /api/openapi.json answered ${res.statusCode}: ${res.body}`);
    fs.writeFileSync(out, JSON.stringify(JSON.parse(res.body), null, 2) + '\n');
  } finally {
    await database.close();
  }
  if (lint) {
    const config = path.resolve(import.meta.dirname, '../redocly.yaml');
    // --max-problems so that every problem is listed; any warning fails the run, as an error does.
    const run = spawnSync('npx', ['redocly', 'lint', out, '--config', config, '--max-problems', '1000', '--format', 'stylish'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const text = `${run.stdout}${run.stderr}`;
    process.stdout.write(text);
    status = run.status !== 0 || /\bwarning\b/.test(text.replace(/Deprecation warning: Node\.js[^\n]*/g, '')) ? 1 : 0;
  } else {
    console.log(out);
  }
} finally {
  if (lint || process.argv[2]) fs.rmSync(dir, { recursive: true, force: true });
  else for (const f of fs.readdirSync(dir)) if (path.join(dir, f) !== out) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
}
process.exit(status);
