import { expect, it } from 'vitest';
import { describeDb, json } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { AUTO_QUESTIONS, OPEN_QUESTION, answersFor, createQuiz, enrollIn, pdfText, submit, type SubmissionResult } from '../../../../test/helpers/quizzes.ts';

describeDb('quiz reports (PDF)', (env) => {
  it('Quiz Submission Report: organisation, learner in any script, HR details, quiz, each question, answers, score, page x of y', async () => {
    const mod = await env.user(['Moderator', 'System Manager']);
    const learner = await env.user(['LMS Student'], 'Zoë Łukasiewicz');
    const hr = await env.user(['HR Manager']);
    await env.req('PATCH', '/api/settings', { as: mod, body: { organisationName: 'Acme Façades Ltd' } });
    env.ctx.people.register(async (_db, userId) =>
      userId === learner.id ? { employeeCode: 'EMP-0042', department: 'Health & Safety', designation: 'Fire Warden' } : null,
    );
    const course = await makeCourse(env, { title: 'Workplace Safety 101' });
    const quiz = await createQuiz(env, mod, { courseId: course.courseId, title: 'Fire Drill Check', questions: [...AUTO_QUESTIONS, OPEN_QUESTION] });
    await enrollIn(env, course.courseId, learner);
    const sub = json<SubmissionResult>(
      await submit(env, learner, quiz.id, { answers: answersFor(quiz, { single: [0], multiple: [0, 1], text: 'London', open: 'Through the east stairwell' }) }),
    );
    const grade = await env.req('POST', `/api/quiz-submissions/${sub.id}/grade`, { as: mod, body: { marks: [{ questionId: quiz.questions[3]!.id, marks: 4 }] } });
    expect(json(grade)).toMatchObject({ score: 9, percentage: 90, passed: true });

    const text = pdfText(await env.req('GET', `/api/quiz-submissions/${sub.id}/report.pdf`, { as: hr }));
    for (const s of [
      'Acme Façades Ltd',
      'Quiz Submission Report',
      'Zoë Łukasiewicz',
      learner.email,
      'EMP-0042',
      'Health & Safety',
      'Fire Warden',
      'Workplace Safety 101',
      'Fire Drill Check',
      'Which extinguisher is used on electrical fires?',
      'Which of these are personal protective equipment?',
      'Name the capital of France.',
      'Describe the evacuation route from your desk.',
      'London',
      'Paris / Lutèce',
      'Through the east stairwell',
      '9 / 10',
      '90%',
      'Passed',
      `QSR-${sub.id}`,
      'Page 1 of 1',
    ]) {
      expect(text, s).toContain(s);
    }
    expect(text).toMatch(/Attempt\s+1/);
    expect(text).toMatch(/0\s*\/\s*1/);
    // Moments in words: "Submitted 7 Dec 2026, 05:55 UTC".
    expect(text).toMatch(/Submitted\s+\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} UTC/);
    // Markdown markup does not leak into the document.
    expect(text).not.toContain('**');
  });

  it('without an employee record the HR fields are absent; a learner without answers shown gets no correct answers', async () => {
    const mod = await env.user(['Moderator']);
    const learner = await env.user(['LMS Student'], 'Дмитрий Иванов');
    const course = await makeCourse(env);
    const quiz = await createQuiz(env, mod, { courseId: course.courseId, title: 'Hidden Answers Quiz', showAnswers: false });
    await enrollIn(env, course.courseId, learner);
    const sub = json<SubmissionResult>(await submit(env, learner, quiz.id, { answers: answersFor(quiz, { single: [1], text: 'Rome' }) }));
    const own = pdfText(await env.req('GET', `/api/quiz-submissions/${sub.id}/report.pdf`, { as: learner }));
    expect(own).toContain('Дмитрий Иванов');
    expect(own).toContain('Hidden Answers Quiz');
    expect(own).toContain('Rome');
    expect(own).toMatch(/0\s*\/\s*6/);
    expect(own).not.toContain('Employee code');
    expect(own).not.toContain('Correct answer');
    expect(own).not.toContain('Lutèce');
    const staff = pdfText(await env.req('GET', `/api/quiz-submissions/${sub.id}/report.pdf`, { as: mod }));
    expect(staff).toContain('Correct answer');
    expect(staff).toContain('Lutèce');
    const stranger = await env.user();
    expect((await env.req('GET', `/api/quiz-submissions/${sub.id}/report.pdf`, { as: stranger })).statusCode).toBe(404);
    expect((await env.req('GET', '/api/quiz-submissions/0000000000000000000000zzzz/report.pdf', { as: mod })).statusCode).toBe(404);
    expect((await env.req('GET', `/api/quiz-submissions/${sub.id}/report.pdf`)).statusCode).toBe(401);
  });

  it('a 50-question report runs over several pages with "Page x of y"', async () => {
    const mod = await env.user(['Moderator']);
    const learner = await env.user(['LMS Student'], 'Zoë Łukasiewicz');
    const course = await makeCourse(env);
    const questions = Array.from({ length: 50 }, (_, i) => ({
      kind: 'single',
      text: `Question number ${i + 1}: which statement about safety rule ${i + 1} is right?`,
      options: [
        { text: `Rule ${i + 1} applies everywhere`, correct: true },
        { text: `Rule ${i + 1} never applies`, correct: false },
      ],
    }));
    const quiz = await createQuiz(env, mod, { courseId: course.courseId, title: 'Long Quiz', questions });
    await enrollIn(env, course.courseId, learner);
    const sub = json<SubmissionResult>(await submit(env, learner, quiz.id, { answers: quiz.questions.map((q, i) => ({ questionId: q.id, choice: [i % 2] })) }));
    expect(sub).toMatchObject({ score: 25, maxScore: 50, percentage: 50 });
    const text = pdfText(await env.req('GET', `/api/quiz-submissions/${sub.id}/report.pdf?download=true`, { as: mod }));
    for (let i = 1; i <= 50; i++) expect(text).toContain(`Question number ${i}:`);
    const pages = Number(/Page 1 of (\d+)/.exec(text)?.[1]);
    expect(pages).toBeGreaterThan(1);
    expect(text).toContain(`Page ${pages} of ${pages}`);
    expect(text).toContain('25 / 50');
  });

  it('Course Quiz PDF: every quiz of the course with best and latest attempts and a summary', async () => {
    const mod = await env.user(['Moderator']);
    const learner = await env.user(['LMS Student'], 'Zoë Łukasiewicz');
    const course = await makeCourse(env, { title: 'Compliance Basics' });
    const q1 = await createQuiz(env, mod, { courseId: course.courseId, title: 'Data Protection Quiz' });
    const q2 = await createQuiz(env, mod, { courseId: course.courseId, title: 'Anti-Bribery Quiz', questions: [AUTO_QUESTIONS[2]] });
    await createQuiz(env, mod, { courseId: course.courseId, title: 'Untouched Quiz' });
    const enrollmentId = await enrollIn(env, course.courseId, learner);
    await submit(env, learner, q1.id, { answers: answersFor(q1, { single: [0], multiple: [0, 1], text: 'Paris' }) }); // 100
    await submit(env, learner, q1.id, { answers: answersFor(q1, { single: [0] }) }); // 33.33, latest
    await submit(env, learner, q2.id, { answers: [{ questionId: q2.questions[0]!.id, text: 'Berlin' }] }); // 0
    const text = pdfText(await env.req('GET', `/api/enrollments/${enrollmentId}/quiz-report.pdf`, { as: mod }));
    for (const s of ['Course Quiz Report', 'Zoë Łukasiewicz', 'Compliance Basics', 'Summary', 'Data Protection Quiz', 'Anti-Bribery Quiz', 'Untouched Quiz', 'Not taken', '100%', '33.33%', 'Berlin', 'Quizzes passed', '1 of 3']) {
      expect(text, s).toContain(s);
    }
    expect(text).toMatch(/Data Protection Quiz\s+2\s+100%\s+33\.33%/);
    expect(text).toContain('Which extinguisher is used on electrical fires?');
    expect(text).toMatch(/Page 1 of \d+/);

    const other = await env.user();
    expect((await env.req('GET', `/api/enrollments/${enrollmentId}/quiz-report.pdf`, { as: other })).statusCode).toBe(404);
    const creator = await env.user(['Course Creator']);
    expect((await env.req('GET', `/api/enrollments/${enrollmentId}/quiz-report.pdf`, { as: creator })).statusCode).toBe(404);
    const hr = await env.user(['HR User']);
    expect((await env.req('GET', `/api/enrollments/${enrollmentId}/quiz-report.pdf`, { as: hr })).statusCode).toBe(200);
    expect((await env.req('GET', `/api/enrollments/${enrollmentId}/quiz-report.pdf`, { as: learner })).statusCode).toBe(200);
    expect((await env.req('GET', '/api/enrollments/0000000000000000000000zzzz/quiz-report.pdf', { as: mod })).statusCode).toBe(404);
  });
});
