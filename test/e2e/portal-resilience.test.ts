/**
 * The portal holding up, in a real browser against a real server and database: a page whose code
 * cannot be downloaded shows the error page, and the page after a reload; a timed quiz is played
 * with the keyboard alone while its clock counts down and hands the answers in at 0:00; a page
 * shows a loader while it loads and a way to try again when it fails; deep links survive a reload
 * and every page fits a phone screen. Test data is created through the API (the course:
 * portal-course.ts).
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import {
  checkA11y,
  describeBrowser,
  launchBrowser,
  ok,
  screenshot,
  signIn,
  startTestServer,
  watchCspViolations,
  watchPageErrors,
  type TestServer,
  UI_WAIT,
} from './helpers.ts';
import { COURSE, LEARNER, setUpPortalCourse, type Created, type PortalCourse } from './portal-course.ts';

/** Presses Tab until the focused element's text or label matches, like a keyboard user would. */
async function tabTo(page: Page, name: RegExp, max = 60): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el) return '';
      const labelled = el.getAttribute('aria-label') ?? '';
      const label = (el as HTMLInputElement).labels?.[0]?.textContent ?? '';
      return `${labelled} ${label} ${el.innerText ?? ''}`.trim();
    });
    if (name.test(focused)) return;
  }
  throw new Error(`Tab never reached ${name}`);
}

