/**
 * The SCORM player in a real Chromium: the portal plays the public 1.2 and 2004 "Run-time Basic
 * Calls" samples (Rustici Software, CC BY 3.0) through scorm-again to completion by pressing the
 * packages' own Next and Exit buttons, and the enrollment's progress moves; a page closed in the
 * middle of a lesson keeps its last state (the closing commit goes by navigator.sendBeacon), and
 * the lesson resumes there. A package with several SCOs shows its table of contents.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { APIRequestContext, Browser, BrowserContext, FrameLocator, Page } from 'playwright-core';
import { makeZip } from '../helpers/scorm.ts';
import { checkA11y, describeBrowser, launchBrowser, ok, startTestServer, watchPageErrors, type TestServer, UI_WAIT } from './helpers.ts';

const SAMPLES = path.resolve(import.meta.dirname, '../fixtures/scorm-samples');
const ADMIN = { email: 'admin@example.com', password: 'admin-password-1', fullName: 'Ada Admin' };
const LEARNER = { email: 'sam.scorm@example.com', password: 'learner-password-1', fullName: 'Sam Scorm' };

type Outline = { enrollment: { progress: number } | null; chapters: { lessons: { id: string; completed: boolean }[] }[] };

describeBrowser('portal: SCORM lessons play real packages and count', () => {
  let server: TestServer;
  let browser: Browser;
  let admin: BrowserContext;
  let learnerCtx: BrowserContext;
  let courseId = '';
  const lessons = { scorm12: '', scorm2004: '', multi: '' };
  const at = (p: string) => `${server.url}${p}`;

  async function upload(api: APIRequestContext, file: string): Promise<{ id: string }> {
    const buffer = fs.readFileSync(path.join(SAMPLES, file));
    return ok(await api.post(at('/api/scorm-packages'), { multipart: { file: { name: file, mimeType: 'application/zip', buffer } } }), 201);
  }

  async function outline(): Promise<Outline> {
    return ok(await learnerCtx.request.get(at(`/api/courses/${courseId}/outline`)), 200);
  }

  async function attempt(lessonId: string) {
    return ok<{
      scos: { attempt: { location: string; completionStatus: string; exit: string; sessionSeconds: number } | null }[];
      lessonCompleted: boolean;
    }>(await learnerCtx.request.get(at(`/api/lessons/${lessonId}/scorm-attempt`)), 200);
  }

  async function openLesson(page: Page, lessonId: string): Promise<FrameLocator> {
    await page.goto(at(`/lms/courses/${courseId}/lessons/${lessonId}`));
    await page.getByTestId('scorm-frame').waitFor();
    const launch = page.frameLocator('[data-testid="scorm-frame"]');
    await launch.locator('#butNext').waitFor();
    return launch;
  }

  /** Presses the package's own Next button until the last page. */
  async function toTheEnd(launch: FrameLocator): Promise<void> {
    const next = launch.locator('#butNext');
    for (let i = 0; i < 30 && (await next.isEnabled()); i++) await next.click();
    expect(await next.isEnabled()).toBe(false);
  }

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
    admin = await browser.newContext();
    const api = admin.request;
    await ok(await api.post(at('/api/setup'), { data: ADMIN }), 201);
    await ok(await api.post(at('/api/users'), { data: { ...LEARNER, roles: ['LMS Student'] } }), 201);
    const p12 = await upload(api, 'RuntimeBasicCalls_SCORM12.zip');
    const p2004 = await upload(api, 'RuntimeBasicCalls_SCORM20043rdEdition.zip');
    const pMulti = await upload(api, 'RuntimeMinimumCalls_SCORM12.zip');
    const c = await ok<{ id: string }>(await api.post(at('/api/courses'), { data: { title: 'Golf Explained', published: true } }), 201);
    courseId = c.id;
    const ch = await ok<{ id: string }>(await api.post(at(`/api/courses/${c.id}/chapters`), { data: { title: 'On the course' } }), 201);
    const lesson = async (title: string, scormPackageId: string) =>
      (
        await ok<{ id: string }>(
          await api.post(at(`/api/chapters/${ch.id}/lessons`), { data: { title, kind: 'scorm', scormPackageId } }),
          201,
        )
      ).id;
    lessons.scorm12 = await lesson('Golf basics (SCORM 1.2)', p12.id);
    lessons.scorm2004 = await lesson('Golf basics (SCORM 2004)', p2004.id);
    lessons.multi = await lesson('Golf in small parts', pMulti.id);
    await ok(await api.post(at(`/api/chapters/${ch.id}/lessons`), { data: { title: 'Wrap-up', kind: 'text', body: 'Well played.' } }), 201);

    learnerCtx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    learnerCtx.setDefaultTimeout(UI_WAIT);
    await ok(await learnerCtx.request.post(at('/api/auth/login'), { data: { email: LEARNER.email, password: LEARNER.password } }), 200);
    await ok(await learnerCtx.request.post(at(`/api/courses/${courseId}/enroll`), { headers: { origin: server.url } }), 201);
  }, 120_000);

  afterAll(async () => {
    await learnerCtx?.close();
    await admin?.close();
    await browser?.close();
    await server?.close();
  });

  it('plays the SCORM 1.2 sample to completion; the progress moves', async () => {
    const page = await learnerCtx.newPage();
    const errors = watchPageErrors(page);
    const launch = await openLesson(page, lessons.scorm12);
    await toTheEnd(launch);
    await launch.locator('#butExit').click();
    await expect.poll(async () => (await outline()).enrollment?.progress, { timeout: UI_WAIT }).toBe(25);
    const a = await attempt(lessons.scorm12);
    expect(a.lessonCompleted).toBe(true);
    expect(a.scos[0]!.attempt).toMatchObject({ completionStatus: 'completed', location: '15' });
    await page.getByTestId('scorm-lesson-complete').waitFor();
    await checkA11y(page, 'SCORM 1.2 lesson');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('a page closed in the middle of the 2004 sample keeps its last state; the lesson resumes there and completes', async () => {
    const page = await learnerCtx.newPage();
    const launch = await openLesson(page, lessons.scorm2004);
    for (let i = 0; i < 3; i++) await launch.locator('#butNext').click();
    // Closing the tab: the package's unload handler terminates, and the commit goes by sendBeacon.
    await page.close({ runBeforeUnload: true });
    await expect.poll(async () => (await attempt(lessons.scorm2004)).scos[0]!.attempt?.location, { timeout: UI_WAIT }).toBe('3');
    const stored = (await attempt(lessons.scorm2004)).scos[0]!.attempt!;
    expect(stored).toMatchObject({ completionStatus: 'incomplete', exit: 'suspend' });
    expect((await outline()).enrollment?.progress).toBe(25);

    const again = await learnerCtx.newPage();
    const errors = watchPageErrors(again);
    let asked = '';
    again.on('dialog', (d) => {
      asked = d.message();
      void d.accept();
    });
    const resumed = await openLesson(again, lessons.scorm2004);
    await expect.poll(() => asked).toContain('resume');
    // Resumed on page 3: three more pages than the start are behind it.
    await toTheEnd(resumed);
    await resumed.locator('#butExit').click();
    await expect.poll(async () => (await outline()).enrollment?.progress, { timeout: UI_WAIT }).toBe(50);
    expect((await attempt(lessons.scorm2004)).lessonCompleted).toBe(true);
    expect(errors).toEqual([]);
    await again.close();
  }, 120_000);

  it('a package with several SCOs has a table of contents with each item’s state', async () => {
    const page = await learnerCtx.newPage();
    await page.goto(at(`/lms/courses/${courseId}/lessons/${lessons.multi}`));
    const toc = page.getByRole('navigation', { name: 'Contents of the package' });
    await toc.getByText('How to Play').waitFor();
    expect(await toc.getByRole('button').count()).toBe(18);
    // The first SCO has started (it makes only LMSInitialize and LMSFinish).
    await page.waitForFunction(() => (window as unknown as { API?: { isInitialized(): boolean } }).API?.isInitialized() === true);
    await page.getByRole('button', { name: 'Next item' }).click();
    await expect.poll(async () => (await attempt(lessons.multi)).scos[0]!.attempt?.completionStatus, { timeout: UI_WAIT }).toBe('completed');
    await toc
      .getByRole('button', { name: /How to Play/ })
      .getByText('Completed')
      .waitFor();
    await checkA11y(page, 'SCORM multi-SCO lesson');
    // The course outline answers "progress stuck": which part is not done and what it reported.
    await page.goto(at(`/lms/courses/${courseId}`));
    await page
      .getByTestId('scorm-reason')
      .getByText(/2 of 18 parts done; “Keeping Score” not started/)
      .waitFor();
    await checkA11y(page, 'course outline with a pending SCORM lesson');
    await page.close();
  }, 120_000);

  it('staff add a SCORM lesson with its zip in the desk; a refused zip says why next to the field', async () => {
    const page = await admin.newPage();
    await ok(await admin.request.post(at('/api/auth/login'), { data: { email: ADMIN.email, password: ADMIN.password } }), 200);
    await page.goto(at(`/app/lms-course/${courseId}`));
    const title = page.getByLabel('New lesson title').first();
    await title.waitFor();
    await title.fill('Golf again');
    await page.getByLabel('Kind').first().click();
    await page.getByRole('option', { name: 'SCORM package' }).click();
    const chooser = page.waitForEvent('filechooser');
    await page.getByLabel('SCORM package (.zip)').first().click();
    await (
      await chooser
    ).setFiles({
      name: 'not-scorm.zip',
      mimeType: 'application/zip',
      buffer: await makeZip([{ name: 'readme.txt', data: 'not a package' }]),
    });
    await page.getByRole('button', { name: 'Add lesson' }).first().click();
    await page.getByText('no imsmanifest.xml at its root').waitFor();
    const chooser2 = page.waitForEvent('filechooser');
    await page.getByLabel('SCORM package (.zip)').first().click();
    await (await chooser2).setFiles(path.join(SAMPLES, 'RuntimeBasicCalls_SCORM12.zip'));
    await page.getByRole('button', { name: 'Add lesson' }).first().click();
    await page.getByText('Golf again').waitFor();
    await checkA11y(page, 'desk course editor after adding a SCORM lesson');

    // Its author, not enrolled, tries it in the portal: the package runs and nothing is recorded.
    const outline = await ok<{ chapters: { lessons: { id: string; title: string }[] }[] }>(await admin.request.get(at(`/api/courses/${courseId}/outline`)), 200);
    const golf = outline.chapters.flatMap((c) => c.lessons).find((l) => l.title === 'Golf again')!;
    const commits: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/scorm-attempt') && r.method() !== 'GET') commits.push(r.method());
    });
    await page.goto(at(`/lms/courses/${courseId}/lessons/${golf.id}`));
    await page.getByText('nothing it reports is recorded', { exact: false }).waitFor();
    await page.waitForFunction(() => (window as unknown as { API?: { isInitialized(): boolean } }).API?.isInitialized() === true);
    await page.evaluate(() => (window as unknown as { API: { LMSSetValue(k: string, v: string): string; LMSCommit(s: string): string } }).API.LMSCommit(''));
    const stored = await ok<{ items: { memberName: string }[] }>(await admin.request.get(at(`/api/scorm-attempts?lessonId=${golf.id}`)), 200);
    expect(stored.items).toEqual([]);
    expect(commits).toEqual([]);
    await page.close();
  }, 120_000);

  it('staff see the attempts and scores in the instructor dashboard', async () => {
    const page = await admin.newPage();
    await ok(await admin.request.post(at('/api/auth/login'), { data: { email: ADMIN.email, password: ADMIN.password } }), 200);
    await page.goto(at(`/lms/courses/${courseId}/dashboard`));
    const table = page.getByTestId('scorm-results-table');
    await table.waitFor();
    await table.getByRole('row').filter({ hasText: 'Golf basics (SCORM 1.2)' }).getByText('Completed').waitFor();
    await table.getByRole('row').filter({ hasText: 'Golf basics (SCORM 2004)' }).getByText(LEARNER.fullName).waitFor();
    await checkA11y(page, 'instructor dashboard with SCORM results');
    await page.close();
  }, 120_000);
});
