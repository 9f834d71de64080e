/**
 * Leaving a course from the portal: a learner who enrolled themselves sees "Leave course" on the
 * course page, confirms, and lands on My Courses without it; a mandatory course offers no way out.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { checkA11y, describeBrowser, launchBrowser, ok, signIn, startTestServer, type TestServer } from './helpers.ts';

const ADMIN = { email: 'admin@example.com', password: 'admin-password-1', fullName: 'Ada Admin' };
const LEARNER = { email: 'lea.leaver@example.com', password: 'learner-password-1', fullName: 'Lea Leaver' };

describeBrowser('portal: a learner leaves a course they chose', () => {
  let server: TestServer;
  let browser: Browser;
  let admin: BrowserContext;
  let learnerCtx: BrowserContext;
  let page: Page;
  let pageErrors: string[];
  const courses: Record<'optional' | 'mandatory', string> = { optional: '', mandatory: '' };
  const at = (p: string) => `${server.url}${p}`;

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
    admin = await browser.newContext();
    const api = admin.request;
    await ok(await api.post(at('/api/setup'), { data: ADMIN }), 201);
    await ok(await api.post(at('/api/users'), { data: { ...LEARNER, roles: ['LMS Student'] } }), 201);
    for (const [key, title, mandatory] of [
      ['optional', 'Spreadsheet Tips', false],
      ['mandatory', 'Code of Conduct', true],
    ] as const) {
      const c = await ok<{ id: string }>(await api.post(at('/api/courses'), { data: { title, published: true, mandatory } }), 201);
      const ch = await ok<{ id: string }>(await api.post(at(`/api/courses/${c.id}/chapters`), { data: { title: 'Start' } }), 201);
      await ok(await api.post(at(`/api/chapters/${ch.id}/lessons`), { data: { title: 'Welcome', kind: 'text', body: 'Hello.' } }), 201);
      courses[key] = c.id;
    }
    ({ ctx: learnerCtx, page, errors: pageErrors } = await signIn(browser, server, LEARNER));
    for (const id of Object.values(courses))
      await ok(await learnerCtx.request.post(at(`/api/courses/${id}/enroll`), { headers: { origin: server.url } }), 201);
  }, 120_000);

  afterAll(async () => {
    await learnerCtx?.close();
    await admin?.close();
    await browser?.close();
    await server?.close();
  });

  it('offers no way out of a mandatory course', async () => {
    await page.goto(at(`/lms/courses/${courses.mandatory}`));
    await page.getByRole('heading', { name: 'Code of Conduct', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Start the course' }).waitFor();
    expect(await page.getByRole('button', { name: 'Leave course' }).count()).toBe(0);
  });

  it('asks before leaving; "Stay enrolled" keeps the course, confirming leaves it and returns to My Courses', async () => {
    await page.goto(at(`/lms/courses/${courses.optional}`));
    await page.getByRole('heading', { name: 'Spreadsheet Tips', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Leave course' }).click();
    const dialog = page.getByRole('dialog', { name: 'Leave Spreadsheet Tips?' });
    await dialog.getByText('Your progress in this course will be removed.').waitFor();
    // Checked once the opening transition is over (half-faded text would fail the contrast rule).
    await page.waitForFunction(() => {
      const content = document.querySelector('.mantine-Modal-content');
      return !!content && getComputedStyle(content).opacity === '1' && !content.getAnimations({ subtree: true }).length;
    });
    await checkA11y(page, 'leave course dialog');
    await dialog.getByRole('button', { name: 'Stay enrolled' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Leave course' }).click();
    await page.getByRole('dialog', { name: 'Leave Spreadsheet Tips?' }).getByRole('button', { name: 'Leave course' }).click();
    await page.waitForURL((u) => u.pathname === '/lms');
    // One card left, the mandatory course's (the course left may still be suggested below).
    await page.getByTestId('course-card').filter({ hasText: 'Code of Conduct' }).waitFor();
    expect(await page.getByTestId('course-card').allInnerTexts()).toEqual([expect.stringContaining('Code of Conduct')]);
    const mine = await ok<{ items: { course: { id: string } }[] }>(await learnerCtx.request.get(at('/api/me/courses')), 200);
    expect(mine.items.map((i) => i.course.id)).toEqual([courses.mandatory]);
    expect(pageErrors).toEqual([]);
  });
});
