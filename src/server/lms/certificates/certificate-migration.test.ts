/**
 * Migration 0008 on a database that already holds data: courses keep every column and row, their
 * children (enrollments, chapters) stay attached, a reference to a template that no longer exists
 * is cleared, and from then on the database refuses unknown templates and deleting a template in use.
 */
import { expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { isForeignKeyViolation } from '../../db/dialect.ts';
import { describeMigration, failure } from '../../../../test/helpers/migration.ts';

const NOW = '2026-01-01T00:00:00.000Z';

async function insertCourse(db: Kysely<unknown>, id: string, templateId: string | null): Promise<void> {
  await sql`
    insert into courses (id, title, published, mandatory, enable_certification, certificate_template_id, certificate_validity_months, created_at, updated_at)
    values (${id}, ${`Course ${id}`}, 1, 0, 1, ${templateId}, 12, ${NOW}, ${NOW})`.execute(db);
}

describeMigration(
  'migration 0008: courses.certificate_template_id foreign key',
  '0007-imports',
  async (db) => {
    await sql`insert into users (id, email, full_name, created_at, updated_at) values ('u1', 'u1@example.test', 'Una One', ${NOW}, ${NOW})`.execute(
      db,
    );
    await sql`
      insert into certificate_templates (id, name, title, body, primary_color, text_color, background_color, title_font, body_font, created_at, updated_at)
      values ('tpl-used', 'Used', 'Certificate', 'Body', '#000000', '#000000', '#ffffff', 'DejaVuSans', 'DejaVuSans', ${NOW}, ${NOW})`.execute(
      db,
    );
    await insertCourse(db, 'c-used', 'tpl-used');
    await insertCourse(db, 'c-gone', 'tpl-deleted-long-ago');
    await insertCourse(db, 'c-none', null);
    await sql`
      insert into enrollments (id, member_id, course_id, progress, source, last_activity_at, created_at)
      values ('e1', 'u1', 'c-used', 40, 'admin', ${NOW}, ${NOW})`.execute(db);
    await sql`insert into chapters (id, course_id, title, position, created_at) values ('ch1', 'c-used', 'One', 1, ${NOW})`.execute(db);
  },
  (m) => {
    it('keeps every course with its columns and children, and clears only the dangling reference', async ({ skip }) => {
      if (!m.ready) skip();
      const db = m.db;
      const courses = (
        await sql<{
          id: string;
          title: string;
          certificate_template_id: string | null;
          certificate_validity_months: number;
          published: number;
        }>`
          select id, title, certificate_template_id, certificate_validity_months, published from courses order by id`.execute(db)
      ).rows;
      expect(
        courses.map((c) => ({ ...c, certificate_validity_months: Number(c.certificate_validity_months), published: Number(c.published) })),
      ).toEqual([
        { id: 'c-gone', title: 'Course c-gone', certificate_template_id: null, certificate_validity_months: 12, published: 1 },
        { id: 'c-none', title: 'Course c-none', certificate_template_id: null, certificate_validity_months: 12, published: 1 },
        { id: 'c-used', title: 'Course c-used', certificate_template_id: 'tpl-used', certificate_validity_months: 12, published: 1 },
      ]);
      expect((await sql<{ id: string }>`select id from enrollments where course_id = 'c-used'`.execute(db)).rows).toEqual([{ id: 'e1' }]);
      expect((await sql<{ id: string }>`select id from chapters where course_id = 'c-used'`.execute(db)).rows).toEqual([{ id: 'ch1' }]);
    });

    it('refuses a course pointing at an unknown template, and deleting a template in use', async ({ skip }) => {
      if (!m.ready) skip();
      const db = m.db;
      expect(isForeignKeyViolation(await failure(insertCourse(db, 'c-bad', 'no-such-template')))).toBe(true);
      expect(
        isForeignKeyViolation(await failure(sql`update courses set certificate_template_id = 'nope' where id = 'c-none'`.execute(db))),
      ).toBe(true);
      expect(isForeignKeyViolation(await failure(sql`delete from certificate_templates where id = 'tpl-used'`.execute(db)))).toBe(true);
      const n = (await sql<{ n: number }>`select count(*) as n from courses`.execute(db)).rows[0]!;
      expect(Number(n.n)).toBe(3);
      expect((await sql<{ id: string }>`select id from certificate_templates where id = 'tpl-used'`.execute(db)).rows).toHaveLength(1);
    });

    it('still enforces the foreign keys that point at courses, and their cascades', async ({ skip }) => {
      if (!m.ready) skip();
      const db = m.db;
      expect(
        isForeignKeyViolation(
          await failure(
            sql`insert into enrollments (id, member_id, course_id, completed_lessons, source, last_activity_at, created_at)
                values ('e2', 'u1', 'no-such-course', 0, 'admin', ${NOW}, ${NOW})`.execute(db),
          ),
        ),
      ).toBe(true);
      expect(isForeignKeyViolation(await failure(sql`delete from courses where id = 'c-used'`.execute(db)))).toBe(true);
      await sql`delete from enrollments where id = 'e1'`.execute(db);
      await sql`delete from courses where id = 'c-used'`.execute(db);
      // chapters cascade with their course
      expect((await sql<{ id: string }>`select id from chapters`.execute(db)).rows).toEqual([]);
      await sql`delete from certificate_templates where id = 'tpl-used'`.execute(db);
    });
  },
);
