import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { describeDb, json, type TestUser } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { ok } from '../../../../test/helpers/courses.ts';
import { startSmtp } from '../../../../test/helpers/smtp.ts';
import { drainOutbox } from '../../platform/mail/index.ts';
import { addDays } from '../../hr/index.ts';
import { today } from '../../db/dialect.ts';
import { readableDay } from '../../platform/readable-instant.ts';

type Note = { kind: string; title: string; body: string; link: string | null };

describeDb('notifications: a training assignment’s due date moved', (env) => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let hr: TestUser;
  beforeAll(async () => {
    smtp = await startSmtp();
    hr = await env.user(['HR Manager'], 'Hana Human');
    env.config.publicUrl = 'https://lms.example.com';
  });
  afterAll(async () => {
    await smtp.close();
  });
  beforeEach(() => {
    env.config.smtpUrl = smtp.url;
    smtp.received.length = 0;
  });

  const moved = async (u: TestUser) =>
    json<{ items: Note[] }>(await env.req('GET', '/api/me/notifications', { as: u })).items.filter((n) => n.kind === 'assignment.due-date-moved');
  const mails = (email: string) =>
    env.ctx.db.selectFrom('mail_outbox').select(['subject', 'body_markdown']).where('to_address', '=', email).where('event', '=', 'assignment.due-date-moved').execute();

  async function assigned(title: string, learnerName: string) {
    const learner = await env.user(['LMS Student'], learnerName);
    const course = await makeCourse(env, { title, lessons: 1 });
    const due = addDays(today(), 10);
    const made = await ok<{ assignments: { id: string }[] }>(
      env.req('POST', '/api/training-assignments', { as: hr, body: { courseId: course.courseId, dueDate: due, memberIds: [learner.id] } }),
      201,
    );
    return { learner, course, due, id: made.assignments[0]!.id };
  }

  it('tells the learner the new date and the old one, in-app and by mail; each new date tells once', async () => {
    const { learner, course, due, id } = await assigned('Ladder Safety', 'Lina Ladder');
    const later = addDays(today(), 40);
    await ok(env.req('PATCH', `/api/training-assignments/${id}`, { as: hr, body: { dueDate: later } }));

    const notes = await moved(learner);
    expect(notes.map((n) => n.title)).toEqual([`New due date for Ladder Safety: ${readableDay(later)}`]);
    expect(notes[0]!.body).toContain(`**Ladder Safety** is now due on **${readableDay(later)}** (it was due on ${readableDay(due)}).`);
    expect(notes[0]!.link).toBe(`/lms/courses/${course.courseId}`);
    expect((await mails(learner.email)).map((m) => m.subject)).toEqual([`New due date for Ladder Safety: ${readableDay(later)}`]);
    const sent = await drainOutbox(env.ctx);
    expect(sent.sent).toBeGreaterThanOrEqual(1);
    const mail = smtp.received.find((m) => m.to.includes(learner.email) && m.raw.includes('New due date for Ladder Safety'));
    expect(mail?.raw).toContain(`href="https://lms.example.com/lms/courses/${course.courseId}"`);

    // The same date again changes nothing and tells nothing.
    await ok(env.req('PATCH', `/api/training-assignments/${id}`, { as: hr, body: { dueDate: later } }));
    expect(await moved(learner)).toHaveLength(1);
    // Moved back: told again, with the date it replaced.
    await ok(env.req('PATCH', `/api/training-assignments/${id}`, { as: hr, body: { dueDate: due } }));
    const again = await moved(learner);
    expect(again.map((n) => n.title)).toEqual([`New due date for Ladder Safety: ${readableDay(due)}`, `New due date for Ladder Safety: ${readableDay(later)}`]);
    expect(again[0]!.body).toContain(`(it was due on ${readableDay(later)})`);
  });

  it('a refused move tells nobody: a past date, another learner’s try, a completed assignment', async () => {
    const { learner, course, id } = await assigned('Forklift Basics', 'Fenna Fork');
    const past = await env.req('PATCH', `/api/training-assignments/${id}`, { as: hr, body: { dueDate: addDays(today(), -1) } });
    expect(past.statusCode).toBe(400);
    const byLearner = await env.req('PATCH', `/api/training-assignments/${id}`, { as: learner, body: { dueDate: addDays(today(), 60) } });
    expect(byLearner.statusCode).toBe(403);
    // Completing the course completes the assignment; a move is then refused.
    await ok(env.req('POST', `/api/lessons/${course.lessonIds[0]}/complete`, { as: learner }));
    const done = await env.req('PATCH', `/api/training-assignments/${id}`, { as: hr, body: { dueDate: addDays(today(), 60) } });
    expect(done.statusCode).toBe(409);
    expect(await moved(learner)).toEqual([]);
    expect(await mails(learner.email)).toEqual([]);
  });

  it('a learner who turned mail off is told in-app only', async () => {
    const { learner, id } = await assigned('Noise at Work', 'Nils Quiet');
    await ok(env.req('PATCH', '/api/me/notification-preferences', { as: learner, body: { email: false } }));
    await ok(env.req('PATCH', `/api/training-assignments/${id}`, { as: hr, body: { dueDate: addDays(today(), 20) } }));
    expect(await moved(learner)).toHaveLength(1);
    expect(await mails(learner.email)).toEqual([]);
  });
});
