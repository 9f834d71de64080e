import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeDb, json } from '../../../test/helpers/harness.ts';
import { csvUpload } from '../../../test/helpers/imports.ts';
import { assertHealthyAfterRestart, exited, startServerProcess } from '../../../test/helpers/server-process.ts';
import type { ImportState } from '../../contract/imports.ts';
import { newId } from '../db/ids.ts';
import { nowIso } from '../db/dialect.ts';
import { IMPORT_STALE_MS, reapStaleImports } from './imports-stale.ts';

describeDb('imports cut off by a killed process', (env) => {
  it('kill -9 mid-import: the import ends failed at once, its counters equal the rows written, its upload is gone', async () => {
    const hr = await env.user(['System Manager', 'HR Manager']);
    const { child, url } = await startServerProcess(env);
    try {
      const login = await fetch(`${url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: url },
        body: JSON.stringify({ email: hr.email, password: hr.password }),
      });
      expect(login.status).toBe(200);
      const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      const rows = 60_000;
      const csv = ['employeeCode,fullName', ...Array.from({ length: rows }, (_, i) => `KILL-${i},Person ${i}`)].join('\n');
      const { body, headers } = csvUpload(csv, { mode: 'valid-rows' });
      const started = await fetch(`${url}/api/employees/import`, { method: 'POST', headers: { ...headers, cookie, origin: url }, body: new Uint8Array(body) });
      expect(started.status, await started.clone().text()).toBe(202);
      const { importId } = (await started.json()) as { importId: string };
      expect(fs.readdirSync(path.join(env.dataDir, 'imports'))).toHaveLength(1);

      // Wait until some batches are committed (read here, on this process's own connection), then
      // kill the server without warning.
      const deadline = Date.now() + 60_000;
      while ((await env.count('employees')) === 0) {
        expect(Date.now() < deadline, 'no batch was committed within a minute').toBe(true);
        await new Promise((r) => setTimeout(r, 5));
      }
      child.kill('SIGKILL');
      await exited(child);

      const row = await env.ctx.db.selectFrom('imports').select(['status', 'created']).where('id', '=', importId).executeTakeFirstOrThrow();
      expect(row.status, 'the import finished before it could be cut off').toBe('running');
      const written = await env.count('employees');
      expect(written).toBeGreaterThan(0);
      expect(written).toBeLessThan(rows);
      // The counters committed with the rows.
      expect(Number(row.created)).toBe(written);

      // The next start (here: the reaper this process runs at start) ends it at once: its process is gone.
      expect(await reapStaleImports(env.ctx)).toEqual([importId]);
      const s = json<ImportState>(await env.req('GET', `/api/imports/${importId}`, { as: hr }));
      expect(s).toMatchObject({ status: 'failed', phase: 'finished', created: written, errorCount: 1 });
      expect(s.errors[0]!.message).toContain('the process running it ended before it finished');
      expect(s.errors[0]!.message).toContain(`The ${written} rows written before that stay`);
      expect(s.finishedAt).not.toBeNull();
      expect(fs.readdirSync(path.join(env.dataDir, 'imports'))).toEqual([]);
      expect(await reapStaleImports(env.ctx)).toEqual([]);
      await assertHealthyAfterRestart(env);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited(child);
    }
  }, 120_000);

  it('imports of a process on another machine end after its heartbeat stops; live ones and this process’s stay', async () => {
    const hr = await env.user(['HR Manager']);
    const stale = new Date(Date.now() - IMPORT_STALE_MS - 60_000).toISOString();
    const base = {
      kind: 'employees',
      status: 'running',
      phase: 'writing',
      file_name: 'big.csv',
      mode: 'valid-rows',
      dry_run: 0,
      processed: 4000,
      total: 9000,
      created: 4000,
      skipped: 0,
      error_count: 0,
      errors_json: '[]',
      created_by: hr.id,
      created_at: stale,
      finished_at: null,
    };
    const dir = path.join(env.dataDir, 'imports');
    fs.mkdirSync(dir, { recursive: true });
    const [silent, beating, mine] = [newId(), newId(), newId()];
    for (const id of [silent, beating]) fs.writeFileSync(path.join(dir, `${id}.csv`), 'employeeCode,fullName\n');
    await env.ctx.db
      .insertInto('imports')
      .values([
        { ...base, id: silent, owner: 'another-host.example:4242', heartbeat_at: stale, upload_file: `${silent}.csv` },
        { ...base, id: beating, owner: 'another-host.example:4243', heartbeat_at: nowIso(), upload_file: `${beating}.csv` },
        { ...base, id: mine, owner: `${(await import('node:os')).hostname()}:${process.pid}`, heartbeat_at: stale, upload_file: null },
      ])
      .execute();
    expect(await reapStaleImports(env.ctx)).toEqual([silent]);
    const s = json<ImportState>(await env.req('GET', `/api/imports/${silent}`, { as: hr }));
    expect(s).toMatchObject({ status: 'failed', created: 4000 });
    expect(s.errors[0]!.message).toContain('The 4000 rows written before that stay');
    expect(fs.existsSync(path.join(dir, `${silent}.csv`))).toBe(false);
    expect(fs.existsSync(path.join(dir, `${beating}.csv`))).toBe(true);
    for (const id of [beating, mine]) expect(json<ImportState>(await env.req('GET', `/api/imports/${id}`, { as: hr })).status).toBe('running');
    await env.ctx.db.updateTable('imports').set({ status: 'done' }).where('id', 'in', [beating, mine]).execute();
  });
});
