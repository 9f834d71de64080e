export { inCurrentCycle } from './attempt-cycle.ts';
export { gradeSubmission, submitQuiz } from './attempt.service.ts';
export { courseQuizPdf, courseQuizReportDoc, quizSubmissionPdf, submissionReportDoc } from './quiz-report.ts';
export { assertQuizLinkable } from './quiz.policy.ts';
export { registerQuizRoutes } from './quiz.routes.ts';
export { checkQuizWindow, createQuiz, listQuizzes, loadQuestions, questionRows } from './quiz.service.ts';
export { courseQuizReportData, submissionReportData } from './submission.service.ts';
