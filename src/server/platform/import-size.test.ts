import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeDb, json, type TestEnv } from '../../../test/helpers/harness.ts';
import { makeCourse } from '../../../test/helpers/fixtures.ts';
import { bulkUsers, importerFor } from '../../../test/helpers/imports.ts';
import type { ImportState } from '../../contract/imports.ts';

/**
 * SQLite has one writer and runs every request on one connection: an all-or-nothing import writes
 * in one transaction and holds every other request for its whole length. There such an import takes
 * at most one write batch of rows (a short lock); a larger file is refused before anything is
 * recorded, and goes in valid-rows mode (a transaction per batch) or split. PostgreSQL has no limit.
 */
/** The limit the README states (one write batch of each of these kinds). */
const LIMIT = 2_000;

const KINDS = {
  employees: { url: '/api/employees/import', tables: ['employees'] },
  enrollments: { url: '/api/enrollments/import', tables: ['enrollments'] },
  'training-assignments': { url: '/api/training-assignments/import', tables: ['training_assignments', 'enrollments'] },
} as const;

type Kind = keyof typeof KINDS;

async function counts(env: TestEnv, kind: Kind): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of [...KINDS[kind].tables, 'imports', 'audit_log'] as const) out[t] = await env.count(t);
  return out;
}

function uploads(env: TestEnv): number {
  const dir = path.join(env.dataDir, 'imports');
  return fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isFile()).length : 0;
}

/** Two files for `kind`: one row over the limit, and exactly at the limit (other rows). */
async function files(env: TestEnv, kind: Kind, tag: string): Promise<{ over: string; atLimit: string }> {
  if (kind === 'employees') {
    const rows = (t: string, n: number) => Array.from({ length: n }, (_, i) => `${t}-${i},Person ${i}`).join('\n');
    return { over: `employeeCode,fullName\n${rows(tag, LIMIT + 1)}\n`, atLimit: `employeeCode,fullName\n${rows(`${tag}L`, LIMIT)}\n` };
  }
  const users = await bulkUsers(env, LIMIT + 1, `${tag.toLowerCase()}-${env.dialect}`);
  const a = await makeCourse(env, { title: `Size A ${tag}` });
  const b = await makeCourse(env, { title: `Size B ${tag}` });
  const due = kind === 'training-assignments' ? ',2099-06-30' : '';
  const header = kind === 'training-assignments' ? 'memberEmail,courseId,dueDate' : 'memberEmail,courseId';
  const rows = (courseId: string, n: number) => users.slice(0, n).map((u) => `${u.email},${courseId}${due}`).join('\n');
  return { over: `${header}\n${rows(a.courseId, LIMIT + 1)}\n`, atLimit: `${header}\n${rows(b.courseId, LIMIT)}\n` };
}

describeDb('import size on one-writer databases', (env) => {
  for (const kind of Object.keys(KINDS) as Kind[]) {
    it(`${kind}: SQLite refuses an all-or-nothing file over the limit with 400 before recording anything; valid-rows writes it`, { timeout: 180_000 }, async () => {
      const staff = await env.user(['System Manager', 'HR Manager']);
      const importCsv = importerFor(KINDS[kind].url, `${kind}.csv`);
      const tag = `SZ${Date.now().toString(36)}`;
      const { over, atLimit } = await files(env, kind, tag);
      const before = await counts(env, kind);
      const uploadsBefore = uploads(env);

      const res = await importCsv(env, staff, over, { mode: 'all-or-nothing' });
      if (env.dialect === 'postgres') {
        // PostgreSQL writes other rows meanwhile: no limit.
        expect(json<ImportState>(res)).toMatchObject({ status: 'done', created: LIMIT + 1 });
        return;
      }
      expect(res.statusCode).toBe(400);
      const problem = json<{ code: string; detail: string; errors: { path: string; message: string }[] }>(res);
      expect(problem.code).toBe('VALIDATION_FAILED');
      expect(problem.errors).toHaveLength(1);
      expect(problem.errors[0]!.path).toBe('mode');
      expect(problem.errors[0]!.message).toContain(`at most ${LIMIT.toLocaleString('en-US')} rows`);
      expect(problem.errors[0]!.message).toContain(`this file has ${(LIMIT + 1).toLocaleString('en-US')}`);
      expect(problem.errors[0]!.message).toContain('valid-rows');
      // Nothing written: no rows, no import record, no audit entry, and the upload is gone.
      expect(await counts(env, kind)).toEqual(before);
      expect(uploads(env)).toBe(uploadsBefore);

      // At the limit it is written, all or nothing.
      expect(json<ImportState>(await importCsv(env, staff, atLimit, { mode: 'all-or-nothing' }))).toMatchObject({ status: 'done', created: LIMIT });
      // The same file in valid-rows mode: a transaction per batch, every row written.
      expect(json<ImportState>(await importCsv(env, staff, over, { mode: 'valid-rows' }))).toMatchObject({ status: 'done', created: LIMIT + 1 });
    });
  }
});
