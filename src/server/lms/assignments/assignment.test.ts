import { expect, it } from 'vitest';
import { describeDb, json, type TestEnv, type TestUser } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { ok, type Problem } from '../../../../test/helpers/courses.ts';
import { fileUpload, samples } from '../../../../test/helpers/multipart.ts';

type Assignment = { id: string; submissionKind: string; lessonId: string | null; courseId: string | null };
type Submission = { id: string; status: string; version: number; late: boolean; memberId: string; score: number | null; comment: string | null; gradedBy: string | null; file: { url: string } | null; dueDate: string | null };
type Page<T> = { items: T[]; nextCursor: string | null };

async function writes(env: TestEnv) {
  return {
    assignments: await env.count('assignments'),
    submissions: await env.count('assignment_submissions'),
    files: await env.count('files'),
    audit: await env.count('audit_log'),
    completions: await env.count('lesson_completions'),
  };
}

/** A course whose second lesson is an assignment lesson, a batch with the learner and an evaluator. */
async function world(env: TestEnv, kind: 'text' | 'file' | 'url' = 'text', dueDate = '2099-12-31') {
  const mod = await env.user(['Moderator']);
  const evaluator = await env.user(['Batch Evaluator'], 'Eve Evaluator');
  const outsider = await env.user(['Batch Evaluator'], 'Otto Outsider');
  const learner = await env.user(['LMS Student'], 'Lea Learner');
  const other = await env.user(['LMS Student'], 'Olaf Other');
  const course = await makeCourse(env, { lessons: 2, kinds: ['text', 'assignment'] });
  const assignment = await ok<Assignment>(
    env.req('POST', '/api/assignments', {
      as: mod,
      body: { title: 'Write a risk register', instructions: '# Task\n\nList **five** risks.', submissionKind: kind, lessonId: course.lessonIds[1] },
    }),
    201,
  );
  const batch = await ok<{ id: string }>(
    env.req('POST', '/api/batches', {
      as: mod,
      body: { title: 'Autumn', startDate: '2026-01-01', endDate: '2099-12-31', timezone: 'Europe/Berlin', courseIds: [course.courseId], evaluatorIds: [evaluator.id] },
    }),
    201,
  );
  for (const u of [learner, other]) await ok(env.req('POST', `/api/batches/${batch.id}/members`, { as: mod, body: { memberId: u.id } }), 201);
  await ok(env.req('POST', `/api/batches/${batch.id}/assessments`, { as: mod, body: { kind: 'assignment', assignmentId: assignment.id, dueDate } }), 201);
  return { mod, evaluator, outsider, learner, other, course, assignment, batch };
}

function submitText(env: TestEnv, as: TestUser, id: string, text = 'My five risks') {
  return env.req('POST', `/api/assignments/${id}/submissions`, { as, body: { text } });
}

