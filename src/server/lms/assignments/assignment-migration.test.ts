/**
 * Migration 0027 on a database that already holds data: lessons and certificates are rebuilt on
 * SQLite for their new checks and keep every row, index and child; afterwards lessons take the kind
 * `assignment`, certificates the source `evaluation`, and unknown kinds are still refused.
 */
import { expect, it } from 'vitest';
import { sql } from 'kysely';
import { describeMigration, failure } from '../../../../test/helpers/migration.ts';

const NOW = '2026-01-01T00:00:00.000Z';

describeMigration(
  'migration 0027: lesson kind assignment, certificate source evaluation',
  '0024-submission-course',
  async (db) => {
    await sql`insert into users (id, email, full_name, created_at, updated_at) values ('u1', 'u1@example.test', 'Una One', ${NOW}, ${NOW})`.execute(db);
    await sql`insert into courses (id, title, published, mandatory, enable_certification, created_at, updated_at) values ('c1', 'Course', 1, 0, 1, ${NOW}, ${NOW})`.execute(db);
    await sql`insert into chapters (id, course_id, title, position, created_at) values ('ch1', 'c1', 'One', 1, ${NOW})`.execute(db);
    await sql`insert into lessons (id, course_id, chapter_id, title, kind, position, created_at, updated_at) values ('l1', 'c1', 'ch1', 'Read', 'text', 1, ${NOW}, ${NOW})`.execute(db);
    await sql`insert into enrollments (id, member_id, course_id, source, last_activity_at, created_at) values ('e1', 'u1', 'c1', 'admin', ${NOW}, ${NOW})`.execute(db);
    await sql`insert into lesson_completions (id, member_id, lesson_id, course_id, completed_at) values ('lc1', 'u1', 'l1', 'c1', ${NOW})`.execute(db);
    await sql`
      insert into certificates (id, member_id, course_id, issue_date, verification_code, source, created_at)
      values ('cert1', 'u1', 'c1', '2026-01-01', 'code1', 'manual', ${NOW})`.execute(db);
  },
  (m) => {
    it('keeps the rows and takes the new values; unknown ones are still refused', async ({ skip }) => {
      if (!m.ready) skip();
      const db = m.db;
      expect((await sql<{ kind: string }>`select kind from lessons where id = 'l1'`.execute(db)).rows).toEqual([{ kind: 'text' }]);
      expect((await sql<{ n: number }>`select count(*) as n from lesson_completions`.execute(db)).rows.map((r) => Number(r.n))).toEqual([1]);
      const cert = (await sql<{ source: string; batch_id: string | null }>`select source, batch_id from certificates where id = 'cert1'`.execute(db)).rows;
      expect(cert).toEqual([{ source: 'manual', batch_id: null }]);
      await sql`insert into lessons (id, course_id, chapter_id, title, kind, position, created_at, updated_at) values ('l2', 'c1', 'ch1', 'Task', 'assignment', 2, ${NOW}, ${NOW})`.execute(db);
      expect(await failure(sql`insert into lessons (id, course_id, chapter_id, title, kind, position, created_at, updated_at) values ('l3', 'c1', 'ch1', 'X', 'podcast', 3, ${NOW}, ${NOW})`.execute(db))).toBeTruthy();
      expect(await failure(sql`insert into certificates (id, member_id, course_id, issue_date, verification_code, source, created_at) values ('cert1b', 'u1', 'c1', '2026-01-01', 'code1b', 'manual', ${NOW})`.execute(db))).toBeTruthy();
      await sql`update certificates set source = 'evaluation' where id = 'cert1'`.execute(db);
      // The lesson's indexes came back with the rebuilt table.
      if (m.dialect === 'sqlite') {
        const idx = (await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'lessons' and sql is not null order by name`.execute(db)).rows.map((r) => r.name);
        expect(idx).toEqual(expect.arrayContaining(['lessons_chapter_idx', 'lessons_course_idx', 'lessons_quiz_idx']));
        const cidx = (await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'certificates' and sql is not null`.execute(db)).rows.map((r) => r.name);
        expect(cidx.length).toBeGreaterThan(0);
      }
    });
  },
);
