import { expect, it } from 'vitest';
import { describeDb, json } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import {
  AUTO_QUESTIONS,
  answersFor,
  createQuiz,
  enrollIn,
  pdfText,
  submit,
  type SubmissionResult,
} from '../../../../test/helpers/quizzes.ts';

/** Names as a workforce writes them: each must come out of the PDF as it went in. */
const NAMES = ['王小明', '김민준', 'さくら 山田', 'สมชาย ใจดี', 'Zoë Łukasiewicz', 'Дмитрий', 'Γιώργος', 'Ἀθηνᾶ'];

describeDb('PDFs print every script', (env) => {
  it('certificates carry names in Chinese, Korean, Japanese, Thai, Latin, Cyrillic and Greek; a course title in Chinese too', async () => {
    const mod = await env.user(['Moderator']);
    const course = await makeCourse(env, { enableCertification: true, lessons: 1, title: '消防安全 Fire Safety' });
    for (const name of NAMES) {
      const learner = await env.user(['LMS Student'], name);
      await enrollIn(env, course.courseId, learner);
      const done = await env.req('POST', `/api/lessons/${course.lessonIds[0]}/complete`, { as: learner });
      expect(done.statusCode).toBe(200);
      const certs = json<{ id: string }[]>(await env.req('GET', '/api/me/certificates', { as: learner }));
      expect(certs).toHaveLength(1);
      const text = pdfText(await env.req('GET', `/api/certificates/${certs[0]!.id}/pdf`, { as: mod }));
      expect(text, name).toContain(name);
      expect(text).toContain('消防安全 Fire Safety');
      expect(text).toContain('Certificate of Completion');
    }
  }, 120_000);

  it('the quiz submission report prints a Korean learner name and a Chinese quiz title', async () => {
    const mod = await env.user(['Moderator', 'System Manager']);
    const learner = await env.user(['LMS Student'], '박지성');
    const course = await makeCourse(env, { title: '안전 교육' });
    const quiz = await createQuiz(env, mod, { courseId: course.courseId, title: '防火测验', questions: AUTO_QUESTIONS });
    await enrollIn(env, course.courseId, learner);
    const sub = json<SubmissionResult>(
      await submit(env, learner, quiz.id, { answers: answersFor(quiz, { single: [0], multiple: [0, 1], text: 'London' }) }),
    );
    const text = pdfText(await env.req('GET', `/api/quiz-submissions/${sub.id}/report.pdf`, { as: mod }));
    for (const s of ['박지성', '안전 교육', '防火测验', 'Quiz Submission Report']) expect(text).toContain(s);
  }, 120_000);
});
