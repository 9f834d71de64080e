/**
 * The learning portal in a real browser against a real server and database: a learner enrolls
 * from the catalog, reads the lessons, fails then passes the quiz, reaches 100%, downloads the
 * certificate and checks its verification link; a refusal is explained in plain words; the
 * instructor sees the learner on the course dashboard. Test data is created through the API.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { renderPdf } from '../../src/server/platform/pdf.ts';
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
  type TestServer, UI_WAIT } from './helpers.ts';

const ADMIN = { email: 'admin@example.com', password: 'admin-password-1', fullName: 'Ada Admin' };
const LEARNER = { email: 'lena.learner@example.com', password: 'learner-password-1', fullName: 'Lena Łódź' };
const INSTRUCTOR = { email: 'ivan.instructor@example.com', password: 'instructor-password-1', fullName: 'Ivan Instructor' };
const COURSE = 'Data Protection Basics';
const OTHER = 'Fire Safety Refresher';

interface Created {
  id: string;
}

/** A real WebM video, recorded from a canvas by the browser itself (no encoder on the machine). */
async function recordWebm(context: BrowserContext): Promise<Buffer> {
  const p = await context.newPage();
  await p.setContent('<canvas width="160" height="90"></canvas>');
  const base64 = await p.evaluate(async () => {
    const canvas = document.querySelector('canvas')!;
    const g = canvas.getContext('2d')!;
    const stream = canvas.captureStream(15);
    const rec = new MediaRecorder(stream, { mimeType: 'video/webm' });
    const chunks: Blob[] = [];
    rec.ondataavailable = (e) => chunks.push(e.data);
    const stopped = new Promise((r) => (rec.onstop = r));
    rec.start(100);
    let frame = 0;
    const timer = setInterval(() => {
      g.fillStyle = `hsl(${(frame * 12) % 360} 70% 50%)`;
      g.fillRect(0, 0, 160, 90);
      frame++;
    }, 66);
    await new Promise((r) => setTimeout(r, 1500));
    clearInterval(timer);
    rec.stop();
    await stopped;
    const buf = new Uint8Array(await new Blob(chunks, { type: 'video/webm' }).arrayBuffer());
    let s = '';
    for (const b of buf) s += String.fromCharCode(b);
    return btoa(s);
  });
  await p.close();
  return Buffer.from(base64, 'base64');
}

/** A real PNG course image, drawn on a canvas by the browser. */
async function drawPng(context: BrowserContext): Promise<Buffer> {
  const p = await context.newPage();
  await p.setContent('<canvas width="640" height="360"></canvas>');
  const dataUrl = await p.evaluate(() => {
    const canvas = document.querySelector('canvas')!;
    const g = canvas.getContext('2d')!;
    const gradient = g.createLinearGradient(0, 0, 640, 360);
    gradient.addColorStop(0, '#1c7ed6');
    gradient.addColorStop(1, '#12b886');
    g.fillStyle = gradient;
    g.fillRect(0, 0, 640, 360);
    g.fillStyle = 'rgba(255,255,255,0.85)';
    g.beginPath();
    g.arc(320, 180, 90, 0, Math.PI * 2);
    g.fill();
    return canvas.toDataURL('image/png');
  });
  await p.close();
  return Buffer.from(dataUrl.split(',')[1]!, 'base64');
}

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

