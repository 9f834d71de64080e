/**
 * Migration 0014 on a database that already holds enrollments with a stored progress: every
 * enrollment gets the count of its completed lessons, every course its lesson count, the derived
 * progress equals the stored one, the compliance counts come out as before and their triggers
 * follow the new columns; the progress column is gone and the database refuses a negative count.
 */
import { expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { describeMigration, failure } from '../../../../test/helpers/migration.ts';
import { progressSql } from './progress.service.ts';

const NOW = '2026-01-01T00:00:00.000Z';

const counts = async (db: Kysely<unknown>) =>
  (
    await sql<{ course_id: string; department_key: string; completed: number; in_progress: number }>`
        select course_id, department_key, sum(completed) as completed, sum(in_progress) as in_progress
          from compliance_progress_counts group by course_id, department_key
        having sum(completed) <> 0 or sum(in_progress) <> 0
         order by course_id, department_key`.execute(db)
  ).rows.map((r) => ({ ...r, completed: Number(r.completed), in_progress: Number(r.in_progress) }));

/** The indexes of enrollments (name → definition as the database prints it). */
const indexesOf = async (db: Kysely<unknown>, dialect: string) =>
  Object.fromEntries(
    (dialect === 'postgres'
      ? (await sql<{ name: string; definition: string }>`select indexname as name, indexdef as definition from pg_indexes where tablename = 'enrollments'`.execute(db)).rows
      : (await sql<{ name: string; definition: string }>`select name, sql as definition from sqlite_master where type = 'index' and tbl_name = 'enrollments'`.execute(db)).rows
    ).map((r) => [r.name, r.definition]),
  );
let indexesBefore: Record<string, string> = {};

describeMigration(
  'migration 0014: progress derived from completed lessons',
  '0013-progress-index',
  async (db, dialect) => {
    indexesBefore = await indexesOf(db, dialect);
    for (const u of ['u1', 'u2', 'u3']) {
      await sql`insert into users (id, email, full_name, created_at, updated_at) values (${u}, ${`${u}@example.test`}, ${`User ${u}`}, ${NOW}, ${NOW})`.execute(
        db,
      );
    }
    await sql`insert into departments (id, name, created_at) values ('d1', 'Plant', ${NOW})`.execute(db);
    for (const [id, user] of [
      ['em1', 'u1'],
      ['em2', 'u2'],
    ] as const) {
      await sql`insert into employees (id, employee_code, full_name, user_id, department_id, status, created_at, updated_at)
                values (${id}, ${id}, ${`Employee ${id}`}, ${user}, 'd1', 'active', ${NOW}, ${NOW})`.execute(db);
    }
    for (const c of ['c1', 'c2', 'c3']) {
      await sql`insert into courses (id, title, published, mandatory, created_at, updated_at) values (${c}, ${`Course ${c}`}, 1, 1, ${NOW}, ${NOW})`.execute(
        db,
      );
    }
    await sql`insert into chapters (id, course_id, title, position, created_at) values ('h1', 'c1', 'One', 0, ${NOW}), ('h3', 'c3', 'One', 0, ${NOW})`.execute(
      db,
    );
    const lessons: [string, string, string][] = [
      ['l1', 'c1', 'h1'],
      ['l2', 'c1', 'h1'],
      ['l3', 'c1', 'h1'],
      ['l4', 'c1', 'h1'],
      ['m1', 'c3', 'h3'],
      ['m2', 'c3', 'h3'],
      ['m3', 'c3', 'h3'],
    ];
    for (const [i, [id, course, chapter]] of lessons.entries()) {
      await sql`insert into lessons (id, course_id, chapter_id, title, kind, body, is_preview, position, created_at, updated_at)
                values (${id}, ${course}, ${chapter}, ${id}, 'text', '', 0, ${i}, ${NOW}, ${NOW})`.execute(db);
    }
    // Stored progress as 0013 kept it, with the completion rows behind it. c2 has no lessons.
    const enrollments: [string, string, string, number, string | null][] = [
      ['e1', 'u1', 'c1', 100, NOW],
      ['e2', 'u2', 'c1', 50, null],
      ['e3', 'u3', 'c1', 0, null],
      ['e4', 'u1', 'c2', 0, null],
      ['e5', 'u2', 'c3', 33, null],
    ];
    for (const [id, member, course, progress, completedAt] of enrollments) {
      await sql`insert into enrollments (id, member_id, course_id, progress, source, completed_at, last_activity_at, created_at)
                values (${id}, ${member}, ${course}, ${progress}, 'admin', ${completedAt}, ${NOW}, ${NOW})`.execute(db);
    }
    const completions: [string, string, string][] = [
      ['u1', 'l1', 'c1'],
      ['u1', 'l2', 'c1'],
      ['u1', 'l3', 'c1'],
      ['u1', 'l4', 'c1'],
      ['u2', 'l1', 'c1'],
      ['u2', 'l2', 'c1'],
      ['u2', 'm1', 'c3'],
    ];
    for (const [i, [member, lesson, course]] of completions.entries()) {
      await sql`insert into lesson_completions (id, member_id, lesson_id, course_id, completed_at) values (${`lc${i}`}, ${member}, ${lesson}, ${course}, ${NOW})`.execute(
        db,
      );
    }
  },
  (m) => {
    it('counts completed lessons and lessons, and derives the progress that was stored', async ({ skip }) => {
      if (!m.ready) skip();
      const db = m.db;
      const courses = (await sql<{ id: string; lesson_count: number }>`select id, lesson_count from courses order by id`.execute(db)).rows;
      expect(courses.map((c) => [c.id, Number(c.lesson_count)])).toEqual([
        ['c1', 4],
        ['c2', 0],
        ['c3', 3],
      ]);
      const rows = (
        await sql<{ id: string; completed_lessons: number; progress: number; completed_at: string | null }>`
          select id, completed_lessons, ${progressSql()} as progress, completed_at from enrollments order by id`.execute(db)
      ).rows;
      expect(rows.map((r) => [r.id, Number(r.completed_lessons), Number(r.progress), r.completed_at])).toEqual([
        ['e1', 4, 100, NOW],
        ['e2', 2, 50, null],
        ['e3', 0, 0, null],
        ['e4', 0, 0, null],
        ['e5', 1, 33, null],
      ]);
      const columns =
        m.dialect === 'postgres'
          ? (
              await sql<{
                name: string;
              }>`select column_name as name from information_schema.columns where table_name = 'enrollments'`.execute(db)
            ).rows
          : (await sql<{ name: string }>`select name from pragma_table_info('enrollments')`.execute(db)).rows;
      expect(columns.map((c) => c.name)).not.toContain('progress');
      expect(columns.map((c) => c.name)).toContain('completed_lessons');
    });

    it('keeps the compliance counts, and its triggers follow completed lessons and completion', async ({ skip }) => {
      if (!m.ready) skip();
      const db = m.db;
      // u1 (em1) completed c1; u2 (em2) is in progress in c1 and c3; u3 has no employee record.
      expect(await counts(db)).toEqual([
        { course_id: 'c1', department_key: 'd1', completed: 1, in_progress: 1 },
        { course_id: 'c3', department_key: 'd1', completed: 0, in_progress: 1 },
      ]);
      await sql`update enrollments set completed_lessons = 4, completed_at = ${NOW} where id = 'e2'`.execute(db);
      await sql`update enrollments set completed_lessons = 0 where id = 'e5'`.execute(db);
      await sql`insert into employees (id, employee_code, full_name, user_id, department_id, status, created_at, updated_at)
                values ('em3', 'em3', 'Employee em3', 'u3', 'd1', 'active', ${NOW}, ${NOW})`.execute(db);
      await sql`update enrollments set completed_lessons = 1 where id = 'e3'`.execute(db);
      expect(await counts(db)).toEqual([{ course_id: 'c1', department_key: 'd1', completed: 2, in_progress: 1 }]);
    });

    it('keeps every index of enrollments that does not name progress, as it was, and adds (course, completed lessons)', async ({ skip }) => {
      if (!m.ready) skip();
      const after = await indexesOf(m.db, m.dialect);
      const kept = Object.fromEntries(Object.entries(indexesBefore).filter(([, definition]) => !/\bprogress\b/.test(definition ?? '')));
      expect(Object.keys(kept).length).toBeGreaterThanOrEqual(6);
      expect(Object.keys(indexesBefore).length).toBeGreaterThan(Object.keys(kept).length);
      // Later migrations add their own indexes (0028: one enrollment per payment; 0034: suspended rows).
      const { enrollments_course_done_idx: added, enrollments_payment_uq: later, enrollments_suspended_idx: suspended, ...rest } = after;
      expect(later).toMatch(/payment_id/);
      expect(suspended).toMatch(/suspended_at/);
      expect(rest).toEqual(kept);
      expect(added).toMatch(/course_id.*completed_lessons.*id/);
    });

    it('refuses a negative count and keeps the other constraints', async ({ skip }) => {
      if (!m.ready) skip();
      const db = m.db;
      await failure(sql`update enrollments set completed_lessons = -1 where id = 'e1'`.execute(db));
      await failure(sql`update enrollments set source = 'elsewhere' where id = 'e1'`.execute(db));
      await failure(
        sql`insert into enrollments (id, member_id, course_id, source, last_activity_at, created_at) values ('e9', 'u1', 'c1', 'admin', ${NOW}, ${NOW})`.execute(
          db,
        ),
      );
      const e1 = (
        await sql<{ completed_lessons: number; source: string }>`select completed_lessons, source from enrollments where id = 'e1'`.execute(
          db,
        )
      ).rows[0]!;
      expect([Number(e1.completed_lessons), e1.source]).toEqual([4, 'admin']);
    });
  },
);
