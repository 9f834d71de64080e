/**
 * quiz-report: how long the assessment PDFs take.
 *
 * On one scratch database per dialect, seeded through the services:
 *   - a 50-question Quiz Submission Report (all four question kinds, graded), rendered from its
 *     loaded data (p50, goal ≤ 150 ms) and fetched end to end over HTTP (GET .../report.pdf);
 *   - a Course Quiz PDF of 10 quizzes (10 questions each, two attempts each), rendered and fetched;
 *   - a one-line document, the floor of one render on this machine in this run.
 * Renders run one after another in this process after a warm-up; HTTP requests one at a time.
 */
import os from 'node:os';
import { SYSTEM_ACTOR, type Actor } from '../src/server/context.ts';
import { CreateCourseBody } from '../src/contract/courses.ts';
import { CreateQuizBody } from '../src/contract/quizzes.ts';
import { createCourse } from '../src/server/lms/courses/index.ts';
import { enroll } from '../src/server/lms/enrollments/index.ts';
import { createQuiz, gradeSubmission, submitQuiz, courseQuizReportData, submissionReportData, courseQuizReportDoc, submissionReportDoc } from '../src/server/lms/quizzes/index.ts';
import { renderPdf } from '../src/server/platform/pdf.ts';
import { request } from './lib/load.ts';
import { startBenchServer } from './lib/server.ts';
import { summarize } from './lib/stats.ts';
import { compared, defineBenchmark, figure, type BenchResult } from './lib/types.ts';

const GOAL_MS = 150;

function questions(n: number, tag: string) {
  return Array.from({ length: n }, (_, i) => {
    const text = `**${tag} question ${i + 1}.** Which statement about safety rule ${i + 1} is right for the warehouse team in Łódź?`;
    switch (i % 4) {
      case 0:
        return { kind: 'single' as const, text, marks: 2, options: [{ text: 'Always wear the harness', correct: true }, { text: 'Only on Fridays', correct: false }, { text: 'Never', correct: false }] };
      case 1:
        return { kind: 'multiple' as const, text, marks: 3, options: [{ text: 'Gloves', correct: true }, { text: 'Goggles', correct: true }, { text: 'Sandals', correct: false }, { text: 'Headphones', correct: false }] };
      case 2:
        return { kind: 'text' as const, text, marks: 1, answers: ['Evacuate', 'Leave the building'] };
      default:
        return { kind: 'open' as const, text, marks: 4 };
    }
  });
}

function answersOf(quiz: { questions: { id: string; kind: string }[] }, attempt: number) {
  return quiz.questions.map((q, i) => {
    const right = (i + attempt) % 3 !== 0;
    if (q.kind === 'single') return { questionId: q.id, choice: [right ? 0 : 1] };
    if (q.kind === 'multiple') return { questionId: q.id, choice: right ? [0, 1] : [0] };
    if (q.kind === 'text') return { questionId: q.id, text: right ? ' evacuate ' : 'Stay and watch' };
    return { questionId: q.id, text: 'Close the doors, leave by the east stairs, report to the assembly point and wait for the warden. Zoë checks the list.' };
  });
}

/** Wall times of n runs after a warm-up, and the mean CPU time of this process per run. */
async function timeIt(n: number, warmup: number, fn: () => Promise<unknown>): Promise<{ wall: number[]; cpuMs: number }> {
  for (let i = 0; i < warmup; i++) await fn();
  const wall: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    wall.push(performance.now() - t);
  }
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpuMs: (cpu.user + cpu.system) / 1000 / n };
}

