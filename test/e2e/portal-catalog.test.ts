/**
 * The portal's catalog in a real browser against a real server and database: a learner searches
 * and filters it (category, tag, mandatory), the filters kept in the URL across a reload; enrolling
 * in a course unpublished meanwhile is refused in plain words; a paid course and one the training
 * team enrolls people in explain themselves and offer no Enroll that can only fail. Test data is
 * created through the API (the course: portal-course.ts).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { checkA11y, describeBrowser, launchBrowser, ok, screenshot, signIn, startTestServer, watchCspViolations, type TestServer } from './helpers.ts';
import { COURSE, LEARNER, setUpPortalCourse, type Created } from './portal-course.ts';

const OTHER = 'Fire Safety Refresher';

describeBrowser('portal: a learner searches the catalog and is told why a course cannot be enrolled in', () => {
  let server: TestServer;
  let browser: Browser;
  let admin: BrowserContext;
  let learnerCtx: BrowserContext;
  let page: Page;
  let pageErrors: string[];
  let cspViolations: string[];
  let otherId: string;

  const at = (p: string) => `${server.url}${p}`;

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
    admin = await browser.newContext();
    await setUpPortalCourse(server, admin);
    const other = await ok<Created>(
      await admin.request.post(at('/api/courses'), { data: { title: OTHER, shortIntroduction: 'Exits and extinguishers.', category: 'Safety', published: true } }),
      201,
    );
    otherId = other.id;
    ({ ctx: learnerCtx, page, errors: pageErrors } = await signIn(browser, server, LEARNER));
    cspViolations = await watchCspViolations(page);
  }, 120_000);

  afterAll(async () => {
    await learnerCtx?.close();
    await admin?.close();
    await browser?.close();
    await server?.close();
  });

  it('searches and filters the catalog, keeping the filters in the URL across a reload', async () => {
    await page.goto(at('/lms/catalog'));
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
    // Out of the catalog again, as the file found them.
    for (const id of [paid.id, closed.id]) await ok(await admin.request.patch(at(`/api/courses/${id}`), { data: { published: false } }), 200);
    await page.goto(at('/lms/catalog'));
  });
  it('logged no script errors (the refused enrollments answer 402 and 422 on purpose)', () => {
    expect(pageErrors.filter((e) => !/status of (402|422)/.test(e))).toEqual([]);
    // The page's CSP has no unsafe-inline, and the portal rendered every page without a refusal.
    expect(cspViolations).toEqual([]);
  });
});
