/**
 * Course authoring and certificate templates in the desk, in a real browser against a real server:
 * the course cover (upload, preview, remove), Markdown with a Write / Preview tab rendered as the
 * portal renders it, "Preview as learner" for a lesson, the template's images and colour pickers,
 * and a warning before a certificate is issued by hand below 100 %. Also three defects of issue 20:
 * logged-out pages asked /api/auth/me and logged a 401, /api/docs logged a CSP refusal, and staff
 * could issue a certificate at 25 % without a word. Every page touched passes axe. Test data is
 * created through the API.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { APIRequestContext, APIResponse, Browser, BrowserContext, Page } from 'playwright-core';
import {
  checkA11y,
  describeBrowser,
  launchBrowser,
  logoPng,
  screenshot,
  startTestServer,
  watchCspViolations,
  watchPageErrors,
  type TestServer, UI_WAIT } from './helpers.ts';

const ADMIN = { email: 'admin@example.com', password: 'admin-password-1', fullName: 'Ada Admin' };
const ZOE = { email: 'zoe.lukasiewicz@example.com', password: 'learner-password-1', fullName: 'Zoe Lukasiewicz' };

async function ok<T>(res: APIResponse, status: number): Promise<T> {
  if (res.status() !== status) throw new Error(`${res.url()} answered ${res.status()}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** Every console error and every failed request (4xx/5xx) a page logs, whatever the app makes of it. */
function watchEverything(page: Page): string[] {
  const seen: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') seen.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => seen.push(`page error: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) seen.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`);
  });
  return seen;
}

