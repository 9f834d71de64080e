import { expect, it } from 'vitest';
import { describeDb, json, type TestUser } from '../../../test/helpers/harness.ts';
import { makeCourse } from '../../../test/helpers/fixtures.ts';
import { enroll, type Problem } from '../../../test/helpers/courses.ts';
import { answersFor, createQuiz, submit } from '../../../test/helpers/quizzes.ts';
import { ENROLLMENT_SORTS } from '../../contract/enrollments.ts';
import { COURSE_SORTS } from '../../contract/courses.ts';
import { USER_SORTS } from '../../contract/users.ts';
import { EMPLOYEE_SORTS } from '../../contract/employees.ts';
import { ASSIGNMENT_SORTS } from '../../contract/training-assignments.ts';
import { CERTIFICATE_SORTS } from '../../contract/certificates.ts';
import { SUBMISSION_SORTS } from '../../contract/quizzes.ts';

type Row = Record<string, unknown> & { id: string };
type Page = { items: Row[]; nextCursor: string | null; total?: number };

/** The order the server promises: lower-case byte order for text, empty values first, then id. */
function sortValue(v: unknown, kind: 'text' | 'number' | 'date'): string | number {
  if (kind === 'number') return v === null || v === undefined ? -1 : Number(v);
  const s = typeof v === 'string' ? v : '';
  return kind === 'text' ? s.replace(/[A-Z]/g, (c) => c.toLowerCase()) : s;
}

