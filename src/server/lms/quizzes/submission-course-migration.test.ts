/**
 * Migration 0024 on a database holding attempts of a quiz created without a course: each attempt
 * gets the course through which its member took the quiz (the course of their enrollment whose
 * quiz lesson links it); attempts with a course keep it, attempts outside any course stay without.
 */
import { expect, it } from 'vitest';
import { sql } from 'kysely';
import { describeMigration } from '../../../../test/helpers/migration.ts';

const NOW = '2026-01-01T00:00:00.000Z';
const LATER = '2026-02-01T00:00:00.000Z';

describeMigration(
  'migration 0024: quiz attempts belong to the course that placed the quiz',
  '0018-import-owner',
  async (db) => {
    for (const u of ['u1', 'u2', 'u3', 'u4']) {
      await sql`insert into users (id, email, full_name, created_at, updated_at) values (${u}, ${`${u}@example.test`}, ${`User ${u}`}, ${NOW}, ${NOW})`.execute(db);
    }
    for (const c of ['c1', 'c2']) {
      await sql`insert into courses (id, title, published, created_at, updated_at) values (${c}, ${`Course ${c}`}, 1, ${NOW}, ${NOW})`.execute(db);
      await sql`insert into chapters (id, course_id, title, position, created_at) values (${`h${c}`}, ${c}, 'One', 0, ${NOW})`.execute(db);
    }
    await sql`insert into quizzes (id, course_id, title, passing_percentage, created_at, updated_at)
              values ('q1', null, 'Shared', 50, ${NOW}, ${NOW}), ('q2', 'c2', 'Own', 50, ${NOW}, ${NOW})`.execute(db);
    for (const [id, course] of [
      ['l1', 'c1'],
      ['l2', 'c2'],
    ]) {
      await sql`insert into lessons (id, course_id, chapter_id, title, kind, body, quiz_id, is_preview, position, created_at, updated_at)
                values (${id}, ${course}, ${`h${course}`}, ${id}, 'quiz', '', 'q1', 0, 0, ${NOW}, ${NOW})`.execute(db);
    }
    // u1 in c1, u2 in c2, u3 in both (c2 first), u4 in neither.
    const enrollments: [string, string, string, string][] = [
      ['e1', 'u1', 'c1', NOW],
      ['e2', 'u2', 'c2', NOW],
      ['e3', 'u3', 'c1', LATER],
      ['e4', 'u3', 'c2', NOW],
    ];
    for (const [id, member, course, at] of enrollments) {
      await sql`insert into enrollments (id, member_id, course_id, source, last_activity_at, created_at)
                values (${id}, ${member}, ${course}, 'self', ${at}, ${at})`.execute(db);
    }
    const submissions: [string, string, string, string | null][] = [
      ['s1', 'q1', 'u1', null],
      ['s2', 'q1', 'u2', null],
      ['s3', 'q1', 'u3', null],
      ['s4', 'q1', 'u4', null],
      ['s5', 'q2', 'u1', 'c2'],
    ];
    for (const [id, quiz, member, course] of submissions) {
      await sql`insert into quiz_submissions (id, quiz_id, course_id, member_id, attempt, status, started_at, order_json, created_at)
                values (${id}, ${quiz}, ${course}, ${member}, 1, 'in_progress', ${NOW}, '{}', ${NOW})`.execute(db);
    }
  },
  (m) => {
    it('sets the course of each attempt from its member’s enrollment, keeping recorded courses', async ({ skip }) => {
      if (!m.ready) skip();
      const rows = (await sql<{ id: string; course_id: string | null }>`select id, course_id from quiz_submissions order by id`.execute(m.db)).rows;
      expect(rows.map((r) => [r.id, r.course_id])).toEqual([
        ['s1', 'c1'],
        ['s2', 'c2'],
        ['s3', 'c2'],
        ['s4', null],
        ['s5', 'c2'],
      ]);
    });
  },
);