describeBrowser('desk authoring: cover, Markdown preview, lesson preview, template images and colours, certificate warning', () => {
  let server: TestServer;
  let browser: Browser;
  let admin: BrowserContext;
  let api: APIRequestContext;
  let page: Page;
  let pageErrors: string[];
  let courseId: string;
  let lessonId: string;
  let templateId: string;
  let zoeId: string;
  let verificationCode: string;
  const at = (p: string) => `${server.url}${p}`;

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
    admin = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-GB' });
    admin.setDefaultTimeout(UI_WAIT);
    api = admin.request;
    await ok(await api.post(at('/api/setup'), { data: ADMIN }), 201);
    zoeId = (await ok<{ id: string }>(await api.post(at('/api/users'), { data: { ...ZOE, roles: ['LMS Student'] } }), 201)).id;

    const course = await ok<{ id: string }>(
      await api.post(at('/api/courses'), { data: { title: 'Fire Safety at Work', published: true, enableCertification: true } }),
      201,
    );
    courseId = course.id;
    const chapter = await ok<{ id: string }>(await api.post(at(`/api/courses/${courseId}/chapters`), { data: { title: 'Basics' } }), 201);
    const lessons: string[] = [];
    for (const title of ['Raising the alarm', 'Escape routes', 'Extinguishers', 'Assembly points']) {
      const l = await ok<{ id: string }>(
        await api.post(at(`/api/chapters/${chapter.id}/lessons`), { data: { title, kind: 'text', body: `About ${title.toLowerCase()}.` } }),
        201,
      );
      lessons.push(l.id);
    }
    lessonId = lessons[0]!;
    await ok(await api.post(at('/api/enrollments'), { data: { courseId, memberId: zoeId } }), 201);
    // Zoe completes one lesson of four: 25 %.
    const zoe = await browser.newContext();
    await ok(await zoe.request.post(at('/api/auth/login'), { data: { email: ZOE.email, password: ZOE.password } }), 200);
    await ok(await zoe.request.post(at(`/api/lessons/${lessonId}/complete`)), 200);
    await zoe.close();

    // A certificate of another course, for the public verification page.
    const other = await ok<{ id: string }>(await api.post(at('/api/courses'), { data: { title: 'First Aid', published: true, enableCertification: true } }), 201);
    const cert = await ok<{ verificationCode: string }>(await api.post(at('/api/certificates'), { data: { memberId: zoeId, courseId: other.id } }), 201);
    verificationCode = cert.verificationCode;

    templateId = (await ok<{ id: string }>(await api.post(at('/api/certificate-templates'), { data: { name: 'Company certificate' } }), 201)).id;

    await ok(await api.post(at('/api/auth/login'), { data: { email: ADMIN.email, password: ADMIN.password } }), 200);
    page = await admin.newPage();
    pageErrors = watchPageErrors(page);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('logged-out pages (portal and desk login, set-password, certificate verification) log no failed request and no console error', async () => {
    const anon = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    anon.setDefaultTimeout(UI_WAIT);
    const p = await anon.newPage();
    const seen = watchEverything(p);
    const visit = async (url: string, heading: RegExp | string) => {
      await p.goto(at(url));
      await p.getByRole('heading', { name: heading, level: 1 }).first().waitFor();
      await p.waitForLoadState('networkidle');
      await checkA11y(p, url);
    };
    await visit('/login?next=%2Flms', 'Log in');
    await visit('/login?next=%2Fapp', 'Log in');
    // A desk URL while logged out goes to the login page, also without a failed request.
    await p.goto(at('/app/lms-course'));
    await p.waitForURL((u) => u.pathname === '/login');
    await p.getByRole('heading', { name: 'Log in', level: 1 }).waitFor();
    await visit('/lms/set-password?token=not-a-real-token', /password/i);
    await visit(`/lms/certificates/verify/${verificationCode}`, /certificate/i);
    await p.getByText('Zoe Lukasiewicz').first().waitFor();
    expect(seen).toEqual([]);
    await anon.close();
  });

  it('/api/docs renders the operations with no CSP refusal or console error', async () => {
    const anon = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const p = await anon.newPage();
    const csp = await watchCspViolations(p);
    const seen = watchEverything(p);
    await p.goto(at('/api/docs'));
    // Swagger UI parses and draws the whole document (about 1 MB) before the first operation shows:
    // on a busy 2-core machine that once took longer than UI_WAIT.
    await p.locator('.opblock').first().waitFor({ timeout: 2 * UI_WAIT });
    expect(await p.locator('.opblock').count()).toBeGreaterThan(5);
    // Opening an operation draws more of the UI; still nothing refused.
    await p.locator('.opblock-summary').first().click();
    await p.locator('.opblock-body').first().waitFor();
    await p.waitForTimeout(300);
    expect(csp).toEqual([]);
    expect(seen).toEqual([]);
    await anon.close();
  }, 90_000);

  it('course form: a cover image is uploaded (a wrong file is refused next to the field), shown, and removed', async () => {
    await page.goto(at(`/app/lms-course/${courseId}`));
    await page.getByRole('heading', { name: 'Fire Safety at Work', level: 1 }).waitFor();
    const cover = page.getByTestId('course-cover');
    await cover.getByText('No cover image yet.').waitFor();
    const input = cover.locator('input[type="file"]');
    await input.setInputFiles({ name: 'cover.png', mimeType: 'image/png', buffer: Buffer.from('not an image at all\n'.repeat(5)) });
    await cover.getByRole('button', { name: 'Upload cover image' }).click();
    await cover.getByText(/must be a PNG, JPEG, WebP or GIF image/i).waitFor();
    expect((await ok<{ imageUrl: string | null }>(await api.get(at(`/api/courses/${courseId}`)), 200)).imageUrl).toBeNull();

    // The cover is saved at once; a field being edited keeps what was typed.
    const intro = page.getByLabel('Short introduction');
    await intro.fill('What to do when the alarm sounds.');
    await input.setInputFiles({ name: 'cover.png', mimeType: 'image/png', buffer: logoPng() });
    await cover.getByRole('button', { name: 'Upload cover image' }).click();
    const preview = page.getByTestId('course-cover-preview');
    await preview.waitFor();
    expect(await intro.inputValue()).toBe('What to do when the alarm sounds.');
    await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(96);
    expect(await preview.getAttribute('alt')).toBe('Cover image of Fire Safety at Work');
    const saved = await ok<{ imageUrl: string | null }>(await api.get(at(`/api/courses/${courseId}`)), 200);
    expect(saved.imageUrl).toMatch(/^\/api\/courses\/[0-9a-z]+\/image\?v=/);
    await checkA11y(page, 'course form with a cover');
    await screenshot(page, 'desk-course-cover');

    await cover.getByRole('button', { name: 'Remove cover image' }).click();
    await cover.getByText('No cover image yet.').waitFor();
    expect((await ok<{ imageUrl: string | null }>(await api.get(at(`/api/courses/${courseId}`)), 200)).imageUrl).toBeNull();
    // Put it back for the learner's catalog card.
    await input.setInputFiles({ name: 'cover.png', mimeType: 'image/png', buffer: logoPng() });
    await cover.getByRole('button', { name: 'Upload cover image' }).click();
    await preview.waitFor();
  });

  it('course description: Write / Preview shows the Markdown as the portal renders it (sanitised), then saves', async () => {
    await page.goto(at(`/app/lms-course/${courseId}`));
    const description = page.getByLabel('Description', { exact: true });
    await description.fill('## What you learn\n\nWhere to meet: **point B**.\n\n<script>window.pwned = 1</script>\n\n- alarms\n- exits');
    const tabs = page.getByRole('tablist', { name: 'Description: write or preview' });
    await tabs.getByRole('tab', { name: 'Preview' }).click();
    const preview = page.getByRole('region', { name: 'Description: preview as learners see it' });
    await preview.getByRole('heading', { name: 'What you learn', level: 2 }).waitFor();
    expect(await preview.locator('strong').textContent()).toBe('point B');
    expect(await preview.locator('li').count()).toBe(2);
    expect(await preview.locator('script').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    await checkA11y(page, 'course description preview');
    await tabs.getByRole('tab', { name: 'Write' }).click();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.').first().waitFor();
    const course = await ok<{ descriptionHtml: string }>(await api.get(at(`/api/courses/${courseId}`)), 200);
    expect(course.descriptionHtml).toContain('<h2>What you learn</h2>');
    expect(course.descriptionHtml).not.toContain('script');
  });

  it('course form: a field typed while the record reloads after a save keeps the typing, and the next Save sends it', async () => {
    await page.goto(at(`/app/lms-course/${courseId}`));
    await page.getByRole('heading', { name: 'Fire Safety at Work', level: 1 }).waitFor();
    const category = page.getByLabel('Category', { exact: true });
    const intro = page.getByLabel('Short introduction');

    // The record's reload after the save is held until the test has typed into another field.
    const record = (u: URL) => u.pathname === `/api/courses/${courseId}`;
    let patched = false;
    let held = false;
    let reloadAsked!: () => void;
    const asked = new Promise<void>((resolve) => (reloadAsked = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    await page.route(record, async (route) => {
      const method = route.request().method();
      if (method === 'PATCH') patched = true;
      if (method !== 'GET' || !patched || held) return route.continue();
      held = true;
      const response = await route.fetch();
      reloadAsked();
      await released;
      await route.fulfill({ response });
    });

    await category.fill('  Workplace safety  ');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await asked;
    await intro.fill('Alarms, exits and assembly points.');
    release();
    // The reload shows the category as the server saved it (trimmed); the introduction keeps the typing.
    await expect.poll(() => category.inputValue()).toBe('Workplace safety');
    expect(await intro.inputValue()).toBe('Alarms, exits and assembly points.');
    await page.unroute(record);

    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect
      .poll(async () => (await ok<{ shortIntroduction: string }>(await api.get(at(`/api/courses/${courseId}`)), 200)).shortIntroduction)
      .toBe('Alarms, exits and assembly points.');
    expect((await ok<{ category: string | null }>(await api.get(at(`/api/courses/${courseId}`)), 200)).category).toBe('Workplace safety');
  });

  it('a lesson: its content previews as Markdown, and "Preview as learner" opens the portal lesson in a new tab', async () => {
    await page.goto(at(`/app/lms-course/${courseId}`));
    const row = page.getByTestId('lesson').filter({ hasText: 'Raising the alarm' });
    const link = row.getByRole('link', { name: 'Preview Raising the alarm as a learner (opens in a new tab)' });
    expect(await link.getAttribute('href')).toBe(`/lms/courses/${courseId}/lessons/${lessonId}`);
    expect(await link.getAttribute('target')).toBe('_blank');

    await row.getByRole('button', { name: 'Edit Raising the alarm' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit lesson' });
    await dialog.getByLabel('Content', { exact: true }).fill('# Raise the alarm\n\nBreak the glass and *shout* "Fire!".');
    await dialog.getByRole('tab', { name: 'Preview' }).click();
    await dialog.getByRole('heading', { name: 'Raise the alarm', level: 1 }).waitFor();
    expect(await dialog.locator('em').textContent()).toBe('shout');
    await checkA11y(page, 'lesson editor preview');
    await dialog.getByRole('button', { name: 'Save lesson' }).click();
    await page.getByText('Lesson saved.').waitFor();

    const [portal] = await Promise.all([admin.waitForEvent('page'), link.click()]);
    const portalErrors = watchPageErrors(portal);
    await portal.waitForURL((u) => u.pathname === `/lms/courses/${courseId}/lessons/${lessonId}`);
    await portal.getByRole('heading', { name: 'Raise the alarm' }).waitFor();
    expect(await portal.locator('.lesson-body em').textContent()).toBe('shout');
    expect(portalErrors).toEqual([]);
    await portal.close();
  });

  it('a PDF lesson takes its PDF as it is added (a wrong file is explained first) and shows it; a video lesson plays a YouTube address in its player', async () => {
    const course = await ok<{ id: string }>(await api.post(at('/api/courses'), { data: { title: 'Working at Height', published: true } }), 201);
    const chapter = await ok<{ id: string }>(await api.post(at(`/api/courses/${course.id}/chapters`), { data: { title: 'Ladders' } }), 201);
    const lessonsNow = async () =>
      (await ok<{ chapters: { lessons: { id: string; title: string; kind: string }[] }[] }>(await api.get(at(`/api/courses/${course.id}/outline`)), 200))
        .chapters[0]!.lessons;
    await page.goto(at(`/app/lms-course/${course.id}`));
    const editor = page.getByTestId('course-editor');
    await editor.getByLabel('New lesson title').fill('Ladder inspection checklist');
    await editor.getByLabel('Kind').click();
    await page.getByRole('option', { name: 'PDF', exact: true }).click();
    await editor.getByRole('button', { name: 'Add lesson' }).click();
    await editor.getByText('Choose the PDF this lesson shows.').waitFor();
    const picker = editor.locator('input[type="file"]');
    await picker.setInputFiles({ name: 'checklist.txt', mimeType: 'text/plain', buffer: Buffer.from('not a PDF') });
    await editor.getByText('The file must be a PDF document.').waitFor();
    await editor.getByRole('button', { name: 'Add lesson' }).click();
    expect(await lessonsNow()).toEqual([]);
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
    await picker.setInputFiles({ name: 'ladder-checklist.pdf', mimeType: 'application/pdf', buffer: pdf });
    await editor.getByRole('button', { name: 'Add lesson' }).click();
    await page.getByText('Lesson added.').waitFor();
    const [added] = await lessonsNow();
    expect(added).toMatchObject({ title: 'Ladder inspection checklist', kind: 'pdf' });
    const stored = await ok<{ file: { filename: string; size: number } | null; fileUrl: string | null }>(await api.get(at(`/api/lessons/${added!.id}`)), 200);
    expect(stored.file).toMatchObject({ filename: 'ladder-checklist.pdf', size: pdf.length });

    // Its editor names the file and replaces it.
    await editor.getByRole('button', { name: 'Edit Ladder inspection checklist' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit lesson' });
    const file = dialog.getByTestId('lesson-file');
    await file.getByRole('link', { name: 'ladder-checklist.pdf' }).waitFor();
    await checkA11y(page, 'lesson editor of a PDF lesson');
    await file.locator('input[type="file"]').setInputFiles({ name: 'ladder-checklist-v2.pdf', mimeType: 'application/pdf', buffer: pdf });
    await file.getByRole('button', { name: 'Upload' }).click();
    await file.getByRole('link', { name: 'ladder-checklist-v2.pdf' }).waitFor();
    // A file chosen and then "Save lesson" (not Upload): the save sends it too.
    await file.locator('input[type="file"]').setInputFiles({ name: 'ladder-checklist-v3.pdf', mimeType: 'application/pdf', buffer: pdf });
    await dialog.getByRole('button', { name: 'Save lesson' }).click();
    await page.getByText('Lesson saved.').first().waitFor();
    await expect
      .poll(async () => (await ok<{ file: { filename: string } | null }>(await api.get(at(`/api/lessons/${added!.id}`)), 200)).file?.filename)
      .toBe('ladder-checklist-v3.pdf');

    // The learner's page shows the PDF.
    const portal = await admin.newPage();
    await portal.goto(at(`/lms/courses/${course.id}/lessons/${added!.id}`));
    await portal.getByTestId('lesson-pdf').waitFor();
    await portal.getByText(/ladder-checklist-v3\.pdf · 1 KB/).waitFor();

    // A video lesson: a YouTube channel is refused next to the field, a video's address plays in YouTube's player.
    const video = await ok<{ id: string }>(await api.post(at(`/api/chapters/${chapter.id}/lessons`), { data: { title: 'Three points of contact', kind: 'video' } }), 201);
    await page.reload();
    await editor.getByRole('button', { name: 'Edit Three points of contact' }).click();
    const url = dialog.getByLabel('Video URL (https)');
    await url.fill('https://www.youtube.com/@LadderSafety');
    await dialog.getByRole('button', { name: 'Save lesson' }).click();
    await dialog.getByText(/This address is not one video/).waitFor();
    await url.fill('https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=30');
    await dialog.getByRole('button', { name: 'Save lesson' }).click();
    await page.getByText('Lesson saved.').waitFor();
    await portal.route('https://www.youtube-nocookie.com/**', (r) => r.fulfill({ status: 200, contentType: 'text/html', body: '<p>player</p>' }));
    await portal.goto(at(`/lms/courses/${course.id}/lessons/${video.id}`));
    const player = portal.getByTestId('lesson-video-embed');
    await player.waitFor();
    expect(await player.getAttribute('src')).toBe('https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=30');

    // A quiz lesson: its author, not enrolled, tries it as a preview that never counts.
    const quiz = await ok<{ id: string }>(
      await api.post(at('/api/quizzes'), {
        data: {
          title: 'Ladder check',
          courseId: course.id,
          passingPercentage: 50,
          questions: [{ kind: 'single', text: 'How many points of contact?', marks: 1, options: [{ text: 'Three', correct: true }, { text: 'One', correct: false }] }],
        },
      }),
      201,
    );
    const quizLesson = await ok<{ id: string }>(await api.post(at(`/api/chapters/${chapter.id}/lessons`), { data: { title: 'Ladder check', kind: 'quiz', quizId: quiz.id } }), 201);
    await portal.goto(at(`/lms/courses/${course.id}/lessons/${quizLesson.id}`));
    await portal.getByText('You are not enrolled: your attempts here are previews.', { exact: false }).waitFor();
    await portal.getByRole('button', { name: 'Start the quiz' }).click();
    await portal.getByRole('radio', { name: 'Three' }).check();
    await portal.getByRole('button', { name: 'Submit answers' }).click();
    await portal.getByText('Passed', { exact: true }).first().waitFor();
    const counted = await ok<{ items: unknown[] }>(await api.get(at(`/api/quiz-submissions?quizId=${quiz.id}`)), 200);
    expect(counted.items).toEqual([]);
    await checkA11y(portal, 'quiz preview by its author');
    await portal.close();
  });

  it('certificate template: colours are picked or typed (a wrong one is explained next to the field), images are uploaded and the preview renders again', async () => {
    await page.goto(at(`/app/lms-certificate-template/${templateId}`));
    await page.getByRole('heading', { name: 'Company certificate', level: 1 }).waitFor();
    const before = await ok<{ primaryColor: string; updatedAt: string }>(await api.get(at(`/api/certificate-templates/${templateId}`)), 200);

    // A colour field's picker opens as it is typed in and may cover Save: leaving the field (a click
    // on the page's heading) closes it, and Save is pressed once no picker shows.
    const closePickers = async () => {
      await page.getByRole('heading', { level: 1 }).click();
      await expect.poll(() => page.locator('.mantine-ColorInput-saturationOverlay:visible').count()).toBe(0);
    };
    const primary = page.getByRole('textbox', { name: 'Primary colour' });
    await primary.fill('blue-ish');
    await closePickers();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Primary colour must be a colour written as # and six hexadecimal digits, such as #1c7ed6.').waitFor();
    expect((await ok<{ primaryColor: string }>(await api.get(at(`/api/certificate-templates/${templateId}`)), 200)).primaryColor).toBe(
      before.primaryColor,
    );
    await primary.fill('#2b8a3e');
    await closePickers();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.').first().waitFor();
    await expect
      .poll(async () => (await ok<{ primaryColor: string }>(await api.get(at(`/api/certificate-templates/${templateId}`)), 200)).primaryColor)
      .toBe('#2b8a3e');

    const previewLink = page.getByRole('link', { name: 'Open the preview PDF' });
    await previewLink.waitFor();
    const firstPdf = await previewLink.getAttribute('href');

    // An image is saved at once; a colour typed but not saved yet stays in its field.
    const textColour = page.getByRole('textbox', { name: 'Text colour' });
    await textColour.fill('#343a40');
    await closePickers();
    for (const slot of ['logo', 'signature', 'background'] as const) {
      const field = page.getByTestId(`template-${slot}`);
      await field.locator('input[type="file"]').setInputFiles({ name: `${slot}.png`, mimeType: 'image/png', buffer: logoPng() });
      await field.getByRole('button', { name: `Upload ${slot}` }).click();
      await page.getByTestId(`template-${slot}-preview`).waitFor();
    }
    const saved = await ok<{ images: Record<string, string | null>; textColor: string }>(
      await api.get(at(`/api/certificate-templates/${templateId}`)),
      200,
    );
    expect(Object.values(saved.images).every((u) => typeof u === 'string')).toBe(true);
    expect(await textColour.inputValue()).toBe('#343a40');
    expect(saved.textColor).not.toBe('#343a40');
    // The preview PDF was rendered again with the images.
    await expect.poll(() => previewLink.getAttribute('href')).not.toBe(firstPdf);
    await checkA11y(page, 'certificate template form');
    await screenshot(page, 'desk-certificate-template');

    // A wrong file for a slot is refused next to that field; the other images stay.
    const logo = page.getByTestId('template-logo');
    await logo.locator('input[type="file"]').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: Buffer.from('plain text') });
    await logo.getByRole('button', { name: 'Upload logo' }).click();
    await logo.getByText(/PNG or JPEG/).waitFor();
    await page.getByTestId('template-signature').getByRole('button', { name: 'Remove signature' }).click();
    await page.getByTestId('template-signature').getByText('No signature yet.').waitFor();
    const after = await ok<{ images: Record<string, string | null> }>(await api.get(at(`/api/certificate-templates/${templateId}`)), 200);
    expect(after.images).toMatchObject({ logo: saved.images.logo, signature: null, background: saved.images.background });
  });

  it('issuing a certificate by hand at 25 % asks first: Cancel issues nothing, "Issue anyway" issues it', async () => {
    const count = async () =>
      (await ok<{ items: unknown[] }>(await api.get(at(`/api/certificates?courseId=${courseId}&memberId=${zoeId}`)), 200)).items.length;
    await page.goto(at('/app/lms-certificate/new'));
    await page.getByRole('heading', { name: 'New certificate', level: 1 }).waitFor();
    await page.getByRole('combobox', { name: 'Member', exact: true }).fill('Zoe');
    await page.getByRole('option', { name: /Zoe Lukasiewicz/ }).click();
    await page.getByRole('combobox', { name: 'Course', exact: true }).fill('Fire');
    await page.getByRole('option', { name: 'Fire Safety at Work' }).click();
    await page.getByRole('button', { name: 'Create certificate' }).click();

    const dialog = page.getByRole('dialog', { name: 'Issue the certificate anyway?' });
    await dialog.getByText('Zoe Lukasiewicz has completed 25% of the course. Issue the certificate anyway?').waitFor();
    await checkA11y(page, 'certificate warning');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await count()).toBe(0);
    expect(page.url()).toMatch(/\/new$/);

    await page.getByRole('button', { name: 'Create certificate' }).click();
    await dialog.getByRole('button', { name: 'Issue anyway' }).click();
    await page.waitForURL((u) => /^\/app\/lms-certificate\/[0-9a-z]+$/.test(u.pathname));
    await page.getByRole('heading', { name: 'Fire Safety at Work — Zoe Lukasiewicz', level: 1 }).waitFor();
    expect(await count()).toBe(1);
    await checkA11y(page, 'issued certificate');
    // The wrong files above were sent on purpose (415 answers, explained next to their fields).
    expect(pageErrors.filter((e) => !/status of 415/.test(e))).toEqual([]);
  });
});
