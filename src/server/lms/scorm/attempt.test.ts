import { expect, it } from 'vitest';
import { describeDb, json, type TestEnv, type TestUser } from '../../../../test/helpers/harness.ts';
import { scormCourse, uploadSample } from '../../../../test/helpers/scorm.ts';
import { pdfText } from '../../../../test/helpers/quizzes.ts';

type CommitResult = { attempt: { completionStatus: string; successStatus: string; seq: number; location: string; suspendData: string; scoreRaw: number | null; scoreScaled: number | null; sessionSeconds: number; totalSeconds: number; interactions: { id: string; type: string; result: string; latency: string }[]; done: boolean }; applied: boolean; scosDone: boolean; enrollment: { progress: number; completedAt: string | null } };

async function setup(env: TestEnv, name: 'basic12' | 'basic2004' | 'minimum12' = 'basic12') {
  const mod = await env.user(['Moderator']);
  const learner = await env.user();
  const pkg = await uploadSample(env, mod, name);
  const course = await scormCourse(env, mod, pkg.id);
  const enrolled = await env.req('POST', `/api/courses/${course.courseId}/enroll`, { as: learner });
  expect(enrolled.statusCode, enrolled.body).toBe(201);
  return { mod, learner, pkg, course, url: `/api/lessons/${course.lessonId}/scorm-attempt` };
}

function commit(env: TestEnv, as: TestUser, url: string, body: unknown, method: 'PUT' | 'POST' = 'PUT') {
  return env.req(method, url, { as, body });
}

async function attemptRow(env: TestEnv, lessonId: string, memberId: string) {
  return env.ctx.db.selectFrom('scorm_attempts').selectAll().where('lesson_id', '=', lessonId).where('member_id', '=', memberId).execute();
}

