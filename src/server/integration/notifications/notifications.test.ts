import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { describeDb, json, type TestUser } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { startSmtp } from '../../../../test/helpers/smtp.ts';
import { today, nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import { addDays } from '../../hr/index.ts';
import { drainOutbox } from '../../platform/mail/index.ts';
import { runDigest } from './digest.ts';
import { runReminders } from './reminders.ts';
import { notifyLiveClassesStarting } from './live-classes.ts';
import { notifyRecentEnrollments } from './events.ts';
import { bulkUsers, importerFor } from '../../../../test/helpers/imports.ts';
import type { ImportState } from '../../../contract/imports.ts';
import { readableDay } from '../../platform/readable-instant.ts';
import {
  AUTO_QUESTIONS,
  OPEN_QUESTION,
  answersFor,
  createQuiz,
  enrollIn,
  submit,
  type SubmissionResult,
} from '../../../../test/helpers/quizzes.ts';

const importCsv = importerFor('/api/enrollments/import', 'enrollments.csv');

type Note = { id: string; kind: string; title: string; body: string; link: string | null; readAt: string | null };

describeDb('notifications: events, preferences, digest', (env) => {
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

  const notes = async (u: TestUser, unread = false) =>
    json<{ items: Note[] }>(await env.req('GET', `/api/me/notifications${unread ? '?unread=true' : ''}`, { as: u })).items;
  const outboxFor = (email: string) => env.ctx.db.selectFrom('mail_outbox').selectAll().where('to_address', '=', email).execute();

  it('enrolled: a pass over more enrollments than one transaction takes tells each learner once', { timeout: 120_000 }, async () => {
    const users = await bulkUsers(env, 1_234, `told-${env.dialect}`);
    const { courseId } = await makeCourse(env, { title: 'Bulk Induction' });
    const csv = `memberEmail,courseId\n${users.map((u) => `${u.email},${courseId}`).join('\n')}\n`;
    const imported = json<ImportState>(await importCsv(env, admin, csv, { mode: 'valid-rows' }));
    expect(imported).toMatchObject({ status: 'done', created: 1_234 });
    expect((await notifyRecentEnrollments(env.ctx)).told).toBeGreaterThanOrEqual(1_234);
    expect((await notifyRecentEnrollments(env.ctx)).told).toBe(0);
    const told = await env.ctx.db
      .selectFrom('notifications')
      .select(['user_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('user_id', 'in', users.map((u) => u.id))
      .where('kind', '=', 'enrolled')
      .groupBy('user_id')
      .execute();
    expect(told).toHaveLength(1_234);
    expect(told.every((r) => Number(r.n) === 1)).toBe(true);
    // Their mail is queued once each; the later tests here drain the outbox, without these.
    const ids = users.map((u) => u.id);
    expect(await env.ctx.db.selectFrom('mail_outbox').select('id').where('user_id', 'in', ids).execute()).toHaveLength(1_234);
    await env.ctx.db.deleteFrom('mail_outbox').where('user_id', 'in', ids).execute();
  });

  it('enrolled: the learner gets an in-app notification and a mail with the course link', async () => {
    const learner = await env.user(['LMS Student'], 'Lena Learner');
    const { courseId } = await makeCourse(env, { title: 'Fire Safety Basics' });
    const res = await env.req('POST', '/api/enrollments', { as: admin, body: { courseId, memberId: learner.id } });
    expect(res.statusCode, res.body).toBe(201);
    // Told by the minute job, not in the enrolling request; a second pass tells nobody twice.
    expect(await notes(learner)).toEqual([]);
    expect((await notifyRecentEnrollments(env.ctx)).told).toBeGreaterThanOrEqual(1);
    expect((await notifyRecentEnrollments(env.ctx)).told).toBe(0);
    const [n] = await notes(learner);
    expect(n).toMatchObject({
      kind: 'enrolled',
      title: 'You are enrolled in Fire Safety Basics',
      link: `/lms/courses/${courseId}`,
      readAt: null,
    });
    expect(n!.body).toContain('Hello Lena Learner');
    expect(n!.body).toContain(`https://lms.example.com/lms/courses/${courseId}`);
    expect(await outboxFor(learner.email)).toHaveLength(1);
    expect((await drainOutbox(env.ctx)).sent).toBeGreaterThanOrEqual(1);
    const mail = smtp.received.find((m) => m.to.includes(learner.email));
    expect(mail?.raw).toContain('Subject: You are enrolled in Fire Safety Basics');
    expect(mail?.raw).toContain(`href="https://lms.example.com/lms/courses/${courseId}"`);
    expect(mail?.raw).toContain('Acme Training');
    // Self-enrollment tells the learner too.
    const other = await makeCourse(env, { title: 'Data Protection' });
    expect((await env.req('POST', `/api/courses/${other.courseId}/enroll`, { as: learner })).statusCode).toBe(201);
    await notifyRecentEnrollments(env.ctx);
    expect((await notes(learner)).map((x) => x.title)).toEqual([
      'You are enrolled in Data Protection',
      'You are enrolled in Fire Safety Basics',
    ]);
    // The bell's count and reading one.
    expect(json<{ count: number }>(await env.req('GET', '/api/me/notifications/unread-count', { as: learner })).count).toBe(2);
    expect((await env.req('POST', `/api/me/notifications/${n!.id}/read`, { as: learner })).statusCode).toBe(204);
    expect(json<{ count: number }>(await env.req('GET', '/api/me/notifications/unread-count', { as: learner })).count).toBe(1);
    // Another user's notification is not found, and stays unread.
    const stranger = await env.user();
    const mine = (await notes(learner, true))[0]!;
    expect((await env.req('POST', `/api/me/notifications/${mine.id}/read`, { as: stranger })).statusCode).toBe(404);
    expect((await notes(learner, true)).map((x) => x.id)).toEqual([mine.id]);
  });

  it('training assignment created: the learner is told the due date (and not separately of the enrollment)', async () => {
    const learner = await env.user(['LMS Student'], 'Tom Trainee');
    const { courseId } = await makeCourse(env, { title: 'Manual Handling' });
    const due = addDays(today(), 30);
    const res = await env.req('POST', '/api/training-assignments', {
      as: admin,
      body: { courseId, dueDate: due, memberIds: [learner.id] },
    });
    expect(res.statusCode, res.body).toBe(201);
    const list = await notes(learner);
    expect(list.map((x) => [x.kind, x.title])).toEqual([['assignment.created', `New training: Manual Handling, due ${readableDay(due)}`]]);
    const out = await outboxFor(learner.email);
    expect(out.map((o) => o.subject)).toEqual([`New training: Manual Handling, due ${readableDay(due)}`]);
  });

  it('certificate issued: the member gets the PDF link', async () => {
    const learner = await env.user(['LMS Student'], 'Cora Certified');
    const { courseId, lessonIds } = await makeCourse(env, { title: 'First Aid', lessons: 1, enableCertification: true });
    expect((await env.req('POST', '/api/enrollments', { as: admin, body: { courseId, memberId: learner.id } })).statusCode).toBe(201);
    const done = await env.req('POST', `/api/lessons/${lessonIds[0]}/complete`, { as: learner });
    expect(done.statusCode, done.body).toBe(200);
    const cert = await env.ctx.db.selectFrom('certificates').select('id').where('member_id', '=', learner.id).executeTakeFirstOrThrow();
    await notifyRecentEnrollments(env.ctx);
    const n = (await notes(learner)).find((x) => x.kind === 'certificate.issued');
    expect(n).toMatchObject({ title: 'Your certificate for First Aid', link: `/api/certificates/${cert.id}/pdf` });
    expect(n!.body).toContain(`https://lms.example.com/api/certificates/${cert.id}/pdf`);
    expect((await outboxFor(learner.email)).map((o) => o.event).sort()).toEqual(['certificate.issued', 'enrolled']);
  });

  it('certificate expiring and expired: the member is told once per state; compliance alerts are mailed', async () => {
    const learner = await env.user(['LMS Student'], 'Eve Expiring');
    const { courseId } = await makeCourse(env, { title: 'Forklift Licence', enableCertification: true });
    await env.req('POST', '/api/enrollments', { as: admin, body: { courseId, memberId: learner.id } });
    const issued = await env.req('POST', '/api/certificates', { as: admin, body: { memberId: learner.id, courseId } });
    expect(issued.statusCode, issued.body).toBe(201);
    const certId = json<{ id: string }>(issued).id;
    const soon = addDays(today(), 10);
    await env.ctx.db.updateTable('certificates').set({ expiry_date: soon }).where('id', '=', certId).execute();
    const run = json<{ status: string; outcome: string }>(await env.req('POST', '/api/jobs/certificates.expiry/run', { as: admin }));
    expect(run.status).toBe('done');
    expect(JSON.parse(run.outcome)).toMatchObject({ notified: { expiring: 1, expired: 0 } });
    const expiring = (await notes(learner)).filter((x) => x.kind === 'certificate.expiring');
    expect(expiring.map((x) => x.title)).toEqual([`Your certificate for Forklift Licence expires on ${readableDay(soon)}`]);
    expect((await outboxFor(learner.email)).filter((o) => o.event === 'certificate.expiring')).toHaveLength(1);
    // Again: nothing new.
    await env.req('POST', '/api/jobs/certificates.expiry/run', { as: admin });
    expect((await notes(learner)).filter((x) => x.kind === 'certificate.expiring')).toHaveLength(1);
    // Expired.
    const past = addDays(today(), -1);
    await env.ctx.db
      .updateTable('certificates')
      .set({ issue_date: addDays(today(), -400), expiry_date: past })
      .where('id', '=', certId)
      .execute();
    await env.req('POST', '/api/jobs/certificates.expiry/run', { as: admin });
    expect((await notes(learner)).filter((x) => x.kind === 'certificate.expired').map((x) => x.title)).toEqual([
      'Your certificate for Forklift Licence has expired',
    ]);
    // An in-app compliance alert written by the HR job gets its mail.
    await env.ctx.db
      .insertInto('notifications')
      .values({
        id: newId(),
        user_id: learner.id,
        kind: 'compliance.expiring',
        title: 'Compliance expiring: First Aid (Eve Expiring)',
        body: 'Renewal date 2027-01-01.',
        link: null,
        dedupe_key: 'compliance:test',
        created_at: nowIso(),
        read_at: null,
      })
      .execute();
    await env.req('POST', '/api/jobs/hr.compliance-expiry/run', { as: admin });
    expect((await outboxFor(learner.email)).filter((o) => o.event === 'compliance.expiring').map((o) => o.subject)).toEqual([
      'Compliance expiring: First Aid (Eve Expiring)',
    ]);
  });

  it('submission graded and live class starting: the learner is told', async () => {
    const mod = await env.user(['Moderator']);
    const learner = await env.user(['LMS Student'], 'Gus Graded');
    const course = await makeCourse(env, { title: 'Evacuation' });
    const quiz = await createQuiz(env, mod, {
      courseId: course.courseId,
      title: 'Fire Drill Check',
      questions: [...AUTO_QUESTIONS, OPEN_QUESTION],
    });
    await enrollIn(env, course.courseId, learner);
    const sub = json<SubmissionResult>(
      await submit(env, learner, quiz.id, {
        answers: answersFor(quiz, { single: [0], multiple: [0, 1], text: 'London', open: 'East stairwell' }),
      }),
    );
    const graded = await env.req('POST', `/api/quiz-submissions/${sub.id}/grade`, {
      as: mod,
      body: { marks: [{ questionId: quiz.questions[3]!.id, marks: 4 }] },
    });
    expect(graded.statusCode, graded.body).toBe(200);
    const n = (await notes(learner)).find((x) => x.kind === 'submission.graded');
    expect(n?.title).toBe('Your answers to Fire Drill Check were graded: passed');
    expect(n?.body).toMatch(/graded: 90(\.0+)?%, passed\./);
    expect((await outboxFor(learner.email)).filter((o) => o.event === 'submission.graded')).toHaveLength(1);

    // A live class in 30 minutes: the batch's members are told once.
    const now = new Date();
    const batchId = newId();
    const at = nowIso();
    await env.ctx.db
      .insertInto('batches')
      .values({
        id: batchId,
        title: 'Winter Cohort',
        description: '',
        start_date: today(),
        end_date: addDays(today(), 30),
        timezone: 'UTC',
        seat_count: null,
        member_count: 1,
        published: 1,
        allow_self_enrollment: 0,
        paid: 0,
        price: null,
        currency: null,
        created_by: null,
        created_at: at,
        updated_at: at,
      })
      .execute();
    await env.ctx.db
      .insertInto('batch_members')
      .values({ id: newId(), batch_id: batchId, member_id: learner.id, added_by: null, joined_at: at })
      .execute();
    const startsAt = new Date(now.getTime() + 30 * 60_000).toISOString();
    await env.ctx.db
      .insertInto('live_classes')
      .values({
        id: newId(),
        batch_id: batchId,
        title: 'Drill Review',
        description: '',
        starts_at: startsAt,
        duration_minutes: 45,
        join_url: 'https://meet.example.com/x',
        sequence: 0,
        created_by: null,
        created_at: at,
        updated_at: at,
      })
      .execute();
    expect(await notifyLiveClassesStarting(env.ctx, now)).toEqual({ told: 1 });
    expect(await notifyLiveClassesStarting(env.ctx, now)).toEqual({ told: 0 });
    const live = (await notes(learner)).find((x) => x.kind === 'live-class.starting');
    expect(live?.title).toBe(`Live class soon: Drill Review at ${startsAt.slice(11, 16)} UTC on ${readableDay(startsAt.slice(0, 10))}`);
    expect(live?.link).toBe(`/lms/batches/${batchId}`);
  });

  it('HR document expiring: the employee and HR Managers are told once', async () => {
    const hrm = await env.user(['HR Manager'], 'Hugo HR');
    const worker = await env.user(['LMS Student'], 'Wanda Worker');
    const emp = await env.req('POST', '/api/employees', {
      as: hrm,
      body: { employeeCode: 'DOC-1', fullName: 'Wanda Worker', userId: worker.id },
    });
    expect(emp.statusCode, emp.body).toBe(201);
    const expiry = addDays(today(), 10);
    const doc = await env.req('POST', '/api/employee-documents', {
      as: hrm,
      body: { employeeId: json<{ id: string }>(emp).id, title: 'Forklift licence', issueDate: addDays(today(), -300), expiryDate: expiry },
    });
    expect(doc.statusCode, doc.body).toBe(201);
    const run = json<{ outcome: string }>(await env.req('POST', '/api/jobs/hr.document-expiry/run', { as: admin }));
    expect((JSON.parse(run.outcome) as { told: number }).told).toBeGreaterThanOrEqual(2);
    const title = `Document expiring: Forklift licence of Wanda Worker on ${readableDay(expiry)}`;
    expect((await notes(worker)).filter((n) => n.kind === 'document.expiring').map((n) => [n.title, n.link])).toEqual([
      [title, '/lms/profile'],
    ]);
    expect((await notes(hrm)).filter((n) => n.kind === 'document.expiring').map((n) => n.title)).toEqual([title]);
    await env.req('POST', '/api/jobs/hr.document-expiry/run', { as: admin });
    expect((await notes(worker)).filter((n) => n.kind === 'document.expiring')).toHaveLength(1);
  });

  it('preferences: email off writes no mail; a daily digest groups the day in one mail', async () => {
    const quiet = await env.user(['LMS Student'], 'Quinn Quiet');
    const digest = await env.user(['LMS Student'], 'Dana Digest');
    expect(json(await env.req('GET', '/api/me/notification-preferences', { as: quiet }))).toEqual({ email: true, digest: 'off' });
    expect(json(await env.req('PATCH', '/api/me/notification-preferences', { as: quiet, body: { email: false } }))).toEqual({
      email: false,
      digest: 'off',
    });
    expect(json(await env.req('PATCH', '/api/me/notification-preferences', { as: digest, body: { digest: 'daily' } }))).toEqual({
      email: true,
      digest: 'daily',
    });
    const a = await makeCourse(env, { title: 'Course Alpha' });
    const b = await makeCourse(env, { title: 'Course Beta' });
    for (const u of [quiet, digest]) {
      for (const c of [a, b])
        expect((await env.req('POST', '/api/enrollments', { as: admin, body: { courseId: c.courseId, memberId: u.id } })).statusCode).toBe(
          201,
        );
    }
    await notifyRecentEnrollments(env.ctx);
    expect(await notes(quiet)).toHaveLength(2);
    expect(await notes(digest)).toHaveLength(2);
    expect(await outboxFor(quiet.email)).toHaveLength(0);
    expect(await outboxFor(digest.email)).toHaveLength(0);
    const r = await runDigest(env.ctx, today());
    expect(r.digests).toBeGreaterThanOrEqual(1);
    const d = await outboxFor(digest.email);
    expect(d).toHaveLength(1);
    expect(d[0]!.subject).toBe(`Your notifications of ${readableDay(today())}`);
    // Both enrollments were told by one pass of the job (the same instant): the digest lists both.
    expect(d[0]!.body_markdown).toContain('- **You are enrolled in Course Alpha**');
    expect(d[0]!.body_markdown).toContain('- **You are enrolled in Course Beta**');
    expect(d[0]!.body_markdown).toContain('https://lms.example.com/lms/notifications');
    // Once per day.
    await runDigest(env.ctx, today());
    expect(await outboxFor(digest.email)).toHaveLength(1);
    expect(await outboxFor(quiet.email)).toHaveLength(0);
    await drainOutbox(env.ctx);
    const mail = smtp.received.find((m) => m.to.includes(digest.email));
    expect(mail?.raw).toContain('<strong>You are enrolled in Course Alpha</strong>');
  });

  it('preferences refuse bad input and write nothing', async () => {
    const u = await env.user();
    const before = await env.count('notification_preferences');
    for (const body of [{ digest: 'weekly' }, { email: 'yes' }, { email: true, extra: 1 }, { digest: 'x'.repeat(5000) }]) {
      const res = await env.req('PATCH', '/api/me/notification-preferences', { as: u, body });
      expect(res.statusCode).toBe(400);
      expect(json<{ code: string }>(res).code).toBe('VALIDATION_FAILED');
    }
    expect((await env.req('PATCH', '/api/me/notification-preferences', { body: { email: false } })).statusCode).toBe(401);
    expect(await env.count('notification_preferences')).toBe(before);
  });

  it('templates: System Managers edit subject and body, preview with sample data, reset to the default', async () => {
    const learner = await env.user();
    expect((await env.req('GET', '/api/notification-templates', { as: learner })).statusCode).toBe(403);
    const list = json<{ items: { event: string; customised: boolean; placeholders: string[] }[] }>(
      await env.req('GET', '/api/notification-templates', { as: admin }),
    );
    expect(list.items.find((t) => t.event === 'enrolled')).toMatchObject({ customised: false });
    const preview = json<{ subject: string; text: string; html: string }>(
      await env.req('POST', '/api/notification-templates/enrolled/preview', {
        as: admin,
        body: { subject: 'Welcome to {{courseTitle}}', body: 'Hi {{recipientName}} from {{organisationName}}: **go**' },
      }),
    );
    expect(preview.subject).toBe('Welcome to Fire Safety Basics');
    expect(preview.text).toBe('Hi Sam Taylor from Acme Training: **go**');
    expect(preview.html).toContain('<strong>go</strong>');
    const bad = await env.req('PUT', '/api/notification-templates/enrolled', { as: admin, body: { subject: '', body: 'x' } });
    expect(bad.statusCode).toBe(400);
    // A placeholder the event does not fill (a typo would reach every learner as written) is refused
    // on its field, by the preview and by saving, naming the ones to use; nothing is saved.
    const typo = { subject: 'You are enrolled in {{courseName}}', body: 'Hi {{ recipientName }}, {{first name}} {{link}}' };
    for (const res of [
      await env.req('POST', '/api/notification-templates/enrolled/preview', { as: admin, body: typo }),
      await env.req('PUT', '/api/notification-templates/enrolled', { as: admin, body: typo }),
    ]) {
      expect(res.statusCode).toBe(400);
      const problem = json<{ code: string; errors: { path: string; message: string }[] }>(res);
      expect(problem.code).toBe('VALIDATION_FAILED');
      expect(problem.errors).toEqual([
        {
          path: 'subject',
          message: '{{courseName}} is not a placeholder of this message. Use {{recipientName}}, {{organisationName}}, {{link}}, {{courseTitle}}.',
        },
        {
          path: 'body',
          message: '{{first name}} is not a placeholder of this message. Use {{recipientName}}, {{organisationName}}, {{link}}, {{courseTitle}}.',
        },
      ]);
    }
    expect((await env.req('PUT', '/api/notification-templates/nope', { as: admin, body: { subject: 'a', body: 'b' } })).statusCode).toBe(
      400,
    );
    expect(await env.count('notification_templates')).toBe(0);
    const saved = await env.req('PUT', '/api/notification-templates/enrolled', {
      as: admin,
      body: { subject: 'Welcome to {{courseTitle}}', body: 'Hi {{recipientName}}, see {{link}}' },
    });
    expect(saved.statusCode, saved.body).toBe(200);
    const u = await env.user(['LMS Student'], 'Walt Welcome');
    const { courseId } = await makeCourse(env, { title: 'Templated Course' });
    await env.req('POST', '/api/enrollments', { as: admin, body: { courseId, memberId: u.id } });
    await notifyRecentEnrollments(env.ctx);
    const [n] = await notes(u);
    expect(n).toMatchObject({
      title: 'Welcome to Templated Course',
      body: `Hi Walt Welcome, see https://lms.example.com/lms/courses/${courseId}`,
    });
    expect((await env.req('DELETE', '/api/notification-templates/enrolled', { as: admin })).statusCode).toBe(204);
    expect(await env.count('notification_templates')).toBe(0);
  });

  it('jobs: listed with their last run, run by hand, unknown names not found', async () => {
    const learner = await env.user();
    expect((await env.req('GET', '/api/jobs', { as: learner })).statusCode).toBe(403);
    expect((await env.req('POST', '/api/jobs/notifications.reminders/run', { as: learner })).statusCode).toBe(403);
    const run = json<{ status: string; ran: boolean; outcome: string }>(
      await env.req('POST', '/api/jobs/notifications.reminders/run', { as: admin }),
    );
    expect(run).toMatchObject({ ran: true, status: 'done' });
    expect(JSON.parse(run.outcome)).toHaveProperty('dueSoon');
    const jobs = json<{ items: { name: string; lastRun: { status: string; durationMs: number } | null }[] }>(
      await env.req('GET', '/api/jobs', { as: admin }),
    );
    for (const name of ['notifications.reminders', 'certificates.expiry', 'hr.compliance-expiry', 'mail.outbox', 'notifications.digest']) {
      expect(jobs.items.map((j) => j.name)).toContain(name);
    }
    expect(jobs.items.find((j) => j.name === 'notifications.reminders')?.lastRun).toMatchObject({ status: 'done' });
    const missing = await env.req('POST', '/api/jobs/no.such-job/run', { as: admin });
    expect(missing.statusCode).toBe(404);
    expect(json<{ code: string }>(missing).code).toBe('NOT_FOUND');
    expect((await env.req('POST', '/api/jobs/Bad Name!/run', { as: admin })).statusCode).toBe(400);
  });
});

describeDb('notifications: reminders and escalation', (env) => {
  /** An employee for the user, reporting to `managerEmployeeId`. */
  async function employee(userId: string | null, fullName: string, reportsTo: string | null = null) {
    const id = newId();
    const now = nowIso();
    await env.ctx.db
      .insertInto('employees')
      .values({
        id,
        employee_code: `E-${id.slice(-8)}`,
        full_name: fullName,
        user_id: userId,
        department_id: null,
        designation_id: null,
        reports_to_id: reportsTo,
        date_of_joining: null,
        status: 'active',
        left_on: null,
        created_by: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    return id;
  }

  it('due soon, overdue, escalation to the manager then HR: each once a day at most, none after completion', async () => {
    const admin = await env.user(['System Manager']);
    const hr = await env.user(['HR Manager'], 'Hana HR');
    const manager = await env.user(['LMS Student'], 'Max Manager');
    const learner = await env.user(['LMS Student'], 'Lou Late');
    const managerEmp = await employee(manager.id, 'Max Manager');
    await employee(learner.id, 'Lou Late', managerEmp);
    const on = today();
    const mk = async (title: string, due: string) => {
      const { courseId, lessonIds } = await makeCourse(env, { title, lessons: 1 });
      const res = await env.req('POST', '/api/training-assignments', {
        as: admin,
        body: { courseId, dueDate: addDays(on, 60), memberIds: [learner.id] },
      });
      expect(res.statusCode, res.body).toBe(201);
      // The due date set in the past or near future directly: the API refuses past due dates.
      await env.ctx.db.updateTable('training_assignments').set({ due_date: due }).where('course_id', '=', courseId).execute();
      return { courseId, lessonIds };
    };
    await mk('Week Ahead', addDays(on, 7));
    await mk('Tomorrow', addDays(on, 1));
    await mk('In Three Days', addDays(on, 3));
    await mk('Late Four', addDays(on, -4));
    const sevenLate = await mk('Late Seven', addDays(on, -7));
    const done = await mk('Finished Late', addDays(on, -10));
    expect((await env.req('POST', `/api/lessons/${done.lessonIds[0]}/complete`, { as: learner })).statusCode).toBe(200);
    await env.ctx.db.deleteFrom('notifications').execute();
    await env.ctx.db.deleteFrom('mail_outbox').execute();

    const first = await runReminders(env.ctx, on);
    expect(first).toEqual({ dueSoon: 2, overdue: 2, escalatedToManager: 2, escalatedToHr: 1 });
    const byUser = async (userId: string) =>
      (await env.ctx.db.selectFrom('notifications').select(['kind', 'title']).where('user_id', '=', userId).orderBy('title').execute()).map(
        (n) => `${n.kind}: ${n.title}`,
      );
    expect(await byUser(learner.id)).toEqual([
      'assignment.overdue: Overdue: Late Four was due on ' + readableDay(addDays(on, -4)),
      'assignment.overdue: Overdue: Late Seven was due on ' + readableDay(addDays(on, -7)),
      'assignment.due-soon: Reminder: Tomorrow is due on ' + readableDay(addDays(on, 1)),
      'assignment.due-soon: Reminder: Week Ahead is due on ' + readableDay(addDays(on, 7)),
    ]);
    expect(await byUser(manager.id)).toEqual([
      'assignment.escalated: Overdue training: Lou Late has not completed Late Four',
      'assignment.escalated: Overdue training: Lou Late has not completed Late Seven',
    ]);
    expect(await byUser(hr.id)).toEqual(['assignment.escalated: Overdue training: Lou Late has not completed Late Seven']);
    // The manager reads it in the portal (My team); HR opens the assignment in the desk.
    const links = async (userId: string) =>
      (await env.ctx.db.selectFrom('notifications').select('link').where('user_id', '=', userId).where('kind', '=', 'assignment.escalated').execute()).map((n) => n.link);
    expect(await links(manager.id)).toEqual(['/lms/team', '/lms/team']);
    expect(await links(hr.id)).toEqual([expect.stringMatching(/^\/app\/lms-training-assignment\/\w+$/)]);
    expect(await env.count('mail_outbox')).toBe(7);

    // The same day again (a second process, a run by hand): nothing more.
    const again = await Promise.all([runReminders(env.ctx, on), runReminders(env.ctx, on)]);
    expect(again).toEqual([
      { dueSoon: 0, overdue: 0, escalatedToManager: 0, escalatedToHr: 0 },
      { dueSoon: 0, overdue: 0, escalatedToManager: 0, escalatedToHr: 0 },
    ]);
    expect(await env.count('notifications')).toBe(7);
    expect(await env.count('mail_outbox')).toBe(7);

    // The next day: overdue reminders wait a week; escalations were once.
    expect(await runReminders(env.ctx, addDays(on, 1))).toEqual({ dueSoon: 0, overdue: 0, escalatedToManager: 0, escalatedToHr: 0 });
    // Completing an assignment stops its reminders: a week later only Late Four reminds (and the others now overdue).
    const late7Lesson = sevenLate.lessonIds[0]!;
    expect((await env.req('POST', `/api/lessons/${late7Lesson}/complete`, { as: learner })).statusCode).toBe(200);
    const week = await runReminders(env.ctx, addDays(on, 7));
    // Late Four again (a week after its last reminder), Tomorrow, In Three Days; Week Ahead is due that day, not overdue.
    expect(week.overdue).toBe(3);
    const titles = (
      await env.ctx.db
        .selectFrom('notifications')
        .select('title')
        .where('user_id', '=', learner.id)
        .where('kind', '=', 'assignment.overdue')
        .execute()
    ).map((n) => n.title);
    expect(titles.filter((t) => t.includes('Late Seven'))).toHaveLength(1);
    expect(titles.filter((t) => t.includes('Finished Late'))).toHaveLength(0);
  });

  it('an assignment whose due date was moved and that falls overdue again escalates again, once per due date', async () => {
    const hrManager = await env.user(['HR Manager'], 'Hedda HR');
    const manager = await env.user(['LMS Student'], 'Mia Manager');
    const learner = await env.user(['LMS Student'], 'Lars Later');
    await employee(learner.id, 'Lars Later', await employee(manager.id, 'Mia Manager'));
    const on = today();
    const { courseId } = await makeCourse(env, { title: 'Moved Deadline', lessons: 1 });
    const created = await env.req('POST', '/api/training-assignments', { as: hrManager, body: { courseId, dueDate: addDays(on, 30), memberIds: [learner.id] } });
    expect(created.statusCode, created.body).toBe(201);
    const id = json<{ assignments: { id: string }[] }>(created).assignments[0]!.id;
    await env.ctx.db.updateTable('training_assignments').set({ due_date: addDays(on, -4) }).where('id', '=', id).execute();
    const escalations = async () =>
      (
        await env.ctx.db
          .selectFrom('notifications')
          .select('dedupe_key')
          .where('user_id', '=', manager.id)
          .where('kind', '=', 'assignment.escalated')
          .orderBy('id')
          .execute()
      ).map((n) => n.dedupe_key);

    await runReminders(env.ctx, on);
    expect(await escalations()).toEqual([`escalation:${id}:${addDays(on, -4)}`]);
    // HR gives more time; the new date passes too: the manager hears of it again, once.
    const moved = await env.req('PATCH', `/api/training-assignments/${id}`, { as: hrManager, body: { dueDate: addDays(on, 1) } });
    expect(moved.statusCode, moved.body).toBe(200);
    await runReminders(env.ctx, addDays(on, 2));
    expect(await escalations()).toHaveLength(1);
    await runReminders(env.ctx, addDays(on, 4));
    await runReminders(env.ctx, addDays(on, 5));
    expect(await escalations()).toEqual([`escalation:${id}:${addDays(on, -4)}`, `escalation:${id}:${addDays(on, 1)}`]);
  });
});
