/**
 * Assignments and certificate evaluations in a real browser: a learner hands in an assignment
 * lesson, the evaluator grades it from the grading queue (fail with feedback), the learner sees the
 * feedback and hands in a second version; a learner books a free evaluation slot and sees the
 * meeting link. Test data is created through the API.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { checkA11y, describeBrowser, launchBrowser, ok, screenshot, signIn, startTestServer, type Credentials, type TestServer } from './helpers.ts';

const ADMIN = { email: 'admin@example.com', password: 'admin-password-1', fullName: 'Ada Admin' };
const LEARNER = { email: 'lea.learner@example.com', password: 'learner-password-1', fullName: 'Lea Learner' };
const EVALUATOR = { email: 'eve.evaluator@example.com', password: 'evaluator-password-1', fullName: 'Eve Evaluator' };

interface Created {
  id: string;
}

describeBrowser('assignments and evaluations: submit → grade → feedback, booking a slot', () => {
  let server: TestServer;
  let browser: Browser;
  let admin: BrowserContext;
  let courseId: string;
  let lessonId: string;
  let batchId: string;
  const at = (p: string) => `${server.url}${p}`;

  // Signed in through the API (setup-login.test.ts logs in through the page).
  const login = (who: Credentials, next: string) => signIn(browser, server, who, { timezoneId: 'Europe/Berlin', open: next });

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
    admin = await browser.newContext();
    const api = admin.request;
    await ok(await api.post(at('/api/setup'), { data: ADMIN }), 201);
    const learner = await ok<Created>(await api.post(at('/api/users'), { data: { ...LEARNER, roles: ['LMS Student'] } }), 201);
    const evaluator = await ok<Created>(await api.post(at('/api/users'), { data: { ...EVALUATOR, roles: ['Batch Evaluator'] } }), 201);
    courseId = (await ok<Created>(await api.post(at('/api/courses'), { data: { title: 'Risk Management', published: true, enableCertification: true, evaluationRequired: true } }), 201)).id;
    const ch = await ok<Created>(await api.post(at(`/api/courses/${courseId}/chapters`), { data: { title: 'Basics' } }), 201);
    lessonId = (await ok<Created>(await api.post(at(`/api/chapters/${ch.id}/lessons`), { data: { title: 'Risk register', kind: 'assignment' } }), 201)).id;
    const assignment = await ok<Created>(
      await api.post(at('/api/assignments'), { data: { title: 'Write a risk register', instructions: 'List **five** risks of your project.', submissionKind: 'text', lessonId } }),
      201,
    );
    const today = new Date().toISOString().slice(0, 10);
    const later = new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10);
    const batch = await ok<Created>(
      await api.post(at('/api/batches'), { data: { title: 'Risk cohort', startDate: today, endDate: later, timezone: 'Europe/Berlin', courseIds: [courseId], evaluatorIds: [evaluator.id] } }),
      201,
    );
    batchId = batch.id;
    await ok(await api.post(at(`/api/batches/${batch.id}/members`), { data: { memberId: learner.id } }), 201);
    await ok(await api.post(at(`/api/batches/${batch.id}/assessments`), { data: { kind: 'assignment', assignmentId: assignment.id, dueDate: later } }), 201);
    // Every day 09:00–10:00 in Berlin, 30-minute slots.
    const slots = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '09:00', end: '10:00' }));
    await ok(await api.put(at(`/api/evaluators/${evaluator.id}/availability`), { data: { timezone: 'Europe/Berlin', slots, meetingUrl: 'https://meet.example.com/eve' } }), 200);
  }, 120_000);

  afterAll(async () => {
    await admin?.close();
    await browser?.close();
    await server?.close();
  });

  it('the learner hands in, the evaluator fails it with feedback, the learner reads it and hands in again', async () => {
    const learner = await login(LEARNER, `/lms/courses/${courseId}/lessons/${lessonId}`);
    const p = learner.page;
    await p.getByRole('heading', { name: 'Risk register', level: 1 }).waitFor();
    await p.getByText('five').first().waitFor();
    expect(await p.getByRole('button', { name: 'Mark complete' }).count()).toBe(0);
    await p.getByLabel('Your answer').fill('Budget overrun, key person leaves, vendor delay, scope creep');
    await p.getByRole('button', { name: 'Hand in' }).click();
    await p.getByTestId('submission-v1').waitFor();
    expect((await p.getByTestId('submission-v1').innerText()).toLowerCase()).toContain('waiting for a grade');
    await checkA11y(p, 'assignment lesson (handed in)');
    await screenshot(p, 'assignment-handed-in');

    const evaluator = await login(EVALUATOR, '/lms/grading');
    const e = evaluator.page;
    await e.getByRole('heading', { name: 'Grading', level: 1 }).waitFor();
    const row = e.getByRole('link', { name: 'Lea Learner' });
    await row.waitFor();
    await checkA11y(e, 'grading queue');
    await row.click();
    await e.getByRole('heading', { name: /Write a risk register: Lea Learner/ }).waitFor();
    await e.getByRole('radio', { name: 'Fail' }).check();
    await e.getByLabel('Score (optional)').fill('40');
    await e.getByLabel('Feedback for the learner').fill('Only four risks: add a fifth.');
    await e.getByRole('button', { name: 'Save the grade' }).click();
    await e.getByTestId('feedback').waitFor();
    await e.getByRole('status').filter({ hasText: 'Grade saved' }).getByRole('link', { name: 'Back to the grading queue' }).waitFor();
    expect(await e.getByTestId('feedback').innerText()).toContain('Only four risks');
    await checkA11y(e, 'graded submission');
    await screenshot(e, 'assignment-graded');

    await p.reload();
    await p.getByTestId('feedback').waitFor();
    const feedback = await p.getByTestId('feedback').innerText();
    expect(feedback).toContain('Only four risks: add a fifth.');
    expect(feedback).toContain('Eve Evaluator');
    expect(feedback).toContain('score 40');
    await p.getByLabel('Your answer').fill('Budget overrun, key person leaves, vendor delay, scope creep, data loss');
    await p.getByRole('button', { name: 'Hand in' }).click();
    await p.getByTestId('submission-v2').waitFor();
    await checkA11y(p, 'assignment lesson (second version)');

    // The desk's list of submissions: both versions, with names and statuses.
    await e.goto(at('/app/lms-assignment-submission'));
    await e.getByRole('heading', { name: 'Assignment submissions', level: 1 }).waitFor();
    await expect.poll(() => e.getByRole('link', { name: 'Lea Learner' }).count()).toBe(2);
    await checkA11y(e, 'desk: assignment submissions');
    // The batch page lists the assessment with the learner's own state.
    await p.goto(at(`/lms/batches/${batchId}`));
    const assessment = p.getByTestId('batch-assessment');
    await assessment.waitFor();
    expect((await assessment.innerText()).toLowerCase()).toContain('waiting for a grade');
    await checkA11y(p, 'batch page with assessments');
    expect(learner.errors).toEqual([]);
    expect(evaluator.errors).toEqual([]);
    await learner.ctx.close();
    await evaluator.ctx.close();
  }, 120_000);

  it('an author changes an assignment in the desk (links its lesson later); one with work handed in is not deleted', async () => {
    const api = admin.request;
    const ch = (await ok<{ chapters: { id: string }[] }>(await api.get(at(`/api/courses/${courseId}/outline`)), 200)).chapters[0]!;
    await ok(await api.post(at(`/api/chapters/${ch.id}/lessons`), { data: { title: 'Site walk', kind: 'assignment' } }), 201);
    const loose = await ok<Created>(
      await api.post(at('/api/assignments'), { data: { title: 'Fire risk walk-through', instructions: 'Walk the site and list **three** fire risks.', submissionKind: 'file', courseId } }),
      201,
    );
    const { ctx, page, errors } = await login(ADMIN, '/app/lms-assignment');
    await page.getByRole('heading', { name: 'Assignments', level: 1 }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'Fire risk walk-through' });
    await row.getByText('File', { exact: true }).waitFor();
    await row.getByRole('link').first().click();
    await page.getByRole('heading', { name: 'Fire risk walk-through', level: 1 }).waitFor();
    await page.getByRole('combobox', { name: 'Assignment lesson (optional)' }).click();
    await page.getByRole('option', { name: 'Basics: Site walk' }).click();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(async () => (await ok<{ lessonId: string | null }>(await api.get(at(`/api/assignments/${loose.id}`)), 200)).lessonId).not.toBeNull();
    await checkA11y(page, 'desk assignment record');

    // The risk register has work handed in: deleting it is refused in words, and it stays.
    const handedIn = (await ok<{ items: { id: string; title: string }[] }>(await api.get(at('/api/assignments')), 200)).items.find((a) => a.title === 'Write a risk register')!;
    await page.goto(at(`/app/lms-assignment/${handedIn.id}`));
    await page.getByRole('heading', { name: 'Write a risk register', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.getByText(/handed in work for this assignment/).first().waitFor();
    expect((await api.get(at(`/api/assignments/${handedIn.id}`))).status()).toBe(200);
    expect(errors.filter((e) => !e.includes('status of 409'))).toEqual([]);
    await ctx.close();
  }, 120_000);

  it('the learner books a free evaluation slot and sees the meeting link', async () => {
    const { ctx, page, errors } = await login(LEARNER, '/lms/evaluations');
    await page.getByRole('heading', { name: 'Certificate evaluations', level: 1 }).waitFor();
    await page.getByRole('combobox', { name: 'Course' }).click();
    await page.getByRole('option', { name: 'Risk Management' }).click();
    const slots = page.getByRole('list', { name: 'Free slots' });
    await slots.waitFor();
    const first = slots.getByRole('listitem').first();
    const label = await first.innerText();
    expect(label).toContain('Eve Evaluator');
    await checkA11y(page, 'booking page');
    await first.click();
    await page.getByText('Your evaluation is booked').waitFor();
    const card = page.getByTestId('certificate-request');
    await card.waitFor();
    expect((await card.innerText()).toLowerCase()).toContain('booked');
    expect(await card.getByRole('link', { name: 'Join the meeting' }).getAttribute('href')).toBe('https://meet.example.com/eve');
    // The booked slot is gone from the free ones.
    await expect.poll(async () => (await slots.getByRole('listitem').allInnerTexts()).includes(label)).toBe(false);
    await checkA11y(page, 'booking page (booked)');
    await screenshot(page, 'evaluation-booked');
    // Move it to another time, with a reason.
    await card.getByRole('button', { name: 'Move to another time…' }).click();
    await card.getByRole('combobox', { name: 'New time' }).click();
    await page.getByRole('option').first().click();
    await card.getByLabel('Why are you moving it?').fill('A meeting clashes');
    await checkA11y(page, 'booking page (moving)');
    await card.getByRole('button', { name: 'Move the evaluation' }).click();
    await card.getByText('Reason: A meeting clashes').waitFor();
    expect(errors).toEqual([]);
    await ctx.close();
  }, 120_000);

  it('the evaluator sees the booking in their calendar with their availability, and a pass issues the certificate', async () => {
    const { ctx, page, errors } = await login(EVALUATOR, '/lms/evaluations/calendar');
    await page.getByRole('heading', { name: 'Evaluation calendar', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Your availability' }).waitFor();
    await expect.poll(() => page.getByLabel('From').count()).toBe(7);
    // A window ending before it starts is explained next to the field.
    await page.getByLabel('Until').first().fill('08:00');
    await page.getByRole('button', { name: 'Save availability' }).click();
    await page.getByText('The end must be after the start.').waitFor();
    await page.getByLabel('Until').first().fill('10:00');
    await page.getByRole('button', { name: 'Save availability' }).click();
    await page.getByText('Saved.').waitFor();
    await page.getByText('Lea Learner').first().waitFor();
    // The evaluation has not happened yet: no result can be recorded.
    await page.getByText('You can record the result once the evaluation has started.').waitFor();
    expect(await page.getByRole('button', { name: 'Save the result' }).count()).toBe(0);
    await checkA11y(page, 'evaluation calendar');
    // Time passes: the booking is moved into the past in the database itself (the API refuses past slots).
    const db = new Database(path.join(server.dataDir, 'smooth.db'));
    db.prepare("update certificate_requests set starts_at = ?, ends_at = ? where status = 'scheduled'").run(
      new Date(Date.now() - 60 * 60_000).toISOString(),
      new Date(Date.now() - 30 * 60_000).toISOString(),
    );
    db.close();
    await page.reload();
    await page.getByRole('radio', { name: /Pass/ }).check();
    await page.getByLabel('Summary').fill('Clear and complete.');
    await page.getByRole('button', { name: 'Save the result' }).click();
    await page.getByText('Summary: Clear and complete.').waitFor();
    await screenshot(page, 'evaluation-passed');
    const certs = await admin.request.get(at('/api/certificates'));
    const items = ((await certs.json()) as { items: { courseId: string; memberName?: string }[] }).items;
    expect(items.some((c) => c.courseId === courseId)).toBe(true);
    expect(errors).toEqual([]);
    await ctx.close();
  }, 120_000);
});
