/**
 * The course the portal's browser tests learn from, set up through the API on a test server: an
 * administrator, a learner, the course's instructor, and "Data Protection Basics" (published,
 * mandatory, certified, with a cover image) with a text, a video, a PDF and a quiz lesson. The
 * video and the image are made by the browser itself (no encoder on the machine).
 */
import type { BrowserContext } from 'playwright-core';
import { renderPdf } from '../../src/server/platform/pdf.ts';
import { ok, type TestServer } from './helpers.ts';

export const ADMIN = { email: 'admin@example.com', password: 'admin-password-1', fullName: 'Ada Admin' };
export const LEARNER = { email: 'lena.learner@example.com', password: 'learner-password-1', fullName: 'Lena Łódź' };
export const INSTRUCTOR = { email: 'ivan.instructor@example.com', password: 'instructor-password-1', fullName: 'Ivan Instructor' };
export const COURSE = 'Data Protection Basics';

export interface Created {
  id: string;
}

export interface PortalCourse {
  learnerId: string;
  courseId: string;
  lessons: { text: string; video: string; pdf: string; quiz: string };
}

/** A real WebM video, recorded from a canvas by the browser itself (no encoder on the machine). */
async function recordWebm(context: BrowserContext): Promise<Buffer> {
  const p = await context.newPage();
  await p.setContent('<canvas width="160" height="90"></canvas>');
  const base64 = await p.evaluate(async () => {
    const canvas = document.querySelector('canvas')!;
    const g = canvas.getContext('2d')!;
    const stream = canvas.captureStream(15);
    const rec = new MediaRecorder(stream, { mimeType: 'video/webm' });
    const chunks: Blob[] = [];
    rec.ondataavailable = (e) => chunks.push(e.data);
    const stopped = new Promise((r) => (rec.onstop = r));
    rec.start(100);
    let frame = 0;
    const timer = setInterval(() => {
      g.fillStyle = `hsl(${(frame * 12) % 360} 70% 50%)`;
      g.fillRect(0, 0, 160, 90);
      frame++;
    }, 66);
    await new Promise((r) => setTimeout(r, 1500));
    clearInterval(timer);
    rec.stop();
    await stopped;
    const buf = new Uint8Array(await new Blob(chunks, { type: 'video/webm' }).arrayBuffer());
    let s = '';
    for (const b of buf) s += String.fromCharCode(b);
    return btoa(s);
  });
  await p.close();
  return Buffer.from(base64, 'base64');
}

/** A real PNG course image, drawn on a canvas by the browser. */
async function drawPng(context: BrowserContext): Promise<Buffer> {
  const p = await context.newPage();
  await p.setContent('<canvas width="640" height="360"></canvas>');
  const dataUrl = await p.evaluate(() => {
    const canvas = document.querySelector('canvas')!;
    const g = canvas.getContext('2d')!;
    const gradient = g.createLinearGradient(0, 0, 640, 360);
    gradient.addColorStop(0, '#1c7ed6');
    gradient.addColorStop(1, '#12b886');
    g.fillStyle = gradient;
    g.fillRect(0, 0, 640, 360);
    g.fillStyle = 'rgba(255,255,255,0.85)';
    g.beginPath();
    g.arc(320, 180, 90, 0, Math.PI * 2);
    g.fill();
    return canvas.toDataURL('image/png');
  });
  await p.close();
  return Buffer.from(dataUrl.split(',')[1]!, 'base64');
}

/**
 * Sets up a new server (its first administrator, signed in in `admin`) with the learner, the
 * instructor and the course; the learner is enrolled in nothing.
 */
export async function setUpPortalCourse(server: TestServer, admin: BrowserContext): Promise<PortalCourse> {
  const at = (p: string) => `${server.url}${p}`;
  const api = admin.request;
  await ok(await api.post(at('/api/setup'), { data: ADMIN }), 201);
  const learnerId = (await ok<Created>(await api.post(at('/api/users'), { data: { ...LEARNER, roles: ['LMS Student'] } }), 201)).id;
  const instructor = await ok<Created>(await api.post(at('/api/users'), { data: { ...INSTRUCTOR, roles: ['Course Creator'] } }), 201);

  const course = await ok<Created>(
    await api.post(at('/api/courses'), {
      data: {
        title: COURSE,
        shortIntroduction: 'How we handle personal data, in four short lessons.',
        category: 'Compliance',
        tags: ['gdpr', 'privacy'],
        published: true,
        mandatory: true,
        enableCertification: true,
        certificateValidityMonths: 12,
        instructorIds: [instructor.id],
      },
    }),
    201,
  );
  const courseId = course.id;
  await ok(await api.put(at(`/api/courses/${courseId}/image`), { multipart: { file: { name: 'cover.png', mimeType: 'image/png', buffer: await drawPng(admin) } } }), 200);
  const ch1 = await ok<Created>(await api.post(at(`/api/courses/${courseId}/chapters`), { data: { title: 'The basics' } }), 201);
  const ch2 = await ok<Created>(await api.post(at(`/api/courses/${courseId}/chapters`), { data: { title: 'Check your knowledge' } }), 201);
  const text = await ok<Created>(
    await api.post(at(`/api/chapters/${ch1.id}/lessons`), {
      data: { title: 'What personal data is', kind: 'text', body: '## Personal data\n\nAny information about an **identified** person.\n\n- names\n- emails' },
    }),
    201,
  );
  const video = await ok<Created>(
    await api.post(at(`/api/chapters/${ch1.id}/lessons`), { data: { title: 'A short video', kind: 'video', body: 'Transcript: colours change.' } }),
    201,
  );
  const webm = await recordWebm(admin);
  await ok(await api.put(at(`/api/lessons/${video.id}/file`), { multipart: { file: { name: 'intro.webm', mimeType: 'video/webm', buffer: webm } } }), 200);
  const pdfLesson = await ok<Created>(await api.post(at(`/api/chapters/${ch1.id}/lessons`), { data: { title: 'The policy', kind: 'pdf' } }), 201);
  const pdf = await renderPdf({ content: [{ text: 'Data protection policy — read me.' }] });
  await ok(await api.put(at(`/api/lessons/${pdfLesson.id}/file`), { multipart: { file: { name: 'policy.pdf', mimeType: 'application/pdf', buffer: pdf } } }), 200);
  const quiz = await ok<Created>(
    await api.post(at('/api/quizzes'), {
      data: {
        title: 'Data protection check',
        courseId,
        passingPercentage: 100,
        maxAttempts: 3,
        showAnswers: true,
        questions: [
          {
            kind: 'single',
            text: 'Is an email address personal data?',
            options: [
              { text: 'Yes', correct: true },
              { text: 'No', correct: false },
            ],
          },
          {
            kind: 'multiple',
            text: 'Which of these are personal data?',
            options: [
              { text: 'A name', correct: true },
              { text: 'The weather', correct: false },
              { text: 'A phone number', correct: true },
            ],
          },
        ],
      },
    }),
    201,
  );
  const quizLesson = await ok<Created>(
    await api.post(at(`/api/chapters/${ch2.id}/lessons`), { data: { title: 'Final check', kind: 'quiz', quizId: quiz.id } }),
    201,
  );
  return { learnerId, courseId, lessons: { text: text.id, video: video.id, pdf: pdfLesson.id, quiz: quizLesson.id } };
}