describeBrowser('portal: a learner takes a course to its certificate; an instructor follows', () => {
  let server: TestServer;
  let browser: Browser;
  let admin: BrowserContext;
  let learnerCtx: BrowserContext;
  let page: Page;
  let pageErrors: string[];
  let cspViolations: string[];
  let courseId: string;
  let otherId: string;
  let lessons: { text: string; video: string; pdf: string; quiz: string };
  let verificationPath = '';
  let learnerId: string;

  const at = (p: string) => `${server.url}${p}`;
  const progressOf = async (p: Page) => (await p.getByTestId('progress-value').first().innerText()).trim();

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
    admin = await browser.newContext();
    const api = admin.request;
    await ok(await api.post(at('/api/setup'), { data: ADMIN }), 201);
    learnerId = (await ok<Created>(await api.post(at('/api/users'), { data: { ...LEARNER, roles: ['LMS Student'] } }), 201)).id;
    const instructor = await ok<Created>(await api.post(at('/api/users'), { data: { ...INSTRUCTOR, roles: ['Course Creator'] } }), 201);

    const course = await ok<Created>(
      await api.post(at('/api/courses'), {
        data: {
          title: COURSE,
          shortIntroduction: 'How we handle personal data, in four short lessons.',
          category: 'Compliance',
          tags: ['gdpr', 'privacy'],
          published: true,
          mandatory: true,
          enableCertification: true,
          certificateValidityMonths: 12,
          instructorIds: [instructor.id],
        },
      }),
      201,
    );
    courseId = course.id;
    await ok(await api.put(at(`/api/courses/${courseId}/image`), { multipart: { file: { name: 'cover.png', mimeType: 'image/png', buffer: await drawPng(admin) } } }), 200);
    const ch1 = await ok<Created>(await api.post(at(`/api/courses/${courseId}/chapters`), { data: { title: 'The basics' } }), 201);
    const ch2 = await ok<Created>(await api.post(at(`/api/courses/${courseId}/chapters`), { data: { title: 'Check your knowledge' } }), 201);
    const text = await ok<Created>(
      await api.post(at(`/api/chapters/${ch1.id}/lessons`), {
        data: { title: 'What personal data is', kind: 'text', body: '## Personal data\n\nAny information about an **identified** person.\n\n- names\n- emails' },
      }),
      201,
    );
    const video = await ok<Created>(
      await api.post(at(`/api/chapters/${ch1.id}/lessons`), { data: { title: 'A short video', kind: 'video', body: 'Transcript: colours change.' } }),
      201,
    );
    const webm = await recordWebm(admin);
    await ok(await api.put(at(`/api/lessons/${video.id}/file`), { multipart: { file: { name: 'intro.webm', mimeType: 'video/webm', buffer: webm } } }), 200);
    const pdfLesson = await ok<Created>(await api.post(at(`/api/chapters/${ch1.id}/lessons`), { data: { title: 'The policy', kind: 'pdf' } }), 201);
    const pdf = await renderPdf({ content: [{ text: 'Data protection policy — read me.' }] });
    await ok(await api.put(at(`/api/lessons/${pdfLesson.id}/file`), { multipart: { file: { name: 'policy.pdf', mimeType: 'application/pdf', buffer: pdf } } }), 200);
    const quiz = await ok<Created>(
      await api.post(at('/api/quizzes'), {
        data: {
          title: 'Data protection check',
          courseId,
          passingPercentage: 100,
          maxAttempts: 3,
          showAnswers: true,
          questions: [
            {
              kind: 'single',
              text: 'Is an email address personal data?',
              options: [
                { text: 'Yes', correct: true },
                { text: 'No', correct: false },
              ],
            },
            {
              kind: 'multiple',
              text: 'Which of these are personal data?',
              options: [
                { text: 'A name', correct: true },
                { text: 'The weather', correct: false },
                { text: 'A phone number', correct: true },
              ],
            },
          ],
        },
      }),
      201,
    );
    const quizLesson = await ok<Created>(
      await api.post(at(`/api/chapters/${ch2.id}/lessons`), { data: { title: 'Final check', kind: 'quiz', quizId: quiz.id } }),
      201,
    );
    lessons = { text: text.id, video: video.id, pdf: pdfLesson.id, quiz: quizLesson.id };
    const other = await ok<Created>(
      await api.post(at('/api/courses'), { data: { title: OTHER, shortIntroduction: 'Exits and extinguishers.', category: 'Safety', published: true } }),
      201,
    );
    otherId = other.id;

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

  it('searches and filters the catalog, keeping the filters in the URL across a reload', async () => {
    const cards = page.getByTestId('catalog-card');
    await cards.filter({ hasText: COURSE }).waitFor();
    expect(await cards.count()).toBe(2);
    await checkA11y(page, '/lms/catalog');
    await screenshot(page, 'portal-catalog');

    await page.getByLabel('Search').fill('fire');
    await page.waitForURL((u) => u.searchParams.get('q') === 'fire');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="catalog-card"]').length === 1);
    await cards.filter({ hasText: OTHER }).waitFor();

    await page.reload();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="catalog-card"]').length === 1);
    expect(await page.getByLabel('Search').inputValue()).toBe('fire');

    await page.getByLabel('Search').fill('');
    await page.getByLabel('Mandatory only').click();
    await page.waitForURL((u) => u.searchParams.get('mandatory') === 'true' && !u.searchParams.has('q'));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="catalog-card"]').length === 1);
    await cards.filter({ hasText: COURSE }).waitFor();
    await page.getByLabel('Mandatory only').click();
    await page.waitForURL((u) => !u.searchParams.has('mandatory'));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="catalog-card"]').length === 2);

    // Category and tag, chosen from those of the published courses.
    await page.getByRole('combobox', { name: 'Category' }).click();
    await page.getByRole('option', { name: 'Safety' }).click();
    await page.waitForURL((u) => u.searchParams.get('category') === 'Safety');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="catalog-card"]').length === 1);
    await cards.filter({ hasText: OTHER }).waitFor();
    await checkA11y(page, '/lms/catalog filtered by category');
    await page.getByRole('button', { name: 'Clear category' }).click();
    await page.waitForURL((u) => !u.searchParams.has('category'));
    await page.getByRole('combobox', { name: 'Tag' }).click();
    await page.getByRole('option', { name: 'gdpr' }).click();
    await page.waitForURL((u) => u.searchParams.get('tag') === 'gdpr');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="catalog-card"]').length === 1);
    await cards.filter({ hasText: COURSE }).waitFor();
    await page.getByRole('button', { name: 'Clear tag' }).click();
    await page.waitForURL((u) => !u.searchParams.has('tag'));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="catalog-card"]').length === 2);
  });

  it('says in plain words why enrolling in a course that was just unpublished is refused', async () => {
    // The learner has the catalog open (and loaded: no fetch still in flight); meanwhile the course is taken offline.
    await page.waitForLoadState('networkidle');
    await ok(await admin.request.patch(at(`/api/courses/${otherId}`), { data: { published: false } }), 200);
    const card = page.getByTestId('catalog-card').filter({ hasText: OTHER });
    await card.getByRole('button', { name: `Enroll in ${OTHER}` }).click();
    const refusal = card.getByTestId('enroll-refusal');
    await refusal.waitFor();
    expect(await refusal.innerText()).toContain('This course is not open for enrollment');
    expect(await refusal.innerText()).toContain('not published');
    expect(await refusal.innerText()).not.toMatch(/COURSE_NOT_PUBLISHED|422/);
    await checkA11y(page, '/lms/catalog with a refusal');
    await screenshot(page, 'portal-catalog-refusal');
    expect(new URL(page.url()).pathname).toBe('/lms/catalog');
    const mine = await learnerCtx.request.get(at('/api/me/courses'));
    expect(((await mine.json()) as { items: unknown[] }).items).toHaveLength(0);
  });

  it('explains a paid course and one the training team enrolls people in, and enrolls in neither', async () => {
    const paid = await ok<Created>(
      await admin.request.post(at('/api/courses'), { data: { title: 'First Aid at Work', published: true, paid: true, price: 4900, currency: 'EUR' } }),
      201,
    );
    const closed = await ok<Created>(
      await admin.request.post(at('/api/courses'), { data: { title: 'Forklift Licence', published: true, disableSelfEnrollment: true } }),
      201,
    );
    await page.goto(at('/lms/catalog'));
    const paidCard = page.getByTestId('catalog-card').filter({ hasText: 'First Aid at Work' });
    expect(await paidCard.innerText()).toContain('€49.00');
    // The card leads to the course page, where the course is bought; it offers no Enroll that can only fail.
    expect(await paidCard.getByRole('button', { name: /Buy|Enroll/ }).count()).toBe(0);
    await paidCard.getByText('Paid course: buy it on its page.').waitFor();
    await paidCard.getByRole('link', { name: 'About this course First Aid at Work' }).click();
    await page.getByText('This is a paid course: buy it to enroll.').waitFor();
    expect(await page.getByRole('main').getByRole('button', { name: /Enroll/ }).count()).toBe(0);
    expect(await page.getByRole('main').getByRole('button', { name: 'Buy for €49.00' }).count()).toBe(1);
    await checkA11y(page, 'a paid course page');
    await page.goto(at('/lms/catalog'));

    const closedCard = page.getByTestId('catalog-card').filter({ hasText: 'Forklift Licence' });
    expect(await closedCard.getByRole('button', { name: 'Enroll in Forklift Licence' }).isDisabled()).toBe(true);
    await closedCard.getByText('Your training team enrolls people in this course.').waitFor();
    await checkA11y(page, '/lms/catalog with a paid and a closed course');
    await screenshot(page, 'portal-catalog-paid-closed');
    // The card's title opens the course page before enrolling; it says the same, without an Enroll
    // button that can only fail.
    await closedCard.getByRole('heading', { level: 2 }).getByRole('link', { name: 'Forklift Licence' }).click();
    await page.waitForURL((u) => u.pathname === `/lms/courses/${closed.id}`);
    await page.getByText('Your training team enrolls people in it').waitFor();
    // It says before anyone starts that it gives no certificate.
    expect(await page.getByTestId('certificate-badge').innerText()).toBe('No certificate');
    expect(await page.getByRole('main').getByRole('button', { name: /Enroll|Buy/ }).count()).toBe(0);

    const mine = await learnerCtx.request.get(at('/api/me/courses'));
    expect(((await mine.json()) as { items: unknown[] }).items).toHaveLength(0);
    // Out of the way of the steps that follow.
    for (const id of [paid.id, closed.id]) await ok(await admin.request.patch(at(`/api/courses/${id}`), { data: { published: false } }), 200);
    await page.goto(at('/lms/catalog'));
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

  it('logged no script errors (the refused enrollments answer 402 and 422 on purpose)', () => {
    expect(pageErrors.filter((e) => !/status of (402|422)/.test(e))).toEqual([]);
    // The page's CSP has no unsafe-inline, and the portal rendered every page without a refusal.
    expect(cspViolations).toEqual([]);
  });
});