function compare(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

const NUMBER_KEYS = new Set(['progress', 'percentage', 'attempt']);
const DATE_KEYS = new Set(['createdAt', 'completedAt', 'dateOfJoining', 'dueDate', 'issueDate', 'expiryDate', 'startedAt', 'submittedAt']);
const kindOf = (key: string) => (NUMBER_KEYS.has(key) ? 'number' : DATE_KEYS.has(key) ? 'date' : 'text');

describeDb('List sorting with keyset paging', (env) => {
  let staff: TestUser;
  let hr: TestUser;
  const ready = async () => {
    staff ??= await env.user(['Moderator']);
    hr ??= await env.user(['HR Manager']);
  };

  /** Pages through `url` sorted by `sort` with a small page size; returns the rows in order. */
  async function pageThrough(as: TestUser, url: string, sort: string, limit = 3): Promise<Row[]> {
    const out: Row[] = [];
    let cursor: string | null = null;
    for (let n = 0; n < 200; n++) {
      const sep = url.includes('?') ? '&' : '?';
      const qs: string = `${sep}sort=${encodeURIComponent(sort)}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await env.req('GET', url + qs, { as });
      expect(res.statusCode, `${url}${qs} ${res.body}`).toBe(200);
      const page = json<Page>(res);
      expect(page.items.length).toBeLessThanOrEqual(limit);
      out.push(...page.items);
      if (!page.nextCursor) return out;
      cursor = page.nextCursor;
    }
    throw new Error('paging did not end');
  }

  /** For every key and direction: every row exactly once, in key order with ties broken by id. */
  async function checkList(as: TestUser, url: string, keys: readonly string[], unique: readonly string[] = []) {
    const sep = url.includes('?') ? '&' : '?';
    const all = json<Page>(await env.req('GET', `${url}${sep}limit=500`, { as })).items;
    expect(all.length).toBeGreaterThan(5);
    const ids = all.map((r) => r.id).sort();
    for (const key of keys) {
      for (const desc of [false, true]) {
        const token = desc ? `-${key}` : key;
        const got = await pageThrough(as, url, token);
        expect(got.map((r) => r.id).sort(), `${url} ${token}: every row once`).toEqual(ids);
        const expected = [...got].sort((a, b) => {
          const c = compare(sortValue(a[key], kindOf(key)), sortValue(b[key], kindOf(key))) || compare(a.id, b.id);
          return desc ? -c : c;
        });
        expect(got.map((r) => r.id), `${url} ${token}: order`).toEqual(expected.map((r) => r.id));
        // The key has ties here (unique keys aside), so the id really decides.
        const values = new Set(got.map((r) => sortValue(r[key], kindOf(key))));
        if (!unique.includes(key)) expect(values.size, `${url} ${token}: data has ties`).toBeLessThan(got.length);
      }
    }
  }

  it('enrollments: every sort key and direction pages through ties exactly once; sorted name columns ignore case', async () => {
    await ready();
    const names = ['ann', 'Ann', 'Bob', 'carl', 'ann'];
    const members = await Promise.all(names.map((n) => env.user(['LMS Student'], n)));
    const courses = [];
    for (const title of ['alpha', 'Beta', 'beta']) courses.push((await makeCourse(env, { title })).courseId);
    const stamps = ['2026-01-01T10:00:00.000Z', '2026-01-02T10:00:00.000Z'];
    let i = 0;
    for (const m of members) {
      for (const c of courses) {
        const id = await enroll(env, m.id, c);
        // 0, 2 or 4 of the course's 4 lessons: 0%, 50%, 100%.
        const done = [0, 2, 4][i % 3]!;
        await env.ctx.db
          .updateTable('enrollments')
          .set({ completed_lessons: done, created_at: stamps[i % 2]!, completed_at: done === 4 ? stamps[(i >> 1) % 2]! : null })
          .where('id', '=', id)
          .execute();
        i++;
      }
    }
    await checkList(staff, '/api/enrollments', ENROLLMENT_SORTS);
    // Filters and sort together.
    const mine = await pageThrough(staff, `/api/enrollments?courseId=${courses[0]!}`, '-memberName', 2);
    expect(mine.map((r) => String(r.memberName).toLowerCase())).toEqual(['carl', 'bob', 'ann', 'ann', 'ann']);
    expect(mine).toHaveLength(5);
  });

  it('courses, users, employees: every sort key pages through ties exactly once', async () => {
    await ready();
    for (const [title, category] of [['zeta', 'Safety'], ['Zeta', null], ['eta', 'safety'], ['Eta', 'Compliance'], ['theta', null], ['eta', null]] as const) {
      const { courseId } = await makeCourse(env, { title });
      await env.ctx.db.updateTable('courses').set({ category, created_at: '2026-02-01T00:00:00.000Z' }).where('id', '=', courseId).execute();
    }
    await checkList(staff, '/api/courses', COURSE_SORTS);

    const admin = await env.user(['System Manager'], 'Zed Admin');
    for (const n of ['dora', 'Dora', 'ed', 'Ed', 'fay']) await env.user([], n);
    await env.ctx.db.updateTable('users').set({ created_at: '2026-03-01T00:00:00.000Z', updated_at: '2026-03-02T00:00:00.000Z' }).where('full_name', 'in', ['dora', 'Dora', 'ed']).execute();
    await checkList(admin, '/api/users', USER_SORTS, ['email']);

    const people = [
      ['E-1', 'gus', 'Sales', 'Rep', '2026-01-05'],
      ['e-2', 'Gus', 'sales', null, null],
      ['E-3', 'hal', 'Ops', 'Rep', '2026-01-05'],
      ['E-10', 'Hal', null, 'Lead', null],
      ['E-4', 'ivy', 'Ops', 'rep', '2025-12-31'],
      ['E-5', 'gus', null, null, '2026-01-05'],
    ] as const;
    for (const [employeeCode, fullName, department, designation, dateOfJoining] of people) {
      const res = await env.req('POST', '/api/employees', {
        as: hr,
        body: { employeeCode, fullName, ...(department ? { department } : {}), ...(designation ? { designation } : {}), ...(dateOfJoining ? { dateOfJoining } : {}) },
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    await env.ctx.db.updateTable('employees').set({ created_at: '2026-04-01T00:00:00.000Z' }).where('employee_code', 'in', ['E-1', 'e-2']).execute();
    await checkList(hr, '/api/employees', EMPLOYEE_SORTS, ['employeeCode']);
  });

  it('training assignments, certificates, quiz submissions: every sort key pages through ties exactly once', async () => {
    await ready();
    const learners = await Promise.all(['kim', 'Kim', 'lou', 'max'].map((n) => env.user(['LMS Student'], n)));
    const c1 = (await makeCourse(env, { title: 'omega' })).courseId;
    const c2 = (await makeCourse(env, { title: 'Omega' })).courseId;
    for (const [courseId, dueDate] of [[c1, '2099-01-01'], [c2, '2099-01-01']] as const) {
      const res = await env.req('POST', '/api/training-assignments', { as: staff, body: { courseId, dueDate, memberIds: learners.map((l) => l.id) } });
      expect(res.statusCode, res.body).toBe(201);
    }
    await env.ctx.db.updateTable('training_assignments').set({ due_date: '2099-02-01' }).where('member_id', '=', learners[0]!.id).execute();
    await checkList(staff, '/api/training-assignments', ASSIGNMENT_SORTS);

    for (const [i, l] of learners.entries()) {
      for (const courseId of [c1, c2]) {
        const res = await env.req('POST', '/api/certificates', { as: staff, body: { memberId: l.id, courseId, issueDate: i < 2 ? '2026-05-01' : '2026-05-02', reason: 'Paper certificate on file' } });
        expect(res.statusCode, res.body).toBe(201);
      }
    }
    await env.ctx.db.updateTable('certificates').set({ expiry_date: '2027-05-01' }).where('member_id', 'in', [learners[0]!.id, learners[2]!.id]).execute();
    await checkList(staff, '/api/certificates', CERTIFICATE_SORTS);

    const quizA = await createQuiz(env, staff, { title: 'quiz one', courseId: c1 });
    const quizB = await createQuiz(env, staff, { title: 'Quiz One', courseId: c1 });
    for (const [i, l] of learners.entries()) {
      for (const quiz of [quizA, quizB]) {
        const good = answersFor(quiz, { single: [0], multiple: [0, 1], text: 'Paris' });
        const bad = answersFor(quiz, { single: [1], multiple: [2], text: 'Rome' });
        const res = await submit(env, l, quiz.id, { answers: i % 2 ? good : bad });
        expect(res.statusCode, res.body).toBe(201);
      }
    }
    await env.ctx.db.updateTable('quiz_submissions').set({ started_at: '2026-06-01T00:00:00.000Z', submitted_at: '2026-06-01T00:05:00.000Z' }).where('quiz_id', '=', quizA.id).execute();
    await checkList(staff, `/api/quiz-submissions?courseId=${c1}`, SUBMISSION_SORTS);
  });

  it('refuses sort keys a list does not have, and cursors of another sort, with VALIDATION_FAILED', async () => {
    await ready();
    const admin = await env.user(['System Manager']);
    const bad: [string, TestUser][] = [
      ['/api/enrollments?sort=memberEmail', staff],
      ['/api/enrollments?sort=--progress', staff],
      ['/api/enrollments?sort=', staff],
      ['/api/enrollments?sort=progress%20desc', staff],
      ['/api/courses?sort=price', staff],
      ['/api/users?sort=password_hash', admin],
      ['/api/employees?sort=user_id', hr],
      ['/api/training-assignments?sort=status', staff],
      ['/api/certificates?sort=verificationCode', staff],
      ['/api/quiz-submissions?sort=score;drop', staff],
    ];
    for (const [url, as] of bad) {
      const res = await env.req('GET', url, { as });
      expect(res.statusCode, url).toBe(400);
      const p = json<Problem>(res);
      expect(p.code).toBe('VALIDATION_FAILED');
      expect(p.errors?.some((e) => e.path.endsWith('sort')), url).toBe(true);
    }
    // A cursor belongs to its sort.
    for (let n = 0; n < 3; n++) await makeCourse(env, { title: `cursor ${n}` });
    const first = json<Page>(await env.req('GET', '/api/courses?sort=createdAt&limit=1', { as: staff }));
    expect(first.nextCursor).toBeTruthy();
    for (const qs of [`sort=title&cursor=${first.nextCursor}`, `sort=-createdAt&cursor=${first.nextCursor}`, 'sort=title&cursor=garbage']) {
      const res = await env.req('GET', `/api/courses?${qs}&limit=1`, { as: staff });
      expect(res.statusCode, qs).toBe(400);
      expect(json<Problem>(res).code).toBe('VALIDATION_FAILED');
    }
  });

  it('refuses a cursor whose number the sort key cannot hold (a fraction or a huge number for an integer key) with VALIDATION_FAILED', async () => {
    await ready();
    const learner = await env.user();
    const { courseId, lessonIds } = await makeCourse(env, { lessons: 2 });
    expect((await env.req('POST', `/api/courses/${courseId}/enroll`, { as: learner })).statusCode).toBe(201);
    expect((await env.req('POST', `/api/lessons/${lessonIds[0]}/complete`, { as: learner })).statusCode).toBe(200);
    const cursor = (value: number) => Buffer.from(JSON.stringify(['progress', value, ''])).toString('base64url');
    const get = (value: number) => env.req('GET', `/api/enrollments?courseId=${courseId}&sort=progress&cursor=${cursor(value)}`, { as: staff });
    // A whole number is a position in the list, whether or not a row has it.
    for (const [value, progress] of [[49, [50]], [50, [50]], [51, []]] as const) {
      const res = await get(value);
      expect(res.statusCode, res.body).toBe(200);
      expect(json<Page>(res).items.map((r) => r.progress), String(value)).toEqual(progress);
    }
    for (const value of [2.5, 1e300, 2 ** 31]) {
      const res = await get(value);
      expect(res.statusCode, `${value}: ${res.body}`).toBe(400);
      expect(json<Problem>(res).errors?.[0]?.path).toBe('querystring.cursor');
    }
  });
});
