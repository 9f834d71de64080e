import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { describeDb, json, type TestEnv, type TestUser } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { ok } from '../../../../test/helpers/courses.ts';
import { startSmtp } from '../../../../test/helpers/smtp.ts';
import { drainOutbox } from '../../platform/mail/index.ts';
import { addDays } from '../../hr/index.ts';
import { readableDay } from '../../platform/readable-instant.ts';

type Note = { id: string; kind: string; title: string; body: string; link: string | null };

/** The next date (at least 2 days ahead) that falls on `weekday`. */
function nextWeekday(weekday: number): string {
  const isoWeekday = (d: string) => new Date(`${d}T00:00:00Z`).getUTCDay() || 7;
  let d = addDays(new Date().toISOString().slice(0, 10), 2);
  while (isoWeekday(d) !== weekday) d = addDays(d, 1);
  return d;
}

/** A course with an assignment lesson, a batch with the learner, an evaluator with Monday availability. */
async function world(env: TestEnv) {
  const mod = await env.user(['Moderator']);
  const evaluator = await env.user(['Batch Evaluator'], 'Gina Grader');
  const learner = await env.user(['LMS Student'], 'Lou Learner');
  const course = await makeCourse(env, { title: 'Risk Assessment', lessons: 2, kinds: ['text', 'assignment'], enableCertification: true });
  const assignment = await ok<{ id: string }>(
    env.req('POST', '/api/assignments', {
      as: mod,
      body: { title: 'Write a risk register', instructions: 'List five risks.', submissionKind: 'text', lessonId: course.lessonIds[1] },
    }),
    201,
  );
  const batch = await ok<{ id: string }>(
    env.req('POST', '/api/batches', {
      as: mod,
      body: { title: 'Winter', startDate: '2026-01-01', endDate: '2099-12-31', timezone: 'UTC', courseIds: [course.courseId], evaluatorIds: [evaluator.id] },
    }),
    201,
  );
  await ok(env.req('POST', `/api/batches/${batch.id}/members`, { as: mod, body: { memberId: learner.id } }), 201);
  await ok(env.req('POST', `/api/batches/${batch.id}/assessments`, { as: mod, body: { kind: 'assignment', assignmentId: assignment.id, dueDate: '2099-12-31' } }), 201);
  await ok(
    env.req('PUT', `/api/evaluators/${evaluator.id}/availability`, {
      as: evaluator,
      body: { timezone: 'Asia/Kolkata', slots: [{ weekday: 1, start: '09:00', end: '10:00' }], meetingUrl: 'https://meet.example.com/gina' },
    }),
  );
  return { mod, evaluator, learner, course, assignment, batch };
}

