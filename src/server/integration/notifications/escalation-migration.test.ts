import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeMigration } from '../../../../test/helpers/migration.ts';

const NOW = '2026-11-30T09:00:00.000Z';
const A = 'a'.repeat(26);

describeMigration(
  'migration 0045: escalations already sent are keyed by the due date they were about',
  '0044-audit-seal-in-database',
  async (db) => {
    await sql`insert into users (id, email, full_name, created_at, updated_at) values ('u1', 'max@example.com', 'Max', ${NOW}, ${NOW})`.execute(db);
    await sql`insert into courses (id, title, created_at, updated_at) values ('c1', 'Fire Safety', ${NOW}, ${NOW})`.execute(db);
    await sql`
      insert into training_assignments (id, member_id, course_id, due_date, status, source, created_at, updated_at)
      values (${A}, 'u1', 'c1', '2026-11-20', 'open', 'manual', ${NOW}, ${NOW})`.execute(db);
    const note = (id: string, kind: string, key: string) =>
      sql`insert into notifications (id, user_id, kind, title, body, dedupe_key, created_at) values (${id}, 'u1', ${kind}, 't', 'b', ${key}, ${NOW})`.execute(db);
    await note('n1', 'assignment.escalated', `escalation:${A}`);
    await note('n2', 'assignment.escalated', `escalation-hr:${A}`);
    await note('n3', 'assignment.overdue', `reminder:${A}:2026-11-25`);
    await note('n4', 'assignment.escalated', `escalation:${'z'.repeat(26)}`);
  },
  (m) => {
    it('adds the due date to each escalation of a known assignment and leaves every other key as it was', async ({ skip }) => {
      if (!m.ready) skip();
      const rows = await sql<{ id: string; dedupe_key: string }>`select id, dedupe_key from notifications order by id`.execute(m.db);
      expect(rows.rows).toEqual([
        { id: 'n1', dedupe_key: `escalation:${A}:2026-11-20` },
        { id: 'n2', dedupe_key: `escalation-hr:${A}:2026-11-20` },
        { id: 'n3', dedupe_key: `reminder:${A}:2026-11-25` },
        { id: 'n4', dedupe_key: `escalation:${'z'.repeat(26)}` },
      ]);
    });
  },
);
