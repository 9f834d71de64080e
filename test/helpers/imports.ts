import { expect } from 'vitest';
import { nowIso } from '../../src/server/db/dialect.ts';
import { newId } from '../../src/server/db/ids.ts';
import type { TestEnv, TestUser } from './harness.ts';
import { multipart } from './multipart.ts';
import type { ImportState } from '../../src/contract/imports.ts';

/** A CSV import upload: the form fields (mode, dryRun) and the file part. */
export function csvUpload(csv: string | Buffer, fields: Record<string, string> = {}, filename = 'import.csv') {
  return multipart([
    ...Object.entries(fields).map(([name, data]) => ({ name, data })),
    { name: 'file', filename, contentType: 'text/csv', data: csv },
  ]);
}

/** `(env, as, csv, fields)` → the import at `url` run to its end (?wait=true). */
export function importerFor(url: string, filename: string) {
  return async (env: TestEnv, as: TestUser, csv: string | Buffer, fields: Record<string, string> = {}) => {
    const { body, headers } = csvUpload(csv, fields, filename);
    return env.req('POST', `${url}?wait=true`, { as, body, headers });
  };
}

/** [column, message] pairs of an import's errors on one line of the file. */
export function errorsAt(s: ImportState, row: number): [string | null, string][] {
  return s.errors.filter((e) => e.row === row).map((e) => [e.column, e.message]);
}

export function expectOneError(s: ImportState, row: number, column: string | null, text: string): void {
  const list = errorsAt(s, row);
  expect(list, `row ${row}: ${JSON.stringify(list)}`).toHaveLength(1);
  expect(list[0]![0]).toBe(column);
  expect(list[0]![1]).toContain(text);
}

/** Inserts `n` users (no password) in one statement per 500, for imports of many rows. */
export async function bulkUsers(env: TestEnv, n: number, tag: string): Promise<{ id: string; email: string }[]> {
  const now = nowIso();
  const users = Array.from({ length: n }, (_, i) => ({ id: newId(), email: `${tag}-${i}@bulk.example.com` }));
  for (let i = 0; i < users.length; i += 500) {
    await env.ctx.db
      .insertInto('users')
      .values(
        users
          .slice(i, i + 500)
          .map((u, j) => ({ ...u, full_name: `Bulk ${tag} ${i + j}`, password_hash: null, enabled: 1, created_at: now, updated_at: now })),
      )
      .execute();
  }
  return users;
}
