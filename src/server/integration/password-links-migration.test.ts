import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeMigration, failure } from '../../../test/helpers/migration.ts';

const NOW = '2026-11-30T09:00:00.000Z';
const PASSWORDS = JSON.stringify([{ row: 2, email: 'ann@example.com', password: 'Kq3v9ZrPpL2xW8yTn4Ab' }]);

describeMigration(
  'migration 0033: set-password links; user imports keep no plain-text passwords',
  '0029-attestation',
  async (db) => {
    await sql`insert into users (id, email, full_name, created_at, updated_at) values ('u1', 'ann@example.com', 'Ann', ${NOW}, ${NOW})`.execute(db);
    await sql`
      insert into imports (id, kind, status, phase, file_name, mode, created_by, created_at, finished_at, credentials_json)
      values ('imp1', 'users', 'done', 'finished', 'users.csv', 'all-or-nothing', 'u1', ${NOW}, ${NOW}, ${PASSWORDS})`.execute(db);
  },
  (m) => {
    it('removes the stored initial passwords with their column and keeps the import', async ({ skip }) => {
      if (!m.ready) skip();
      const rows = await sql<Record<string, unknown>>`select * from imports`.execute(m.db);
      expect(rows.rows).toHaveLength(1);
      expect(rows.rows[0]).toMatchObject({ id: 'imp1', kind: 'users', status: 'done' });
      expect(rows.rows[0]).not.toHaveProperty('credentials_json');
      expect(JSON.stringify(rows.rows)).not.toContain('Kq3v9ZrPpL2xW8yTn4Ab');
    });

    it('links keep only a 43-character hash, a known purpose and an expiry after their creation', async ({ skip }) => {
      if (!m.ready) skip();
      const link = (id: string, purpose: string, expires: string) =>
        sql`insert into password_links (id, user_id, purpose, created_at, expires_at) values (${id}, 'u1', ${purpose}, ${NOW}, ${expires})`.execute(m.db);
      await link('h'.repeat(43), 'invitation', '2026-12-07T09:00:00.000Z');
      expect(await failure(link('short', 'reset', '2026-12-01T09:00:00.000Z'))).toBeTruthy();
      expect(await failure(link('a'.repeat(43), 'welcome', '2026-12-01T09:00:00.000Z'))).toBeTruthy();
      expect(await failure(link('b'.repeat(43), 'reset', NOW))).toBeTruthy();
      expect(await failure(link('h'.repeat(43), 'reset', '2026-12-01T09:00:00.000Z'))).toBeTruthy();
      const n = await sql<{ n: number }>`select count(*) as n from password_links`.execute(m.db);
      expect(Number(n.rows[0]!.n)).toBe(1);
    });
  },
);
