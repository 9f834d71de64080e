import { expect, it } from 'vitest';
import { describeDb, json } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import { enroll } from './enrollment.service.ts';
import { progressSql, recomputeProgress } from './progress.service.ts';

type E = { id: string; progress: number; completedAt: string | null; source: string; currentLessonId: string | null; paymentId: string | null };

describeDb('enrollments and progress', (env) => {
  const completedEvents: string[] = [];
  let hooked = false;
  function watchCompletions() {
    if (hooked) return;
    hooked = true;
    env.ctx.hooks.on('enrollment.completed', async (_trx, p) => {
      completedEvents.push(...p.completions.map((c) => c.enrollmentId));
    });
  }

  it('self-enrolls in a published course once; a second try is 409 with the existing id', async () => {
    const learner = await env.user();
    const { courseId } = await makeCourse(env);
    const res = await env.req('POST', `/api/courses/${courseId}/enroll`, { as: learner });
    expect(res.statusCode).toBe(201);
    const e = json<E & { memberId: string }>(res);
    expect(e).toMatchObject({ memberId: learner.id, courseId, progress: 0, source: 'self', completedAt: null });
    const again = await env.req('POST', `/api/courses/${courseId}/enroll`, { as: learner });
    expect(again.statusCode).toBe(409);
    expect(json(again)).toMatchObject({ code: 'ALREADY_ENROLLED', enrollmentId: e.id });
    const audit = await env.ctx.db.selectFrom('audit_log').selectAll().where('entity', '=', 'enrollment').where('entity_id', '=', e.id).execute();
    expect(audit.map((a) => a.action)).toEqual(['create']);
    // The entry holds the row as created, written by the same statement or transaction.
    expect(JSON.parse(audit[0]!.after_json!)).toEqual(json(res));
    expect(audit[0]).toMatchObject({ actor_id: learner.id, entity_id: e.id, import_id: null });
  });

  it('refuses unpublished (422), self-enrollment off (422) and paid without payment (402), writing nothing', async () => {
    const learner = await env.user();
    const unpublished = await makeCourse(env, { published: false });
    const closed = await makeCourse(env, { disableSelfEnrollment: true });
    const paid = await makeCourse(env, { paid: true });
    const before = await env.count('enrollments');
    const r1 = await env.req('POST', `/api/courses/${unpublished.courseId}/enroll`, { as: learner });
    expect(r1.statusCode).toBe(422);
    expect(json(r1).code).toBe('COURSE_NOT_PUBLISHED');
    const r2 = await env.req('POST', `/api/courses/${closed.courseId}/enroll`, { as: learner });
    expect(r2.statusCode).toBe(422);
    expect(json(r2).code).toBe('SELF_ENROLLMENT_DISABLED');
    const r3 = await env.req('POST', `/api/courses/${paid.courseId}/enroll`, { as: learner });
    expect(r3.statusCode).toBe(402);
    expect(json(r3).code).toBe('PAYMENT_REQUIRED');
    const r4 = await env.req('POST', `/api/courses/0000000000000000000000zzzz/enroll`, { as: learner });
    expect(r4.statusCode).toBe(404);
    const r5 = await env.req('POST', `/api/courses/not-an-id!/enroll`, { as: learner });
    expect(r5.statusCode).toBe(400);
    expect(await env.count('enrollments')).toBe(before);
    expect((await env.req('POST', `/api/courses/${paid.courseId}/enroll`)).statusCode).toBe(401);
  });

  it('a paid course with a completed payment enrolls and links the payment', async () => {
    const learner = await env.user();
    const paid = await makeCourse(env, { paid: true });
    const paymentId = newId();
    const now = nowIso();
    await env.ctx.db
      .insertInto('payments')
      .values({ id: paymentId, member_id: learner.id, course_id: paid.courseId, amount: 4900, currency: 'EUR', status: 'paid', gateway: 'manual', gateway_reference: 'INV-1', created_at: now, updated_at: now })
      .execute();
    const res = await env.req('POST', `/api/courses/${paid.courseId}/enroll`, { as: learner });
    expect(res.statusCode).toBe(201);
    expect(json<E>(res).paymentId).toBe(paymentId);
  });

  it('25 parallel self-enrolls of one learner make one row: one 201, the rest 409', async () => {
    const learner = await env.user();
    const { courseId } = await makeCourse(env);
    const results = await Promise.all(Array.from({ length: 25 }, () => env.req('POST', `/api/courses/${courseId}/enroll`, { as: learner })));
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    const conflicts = results.filter((r) => r.statusCode === 409);
    expect(conflicts).toHaveLength(24);
    const rows = await env.ctx.db.selectFrom('enrollments').select('id').where('member_id', '=', learner.id).where('course_id', '=', courseId).execute();
    expect(rows).toHaveLength(1);
    expect(new Set(conflicts.map((r) => json(r).enrollmentId))).toEqual(new Set([rows[0]!.id]));
  });

  it('automatic paths reuse the existing row; every path refuses unpublished courses', async () => {
    const learner = await env.user();
    const { courseId } = await makeCourse(env);
    const unpublished = await makeCourse(env, { published: false });
    const first = await env.ctx.db.transaction().execute((trx) => enroll(env.ctx, trx, { memberId: learner.id, courseId, source: 'onboarding', actorId: null }));
    const second = await env.ctx.db.transaction().execute((trx) => enroll(env.ctx, trx, { memberId: learner.id, courseId, source: 'assignment', actorId: null }));
    const cohort = await env.ctx.db.transaction().execute((trx) => enroll(env.ctx, trx, { memberId: learner.id, courseId, source: 'cohort', actorId: null }));
    expect(first.created).toBe(true);
    expect(second).toMatchObject({ created: false, enrollment: { id: first.enrollment.id, source: 'onboarding' } });
    expect(cohort.created).toBe(false);
    await expect(
      env.ctx.db.transaction().execute((trx) => enroll(env.ctx, trx, { memberId: learner.id, courseId: unpublished.courseId, source: 'onboarding', actorId: null })),
    ).rejects.toMatchObject({ code: 'COURSE_NOT_PUBLISHED' });
    // Every path, staff-driven ones too: an enrollment opens the lessons, so a draft stays closed.
    for (const source of ['assignment', 'admin', 'import', 'cohort'] as const) {
      await expect(
        env.ctx.db.transaction().execute((trx) => enroll(env.ctx, trx, { memberId: learner.id, courseId: unpublished.courseId, source, actorId: null })),
      ).rejects.toMatchObject({ code: 'COURSE_NOT_PUBLISHED' });
    }
  });

  it('staff enroll by email or id; duplicates are 409; Course Creators only in courses they teach', async () => {
    const mod = await env.user(['Moderator']);
    const creator = await env.user(['Course Creator']);
    const learner = await env.user();
    const own = await makeCourse(env, { instructorIds: [creator.id] });
    const other = await makeCourse(env);
    const otherUnpublished = await makeCourse(env, { published: false });
    const byEmail = await env.req('POST', '/api/enrollments', { as: mod, body: { courseId: other.courseId, memberEmail: learner.email.toUpperCase() } });
    expect(byEmail.statusCode).toBe(201);
    expect(json(byEmail)).toMatchObject({ source: 'admin', memberId: learner.id, createdBy: mod.id });
    const dup = await env.req('POST', '/api/enrollments', { as: mod, body: { courseId: other.courseId, memberId: learner.id } });
    expect(dup.statusCode).toBe(409);
    expect(json(dup).enrollmentId).toBe(json(byEmail).id);

    const before = await env.count('enrollments');
    expect((await env.req('POST', '/api/enrollments', { as: creator, body: { courseId: own.courseId, memberId: learner.id } })).statusCode).toBe(201);
    const forbidden = await env.req('POST', '/api/enrollments', { as: creator, body: { courseId: other.courseId, memberId: creator.id } });
    expect(forbidden.statusCode).toBe(403);
    const hidden = await env.req('POST', '/api/enrollments', { as: creator, body: { courseId: otherUnpublished.courseId, memberId: learner.id } });
    expect(hidden.statusCode).toBe(404);
    const unknownMember = await env.req('POST', '/api/enrollments', { as: mod, body: { courseId: own.courseId, memberEmail: 'ghost@example.com' } });
    expect(unknownMember.statusCode).toBe(400);
    expect(json<{ errors: { path: string }[] }>(unknownMember).errors[0]!.path).toBe('memberEmail');
    // A course admin naming the member by id: unknown member, unknown course, a draft, each refused in words.
    const ghostId = await env.req('POST', '/api/enrollments', { as: mod, body: { courseId: own.courseId, memberId: newId() } });
    expect(ghostId.statusCode).toBe(400);
    expect(json(ghostId)).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'memberId', message: 'No user has this id.' }] });
    const noCourse = await env.req('POST', '/api/enrollments', { as: mod, body: { courseId: newId(), memberId: learner.id } });
    expect(noCourse.statusCode).toBe(404);
    const draft = await env.req('POST', '/api/enrollments', { as: mod, body: { courseId: otherUnpublished.courseId, memberId: learner.id } });
    expect(draft.statusCode).toBe(422);
    expect(json(draft).code).toBe('COURSE_NOT_PUBLISHED');
    const both = await env.req('POST', '/api/enrollments', { as: mod, body: { courseId: own.courseId, memberId: learner.id, memberEmail: learner.email } });
    expect(both.statusCode).toBe(400);
    const student = await env.user();
    expect((await env.req('POST', '/api/enrollments', { as: student, body: { courseId: own.courseId, memberId: student.id } })).statusCode).toBe(403);
    expect(await env.count('enrollments')).toBe(before + 1);
  });

  it('completing lessons moves progress by floor(completed/total×100); 100 sets completedAt and fires the hook once', async () => {
    watchCompletions();
    const learner = await env.user();
    const { courseId, lessonIds } = await makeCourse(env, { lessons: 3 });
    const e = json<E>(await env.req('POST', `/api/courses/${courseId}/enroll`, { as: learner }));
    const seen: number[] = [];
    for (const lessonId of lessonIds) {
      const r = await env.req('POST', `/api/lessons/${lessonId}/complete`, { as: learner });
      expect(r.statusCode).toBe(200);
      seen.push(json<{ enrollment: E }>(r).enrollment.progress);
    }
    expect(seen).toEqual([33, 66, 100]);
    const done = json<E & { memberName: string; memberEmail: string; courseTitle: string }>(await env.req('GET', `/api/enrollments/${e.id}`, { as: learner }));
    expect(done.completedAt).not.toBeNull();
    // The record names its member and course (the desk's record and the audit log read them).
    const course = await env.ctx.db.selectFrom('courses').select('title').where('id', '=', courseId).executeTakeFirstOrThrow();
    expect(done).toMatchObject({ memberName: learner.fullName, memberEmail: learner.email, courseTitle: course.title });
    // Completing again changes nothing and does not fire again.
    await env.req('POST', `/api/lessons/${lessonIds[0]}/complete`, { as: learner });
    expect(completedEvents.filter((id) => id === e.id)).toHaveLength(1);
    const rows = await env.ctx.db.selectFrom('lesson_completions').select('id').where('member_id', '=', learner.id).execute();
    expect(rows).toHaveLength(3);
  });

  it('parallel completes of one lesson make one completion row and the right progress', async () => {
    const learner = await env.user();
    const { courseId, lessonIds } = await makeCourse(env, { lessons: 4 });
    await env.req('POST', `/api/courses/${courseId}/enroll`, { as: learner });
    const results = await Promise.all(Array.from({ length: 12 }, () => env.req('POST', `/api/lessons/${lessonIds[1]}/complete`, { as: learner })));
    expect(results.every((r) => r.statusCode === 200)).toBe(true);
    const rows = await env.ctx.db.selectFrom('lesson_completions').select('id').where('member_id', '=', learner.id).where('lesson_id', '=', lessonIds[1]!).execute();
    expect(rows).toHaveLength(1);
    const e = await env.ctx.db.selectFrom('enrollments').select(progressSql().as('progress')).where('member_id', '=', learner.id).where('course_id', '=', courseId).executeTakeFirstOrThrow();
    expect(e.progress).toBe(25);
  });

  it('parallel completes of different lessons of one learner reach 100% once, with every completion counted', async () => {
    watchCompletions();
    for (let round = 0; round < 3; round++) {
      const learner = await env.user();
      const { courseId, lessonIds } = await makeCourse(env, { lessons: 6 });
      const e = json<E>(await env.req('POST', `/api/courses/${courseId}/enroll`, { as: learner }));
      const results = await Promise.all(lessonIds.map((l) => env.req('POST', `/api/lessons/${l}/complete`, { as: learner })));
      expect(results.map((r) => r.statusCode)).toEqual(lessonIds.map(() => 200));
      const row = await env.ctx.db.selectFrom('enrollments').select([progressSql().as('progress'), 'completed_at']).where('id', '=', e.id).executeTakeFirstOrThrow();
      expect(row.progress).toBe(100);
      expect(row.completed_at).not.toBeNull();
      expect(completedEvents.filter((id) => id === e.id)).toHaveLength(1);
    }
  });

  it('adding a lesson recomputes every enrollment (100 → 75, completedAt cleared); removing it restores 100 and fires again', async () => {
    watchCompletions();
    const a = await env.user();
    const b = await env.user();
    const { courseId, chapterIds, lessonIds } = await makeCourse(env, { lessons: 3 });
    const ea = json<E>(await env.req('POST', `/api/courses/${courseId}/enroll`, { as: a }));
    const eb = json<E>(await env.req('POST', `/api/courses/${courseId}/enroll`, { as: b }));
    for (const l of lessonIds) await env.req('POST', `/api/lessons/${l}/complete`, { as: a });
    await env.req('POST', `/api/lessons/${lessonIds[0]}/complete`, { as: b });
    const newLesson = newId();
    const now = nowIso();
    await env.ctx.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('lessons')
        .values({ id: newLesson, course_id: courseId, chapter_id: chapterIds[0]!, title: 'New', kind: 'text', body: '', video_url: null, file_id: null, quiz_id: null, scorm_package_id: null, is_preview: 0, position: 9, created_at: now, updated_at: now })
        .execute();
      await recomputeProgress(env.ctx, trx, courseId);
    });
    const afterAdd = json<E>(await env.req('GET', `/api/enrollments/${ea.id}`, { as: a }));
    expect(afterAdd).toMatchObject({ progress: 75, completedAt: null });
    expect(json<E>(await env.req('GET', `/api/enrollments/${eb.id}`, { as: b })).progress).toBe(25);
    const before = completedEvents.filter((id) => id === ea.id).length;
    await env.ctx.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('lessons').where('id', '=', newLesson).execute();
      await recomputeProgress(env.ctx, trx, courseId);
    });
    const afterDelete = json<E>(await env.req('GET', `/api/enrollments/${ea.id}`, { as: a }));
    expect(afterDelete.progress).toBe(100);
    expect(afterDelete.completedAt).not.toBeNull();
    expect(completedEvents.filter((id) => id === ea.id).length).toBe(before + 1);
  });

  it('only enrolled learners complete lessons; quiz lessons need a pass; sequential courses go in order', async () => {
    const learner = await env.user();
    const outsider = await env.user();
    const { courseId, lessonIds } = await makeCourse(env, { lessons: 3, kinds: ['text', 'quiz', 'scorm'] });
    const seq = await makeCourse(env, { lessons: 3, sequential: true });
    await env.req('POST', `/api/courses/${courseId}/enroll`, { as: learner });
    await env.req('POST', `/api/courses/${seq.courseId}/enroll`, { as: learner });
    const before = await env.count('lesson_completions');
    expect((await env.req('POST', `/api/lessons/${lessonIds[0]}/complete`, { as: outsider })).statusCode).toBe(404);
    const quiz = await env.req('POST', `/api/lessons/${lessonIds[1]}/complete`, { as: learner });
    expect(quiz.statusCode).toBe(422);
    expect(json(quiz).code).toBe('LESSON_REQUIRES_QUIZ');
    expect(json(await env.req('POST', `/api/lessons/${lessonIds[2]}/complete`, { as: learner })).code).toBe('LESSON_REQUIRES_SCORM');
    const locked = await env.req('POST', `/api/lessons/${seq.lessonIds[1]}/complete`, { as: learner });
    expect(locked.statusCode).toBe(422);
    expect(json(locked).code).toBe('LESSON_LOCKED');
    expect((await env.req('POST', `/api/lessons/0000000000000000000000zzzz/complete`, { as: learner })).statusCode).toBe(404);
    expect((await env.req('POST', `/api/lessons/bad%20id/complete`, { as: learner })).statusCode).toBe(400);
    expect(await env.count('lesson_completions')).toBe(before);
    type Outline = { chapters: { lessons: { id: string; locked: boolean; completed: boolean }[] }[] };
    const lockedBefore = json<Outline>(await env.req('GET', `/api/courses/${seq.courseId}/outline`, { as: learner })).chapters[0]!.lessons;
    expect(lockedBefore.map((l) => l.locked)).toEqual([false, true, true]);
    const lockedRead = await env.req('GET', `/api/lessons/${seq.lessonIds[1]}`, { as: learner });
    expect(lockedRead.statusCode).toBe(422);
    expect(json(lockedRead).code).toBe('LESSON_LOCKED');
    expect((await env.req('POST', `/api/lessons/${seq.lessonIds[0]}/complete`, { as: learner })).statusCode).toBe(200);
    const lockedAfter = json<Outline>(await env.req('GET', `/api/courses/${seq.courseId}/outline`, { as: learner })).chapters[0]!.lessons;
    expect(lockedAfter.map((l) => l.locked)).toEqual([false, false, true]);
    expect((await env.req('POST', `/api/lessons/${seq.lessonIds[1]}/complete`, { as: learner })).statusCode).toBe(200);
  });

  it('records the current lesson and orders My Courses by recent activity', async () => {
    const learner = await env.user();
    const c1 = await makeCourse(env, { title: 'First course' });
    const c2 = await makeCourse(env, { title: 'Second course' });
    await env.req('POST', `/api/courses/${c1.courseId}/enroll`, { as: learner });
    await env.req('POST', `/api/courses/${c2.courseId}/enroll`, { as: learner });
    await new Promise((r) => setTimeout(r, 5));
    const cur = await env.req('PUT', `/api/lessons/${c1.lessonIds[2]}/current`, { as: learner });
    expect(json<{ enrollment: E }>(cur).enrollment.currentLessonId).toBe(c1.lessonIds[2]);
    const mine = json<{ items: { course: { title: string; lessonCount: number }; enrollment: E }[] }>(await env.req('GET', '/api/me/courses', { as: learner }));
    expect(mine.items.map((i) => i.course.title)).toEqual(['First course', 'Second course']);
    expect(mine.items[0]!.course.lessonCount).toBe(4);
    const other = await env.user();
    expect((await env.req('PUT', `/api/lessons/${c1.lessonIds[0]}/current`, { as: other })).statusCode).toBe(404);
  });

  it('lists with filters (course, progress range, source, completed), keyset pages and totals; learners see only their own', async () => {
    const mod = await env.user(['Moderator']);
    const { courseId, lessonIds } = await makeCourse(env, { lessons: 4 });
    const learners = await Promise.all(Array.from({ length: 5 }, () => env.user()));
    for (const [i, l] of learners.entries()) {
      await env.req('POST', `/api/courses/${courseId}/enroll`, { as: l });
      for (const lessonId of lessonIds.slice(0, i)) await env.req('POST', `/api/lessons/${lessonId}/complete`, { as: l });
    }
    // progress: 0, 25, 50, 75, 100
    const mid = json<{ items: E[]; total: number }>(await env.req('GET', `/api/enrollments?courseId=${courseId}&progressMin=25&progressMax=75&withTotal=true`, { as: mod }));
    expect(mid.items.map((e) => e.progress).sort((x, y) => x - y)).toEqual([25, 50, 75]);
    expect(mid.total).toBe(3);
    const done = json<{ items: E[] }>(await env.req('GET', `/api/enrollments?courseId=${courseId}&completed=true`, { as: mod }));
    expect(done.items.map((e) => e.progress)).toEqual([100]);
    const self = json<{ items: E[] }>(await env.req('GET', `/api/enrollments?courseId=${courseId}&source=admin`, { as: mod }));
    expect(self.items).toHaveLength(0);
    const p1 = json<{ items: E[]; nextCursor: string }>(await env.req('GET', `/api/enrollments?courseId=${courseId}&limit=2`, { as: mod }));
    const p2 = json<{ items: E[]; nextCursor: string }>(await env.req('GET', `/api/enrollments?courseId=${courseId}&limit=2&cursor=${p1.nextCursor}`, { as: mod }));
    const p3 = json<{ items: E[]; nextCursor: string | null }>(await env.req('GET', `/api/enrollments?courseId=${courseId}&limit=2&cursor=${p2.nextCursor}`, { as: mod }));
    expect([...p1.items, ...p2.items, ...p3.items].map((e) => e.id)).toHaveLength(5);
    expect(new Set([...p1.items, ...p2.items, ...p3.items].map((e) => e.id)).size).toBe(5);
    expect(p3.nextCursor).toBeNull();

    const own = json<{ items: { memberId: string }[] }>(await env.req('GET', `/api/enrollments?courseId=${courseId}`, { as: learners[2]! }));
    expect(own.items.map((e) => e.memberId)).toEqual([learners[2]!.id]);
    const snoop = json<{ items: unknown[] }>(await env.req('GET', `/api/enrollments?memberId=${learners[3]!.id}`, { as: learners[2]! }));
    expect(snoop.items).toHaveLength(0);

    for (const bad of ['progressMin=abc', 'progressMin=80&progressMax=20', 'progressMax=101', 'source=magic', 'limit=0', 'limit=501', 'unknown=1', 'completed=maybe']) {
      const r = await env.req('GET', `/api/enrollments?${bad}`, { as: mod });
      expect(r.statusCode, bad).toBe(400);
      expect(json(r).code).toBe('VALIDATION_FAILED');
    }
  });

  it('q matches the member name or email or the course title, case-insensitively; learners still see only their own', async () => {
    const mod = await env.user(['Moderator']);
    const tag = Math.random().toString(36).slice(2, 8);
    const { courseId: fire } = await makeCourse(env, { title: `Fire Safety ${tag}` });
    const { courseId: other } = await makeCourse(env, { title: `Spreadsheets ${tag}` });
    const a = await env.user();
    const b = await env.user();
    for (const l of [a, b]) await env.req('POST', `/api/courses/${fire}/enroll`, { as: l });
    await env.req('POST', `/api/courses/${other}/enroll`, { as: a });
    const byCourse = json<{ items: { courseId: string }[]; total: number }>(
      await env.req('GET', `/api/enrollments?q=${encodeURIComponent(`fire safety ${tag}`)}&withTotal=true`, { as: mod }),
    );
    expect(byCourse.items.map((e) => e.courseId)).toEqual([fire, fire]);
    expect(byCourse.total).toBe(2);
    const byTag = json<{ items: unknown[] }>(await env.req('GET', `/api/enrollments?q=${tag}`, { as: mod }));
    expect(byTag.items).toHaveLength(3);
    const own = json<{ items: { memberId: string }[] }>(await env.req('GET', `/api/enrollments?q=${tag}`, { as: b }));
    expect(own.items.map((e) => e.memberId)).toEqual([b.id]);
    const none = json<{ items: unknown[] }>(await env.req('GET', `/api/enrollments?q=${encodeURIComponent("%' OR 1=1 --")}`, { as: mod }));
    expect(none.items).toHaveLength(0);
  });

  it("another learner's enrollment is 404; Course Creators see only their courses' learners", async () => {
    const creator = await env.user(['Course Creator']);
    const otherCreator = await env.user(['Course Creator']);
    const a = await env.user();
    const b = await env.user();
    const own = await makeCourse(env, { instructorIds: [creator.id] });
    const ea = json<E>(await env.req('POST', `/api/courses/${own.courseId}/enroll`, { as: a }));
    expect((await env.req('GET', `/api/enrollments/${ea.id}`, { as: b })).statusCode).toBe(404);
    expect((await env.req('GET', `/api/enrollments/${ea.id}`, { as: creator })).statusCode).toBe(200);
    expect((await env.req('GET', `/api/enrollments/${ea.id}`, { as: otherCreator })).statusCode).toBe(404);
    const list = json<{ items: { id: string }[] }>(await env.req('GET', `/api/enrollments?courseId=${own.courseId}`, { as: otherCreator }));
    expect(list.items).toHaveLength(0);

    const learners = await env.req('GET', `/api/courses/${own.courseId}/learners`, { as: creator });
    expect(learners.statusCode).toBe(200);
    expect(json<{ items: { memberId: string; fullName: string }[] }>(learners).items).toEqual([expect.objectContaining({ memberId: a.id, fullName: a.fullName })]);
    expect((await env.req('GET', `/api/courses/${own.courseId}/learners`, { as: otherCreator })).statusCode).toBe(404);
    expect((await env.req('GET', `/api/courses/${own.courseId}/learners`, { as: a })).statusCode).toBe(403);
    const stats = json<{ enrolled: number; distribution: { learners: number }[]; lessons: unknown[] }>(
      await env.req('GET', `/api/courses/${own.courseId}/progress-stats`, { as: creator }),
    );
    expect(stats.enrolled).toBe(1);
    expect(stats.distribution[0]!.learners).toBe(1);
    expect(stats.lessons).toHaveLength(4);
  });

  it('delete: staff (and instructors, see enrollment-removal.test.ts); the audit entry keeps the row and its lesson progress; access ends at once', async () => {
    const mod = await env.user(['Moderator']);
    const learner = await env.user();
    const { courseId, lessonIds } = await makeCourse(env, { lessons: 2 });
    const e = json<E>(await env.req('POST', `/api/courses/${courseId}/enroll`, { as: learner }));
    await env.req('POST', `/api/lessons/${lessonIds[0]}/complete`, { as: learner });
    expect((await env.req('DELETE', `/api/enrollments/${e.id}`, { as: learner })).statusCode).toBe(403);
    // A Course Creator who does not teach the course does not see its enrollments.
    const creator = await env.user(['Course Creator']);
    expect((await env.req('DELETE', `/api/enrollments/${e.id}`, { as: creator })).statusCode).toBe(404);
    expect(await env.ctx.db.selectFrom('enrollments').select('id').where('id', '=', e.id).executeTakeFirst()).toBeDefined();

    expect((await env.req('DELETE', `/api/enrollments/${e.id}`, { as: mod })).statusCode).toBe(204);
    expect((await env.req('GET', `/api/enrollments/${e.id}`, { as: mod })).statusCode).toBe(404);
    expect((await env.req('POST', `/api/lessons/${lessonIds[1]}/complete`, { as: learner })).statusCode).toBe(404);
    expect(await env.ctx.db.selectFrom('lesson_completions').select('id').where('member_id', '=', learner.id).execute()).toHaveLength(0);
    const audit = json<{ items: { action: string; actorId: string; before: { progress: number; lessonProgress: { lessonId: string }[] } }[] }>(
      await env.req('GET', `/api/audit-log?entity=enrollment&entityId=${e.id}`, { as: mod }),
    );
    expect(audit.items[0]).toMatchObject({ action: 'delete', actorId: mod.id, before: { progress: 50, lessonProgress: [{ lessonId: lessonIds[0] }] } });
    expect((await env.req('DELETE', `/api/enrollments/${e.id}`, { as: mod })).statusCode).toBe(404);
    // The learner may enroll again later and starts from zero.
    expect(json<E>(await env.req('POST', `/api/courses/${courseId}/enroll`, { as: learner })).progress).toBe(0);
  });

  it('the database itself refuses a second row for one member and course', async () => {
    const learner = await env.user();
    const { courseId } = await makeCourse(env);
    const now = nowIso();
    const row = { member_id: learner.id, course_id: courseId, completed_lessons: 0, current_lesson_id: null, source: 'admin', batch_id: null, payment_id: null, completed_at: null, last_activity_at: now, created_by: null, created_at: now };
    await env.ctx.db.insertInto('enrollments').values({ id: newId(), ...row }).execute();
    await expect(env.ctx.db.insertInto('enrollments').values({ id: newId(), ...row }).execute()).rejects.toThrow();
    await expect(env.ctx.db.insertInto('enrollments').values({ id: newId(), ...row, member_id: (await env.user()).id, completed_lessons: -1 }).execute()).rejects.toThrow();
  });

  it('counts enrollments and completions per ISO week for staff; bad ranges are 400', async () => {
    const mod = await env.user(['Moderator']);
    const learners = await Promise.all([env.user(), env.user(), env.user()]);
    const { courseId } = await makeCourse(env, { lessons: 1 });
    const ids: string[] = [];
    for (const l of learners) ids.push(json<E>(await env.req('POST', `/api/courses/${courseId}/enroll`, { as: l })).id);
    // Monday 2025-03-03 week: two enrollments, one completed the next week; one enrollment on Sunday 2025-03-16.
    const set = (id: string, created: string, completed: string | null) =>
      env.ctx.db
        .updateTable('enrollments')
        .set({ created_at: created, completed_at: completed, completed_lessons: completed ? 1 : 0 })
        .where('id', '=', id)
        .execute();
    await set(ids[0]!, '2025-03-03T08:00:00.000Z', null);
    await set(ids[1]!, '2025-03-05T23:59:00.000Z', '2025-03-11T10:00:00.000Z');
    await set(ids[2]!, '2025-03-16T12:00:00.000Z', null);
    const res = await env.req('GET', '/api/statistics/enrollments-over-time?from=2025-03-01&to=2025-03-20', { as: mod });
    expect(res.statusCode).toBe(200);
    expect(json<{ items: unknown[] }>(res).items).toEqual([
      { period: '2025-02-24', enrolled: 0, completed: 0 },
      { period: '2025-03-03', enrolled: 2, completed: 0 },
      { period: '2025-03-10', enrolled: 1, completed: 1 },
      { period: '2025-03-17', enrolled: 0, completed: 0 },
    ]);
    expect((await env.req('GET', '/api/statistics/enrollments-over-time', { as: learners[0] })).statusCode).toBe(403);
    for (const bad of ['from=2025-03-20&to=2025-03-01', 'from=2025-02-30', 'from=yesterday', 'from=2010-01-01&to=2025-01-01', 'interval=day']) {
      const r = await env.req('GET', `/api/statistics/enrollments-over-time?${bad}`, { as: mod });
      expect(r.statusCode, bad).toBe(400);
      expect(json(r).code).toBe('VALIDATION_FAILED');
    }
  });
});
