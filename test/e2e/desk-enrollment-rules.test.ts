/**
 * Enrollment rules in the desk, seen by the learner in the portal: staff suspend an enrollment
 * with a reason (the learner's course page says "Suspended" with the reason and offers no lesson
 * links), resume it, and mark the course complete by hand (the certificate appears for the learner).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { checkA11y, describeBrowser, launchBrowser, ok, screenshot, startTestServer, watchPageErrors, type TestServer, UI_WAIT } from './helpers.ts';

const ADMIN = { email: 'rules.admin@example.com', password: 'admin-password-1', fullName: 'Ada Admin' };
const LEARNER = { email: 'sam.suspended@example.com', password: 'learner-password-1', fullName: 'Sam Learner' };

/** Waits until the open modal has finished its opening transition (axe would see half-faded text). */
async function modalSettled(page: Page) {
  await page.waitForFunction(() => {
    const content = document.querySelector('.mantine-Modal-content');
    return !!content && getComputedStyle(content).opacity === '1' && !content.getAnimations({ subtree: true }).length;
  });
}

describeBrowser('desk: suspend, resume and mark an enrollment complete; the portal follows', () => {
  let server: TestServer;
  let browser: Browser;
  let admin: BrowserContext;
  let learnerCtx: BrowserContext;
  let desk: Page;
  let portal: Page;
  let deskErrors: string[];
  let portalErrors: string[];
  let courseId = '';
  let enrollmentId = '';
  const at = (p: string) => `${server.url}${p}`;

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
    admin = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    admin.setDefaultTimeout(UI_WAIT);
    const api = admin.request;
    await ok(await api.post(at('/api/setup'), { data: ADMIN }), 201);
    const learner = await ok<{ id: string }>(await api.post(at('/api/users'), { data: { ...LEARNER, roles: ['LMS Student'] } }), 201);
    const c = await ok<{ id: string }>(await api.post(at('/api/courses'), { data: { title: 'Working at Height', published: true, enableCertification: true } }), 201);
    courseId = c.id;
    const ch = await ok<{ id: string }>(await api.post(at(`/api/courses/${c.id}/chapters`), { data: { title: 'Basics' } }), 201);
    for (const title of ['Harness check', 'Ladder rules'])
      await ok(await api.post(at(`/api/chapters/${ch.id}/lessons`), { data: { title, kind: 'text', body: `${title}.` } }), 201);
    enrollmentId = (await ok<{ id: string }>(await api.post(at('/api/enrollments'), { data: { courseId, memberId: learner.id } }), 201)).id;
    learnerCtx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    learnerCtx.setDefaultTimeout(UI_WAIT);
    await ok(await learnerCtx.request.post(at('/api/auth/login'), { data: { email: LEARNER.email, password: LEARNER.password } }), 200);
    desk = await admin.newPage();
    portal = await learnerCtx.newPage();
    deskErrors = watchPageErrors(desk);
    portalErrors = watchPageErrors(portal);
  }, 120_000);

  afterAll(async () => {
    await learnerCtx?.close();
    await admin?.close();
    await browser?.close();
    await server?.close();
  });

  it('suspends with a reason from the desk; the learner sees "Suspended" with the reason and no lesson links', async () => {
    await desk.goto(at(`/app/lms-enrollment/${enrollmentId}`));
    await desk.getByRole('heading', { name: 'Enrollment of Sam Learner' }).waitFor();
    await desk.getByText('Active', { exact: true }).first().waitFor();
    await desk.getByRole('button', { name: 'Suspend' }).click();
    const dialog = desk.getByRole('dialog', { name: 'Suspend this enrollment?' });
    await dialog.waitFor();
    await modalSettled(desk);
    // Without a reason the form says so next to the field and sends nothing.
    await dialog.getByRole('button', { name: 'Suspend' }).click();
    await dialog.getByText('Give the reason.').waitFor();
    await checkA11y(desk, 'suspend enrollment dialog');
    await dialog.getByLabel('Reason').fill('Safety induction not signed');
    await dialog.getByRole('button', { name: 'Suspend' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await desk.getByTestId('enrollment-rules').getByText('Safety induction not signed', { exact: false }).waitFor();
    await desk.getByRole('button', { name: 'Resume' }).waitFor();
    await screenshot(desk, 'desk-enrollment-suspended');

    await portal.goto(at(`/lms/courses/${courseId}`));
    await portal.getByRole('heading', { name: 'Working at Height', level: 1 }).waitFor();
    const notice = portal.getByTestId('suspended-notice');
    await notice.waitFor();
    expect(await notice.innerText()).toContain('Suspended');
    expect(await notice.innerText()).toContain('Reason: Safety induction not signed');
    await portal.getByText('Harness check').waitFor();
    expect(await portal.getByRole('link', { name: 'Harness check' }).count()).toBe(0);
    expect(await portal.getByRole('link', { name: 'Start the course' }).count()).toBe(0);
    await checkA11y(portal, 'suspended course page');
    await screenshot(portal, 'portal-course-suspended');
  });

  it('resumes from the desk; the lessons open again', async () => {
    await desk.getByRole('button', { name: 'Resume' }).click();
    await desk.getByRole('button', { name: 'Suspend' }).waitFor();
    await portal.goto(at(`/lms/courses/${courseId}`));
    await portal.getByRole('link', { name: 'Harness check' }).waitFor();
    expect(await portal.getByTestId('suspended-notice').count()).toBe(0);
  });

  it('marks the course complete with a reason; the desk shows who and why, the learner gets the certificate', async () => {
    await desk.getByRole('button', { name: 'Mark complete' }).click();
    const dialog = desk.getByRole('dialog', { name: 'Mark this course complete?' });
    await dialog.waitFor();
    await modalSettled(desk);
    await checkA11y(desk, 'mark complete dialog');
    await dialog.getByLabel('Reason').fill('Attended the classroom session on 1 December');
    await dialog.getByRole('button', { name: 'Mark complete' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const marked = desk.getByTestId('manual-completion');
    await marked.waitFor();
    expect(await marked.innerText()).toContain('by Ada Admin');
    expect(await marked.innerText()).toContain('Attended the classroom session on 1 December');
    await desk.getByText('Completed', { exact: true }).first().waitFor();
    expect(await desk.getByRole('button', { name: 'Mark complete' }).count()).toBe(0);

    await portal.goto(at(`/lms/courses/${courseId}`));
    await portal.getByRole('heading', { name: 'Your certificate' }).waitFor();
    await portal.getByRole('link', { name: 'Download PDF' }).waitFor();
    expect(await portal.getByRole('progressbar', { name: 'Progress in Working at Height' }).getAttribute('aria-valuenow')).toBe('100');
    expect(deskErrors).toEqual([]);
    expect(portalErrors).toEqual([]);
  });
});
