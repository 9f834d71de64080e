import { expect, it } from 'vitest';
import { describeDb, json, type TestUser } from '../../../../test/helpers/harness.ts';
import { courseKit, enroll, ok, type Chapter, type Problem } from '../../../../test/helpers/courses.ts';
import type { Lesson } from '../../../contract/courses.ts';
import { newId } from '../../db/ids.ts';

describeDb('courses: chapters, lessons, ordering, outline, progress', (env) => {
  const h = courseKit(env);

  it('chapters append in order, rename, reorder; a wrong id set is refused and changes nothing', async () => {
    const creator = await env.user(['Course Creator']);
    const c = await h.course(creator);
    const a = await h.chapter(creator, c.id, 'A');
    const b = await h.chapter(creator, c.id, 'B');
    const d = await h.chapter(creator, c.id, 'C');
    expect([a.position, b.position, d.position]).toEqual([0, 1, 2]);
    expect(a.courseId).toBe(c.id);

    const renamed = await ok<Chapter>(env.req('PATCH', `/api/chapters/${b.id}`, { as: creator, body: { title: '  B2 ' } }));
    expect(renamed).toMatchObject({ id: b.id, title: 'B2', position: 1 });

    const re = await ok<{ items: Chapter[] }>(
      env.req('PUT', `/api/courses/${c.id}/chapter-order`, { as: creator, body: { chapterIds: [d.id, a.id, b.id] } }),
    );
    expect(re.items.map((x) => [x.title, x.position])).toEqual([
      ['C', 0],
      ['A', 1],
      ['B2', 2],
    ]);

    const other = await h.course(creator);
    const foreign = await h.chapter(creator, other.id, 'Foreign');
    const audit = await env.count('audit_log');
    for (const [chapterIds, path] of [
      [[d.id, a.id], 'chapterIds'],
      [[d.id, a.id, b.id, foreign.id], 'chapterIds.3'],
      [[d.id, a.id, foreign.id], 'chapterIds.2'],
      [[d.id, a.id, a.id], 'chapterIds.2'],
      [[d.id, a.id, newId()], 'chapterIds.2'],
      [[d.id, a.id, 'BAD ID'], 'chapterIds.2'],
    ] as const) {
      const res = await env.req('PUT', `/api/courses/${c.id}/chapter-order`, { as: creator, body: { chapterIds } });
      expect(res.statusCode, JSON.stringify(chapterIds)).toBe(400);
      const p = json<Problem>(res);
      expect(p.code).toBe('VALIDATION_FAILED');
      expect(p.errors?.map((e) => e.path)).toContain(path);
    }
    expect(await env.count('audit_log')).toBe(audit);
    expect(await h.shape(creator, c.id)).toEqual(['C: ', 'A: ', 'B2: ']);

    // Deleting a chapter closes the gap.
    expect((await env.req('DELETE', `/api/chapters/${a.id}`, { as: creator })).statusCode).toBe(204);
    const o = await h.outline(creator, c.id);
    expect(o.chapters.map((x) => [x.title, x.position])).toEqual([
      ['C', 0],
      ['B2', 1],
    ]);
    expect((await env.req('PATCH', `/api/chapters/${a.id}`, { as: creator, body: { title: 'gone' } })).statusCode).toBe(404);
    expect((await env.req('POST', `/api/courses/${c.id}/chapters`, { as: creator, body: { title: '' } })).statusCode).toBe(400);
    expect((await env.req('POST', `/api/courses/${c.id}/chapters`, { as: creator, body: { title: 'x', position: 0 } })).statusCode).toBe(
      400,
    );
    expect(await env.count('chapters')).toBe(3);
  });

  it('lessons: appended per chapter, validated by kind, Markdown rendered inert; bad input writes nothing', async () => {
    const creator = await env.user(['Course Creator']);
    const c = await h.course(creator);
    const ch = await h.chapter(creator, c.id);
    const l1 = await h.lesson(creator, ch.id, {
      title: 'Read me',
      body: 'Hello <script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1))',
    });
    const l2 = await h.lesson(creator, ch.id, { title: 'Watch', kind: 'video', videoUrl: 'https://videos.example.com/v/1' });
    const quiz = await ok<{ id: string }>(
      env.req('POST', '/api/quizzes', {
        as: creator,
        body: { title: 'Q', passingPercentage: 50, courseId: c.id, questions: [{ kind: 'text', text: 'x', answers: ['y'] }] },
      }),
      201,
    );
    const l3 = await h.lesson(creator, ch.id, { title: 'Quiz', kind: 'quiz', quizId: quiz.id, isPreview: true });
    expect([l1.position, l2.position, l3.position]).toEqual([0, 1, 2]);
    expect(l1).toMatchObject({
      courseId: c.id,
      chapterId: ch.id,
      kind: 'text',
      isPreview: false,
      fileUrl: null,
      file: null,
      videoUrl: null,
    });
    expect(l1.bodyHtml).not.toMatch(/<script|onerror|javascript:/i);
    expect(l1.bodyHtml).toContain('Hello');
    expect(l2.videoUrl).toBe('https://videos.example.com/v/1');
    expect(l3).toMatchObject({ quizId: quiz.id, isPreview: true });
    expect((await h.outline(creator, c.id)).course.lessonCount).toBe(3);

    const before = [await env.count('lessons'), await env.count('audit_log')];
    for (const [body, path] of [
      [{ title: 'x', kind: 'audio' }, 'kind'],
      [{ kind: 'text' }, 'title'],
      [{ title: 'x', kind: 'video', videoUrl: 'http://insecure.example.com/v' }, 'videoUrl'],
      [{ title: 'x', kind: 'video', videoUrl: 'javascript:alert(1)' }, 'videoUrl'],
      // A YouTube or Vimeo page that is not one video plays nothing.
      [{ title: 'x', kind: 'video', videoUrl: 'https://www.youtube.com/@SafetyChannel/videos' }, 'videoUrl'],
      [{ title: 'x', kind: 'video', videoUrl: 'https://vimeo.com/channels/staffpicks' }, 'videoUrl'],
      [{ title: 'x', kind: 'text', videoUrl: 'https://videos.example.com/v/2' }, 'videoUrl'],
      [{ title: 'x', kind: 'text', quizId: 'quiz01' }, 'quizId'],
      [{ title: 'x', kind: 'video', scormPackageId: 'pkg01' }, 'scormPackageId'],
      [{ title: 'x', kind: 'text', position: 0 }, 'position'],
      [{ title: 'x', kind: 'text', isPreview: 'yes' }, 'isPreview'],
    ] as const) {
      const res = await env.req('POST', `/api/chapters/${ch.id}/lessons`, { as: creator, body });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(
        json<Problem>(res).errors?.map((e) => e.path),
        JSON.stringify(body),
      ).toContain(path);
    }
    expect([await env.count('lessons'), await env.count('audit_log')]).toEqual(before);

    const patched = await ok<Lesson>(
      env.req('PATCH', `/api/lessons/${l1.id}`, { as: creator, body: { title: 'Read me v2', body: '**bold**', isPreview: true } }),
    );
    expect(patched).toMatchObject({ title: 'Read me v2', body: '**bold**', isPreview: true, position: 0 });
    expect(patched.bodyHtml).toBe('<p><strong>bold</strong></p>\n');
    const kind = await env.req('PATCH', `/api/lessons/${l1.id}`, { as: creator, body: { kind: 'video' } });
    expect(kind.statusCode).toBe(400);
    const wrongField = await env.req('PATCH', `/api/lessons/${l1.id}`, { as: creator, body: { videoUrl: 'https://videos.example.com/x' } });
    expect(wrongField.statusCode).toBe(400);
    expect(json<Problem>(wrongField).errors?.[0]?.path).toBe('videoUrl');
    const channel = await env.req('PATCH', `/api/lessons/${l2.id}`, { as: creator, body: { videoUrl: 'https://www.youtube.com/playlist?list=PL123' } });
    expect(channel.statusCode).toBe(400);
    expect(json<Problem>(channel).errors?.[0]?.path).toBe('videoUrl');
    expect(json<Problem>(channel).errors?.[0]?.message).toContain('not one video');
    expect((await ok<Lesson>(env.req('GET', `/api/lessons/${l2.id}`, { as: creator }))).videoUrl).toBe('https://videos.example.com/v/1');
    const youtube = await ok<Lesson>(env.req('PATCH', `/api/lessons/${l2.id}`, { as: creator, body: { videoUrl: 'https://youtu.be/dQw4w9WgXcQ?t=42' } }));
    expect(youtube.videoUrl).toBe('https://youtu.be/dQw4w9WgXcQ?t=42');
    const cleared = await ok<Lesson>(env.req('PATCH', `/api/lessons/${l2.id}`, { as: creator, body: { videoUrl: null } }));
    expect(cleared.videoUrl).toBeNull();

    const audit = await env.ctx.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity', '=', 'lesson')
      .where('entity_id', '=', l1.id)
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['create', 'update']);

    const missing = newId();
    expect(
      (await env.req('POST', `/api/chapters/${missing}/lessons`, { as: creator, body: { title: 'x', kind: 'text' } })).statusCode,
    ).toBe(404);
    expect((await env.req('GET', `/api/lessons/${missing}`, { as: creator })).statusCode).toBe(404);
    expect((await env.req('PATCH', `/api/lessons/${missing}`, { as: creator, body: { title: 'x' } })).statusCode).toBe(404);
    expect((await env.req('DELETE', `/api/lessons/${missing}`, { as: creator })).statusCode).toBe(404);
    expect((await env.req('DELETE', `/api/chapters/${missing}`, { as: creator })).statusCode).toBe(404);
    expect((await env.req('GET', '/api/lessons/Robert%27);DROP', { as: creator })).statusCode).toBe(400);
  });

  it('lesson order: reorder within a chapter; a lesson of another chapter or course in the list is refused and nothing moves', async () => {
    const creator = await env.user(['Course Creator']);
    const c = await h.course(creator);
    const ch1 = await h.chapter(creator, c.id, 'One');
    const ch2 = await h.chapter(creator, c.id, 'Two');
    const [a, b, d] = [
      await h.lesson(creator, ch1.id, { title: 'a' }),
      await h.lesson(creator, ch1.id, { title: 'b' }),
      await h.lesson(creator, ch1.id, { title: 'c' }),
    ];
    const e = await h.lesson(creator, ch2.id, { title: 'e' });
    const other = await h.course(creator);
    const otherCh = await h.chapter(creator, other.id);
    const foreign = await h.lesson(creator, otherCh.id, { title: 'foreign' });

    const re = await ok<{ items: Lesson[] }>(
      env.req('PUT', `/api/chapters/${ch1.id}/lesson-order`, { as: creator, body: { lessonIds: [d.id, a.id, b.id] } }),
    );
    expect(re.items.map((l) => `${l.title}${l.position}`)).toEqual(['c0', 'a1', 'b2']);

    for (const lessonIds of [
      [d.id, a.id, foreign.id],
      [d.id, a.id, b.id, e.id],
      [d.id, a.id],
      [d.id, d.id, a.id],
    ]) {
      const res = await env.req('PUT', `/api/chapters/${ch1.id}/lesson-order`, { as: creator, body: { lessonIds } });
      expect(res.statusCode).toBe(400);
      expect(json<Problem>(res).code).toBe('VALIDATION_FAILED');
    }
    expect(await h.shape(creator, c.id)).toEqual(['One: c,a,b', 'Two: e']);
    expect(await h.shape(creator, other.id)).toEqual(['Chapter: foreign']);
  });

  it('move: within a chapter, to another chapter (both stay contiguous); never into another course', async () => {
    const creator = await env.user(['Course Creator']);
    const c = await h.course(creator);
    const ch1 = await h.chapter(creator, c.id, 'One');
    const ch2 = await h.chapter(creator, c.id, 'Two');
    const a = await h.lesson(creator, ch1.id, { title: 'a' });
    const b = await h.lesson(creator, ch1.id, { title: 'b' });
    await h.lesson(creator, ch1.id, { title: 'c' });
    await h.lesson(creator, ch2.id, { title: 'x' });

    const within = await ok<Lesson>(
      env.req('POST', `/api/lessons/${a.id}/move`, { as: creator, body: { chapterId: ch1.id, position: 2 } }),
    );
    expect(within).toMatchObject({ chapterId: ch1.id, position: 2 });
    expect(await h.shape(creator, c.id)).toEqual(['One: b,c,a', 'Two: x']);

    const across = await ok<Lesson>(
      env.req('POST', `/api/lessons/${b.id}/move`, { as: creator, body: { chapterId: ch2.id, position: 0 } }),
    );
    expect(across).toMatchObject({ chapterId: ch2.id, position: 0 });
    expect(await h.shape(creator, c.id)).toEqual(['One: c,a', 'Two: b,x']);
    const o = await h.outline(creator, c.id);
    expect(o.chapters.map((ch) => ch.lessons.map((l) => l.position))).toEqual([
      [0, 1],
      [0, 1],
    ]);

    const other = await h.course(creator);
    const otherCh = await h.chapter(creator, other.id);
    const audit = await env.count('audit_log');
    const foreign = await env.req('POST', `/api/lessons/${a.id}/move`, { as: creator, body: { chapterId: otherCh.id, position: 0 } });
    expect(foreign.statusCode).toBe(400);
    expect(json<Problem>(foreign).errors?.[0]?.path).toBe('chapterId');
    const unknown = await env.req('POST', `/api/lessons/${a.id}/move`, { as: creator, body: { chapterId: newId(), position: 0 } });
    expect(unknown.statusCode).toBe(400);
    const beyond = await env.req('POST', `/api/lessons/${a.id}/move`, { as: creator, body: { chapterId: ch2.id, position: 3 } });
    expect(beyond.statusCode).toBe(400);
    expect(json<Problem>(beyond).errors?.[0]?.path).toBe('position');
    const negative = await env.req('POST', `/api/lessons/${a.id}/move`, { as: creator, body: { chapterId: ch2.id, position: -1 } });
    expect(negative.statusCode).toBe(400);
    expect(await env.count('audit_log')).toBe(audit);
    expect(await h.shape(creator, c.id)).toEqual(['One: c,a', 'Two: b,x']);
    expect(await h.shape(creator, other.id)).toEqual(['Chapter: ']);

    // The other course's owner cannot pull a lesson out of a course they do not manage.
    const stranger = await env.user(['Course Creator']);
    expect(
      (await env.req('POST', `/api/lessons/${a.id}/move`, { as: stranger, body: { chapterId: ch2.id, position: 0 } })).statusCode,
    ).toBe(404);
  });

  it('lesson content: managers and enrolled members read it; others only preview lessons of a visible course; the rest is 404', async () => {
    const creator = await env.user(['Course Creator']);
    const enrolled = await env.user();
    const outsider = await env.user();
    const otherCreator = await env.user(['Course Creator']);
    const mod = await env.user(['Moderator']);
    const c = await h.course(creator, { published: true });
    const ch = await h.chapter(creator, c.id);
    const full = await h.lesson(creator, ch.id, { title: 'Full', body: 'secret' });
    const preview = await h.lesson(creator, ch.id, { title: 'Preview', body: 'teaser', isPreview: true });
    await enroll(env, enrolled.id, c.id);

    const read = (as: TestUser, l: Lesson) => env.req('GET', `/api/lessons/${l.id}`, { as });
    expect((await read(creator, full)).statusCode).toBe(200);
    expect((await read(mod, full)).statusCode).toBe(200);
    expect(json<Lesson>(await read(enrolled, full)).body).toBe('secret');
    const denied = await read(outsider, full);
    expect(denied.statusCode).toBe(404);
    expect(json<Problem>(denied).code).toBe('NOT_FOUND');
    expect((await read(otherCreator, full)).statusCode).toBe(404);
    expect(json<Lesson>(await read(outsider, preview)).body).toBe('teaser');
    expect((await env.req('GET', `/api/lessons/${full.id}`)).statusCode).toBe(401);

    // Unpublished: a preview no longer opens for outsiders; enrolled members keep access.
    await ok(env.req('PATCH', `/api/courses/${c.id}`, { as: creator, body: { published: false } }));
    expect((await read(outsider, preview)).statusCode).toBe(404);
    expect((await read(enrolled, full)).statusCode).toBe(200);
    expect((await read(creator, full)).statusCode).toBe(200);
  });

  it("outline: chapters and lessons in order, completed for the caller only, the caller's enrollment or null", async () => {
    const creator = await env.user(['Course Creator']);
    const learner = await env.user();
    const other = await env.user();
    const c = await h.course(creator, { published: true, sequential: true });
    const ch1 = await h.chapter(creator, c.id, 'Basics');
    const ch2 = await h.chapter(creator, c.id, 'Advanced');
    const empty = await h.chapter(creator, c.id, 'Empty');
    const l1 = await h.lesson(creator, ch1.id, { title: 'one' });
    const l2 = await h.lesson(creator, ch1.id, { title: 'two', kind: 'pdf', isPreview: true });
    const l3 = await h.lesson(creator, ch2.id, { title: 'three' });
    const enrollmentId = await enroll(env, learner.id, c.id);
    await enroll(env, other.id, c.id);
    await h.complete(learner.id, l1);
    await h.complete(other.id, l2);
    await h.complete(other.id, l3);
    await env.ctx.db.updateTable('enrollments').set({ current_lesson_id: l2.id }).where('id', '=', enrollmentId).execute();

    const o = await h.outline(learner, c.id);
    expect(o.course).toMatchObject({ id: c.id, title: c.title, published: true, sequential: true, lessonCount: 3, canManage: false });
    expect(o.chapters).toEqual([
      {
        id: ch1.id,
        title: 'Basics',
        position: 0,
        lessons: [
          { id: l1.id, title: 'one', kind: 'text', position: 0, isPreview: false, completed: true, locked: false },
          { id: l2.id, title: 'two', kind: 'pdf', position: 1, isPreview: true, completed: false, locked: false },
        ],
      },
      {
        id: ch2.id,
        title: 'Advanced',
        position: 1,
        lessons: [{ id: l3.id, title: 'three', kind: 'text', position: 0, isPreview: false, completed: false, locked: true }],
      },
      { id: empty.id, title: 'Empty', position: 2, lessons: [] },
    ]);
    expect(o.enrollment).toEqual({ id: enrollmentId, progress: 0, currentLessonId: l2.id, completedAt: null, source: 'admin', suspendedAt: null, suspendReason: null });

    const visitor = await env.user();
    const v = await h.outline(visitor, c.id);
    expect(v.enrollment).toBeNull();
    expect(v.chapters.flatMap((x) => x.lessons).every((l) => !l.completed)).toBe(true);
    expect((await h.outline(creator, c.id)).course.canManage).toBe(true);
  });

  it('progress is recomputed in the same request when lessons are added, deleted, moved, or a chapter is deleted', async () => {
    const creator = await env.user(['Course Creator']);
    const learner = await env.user();
    const c = await h.course(creator, { published: true });
    const ch1 = await h.chapter(creator, c.id, 'One');
    const done = await h.lesson(creator, ch1.id, { title: 'done' });
    const open = await h.lesson(creator, ch1.id, { title: 'open' });
    const enrollmentId = await enroll(env, learner.id, c.id);
    await h.complete(learner.id, done);
    await env.ctx.db.updateTable('enrollments').set({ completed_lessons: 1 }).where('id', '=', enrollmentId).execute();

    // 1 of 3 after adding a lesson.
    const third = await h.lesson(creator, ch1.id, { title: 'third' });
    expect(await h.progressOf(enrollmentId)).toEqual({ progress: 33, completed_at: null });
    expect((await h.outline(learner, c.id)).enrollment?.progress).toBe(33);

    // Deleting an incomplete lesson raises it: 1 of 2.
    expect((await env.req('DELETE', `/api/lessons/${open.id}`, { as: creator })).statusCode).toBe(204);
    expect((await h.progressOf(enrollmentId)).progress).toBe(50);
    expect(await h.shape(creator, c.id)).toEqual(['One: done,third']);

    // A chapter holding the last incomplete lesson goes: 1 of 1 -> complete.
    const ch2 = await h.chapter(creator, c.id, 'Two');
    await ok(env.req('POST', `/api/lessons/${third.id}/move`, { as: creator, body: { chapterId: ch2.id, position: 0 } }));
    expect((await h.progressOf(enrollmentId)).progress).toBe(50);
    expect((await env.req('DELETE', `/api/chapters/${ch2.id}`, { as: creator })).statusCode).toBe(204);
    const completed = await h.progressOf(enrollmentId);
    expect(completed.progress).toBe(100);
    expect(completed.completed_at).not.toBeNull();

    // Adding a lesson to a completed course takes it back below 100.
    await h.lesson(creator, ch1.id, { title: 'new' });
    expect(await h.progressOf(enrollmentId)).toEqual({ progress: 50, completed_at: null });

    // Deleting the completed lesson removes its completion row too.
    expect((await env.req('DELETE', `/api/lessons/${done.id}`, { as: creator })).statusCode).toBe(204);
    expect(await env.ctx.db.selectFrom('lesson_completions').select('id').where('lesson_id', '=', done.id).execute()).toEqual([]);
    expect((await h.progressOf(enrollmentId)).progress).toBe(0);
  });

  it('a failed structure change rolls back whole: nothing half-done', async () => {
    const creator = await env.user(['Course Creator']);
    const c = await h.course(creator);
    const ch = await h.chapter(creator, c.id);
    await h.lesson(creator, ch.id, { title: 'one' });
    const before = [await env.count('lessons'), await env.count('chapters'), await env.count('audit_log')];
    // Body too large for the schema.
    const res = await env.req('POST', `/api/chapters/${ch.id}/lessons`, {
      as: creator,
      body: { title: 'big', kind: 'text', body: 'x'.repeat(200_001) },
    });
    expect(res.statusCode).toBe(400);
    expect([await env.count('lessons'), await env.count('chapters'), await env.count('audit_log')]).toEqual(before);
  });

  it('concurrent appends take distinct positions', async () => {
    const creator = await env.user(['Course Creator']);
    const c = await h.course(creator);
    const ch = await h.chapter(creator, c.id);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        env.req('POST', `/api/chapters/${ch.id}/lessons`, { as: creator, body: { title: `l${i}`, kind: 'text' } }),
      ),
    );
    expect(results.every((r) => r.statusCode === 201)).toBe(true);
    const positions = (await h.outline(creator, c.id)).chapters[0]!.lessons.map((l) => l.position);
    expect(positions).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});
