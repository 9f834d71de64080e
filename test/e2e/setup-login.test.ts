import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  checkA11y,
  describeBrowser,
  launchBrowser,
  screenshot,
  startTestServer,
  watchCspViolations,
  watchPageErrors,
  type TestServer, UI_WAIT } from './helpers.ts';

const FULL_NAME = 'Zoë Łukasiewicz';
const EMAIL = 'zoe.admin@example.com';
const PASSWORD = 'correct horse battery';

describeBrowser('web: first-run setup, login and logout', () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let pageErrors: string[];
  let cspViolations: string[];

  const at = (p: string) => `${server.url}${p}`;
  const pathOf = (p: Page) => new URL(p.url()).pathname;

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
    context.setDefaultTimeout(UI_WAIT);
    page = await context.newPage();
    pageErrors = watchPageErrors(page);
    cspViolations = await watchCspViolations(page);
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
  });

  it('sends a fresh install from / to the setup page', async () => {
    await page.goto(at('/'));
    await page.waitForURL('**/setup');
    await page.getByRole('heading', { name: 'Set up Smooth LMS' }).waitFor();
    await checkA11y(page, '/setup');
    await screenshot(page, 'setup');
  });

  it('checks the setup form and shows the API field errors next to the fields', async () => {
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await page.getByText('Enter your full name').waitFor();

    await page.getByLabel('Full name').fill(FULL_NAME);
    await page.getByLabel('Email').fill('zoe@localhost');
    await page.getByLabel(/^Password/).fill(PASSWORD);
    await page.getByLabel('Confirm password').fill(`${PASSWORD}!`);
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await page.getByText('The passwords do not match').waitFor();

    // The browser accepts "zoe@localhost"; the API does not, and says so about the email field.
    await page.getByLabel('Confirm password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create administrator' }).click();
    const emailInput = page.getByLabel('Email');
    await page.waitForFunction(() => document.getElementById('setup-email')?.getAttribute('aria-invalid') === 'true');
    const describedBy = (await emailInput.getAttribute('aria-describedby')) ?? '';
    const errorId = describedBy.split(/\s+/).find((id) => id.includes('error'));
    expect(errorId, 'the email field points at its error message').toBeTruthy();
    expect((await page.locator(`[id="${errorId}"]`).innerText()).trim().length).toBeGreaterThan(0);
    await screenshot(page, 'setup-field-error');
    expect(pathOf(page)).toBe('/setup');
  });

  it('creates the first System Manager and lands on the desk, without "Setup is already done" on the way', async () => {
    // A slow network for the desk's code makes any in-between screen last long enough to be seen.
    await page.route(/\/assets\/DeskFrame-[^/]*\.js$/, async (route) => {
      await new Promise((r) => setTimeout(r, 800));
      await route.continue();
    });
    await page.evaluate(() => {
      const w = window as unknown as { seen: string[] };
      w.seen = [];
      new MutationObserver(() => {
        const h = document.querySelector('h1')?.textContent ?? '';
        if (h && w.seen.at(-1) !== h) w.seen.push(h);
      }).observe(document.body, { childList: true, subtree: true, characterData: true });
    });
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await page.waitForURL((u) => u.pathname === '/app');
    await page.getByRole('heading', { name: `Welcome, ${FULL_NAME}` }).waitFor();
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    expect(seen, seen.join(' | ')).not.toContain('Setup is already done');
    await page.unroute(/\/assets\/DeskFrame-[^/]*\.js$/);
    await page.getByTestId('user-name').filter({ hasText: FULL_NAME }).waitFor();
    // A fresh installation: the checklist says what to set up, each step with its link.
    const start = page.getByRole('region', { name: 'Getting started' });
    await start.getByText('0 of 6 done').waitFor();
    expect(await start.locator('[data-done="false"]').count()).toBe(6);
    await start.getByRole('link', { name: 'Open settings' }).waitFor();
    await start.getByRole('link', { name: 'New course' }).waitFor();
    // A System Manager sees every sidebar group.
    const sidebar = page.getByRole('navigation', { name: 'Main navigation' });
    for (const name of ['Courses', 'Enrollments', 'Employees', 'Compliance', 'Users']) {
      await sidebar.getByRole('link', { name, exact: true }).waitFor();
    }
    await checkA11y(page, '/app');
    await screenshot(page, 'desk-home');
  });

  it('keeps the desk frame when a deep link is reloaded', async () => {
    await page.goto(at('/app/lms-enrollment'));
    await page.getByRole('heading', { name: 'Enrollments', level: 1 }).waitFor();
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Enrollments' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Enrollments', level: 1 }).waitFor();
    await page.getByTestId('user-name').filter({ hasText: FULL_NAME }).waitFor();
    expect(await page.getByRole('link', { name: 'Enrollments' }).getAttribute('aria-current')).toBe('page');
    await checkA11y(page, '/app/lms-enrollment');
    await screenshot(page, 'desk-enrollments');

    await page.goto(at('/app/no-such-list'));
    await page.getByRole('heading', { name: 'Page not found', level: 1 }).waitFor();
    await page.getByRole('banner').getByRole('button', { name: 'Log out' }).waitFor();
  });

  it('shows the learning portal on desktop and at phone width', async () => {
    await page.goto(at('/lms'));
    await page.getByText('You are not enrolled in any course yet').waitFor();
    await page.getByRole('banner').getByText(FULL_NAME).waitFor();
    await checkA11y(page, '/lms');
    await screenshot(page, 'lms-desktop');

    // Tablet widths: the header must not push anything off screen.
    for (const width of [768, 1000]) {
      const tablet = await context.newPage();
      await tablet.setViewportSize({ width, height: 900 });
      for (const url of ['/lms', '/app']) {
        await tablet.goto(at(url));
        await tablet.getByRole('main').getByRole('heading', { level: 1 }).waitFor();
        const sideways = await tablet.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(sideways, `${url} at ${width}px`).toBeLessThanOrEqual(0);
        const logout = await tablet.getByRole('button', { name: 'Log out' }).boundingBox();
        expect(logout && logout.x + logout.width, `Log out is on screen at ${width}px`).toBeLessThanOrEqual(width);
        await screenshot(tablet, `${url.slice(1)}-${width}`);
      }
      await tablet.close();
    }

    const phone = await context.newPage();
    const phoneErrors = watchPageErrors(phone);
    await phone.setViewportSize({ width: 375, height: 800 });
    await phone.goto(at('/lms'));
    await phone.getByText('You are not enrolled in any course yet').waitFor();
    await phone.getByRole('button', { name: 'Log out' }).waitFor();
    // Nothing may stick out sideways at phone width.
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await checkA11y(phone, '/lms at 375px');
    await screenshot(phone, 'lms-phone');

    await phone.getByRole('button', { name: 'Open navigation' }).click();
    const nav = phone.getByRole('navigation', { name: 'Main navigation' });
    await nav.getByRole('link', { name: 'Catalog' }).waitFor();
    await nav.getByText(FULL_NAME).waitFor();
    await screenshot(phone, 'lms-phone-menu');
    await nav.getByRole('link', { name: 'Catalog' }).click();
    await phone.getByRole('heading', { name: 'Catalog', level: 1 }).waitFor();
    expect(pathOf(phone)).toBe('/lms/catalog');
    expect(phoneErrors).toEqual([]);
    await phone.close();
  });

  it('logs out and back in, and says so when the password is wrong', async () => {
    await page.goto(at('/app'));
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL((u) => u.pathname === '/login');
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await checkA11y(page, '/login');
    await screenshot(page, 'login');

    // A page that needs a login remembers where the user wanted to go.
    await page.goto(at('/app/lms-course'));
    await page.waitForURL((u) => u.pathname === '/login');
    expect(new URL(page.url()).searchParams.get('next')).toBe('/app/lms-course');

    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel(/^Password/).fill('not the password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'The email or password is not correct.' }).waitFor();
    await checkA11y(page, '/login with an error');
    await screenshot(page, 'login-wrong-password');
    expect(pathOf(page)).toBe('/login');

    await page.getByLabel(/^Password/).fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((u) => u.pathname === '/app/lms-course');
    await page.getByRole('heading', { name: 'Courses', level: 1 }).waitFor();
    await page.getByTestId('user-name').filter({ hasText: FULL_NAME }).waitFor();
  });

  it('sends a learner to the portal, never the desk', async () => {
    const created = await context.request.post(at('/api/users'), {
      data: { email: 'learner@example.com', fullName: 'Ada Learner', password: 'learner-password', roles: ['LMS Student'] },
    });
    expect(created.status()).toBe(201);

    const learnerContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const learner = await learnerContext.newPage();
    const learnerErrors = watchPageErrors(learner);
    await learner.goto(at('/'));
    await learner.waitForURL((u) => u.pathname === '/login');
    await learner.getByLabel('Email').fill('learner@example.com');
    await learner.getByLabel(/^Password/).fill('learner-password');
    await learner.keyboard.press('Enter');
    await learner.waitForURL((u) => u.pathname === '/lms');
    await learner.getByTestId('user-name').filter({ hasText: 'Ada Learner' }).waitFor();
    expect(await learner.getByRole('link', { name: 'Desk' }).count()).toBe(0);

    await learner.goto(at('/app/lms-course'));
    await learner.waitForURL((u) => u.pathname === '/lms');
    await learner.getByRole('heading', { name: 'My Courses', level: 1 }).waitFor();
    expect(learnerErrors).toEqual([]);
    await learnerContext.close();
  });

  it('shows the desk sidebar behind a menu at phone width', async () => {
    const phone = await context.newPage();
    await phone.setViewportSize({ width: 375, height: 800 });
    await phone.goto(at('/app'));
    await phone.getByRole('heading', { name: `Welcome, ${FULL_NAME}` }).waitFor();
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await checkA11y(phone, '/app at 375px');
    await screenshot(phone, 'desk-phone');
    await phone.getByRole('button', { name: 'Open navigation' }).click();
    await phone.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Employees' }).click();
    await phone.getByRole('heading', { name: 'Employees', level: 1 }).waitFor();
    await phone.close();
  });

  it('says setup is done once an administrator exists', async () => {
    await page.goto(at('/setup'));
    await page.getByRole('heading', { name: 'Setup is already done' }).waitFor();
    await page.getByRole('link', { name: 'Continue to Smooth LMS' }).waitFor();
    await checkA11y(page, '/setup when done');
    await screenshot(page, 'setup-done');

    const fresh = await browser.newContext();
    const anonymous = await fresh.newPage();
    await anonymous.goto(at('/setup'));
    await anonymous.getByRole('heading', { name: 'Setup is already done' }).waitFor();
    await anonymous.getByRole('link', { name: 'Go to log in' }).click();
    await anonymous.waitForURL((u) => u.pathname === '/login');
    await fresh.close();
  });

  it('tells the user to wait after too many failed logins', async () => {
    const email = 'someone.else@example.com';
    // The free attempts of one account; the next one within the delay answers 429.
    for (let i = 0; i < 5; i++) {
      const r = await context.request.post(at('/api/auth/login'), { data: { email, password: `wrong-${i}` } });
      expect(r.status()).toBe(401);
    }
    const fresh = await browser.newContext();
    const anonymous = await fresh.newPage();
    await anonymous.goto(at('/login'));
    await anonymous.getByLabel('Email').fill(email);
    await anonymous.getByLabel(/^Password/).fill('still wrong');
    await anonymous.getByRole('button', { name: 'Log in' }).click();
    await anonymous.getByRole('alert').filter({ hasText: 'Too many failed attempts' }).waitFor();
    expect(await anonymous.getByRole('alert').innerText()).toMatch(/wait \d+ (seconds?|minutes)/);
    await screenshot(anonymous, 'login-rate-limited');
    await fresh.close();
  });

  it('logged no script errors or CSP refusals', () => {
    expect(pageErrors).toEqual([]);
    expect(cspViolations).toEqual([]);
  });
});