describeDb('notifications: submission graded, evaluation scheduled', (env) => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let admin: TestUser;
  beforeAll(async () => {
    smtp = await startSmtp();
    admin = await env.user(['System Manager'], 'Ada Admin');
    env.config.publicUrl = 'https://lms.example.com';
    await env.req('PATCH', '/api/settings', { as: admin, body: { organisationName: 'Acme Training', mailFrom: 'training@acme.example' } });
  });
  afterAll(async () => {
    await smtp.close();
  });
  beforeEach(() => {
    env.config.smtpUrl = smtp.url;
    smtp.received.length = 0;
  });

  const notes = async (u: TestUser) => json<{ items: Note[] }>(await env.req('GET', '/api/me/notifications', { as: u })).items;
  const outboxFor = (email: string, event: string) =>
    env.ctx.db.selectFrom('mail_outbox').selectAll().where('to_address', '=', email).where('event', '=', event).execute();

  it('submission graded: the learner is told the result, score and comment, in-app and by mail; a refused grade tells nobody', async () => {
    const w = await world(env);
    const sub = await ok<{ id: string }>(env.req('POST', `/api/assignments/${w.assignment.id}/submissions`, { as: w.learner, body: { text: 'Three risks' } }), 201);
    // Submitting tells nobody yet.
    expect((await notes(w.learner)).filter((n) => n.kind === 'assignment-submission.graded')).toEqual([]);
    await ok(env.req('POST', `/api/assignment-submissions/${sub.id}/grade`, { as: w.evaluator, body: { result: 'fail', score: 40, comment: 'Only three risks.' } }));
    // A second grade of the same submission is refused and tells nothing more.
    const again = await env.req('POST', `/api/assignment-submissions/${sub.id}/grade`, { as: w.evaluator, body: { result: 'pass' } });
    expect(again.statusCode).toBe(409);
    const graded = (await notes(w.learner)).filter((n) => n.kind === 'assignment-submission.graded');
    expect(graded).toHaveLength(1);
    expect(graded[0]).toMatchObject({ title: 'Your assignment Write a risk register was graded: not passed', link: `/lms/assignments/${w.assignment.id}` });
    expect(graded[0]!.body).toContain('Gina Grader graded your submission to **Write a risk register**: **not passed** (score: 40).');
    expect(graded[0]!.body).toContain('Comment: Only three risks.');
    expect(await outboxFor(w.learner.email, 'assignment-submission.graded')).toHaveLength(1);

    const second = await ok<{ id: string }>(env.req('POST', `/api/assignments/${w.assignment.id}/submissions`, { as: w.learner, body: { text: 'Five risks' } }), 201);
    await ok(env.req('POST', `/api/assignment-submissions/${second.id}/grade`, { as: w.evaluator, body: { result: 'pass' } }));
    const titles = (await notes(w.learner)).filter((n) => n.kind === 'assignment-submission.graded').map((n) => n.title);
    expect(titles).toEqual(['Your assignment Write a risk register was graded: passed', 'Your assignment Write a risk register was graded: not passed']);

    expect((await drainOutbox(env.ctx)).sent).toBeGreaterThanOrEqual(2);
    const mails = smtp.received.filter((m) => m.to.includes(w.learner.email) && m.raw.includes('Write a risk register was graded'));
    expect(mails).toHaveLength(2);
    const passed = mails.find((m) => m.raw.includes('Subject: Your assignment Write a risk register was graded: passed'));
    expect(passed?.raw).toContain(`href="https://lms.example.com/lms/assignments/${w.assignment.id}"`);
    expect(passed?.raw).toContain('(score: -)');
    expect(passed?.raw).toContain('Acme Training');
    // Nobody else was told.
    expect(smtp.received.filter((m) => m.raw.includes('was graded')).flatMap((m) => m.to)).toEqual([w.learner.email, w.learner.email]);
  });

  it('evaluation scheduled: the learner and the evaluator are told the slot; a reschedule tells again; a refused booking tells nobody', async () => {
    const w = await world(env);
    const monday = nextWeekday(1);
    const before = await env.count('notifications');
    const refused = await env.req('POST', '/api/certificate-requests', { as: w.learner, body: { courseId: w.course.courseId, date: monday, startTime: '11:00' } });
    expect(refused.statusCode).toBe(409);
    expect(await env.count('notifications')).toBe(before);

    const booked = await ok<{ id: string }>(
      env.req('POST', '/api/certificate-requests', { as: w.learner, body: { courseId: w.course.courseId, batchId: w.batch.id, date: monday, startTime: '09:00' } }),
      201,
    );
    const mine = (await notes(w.learner)).filter((n) => n.kind === 'evaluation.scheduled');
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ title: `Evaluation for Risk Assessment on 09:00 on ${readableDay(monday)} (Asia/Kolkata), 03:30 UTC`, link: '/lms/evaluations' });
    expect(mine[0]!.body).toContain('The certificate evaluation of Lou Learner for **Risk Assessment** with Gina Grader');
    expect(mine[0]!.body).toContain('Meeting: https://meet.example.com/gina');
    const theirs = (await notes(w.evaluator)).filter((n) => n.kind === 'evaluation.scheduled');
    expect(theirs).toHaveLength(1);
    expect(theirs[0]).toMatchObject({ link: '/lms/evaluations/calendar' });
    expect(theirs[0]!.body).toContain('Hello Gina Grader');

    await ok(env.req('POST', `/api/certificate-requests/${booked.id}/reschedule`, { as: w.learner, body: { date: monday, startTime: '09:30', reason: 'Train delayed' } }));
    const moved = (await notes(w.learner)).filter((n) => n.kind === 'evaluation.scheduled').map((n) => n.title);
    expect(moved).toEqual([
      `Evaluation for Risk Assessment on 09:30 on ${readableDay(monday)} (Asia/Kolkata), 04:00 UTC`,
      `Evaluation for Risk Assessment on 09:00 on ${readableDay(monday)} (Asia/Kolkata), 03:30 UTC`,
    ]);
    expect(await outboxFor(w.evaluator.email, 'evaluation.scheduled')).toHaveLength(2);

    await drainOutbox(env.ctx);
    const learnerMails = smtp.received.filter((m) => m.to.includes(w.learner.email) && m.raw.includes('Subject: Evaluation for Risk Assessment'));
    expect(learnerMails).toHaveLength(2);
    expect(learnerMails[0]!.raw).toContain('href="https://lms.example.com/lms/evaluations"');
    expect(smtp.received.filter((m) => m.to.includes(w.evaluator.email) && m.raw.includes('Subject: Evaluation for Risk Assessment'))).toHaveLength(2);
  });

  it('templates of the new events are listed, editable and previewed with sample data', async () => {
    const list = json<{ items: { event: string; placeholders: string[] }[] }>(await env.req('GET', '/api/notification-templates', { as: admin })).items;
    expect(list.find((t) => t.event === 'assignment-submission.graded')?.placeholders).toEqual(
      expect.arrayContaining(['assignmentTitle', 'result', 'score', 'comment', 'graderName']),
    );
    expect(list.find((t) => t.event === 'evaluation.scheduled')?.placeholders).toEqual(
      expect.arrayContaining(['courseTitle', 'learnerName', 'evaluatorName', 'startsAt', 'meetingUrl']),
    );
    const preview = json<{ subject: string }>(
      await env.req('POST', '/api/notification-templates/evaluation.scheduled/preview', { as: admin, body: { subject: 'See {{evaluatorName}} at {{startsAt}}', body: 'x' } }),
    );
    expect(preview.subject).toBe('See Eve Evaluator at 09:00 on 7 December 2026 (Asia/Kolkata), 03:30 UTC');
    const saved = await env.req('PUT', '/api/notification-templates/assignment-submission.graded', {
      as: admin,
      body: { subject: '{{assignmentTitle}}: {{result}}', body: 'Score {{score}}' },
    });
    expect(saved.statusCode, saved.body).toBe(200);
    const w = await world(env);
    const sub = await ok<{ id: string }>(env.req('POST', `/api/assignments/${w.assignment.id}/submissions`, { as: w.learner, body: { text: 'Five risks' } }), 201);
    await ok(env.req('POST', `/api/assignment-submissions/${sub.id}/grade`, { as: w.evaluator, body: { result: 'pass', score: 87.5 } }));
    expect((await notes(w.learner)).find((n) => n.kind === 'assignment-submission.graded')).toMatchObject({ title: 'Write a risk register: passed', body: 'Score 87.5' });
    expect((await env.req('DELETE', '/api/notification-templates/assignment-submission.graded', { as: admin })).statusCode).toBe(204);
  });
});
