import { expect, it } from 'vitest';
import { describeDb, json } from '../../../test/helpers/harness.ts';
import { importerFor } from '../../../test/helpers/imports.ts';
import type { ImportState } from '../../contract/imports.ts';

/**
 * A large import shares the process with every other request. On SQLite every statement runs
 * synchronously on the one connection, so an import that only awaits its queries never lets the
 * event loop turn: requests that arrive meanwhile wait until the whole write is over. The import
 * writes in short transactions and gives the event loop a turn after each, so other requests are
 * answered while its rows are being written.
 */
const ROWS = 6_000;

describeDb('imports and the other requests', (env) => {
  it('other requests are answered while a valid-rows import writes its rows', { timeout: 180_000 }, async () => {
    const staff = await env.user(['System Manager', 'HR Manager']);
    const importCsv = importerFor('/api/employees/import', 'employees.csv');
    const tag = `RS${Date.now().toString(36)}`;
    let csv = 'employeeCode,fullName\n';
    for (let i = 0; i < ROWS; i++) csv += `${tag}-${i},Person ${i}\n`;
    const before = await env.count('employees');

    let over = false;
    const importing = importCsv(env, staff, csv, { mode: 'valid-rows' }).finally(() => (over = true));
    // Requests sent while the import runs: the rows written when each was answered.
    const writtenWhenAnswered: number[] = [];
    while (!over) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      const res = await env.req('GET', '/api/health', { as: staff });
      expect(res.statusCode).toBe(200);
      writtenWhenAnswered.push((await env.count('employees')) - before);
    }

    expect(json<ImportState>(await importing)).toMatchObject({ status: 'done', created: ROWS, errorCount: 0 });
    expect(await env.count('employees')).toBe(before + ROWS);
    // Some were answered between two of the import's write transactions, not only before or after the write.
    const midway = writtenWhenAnswered.filter((n) => n > 0 && n < ROWS);
    expect(midway.length, `rows written when answered: ${writtenWhenAnswered.join(', ')}`).toBeGreaterThan(1);
  });
});
