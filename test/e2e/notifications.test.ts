/**
 * Notifications in a real browser: the learner's bell counts the unread notification of an
 * enrollment, the notifications page lists it in words and marks it read, the preferences page
 * saves a daily digest; a System Manager's desk page shows the outbox (with the banner that SMTP is
 * not configured) and opens a message, runs a job by hand, previews a template and keeps unsaved
 * words. Test data is created through the API.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { checkA11y, describeBrowser, launchBrowser, ok, screenshot, signIn, startTestServer, type Credentials, type TestServer } from './helpers.ts';

const ADMIN = { email: 'admin@example.com', password: 'admin-password-1', fullName: 'Ada Admin' };
const LEARNER = { email: 'nora.notified@example.com', password: 'learner-password-1', fullName: 'Nora Notified' };
const COURSE = 'Workplace Safety Essentials';

/** Run now on the jobs page, confirmed in the dialog that asks first. */
async function runNow(page: Page, label: string): Promise<void> {
  await page.getByRole('button', { name: new RegExp(`^Run now\\W+${label}$`) }).click();
  const dialog = page.getByRole('dialog', { name: `Run “${label}” now?` });
  await dialog.getByText('anything it tells people reaches them in the app and by mail').waitFor();
  await dialog.getByRole('button', { name: 'Run now' }).click();
}

