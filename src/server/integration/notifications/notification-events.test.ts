/**
 * What each event tells whom, in the portal and by mail: new enrollments (by the minute job, once
 * each, however many), a training assignment with its due date, a certificate issued, expiring and
 * expired, compliance alerts, a submission graded, a live class starting and an HR document expiring.
 */
import { expect, it } from 'vitest';
import { describeDb, json } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { today, nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import { addDays } from '../../hr/index.ts';
import { drainOutbox } from '../../platform/mail/index.ts';
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
import { notificationSuite } from './notification-test-helpers.ts';

const importCsv = importerFor('/api/enrollments/import', 'enrollments.csv');

describeDb('notifications: events', (env) => {
  const suite = notificationSuite(env);
  const { notes, outboxFor } = suite;

  it('enrolled: a pass over more enrollments than one transaction takes tells each learner once', { timeout: 120_000 }, async () => {
    const users = await bulkUsers(env, 1_234, `told-${env.dialect}`);
    const { courseId } = await makeCourse(env, { title: 'Bulk Induction' });
    const csv = `memberEmail,courseId\n${users.map((u) => `${u.email},${courseId}`).join('\n')}\n`;
    const imported = json<ImportState>(await importCsv(env, suite.admin, csv, { mode: 'valid-rows' }));
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
    const res = await env.req('POST', '/api/enrollments', { as: suite.admin, body: { courseId, memberId: learner.id } });
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
    const mail = suite.smtp.received.find((m) => m.to.includes(learner.email));
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
      as: suite.admin,
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
    expect((await env.req('POST', '/api/enrollments', { as: suite.admin, body: { courseId, memberId: learner.id } })).statusCode).toBe(201);
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
    await env.req('POST', '/api/enrollments', { as: suite.admin, body: { courseId, memberId: learner.id } });
    const issued = await env.req('POST', '/api/certificates', { as: suite.admin, body: { memberId: learner.id, courseId } });
    expect(issued.statusCode, issued.body).toBe(201);
    const certId = json<{ id: string }>(issued).id;
    const soon = addDays(today(), 10);
    await env.ctx.db.updateTable('certificates').set({ expiry_date: soon }).where('id', '=', certId).execute();
    const run = json<{ status: string; outcome: string }>(await env.req('POST', '/api/jobs/certificates.expiry/run', { as: suite.admin }));
    expect(run.status).toBe('done');
    expect(JSON.parse(run.outcome)).toMatchObject({ notified: { expiring: 1, expired: 0 } });
    const expiring = (await notes(learner)).filter((x) => x.kind === 'certificate.expiring');
    expect(expiring.map((x) => x.title)).toEqual([`Your certificate for Forklift Licence expires on ${readableDay(soon)}`]);
    expect((await outboxFor(learner.email)).filter((o) => o.event === 'certificate.expiring')).toHaveLength(1);
    // Again: nothing new.
    await env.req('POST', '/api/jobs/certificates.expiry/run', { as: suite.admin });
    expect((await notes(learner)).filter((x) => x.kind === 'certificate.expiring')).toHaveLength(1);
    // Expired.
    const past = addDays(today(), -1);
    await env.ctx.db
      .updateTable('certificates')
      .set({ issue_date: addDays(today(), -400), expiry_date: past })
      .where('id', '=', certId)
      .execute();
    await env.req('POST', '/api/jobs/certificates.expiry/run', { as: suite.admin });
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
    await env.req('POST', '/api/jobs/hr.compliance-expiry/run', { as: suite.admin });
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
    const run = json<{ outcome: string }>(await env.req('POST', '/api/jobs/hr.document-expiry/run', { as: suite.admin }));
    expect((JSON.parse(run.outcome) as { told: number }).told).toBeGreaterThanOrEqual(2);
    const title = `Document expiring: Forklift licence of Wanda Worker on ${readableDay(expiry)}`;
    expect((await notes(worker)).filter((n) => n.kind === 'document.expiring').map((n) => [n.title, n.link])).toEqual([
      [title, '/lms/profile'],
    ]);
    expect((await notes(hrm)).filter((n) => n.kind === 'document.expiring').map((n) => n.title)).toEqual([title]);
    await env.req('POST', '/api/jobs/hr.document-expiry/run', { as: suite.admin });
    expect((await notes(worker)).filter((n) => n.kind === 'document.expiring')).toHaveLength(1);
  });
});
