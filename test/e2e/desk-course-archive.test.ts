/**
 * Course export and import through the desk: "Export" on a course's form downloads its archive;
 * "Import course" on the course list uploads it, says in words what it created (and refuses a zip
 * that is no course archive, next to the field), and links to the new, unpublished course.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { APIRequestContext, Browser, BrowserContext, Page } from 'playwright-core';
import yazl from 'yazl';
import { checkA11y, describeBrowser, launchBrowser, screenshot, startTestServer, watchPageErrors, type TestServer, UI_WAIT } from './helpers.ts';

const ADMIN = { email: 'admin@example.com', password: 'admin-password-1', fullName: 'Ada Admin' };

async function ok<T>(res: Awaited<ReturnType<APIRequestContext['post']>>, status: number): Promise<T> {
  if (res.status() !== status) throw new Error(`${res.url()} answered ${res.status()}: ${await res.text()}`);
  return (await res.json()) as T;
}

async function zipOf(name: string, data: string): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from(data), name);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

describeBrowser('desk: course export and import', () => {
  let server: TestServer;
  let browser: Browser;
  let admin: BrowserContext;
  let page: Page;
  let pageErrors: string[];
  let courseId = '';
  const at = (p: string) => `${server.url}${p}`;

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
    admin = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-GB', acceptDownloads: true });
    admin.setDefaultTimeout(UI_WAIT);
    const api = admin.request;
    await ok(await api.post(at('/api/setup'), { data: ADMIN }), 201);
    courseId = (
      await ok<{ id: string }>(
        await api.post(at('/api/courses'), { data: { title: 'Harbour Crane Safety', published: true, category: 'Safety' } }),
        201,
      )
    ).id;
    const ch = await ok<{ id: string }>(
      await api.post(at(`/api/courses/${courseId}/chapters`), { data: { title: 'Before you lift' } }),
      201,
    );
    await ok(
      await api.post(at(`/api/chapters/${ch.id}/lessons`), {
        data: { title: 'Check the slings', kind: 'text', body: 'Look for **cuts**.' },
      }),
      201,
    );
    const quiz = await ok<{ id: string }>(
      await api.post(at('/api/quizzes'), {
        data: {
          title: 'Sling check',
          courseId,
          passingPercentage: 100,
          questions: [
            {
              kind: 'single',
              text: 'A cut sling is…',
              options: [
                { text: 'Replaced', correct: true },
                { text: 'Used once more', correct: false },
              ],
            },
          ],
        },
      }),
      201,
    );
    await ok(await api.post(at(`/api/chapters/${ch.id}/lessons`), { data: { title: 'Sling check', kind: 'quiz', quizId: quiz.id } }), 201);
    page = await admin.newPage();
    pageErrors = watchPageErrors(page);
  }, 120_000);

  afterAll(async () => {
    await admin?.close();
    await browser?.close();
    await server?.close();
  });

  it('exports a course from its form, imports the zip from the course list, reads the report and opens the new unpublished course', async () => {
    await page.goto(at(`/app/lms-course/${courseId}`));
    await page.getByRole('heading', { name: 'Harbour Crane Safety', level: 1 }).waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export', exact: true }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('harbour-crane-safety.zip');
    const zip = fs.readFileSync(await download.path());
    expect(zip.subarray(0, 2).toString()).toBe('PK');

    await page.goto(at('/app/lms-course'));
    await page.getByRole('heading', { name: 'Courses', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Import course' }).click();
    const dialog = page.getByRole('dialog', { name: 'Import a course' });
    await dialog.waitFor();

    // A zip that is no course archive: the reason in words, next to the field.
    await dialog
      .locator('input[type="file"]')
      .setInputFiles({ name: 'photos.zip', mimeType: 'application/zip', buffer: await zipOf('photo.txt', 'not a course') });
    await dialog.getByRole('button', { name: 'Import', exact: true }).click();
    await dialog.getByText('The zip has no course.json at its root: it is not a course archive').waitFor();
    await checkA11y(page, 'course import dialog with an error');

    await dialog
      .locator('input[type="file"]')
      .setInputFiles({ name: 'harbour-crane-safety.zip', mimeType: 'application/zip', buffer: zip });
    await dialog.getByRole('button', { name: 'Import', exact: true }).click();
    await dialog
      .getByText('Imported “Harbour Crane Safety” as a new unpublished course: 1 chapter, 2 lessons, 1 quiz with 1 question, 0 files.')
      .waitFor();
    await checkA11y(page, 'course import dialog with the report');
    await screenshot(page, 'desk-course-import');

    await dialog.getByRole('link', { name: 'Open “Harbour Crane Safety”' }).click();
    await page.waitForURL((u) => /\/app\/lms-course\/\w+$/.test(u.pathname) && !u.pathname.endsWith(courseId));
    const newId = new URL(page.url()).pathname.split('/').pop()!;
    await page.getByRole('heading', { name: 'Harbour Crane Safety', level: 1 }).waitFor();
    await expect.poll(() => page.getByRole('switch', { name: 'Published' }).isChecked()).toBe(false);
    await page.getByText('Check the slings').first().waitFor();
    await page.getByText('Sling check').first().waitFor();
    await checkA11y(page, 'the imported course');

    const copy = await ok<{ published: boolean; category: string }>(await admin.request.get(at(`/api/courses/${newId}`)), 200);
    expect(copy).toMatchObject({ published: false, category: 'Safety' });
    // The list shows both courses now, the copy as a draft.
    await page.goto(at('/app/lms-course'));
    await expect.poll(() => page.getByRole('row').filter({ hasText: 'Harbour Crane Safety' }).count()).toBe(2);
    await page.getByRole('row').filter({ hasText: 'Harbour Crane Safety' }).filter({ hasText: 'Draft' }).waitFor();
    expect(pageErrors).toEqual([]);
  });
});
