import { expect, it } from 'vitest';
import { describeDb, json, type TestUser } from '../helpers/harness.ts';
import { makeCourse } from '../helpers/fixtures.ts';
import { AUTO_QUESTIONS, answersFor, createQuiz, enrollIn, submit, type QuizView } from '../helpers/quizzes.ts';

/**
 * Row-level reads: a learner reads their own enrollment, certificate, quiz submission, employee
 * document and payment (with its receipt), and gets 404 (never 403, so ids cannot be probed) for another learner's.
 */
describeDb("own rows and other learners' rows", (env) => {
  it("a learner gets 404 for another learner's enrollment, certificate, quiz submission, assignment submission, employee document and payment", async () => {
    const mod = await env.user(['Moderator']);
    const hr = await env.user(['HR Manager']);
    const [alice, bob] = [await env.user(), await env.user()];
    const course = await makeCourse(env, { lessons: 2, kinds: ['text', 'quiz'], enableCertification: true });
    const quiz: QuizView = await createQuiz(env, mod, { courseId: course.courseId, questions: AUTO_QUESTIONS });
    await env.ctx.db.updateTable('lessons').set({ quiz_id: quiz.id }).where('id', '=', course.lessonIds[1]!).execute();
    const assignment = await env.req('POST', '/api/assignments', {
      as: mod,
      body: { title: 'Essay', instructions: 'Write it.', submissionKind: 'text', courseId: course.courseId },
    });
    expect(assignment.statusCode, assignment.body).toBe(201);
    const paidCourse = await makeCourse(env, { paid: true });

    const rows = async (learner: TestUser) => {
      const enrollment = await enrollIn(env, course.courseId, learner);
      const sub = await submit(env, learner, quiz.id, { answers: answersFor(quiz, { single: [0], multiple: [0], text: 'x' }) });
      expect(sub.statusCode, sub.body).toBe(201);
      const cert = await env.req('POST', '/api/certificates', { as: mod, body: { memberId: learner.id, courseId: course.courseId } });
      expect(cert.statusCode, cert.body).toBe(201);
      const emp = await env.req('POST', '/api/employees', {
        as: hr,
        body: { employeeCode: `OWN-${learner.id.slice(-8)}`, fullName: learner.fullName, userId: learner.id },
      });
      expect(emp.statusCode, emp.body).toBe(201);
      const doc = await env.req('POST', '/api/employee-documents', {
        as: hr,
        body: { employeeId: json<{ id: string }>(emp).id, title: 'Card', issueDate: '2026-01-31' },
      });
      expect(doc.statusCode, doc.body).toBe(201);
      const work = await env.req('POST', `/api/assignments/${json<{ id: string }>(assignment).id}/submissions`, {
        as: learner,
        body: { text: 'My essay' },
      });
      expect(work.statusCode, work.body).toBe(201);
      const pay = await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId: paidCourse.courseId } });
      expect(pay.statusCode, pay.body).toBe(201);
      const paymentId = json<{ id: string }>(pay).id;
      const paid = await env.req('POST', `/api/payments/${paymentId}/mark-paid`, {
        as: mod,
        body: { invoiceNumber: `INV-${paymentId.slice(-6)}` },
      });
      expect(paid.statusCode, paid.body).toBe(200);
      return {
        assignmentSubmission: `/api/assignment-submissions/${json<{ id: string }>(work).id}`,
        payment: `/api/payments/${paymentId}`,
        receipt: `/api/payments/${paymentId}/receipt.pdf`,
        enrollment: `/api/enrollments/${enrollment}`,
        certificate: `/api/certificates/${json<{ id: string }>(cert).id}`,
        certificatePdf: `/api/certificates/${json<{ id: string }>(cert).id}/pdf`,
        submission: `/api/quiz-submissions/${json<{ id: string }>(sub).id}`,
        document: `/api/employee-documents/${json<{ id: string }>(doc).id}`,
      };
    };
    const mine = await rows(alice);
    const theirs = await rows(bob);
    for (const [what, url] of Object.entries(mine)) {
      const own = await env.req('GET', url, { as: alice });
      expect(own.statusCode, `${what}: own`).toBe(200);
      const other = await env.req('GET', (theirs as Record<string, string>)[what]!, { as: alice });
      expect(other.statusCode, `${what}: another learner's`).toBe(404);
      expect(json(other).code).toBe('NOT_FOUND');
    }
    // Their lists hold only their own rows.
    for (const list of ['/api/enrollments', '/api/certificates', '/api/quiz-submissions', '/api/assignment-submissions', '/api/payments']) {
      const items = json<{ items: { memberId: string }[] }>(await env.req('GET', list, { as: alice })).items;
      expect(items.length, list).toBeGreaterThan(0);
      expect(
        items.every((i) => i.memberId === alice.id),
        list,
      ).toBe(true);
    }
  });
});