describeDb('SCORM runtime: commits, monotonic sequence, beacon, completion', (env) => {
  it('1.2: status, score, time, location, suspend data and interactions are stored; completion moves progress', async () => {
    const { learner, course, url } = await setup(env);
    const first = await commit(env, learner, url, {
      scoId: 'item_1',
      seq: 1,
      session: 's1',
      cmi: {
        cmi: {
          core: { lesson_status: 'incomplete', lesson_location: 'page2', session_time: '00:01:30', score: { raw: '', min: '', max: '' }, exit: 'suspend' },
          suspend_data: 'state-1',
          interactions: { '0': { id: 'q1', type: 'choice', result: 'correct', latency: '00:00:05', student_response: 'a' } },
        },
      },
    });
    expect(first.statusCode, first.body).toBe(200);
    const r1 = json<CommitResult>(first);
    expect(r1).toMatchObject({ applied: true, scosDone: false, enrollment: { progress: 0 } });
    expect(r1.attempt).toMatchObject({ completionStatus: 'incomplete', location: 'page2', suspendData: 'state-1', sessionSeconds: 90, totalSeconds: 90 });
    expect(r1.attempt.interactions).toEqual([{ id: 'q1', type: 'choice', result: 'correct', latency: '00:00:05', learnerResponse: 'a', timestamp: '' }]);
    expect(await env.count('lesson_completions')).toBe(0);

    // A new session: the previous session's time is added to the total.
    const done = await commit(env, learner, url, {
      scoId: 'item_1',
      seq: 2,
      session: 's2',
      cmi: { core: { lesson_status: 'passed', lesson_location: 'page9', session_time: '00:00:45', score: { raw: '85', min: '0', max: '100' } }, suspend_data: 'state-2' },
    });
    const r2 = json<CommitResult>(done);
    expect(r2).toMatchObject({ applied: true, scosDone: true, enrollment: { progress: 50 } });
    expect(r2.attempt).toMatchObject({ completionStatus: 'passed', successStatus: 'passed', scoreRaw: 85, scoreScaled: 0.85, sessionSeconds: 45, totalSeconds: 135, done: true });
    const completions = await env.ctx.db.selectFrom('lesson_completions').selectAll().where('member_id', '=', learner.id).execute();
    expect(completions.map((c) => c.lesson_id)).toEqual([course.lessonId]);
    const enrollment = await env.ctx.db.selectFrom('enrollments').select(['completed_lessons', 'current_lesson_id']).where('member_id', '=', learner.id).executeTakeFirstOrThrow();
    expect(enrollment).toEqual({ completed_lessons: 1, current_lesson_id: course.lessonIds[1] });

    // The resume view.
    const attempt = json<{ scos: { sco: { id: string }; attempt: { location: string; suspendData: string } }[]; lessonCompleted: boolean }>(await env.req('GET', url, { as: learner }));
    expect(attempt.lessonCompleted).toBe(true);
    expect(attempt.scos[0]).toMatchObject({ sco: { id: 'item_1' }, attempt: { location: 'page9', suspendData: 'state-2' } });
  });

  it('an older or repeated commit never overwrites a newer one; the same commit twice changes nothing', async () => {
    const { learner, course, url } = await setup(env);
    const at = (seq: number, loc: string) => ({ scoId: 'item_1', seq, session: 's', cmi: { core: { lesson_status: 'incomplete', lesson_location: loc } } });
    expect(json<CommitResult>(await commit(env, learner, url, at(5, 'five'))).applied).toBe(true);
    const late = json<CommitResult>(await commit(env, learner, url, at(3, 'three')));
    expect(late.applied).toBe(false);
    expect(late.attempt).toMatchObject({ location: 'five', seq: 5 });
    const again = json<CommitResult>(await commit(env, learner, url, at(5, 'five-again')));
    expect(again.applied).toBe(false);
    const [row] = await attemptRow(env, course.lessonId, learner.id);
    expect(row).toMatchObject({ location: 'five', commits: 1 });

    // Out of order and concurrent: the greatest seq wins, one row.
    const seqs = [9, 7, 12, 8, 11, 10, 6];
    await Promise.all(seqs.map((s) => commit(env, learner, url, at(s, `loc-${s}`))));
    const rows = await attemptRow(env, course.lessonId, learner.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ location: 'loc-12' });
    expect(Number(rows[0]!.seq)).toBe(12);
  });

  it('an unfinished SCO over several sessions: the answer is what was stored, time adds up, commits without seq keep the stored one', async () => {
    const { learner, course, url } = await setup(env);
    const at = (seq: number | undefined, session: string, time: string, loc: string) => ({
      scoId: 'item_1',
      ...(seq === undefined ? {} : { seq }),
      session,
      cmi: { core: { lesson_status: 'incomplete', lesson_location: loc, session_time: time, score: { raw: '40' } }, suspend_data: `at-${loc}` },
    });
    const stored = async () => {
      const [row] = await attemptRow(env, course.lessonId, learner.id);
      return { seq: Number(row!.seq), totalSeconds: Number(row!.prior_seconds) + Number(row!.session_seconds), location: row!.location, commits: row!.commits };
    };
    const first = json<CommitResult>(await commit(env, learner, url, at(1, 'a', '00:01:00', 'p1')));
    expect(first.attempt).toMatchObject({ seq: 1, sessionSeconds: 60, totalSeconds: 60, location: 'p1', suspendData: 'at-p1', scoreRaw: 40, done: false });
    // Same session, later commit: the session's time is replaced, not added.
    const same = json<CommitResult>(await commit(env, learner, url, at(2, 'a', '00:02:00', 'p2')));
    expect(same.attempt).toMatchObject({ seq: 2, sessionSeconds: 120, totalSeconds: 120 });
    // A new session: the earlier session's time moves into the total.
    const next = json<CommitResult>(await commit(env, learner, url, at(3, 'b', '00:00:30', 'p3')));
    expect(next).toMatchObject({ applied: true, scosDone: false, enrollment: { progress: 0, completedAt: null } });
    expect(next.attempt).toMatchObject({ seq: 3, sessionSeconds: 30, totalSeconds: 150, location: 'p3' });
    expect(await stored()).toEqual({ seq: 3, totalSeconds: 150, location: 'p3', commits: 3 });
    // No sequence number: applied, the stored seq stays.
    const noSeq = json<CommitResult>(await commit(env, learner, url, at(undefined, 'b', '00:00:40', 'p4')));
    expect(noSeq.applied).toBe(true);
    expect(noSeq.attempt).toMatchObject({ seq: 3, sessionSeconds: 40, totalSeconds: 160, location: 'p4' });
    expect(await stored()).toEqual({ seq: 3, totalSeconds: 160, location: 'p4', commits: 4 });
    expect(await env.ctx.db.selectFrom('lesson_completions').select('id').where('member_id', '=', learner.id).execute()).toEqual([]);
  });

  it('the text/plain body of navigator.sendBeacon is accepted (POST), with the same rules', async () => {
    const { learner, course, url } = await setup(env, 'basic2004');
    const body = JSON.stringify({ scoId: 'item_1', seq: 3, session: 'b', cmi: { cmi: { completion_status: 'incomplete', location: 'p4', suspend_data: 'beacon', session_time: 'PT2M' } } });
    const res = await env.req('POST', url, { as: learner, body, headers: { 'content-type': 'text/plain;charset=UTF-8' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(json<CommitResult>(res).attempt).toMatchObject({ location: 'p4', suspendData: 'beacon', sessionSeconds: 120 });
    const broken = await env.req('POST', url, { as: learner, body: '{not json', headers: { 'content-type': 'text/plain' } });
    expect(broken.statusCode).toBe(400);
    expect(json(broken).code).toBe('MALFORMED_JSON');
    const [row] = await attemptRow(env, course.lessonId, learner.id);
    expect(row).toMatchObject({ suspend_data: 'beacon' });
  });

  it('2004: completed completes the lesson; a passing score requires passed', async () => {
    const { learner, url } = await setup(env, 'basic2004');
    const r = json<CommitResult>(await commit(env, learner, url, { scoId: 'item_1', seq: 1, cmi: { completion_status: 'completed', success_status: 'failed', score: { scaled: '0.4' } } }));
    // No passing score in this manifest: completed is enough.
    expect(r).toMatchObject({ scosDone: true, enrollment: { progress: 50 }, attempt: { scoreScaled: 0.4, successStatus: 'failed' } });
  });

  it('a multi-SCO package completes the lesson only when every SCO is done', async () => {
    const { learner, pkg, url } = await setup(env, 'minimum12');
    const ids = pkg.scos.map((s) => s.id);
    for (const [i, id] of ids.entries()) {
      const r = json<CommitResult>(await commit(env, learner, url, { scoId: id, seq: 1, cmi: { core: { lesson_status: 'completed' } } }));
      expect(r.scosDone, id).toBe(i === ids.length - 1);
      expect(r.enrollment.progress).toBe(i === ids.length - 1 ? 50 : 0);
    }
    const outline = json<{ scos: { attempt: unknown }[] }>(await env.req('GET', url, { as: learner }));
    expect(outline.scos.every((s) => s.attempt !== null)).toBe(true);
  });

  it('the course outline says which SCO is not done and what it last reported', async () => {
    const { learner, pkg, url, course } = await setup(env, 'minimum12');
    await commit(env, learner, url, { scoId: pkg.scos[0]!.id, seq: 1, cmi: { core: { lesson_status: 'completed' } } });
    await commit(env, learner, url, { scoId: pkg.scos[1]!.id, seq: 1, cmi: { core: { lesson_status: 'failed', score: { raw: '30' } } } });
    type OutlineLesson = { id: string; completed: boolean; scorm?: { scoCount: number; doneCount: number; incomplete: { scoId: string; title: string; completionStatus: string; scoreRaw: number | null; lastReportedAt: string | null }[] } };
    const outline = json<{ chapters: { lessons: OutlineLesson[] }[] }>(await env.req('GET', `/api/courses/${course.courseId}/outline`, { as: learner }));
    const lesson = outline.chapters.flatMap((c) => c.lessons).find((l) => l.id === course.lessonId)!;
    expect(lesson.completed).toBe(false);
    expect(lesson.scorm).toMatchObject({ scoCount: 18, doneCount: 1 });
    expect(lesson.scorm!.incomplete[0]).toMatchObject({ scoId: pkg.scos[1]!.id, title: 'Par?', completionStatus: 'failed', scoreRaw: 30 });
    expect(lesson.scorm!.incomplete[0]!.lastReportedAt).not.toBeNull();
    expect(lesson.scorm!.incomplete[1]).toMatchObject({ completionStatus: 'not attempted', lastReportedAt: null });
    // Staff who are not enrolled see no learner status.
    const staffView = json<{ chapters: { lessons: OutlineLesson[] }[] }>(await env.req('GET', `/api/courses/${course.courseId}/outline`, { as: await env.user(['Moderator']) }));
    expect(staffView.chapters.flatMap((c) => c.lessons).find((l) => l.id === course.lessonId)!.scorm).toBeUndefined();
  });

  it('refuses bad input and other people’s lessons, writing nothing', async () => {
    const { learner, course, url, mod } = await setup(env);
    const stranger = await env.user();
    const base = { scoId: 'item_1', seq: 1, cmi: { core: { lesson_status: 'incomplete' } } };
    const cases: [TestUser, unknown, number, string][] = [
      [stranger, base, 404, 'NOT_FOUND'],
      [mod, base, 404, 'NOT_FOUND'],
      [learner, { ...base, scoId: 'nope' }, 400, 'VALIDATION_FAILED'],
      [learner, { ...base, cmi: { core: { lesson_status: 'great' } } }, 400, 'VALIDATION_FAILED'],
      [learner, { ...base, cmi: { core: { lesson_status: 'incomplete', score: { raw: '150' } } } }, 400, 'VALIDATION_FAILED'],
      [learner, { ...base, cmi: { core: { lesson_status: 'incomplete', session_time: 'soon' } } }, 400, 'VALIDATION_FAILED'],
      [learner, { ...base, cmi: { suspend_data: 'x'.repeat(5000) } }, 400, 'VALIDATION_FAILED'],
      [learner, { ...base, seq: -1 }, 400, 'VALIDATION_FAILED'],
      [learner, { ...base, seq: 'one' }, 400, 'VALIDATION_FAILED'],
      [learner, { scoId: 'item_1' }, 400, 'VALIDATION_FAILED'],
      [learner, { ...base, extra: 1 }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [who, body, status, code] of cases) {
      const res = await commit(env, who, url, body);
      expect(res.statusCode, JSON.stringify(body).slice(0, 80)).toBe(status);
      expect(json(res).code).toBe(code);
    }
    const textLesson = await commit(env, learner, `/api/lessons/${course.lessonIds[1]}/scorm-attempt`, base);
    expect(textLesson.statusCode).toBe(404);
    expect((await env.req('PUT', url, { body: base })).statusCode).toBe(401);
    expect((await env.req('PUT', url, { as: learner, body: base, headers: { origin: 'https://evil.example' } })).statusCode).toBe(403);
    expect(await env.ctx.db.selectFrom('scorm_attempts').select('id').where('lesson_id', '=', course.lessonId).execute()).toHaveLength(0);
    expect(await env.ctx.db.selectFrom('lesson_completions').select('id').where('course_id', '=', course.courseId).execute()).toHaveLength(0);
    expect((await env.req('GET', url, { as: stranger })).statusCode).toBe(404);
  });

  it('staff read attempts through GET /api/scorm-attempts; learners may not; a Course Creator sees only their courses', async () => {
    const { learner, course, url, mod, pkg } = await setup(env);
    await commit(env, learner, url, { scoId: 'item_1', seq: 1, cmi: { core: { lesson_status: 'failed', score: { raw: '40' } } } });
    const list = json<{ items: { memberName: string; lessonTitle: string; completionStatus: string; scoreRaw: number; title: string }[] }>(
      await env.req('GET', `/api/scorm-attempts?lessonId=${course.lessonId}`, { as: mod }),
    );
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({ memberName: learner.fullName, completionStatus: 'failed', scoreRaw: 40, title: pkg.scos[0]!.title });
    expect((await env.req('GET', '/api/scorm-attempts', { as: learner })).statusCode).toBe(403);
    const creator = await env.user(['Course Creator']);
    expect(json<{ items: unknown[] }>(await env.req('GET', '/api/scorm-attempts', { as: creator })).items).toHaveLength(0);
    await env.ctx.db.insertInto('course_instructors').values({ course_id: course.courseId, user_id: creator.id }).execute();
    expect(json<{ items: unknown[] }>(await env.req('GET', `/api/scorm-attempts?memberId=${learner.id}`, { as: creator })).items).toHaveLength(1);
  });

  it('the Course Quiz PDF lists the SCORM items with status, score and time', async () => {
    const { learner, url, mod } = await setup(env);
    await commit(env, learner, url, { scoId: 'item_1', seq: 1, session: 'a', cmi: { core: { lesson_status: 'passed', session_time: '00:02:05', score: { raw: '85', max: '100' } } } });
    const enrollment = await env.ctx.db.selectFrom('enrollments').select('id').where('member_id', '=', learner.id).executeTakeFirstOrThrow();
    const text = pdfText(await env.req('GET', `/api/enrollments/${enrollment.id}/quiz-report.pdf`, { as: mod }));
    expect(text).toContain('SCORM lessons');
    expect(text).toContain('1 of 1 SCORM lesson complete.');
    expect(text).toMatch(/Golf Explained[\s\S]*Passed[\s\S]*85 \/ 100[\s\S]*2 min 5 s/);
    // The package later reports a failure: the lesson stays complete, the item says what it reported.
    await commit(env, learner, url, { scoId: 'item_1', seq: 2, session: 'b', cmi: { core: { lesson_status: 'failed', session_time: '00:00:46', score: { raw: '27', max: '100' } } } });
    const later = pdfText(await env.req('GET', `/api/enrollments/${enrollment.id}/quiz-report.pdf`, { as: mod }));
    expect(later).toContain('1 of 1 SCORM lesson complete.');
    expect(later).toMatch(/Golf Explained[\s\S]*Failed[\s\S]*27 \/ 100[\s\S]*2 min 51 s/);
    expect(later).not.toContain('Passed');
  });

  it('concurrent completing commits of two SCOs complete the lesson exactly once', async () => {
    const { learner, pkg, url } = await setup(env, 'minimum12');
    const ids = pkg.scos.map((s) => s.id);
    for (const id of ids.slice(0, -2)) await commit(env, learner, url, { scoId: id, seq: 1, cmi: { core: { lesson_status: 'completed' } } });
    await Promise.all(ids.slice(-2).map((id) => commit(env, learner, url, { scoId: id, seq: 1, cmi: { core: { lesson_status: 'completed' } } })));
    expect(await env.ctx.db.selectFrom('lesson_completions').select('id').where('member_id', '=', learner.id).execute()).toHaveLength(1);
    const e = await env.ctx.db.selectFrom('enrollments').select('completed_lessons').where('member_id', '=', learner.id).executeTakeFirstOrThrow();
    expect(e.completed_lessons).toBe(1);
  });
});
