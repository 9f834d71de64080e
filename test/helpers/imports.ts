import { expect } from 'vitest';
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
