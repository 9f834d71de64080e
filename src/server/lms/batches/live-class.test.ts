import ICAL from 'ical.js';
import { expect, it } from 'vitest';
import { describeDb, json, type TestEnv, type TestUser } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { foldLine } from './calendar.ts';

type LiveClass = { id: string; title: string; startsAt: string; endsAt: string; timezone: string; presentMemberIds?: string[] };

async function setup(env: TestEnv) {
  const mod = await env.user(['Moderator']);
  const instructor = await env.user(['Course Creator'], 'Irene Instructor');
  const alice = await env.user(['LMS Student'], 'Alice Learner');
  const bob = await env.user(['LMS Student'], 'Bob Learner');
  const stranger = await env.user();
  const course = await makeCourse(env);
  const res = await env.req('POST', '/api/batches', {
    as: mod,
    body: { title: 'Berlin cohort', startDate: '2026-03-01', endDate: '2026-04-30', timezone: 'Europe/Berlin', courseIds: [course.courseId], instructorIds: [instructor.id] },
  });
  const batchId = json<{ id: string }>(res).id;
  for (const p of [alice, bob]) await env.req('POST', `/api/batches/${batchId}/members`, { as: mod, body: { memberId: p.id } });
  return { mod, instructor, alice, bob, stranger, batchId, courseId: course.courseId };
}

function events(ics: string) {
  const cal = new ICAL.Component(ICAL.parse(ics) as unknown[]);
  return cal.getAllSubcomponents('vevent').map((v) => {
    const e = new ICAL.Event(v);
    return {
      uid: e.uid,
      summary: e.summary,
      description: e.description,
      start: e.startDate.toJSDate().toISOString(),
      end: e.endDate.toJSDate().toISOString(),
      sequence: e.sequence,
      url: v.getFirstPropertyValue('url'),
    };
  });
}

async function schedule(env: TestEnv, as: TestUser, batchId: string, body: Record<string, unknown>): Promise<LiveClass> {
  const res = await env.req('POST', `/api/batches/${batchId}/live-classes`, { as, body });
  expect(res.statusCode, res.body).toBe(201);
  return json<LiveClass>(res);
}

