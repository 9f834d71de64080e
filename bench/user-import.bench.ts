/**
 * user-import: POST /api/users/import?wait=true with N rows (upload, parse, validation of every row,
 * set-based writes with conflict handling, roles, an invitation per account — its one-time link and
 * its outbox message — and one audit entry per account) against a raw batched insert of the same
 * rows (accounts, roles, links and messages: multi-row INSERTs of 2000, one transaction) on the same
 * database in the same run. Goal: import ≤ 3 × raw.
 */
import { createHash, randomBytes } from 'node:crypto';
import { nowIso } from '../src/server/db/dialect.ts';
import { newId } from '../src/server/db/ids.ts';
import type { ImportState } from '../src/contract/imports.ts';
import { newTag } from '../scripts/seed-scale.ts';
import { compared, defineBenchmark, figure, type BenchResult } from './lib/types.ts';
import { request } from './lib/load.ts';
import { startBenchServer } from './lib/server.ts';

export default defineBenchmark({
  name: 'user-import',
  description:
    'POST /api/users/import?wait=true of 50,000 accounts (5,000 with --quick; email, name, two roles, an invitation each) vs a raw ' +
    'batched insert of the same accounts, roles, invitation links and outbox messages (multi-row INSERT of 2000 in one transaction) ' +
    'on the same database; goal ≤ 3× raw.',
  async run(opts) {
    const { dialect, quick } = opts;
    const log = (msg: string) => opts.log(msg);
    const n = quick ? 5_000 : 50_000;
    const server = await startBenchServer(dialect, { log });
    try {
      const db = server.ctx.db;
      const tag = newTag();
      const admin = await server.createUser(['System Manager']);
      const cookie = await server.login(admin);

      let csv = 'email,fullName,roles,employeeCode\n';
      for (let i = 0; i < n; i++) csv += `imp${i}.${tag}@bench.example.com,Imported Person ${i},LMS Student;HR User,\n`;
      const boundary = `----bench-${randomBytes(8).toString('hex')}`;
      const body =
        `--${boundary}\r\nContent-Disposition: form-data; name="mode"\r\n\r\nall-or-nothing\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="users.csv"\r\nContent-Type: text/csv\r\n\r\n${csv}\r\n` +
        `--${boundary}--\r\n`;
      log(`importing ${n} accounts (${(body.length / 1024 / 1024).toFixed(1)} MB upload)`);
      const t0 = performance.now();
      const res = await request(`${server.url}/api/users/import?wait=true`, {
        method: 'POST',
        headers: { cookie, 'content-type': `multipart/form-data; boundary=${boundary}` },
        body,
        timeoutMs: 1_200_000,
      });
      const importMs = performance.now() - t0;
      if (res.status !== 200) throw new Error(`import answered ${res.status}: ${res.body.slice(0, 500)}`);
      const state = JSON.parse(res.body) as ImportState;
      if (state.status !== 'done' || state.created !== n)
        throw new Error(`import did not create ${n} accounts: ${res.body.slice(0, 500)}`);
      log(`import: ${n} accounts in ${importMs.toFixed(0)} ms`);

      const now = nowIso();
      const t1 = performance.now();
      const expires = new Date(Date.now() + 7 * 24 * 3_600_000).toISOString();
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < n; i += 2000) {
          const users = [];
          for (let k = i; k < Math.min(n, i + 2000); k++) {
            users.push({ id: newId(), email: `raw${k}.${tag}@bench.example.com`, full_name: `Raw Person ${k}`, password_hash: null, enabled: 1, created_at: now, updated_at: now });
          }
          await trx.insertInto('users').values(users).onConflict((oc) => oc.column('email').doNothing()).execute();
          await trx
            .insertInto('user_roles')
            .values(users.flatMap((u) => [{ user_id: u.id, role: 'LMS Student' }, { user_id: u.id, role: 'HR User' }]))
            .execute();
          const secrets = users.map(() => randomBytes(32).toString('base64url'));
          await trx
            .insertInto('password_links')
            .values(
              users.map((u, j) => ({
                id: createHash('sha256').update(secrets[j]!).digest('base64url'),
                user_id: u.id,
                purpose: 'invitation' as const,
                created_by: admin.id,
                created_at: now,
                expires_at: expires,
              })),
            )
            .execute();
          await trx
            .insertInto('mail_outbox')
            .values(
              users.map((u, j) => ({
                id: newId(),
                to_address: u.email,
                user_id: u.id,
                event: 'account.invitation',
                subject: 'You are invited',
                body_markdown: `Hello ${u.full_name},\n\n[Choose your password](/lms/set-password?token=${secrets[j]!})`,
                status: 'pending' as const,
                attempts: 0,
                next_attempt_at: now,
                created_at: now,
                updated_at: now,
              })),
            )
            .execute();
        }
      });
      const rawMs = performance.now() - t1;
      log(`raw batched insert: ${n} accounts, roles, links and messages in ${rawMs.toFixed(0)} ms`);

      // For reference (no goal): the accounts and roles alone, as the import wrote before it mailed invitations.
      const t2 = performance.now();
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < n; i += 2000) {
          const users = [];
          for (let k = i; k < Math.min(n, i + 2000); k++) {
            users.push({ id: newId(), email: `acc${k}.${tag}@bench.example.com`, full_name: `Raw Person ${k}`, password_hash: null, enabled: 1, created_at: now, updated_at: now });
          }
          await trx.insertInto('users').values(users).onConflict((oc) => oc.column('email').doNothing()).execute();
          await trx
            .insertInto('user_roles')
            .values(users.flatMap((u) => [{ user_id: u.id, role: 'LMS Student' }, { user_id: u.id, role: 'HR User' }]))
            .execute();
        }
      });
      const accountsMs = performance.now() - t2;
      log(`raw batched insert of accounts and roles only: ${n} in ${accountsMs.toFixed(0)} ms`);

      const results: BenchResult[] = [
        compared(`user import of ${n.toLocaleString('en-US')} rows`, importMs, 'ms', { name: 'raw batched insert', value: rawMs }, { atMost: 3 }),
        compared(`user import of ${n.toLocaleString('en-US')} rows vs accounts and roles alone`, importMs, 'ms', {
          name: 'raw insert of accounts and roles only',
          value: accountsMs,
        }),
        figure('user import throughput', (n * 1000) / importMs, 'rows/s'),
      ];
      return results;
    } finally {
      await server.close();
    }
  },
});