export default defineBenchmark({
  name: 'quiz-report',
  description:
    'p50 time to render a 50-question Quiz Submission Report (goal ≤ 150 ms) and a Course Quiz PDF of 10 quizzes, ' +
    'from loaded data and end to end over HTTP; a one-line PDF is the render floor.',
  async run(opts) {
    const { dialect, quick } = opts;
    const log = (msg: string) => opts.log(msg);
    const server = await startBenchServer(dialect, { log });
    try {
      const mod = await server.createUser(['Moderator']);
      const learnerUser = await server.createUser(['LMS Student'], 'Zoë Łukasiewicz');
      const modActor: Actor = { id: mod.id, roles: new Set(['Moderator']) };
      const learner: Actor = { id: learnerUser.id, roles: new Set(['LMS Student']) };
      const ctx = server.ctx;
      const course = await createCourse(ctx, SYSTEM_ACTOR, CreateCourseBody.parse({ title: 'Warehouse Safety — Łódź site', published: true }));
      await ctx.db.transaction().execute((trx) => enroll(ctx, trx, { memberId: learner.id!, courseId: course.id, source: 'admin', actorId: null }));
      // The Course Quiz PDF is measured on a course of exactly 10 quizzes.
      const modules = await createCourse(ctx, SYSTEM_ACTOR, CreateCourseBody.parse({ title: 'Warehouse Safety — modules', published: true }));
      const enrollment = await ctx.db.transaction().execute((trx) => enroll(ctx, trx, { memberId: learner.id!, courseId: modules.id, source: 'admin', actorId: null }));

      log('seeding a 50-question quiz and 10 quizzes of 10 questions');
      const big = await createQuiz(ctx, modActor, CreateQuizBody.parse({ courseId: course.id, title: 'Annual Safety Assessment', passingPercentage: 70, questions: questions(50, 'Safety') }));
      const bigSub = await submitQuiz(ctx, learner, big.id, { answers: answersOf(big, 1) }, null);
      const openMarks = big.questions.filter((q) => q.kind === 'open').map((q) => ({ questionId: q.id, marks: 3, comment: 'Clear and complete' }));
      await gradeSubmission(ctx, modActor, bigSub.id, { marks: openMarks }, null);
      for (let k = 0; k < 10; k++) {
        const quiz = await createQuiz(ctx, modActor, CreateQuizBody.parse({ courseId: modules.id, title: `Module ${k + 1} check`, passingPercentage: 60, questions: questions(10, `M${k + 1}`).filter((q) => q.kind !== 'open') }));
        for (let a = 1; a <= 2; a++) await submitQuiz(ctx, learner, quiz.id, { answers: answersOf(quiz, a + k).filter((x) => x.text === undefined || x.text.length < 40) }, null);
      }

      const subData = await submissionReportData(ctx, modActor, bigSub.id);
      const courseData = await courseQuizReportData(ctx, modActor, enrollment.enrollment.id);
      const cookie = await server.login(mod);
      // A fresh connection per request: the render phase can outlast the server's keep-alive timeout.
      const headers = { cookie, connection: 'close' };
      for (const url of [`/api/quiz-submissions/${bigSub.id}/report.pdf`, `/api/enrollments/${enrollment.enrollment.id}/quiz-report.pdf`]) {
        const r = await request(`${server.url}${url}`, { headers });
        if (r.status !== 200 || !r.body.startsWith('%PDF-')) throw new Error(`GET ${url} answered ${r.status} ${r.body.slice(0, 200)}`);
      }

      const n = quick ? 12 : 40;
      const warmup = quick ? 3 : 8;
      log(`rendering: ${warmup} warm-up + ${n} timed renders each`);
      const tinyT = await timeIt(n, warmup, () => renderPdf({ content: 'Zoë Łukasiewicz' }));
      const subT = await timeIt(n, warmup, () => renderPdf(submissionReportDoc(subData)));
      const courseT = await timeIt(n, warmup, () => renderPdf(courseQuizReportDoc(courseData)));
      const [tiny, sub, courseR] = [summarize(tinyT.wall), summarize(subT.wall), summarize(courseT.wall)];
      log(`render p50: tiny ${tiny.p50.toFixed(1)} ms, submission ${sub.p50.toFixed(1)} ms, course ${courseR.p50.toFixed(1)} ms`);
      log(`render CPU per document: tiny ${tinyT.cpuMs.toFixed(1)} ms, submission ${subT.cpuMs.toFixed(1)} ms, course ${courseT.cpuMs.toFixed(1)} ms (load average ${os.loadavg()[0]!.toFixed(1)})`);

      const httpN = quick ? 8 : 25;
      const get = (url: string) => async () => {
        const r = await request(`${server.url}${url}`, { headers });
        if (r.status !== 200) throw new Error(`GET ${url} answered ${r.status}`);
      };
      const subHttp = summarize((await timeIt(httpN, 3, get(`/api/quiz-submissions/${bigSub.id}/report.pdf`))).wall);
      const courseHttp = summarize((await timeIt(httpN, 3, get(`/api/enrollments/${enrollment.enrollment.id}/quiz-report.pdf`))).wall);
      log(`HTTP p50: submission ${subHttp.p50.toFixed(1)} ms, course ${courseHttp.p50.toFixed(1)} ms`);

      const results: BenchResult[] = [
        compared('Quiz Submission Report, 50 questions: render p50', sub.p50, 'ms', { name: 'goal 150 ms', value: GOAL_MS }, { atMost: 1 }),
        compared('Course Quiz PDF, 10 quizzes: render p50', courseR.p50, 'ms', { name: 'one-line PDF render p50', value: tiny.p50 }),
        figure('Quiz Submission Report, 50 questions: render CPU time per document', subT.cpuMs, 'ms'),
        figure('Course Quiz PDF, 10 quizzes: render CPU time per document', courseT.cpuMs, 'ms'),
        figure('One-line PDF: render p50', tiny.p50, 'ms'),
        figure('GET /api/quiz-submissions/:id/report.pdf (50 questions) p50', subHttp.p50, 'ms'),
        figure('GET /api/enrollments/:id/quiz-report.pdf (10 quizzes) p50', courseHttp.p50, 'ms'),
      ];
      return results;
    } finally {
      await server.close();
    }
  },
});
