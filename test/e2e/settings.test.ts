/**
 * The desk settings page in a real browser: a System Manager changes the reminder days (a wrong
 * list is explained next to the field and nothing is saved), then uploads the organisation logo (a
 * text file named .png is refused next to the field); the logo appears in the header of the desk
 * and of the learner's portal, and on the login page before anyone logs in. Test data is created
 * through the API.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import {
  checkA11y,
  describeBrowser,
  launchBrowser,
  logoPng,
  ok,
  screenshot,
  signIn,
  startTestServer,
  watchPageErrors,
  type Credentials,
  type TestServer, UI_WAIT } from './helpers.ts';

const ADMIN = { email: 'admin@example.com', password: 'admin-password-1', fullName: 'Ada Admin' };
const LEARNER = { email: 'lia.learner@example.com', password: 'learner-password-1', fullName: 'Lia Learner' };


describeBrowser('desk settings: reminder days and the organisation logo', () => {
  let server: TestServer;
  let browser: Browser;
  let admin: BrowserContext;
  const at = (p: string) => `${server.url}${p}`;

  // Signed in through the API (setup-login.test.ts logs in through the page).
  const login = (who: Credentials, next: string) => signIn(browser, server, who, { open: next });

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
    admin = await browser.newContext();
    const api = admin.request;
    await ok(await api.post(at('/api/setup'), { data: ADMIN }), 201);
    await ok(await api.post(at('/api/users'), { data: { ...LEARNER, roles: ['LMS Student'] } }), 201);
    await ok(await api.patch(at('/api/settings'), { data: { organisationName: 'Acme Training' } }), 200);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('saves reminder days, explains a wrong list next to the field, uploads a logo that appears in the headers', async () => {
    const { ctx, page, errors } = await login(ADMIN, '/app/lms-settings');
    try {
      const days = page.getByLabel('Remind learners this many days before the due date');
      await days.waitFor();
      // The page is its own list: no link back to itself.
      expect(await page.getByRole('link', { name: /LMS settings/i }).filter({ hasText: '←' }).count()).toBe(0);
      expect(await days.inputValue()).toBe('7, 1');
      // Six days: explained next to the field, nothing saved.
      await days.fill('30, 14, 7, 3, 2, 1');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await expect.poll(() => days.getAttribute('aria-invalid')).toBe('true');
      const described = (await days.getAttribute('aria-describedby')) ?? '';
      expect(await page.locator(`[id="${described.split(' ').find((id) => id.includes('error'))}"]`).innerText()).toBe('At most 5 reminder days.');
      await days.fill('14, 3, 1');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByText('Saved.').waitFor();
      await page.reload();
      await days.waitFor();
      expect(await days.inputValue()).toBe('14, 3, 1');
      const settings = await ok<{ reminderDays: number[]; logo: unknown }>(await admin.request.get(at('/api/settings')), 200);
      expect(settings).toMatchObject({ reminderDays: [14, 3, 1], logo: null });

      // Write-only secrets start empty and say whether one is stored; an empty field keeps it.
      const smtp = page.getByLabel('SMTP server');
      expect(await smtp.inputValue()).toBe('');
      expect(await smtp.getAttribute('placeholder')).toBe('Not set');
      await smtp.fill('smtp://mail.example.com:2525');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByText('Saved.').first().waitFor();
      await page.reload();
      await days.waitFor();
      expect(await smtp.inputValue()).toBe('');
      expect(await smtp.getAttribute('placeholder')).toBe('Stored (hidden): type a new one to replace it');
      await days.fill('7, 1');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByText('Saved.').first().waitFor();
      const kept = await ok<{ smtpUrl: unknown; stripeSecretKey: unknown; reminderDays: number[] }>(await admin.request.get(at('/api/settings')), 200);
      expect(kept).toMatchObject({ smtpUrl: { set: true }, stripeSecretKey: { set: false }, reminderDays: [7, 1] });
      await ok(await admin.request.patch(at('/api/settings'), { data: { reminderDays: [14, 3, 1] } }), 200);
      await page.reload();
      await days.waitFor();

      // The logo: a text file named .png is refused next to the field; a PNG is saved.
      expect(await page.getByTestId('organisation-logo').count()).toBe(0);
      const fileInput = page.locator('input[type="file"]');
      await fileInput.setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: Buffer.from('not an image at all\n'.repeat(5)) });
      await page.getByRole('button', { name: 'Upload logo' }).click();
      await page.getByText('The file must be a PNG or JPEG image.').waitFor();
      expect((await ok<{ logo: unknown }>(await admin.request.get(at('/api/settings')), 200)).logo).toBeNull();

      await fileInput.setInputFiles({ name: 'acme-logo.png', mimeType: 'image/png', buffer: logoPng() });
      await page.getByRole('button', { name: 'Upload logo' }).click();
      await page.getByText('Saved.').first().waitFor();
      const headerLogo = page.getByTestId('organisation-logo');
      await headerLogo.waitFor();
      expect(await headerLogo.getAttribute('alt')).toBe('Acme Training logo');
      expect(await headerLogo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(96);
      // The header names the organisation, not the product.
      expect(await page.getByTestId('organisation-name').innerText()).toBe('Acme Training');
      await page.getByTestId('settings-logo-preview').waitFor();
      await checkA11y(page, 'desk settings page');
      await screenshot(page, 'desk-settings-logo');
      // The one refused upload is the only failed request the browser reports.
      expect(errors).toEqual(['console error: Failed to load resource: the server responded with a status of 415 (Unsupported Media Type)']);
    } finally {
      await ctx.close();
    }

    // The learner's portal shows the logo in its header too.
    const learner = await login(LEARNER, '/lms');
    try {
      const logo = learner.page.getByTestId('organisation-logo');
      await logo.waitFor();
      expect(await logo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(96);
      expect(await learner.page.getByTestId('organisation-name').innerText()).toBe('Acme Training');
      await screenshot(learner.page, 'portal-header-logo');
      expect(learner.errors).toEqual([]);
    } finally {
      await learner.ctx.close();
    }

    // The login page, before anyone logs in, shows the organisation's logo too (desk and portal share it).
    const visitor = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    try {
      visitor.setDefaultTimeout(UI_WAIT);
      const page = await visitor.newPage();
      const errors = watchPageErrors(page);
      for (const next of ['/app', '/lms']) {
        await page.goto(at(`/login?next=${encodeURIComponent(next)}`));
        const logo = page.getByTestId('login-organisation-logo');
        await logo.waitFor();
        expect(await logo.getAttribute('alt')).toBe('Acme Training logo');
        await expect.poll(() => logo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(96);
        await page.getByRole('banner').getByText('Acme Training', { exact: true }).waitFor();
        await page.getByLabel('Email').waitFor();
      }
      await checkA11y(page, 'login page with the organisation logo');
      await screenshot(page, 'login-logo');
      // The rest of the settings stay private.
      expect((await visitor.request.get(at('/api/settings'))).status()).toBe(401);
      expect(errors).toEqual([]);
    } finally {
      await visitor.close();
    }
  });
});
