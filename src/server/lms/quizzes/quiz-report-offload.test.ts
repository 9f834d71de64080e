import { expect, it } from 'vitest';
import { describeDb, json } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { answersFor, createQuiz, enrollIn, pdfText, submit, type SubmissionResult } from '../../../../test/helpers/quizzes.ts';
import { renderPoolFor } from '../certificates/index.ts';

/**
 * The quiz reports (Quiz Submission Report, Course Quiz PDF) render on the render threads, like
 * certificates, with the same time bound: never on the event loop that answers requests.
 */
describeDb('quiz reports rendered off the event loop', (env) => {
  it('several submission reports and course quiz PDFs render on the threads while /api/health answers', async () => {
    const mod = await env.user(['Moderator']);
    const course = await makeCourse(env, { title: 'Offload Course' });
    // Long enough to take real layout work: 40 questions per report.
    const questions = Array.from({ length: 40 }, (_, i) => ({
      kind: 'single',
      text: `Question ${i + 1}: which statement about rule ${i + 1} is right?`,
      options: [
        { text: `Rule ${i + 1} applies everywhere`, correct: true },
        { text: `Rule ${i + 1} never applies`, correct: false },
      ],
    }));
    const quiz = await createQuiz(env, mod, { courseId: course.courseId, title: 'Offload Quiz', questions });
    const learners = await Promise.all([env.user(['LMS Student'], 'Zoë Łukasiewicz'), env.user(), env.user()]);
    const subs: string[] = [];
    const enrollments: string[] = [];
    for (const learner of learners) {
      enrollments.push(await enrollIn(env, course.courseId, learner));
      const sub = json<SubmissionResult>(await submit(env, learner, quiz.id, { answers: answersFor(quiz, { single: [0] }) }));
      subs.push(sub.id);
    }

    const pool = renderPoolFor(env.ctx);
    const before = { ...pool.counts };
    const renders = [
      ...subs.map((id) => env.req('GET', `/api/quiz-submissions/${id}/report.pdf`, { as: mod })),
      ...enrollments.map((id) => env.req('GET', `/api/enrollments/${id}/quiz-report.pdf`, { as: mod })),
    ];
    const health = await env.req('GET', '/api/health');
    expect(health.statusCode).toBe(200);
    const pdfs = await Promise.all(renders);
    for (const r of pdfs) {
      expect(r.statusCode, r.body.slice(0, 300)).toBe(200);
      expect(r.headers['content-type']).toMatch(/^application\/pdf/);
    }
    // Every one on a render thread, none on the event loop's thread.
    expect(pool.counts.threads).toBe(before.threads + renders.length);
    expect(pool.counts.inProcess).toBe(before.inProcess);
    // The same documents as before: laid out from the same data.
    const first = pdfText(pdfs[0]!);
    for (const s of ['Quiz Submission Report', 'Zoë Łukasiewicz', 'Offload Quiz', 'Question 40:']) expect(first, s).toContain(s);
    expect(pdfText(pdfs[subs.length]!)).toContain('Course Quiz Report');

    // A report the caller may not see renders nothing.
    const stranger = await env.user();
    expect((await env.req('GET', `/api/quiz-submissions/${subs[0]}/report.pdf`, { as: stranger })).statusCode).toBe(404);
    expect(pool.counts.threads).toBe(before.threads + renders.length);
  });
});