describeDb('live classes, attendance and calendar feeds', (env) => {
  it('instructors schedule, change and cancel classes; members read them; others cannot; bad input writes nothing', async () => {
    const s = await setup(env);
    const lc = await schedule(env, s.instructor, s.batchId, {
      title: 'Kick-off',
      startsAt: '2026-03-02T18:00:00+01:00',
      durationMinutes: 90,
      joinUrl: 'https://meet.example.com/abc-defg',
      description: 'Bring questions',
    });
    expect(lc).toMatchObject({ startsAt: '2026-03-02T17:00:00.000Z', endsAt: '2026-03-02T18:30:00.000Z', timezone: 'Europe/Berlin' });
    const asMember = json<LiveClass[]>(await env.req('GET', `/api/batches/${s.batchId}/live-classes`, { as: s.alice }));
    expect(asMember.map((c) => c.id)).toEqual([lc.id]);
    expect(asMember[0]!.presentMemberIds).toBeUndefined();
    expect((await env.req('GET', `/api/batches/${s.batchId}/live-classes`, { as: s.stranger })).statusCode).toBe(404);

    const before = { classes: await env.count('live_classes'), audit: await env.count('audit_log') };
    const bad: [Record<string, unknown>, string][] = [
      [{ startsAt: '2026-03-02T17:00:00Z', durationMinutes: 60, joinUrl: 'https://x.example' }, 'title'],
      [{ title: 'x', startsAt: 'tomorrow', durationMinutes: 60, joinUrl: 'https://x.example' }, 'startsAt'],
      [{ title: 'x', startsAt: '2026-03-02T17:00:00Z', durationMinutes: 0, joinUrl: 'https://x.example' }, 'durationMinutes'],
      [{ title: 'x', startsAt: '2026-03-02T17:00:00Z', durationMinutes: '60', joinUrl: 'https://x.example' }, 'durationMinutes'],
      [{ title: 'x', startsAt: '2026-03-02T17:00:00Z', durationMinutes: 60, joinUrl: 'javascript:alert(1)' }, 'joinUrl'],
      [{ title: 'x'.repeat(201), startsAt: '2026-03-02T17:00:00Z', durationMinutes: 60, joinUrl: 'https://x.example' }, 'title'],
    ];
    for (const [body, path] of bad) {
      const r = await env.req('POST', `/api/batches/${s.batchId}/live-classes`, { as: s.instructor, body });
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(json<{ errors: { path: string }[] }>(r).errors.map((e) => e.path).join(' ')).toContain(path);
    }
    // What the desk shows next to each field, in words.
    const words = await env.req('POST', `/api/batches/${s.batchId}/live-classes`, {
      as: s.instructor,
      body: { title: ' ', startsAt: '', durationMinutes: 60, joinUrl: 'meet.example.com/xyz' },
    });
    expect(json<{ errors: { path: string; message: string }[] }>(words).errors).toEqual([
      { path: 'title', message: 'Give the class a title.' },
      { path: 'startsAt', message: 'Give the day and time the class starts.' },
      { path: 'joinUrl', message: 'Give the full join link, starting with https://' },
    ]);
    const good = { title: 'x', startsAt: '2026-03-02T17:00:00Z', durationMinutes: 60, joinUrl: 'https://x.example' };
    expect((await env.req('POST', `/api/batches/${s.batchId}/live-classes`, { as: s.alice, body: good })).statusCode).toBe(403);
    expect((await env.req('POST', `/api/batches/${s.batchId}/live-classes`, { as: s.stranger, body: good })).statusCode).toBe(404);
    expect((await env.req('PATCH', `/api/live-classes/${lc.id}`, { as: s.alice, body: { title: 'Mine' } })).statusCode).toBe(403);
    expect((await env.req('PATCH', `/api/live-classes/${lc.id}`, { as: s.stranger, body: { title: 'Mine' } })).statusCode).toBe(404);
    expect((await env.req('DELETE', `/api/live-classes/${lc.id}`, { as: s.stranger })).statusCode).toBe(404);
    expect({ classes: await env.count('live_classes'), audit: await env.count('audit_log') }).toEqual(before);

    const moved = await env.req('PATCH', `/api/live-classes/${lc.id}`, { as: s.instructor, body: { startsAt: '2026-03-03T17:00:00Z' } });
    expect(json(moved)).toMatchObject({ id: lc.id, startsAt: '2026-03-03T17:00:00.000Z', title: 'Kick-off' });
    expect((await env.req('DELETE', `/api/live-classes/${lc.id}`, { as: s.instructor })).statusCode).toBe(204);
    expect(await env.count('live_classes')).toBe(before.classes - 1);
    const trail = await env.ctx.db.selectFrom('audit_log').select('action').where('entity', '=', 'live_class').where('entity_id', '=', lc.id).orderBy('id').execute();
    expect(trail.map((t) => t.action)).toEqual(['create', 'update', 'delete']);
  });

  it('attendance: an instructor marks members present; non-members are refused; the dashboard counts it', async () => {
    const s = await setup(env);
    const lc = await schedule(env, s.instructor, s.batchId, { title: 'Week 1', startsAt: '2026-03-02T17:00:00Z', durationMinutes: 60, joinUrl: 'https://x.example/1' });
    await schedule(env, s.instructor, s.batchId, { title: 'Week 2', startsAt: '2026-03-09T17:00:00Z', durationMinutes: 60, joinUrl: 'https://x.example/2' });
    const before = await env.count('live_class_attendance');
    const bad = await env.req('PUT', `/api/live-classes/${lc.id}/attendance`, { as: s.instructor, body: { presentMemberIds: [s.alice.id, s.stranger.id] } });
    expect([bad.statusCode, json(bad).code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(json<{ errors: { path: string }[] }>(bad).errors[0]!.path).toBe('presentMemberIds.1');
    expect((await env.req('PUT', `/api/live-classes/${lc.id}/attendance`, { as: s.alice, body: { presentMemberIds: [s.alice.id] } })).statusCode).toBe(403);
    expect((await env.req('PUT', `/api/live-classes/${lc.id}/attendance`, { as: s.instructor, body: { presentMemberIds: 'all' } })).statusCode).toBe(400);
    // A class that has not happened yet takes no attendance.
    const later = await schedule(env, s.instructor, s.batchId, { title: 'Week 99', startsAt: '2099-03-02T17:00:00Z', durationMinutes: 60, joinUrl: 'https://x.example/99' });
    const early = await env.req('PUT', `/api/live-classes/${later.id}/attendance`, { as: s.instructor, body: { presentMemberIds: [s.alice.id] } });
    expect([early.statusCode, json(early).code]).toEqual([422, 'CLASS_NOT_STARTED']);
    expect(json<{ startsAt: string }>(early).startsAt).toBe('2099-03-02T17:00:00.000Z');
    expect(await env.count('live_class_attendance')).toBe(before);
    const ok = await env.req('PUT', `/api/live-classes/${lc.id}/attendance`, { as: s.instructor, body: { presentMemberIds: [s.alice.id, s.alice.id] } });
    expect(json(ok)).toEqual({ liveClassId: lc.id, presentMemberIds: [s.alice.id] });
    const list = json<LiveClass[]>(await env.req('GET', `/api/batches/${s.batchId}/live-classes`, { as: s.instructor }));
    expect(list[0]!.presentMemberIds).toEqual([s.alice.id]);
    const grid = json<{ items: { memberId: string; attendance: { attended: number; held: number } }[] }>(
      await env.req('GET', `/api/batches/${s.batchId}/members`, { as: s.instructor }),
    );
    expect(grid.items.find((i) => i.memberId === s.alice.id)!.attendance).toEqual({ attended: 1, held: 2 });
    expect(grid.items.find((i) => i.memberId === s.bob.id)!.attendance).toEqual({ attended: 0, held: 2 });
  });

  it('the batch calendar parses with ical.js: one VEVENT per class, stable UID, times round-trip across the DST change', async () => {
    const s = await setup(env);
    // Europe/Berlin moves to summer time on 2026-03-29: 18:00 local is 17:00Z before and 16:00Z after.
    const before = await schedule(env, s.instructor, s.batchId, {
      title: 'Week 4: tests, mocks; and "fixtures"',
      startsAt: '2026-03-28T18:00:00+01:00',
      durationMinutes: 60,
      joinUrl: 'https://meet.example.com/room?x=1&y=2',
      description: 'Line one\nLine two, with a comma; and a semicolon \\ backslash — ünïcødé '.repeat(3),
    });
    const after = await schedule(env, s.instructor, s.batchId, { title: 'Week 5', startsAt: '2026-03-30T18:00:00+02:00', durationMinutes: 45, joinUrl: 'https://meet.example.com/w5' });
    const res = await env.req('GET', `/api/batches/${s.batchId}/calendar.ics`, { as: s.alice });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/calendar');
    expect(res.body.split('\r\n').every((l) => Buffer.byteLength(l) <= 75)).toBe(true);
    expect(res.body).toContain('X-WR-TIMEZONE:Europe/Berlin');
    const evs = events(res.body);
    expect(evs).toHaveLength(2);
    expect(evs[0]).toMatchObject({ summary: 'Week 4: tests, mocks; and "fixtures"', start: '2026-03-28T17:00:00.000Z', end: '2026-03-28T18:00:00.000Z', sequence: 0 });
    expect(evs[0]!.description).toContain('Line one\nLine two, with a comma; and a semicolon \\ backslash — ünïcødé ');
    expect(evs[0]!.url).toBe('https://meet.example.com/room?x=1&y=2');
    expect(evs[1]).toMatchObject({ summary: 'Week 5', start: '2026-03-30T16:00:00.000Z', end: '2026-03-30T16:45:00.000Z' });
    const berlin = (iso: string) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
    expect([berlin(evs[0]!.start), berlin(evs[1]!.start)]).toEqual(['18:00', '18:00']);

    // An edit keeps the UID and raises SEQUENCE.
    await env.req('PATCH', `/api/live-classes/${after.id}`, { as: s.instructor, body: { startsAt: '2026-03-31T18:00:00+02:00', title: 'Week 5 (moved)' } });
    const again = events((await env.req('GET', `/api/batches/${s.batchId}/calendar.ics`, { as: s.instructor })).body);
    expect(again.map((e) => e.uid)).toEqual(evs.map((e) => e.uid));
    expect(again[1]).toMatchObject({ summary: 'Week 5 (moved)', start: '2026-03-31T16:00:00.000Z', sequence: 1 });
    expect(again[0]!.uid).toContain(before.id);

    expect((await env.req('GET', `/api/batches/${s.batchId}/calendar.ics`, { as: s.stranger })).statusCode).toBe(404);
    expect((await env.req('GET', `/api/batches/${s.batchId}/calendar.ics`)).statusCode).toBe(401);
  });

  it('the personal feed: a secret address without login, only the owner’s batches, renewable and revocable', async () => {
    const s = await setup(env);
    await schedule(env, s.instructor, s.batchId, { title: 'Mine', startsAt: '2026-03-02T17:00:00Z', durationMinutes: 60, joinUrl: 'https://x.example/1' });
    const other = json<{ id: string }>(
      await env.req('POST', '/api/batches', { as: s.mod, body: { title: 'Other', startDate: '2026-03-01', endDate: '2026-04-30', timezone: 'UTC', courseIds: [s.courseId] } }),
    );
    await schedule(env, s.mod, other.id, { title: 'Not mine', startsAt: '2026-03-03T17:00:00Z', durationMinutes: 60, joinUrl: 'https://x.example/2' });

    expect(json(await env.req('GET', '/api/me/calendar-feed', { as: s.alice }))).toEqual({ active: false, url: null, createdAt: null });
    const made = await env.req('POST', '/api/me/calendar-feed', { as: s.alice });
    expect(made.statusCode).toBe(201);
    const url = new URL(json<{ url: string }>(made).url);
    const feed = await env.req('GET', url.pathname);
    expect(feed.statusCode).toBe(200);
    expect(events(feed.body).map((e) => e.summary)).toEqual(['Mine']);
    expect(json(await env.req('GET', '/api/me/calendar-feed', { as: s.alice }))).toMatchObject({ active: true, url: null });
    // The instructor's feed holds the classes they teach.
    const teach = new URL(json<{ url: string }>(await env.req('POST', '/api/me/calendar-feed', { as: s.instructor })).url);
    expect(events((await env.req('GET', teach.pathname)).body).map((e) => e.summary)).toEqual(['Mine']);
    // Only the hash is stored.
    const stored = await env.ctx.db.selectFrom('calendar_feeds').select('token_hash').where('user_id', '=', s.alice.id).executeTakeFirstOrThrow();
    expect(url.pathname).not.toContain(stored.token_hash);

    const renewed = new URL(json<{ url: string }>(await env.req('POST', '/api/me/calendar-feed', { as: s.alice })).url);
    expect(renewed.pathname).not.toBe(url.pathname);
    expect((await env.req('GET', url.pathname)).statusCode).toBe(404);
    expect((await env.req('GET', renewed.pathname)).statusCode).toBe(200);
    expect((await env.req('DELETE', '/api/me/calendar-feed', { as: s.alice })).statusCode).toBe(204);
    expect((await env.req('GET', renewed.pathname)).statusCode).toBe(404);
    expect((await env.req('GET', '/api/calendar/short/live-classes.ics')).statusCode).toBe(400);
    expect((await env.req('GET', `/api/calendar/${'A'.repeat(43)}/live-classes.ics`)).statusCode).toBe(404);
  });

  it('My batches: courses with the caller’s progress, the next live class; teachers see theirs; strangers none', async () => {
    const s = await setup(env);
    const soon = new Date(Date.now() + 5 * 60_000).toISOString();
    await schedule(env, s.instructor, s.batchId, { title: 'Past', startsAt: '2026-01-05T17:00:00Z', durationMinutes: 60, joinUrl: 'https://x.example/p' });
    await schedule(env, s.instructor, s.batchId, { title: 'Soon', startsAt: soon, durationMinutes: 60, joinUrl: 'https://x.example/s' });
    const mine = json<{ items: { batch: { id: string }; teaching: boolean; courses: { courseId: string; progress: number | null }[]; nextLiveClass: { title: string } | null; liveClasses: unknown[] }[] }>(
      await env.req('GET', '/api/me/batches', { as: s.alice }),
    );
    expect(mine.items).toHaveLength(1);
    expect(mine.items[0]).toMatchObject({ batch: { id: s.batchId }, teaching: false, courses: [{ courseId: s.courseId, progress: 0 }], nextLiveClass: { title: 'Soon' } });
    expect(mine.items[0]!.liveClasses).toHaveLength(2);
    const teaching = json<{ items: { teaching: boolean; courses: { progress: number | null }[] }[] }>(await env.req('GET', '/api/me/batches', { as: s.instructor }));
    expect(teaching.items.map((i) => [i.teaching, i.courses[0]!.progress])).toEqual([[true, null]]);
    expect(json(await env.req('GET', '/api/me/batches', { as: s.stranger }))).toEqual({ items: [] });
  });

  it('the dashboard CSV: members × courses for staff; learners are refused', async () => {
    const s = await setup(env);
    const res = await env.req('GET', `/api/batches/${s.batchId}/members/export.csv`, { as: s.instructor });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    const lines = res.body.trim().split(/\r?\n/);
    expect(lines[0]).toMatch(/^Member,Joined,.*\(%\),Classes attended,Classes held,Assessments passed,Assessments,Behind$/);
    expect(lines.slice(1).map((l) => l.split(',')[0]).sort()).toEqual(['Alice Learner', 'Bob Learner']);
    expect((await env.req('GET', `/api/batches/${s.batchId}/members/export.csv`, { as: s.alice })).statusCode).toBe(403);
    expect((await env.req('GET', `/api/batches/${s.batchId}/members/export.csv`, { as: s.stranger })).statusCode).toBe(404);
  });
});

it('folds long lines at 75 octets without splitting a character', () => {
  const line = `SUMMARY:${'ü'.repeat(100)}`;
  const folded = foldLine(line).split('\r\n');
  expect(folded.every((l) => Buffer.byteLength(l) <= 75)).toBe(true);
  expect(folded.map((l, i) => (i === 0 ? l : l.slice(1))).join('')).toBe(line);
});