describeDb('assignments: submissions, versions, grading, queue', (env) => {
  it('submit → queue → grade fail → resubmit → pass completes the lesson; every version kept; audited', async () => {
    const w = await world(env);
    const first = await ok<Submission>(submitText(env, w.learner, w.assignment.id), 201);
    expect(first).toMatchObject({ assignmentId: w.assignment.id, memberId: w.learner.id, status: 'submitted', version: 1, late: false, dueDate: '2099-12-31' });
    expect(first).toHaveProperty('submittedAt');

    // The evaluator's queue: waiting submissions of their batches, oldest first, with due dates.
    const queue = await ok<Page<Submission>>(env.req('GET', '/api/assignment-submissions?status=submitted', { as: w.evaluator }));
    expect(queue.items.map((s) => s.id)).toEqual([first.id]);
    // An evaluator of no batch sees nothing and cannot grade it.
    expect((await ok<Page<Submission>>(env.req('GET', '/api/assignment-submissions?status=submitted', { as: w.outsider }))).items).toEqual([]);
    const before = await writes(env);
    const outside = await env.req('POST', `/api/assignment-submissions/${first.id}/grade`, { as: w.outsider, body: { result: 'pass' } });
    expect(outside.statusCode).toBe(404);
    expect(await writes(env)).toEqual(before);

    const failed = await ok<Submission>(
      env.req('POST', `/api/assignment-submissions/${first.id}/grade`, { as: w.evaluator, body: { result: 'fail', comment: 'Only three risks.', score: 40 } }),
    );
    expect(failed).toMatchObject({ status: 'failed', score: 40, comment: 'Only three risks.', gradedBy: w.evaluator.id, gradedByName: 'Eve Evaluator' });
    expect(await env.count('lesson_completions')).toBe(0);

    const second = await ok<Submission>(submitText(env, w.learner, w.assignment.id, 'Five risks now'), 201);
    expect(second.version).toBe(2);
    const passed = await ok<Submission>(env.req('POST', `/api/assignment-submissions/${second.id}/grade`, { as: w.evaluator, body: { result: 'pass', score: 90 } }));
    expect(passed.status).toBe('passed');
    // The lesson completed through the progress path: the enrollment's progress moved.
    const completion = await env.ctx.db.selectFrom('lesson_completions').selectAll().where('member_id', '=', w.learner.id).execute();
    expect(completion.map((c) => c.lesson_id)).toEqual([w.course.lessonIds[1]]);
    const enr = await env.ctx.db.selectFrom('enrollments').select('completed_lessons').where('member_id', '=', w.learner.id).executeTakeFirstOrThrow();
    expect(Number(enr.completed_lessons)).toBe(1);

    // After a pass: 409 ALREADY_PASSED, nothing written.
    const w2 = await writes(env);
    const again = await submitText(env, w.learner, w.assignment.id);
    expect(again.statusCode).toBe(409);
    expect(json<Problem>(again).code).toBe('ALREADY_PASSED');
    expect(await writes(env)).toEqual(w2);

    // History: both versions, the learner's own only.
    const mine = await ok<Page<Submission>>(env.req('GET', `/api/assignment-submissions?assignmentId=${w.assignment.id}`, { as: w.learner }));
    expect(mine.items.map((s) => [s.version, s.status])).toEqual([[1, 'failed'], [2, 'passed']]);
    expect((await ok<Page<Submission>>(env.req('GET', '/api/assignment-submissions', { as: w.other }))).items).toEqual([]);
    expect((await env.req('GET', `/api/assignment-submissions/${first.id}`, { as: w.other })).statusCode).toBe(404);

    const audit = await env.ctx.db.selectFrom('audit_log').selectAll().where('entity', '=', 'assignment_submission').where('action', '=', 'grade').orderBy('seq').execute();
    expect(audit).toHaveLength(2);
    expect(JSON.parse(audit[0]!.before_json!)).toMatchObject({ status: 'submitted' });
    expect(JSON.parse(audit[0]!.after_json!)).toMatchObject({ status: 'failed', comment: 'Only three risks.' });
  });

  it('marks late submissions against the batch due date', async () => {
    const w = await world(env, 'text', '2020-01-31');
    const s = await ok<Submission>(submitText(env, w.learner, w.assignment.id), 201);
    expect(s).toMatchObject({ late: true, dueDate: '2020-01-31' });
  });

  it('refuses bad input with problem+json and writes nothing', async () => {
    const w = await world(env);
    const stranger = await env.user();
    const before = await writes(env);
    const cases: [TestUser, string, unknown, number, string][] = [
      [w.learner, `/api/assignments/${w.assignment.id}/submissions`, {}, 400, 'VALIDATION_FAILED'],
      [w.learner, `/api/assignments/${w.assignment.id}/submissions`, { text: 5 }, 400, 'VALIDATION_FAILED'],
      [w.learner, `/api/assignments/${w.assignment.id}/submissions`, { url: 'https://example.com/x' }, 400, 'VALIDATION_FAILED'],
      [w.learner, `/api/assignments/${w.assignment.id}/submissions`, { text: 'x'.repeat(100_001) }, 400, 'VALIDATION_FAILED'],
      [w.learner, `/api/assignments/${w.assignment.id}/submissions`, { text: 'hi', extra: 1 }, 400, 'VALIDATION_FAILED'],
      [w.learner, '/api/assignments/nope/submissions', { text: 'hi' }, 404, 'NOT_FOUND'],
      [w.learner, '/api/assignments/BAD!/submissions', { text: 'hi' }, 400, 'VALIDATION_FAILED'],
      [w.learner, '/api/assignments', { title: 'x', instructions: '', submissionKind: 'text' }, 403, 'FORBIDDEN'],
      [w.mod, '/api/assignments', { title: '', instructions: '', submissionKind: 'text' }, 400, 'VALIDATION_FAILED'],
      [w.mod, '/api/assignments', { title: 'x', instructions: '', submissionKind: 'video' }, 400, 'VALIDATION_FAILED'],
      [w.mod, '/api/assignments', { title: 'x', instructions: '', submissionKind: 'text', lessonId: w.course.lessonIds[0] }, 400, 'VALIDATION_FAILED'],
      [w.mod, '/api/assignments', { title: 'x', instructions: '', submissionKind: 'text', lessonId: w.course.lessonIds[1] }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [as, url, body, status, code] of cases) {
      const res = await env.req('POST', url, { as, body });
      expect(res.statusCode, `${url} ${JSON.stringify(body).slice(0, 80)} ${res.body}`).toBe(status);
      expect(json<Problem>(res).code).toBe(code);
    }
    // Someone neither enrolled nor in the batch: the assignment is not there.
    expect((await submitText(env, stranger, w.assignment.id)).statusCode).toBe(404);
    expect(await writes(env)).toEqual(before);

    // Grading one's own submission: an evaluator who is also a learner of the batch.
    await ok(env.req('POST', `/api/batches/${w.batch.id}/members`, { as: w.mod, body: { memberId: w.evaluator.id } }), 201);
    const own = await ok<Submission>(submitText(env, w.evaluator, w.assignment.id), 201);
    const mid = await writes(env);
    const self = await env.req('POST', `/api/assignment-submissions/${own.id}/grade`, { as: w.evaluator, body: { result: 'pass' } });
    expect(self.statusCode).toBe(403);
    expect(json<Problem>(self).code).toBe('SELF_GRADE_FORBIDDEN');
    for (const body of [{}, { result: 'maybe' }, { result: 'pass', score: -1 }, { result: 'pass', score: 'ten' }]) {
      const res = await env.req('POST', `/api/assignment-submissions/${own.id}/grade`, { as: w.mod, body });
      expect(res.statusCode).toBe(400);
    }
    // A learner cannot grade.
    expect((await env.req('POST', `/api/assignment-submissions/${own.id}/grade`, { as: w.learner, body: { result: 'pass' } })).statusCode).toBe(403);
    expect(await writes(env)).toEqual(mid);
  });

  it('file submissions: type and size limits, stored, downloadable by the author and graders only', async () => {
    const w = await world(env, 'file');
    const before = await writes(env);
    const wrong = fileUpload(samples.text, 'notes.txt', 'text/plain');
    const res = await env.req('POST', `/api/assignments/${w.assignment.id}/submissions`, { as: w.learner, body: wrong.body, headers: wrong.headers });
    expect(res.statusCode, res.body).toBe(415);
    expect(json<Problem>(res).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const big = fileUpload(Buffer.concat([samples.pdf, Buffer.alloc(21 * 1024 * 1024)]), 'big.pdf', 'application/pdf');
    const tooBig = await env.req('POST', `/api/assignments/${w.assignment.id}/submissions`, { as: w.learner, body: big.body, headers: big.headers });
    expect(tooBig.statusCode).toBe(413);
    const json400 = await submitText(env, w.learner, w.assignment.id);
    expect(json400.statusCode).toBe(400);
    expect(await writes(env)).toEqual(before);

    const up = fileUpload(samples.pdf, 'register.pdf', 'application/pdf');
    const created = await env.req('POST', `/api/assignments/${w.assignment.id}/submissions`, { as: w.learner, body: up.body, headers: up.headers });
    expect(created.statusCode, created.body).toBe(201);
    const s = json<Submission>(created);
    expect(s.file).toMatchObject({ filename: 'register.pdf' });
    const got = await env.req('GET', s.file!.url, { as: w.evaluator });
    expect(got.statusCode).toBe(200);
    expect(got.rawPayload.equals(samples.pdf)).toBe(true);
    expect((await env.req('GET', s.file!.url, { as: w.other })).statusCode).toBe(404);
  });

  it('url submissions accept web addresses only', async () => {
    const w = await world(env, 'url');
    const before = await env.count('assignment_submissions');
    for (const url of ['javascript:alert(1)', 'ftp://x', 'not a url']) {
      const res = await env.req('POST', `/api/assignments/${w.assignment.id}/submissions`, { as: w.learner, body: { url } });
      expect(res.statusCode).toBe(400);
    }
    expect(await env.count('assignment_submissions')).toBe(before);
    const s = await ok<Submission>(env.req('POST', `/api/assignments/${w.assignment.id}/submissions`, { as: w.learner, body: { url: 'https://docs.example.com/risks' } }), 201);
    expect(s).toMatchObject({ status: 'submitted' });
  });

  it('the assignment lesson cannot be marked complete by hand', async () => {
    const w = await world(env);
    const res = await env.req('POST', `/api/lessons/${w.course.lessonIds[1]}/complete`, { as: w.learner });
    expect(res.statusCode).toBe(422);
    expect(json<Problem>(res).code).toBe('LESSON_REQUIRES_ASSIGNMENT');
    const a = await ok<Assignment>(env.req('GET', `/api/lessons/${w.course.lessonIds[1]}/assignment`, { as: w.learner }));
    expect(a.id).toBe(w.assignment.id);
  });

  it('races: two evaluators grading one submission → one grade wins, the other is told; two submits at once → one', async () => {
    const w = await world(env);
    const second = await env.user(['Batch Evaluator']);
    await ok(env.req('PATCH', `/api/batches/${w.batch.id}`, { as: w.mod, body: { evaluatorIds: [w.evaluator.id, second.id] } }));
    const count0 = await env.count('assignment_submissions');
    const submits = await Promise.all(Array.from({ length: 5 }, () => submitText(env, w.other, w.assignment.id)));
    expect(submits.filter((r) => r.statusCode === 201)).toHaveLength(1);
    expect(submits.filter((r) => r.statusCode === 409).map((r) => json<Problem>(r).code)).toEqual(Array(4).fill('SUBMISSION_PENDING'));
    expect(await env.count('assignment_submissions')).toBe(count0 + 1);
    const s = json<Submission>(submits.find((r) => r.statusCode === 201)!);
    const auditBefore = await env.count('audit_log');
    const results = await Promise.all([
      env.req('POST', `/api/assignment-submissions/${s.id}/grade`, { as: w.evaluator, body: { result: 'pass' } }),
      env.req('POST', `/api/assignment-submissions/${s.id}/grade`, { as: second, body: { result: 'fail' } }),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const loser = results.find((r) => r.statusCode === 409)!;
    expect(json<Problem>(loser).code).toBe('ALREADY_GRADED');
    expect(await env.count('audit_log')).toBe(auditBefore + 1);
  });
});

describeDb('assignments: changed and deleted by their authors, kept with the work handed in', (env) => {
  it('an author links a lesson later, renames it, changes how work is handed in while nobody has; then those stay and it cannot be deleted', async () => {
    const w = await world(env);
    const creator = await env.user(['Course Creator'], 'Cora Creator');
    const course = await makeCourse(env, { lessons: 2, kinds: ['text', 'assignment'], instructorIds: [creator.id] });
    // Created for a course before its lesson was chosen: the course is kept.
    const loose = await ok<Assignment>(
      env.req('POST', '/api/assignments', { as: creator, body: { title: 'Fire risk walk-through', instructions: '', submissionKind: 'text', courseId: course.courseId } }),
      201,
    );
    expect(loose).toMatchObject({ courseId: course.courseId, lessonId: null });

    // Bad changes are refused on their field and change nothing.
    const before = await writes(env);
    for (const [body, path] of [
      [{ title: '' }, 'title'],
      [{ submissionKind: 'video' }, 'submissionKind'],
      [{ lessonId: course.lessonIds[0] }, 'lessonId'], // a text lesson
      [{ lessonId: w.course.lessonIds[1] }, 'lessonId'], // another course's lesson, taken by another assignment
      [{ unknown: 1 }, ''],
    ] as const) {
      const res = await env.req('PATCH', `/api/assignments/${loose.id}`, { as: creator, body });
      expect([400, 403], JSON.stringify(body)).toContain(res.statusCode);
      if (res.statusCode === 400 && path) expect(json<Problem>(res).errors?.map((e) => e.path), JSON.stringify(body)).toContain(path);
    }
    expect(await env.req('PATCH', `/api/assignments/${loose.id}`, { as: w.learner, body: { title: 'Mine' } }).then((r) => r.statusCode)).toBe(403);
    expect(await env.req('PATCH', `/api/assignments/${loose.id}`, { as: w.evaluator, body: { title: 'Mine' } }).then((r) => r.statusCode)).toBe(403);
    expect(await writes(env)).toEqual(before);

    const linked = await ok<Assignment>(
      env.req('PATCH', `/api/assignments/${loose.id}`, { as: creator, body: { title: 'Fire risk walk-through (site)', submissionKind: 'url', lessonId: course.lessonIds[1] } }),
    );
    expect(linked).toMatchObject({ title: 'Fire risk walk-through (site)', submissionKind: 'url', lessonId: course.lessonIds[1], courseId: course.courseId });
    const audit = await env.ctx.db.selectFrom('audit_log').select(['action', 'actor_id']).where('entity', '=', 'assignment').where('entity_id', '=', loose.id).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['create', 'update']);

    // Once someone handed in, how and where stay; the words may still change; deleting is refused.
    await ok(env.req('POST', `/api/courses/${course.courseId}/enroll`, { as: w.learner }), 201);
    await ok(env.req('POST', `/api/assignments/${loose.id}/submissions`, { as: w.learner, body: { url: 'https://example.com/walk-through' } }), 201);
    const held = await writes(env);
    const kind = await env.req('PATCH', `/api/assignments/${loose.id}`, { as: creator, body: { submissionKind: 'text' } });
    expect(kind.statusCode).toBe(409);
    expect(json<Problem>(kind).code).toBe('ASSIGNMENT_HAS_SUBMISSIONS');
    expect(json<Problem>(kind).detail).toContain('handed in');
    const gone = await env.req('DELETE', `/api/assignments/${loose.id}`, { as: creator });
    expect(gone.statusCode).toBe(409);
    expect(json<Problem>(gone).code).toBe('ASSIGNMENT_HAS_SUBMISSIONS');
    expect(await writes(env)).toEqual(held);
    expect((await ok<Assignment>(env.req('PATCH', `/api/assignments/${loose.id}`, { as: creator, body: { instructions: 'Walk the site.' } }))).submissionKind).toBe('url');

    // A batch's assessment keeps its assignment; one nobody uses goes, and its deletion is audited.
    const assessed = await env.req('DELETE', `/api/assignments/${w.assignment.id}`, { as: w.mod });
    expect(assessed.statusCode).toBe(409);
    expect(json<Problem>(assessed).code).toBe('ASSIGNMENT_IN_USE');
    const spare = await ok<Assignment>(env.req('POST', '/api/assignments', { as: creator, body: { title: 'Spare', instructions: '', submissionKind: 'text' } }), 201);
    expect((await env.req('DELETE', `/api/assignments/${spare.id}`, { as: w.learner })).statusCode).toBe(403);
    expect((await env.req('DELETE', `/api/assignments/${spare.id}`, { as: creator })).statusCode).toBe(204);
    expect((await env.req('GET', `/api/assignments/${spare.id}`, { as: creator })).statusCode).toBe(404);
    const deleted = await env.ctx.db.selectFrom('audit_log').select('action').where('entity_id', '=', spare.id).orderBy('id').execute();
    expect(deleted.map((a) => a.action)).toEqual(['create', 'delete']);
  });
});
