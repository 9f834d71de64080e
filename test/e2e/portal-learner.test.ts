/**
 * A learner's journey in the learning portal, in a real browser against a real server and
 * database: the learner logs in to an empty My Courses, enrolls from the catalog, reads the
 * lessons, fails then passes the quiz, reaches 100%, downloads the certificate and checks its
 * verification link; My Courses and the profile then show assigned training and a recommendation;
 * the instructor sees the learner on the course dashboard. Test data is created through the API
 * (the course: portal-course.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { checkA11y, describeBrowser, launchBrowser, ok, screenshot, signIn, startTestServer, watchCspViolations, watchPageErrors, type TestServer, UI_WAIT } from './helpers.ts';
import { COURSE, INSTRUCTOR, LEARNER, setUpPortalCourse, type Created, type PortalCourse } from './portal-course.ts';

describeBrowser('portal: a learner takes a course to its certificate; an instructor follows', () => {
  let server: TestServer;
  let browser: Browser;
  let admin: BrowserContext;
  let learnerCtx: BrowserContext;
  let page: Page;
  let pageErrors: string[];
  let cspViolations: string[];
  let courseId: string;
  let lessons: PortalCourse['lessons'];
  let verificationPath = '';
  let learnerId: string;

  const at = (p: string) => `${server.url}${p}`;
  const progressOf = async (p: Page) => (await p.getByTestId('progress-value').first().innerText()).trim();

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
    admin = await browser.newContext();
    ({ learnerId, courseId, lessons } = await setUpPortalCourse(server, admin));

    learnerCtx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', acceptDownloads: true });
    await learnerCtx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    learnerCtx.setDefaultTimeout(UI_WAIT);
    page = await learnerCtx.newPage();
    pageErrors = watchPageErrors(page);
    cspViolations = await watchCspViolations(page);
  }, 120_000);

  afterAll(async () => {
    await learnerCtx?.close();
    await admin?.close();
    await browser?.close();
    await server?.close();
  });

  it('logs the learner in to an empty My Courses that points to the catalog', async () => {
    await page.goto(at('/lms'));
    await page.waitForURL((u) => u.pathname === '/login');
    await page.getByLabel('Email').fill(LEARNER.email);
    await page.getByLabel(/^Password/).fill(LEARNER.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((u) => u.pathname === '/lms');
    await page.getByText('You are not enrolled in any course yet').waitFor();
    await checkA11y(page, '/lms empty');
    await screenshot(page, 'portal-my-courses-empty');
    await page.getByRole('main').getByRole('link', { name: 'Browse the catalog' }).click();
    await page.getByRole('heading', { name: 'Catalog', level: 1 }).waitFor();
  });
  it('enrolls from the catalog and lands on the course page with its outline', async () => {
    const card = page.getByTestId('catalog-card').filter({ hasText: COURSE });
    await card.getByRole('button', { name: `Enroll in ${COURSE}` }).click();
    await page.waitForURL((u) => u.pathname === `/lms/courses/${courseId}`);
    await page.getByRole('heading', { name: COURSE, level: 1 }).waitFor();
    expect(await progressOf(page)).toBe('0%');
    expect(await page.getByTestId('outline-lesson').count()).toBe(4);
    await page.getByTestId('quiz-reason').filter({ hasText: 'Not attempted yet' }).waitFor();
    await checkA11y(page, 'course page');
    await screenshot(page, 'portal-course');
  });
  it('reads the lessons: text, video with seeking, PDF; progress moves without a reload', async () => {
    await page.getByRole('link', { name: 'Start the course' }).click();
    await page.waitForURL((u) => u.pathname.endsWith(`/lessons/${lessons.text}`));
    await page.getByRole('heading', { name: 'What personal data is', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Personal data', exact: true }).waitFor();
    await checkA11y(page, 'text lesson');
    await screenshot(page, 'portal-lesson-text');
    const navigations: string[] = [];
    page.on('framenavigated', (f) => {
      if (f === page.mainFrame()) navigations.push(f.url());
    });
    await page.getByRole('button', { name: 'Mark complete' }).click();
    await page.getByTestId('lesson-completed').waitFor();
    expect(await progressOf(page)).toBe('25%');

    await page.getByRole('link', { name: 'Next →' }).click();
    await page.getByRole('heading', { name: 'A short video', level: 1 }).waitFor();
    const video = page.getByTestId('lesson-video');
    await page.waitForFunction(() => (document.querySelector('video')?.readyState ?? 0) >= 1);
    // Seeking works: the server answers byte ranges, and the player moves to a new position.
    const src = (await video.evaluate((v: HTMLVideoElement) => v.currentSrc)) || '';
    const ranged = await learnerCtx.request.get(src, { headers: { Range: 'bytes=0-99' } });
    expect(ranged.status()).toBe(206);
    expect((await ranged.body()).length).toBe(100);
    await video.evaluate(async (v: HTMLVideoElement) => {
      const seeked = new Promise((r) => v.addEventListener('seeked', r, { once: true }));
      v.currentTime = 0.5;
      await seeked;
    });
    await checkA11y(page, 'video lesson');
    await screenshot(page, 'portal-lesson-video');
    await page.getByRole('button', { name: 'Mark complete' }).click();
    await page.getByTestId('lesson-completed').waitFor();
    expect(await progressOf(page)).toBe('50%');

    // Next from the bottom of the page: the next lesson starts at its top, focus at its content.
    await page.setViewportSize({ width: 1280, height: 400 });
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(0);
    await page.getByRole('link', { name: 'Next →' }).click();
    await page.getByRole('heading', { name: 'The policy', level: 1 }).waitFor();
    expect(await page.evaluate(() => [window.scrollY, document.activeElement?.id])).toEqual([0, 'main-content']);
    await page.setViewportSize({ width: 1280, height: 900 });
    const frameSrc = await page.getByTestId('lesson-pdf').getAttribute('src');
    const pdf = await learnerCtx.request.get(at(frameSrc!));
    expect(pdf.headers()['content-type']).toContain('application/pdf');
    await checkA11y(page, 'PDF lesson');
    await screenshot(page, 'portal-lesson-pdf');
    await page.getByRole('button', { name: 'Mark complete' }).click();
    await page.getByTestId('lesson-completed').waitFor();
    expect(await progressOf(page)).toBe('75%');
    await page.getByRole('link', { name: '← Previous' }).click();
    await page.getByRole('heading', { name: 'A short video', level: 1 }).waitFor();
    await page.getByTestId('lesson-completed').waitFor();
    await page.getByRole('link', { name: 'Next →' }).click();
    await page.getByRole('heading', { name: 'The policy', level: 1 }).waitFor();
    // Every step happened inside the page: no full page load.
    expect(navigations.every((u) => new URL(u).pathname.startsWith(`/lms/courses/${courseId}/lessons/`))).toBe(true);

    // Opening a lesson records it as current: a reload of My Courses continues here.
    await page.goto(at('/lms'));
    const card = page.getByTestId('course-card').filter({ hasText: COURSE });
    expect(await card.getByTestId('progress-value').innerText()).toBe('75%');
    // The card shows the course image (loaded, not broken).
    const image = card.locator('img');
    await page.waitForFunction((img) => !!img && (img as HTMLImageElement).complete, await image.elementHandle());
    expect(await image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(640);
    await card.getByRole('link', { name: new RegExp(`Continue ${COURSE}`) }).click();
    await page.waitForURL((u) => u.pathname.endsWith(`/lessons/${lessons.pdf}`));
    // So does Continue on the course page, whose outline ticks the three lessons done.
    await page.getByRole('link', { name: `← ${COURSE}` }).click();
    await page.getByRole('heading', { name: COURSE, level: 1 }).waitFor();
    expect(await page.locator('[data-testid="outline-lesson"][data-completed="true"]').count()).toBe(3);
    await page.getByRole('link', { name: 'Continue', exact: true }).click();
    await page.waitForURL((u) => u.pathname.endsWith(`/lessons/${lessons.pdf}`));
  });
  it('fails the quiz, sees why the lesson is pending, then passes and reaches 100%', async () => {
    await page.goto(at(`/lms/courses/${courseId}/lessons/${lessons.quiz}`));
    await page.getByRole('heading', { name: 'Final check', level: 1 }).waitFor();
    await page.getByTestId('attempts-left').filter({ hasText: '3 of 3 attempts left' }).waitFor();
    await page.getByRole('button', { name: 'Start the quiz' }).click();
    await page.getByRole('radio', { name: 'No' }).check();
    await page.getByRole('checkbox', { name: 'A name' }).check();
    await checkA11y(page, 'quiz in progress');
    await screenshot(page, 'portal-quiz');
    await page.getByRole('button', { name: 'Submit answers' }).click();
    const result = page.getByTestId('quiz-result');
    await result.filter({ hasText: 'Not passed' }).waitFor();
    expect(await result.innerText()).toContain('0 of 2 marks');
    // The quiz shows answers after submit, but not while a retake could copy them.
    await page.getByTestId('answers-later').filter({ hasText: 'The correct answers show once you pass this quiz or have no attempts left.' }).waitFor();
    expect(await page.getByText(/^Correct answer:/).count()).toBe(0);
    await page.getByTestId('attempts-left').filter({ hasText: '2 of 3 attempts left' }).waitFor();
    await checkA11y(page, 'quiz failed');
    await screenshot(page, 'portal-quiz-failed');
    expect(await progressOf(page)).toBe('75%');

    await page.getByRole('link', { name: `← ${COURSE}` }).click();
    await page.getByTestId('quiz-reason').filter({ hasText: 'Not passed (0%), 2 attempts left' }).waitFor();
    await page.getByRole('link', { name: 'Final check' }).click();
    // Coming back, the last attempt's result is still there.
    await result.filter({ hasText: 'Not passed' }).waitFor();
    expect(await result.innerText()).toContain('Attempt 1: 0 of 2 marks');

    await page.getByRole('button', { name: 'Try again' }).click();
    // One question per screen this time.
    await page.getByText('One per screen').click();
    await page.getByRole('radio', { name: 'Yes' }).check();
    await page.getByRole('button', { name: 'Next question' }).click();
    await page.getByRole('checkbox', { name: 'A name' }).check();
    await page.getByRole('checkbox', { name: 'A phone number' }).check();
    await page.getByRole('button', { name: 'Submit answers' }).click();
    await result.filter({ hasText: 'Passed' }).waitFor();
    expect(await result.innerText()).toContain('2 of 2 marks (100%)');
    // Passed: now the answers show, each marked.
    await page.getByRole('heading', { name: 'Your answers' }).waitFor();
    expect(await page.getByText('Correct — your answer: Yes').count()).toBe(1);
    await page.waitForFunction(() => document.querySelector('[data-testid="progress-value"]')?.textContent?.trim() === '100%');
    await page.getByText('Course complete').waitFor();
    // Passed: the quiz says so, and does not ask to "try again".
    await page.getByTestId('quiz-passed').waitFor();
    expect(await page.getByRole('button', { name: 'Try again' }).count()).toBe(0);
    await screenshot(page, 'portal-quiz-passed');
  });
  it('offers the certificate at 100%: download the PDF, verify it through its link', async () => {
    await page.getByRole('link', { name: 'See your certificate on the course page' }).click();
    await page.getByRole('heading', { name: 'Your certificate' }).waitFor();
    expect(await page.locator('[data-testid="outline-lesson"][data-completed="true"]').count()).toBe(4);
    const link = await page.getByTestId('verification-link').inputValue();
    verificationPath = new URL(link).pathname;
    expect(verificationPath).toMatch(/^\/lms\/certificates\/verify\/.+/);
    await page.getByRole('button', { name: 'Copy link' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);
    const view = await page.getByRole('link', { name: 'View certificate' }).getAttribute('href');
    const viewed = await learnerCtx.request.get(at(view!));
    expect(viewed.headers()['content-type']).toContain('application/pdf');
    await checkA11y(page, 'course page at 100%');
    await screenshot(page, 'portal-course-complete');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download PDF' }).click()]);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'portal-cert-')), 'certificate.pdf');
    await download.saveAs(file);
    expect(fs.readFileSync(file).subarray(0, 5).toString()).toBe('%PDF-');
    const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
    expect(text).toContain(LEARNER.fullName);
    expect(text).toContain(COURSE);

    await page.getByRole('link', { name: 'Certificates', exact: true }).first().click();
    await page.getByTestId('certificate-card').filter({ hasText: COURSE }).waitFor();
    await checkA11y(page, '/lms/certificates');
    await screenshot(page, 'portal-certificates');
  });
  it('shows the verification to anyone: the public API without a session, the page in the portal', async () => {
    const anonymous = await browser.newContext();
    const res = await anonymous.request.get(at(`/api/certificates/verify/${verificationPath.split('/').pop()}`));
    expect(res.status()).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ holderName: LEARNER.fullName, courseTitle: COURSE, status: 'valid' });
    expect(Object.keys(body).sort()).toEqual(['courseTitle', 'expiryDate', 'holderName', 'issueDate', 'status']);
    // The page itself opens without logging in.
    const p = await anonymous.newPage();
    await p.goto(at(verificationPath));
    const publicView = p.getByTestId('verification');
    await publicView.waitFor();
    expect(await publicView.innerText()).toContain(LEARNER.fullName);
    expect(p.url()).toContain('/lms/certificates/verify/');
    await screenshot(p, 'portal-certificate-verify-logged-out');
    await anonymous.close();

    await page.goto(at(verificationPath));
    const v = page.getByTestId('verification');
    await v.waitFor();
    expect(await v.innerText()).toContain(LEARNER.fullName);
    expect(await v.innerText()).toContain('This certificate is genuine and valid.');
    await checkA11y(page, 'verification page');
    await screenshot(page, 'portal-certificate-verify');

    // An unknown code (its 404 would be the only console error of the run, so on its own page).
    const other = await learnerCtx.newPage();
    await other.goto(at('/lms/certificates/verify/not-a-real-code'));
    await other.getByText('No certificate has this code').waitFor();
    await other.close();
  });
  it('shows assigned training on My Courses with its due date, overdue in red, and on the profile', async () => {
    const course = await ok<Created>(
      await admin.request.post(at('/api/courses'), { data: { title: 'Anti-Bribery Essentials', published: true, mandatory: true } }),
      201,
    );
    const chapter = await ok<Created>(await admin.request.post(at(`/api/courses/${course.id}/chapters`), { data: { title: 'Rules' } }), 201);
    await ok(await admin.request.post(at(`/api/chapters/${chapter.id}/lessons`), { data: { title: 'Gifts', kind: 'text', body: 'No.' } }), 201);
    const assigned = await admin.request.post(at('/api/training-assignments'), {
      data: { courseId: course.id, dueDate: '2099-01-15', memberIds: [learnerId] },
    });
    expect(assigned.status(), await assigned.text()).toBe(201);
    await page.goto(at('/lms'));
    const dueSoon = page.getByTestId('course-card').filter({ hasText: 'Anti-Bribery Essentials' }).getByTestId('due-date');
    expect(await dueSoon.innerText()).toBe('Due 15 Jan 2099');
    // The same day in the same words in a browser set to US English, west of UTC.
    const west = await signIn(browser, server, LEARNER, { locale: 'en-US', timezoneId: 'America/Los_Angeles', open: '/lms' });
    const westDue = west.page.getByTestId('course-card').filter({ hasText: 'Anti-Bribery Essentials' }).getByTestId('due-date');
    await westDue.waitFor();
    expect(await westDue.innerText()).toBe('Due 15 Jan 2099');
    await west.ctx.close();
    // Time passes: the due date is now behind us (the API refuses past due dates, so the clock is
    // moved in the database itself).
    const db = new Database(path.join(server.dataDir, 'smooth.db'));
    db.prepare('update training_assignments set due_date = ? where member_id = ?').run('2020-01-15', learnerId);
    db.close();

    await page.goto(at('/lms'));
    const card = page.getByTestId('course-card').filter({ hasText: 'Anti-Bribery Essentials' });
    const due = card.getByTestId('due-date');
    await due.waitFor();
    expect(await due.innerText()).toMatch(/^Overdue — was due 15 Jan 2020$/);
    expect(await due.evaluate((el) => getComputedStyle(el).color)).toBe('rgb(224, 49, 49)');
    // The completed course sits apart, under "Completed".
    const completed = page.getByRole('region', { name: /Completed/ });
    await completed.getByRole('link', { name: COURSE, exact: true }).waitFor();
    expect(await page.getByRole('region', { name: /In progress/ }).getByRole('link', { name: COURSE, exact: true }).count()).toBe(0);
    await checkA11y(page, '/lms with courses');
    await screenshot(page, 'portal-my-courses');

    // HR keeps an employee record for the learner, with a document and a compliance row.
    const hr = admin.request;
    const employee = await ok<Created>(
      await hr.post(at('/api/employees'), { data: { employeeCode: 'E-042', fullName: LEARNER.fullName, userId: learnerId, department: 'Operations' } }),
      201,
    );
    await ok(await hr.post(at('/api/employee-documents'), { data: { employeeId: employee.id, title: 'Signed NDA', issueDate: '2026-01-10' } }), 201);
    const type = await ok<Created>(await hr.post(at('/api/compliance-types'), { data: { name: 'Fire warden training', renewalMonths: 12 } }), 201);
    const row0 = await ok<Created>(await hr.post(at('/api/employee-compliance'), { data: { employeeId: employee.id, complianceTypeId: type.id } }), 201);
    await ok(await hr.post(at(`/api/employee-compliance/${row0.id}/complete`), { data: { completedOn: '2026-11-01' } }), 200);

    await page.getByRole('banner').getByRole('link', { name: 'Profile' }).click();
    const row = page.getByRole('row').filter({ hasText: 'Anti-Bribery Essentials' });
    await row.waitFor();
    expect(await row.innerText()).toMatch(/overdue/i);
    expect(await row.getByRole('cell').nth(1).innerText()).toBe('15 Jan 2020');
    await page.getByTestId('roles').getByText('LMS Student').waitFor();
    const documents = page.getByRole('region', { name: 'HR documents' });
    await documents.getByText('Signed NDA').waitFor();
    expect(await documents.innerText()).toContain('Issued 10 Jan 2026');
    const compliance = page.getByRole('region', { name: 'Compliance' });
    await compliance.getByText('Fire warden training').waitFor();
    expect(await compliance.innerText()).toMatch(/complete/i);
    expect(await compliance.innerText()).toContain('renew by 1 Nov 2027');
    expect(await page.getByRole('main').getByText('E-042').count()).toBe(1);
    // Read-only: nothing on the page edits a record.
    expect(await page.getByRole('main').getByRole('button').count()).toBe(0);
    expect(await page.getByRole('main').getByRole('textbox').count()).toBe(0);
    await checkA11y(page, '/lms/profile');
    await screenshot(page, 'portal-profile');
  });
  it('recommends on My Courses a course like the one completed, saying why', async () => {
    await ok(
      await admin.request.post(at('/api/courses'), {
        data: {
          title: 'Privacy by Design',
          shortIntroduction: 'Building products that respect personal data.',
          category: 'Compliance',
          tags: ['privacy'],
          published: true,
        },
      }),
      201,
    );
    await page.goto(at('/lms'));
    const card = page
      .getByRole('region', { name: 'Recommended for you' })
      .getByTestId('recommendation-card')
      .filter({ hasText: 'Privacy by Design' });
    await card.waitFor();
    expect(await card.getByTestId('recommendation-reason').innerText()).toBe(`Similar to ${COURSE} you completed`);
    await card.getByRole('button', { name: 'Enroll in Privacy by Design' }).waitFor();
    await checkA11y(page, '/lms with recommendations');
    await screenshot(page, 'portal-my-courses-recommended');
  });
  it('shows the instructor the learner on the course dashboard', async () => {
    // Signed in through the API: the first test logged the learner in through the page.
    const { ctx, page: inst, errors } = await signIn(browser, server, INSTRUCTOR, { open: '/lms' });
    await inst.getByRole('main').getByRole('link', { name: 'Teaching' }).click();
    await inst.getByRole('link', { name: `Dashboard of ${COURSE}` }).click();
    await inst.getByRole('heading', { name: `${COURSE}: dashboard`, level: 1 }).waitFor();
    const row = inst.getByTestId('learners-table').getByRole('row').filter({ hasText: LEARNER.fullName });
    await row.waitFor();
    expect(await row.getByTestId('progress-value').innerText()).toBe('100%');
    const quizRows = inst.getByTestId('quiz-results-table').getByRole('row').filter({ hasText: LEARNER.fullName });
    await quizRows.filter({ hasText: 'Failed' }).waitFor();
    await quizRows.filter({ hasText: /\(100%\)\s*Passed/ }).waitFor();
    // The learner's outcome on the quiz (all attempts) is a pass, on both attempts' rows.
    expect(await quizRows.getByTestId('member-outcome').allInnerTexts()).toEqual(['Passed', 'Passed']);
    await inst.locator('.recharts-surface').first().waitFor();
    await checkA11y(inst, 'instructor dashboard');
    await screenshot(inst, 'portal-instructor-dashboard');

    // Filter and search narrow the learners.
    await inst.getByLabel('Search learners').fill('nobody-like-this');
    await inst.getByText('No learner matches.').waitFor();
    await inst.getByLabel('Search learners').fill('lena');
    await row.waitFor();
    await inst.reload();
    await row.waitFor();
    expect(await inst.getByLabel('Search learners').inputValue()).toBe('lena');
    expect(await row.getByRole('cell').nth(3).innerText()).not.toBe('—');
    // Both charts: progress distribution and completion per lesson, each described for screen readers.
    expect(await inst.locator('.recharts-surface').count()).toBe(2);
    expect(await inst.locator('figure[aria-label*="Final check: 1 completed"]').count()).toBe(1);
    expect(await inst.locator('figure[aria-label*="100: 1 learners"]').count()).toBe(1);
    // The status filter.
    await inst.getByRole('combobox', { name: 'Status' }).click();
    await inst.getByRole('option', { name: 'Not started' }).click();
    await inst.getByText('No learner matches.').waitFor();
    await inst.getByRole('combobox', { name: 'Status' }).click();
    await inst.getByRole('option', { name: 'Completed' }).click();
    await row.waitFor();
    expect(new URL(inst.url()).searchParams.get('status')).toBe('completed');
    expect(errors).toEqual([]);
    await ctx.close();

    // The desk's quiz attempts read the same: the failed attempt says the learner passed in another.
    const desk = await admin.newPage();
    await desk.goto(at(`/app/lms-quiz-submission?memberId=${learnerId}`));
    const attempts = desk.getByRole('row').filter({ hasText: LEARNER.fullName });
    await attempts.filter({ hasText: 'Passed in another attempt' }).waitFor();
    expect(await attempts.filter({ hasText: /No\s*Graded\s*Passed in another attempt/ }).count()).toBe(1);
    await desk.close();
  });
  it('logged no script errors', () => {
    expect(pageErrors).toEqual([]);
    // The page's CSP has no unsafe-inline, and the portal rendered every page without a refusal.
    expect(cspViolations).toEqual([]);
  });
});