describeBrowser('portal: error pages, loaders, deep links, a phone screen and a timed quiz by keyboard', () => {
  let server: TestServer;
  let browser: Browser;
  let admin: BrowserContext;
  let learnerCtx: BrowserContext;
  let page: Page;
  let pageErrors: string[];
  let cspViolations: string[];
  let courseId: string;
  let lessons: PortalCourse['lessons'];

  const at = (p: string) => `${server.url}${p}`;

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
    admin = await browser.newContext();
    ({ courseId, lessons } = await setUpPortalCourse(server, admin));
    ({ ctx: learnerCtx, page, errors: pageErrors } = await signIn(browser, server, LEARNER));
    cspViolations = await watchCspViolations(page);
    // Enrolled, not started: My Courses has a card, the course's lessons open.
    await ok(await learnerCtx.request.post(at(`/api/courses/${courseId}/enroll`)), 201);
  }, 120_000);

  afterAll(async () => {
    await learnerCtx?.close();
    await admin?.close();
    await browser?.close();
    await server?.close();
  });

  it("shows the error page when a page's code cannot be downloaded, and the page after a reload", async () => {
    const own = await signIn(browser, server, LEARNER, { open: '/lms' });
    await own.page.getByRole('heading', { name: 'My Courses', level: 1 }).waitFor();
    await own.page.route('**/assets/CatalogPage-*.js', (r) => r.abort());
    await own.page.getByRole('banner').getByRole('link', { name: 'Catalog' }).click();
    await own.page.getByRole('heading', { name: 'Something went wrong', level: 1 }).waitFor();
    await own.page.unroute('**/assets/CatalogPage-*.js');
    await own.page.getByRole('button', { name: 'Reload the page' }).click();
    await own.page.getByRole('heading', { name: 'Catalog', level: 1 }).waitFor();
    await own.ctx.close();
  });
  it('plays a timed quiz with the keyboard alone, counting down the time left', async () => {
    const timed = await ok<Created>(await admin.request.post(at('/api/courses'), { data: { title: 'Evacuation Drill', published: true } }), 201);
    const chapter = await ok<Created>(await admin.request.post(at(`/api/courses/${timed.id}/chapters`), { data: { title: 'Drill' } }), 201);
    const quiz = await ok<Created>(
      await admin.request.post(at('/api/quizzes'), {
        data: {
          title: 'Evacuation quiz',
          courseId: timed.id,
          passingPercentage: 50,
          maxAttempts: 2,
          timeLimitMinutes: 2,
          showAnswers: false,
          questions: [
            {
              kind: 'single',
              text: 'Do you take the lift during a fire?',
              options: [
                { text: 'Never', correct: true },
                { text: 'If it is quicker', correct: false },
              ],
            },
          ],
        },
      }),
      201,
    );
    const lesson = await ok<Created>(
      await admin.request.post(at(`/api/chapters/${chapter.id}/lessons`), { data: { title: 'Evacuation check', kind: 'quiz', quizId: quiz.id } }),
      201,
    );
    await ok(await learnerCtx.request.post(at(`/api/courses/${timed.id}/enroll`)), 201);

    // A page of its own (the learner again) whose clock the test moves on below; what it logs
    // joins the checks of the last test.
    const own = await signIn(browser, server, LEARNER);
    const quizPage = own.page;
    const quizCsp = await watchCspViolations(quizPage);
    await quizPage.goto(at(`/lms/courses/${timed.id}/lessons/${lesson.id}`));
    await quizPage.getByRole('heading', { name: 'Evacuation check', level: 1 }).waitFor();
    await quizPage.getByText('Time limit 2 min').waitFor();
    // The first Tab reaches the skip link, which jumps past the header.
    await quizPage.keyboard.press('Tab');
    expect(await quizPage.evaluate(() => document.activeElement?.textContent)).toBe('Skip to main content');
    await quizPage.keyboard.press('Enter');
    await quizPage.waitForURL((u) => u.hash === '#main-content');
    await tabTo(quizPage, /^Start the quiz$/);
    await quizPage.keyboard.press('Enter');

    const timer = quizPage.getByRole('timer');
    await timer.waitFor();
    // (textContent: the badge shows the text in capitals.)
    const first = (await timer.textContent()) ?? '';
    expect(first).toMatch(/^Time left [12]:\d\d$/);
    await quizPage.waitForFunction((t) => document.querySelector('[role="timer"]')?.textContent !== t, first);
    const later = (await timer.textContent()) ?? '';
    const seconds = (t: string) => {
      const [m, sec] = t.replace('Time left ', '').split(':').map(Number);
      return m! * 60 + sec!;
    };
    expect(seconds(later)).toBeLessThan(seconds(first));
    await checkA11y(quizPage, 'timed quiz in progress');
    await screenshot(quizPage, 'portal-quiz-timed');

    // Time runs out. The API cannot shorten a running attempt, so its deadline is moved in the
    // database to a few seconds from now; after a reload the attempt resumes with what is left and
    // hands in the answers given when the clock reaches 0:00. The page's clock (installed before
    // the reload, running at the real pace) is then moved on to 0:00 rather than waited for.
    const db = new Database(path.join(server.dataDir, 'smooth.db'));
    db.prepare("update quiz_submissions set deadline_at = ? where quiz_id = ? and status = 'in_progress'").run(new Date(Date.now() + 6000).toISOString(), quiz.id);
    db.close();
    await own.ctx.clock.install();
    await quizPage.reload();
    await timer.waitFor();
    expect(seconds((await timer.textContent()) ?? '')).toBeLessThanOrEqual(6);
    await tabTo(quizPage, /Never/);
    await quizPage.keyboard.press('Space');
    expect(await quizPage.getByRole('radio', { name: 'Never' }).isChecked()).toBe(true);
    await own.ctx.clock.fastForward(7000);
    const result = quizPage.getByTestId('quiz-result');
    await result.waitFor({ timeout: UI_WAIT });
    expect(await result.innerText()).toMatch(/^Passed/);
    expect(await result.innerText()).toContain('1 of 1 marks (100%)');
    // This quiz keeps its answers to itself.
    await quizPage.waitForLoadState('networkidle');
    expect(await quizPage.getByRole('heading', { name: 'Your answers' }).count()).toBe(0);
    expect(await quizPage.getByText('Correct answer').count()).toBe(0);
    await quizPage.waitForFunction(() => document.querySelector('[data-testid="progress-value"]')?.textContent?.trim() === '100%');
    pageErrors.push(...own.errors);
    cspViolations.push(...quizCsp);
    await own.ctx.close();
  });
  it('shows a loader while a page loads and a way to try again when it fails', async () => {
    // A context of its own (the learner again) whose clock the test moves on: a failing query is
    // retried twice, 1 s then 2 s later, before the page shows the error; the test jumps over
    // those pauses instead of sitting through them.
    const own = await signIn(browser, server, LEARNER, { viewport: { width: 1280, height: 900 } });
    const p = own.page;
    await own.ctx.clock.install();
    /** Jumps the page's clock 2 s on until `shown` is on screen (each jump fires the retry then due). */
    const skipRetryPauses = (shown: Locator) =>
      expect
        .poll(
          async () => {
            if (await shown.isVisible()) return true;
            await own.ctx.clock.fastForward(2000);
            return shown.isVisible();
          },
          { interval: 100 },
        )
        .toBe(true);
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    await p.route('**/api/courses/*/outline', async (route) => {
      await held;
      await route.fulfill({
        status: 503,
        contentType: 'application/problem+json',
        body: JSON.stringify({ type: 'about:blank', title: 'Service unavailable', status: 503, code: 'UNAVAILABLE', detail: 'The server is busy.' }),
      });
    });
    await p.goto(at(`/lms/courses/${courseId}`));
    await p.getByRole('status').filter({ hasText: 'Loading the course…' }).waitFor();
    release();
    const alert = p.getByRole('alert').filter({ hasText: 'This course could not be loaded' });
    await skipRetryPauses(alert);
    await checkA11y(p, 'course page error');
    await screenshot(p, 'portal-course-error');
    await p.unroute('**/api/courses/*/outline');
    await alert.getByRole('button', { name: 'Try again' }).click();
    await p.getByRole('heading', { name: COURSE, level: 1 }).waitFor();

    // My Courses and the catalog fail the same way, and recover.
    await p.route('**/api/me/courses', (route) => route.fulfill({ status: 500, contentType: 'application/problem+json', body: '{"status":500,"code":"INTERNAL","title":"Internal error"}' }));
    await p.goto(at('/lms'));
    await skipRetryPauses(p.getByRole('alert').filter({ hasText: 'This page could not be loaded' }));
    await p.unroute('**/api/me/courses');
    await p.getByRole('alert').getByRole('button', { name: 'Try again' }).click();
    await p.getByTestId('course-card').first().waitFor();

    // A course that does not exist says so, without offering to try again.
    await p.goto(at('/lms/courses/0000000000000000000000zzzz'));
    const missing = p.getByRole('alert').filter({ hasText: /not found/i });
    await missing.waitFor();
    expect(await missing.getByRole('button', { name: 'Try again' }).count()).toBe(0);
    await own.ctx.close();
  });
  it('keeps deep links across reloads and fits a phone screen', async () => {
    await page.goto(at(`/lms/courses/${courseId}/lessons/${lessons.video}`));
    await page.getByRole('heading', { name: 'A short video', level: 1 }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'A short video', level: 1 }).waitFor();
    await page.getByTestId('lesson-video').waitFor();
    await page.goto(at(`/lms/courses/${courseId}`));
    await page.getByRole('heading', { name: COURSE, level: 1 }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: COURSE, level: 1 }).waitFor();
    expect(await page.getByTestId('outline-lesson').count()).toBe(4);

    // A long organisation name is cut short in the header; Log out stays whole on the screen.
    expect((await admin.request.patch(at('/api/settings'), { data: { organisationName: 'Meridian Logistics and Warehousing International' } })).status()).toBe(200);
    const phone = await learnerCtx.newPage();
    const phoneErrors = watchPageErrors(phone);
    // Each page is its own chunk: My Courses does not load the lesson player or the dashboard.
    const scriptsOf = (p: Page) =>
      p.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname).filter((n) => n.endsWith('.js')));
    await phone.setViewportSize({ width: 390, height: 844 });
    for (const [url, name] of [
      ['/lms', 'portal-phone-my-courses'],
      [`/lms/courses/${courseId}`, 'portal-phone-course'],
      [`/lms/courses/${courseId}/lessons/${lessons.text}`, 'portal-phone-lesson'],
      [`/lms/courses/${courseId}/lessons/${lessons.quiz}`, 'portal-phone-quiz'],
      ['/lms/catalog', 'portal-phone-catalog'],
      ['/lms/profile', 'portal-phone-profile'],
    ] as const) {
      await phone.goto(at(url));
      await phone.getByRole('main').getByRole('heading', { level: 1 }).waitFor();
      await phone.waitForFunction(() => !document.querySelector('[role="status"] .mantine-Loader-root'));
      const fits = await phone.evaluate(() => document.scrollingElement!.scrollWidth <= window.innerWidth);
      expect(fits, `${url} at 390px has no horizontal overflow`).toBe(true);
      const logOut = await phone.getByRole('button', { name: 'Log out' }).boundingBox();
      expect(logOut && logOut.x + logOut.width <= 390, `${url} at 390px shows all of Log out`).toBe(true);
      await checkA11y(phone, `${url} at 390px`);
      await screenshot(phone, name);
      const scripts = await scriptsOf(phone);
      if (url === '/lms') expect(scripts.filter((s) => /\/(LessonPage|InstructorDashboardPage|CatalogPage|DeskFrame)-/.test(s))).toEqual([]);
      if (url.includes('/lessons/')) expect(scripts.some((s) => /\/LessonPage-/.test(s))).toBe(true);
    }
    await phone.getByTestId('roles').getByText('LMS Student').waitFor();
    expect(phoneErrors).toEqual([]);
    await phone.close();
  });
  it('logged no script errors', () => {
    expect(pageErrors).toEqual([]);
    // The page's CSP has no unsafe-inline, and the portal rendered every page without a refusal.
    expect(cspViolations).toEqual([]);
  });
});
