import { expect, it } from 'vitest';
import { describeDb, json } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';

const HOUR = 3_600_000;
const at = (ms: number) => new Date(Date.now() + ms).toISOString();

interface CourseView {
  id: string;
  enrollmentOpensAt: string | null;
  enrollmentClosesAt: string | null;
  maxEnrollments: number | null;
  placesLeft: number | null;
  enrollmentState: string;
}

describeDb('enrollment window and capacity', (env) => {
  async function course(as: Awaited<ReturnType<typeof env.user>>, body: Record<string, unknown>) {
    const res = await env.req('POST', '/api/courses', { as, body: { title: 'Forklift safety', published: true, ...body } });
    expect(res.statusCode, res.body).toBe(201);
    return json<CourseView>(res);
  }

  it('stores the window and maximum, normalised to UTC, and shows the places left', async () => {
    const mod = await env.user(['Moderator']);
    const c = await course(mod, { enrollmentOpensAt: '2020-01-01T10:00:00+02:00', enrollmentClosesAt: '2099-01-01T00:00:00Z', maxEnrollments: 3 });
    expect(c).toMatchObject({
      enrollmentOpensAt: '2020-01-01T08:00:00.000Z',
      enrollmentClosesAt: '2099-01-01T00:00:00.000Z',
      maxEnrollments: 3,
      placesLeft: 3,
      enrollmentState: 'open',
    });
    const learner = await env.user();
    expect((await env.req('POST', `/api/courses/${c.id}/enroll`, { as: learner })).statusCode).toBe(201);
    expect(json<CourseView>(await env.req('GET', `/api/courses/${c.id}`, { as: learner }))).toMatchObject({ placesLeft: 2, enrollmentState: 'open' });
  });

  it('self-enrollment before the window opens or from its close is 422 ENROLLMENT_CLOSED and writes nothing', async () => {
    const mod = await env.user(['Moderator']);
    const early = await course(mod, { enrollmentOpensAt: at(24 * HOUR) });
    const late = await course(mod, { enrollmentClosesAt: at(-HOUR) });
    expect(json<CourseView>(await env.req('GET', `/api/courses/${early.id}`, { as: mod })).enrollmentState).toBe('not_yet_open');
    expect(json<CourseView>(await env.req('GET', `/api/courses/${late.id}`, { as: mod })).enrollmentState).toBe('closed');
    const learner = await env.user();
    const before = await env.count('enrollments');
    const audit = await env.count('audit_log');
    for (const c of [early, late]) {
      const res = await env.req('POST', `/api/courses/${c.id}/enroll`, { as: learner });
      expect(res.statusCode, res.body).toBe(422);
      expect(json(res).code).toBe('ENROLLMENT_CLOSED');
    }
    expect(await env.count('enrollments')).toBe(before);
    expect(await env.count('audit_log')).toBe(audit);
  });

  it('staff enrollment is not held by the window or the maximum', async () => {
    const mod = await env.user(['Moderator']);
    const c = await course(mod, { enrollmentClosesAt: at(-HOUR), maxEnrollments: 1 });
    const a = await env.user();
    const b = await env.user();
    for (const m of [a, b]) {
      const res = await env.req('POST', '/api/enrollments', { as: mod, body: { courseId: c.id, memberId: m.id } });
      expect(res.statusCode, res.body).toBe(201);
    }
    expect(json<CourseView>(await env.req('GET', `/api/courses/${c.id}`, { as: mod }))).toMatchObject({ placesLeft: 0, enrollmentState: 'closed' });
  });

  it('a full course answers 409 COURSE_FULL and writes nothing', async () => {
    const mod = await env.user(['Moderator']);
    const c = await course(mod, { maxEnrollments: 1 });
    expect((await env.req('POST', `/api/courses/${c.id}/enroll`, { as: await env.user() })).statusCode).toBe(201);
    const before = await env.count('enrollments');
    const res = await env.req('POST', `/api/courses/${c.id}/enroll`, { as: await env.user() });
    expect(res.statusCode, res.body).toBe(409);
    expect(json(res).code).toBe('COURSE_FULL');
    expect(await env.count('enrollments')).toBe(before);
    expect(json<CourseView>(await env.req('GET', `/api/courses/${c.id}`, { as: mod })).enrollmentState).toBe('full');
  });

  it('20 parallel self-enrollments against a maximum of 5: exactly 5 rows, the rest 409 COURSE_FULL', async () => {
    const mod = await env.user(['Moderator']);
    const c = await course(mod, { maxEnrollments: 5 });
    const learners = await Promise.all(Array.from({ length: 20 }, () => env.user()));
    const res = await Promise.all(learners.map((l) => env.req('POST', `/api/courses/${c.id}/enroll`, { as: l })));
    const codes = res.map((r) => r.statusCode).sort();
    expect(codes.filter((s) => s === 201)).toHaveLength(5);
    expect(codes.filter((s) => s === 409)).toHaveLength(15);
    for (const r of res.filter((x) => x.statusCode === 409)) expect(json(r).code).toBe('COURSE_FULL');
    const rows = await env.ctx.db
      .selectFrom('enrollments')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('course_id', '=', c.id)
      .executeTakeFirstOrThrow();
    expect(Number(rows.n)).toBe(5);
  });

  it('refuses bad input and writes nothing: closes before opens, negative or zero maximum, wrong types, oversize', async () => {
    const mod = await env.user(['Moderator']);
    const c = await course(mod, {});
    const before = await env.count('courses');
    const bad: [Record<string, unknown>, string][] = [
      [{ enrollmentOpensAt: '2027-02-01T00:00:00Z', enrollmentClosesAt: '2027-01-01T00:00:00Z' }, 'enrollmentClosesAt'],
      [{ enrollmentOpensAt: '2027-01-01T00:00:00Z', enrollmentClosesAt: '2027-01-01T00:00:00Z' }, 'enrollmentClosesAt'],
      [{ maxEnrollments: -1 }, 'maxEnrollments'],
      [{ maxEnrollments: 0 }, 'maxEnrollments'],
      [{ maxEnrollments: 2.5 }, 'maxEnrollments'],
      [{ maxEnrollments: '5' }, 'maxEnrollments'],
      [{ maxEnrollments: 10_000_000 }, 'maxEnrollments'],
      [{ enrollmentOpensAt: 'next monday' }, 'enrollmentOpensAt'],
      [{ enrollmentClosesAt: 12345 }, 'enrollmentClosesAt'],
      [{ enrollmentOpensAt: '2027-01-01' }, 'enrollmentOpensAt'],
    ];
    for (const [body, path] of bad) {
      const res = await env.req('POST', '/api/courses', { as: mod, body: { title: 'Bad', ...body } });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(json(res).code).toBe('VALIDATION_FAILED');
      expect(json<{ errors: { path: string }[] }>(res).errors.map((e) => e.path)).toContain(path);
      const patch = await env.req('PATCH', `/api/courses/${c.id}`, { as: mod, body });
      expect(patch.statusCode, JSON.stringify(body)).toBe(400);
    }
    expect(await env.count('courses')).toBe(before);
    // A patch that only moves the close before the stored open is refused as well.
    expect((await env.req('PATCH', `/api/courses/${c.id}`, { as: mod, body: { enrollmentOpensAt: '2027-06-01T00:00:00Z' } })).statusCode).toBe(200);
    const res = await env.req('PATCH', `/api/courses/${c.id}`, { as: mod, body: { enrollmentClosesAt: '2027-05-01T00:00:00Z' } });
    expect(res.statusCode).toBe(400);
    expect(json<CourseView>(await env.req('GET', `/api/courses/${c.id}`, { as: mod })).enrollmentClosesAt).toBeNull();
  });

  it('another instructor’s course cannot be given a window (nothing written)', async () => {
    const owner = await env.user(['Course Creator']);
    const other = await env.user(['Course Creator']);
    const c = await course(owner, {});
    const res = await env.req('PATCH', `/api/courses/${c.id}`, { as: other, body: { maxEnrollments: 1 } });
    expect([403, 404]).toContain(res.statusCode);
    expect(json<CourseView>(await env.req('GET', `/api/courses/${c.id}`, { as: owner })).maxEnrollments).toBeNull();
  });

  it('the database refuses a window that closes before it opens and a maximum below 1', async () => {
    const { courseId } = await makeCourse(env);
    await expect(
      env.ctx.db.updateTable('courses').set({ enrollment_opens_at: '2027-02-01T00:00:00.000Z', enrollment_closes_at: '2027-01-01T00:00:00.000Z' }).where('id', '=', courseId).execute(),
    ).rejects.toThrow();
    await expect(env.ctx.db.updateTable('courses').set({ max_enrollments: 0 }).where('id', '=', courseId).execute()).rejects.toThrow();
  });
});
