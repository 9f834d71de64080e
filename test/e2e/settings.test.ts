/**
 * The desk settings page in a real browser: a System Manager changes the reminder days (a wrong
 * list is explained next to the field and nothing is saved), then uploads the organisation logo (a
 * text file named .png is refused next to the field); the logo appears in the header of the desk
 * and of the learner's portal. Test data is created through the API.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import zlib from 'node:zlib';
import type { Browser, BrowserContext } from 'playwright-core';
import { checkA11y, describeBrowser, launchBrowser, ok, screenshot, signIn, startTestServer, type Credentials, type TestServer } from './helpers.ts';

const ADMIN = { email: 'admin@example.com', password: 'admin-password-1', fullName: 'Ada Admin' };
const LEARNER = { email: 'lia.learner@example.com', password: 'learner-password-1', fullName: 'Lia Learner' };

/** A 96x32 PNG written by hand: a blue band on white (RGB, no filter, deflated). */
function logoPng(): Buffer {
  const width = 96;
  const height = 32;
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3, 0xff);
    row[0] = 0;
    if (y > 8 && y < 24) for (let x = 0; x < width; x++) row.set([0x1c, 0x7e, 0xd6], 1 + x * 3);
    rows.push(row);
  }
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

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
      await screenshot(learner.page, 'portal-header-logo');
      expect(learner.errors).toEqual([]);
    } finally {
      await learner.ctx.close();
    }
  });
});
