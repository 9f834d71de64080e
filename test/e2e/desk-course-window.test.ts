/**
 * Enrollment window and quiz overrides through the desk: staff set a close date in the past on the
 * course form, and the learner's course page says enrollment closed and offers no Enroll button;
 * a learner who used the quiz's only attempt without passing sees "Completed, not passed", and an
 * override from the quiz's desk form gives them one more attempt.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { checkA11y, describeBrowser, launchBrowser, ok, screenshot, startTestServer, watchPageErrors, type TestServer, UI_WAIT } from './helpers.ts';

const ADMIN = { email: 'admin@example.com', password: 'admin-password-1', fullName: 'Ada Admin' };
const LEARNER = { email: 'wim.window@example.com', password: 'learner-password-1', fullName: 'Wim Window' };

describeBrowser('desk: enrollment window and quiz overrides', () => {
  let server: TestServer;
  let browser: Browser;
  let admin: BrowserContext;
  let learnerCtx: BrowserContext;
  let desk: Page;
  let page: Page;
  let pageErrors: string[];
  let courseId = '';
  let quizId = '';
  let quizLessonId = '';
  const at = (p: string) => `${server.url}${p}`;

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
    admin = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-GB' });
    admin.setDefaultTimeout(UI_WAIT);
    const api = admin.request;
    await ok(await api.post(at('/api/setup'), { data: ADMIN }), 201);
    const learner = await ok<{ id: string }>(await api.post(at('/api/users'), { data: { ...LEARNER, roles: ['LMS Student'] } }), 201);
    courseId = (await ok<{ id: string }>(await api.post(at('/api/courses'), { data: { title: 'Ladder Safety', published: true } }), 201)).id;
    const ch = await ok<{ id: string }>(await api.post(at(`/api/courses/${courseId}/chapters`), { data: { title: 'Basics' } }), 201);
    await ok(await api.post(at(`/api/chapters/${ch.id}/lessons`), { data: { title: 'Three points of contact', kind: 'text', body: 'Always.' } }), 201);
    const quiz = await ok<{ id: string; questions: { id: string }[] }>(
      await api.post(at('/api/quizzes'), {
        data: {
          title: 'Ladder check',
          courseId,
          passingPercentage: 100,
          maxAttempts: 1,
          questions: [{ kind: 'single', text: 'How many points of contact?', options: [{ text: 'Three', correct: true }, { text: 'One', correct: false }] }],
        },
      }),
      201,
    );
    quizId = quiz.id;
    quizLessonId = (await ok<{ id: string }>(await api.post(at(`/api/chapters/${ch.id}/lessons`), { data: { title: 'Ladder check', kind: 'quiz', quizId } }), 201)).id;
    desk = await admin.newPage();

    learnerCtx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    learnerCtx.setDefaultTimeout(UI_WAIT);
    await ok(await learnerCtx.request.post(at('/api/auth/login'), { data: { email: LEARNER.email, password: LEARNER.password } }), 200);
    page = await learnerCtx.newPage();
    pageErrors = watchPageErrors(page);
    void learner;
  }, 120_000);

  afterAll(async () => {
    await learnerCtx?.close();
    await admin?.close();
    await browser?.close();
    await server?.close();
  });

  it('a close date in the past set in the desk: the course page says enrollment closed and shows no Enroll button', async () => {
    await page.goto(at(`/lms/courses/${courseId}`));
    await page.getByRole('heading', { name: 'Ladder Safety', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Enroll' }).waitFor();

    await desk.goto(at(`/app/lms-course/${courseId}`));
    const closes = desk.getByLabel('Self-enrollment closes (your time)');
    await closes.waitFor();
    // The form refuses a close before the open, next to the field.
    await desk.getByLabel('Self-enrollment opens (your time)').fill('2026-03-01T09:00');
    await closes.fill('2026-02-01T17:00');
    await desk.getByRole('button', { name: 'Save' }).click();
    await desk.getByText('Enrollment must close after it opens.').first().waitFor();
    await desk.getByLabel('Self-enrollment opens (your time)').fill('');
    await desk.getByRole('button', { name: 'Save' }).click();
    await expect.poll(async () => (await ok<{ enrollmentClosesAt: string | null }>(await admin.request.get(at(`/api/courses/${courseId}`)), 200)).enrollmentClosesAt).not.toBeNull();
    await checkA11y(desk, 'course form with enrollment window');

    await page.goto(at(`/lms/courses/${courseId}`));
    await page.getByRole('heading', { name: 'Ladder Safety', level: 1 }).waitFor();
    await page.getByTestId('enrollment-window').filter({ hasText: /^Enrollment closed on 1 Feb 2026/ }).waitFor();
    expect(await page.getByRole('button', { name: 'Enroll' }).count()).toBe(0);
    await checkA11y(page, 'course page, enrollment closed');
    await screenshot(page, 'course-enrollment-closed');
    // The API refuses it too.
    const res = await learnerCtx.request.post(at(`/api/courses/${courseId}/enroll`), { headers: { origin: server.url } });
    expect(res.status()).toBe(422);
    expect(((await res.json()) as { code: string }).code).toBe('ENROLLMENT_CLOSED');
  });

  it('"Completed, not passed" after the only attempt; an override from the desk gives one more', async () => {
    // Staff still enroll people in a closed course.
    const me = await ok<{ id: string }>(await learnerCtx.request.get(at('/api/auth/me')), 200);
    await ok(await admin.request.post(at('/api/enrollments'), { data: { courseId, memberId: me.id } }), 201);
    const quiz = await ok<{ questions: { id: string }[] }>(await learnerCtx.request.get(at(`/api/quizzes/${quizId}`)), 200);
    await ok(
      await learnerCtx.request.post(at(`/api/quizzes/${quizId}/submissions`), {
        headers: { origin: server.url },
        data: { answers: [{ questionId: quiz.questions[0]!.id, choice: [1] }] },
      }),
      201,
    );
    await page.goto(at(`/lms/courses/${courseId}`));
    await page.getByTestId('outline-lesson').filter({ hasText: 'Ladder check' }).filter({ hasText: 'Completed, not passed' }).waitFor();
    await page.goto(at(`/lms/courses/${courseId}/lessons/${quizLessonId}`));
    await page.getByTestId('quiz-outcome').filter({ hasText: 'Completed, not passed' }).waitFor();
    expect(await page.getByRole('button', { name: 'Try again' }).count()).toBe(0);
    // The instructor's course dashboard says so too.
    await desk.goto(at(`/lms/courses/${courseId}/dashboard`));
    const result = desk.getByTestId('quiz-results-table').getByRole('row').filter({ hasText: 'Wim Window' });
    await result.getByTestId('member-outcome').filter({ hasText: 'Completed, not passed' }).waitFor();
    await checkA11y(desk, 'instructor dashboard with a learner completed, not passed');

    await desk.goto(at(`/app/lms-quiz/${quizId}`));
    const panel = desk.getByRole('region', { name: 'Learner overrides' });
    await panel.getByText('No learner has an override.').waitFor();
    await panel.getByRole('combobox', { name: 'Learner' }).fill('Wim');
    await desk.getByRole('option', { name: /Wim Window/ }).click();
    await panel.getByLabel('Extra attempts').fill('1');
    await panel.getByRole('button', { name: 'Save override' }).click();
    const row = panel.getByRole('row').filter({ hasText: 'Wim Window' });
    await row.waitFor();
    // With the extra attempt the learner is no longer "completed, not passed".
    expect(await row.innerText()).toContain('Attempts left');
    await checkA11y(desk, 'quiz form with overrides');
    await screenshot(desk, 'quiz-overrides');

    await page.reload();
    await page.getByTestId('attempts-left').filter({ hasText: '1 of 2 attempts left' }).waitFor();
    expect(await page.getByTestId('quiz-outcome').count()).toBe(0);
    await page.getByRole('button', { name: 'Try again' }).waitFor();
    expect(pageErrors).toEqual([]);
  });

  it('an open answer waits for a grader, who reads and marks it on the submission page in the desk', async () => {
    const api = admin.request;
    const grader = { email: 'gil.grader@example.com', password: 'grader-password-1', fullName: 'Gil Grader' };
    await ok(await api.post(at('/api/users'), { data: { ...grader, roles: ['Moderator'] } }), 201);
    const open = await ok<{ id: string; questions: { id: string; kind: string }[] }>(
      await api.post(at('/api/quizzes'), {
        data: {
          title: 'Ladder inspection',
          courseId,
          passingPercentage: 50,
          questions: [
            { kind: 'single', text: 'Check the feet before use?', options: [{ text: 'Yes', correct: true }, { text: 'No', correct: false }] },
            { kind: 'open', text: 'Describe how you inspect a ladder.', marks: 4 },
          ],
        },
      }),
      201,
    );
    const [single, essay] = [open.questions.find((q) => q.kind === 'single')!, open.questions.find((q) => q.kind === 'open')!];
    const sub = await ok<{ id: string; status: string }>(
      await learnerCtx.request.post(at(`/api/quizzes/${open.id}/submissions`), {
        data: { answers: [{ questionId: single.id, choice: [1] }, { questionId: essay.id, text: 'I check the rungs, the feet and the locks.' }] },
      }),
      201,
    );
    expect(sub.status).toBe('pending_review');

    const g = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-GB' });
    g.setDefaultTimeout(UI_WAIT);
    try {
      await ok(await g.request.post(at('/api/auth/login'), { data: { email: grader.email, password: grader.password } }), 200);
      const gp = await g.newPage();
      const errors = watchPageErrors(gp);
      // The queue: submissions waiting for a grader.
      await gp.goto(at('/app/lms-quiz-submission?status=pending_review'));
      await gp.getByTestId('desk-list').getByRole('row').filter({ hasText: 'Ladder inspection' }).getByRole('link').first().click();
      const answers = gp.getByTestId('submission-answers');
      await answers.getByText('Answer: I check the rungs, the feet and the locks.').waitFor();
      // The auto-marked question shows its marks and the right answer.
      expect(await answers.innerText()).toContain('Correct answer: Yes');
      await answers.getByRole('button', { name: 'Save grades' }).click();
      await answers.getByText('Give the marks for this answer.').waitFor();
      await answers.getByLabel('Marks').fill('9');
      await answers.getByRole('button', { name: 'Save grades' }).click();
      await answers.getByText('Give between 0 and 4 marks.').waitFor();
      await answers.getByLabel('Marks').fill('3');
      await answers.getByLabel('Comment for the learner (optional)').fill('Also check the labels.');
      await checkA11y(gp, 'grading a quiz submission');
      await answers.getByRole('button', { name: 'Save grades' }).click();
      await gp.getByText('Graded: 3 of 5 marks (60%), passed.').waitFor();
      const details = gp.getByRole('region', { name: 'Details' });
      await expect.poll(() => details.locator('[data-field="passed"]').innerText()).toBe('Passed');
      await answers.getByText('Comment: Also check the labels.').waitFor();
      // The page's history shows the grading without a reload.
      await expect.poll(() => gp.locator('[data-testid="audit-entry"][data-action="grade"]').count()).toBe(1);
      expect(await answers.getByRole('button', { name: 'Save grades' }).count()).toBe(0);
      const final = await ok<{ status: string; score: number; passed: boolean }>(await api.get(at(`/api/quiz-submissions/${sub.id}`)), 200);
      expect(final).toMatchObject({ status: 'graded', score: 3, passed: true });
      expect(errors).toEqual([]);
    } finally {
      await g.close();
    }
  });
});
