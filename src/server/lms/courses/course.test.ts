import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { describeDb, json } from '../../../../test/helpers/harness.ts';
import { courseKit, enroll, type Problem } from '../../../../test/helpers/courses.ts';
import type { Course } from '../../../contract/courses.ts';
import { newId } from '../../db/ids.ts';
import { DEFAULT_TEMPLATE_ID } from '../../db/migrations/0005-certificates.ts';

type Page<T> = { items: T[]; nextCursor: string | null; total?: number };

function tag(): string {
  return `t${randomBytes(4).toString('hex')}`;
}

describeDb('courses: create, read, update, list, delete', (env) => {
  const kit = courseKit(env);

  it('a Course Creator creates a course and becomes its instructor; defaults are filled; an audit entry is written', async () => {
    const creator = await env.user(['Course Creator'], 'Casey Creator');
    const res = await env.req('POST', '/api/courses', {
      as: creator,
      body: {
        title: '  Fire Safety  ',
        shortIntroduction: 'Stay safe',
        description: '# Intro\n\nRead **this**.\n\n<script>alert(1)</script>',
        category: 'Compliance',
        tags: ['safety', 'Safety', 'fire'],
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    const c = json<Course>(res);
    expect(c).toMatchObject({
      title: 'Fire Safety',
      shortIntroduction: 'Stay safe',
      category: 'Compliance',
      tags: ['safety', 'fire'],
      published: false,
      publishedAt: null,
      mandatory: false,
      paid: false,
      price: null,
      currency: null,
      enableCertification: false,
      certificateIssueMode: 'auto',
      certificateTemplateId: null,
      certificateValidityMonths: null,
      disableSelfEnrollment: false,
      sequential: false,
      imageUrl: null,
      lessonCount: 0,
      instructors: [{ id: creator.id, fullName: 'Casey Creator' }],
    });
    expect(c.descriptionHtml).toContain('<h1>Intro</h1>');
    expect(c.descriptionHtml).toContain('<strong>this</strong>');
    expect(c.descriptionHtml).not.toContain('<script');
    expect(c.id).toMatch(/^[0-9a-z]{26}$/);

    const audit = await env.ctx.db
      .selectFrom('audit_log')
      .selectAll()
      .where('entity', '=', 'course')
      .where('entity_id', '=', c.id)
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'create', actor_id: creator.id });
  });

  it('a Moderator creates a published, paid, certified course; publishedAt is set; named instructors replace the creator', async () => {
    const mod = await env.user(['Moderator']);
    const teacher = await env.user(['Course Creator'], 'Terry Teacher');
    const c = await kit.course(mod, {
      published: true,
      mandatory: true,
      paid: true,
      price: 4990,
      currency: 'eur',
      enableCertification: true,
      certificateIssueMode: 'claim',
      certificateTemplateId: DEFAULT_TEMPLATE_ID,
      certificateValidityMonths: 24,
      disableSelfEnrollment: true,
      sequential: true,
      instructorIds: [teacher.id],
    });
    expect(c).toMatchObject({
      published: true,
      mandatory: true,
      paid: true,
      price: 4990,
      currency: 'EUR',
      enableCertification: true,
      certificateIssueMode: 'claim',
      certificateTemplateId: DEFAULT_TEMPLATE_ID,
      certificateValidityMonths: 24,
      disableSelfEnrollment: true,
      sequential: true,
      instructors: [{ id: teacher.id, fullName: 'Terry Teacher' }],
    });
    expect(c.publishedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    const again = json<Course>(await env.req('GET', `/api/courses/${c.id}`, { as: mod }));
    expect(again).toEqual(c);
  });

  it('bad input answers 400 with field paths and writes nothing', async () => {
    const mod = await env.user(['Moderator']);
    const stranger = newId();
    const before = {
      courses: await env.count('courses'),
      instructors: await env.count('course_instructors'),
      audit: await env.count('audit_log'),
    };
    const cases: [Record<string, unknown>, string][] = [
      [{}, 'title'],
      [{ title: '   ' }, 'title'],
      [{ title: 'x'.repeat(201) }, 'title'],
      [{ title: 'A', isAdmin: true }, 'isAdmin'],
      [{ title: 'A', currency: 'EURO' }, 'currency'],
      [{ title: 'A', currency: 'XYZ' }, 'currency'],
      [{ title: 'A', price: -1 }, 'price'],
      // Prices are integer minor units (api.md): a decimal amount or an oversize one is refused.
      [{ title: 'A', price: 49.9 }, 'price'],
      [{ title: 'A', price: 100_000_001 }, 'price'],
      [{ title: 'A', price: '10' }, 'price'],
      [{ title: 'A', paid: true, price: 10 }, 'currency'],
      [{ title: 'A', certificateValidityMonths: 0 }, 'certificateValidityMonths'],
      [{ title: 'A', certificateValidityMonths: 601 }, 'certificateValidityMonths'],
      [{ title: 'A', certificateIssueMode: 'later' }, 'certificateIssueMode'],
      [{ title: 'A', tags: 'safety' }, 'tags'],
      [{ title: 'A', tags: [''] }, 'tags.0'],
      [{ title: 'A', published: 'yes' }, 'published'],
      [{ title: 'A', instructorIds: [stranger] }, 'instructorIds.0'],
      [{ title: 'A', instructorIds: ['Not An Id!'] }, 'instructorIds.0'],
    ];
    for (const [body, path] of cases) {
      const res = await env.req('POST', '/api/courses', { as: mod, body });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      const p = json<Problem>(res);
      expect(p.code).toBe('VALIDATION_FAILED');
      expect(
        p.errors?.map((e) => e.path),
        JSON.stringify(body),
      ).toContain(path);
    }
    expect(await env.count('courses')).toBe(before.courses);
    expect(await env.count('course_instructors')).toBe(before.instructors);
    expect(await env.count('audit_log')).toBe(before.audit);
  });

  it('learners cannot author, see published courses only, and get 404 for unpublished ones', async () => {
    const mod = await env.user(['Moderator']);
    const learner = await env.user(['LMS Student']);
    const t = tag();
    const pub = await kit.course(mod, { title: `Pub ${t}`, published: true });
    const hidden = await kit.course(mod, { title: `Hidden ${t}` });

    const before = await env.count('courses');
    const create = await env.req('POST', '/api/courses', { as: learner, body: { title: 'Mine' } });
    expect(create.statusCode).toBe(403);
    expect(json<Problem>(create).code).toBe('FORBIDDEN');
    expect(await env.count('courses')).toBe(before);

    expect((await env.req('GET', `/api/courses/${pub.id}`, { as: learner })).statusCode).toBe(200);
    const h = await env.req('GET', `/api/courses/${hidden.id}`, { as: learner });
    expect(h.statusCode).toBe(404);
    expect(json<Problem>(h).code).toBe('NOT_FOUND');
    expect((await env.req('GET', `/api/courses/${hidden.id}/outline`, { as: learner })).statusCode).toBe(404);

    const list = json<Page<Course>>(await env.req('GET', `/api/courses?q=${t}`, { as: learner }));
    expect(list.items.map((c) => c.id)).toEqual([pub.id]);
    // Asking for unpublished ones does not reveal them.
    const sneaky = json<Page<Course>>(await env.req('GET', `/api/courses?q=${t}&published=false`, { as: learner }));
    expect(sneaky.items).toEqual([]);
    const staff = json<Page<Course>>(await env.req('GET', `/api/courses?q=${t}&published=false`, { as: mod }));
    expect(staff.items.map((c) => c.id)).toEqual([hidden.id]);

    const patch = await env.req('PATCH', `/api/courses/${pub.id}`, { as: learner, body: { title: 'Hacked' } });
    expect(patch.statusCode).toBe(403);
    expect((await env.req('GET', '/api/courses')).statusCode).toBe(401);
  });

  it('Course Creators manage their own courses only: 404 for an unseen unpublished course, 403 for a visible one', async () => {
    const alice = await env.user(['Course Creator']);
    const bob = await env.user(['Course Creator']);
    const mod = await env.user(['Moderator']);
    const t = tag();
    const aliceDraft = await kit.course(alice, { title: `Alice draft ${t}` });
    const alicePub = await kit.course(alice, { title: `Alice pub ${t}`, published: true });
    const bobDraft = await kit.course(bob, { title: `Bob draft ${t}` });

    const own = await env.req('PATCH', `/api/courses/${aliceDraft.id}`, { as: alice, body: { title: `Alice draft v2 ${t}` } });
    expect(own.statusCode).toBe(200);
    expect(json<Course>(own).title).toBe(`Alice draft v2 ${t}`);

    expect((await env.req('GET', `/api/courses/${aliceDraft.id}`, { as: bob })).statusCode).toBe(404);
    const hiddenPatch = await env.req('PATCH', `/api/courses/${aliceDraft.id}`, { as: bob, body: { title: 'Mine now' } });
    expect(hiddenPatch.statusCode).toBe(404);
    const visiblePatch = await env.req('PATCH', `/api/courses/${alicePub.id}`, { as: bob, body: { title: 'Mine now' } });
    expect(visiblePatch.statusCode).toBe(403);
    expect(json<Problem>(visiblePatch).code).toBe('FORBIDDEN');
    expect((await env.req('POST', `/api/courses/${alicePub.id}/chapters`, { as: bob, body: { title: 'Intruder' } })).statusCode).toBe(403);
    expect((await env.req('POST', `/api/courses/${aliceDraft.id}/chapters`, { as: bob, body: { title: 'Intruder' } })).statusCode).toBe(
      404,
    );
    expect(json<Course>(await env.req('GET', `/api/courses/${alicePub.id}`, { as: mod })).title).toBe(alicePub.title);

    // Lists: each creator sees published courses and their own drafts.
    const bobList = json<Page<Course>>(await env.req('GET', `/api/courses?q=${t}`, { as: bob }));
    expect(bobList.items.map((c) => c.id).sort()).toEqual([alicePub.id, bobDraft.id].sort());
    const modList = json<Page<Course>>(await env.req('GET', `/api/courses?q=${t}`, { as: mod }));
    expect(modList.items).toHaveLength(3);

    // Moderators manage every course.
    const modPatch = await env.req('PATCH', `/api/courses/${bobDraft.id}`, { as: mod, body: { mandatory: true } });
    expect(modPatch.statusCode).toBe(200);
    expect(json<Course>(modPatch).mandatory).toBe(true);
    const admin = await env.user(['System Manager']);
    expect((await env.req('PATCH', `/api/courses/${bobDraft.id}`, { as: admin, body: { sequential: true } })).statusCode).toBe(200);
  });

  it('PATCH: publishing sets publishedAt once; unpublishing keeps it and every enrollment; pricing rules hold on the merged course', async () => {
    const creator = await env.user(['Course Creator']);
    const learner = await env.user();
    const c = await kit.course(creator);
    const pub = json<Course>(await env.req('PATCH', `/api/courses/${c.id}`, { as: creator, body: { published: true } }));
    expect(pub.published).toBe(true);
    expect(pub.publishedAt).not.toBeNull();
    expect(pub.updatedAt >= c.updatedAt).toBe(true);
    await enroll(env, learner.id, c.id);

    const unpub = json<Course>(await env.req('PATCH', `/api/courses/${c.id}`, { as: creator, body: { published: false } }));
    expect(unpub.published).toBe(false);
    expect(unpub.publishedAt).toBe(pub.publishedAt);
    expect(await env.ctx.db.selectFrom('enrollments').select('id').where('course_id', '=', c.id).execute()).toHaveLength(1);
    // The enrolled learner keeps access to the course they are in.
    expect((await env.req('GET', `/api/courses/${c.id}`, { as: learner })).statusCode).toBe(200);
    const outline = json<{ enrollment: { progress: number } | null }>(
      await env.req('GET', `/api/courses/${c.id}/outline`, { as: learner }),
    );
    expect(outline.enrollment).toMatchObject({ progress: 0 });

    const repub = json<Course>(await env.req('PATCH', `/api/courses/${c.id}`, { as: creator, body: { published: true } }));
    expect(repub.publishedAt).toBe(pub.publishedAt);

    const priced = await env.req('PATCH', `/api/courses/${c.id}`, { as: creator, body: { price: 20 } });
    expect(priced.statusCode).toBe(200);
    const auditBefore = await env.count('audit_log');
    const paidNoCurrency = await env.req('PATCH', `/api/courses/${c.id}`, { as: creator, body: { paid: true } });
    expect(paidNoCurrency.statusCode).toBe(400);
    expect(json<Problem>(paidNoCurrency).errors?.[0]?.path).toBe('currency');
    expect(json<Course>(await env.req('GET', `/api/courses/${c.id}`, { as: creator })).paid).toBe(false);
    expect(await env.count('audit_log')).toBe(auditBefore);
    const paid = json<Course>(await env.req('PATCH', `/api/courses/${c.id}`, { as: creator, body: { paid: true, currency: 'usd' } }));
    expect(paid).toMatchObject({ paid: true, price: 20, currency: 'USD' });
    const unknown = await env.req('PATCH', `/api/courses/${c.id}`, { as: creator, body: { instructorIds: [] } });
    expect(unknown.statusCode).toBe(400);

    const audit = await env.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'before_json', 'after_json'])
      .where('entity', '=', 'course')
      .where('entity_id', '=', c.id)
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['create', 'update', 'update', 'update', 'update', 'update']);
    expect(JSON.parse(audit[1]!.before_json!)).toMatchObject({ published: false });
    expect(JSON.parse(audit[1]!.after_json!)).toMatchObject({ published: true });
  });

  it('unknown ids answer 404, malformed ids 400', async () => {
    const mod = await env.user(['Moderator']);
    const missing = newId();
    for (const [method, url, body] of [
      ['GET', `/api/courses/${missing}`, undefined],
      ['PATCH', `/api/courses/${missing}`, { title: 'x' }],
      ['DELETE', `/api/courses/${missing}`, undefined],
      ['GET', `/api/courses/${missing}/outline`, undefined],
      ['PUT', `/api/courses/${missing}/instructors`, { userIds: [] }],
      ['POST', `/api/courses/${missing}/chapters`, { title: 'x' }],
      ['GET', `/api/courses/${missing}/image`, undefined],
    ] as const) {
      const res = await env.req(method, url, { as: mod, body });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(json<Problem>(res).code).toBe('NOT_FOUND');
    }
    for (const url of ['/api/courses/NOT-AN-ID', '/api/courses/abc%20def/outline', `/api/courses/${'a'.repeat(65)}`]) {
      const res = await env.req('GET', url, { as: mod });
      expect(res.statusCode, url).toBe(400);
      expect(json<Problem>(res).code).toBe('VALIDATION_FAILED');
    }
  });

  it('list: filters by title text, category, tag, mandatory; keyset pages by title then id; total on request', async () => {
    const mod = await env.user(['Moderator']);
    const t = tag();
    const titles = ['Alpha', 'Bravo', 'Charlie', 'Delta', 'Echo'];
    const made: Course[] = [];
    for (const [i, name] of titles.entries()) {
      made.push(
        await kit.course(mod, {
          title: `${name} ${t}${i === 2 ? ' 100%_off' : ''}`,
          published: true,
          category: i % 2 === 0 ? 'Compliance' : 'Skills',
          tags: i < 2 ? ['first-aid', `${t}-x`] : [`${t}-x`],
          mandatory: i === 4,
        }),
      );
    }
    const ids = (r: Page<Course>) => r.items.map((c) => c.id);
    const get = async (qs: string) => {
      const res = await env.req('GET', `/api/courses?${qs}`, { as: mod });
      expect(res.statusCode, res.body).toBe(200);
      return json<Page<Course>>(res);
    };
    expect(ids(await get(`q=${t.toUpperCase()}`))).toEqual(made.map((c) => c.id));
    expect(ids(await get(`q=${encodeURIComponent('100%_')}`))).toEqual([made[2]!.id]);
    expect(ids(await get(`q=${encodeURIComponent('0%_o')}`))).toEqual([made[2]!.id]);
    expect(ids(await get(`q=${t}&category=compliance`))).toEqual([made[0]!.id, made[2]!.id, made[4]!.id]);
    expect(ids(await get(`tag=${t}-X`))).toEqual(made.map((c) => c.id));
    expect(ids(await get(`q=${t}&tag=first-aid`))).toEqual([made[0]!.id, made[1]!.id]);
    expect(ids(await get(`q=${t}&tag=first`))).toEqual([]);
    expect(ids(await get(`q=${t}&mandatory=true`))).toEqual([made[4]!.id]);
    expect(ids(await get(`q=${t}&mandatory=false`))).toHaveLength(4);

    const p1 = await get(`q=${t}&limit=2&withTotal=true`);
    expect(ids(p1)).toEqual([made[0]!.id, made[1]!.id]);
    expect(p1.total).toBe(5);
    expect(p1.nextCursor).toBeTruthy();
    const p2 = await get(`q=${t}&limit=2&cursor=${p1.nextCursor}`);
    expect(ids(p2)).toEqual([made[2]!.id, made[3]!.id]);
    expect(p2.total).toBeUndefined();
    // A course inserted before the cursor does not shift the next page.
    await kit.course(mod, { title: `Aardvark ${t}`, published: true });
    const p3 = await get(`q=${t}&limit=2&cursor=${p2.nextCursor}`);
    expect(ids(p3)).toEqual([made[4]!.id]);
    expect(p3.nextCursor).toBeNull();

    // Cursors carry the title: pages also step over the longest titles.
    const long = [await kit.course(mod, { title: `${t} ${'é'.repeat(190)}` }), await kit.course(mod, { title: `${t} ${'ü'.repeat(190)}` })];
    const l1 = await get(`q=${t}&published=false&limit=1`);
    expect(ids(l1)).toEqual([long[0]!.id]);
    expect(ids(await get(`q=${t}&published=false&limit=1&cursor=${l1.nextCursor}`))).toEqual([long[1]!.id]);

    for (const qs of ['limit=0', 'limit=501', 'cursor=garbage', 'mandatory=maybe', 'sort=price']) {
      const res = await env.req('GET', `/api/courses?${qs}`, { as: mod });
      expect(res.statusCode, qs).toBe(400);
      expect(json<Problem>(res).code).toBe('VALIDATION_FAILED');
    }
  });

  it('instructors: replaced by a manager; a Course Creator cannot drop themselves; unknown users are refused', async () => {
    const creator = await env.user(['Course Creator'], 'Ann Author');
    const other = await env.user(['Course Creator'], 'Ben Builder');
    const mod = await env.user(['Moderator']);
    const c = await kit.course(creator);
    const both = await env.req('PUT', `/api/courses/${c.id}/instructors`, { as: creator, body: { userIds: [other.id, creator.id] } });
    expect(both.statusCode, both.body).toBe(200);
    expect(json<Course>(both).instructors).toEqual([
      { id: creator.id, fullName: 'Ann Author' },
      { id: other.id, fullName: 'Ben Builder' },
    ]);
    // The new instructor can now manage it.
    expect((await env.req('PATCH', `/api/courses/${c.id}`, { as: other, body: { sequential: true } })).statusCode).toBe(200);

    const self = await env.req('PUT', `/api/courses/${c.id}/instructors`, { as: creator, body: { userIds: [other.id] } });
    expect(self.statusCode).toBe(422);
    expect(json<Problem>(self).code).toBe('CANNOT_REMOVE_SELF');
    const ghost = await env.req('PUT', `/api/courses/${c.id}/instructors`, { as: mod, body: { userIds: [creator.id, newId()] } });
    expect(ghost.statusCode).toBe(400);
    expect(json<Problem>(ghost).errors?.[0]?.path).toBe('userIds.1');
    expect(await env.ctx.db.selectFrom('course_instructors').select('user_id').where('course_id', '=', c.id).execute()).toHaveLength(2);

    const handover = await env.req('PUT', `/api/courses/${c.id}/instructors`, { as: mod, body: { userIds: [other.id] } });
    expect(json<Course>(handover).instructors.map((i) => i.id)).toEqual([other.id]);
    // The former instructor no longer sees the (unpublished) course.
    expect((await env.req('GET', `/api/courses/${c.id}`, { as: creator })).statusCode).toBe(404);
  });

  it('DELETE: Moderators only; refused with 409 while enrollments exist (nothing removed); otherwise removes the whole structure', async () => {
    const creator = await env.user(['Course Creator']);
    const mod = await env.user(['Moderator']);
    const learner = await env.user();
    const c = await kit.course(creator, { published: true });
    const ch = json<{ id: string }>(await env.req('POST', `/api/courses/${c.id}/chapters`, { as: creator, body: { title: 'One' } }));
    await env.req('POST', `/api/chapters/${ch.id}/lessons`, { as: creator, body: { title: 'L1', kind: 'text', body: 'x' } });

    const byCreator = await env.req('DELETE', `/api/courses/${c.id}`, { as: creator });
    expect(byCreator.statusCode).toBe(403);

    const enrollmentId = await enroll(env, learner.id, c.id);
    const counts = async () => [
      await env.count('courses'),
      await env.count('chapters'),
      await env.count('lessons'),
      await env.count('enrollments'),
    ];
    const before = await counts();
    const refused = await env.req('DELETE', `/api/courses/${c.id}`, { as: mod });
    expect(refused.statusCode).toBe(409);
    const p = json<Problem>(refused);
    expect(p.code).toBe('COURSE_HAS_ENROLLMENTS');
    expect(p.detail).toMatch(/unpublish/i);
    expect(await counts()).toEqual(before);

    await env.ctx.db.deleteFrom('enrollments').where('id', '=', enrollmentId).execute();
    const ok = await env.req('DELETE', `/api/courses/${c.id}`, { as: mod });
    expect(ok.statusCode).toBe(204);
    expect((await env.req('GET', `/api/courses/${c.id}`, { as: mod })).statusCode).toBe(404);
    expect(await env.ctx.db.selectFrom('chapters').select('id').where('course_id', '=', c.id).execute()).toEqual([]);
    expect(await env.ctx.db.selectFrom('lessons').select('id').where('course_id', '=', c.id).execute()).toEqual([]);
    const audit = await env.ctx.db
      .selectFrom('audit_log')
      .selectAll()
      .where('entity', '=', 'course')
      .where('entity_id', '=', c.id)
      .where('action', '=', 'delete')
      .executeTakeFirstOrThrow();
    const kept = JSON.parse(audit.before_json!) as { title: string; chapters: unknown[]; lessons: unknown[] };
    expect(kept.title).toBe(c.title);
    expect(kept.chapters).toHaveLength(1);
    expect(kept.lessons).toHaveLength(1);
  });

  it('the course routes are in the OpenAPI document', async () => {
    const doc = json<{ paths: Record<string, unknown> }>(await env.req('GET', '/api/openapi.json'));
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/courses',
        '/api/courses/{id}',
        '/api/courses/{id}/outline',
        '/api/courses/{id}/image',
        '/api/chapters/{id}/lessons',
        '/api/lessons/{id}/file',
        '/api/lessons/{id}/move',
      ]),
    );
  });
});
