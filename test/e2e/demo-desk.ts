/**
 * The desk of the demo organisation (`smooth seed --demo`) for the browser tests that read it as
 * its administrator: a server with the demo seeded, and a 1366×850 browser context signed in as
 * admin@demo.smooth through the API, with one page watched for errors.
 */
import { expect } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, startTestServer, watchPageErrors, type TestServer, UI_WAIT } from './helpers.ts';

/** Every demo login's password (admin, staff and learners). */
export const DEMO_PASSWORD = 'demo-password-2026';

export interface DemoDesk {
  server: TestServer;
  browser: Browser;
  admin: BrowserContext;
  page: Page;
  pageErrors: string[];
}

export async function openDemoDesk(): Promise<DemoDesk> {
  const server = await startTestServer({ demo: true });
  const browser = await launchBrowser();
  const admin = await browser.newContext({ viewport: { width: 1366, height: 850 }, locale: 'en-GB', acceptDownloads: true });
  admin.setDefaultTimeout(UI_WAIT);
  const login = await admin.request.post(`${server.url}/api/auth/login`, { data: { email: 'admin@demo.smooth', password: DEMO_PASSWORD } });
  expect(login.status()).toBe(200);
  const page = await admin.newPage();
  const pageErrors = watchPageErrors(page);
  return { server, browser, admin, page, pageErrors };
}