describeBrowser('notifications: the bell, the notifications and preferences pages, the desk page', () => {
  let server: TestServer;
  let browser: Browser;
  let admin: BrowserContext;
  const at = (p: string) => `${server.url}${p}`;

  // Signed in through the API (setup-login.test.ts logs in through the page).
  const login = (who: Credentials, next: string) => signIn(browser, server, who, { open: next });

  beforeAll(async () => {
    delete process.env.SMOOTH_SMTP_URL;
    server = await startTestServer();
    browser = await launchBrowser();
    admin = await browser.newContext();
    const api = admin.request;
    await ok(await api.post(at('/api/setup'), { data: ADMIN }), 201);
    const learner = await ok<{ id: string }>(await api.post(at('/api/users'), { data: { ...LEARNER, roles: ['LMS Student'] } }), 201);
    const course = await ok<{ id: string }>(await api.post(at('/api/courses'), { data: { title: COURSE, published: true } }), 201);
    await ok(await api.post(at('/api/enrollments'), { data: { courseId: course.id, memberId: learner.id } }), 201);
    // The learner is told by the minute job; run it now rather than wait for the schedule.
    await ok(await api.post(at('/api/jobs/notifications.enrolled/run')), 200);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('the learner sees the unread count, reads the notification and chooses a daily digest', async () => {
    const { ctx, page, errors } = await login(LEARNER, '/lms');
    try {
      const bell = page.getByRole('link', { name: 'Notifications, 1 unread' });
      // A phone's header has the bell too (its links are in the menu); a tablet's has no room.
      await page.setViewportSize({ width: 390, height: 844 });
      await bell.waitFor();
      await page.setViewportSize({ width: 1000, height: 800 });
      await bell.waitFor({ state: 'hidden' });
      await page.setViewportSize({ width: 1366, height: 850 });
      await bell.waitFor();
      await bell.click();
      await page.waitForURL((u) => u.pathname === '/lms/notifications');
      await page.getByRole('heading', { name: `You are enrolled in ${COURSE}` }).waitFor();
      const card = page.getByTestId('notification').first();
      expect(await card.innerText()).toContain('Hello Nora Notified');
      // The body's link is the card's link, named as in the mail, and not repeated as text.
      const start = card.getByRole('link', { name: 'Open the course' });
      expect(await start.getAttribute('href')).toMatch(/^\/lms\/courses\/\w+$/);
      expect((await card.innerText()).match(/Open the course/g)).toHaveLength(1);
      await checkA11y(page, 'notifications page');
      await screenshot(page, 'notifications-page');
      await page.getByRole('button', { name: new RegExp(`^Mark as read\\W+You are enrolled in ${COURSE}$`) }).waitFor();
      // Mark all as read: the bell goes quiet and nothing is left to mark.
      await page.getByRole('button', { name: 'Mark all as read' }).click();
      await page.getByRole('link', { name: 'Notifications, none unread' }).waitFor();
      await expect.poll(() => page.getByRole('button', { name: /^Mark (all )?as read/ }).count()).toBe(0);
      await page.getByRole('link', { name: 'Email preferences' }).click();
      await page.waitForURL((u) => u.pathname === '/lms/notifications/preferences');
      await page.getByLabel("One email a day with the day's notifications").check();
      await page.getByRole('button', { name: 'Save preferences' }).click();
      await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
      await checkA11y(page, 'preferences page');
      await page.reload();
      await page.getByLabel("One email a day with the day's notifications").waitFor();
      expect(await page.getByLabel("One email a day with the day's notifications").isChecked()).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await ctx.close();
    }
  }, 120_000);

  it('a System Manager sees the outbox waiting for SMTP, runs a job and previews a template', async () => {
    const { ctx, page, errors } = await login(ADMIN, '/app/notifications');
    try {
      await page.getByTestId('smtp-banner').waitFor();
      expect(await page.getByTestId('smtp-banner').innerText()).toContain('SMTP is not configured');
      await page.getByRole('cell', { name: `You are enrolled in ${COURSE}` }).waitFor();
      expect(await page.getByRole('cell', { name: LEARNER.email }).count()).toBe(1);
      // A waiting message without a mail server is not due at a time already past: it goes once SMTP is set up.
      expect(await page.getByRole('row').filter({ hasText: `You are enrolled in ${COURSE}` }).innerText()).toContain('When SMTP is set up');
      expect(await page.getByTestId('outbox-count').innerText()).toMatch(/^\d+ messages?$/);
      // Who a message is for, by name; the message opens to read, in both of its parts.
      const row = page.getByRole('row').filter({ hasText: `You are enrolled in ${COURSE}` });
      expect(await row.innerText()).toContain(LEARNER.fullName);
      await checkA11y(page, 'desk outbox');
      await row.getByRole('button', { name: `You are enrolled in ${COURSE}` }).click();
      const message = page.getByRole('dialog', { name: `You are enrolled in ${COURSE}` });
      await message.getByTestId('outbox-message').waitFor();
      expect(await message.getByRole('table').innerText()).toMatch(new RegExp(`To\\s+${LEARNER.fullName} <${LEARNER.email}>[\\s\\S]*About\\s+Enrolled in a course`));
      await message.frameLocator('iframe[title="The HTML part of the mail"]').getByRole('link', { name: 'Open the course' }).waitFor();
      await message.getByRole('tab', { name: 'As plain text' }).click();
      const plain = await message.getByTestId('mail-text').innerText();
      expect(plain).toContain(`Hello ${LEARNER.fullName}`);
      // Words, not Markdown: no emphasis marks, the link as its words and its address.
      expect(plain).toMatch(new RegExp(`You are now enrolled in ${COURSE}\\.\\s+Open the course: http`));
      expect(plain).not.toContain('**');
      await checkA11y(page, 'desk outbox message');
      // The open message is in the address: a reload shows it again; closing it takes it out.
      await page.reload();
      await message.getByTestId('outbox-message').waitFor();
      await message.getByRole('button', { name: 'Close' }).click();
      await page.waitForURL((u) => !u.search.includes('message='));
      // So is the status filter.
      await page.getByRole('combobox', { name: 'Status', exact: true }).click();
      await page.getByRole('option', { name: 'Waiting to be sent' }).click();
      await page.waitForURL((u) => u.searchParams.get('status') === 'pending');
      await page.reload();
      expect(await page.getByRole('combobox', { name: 'Status', exact: true }).inputValue()).toBe('Waiting to be sent');
      await row.waitFor();
      // The desk's header has the portal's bell, with the System Manager's own unread count.
      const unread = await ok<{ count: number }>(await ctx.request.get(at('/api/me/notifications/unread-count')), 200);
      const bell = page.getByTestId('notification-bell');
      await expect.poll(() => bell.getAttribute('aria-label')).toBe(unread.count === 0 ? 'Notifications, none unread' : `Notifications, ${unread.count} unread`);
      expect(await bell.getAttribute('href')).toBe('/lms/notifications');
      // The tab is in the address: a reload opens it again.
      await page.getByRole('tab', { name: 'Jobs' }).click();
      await page.waitForURL((u) => u.search === '?tab=jobs');
      await page.reload();
      await page.getByRole('tab', { name: 'Jobs', selected: true }).waitFor();
      // Jobs read in words: what they do, when, and what the last run did.
      const reminders = page.getByRole('row').filter({ hasText: 'Training reminders and escalations' });
      expect(await reminders.innerText()).toContain('Daily at 06:00');
      await runNow(page, 'Training reminders and escalations');
      await page.getByRole('status').filter({ hasText: 'Training reminders and escalations finished' }).waitFor();
      expect(await page.getByRole('status').filter({ hasText: 'finished' }).innerText()).toMatch(/Due soon: 0 · Overdue: 0/);
      await expect.poll(() => reminders.innerText()).toMatch(/Done\s+Due soon: 0/);
      expect(await reminders.innerText()).toContain('smooth jobs run notifications.reminders');
      // A job that runs others' steps reads their counts; one without counts says no more than "Done".
      const expiry = page.getByRole('row').filter({ hasText: 'Certificates: expire and warn before expiry' });
      await runNow(page, 'Certificates: expire and warn before expiry');
      await expect.poll(() => expiry.innerText()).toMatch(/Done\s+Marked: expiring 0, expired 0 · Notified: expiring 0, expired 0/);
      const fold = page.getByRole('row').filter({ hasText: 'Compliance widget: fold counters' });
      await runNow(page, 'Compliance widget: fold counters');
      await expect.poll(() => fold.innerText()).toMatch(/Done\s+Nothing to fold on SQLite/);
      expect(await page.getByRole('table').innerText()).not.toMatch(/Done\s+Done|false|true/);
      await checkA11y(page, 'desk jobs');
      // Preview, then a placeholder the message does not have: said next to the field.
      await page.getByRole('tab', { name: 'Templates' }).click();
      await page.getByLabel('Subject').fill('You are enrolled in {{courseName}}');
      await page.getByRole('button', { name: 'Save template' }).click();
      await page.getByText('{{courseName}} is not a placeholder of this message.', { exact: false }).waitFor();
      await page.getByRole('tab', { name: 'Jobs' }).click();
      await page.getByRole('tab', { name: 'Templates' }).click();
      await page.getByLabel('Subject').fill('Welcome aboard {{courseTitle}}');
      await page.getByRole('button', { name: 'Preview with sample data' }).click();
      const preview = page.getByTestId('template-preview');
      await preview.getByRole('heading', { name: 'Welcome aboard Fire Safety Basics' }).waitFor();
      // The preview has both parts: the plain-text one as mail carries it (no Markdown marks).
      await preview.getByRole('tab', { name: 'As plain text' }).click();
      const previewText = await preview.getByTestId('mail-text').innerText();
      expect(previewText).toContain('Hello Sam Taylor');
      expect(previewText).toContain('enrolled in Fire Safety Basics.');
      expect(previewText).not.toContain('**');
      await checkA11y(page, 'desk templates');
      await screenshot(page, 'notifications-desk-templates');
      // Words not saved stay when another event is opened (and the list says so), and can be undone.
      expect(await page.getByTestId('template-unsaved').innerText()).toContain('Not saved yet');
      const event = page.getByRole('combobox', { name: 'Event', exact: true });
      await event.click();
      await page.getByRole('option', { name: 'Certificate issued' }).click();
      await page.waitForURL((u) => u.searchParams.get('event') === 'certificate.issued');
      await expect.poll(() => page.getByLabel('Subject').inputValue()).toBe('Your certificate for {{courseTitle}}');
      await event.click();
      await page.getByRole('option', { name: 'Enrolled in a course — not saved' }).click();
      await expect.poll(() => page.getByLabel('Subject').inputValue()).toBe('Welcome aboard {{courseTitle}}');
      await page.getByRole('button', { name: 'Undo my changes' }).click();
      await expect.poll(() => page.getByLabel('Subject').inputValue()).toBe('You are enrolled in {{courseTitle}}');
      expect(await page.getByRole('button', { name: 'Save template' }).isDisabled()).toBe(true);
      // Saved words are put back to the default only after a question.
      await page.getByLabel('Subject').fill('Welcome aboard {{courseTitle}}');
      await page.getByRole('button', { name: 'Save template' }).click();
      await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
      await page.getByRole('button', { name: 'Put the default back' }).click();
      const ask = page.getByRole('dialog', { name: 'Put the default “Enrolled in a course” message back?' });
      await ask.getByRole('button', { name: 'Cancel' }).click();
      await ask.waitFor({ state: 'hidden' });
      expect(await page.getByLabel('Subject').inputValue()).toBe('Welcome aboard {{courseTitle}}');
      await page.getByRole('button', { name: 'Put the default back' }).click();
      await ask.getByRole('button', { name: 'Put the default back' }).click();
      await expect.poll(() => page.getByLabel('Subject').inputValue()).toBe('You are enrolled in {{courseTitle}}');
      await page.getByRole('status').filter({ hasText: 'The default words are back: messages are sent with them.' }).waitFor();
      expect(await page.getByRole('status').filter({ hasText: 'Saved.' }).count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await ctx.close();
    }
  }, 120_000);
});
