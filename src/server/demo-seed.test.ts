import { expect, it } from 'vitest';
import { describeDb, json, sessionCookie } from '../../test/helpers/harness.ts';
import { AppError } from './http/errors.ts';
import { DEMO_NOT_EMPTY, DEMO_ORGANISATION, DEMO_PASSWORD, DEMO_STEPS, seedDemo, formatDemoSeed, type DemoSeedResult } from './demo-seed.ts';
import { progressSql } from './lms/enrollments/index.ts';
import { getSettings } from './platform/settings.service.ts';
import { today } from './db/dialect.ts';
import { addDays, addMonths } from './hr/index.ts';

const TABLES = [
  'users',
  'user_roles',
  'departments',
  'designations',
  'employees',
  'employee_onboardings',
  'courses',
  'chapters',
  'lessons',
  'quizzes',
  'quiz_questions',
  'enrollments',
  'lesson_completions',
  'quiz_submissions',
  'certificates',
  'training_assignments',
  'employee_documents',
  'employee_compliance',
  'audit_log',
];

describeDb('smooth seed --demo', (env) => {
  let result: DemoSeedResult;

  async function snapshot(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const t of TABLES) out[t] = await env.count(t);
    return out;
  }

  async function refusal(): Promise<AppError> {
    const e: unknown = await seedDemo(env.ctx).then(
      () => null,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }

  it('refuses a database that already has a course, writing nothing', async () => {
    const admin = await env.user(['System Manager']);
    const created = await env.req('POST', '/api/courses', { as: admin, body: { title: 'Existing course' } });
    expect(created.statusCode).toBe(201);
    const before = await snapshot();
    const e = await refusal();
    expect(e.code).toBe('DATABASE_NOT_EMPTY');
    expect(e.message).toBe(DEMO_NOT_EMPTY);
    expect(await snapshot()).toEqual(before);
    // Empty it again (the test user stays: only courses make a database "not empty").
    const del = await env.req('DELETE', `/api/courses/${json<{ id: string }>(created).id}`, { as: admin });
    expect(del.statusCode).toBe(204);
    expect(await env.count('courses')).toBe(0);
  });

  it('fills an empty database with the demo organisation', async () => {
    const usersBefore = await env.count('users');
    const steps: string[] = [];
    result = await seedDemo(env.ctx, (n, step) => steps.push(`${n} ${step}`));
    // The command prints each step as it starts: all of them, in order.
    expect(steps).toEqual(DEMO_STEPS.map((step, i) => `${i + 1} ${step}`));
    expect(result.counts).toMatchObject({
      users: usersBefore + 34,
      departments: 7,
      employees: 31,
      employee_onboardings: 20,
      courses: 6,
      quizzes: 5,
      // 20 onboarded × 3 published mandatory courses, 10 self-enrollments, 6 + 4 admin enrollments.
      enrollments: 80,
      // The mandatory courses assigned at onboarding, and Fire Safety again to the learner the recertification run opened a cycle for.
      training_assignments: 61,
      // Six first aiders (five certificates), 30 declarations, four work permits.
      employee_documents: 9,
      employee_compliance: 36,
    });
    for (const [k, v] of Object.entries(result.counts)) expect(await env.count(k), k).toBe(v);
    // HR sees compliance at every stage, and documents about to expire.
    const statuses = await env.ctx.db.selectFrom('employee_compliance').select('status').distinct().execute();
    expect(statuses.map((r) => r.status).sort()).toEqual(['complete', 'expired', 'expiring', 'pending']);

    const db = env.ctx.db;
    const courses = await db.selectFrom('courses').select(['title', 'published', 'mandatory', 'paid', 'enable_certification']).execute();
    expect(courses.filter((c) => c.published === 1 && c.mandatory === 1)).toHaveLength(3);
    expect(courses.filter((c) => c.published === 0)).toHaveLength(1);
    expect(courses.filter((c) => c.paid === 1)).toHaveLength(1);
    expect(courses.filter((c) => c.enable_certification === 1)).toHaveLength(2);

    const enrollments = await db
      .selectFrom('enrollments')
      .select([progressSql().as('progress'), 'source', 'completed_at'])
      .execute();
    const progress = new Set(enrollments.map((e) => Number(e.progress)));
    expect(progress.has(0)).toBe(true);
    expect(progress.has(100)).toBe(true);
    expect([...progress].some((p) => p > 0 && p < 100)).toBe(true);
    expect(new Set(enrollments.map((e) => e.source))).toEqual(new Set(['onboarding', 'self', 'admin']));
    expect(enrollments.filter((e) => e.completed_at !== null).length).toBeGreaterThan(0);

    // Certificates come from the enrollment.completed hook (auto mode), never for courses without certification.
    const certs = await db
      .selectFrom('certificates')
      .innerJoin('courses', 'courses.id', 'certificates.course_id')
      .select(['certificates.source', 'courses.enable_certification'])
      .execute();
    expect(certs.length).toBeGreaterThan(0);
    expect(certs.every((c) => c.source === 'auto' && c.enable_certification === 1)).toBe(true);

    // A year on: one Fire Safety certificate is due for renewal and its holder's second cycle is open
    // (the first keeps its dates in order and its certificate); another expires in 45 days, not due yet.
    const cycles = await db.selectFrom('enrollment_cycles').selectAll().execute();
    expect(cycles).toHaveLength(1);
    expect(cycles[0]!.started_at < cycles[0]!.completed_at! && cycles[0]!.completed_at! < cycles[0]!.closed_at).toBe(true);
    const renewed = await db.selectFrom('certificates').select(['issue_date', 'expiry_date', 'superseded_at']).where('id', '=', cycles[0]!.certificate_id).executeTakeFirstOrThrow();
    expect([renewed.issue_date, renewed.expiry_date]).toEqual([addDays(today(), -345), addMonths(addDays(today(), -345), 12)]);
    expect(renewed.superseded_at).not.toBeNull();
    const due = await db.selectFrom('training_assignments').select('due_date').where('member_id', '=', cycles[0]!.member_id).where('course_id', '=', cycles[0]!.course_id).where('status', '=', 'open').execute();
    expect(due.map((a) => a.due_date)).toEqual([renewed.expiry_date]);

    // Quiz submissions: passed and failed ones.
    const subs = await db.selectFrom('quiz_submissions').select(['passed', 'status']).execute();
    expect(subs.some((s) => s.passed === 1)).toBe(true);
    expect(subs.some((s) => s.passed === 0)).toBe(true);

    // The organisation has a name of its own (certificates and mails carry it; the desk's
    // getting-started list does not ask for one).
    expect((await getSettings(db)).organisationName).toBe(DEMO_ORGANISATION);

    // Names with non-Latin letters survive.
    const names = (await db.selectFrom('users').select('full_name').execute()).map((u) => u.full_name);
    expect(names).toContain('Zoë Łukasiewicz');
    expect(names).toContain('Dmitri Ivanov');

    // Every change went through the services: audit entries exist for what was created.
    const audited = await db.selectFrom('audit_log').select('entity').distinct().execute();
    for (const entity of ['user', 'employee', 'course', 'lesson', 'quiz', 'certificate']) {
      expect(
        audited.map((a) => a.entity),
        entity,
      ).toContain(entity);
    }

    const text = formatDemoSeed(result);
    expect(text).toContain('admin@demo.smooth');
    expect(text).toContain(DEMO_PASSWORD);

    // A lesson's page has its title as the heading: no text lesson repeats it as a heading of its own.
    const bodies = await env.ctx.db.selectFrom('lessons').select(['title', 'body']).where('kind', '=', 'text').execute();
    expect(bodies.length).toBeGreaterThan(5);
    expect(bodies.filter((l) => /^\s*# /.test(l.body ?? '')).map((l) => l.title)).toEqual([]);
  }, 120_000);

  it('prints logins that work through POST /api/auth/login, with the right roles', async () => {
    const roles = result.logins.map((l) => l.role);
    expect(roles).toEqual(expect.arrayContaining(['System Manager', 'Moderator', 'Course Creator', 'HR Manager', 'LMS Student']));
    expect(result.logins.find((l) => l.role === 'System Manager')?.email).toBe('admin@demo.smooth');
    for (const login of result.logins) {
      const res = await env.req('POST', '/api/auth/login', { body: { email: login.email, password: login.password } });
      expect(res.statusCode, login.email).toBe(200);
      const me = await env.req('GET', '/api/auth/me', { headers: { cookie: sessionCookie(res) } });
      expect(me.statusCode).toBe(200);
      expect(json<{ roles: string[] }>(me).roles).toContain(login.role);
    }
    const wrong = await env.req('POST', '/api/auth/login', { body: { email: 'admin@demo.smooth', password: 'not-the-password' } });
    expect(wrong.statusCode).toBe(401);
  });

  it('shows overdue training assignments and learners at every stage through the API', async () => {
    const login = await env.req('POST', '/api/auth/login', { body: { email: 'admin@demo.smooth', password: DEMO_PASSWORD } });
    const as = { headers: { cookie: sessionCookie(login) } };
    const overdue = await env.req('GET', '/api/training-assignments?status=overdue&withTotal=true', as);
    expect(overdue.statusCode).toBe(200);
    expect(json<{ total: number }>(overdue).total).toBeGreaterThan(0);
    const completed = await env.req('GET', '/api/training-assignments?status=completed&withTotal=true', as);
    expect(json<{ total: number }>(completed).total).toBeGreaterThan(0);
    const notStarted = await env.req('GET', '/api/enrollments?progressMax=0&withTotal=true', as);
    expect(notStarted.statusCode).toBe(200);
    expect(json<{ total: number }>(notStarted).total).toBeGreaterThan(0);
    const done = await env.req('GET', '/api/enrollments?completed=true&withTotal=true', as);
    expect(json<{ total: number }>(done).total).toBeGreaterThan(0);
  });

  it('refuses a second seed and writes nothing', async () => {
    const before = await snapshot();
    const e = await refusal();
    expect(e.status).toBe(409);
    expect(e.code).toBe('DATABASE_NOT_EMPTY');
    expect(await snapshot()).toEqual(before);
  });
});
