import { expect, it } from 'vitest';
import { describeDb, json, type TestUser } from '../../../../test/helpers/harness.ts';
import { courseKit, ok, type Problem } from '../../../../test/helpers/courses.ts';
import { answersFor, createQuiz, enrollIn, pdfText, submit } from '../../../../test/helpers/quizzes.ts';
import { newId } from '../../db/ids.ts';
import { DAY_MS, nowIso } from '../../db/dialect.ts';
import type { Course } from '../../../contract/courses.ts';

interface Entry {
  id: string;
  at: string;
  entity: string;
  entityId: string;
  action: string;
  position: number | null;
  hash: string | null;
}

describeDb('course audit trail', (env) => {
  const kit = courseKit(env);
  let mod: TestUser;
  let teacher: TestUser;
  let learner: TestUser;
  let course: Course;
  let other: Course;

  async function seed() {
    if (course) return;
    mod = await env.user(['Moderator'], 'Mara Moderator');
    teacher = await env.user(['Course Creator'], 'Tomás Teacher');
    learner = await env.user(['LMS Student'], 'Zoë Łukasiewicz');
    course = await kit.course(teacher, { title: 'Forklift Safety 叉车' });
    const chapter = await kit.chapter(teacher, course.id, 'Basics');
    await kit.lesson(teacher, chapter.id, { title: 'Before you drive' });
    const quiz = await createQuiz(env, mod, { courseId: course.id, title: 'Forklift check' });
    await kit.lesson(teacher, chapter.id, { title: 'Check', kind: 'quiz', quizId: quiz.id });
    await ok(env.req('PATCH', `/api/courses/${course.id}`, { as: teacher, body: { published: true } }));
    other = await kit.course(mod, { title: 'Other course' });
    const otherChapter = await kit.chapter(mod, other.id, 'Elsewhere');
    await kit.lesson(mod, otherChapter.id, { title: 'Not this one' });
    await ok(env.req('PATCH', `/api/courses/${other.id}`, { as: mod, body: { published: true } }));
    await enrollIn(env, course.id, learner);
    await enrollIn(env, other.id, learner);
    const sub = await submit(env, learner, quiz.id, { answers: answersFor(quiz, { single: [0], multiple: [0, 2], text: 'water' }) });
    expect(sub.statusCode, sub.body).toBeLessThan(300);
  }

  /** Every entry of the course's trail through the API, following the cursor. */
  async function trail(as: TestUser, query = ''): Promise<Entry[]> {
    const out: Entry[] = [];
    let cursor = '';
    for (;;) {
      const page = await ok<{ items: Entry[]; nextCursor: string | null }>(
        env.req('GET', `/api/courses/${course.id}/audit-log?limit=3${query}${cursor ? `&cursor=${cursor}` : ''}`, { as }),
      );
      out.push(...page.items);
      if (!page.nextCursor) return out;
      cursor = page.nextCursor;
    }
  }

  it('lists exactly the entries about the course, its structure, quizzes, enrollments and attempts, newest first', async () => {
    await seed();
    const db = env.ctx.db;
    // What the database says belongs to the course, read directly.
    const chapters = await db.selectFrom('chapters').select('id').where('course_id', '=', course.id).execute();
    const lessons = await db.selectFrom('lessons').select(['id', 'quiz_id']).where('course_id', '=', course.id).execute();
    const enrollments = await db.selectFrom('enrollments').select('id').where('course_id', '=', course.id).execute();
    const attempts = await db.selectFrom('quiz_submissions').select('id').where('course_id', '=', course.id).execute();
    const ids = [course.id, ...chapters.map((r) => r.id), ...lessons.map((r) => r.id), ...lessons.flatMap((r) => (r.quiz_id ? [r.quiz_id] : [])), ...enrollments.map((r) => r.id), ...attempts.map((r) => r.id)];
    const expected = await db.selectFrom('audit_log').select('id').where('entity_id', 'in', ids).orderBy('id', 'desc').execute();
    expect(expected.length).toBeGreaterThanOrEqual(7);

    const got = await trail(mod);
    expect(got.map((e) => e.id)).toEqual(expected.map((r) => r.id));
    expect(new Set(got.map((e) => e.entity))).toEqual(new Set(['course', 'chapter', 'lesson', 'quiz', 'enrollment', 'quiz_submission']));
    expect(got.every((e) => e.position !== null && /^[0-9a-f]{64}$/.test(e.hash ?? ''))).toBe(true);
    // The other course's entries are not in it.
    const otherIds = await db.selectFrom('audit_log').select('id').where('entity_id', '=', other.id).execute();
    expect(otherIds.length).toBeGreaterThan(0);
    expect(got.some((e) => otherIds.some((o) => o.id === e.id))).toBe(false);
    // The course's teacher reads the same trail.
    expect((await trail(teacher)).map((e) => e.id)).toEqual(expected.map((r) => r.id));
  });

  it('a removed enrollment stays in the trail; the date range is applied by day, both days included', async () => {
    await seed();
    const stranger = await env.user(['LMS Student'], 'Ada Gone');
    const enrollmentId = await enrollIn(env, course.id, stranger);
    const del = await env.req('DELETE', `/api/enrollments/${enrollmentId}`, { as: mod, body: { reason: 'Joined by mistake' } });
    expect(del.statusCode, del.body).toBeLessThan(300);
    const all = await trail(mod);
    expect(all.filter((e) => e.entityId === enrollmentId).map((e) => e.action).sort()).toEqual(['create', 'delete']);

    const today = nowIso().slice(0, 10);
    expect((await trail(mod, `&from=${today}&to=${today}`)).map((e) => e.id)).toEqual(all.map((e) => e.id));
    const tomorrow = new Date(Date.now() + DAY_MS).toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - DAY_MS).toISOString().slice(0, 10);
    expect(await trail(mod, `&from=${tomorrow}`)).toEqual([]);
    expect(await trail(mod, `&to=${yesterday}`)).toEqual([]);
  });

  it('CSV and PDF say the same in words: names, records, positions; the PDF names the chain head it reflects', async () => {
    await seed();
    const entries = await trail(mod);
    const csv = await env.req('GET', `/api/courses/${course.id}/audit-log/export.csv`, { as: teacher });
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.trim().split(/\r?\n/);
    expect(lines[0]).toContain('Position,When (UTC),By,Action,Record,Learner');
    expect(lines).toHaveLength(entries.length + 1);
    expect(csv.body).toContain('Enrollment of Zoë Łukasiewicz');
    expect(csv.body).toContain('Lesson “Before you drive”');
    expect(csv.body).toContain('Tomás Teacher');
    expect(csv.body).not.toContain('Not this one');
    // Actions and changed fields read as words, not as codes and keys.
    expect(csv.body).toContain(',Created,');
    expect(csv.body).not.toMatch(/,(create|update|delete),/);
    expect(csv.body).not.toMatch(/course_id|courseId|member_id/);

    const pdfRes = await env.req('GET', `/api/courses/${course.id}/audit-log.pdf?download=true`, { as: mod });
    expect(pdfRes.headers['content-disposition']).toMatch(/^attachment; filename="audit-trail-Forklift-Safety-/);
    const text = pdfText(pdfRes);
    for (const s of ['Audit trail — Forklift Safety 叉车', `${entries.length} entries`, 'Zoë Łukasiewicz', 'Tomás Teacher', 'Before you drive', 'Page 1 of', 'by Mara Moderator', 'Created']) {
      expect(text).toContain(s);
    }
    const head = await env.ctx.db.selectFrom('audit_chain_head').select(['seq', 'hash']).executeTakeFirstOrThrow();
    expect(Number(head.seq)).toBeGreaterThanOrEqual(Math.max(...entries.map((e) => e.position ?? 0)));
    expect(text.replace(/\s/g, '')).toContain(`#${entries[0]!.position}`);
  });

  it('only its managers read it: another Course Creator gets 404, a learner 403, anonymous 401', async () => {
    await seed();
    const outsider = await env.user(['Course Creator']);
    for (const url of [`/api/courses/${course.id}/audit-log`, `/api/courses/${course.id}/audit-log/export.csv`, `/api/courses/${course.id}/audit-log.pdf`]) {
      expect(json<Problem>(await env.req('GET', url, { as: outsider })).code).toBe('NOT_FOUND');
      expect((await env.req('GET', url, { as: learner })).statusCode).toBe(403);
      expect((await env.req('GET', url)).statusCode).toBe(401);
    }
    expect((await env.req('GET', `/api/courses/${newId()}/audit-log`, { as: mod })).statusCode).toBe(404);
  });

  it('bad ranges are refused with the field named; a PDF refuses more entries than it holds and the CSV still has them all', async () => {
    await seed();
    const bad: [string, string][] = [
      ['from=2026-13-01', 'querystring.from'],
      ['to=yesterday', 'querystring.to'],
      ['from=2026-12-06&to=2026-12-01', 'querystring.to'],
      [`from=${'9'.repeat(5000)}`, 'querystring.from'],
      ['courseId=x', ''],
      ['from=2026-12-01%00', 'querystring.from'],
    ];
    for (const [q, field] of bad) {
      for (const url of [`/api/courses/${course.id}/audit-log?${q}`, `/api/courses/${course.id}/audit-log.pdf?${q}`]) {
        const res = await env.req('GET', url, { as: mod });
        expect(res.statusCode, `${url}: ${res.body}`).toBe(400);
        const p = json<Problem>(res);
        expect(p.code).toBe('VALIDATION_FAILED');
        if (field) expect(p.errors?.map((e) => e.path)).toContain(field);
      }
    }

    // 5,001 entries about one new course (written straight into the log, as a long history would be).
    const big = await kit.course(mod, { title: 'Long history' });
    const at = nowIso();
    const rows = Array.from({ length: 5001 }, (_, i) => ({
      id: newId(),
      at,
      actor_id: mod.id,
      action: 'update',
      entity: 'lesson',
      entity_id: `lesson-${i}`,
      before_json: null,
      after_json: JSON.stringify({ courseId: big.id, position: i }),
      request_id: null,
      import_id: null,
    }));
    for (let i = 0; i < rows.length; i += 500) await env.ctx.db.insertInto('audit_log').values(rows.slice(i, i + 500)).execute();
    const pdf = await env.req('GET', `/api/courses/${big.id}/audit-log.pdf`, { as: mod });
    expect(pdf.statusCode).toBe(400);
    const p = json<Problem>(pdf);
    expect(p.errors?.[0]?.path).toBe('querystring.from');
    expect(p.errors?.[0]?.message).toContain('download the CSV');
    const csv = await env.req('GET', `/api/courses/${big.id}/audit-log/export.csv`, { as: mod });
    expect(csv.statusCode).toBe(200);
    expect(csv.body.trim().split(/\r?\n/)).toHaveLength(5001 + 1 + 1); // the header, the rows, the course's creation
  }, 60_000);
});
