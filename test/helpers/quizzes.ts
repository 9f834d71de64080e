import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import type { TestEnv, TestUser } from './harness.ts';
import { json } from './harness.ts';

export interface QuizView {
  id: string;
  courseId: string | null;
  view: 'staff' | 'learner';
  maxScore: number;
  questions: { id: string; kind: string; text: string; marks: number; options: { index: number; text: string; correct?: boolean }[] | null; answers?: string[] }[];
  attemptsUsed: number;
  attemptsLeft: number | null;
  currentAttempt: { id: string; attempt: number; deadlineAt: string | null } | null;
}

export interface SubmissionResult {
  id: string;
  attempt: number;
  status: string;
  score: number;
  maxScore: number;
  percentage: number | null;
  passed: boolean | null;
  timeTakenSeconds: number | null;
}

/** Single (2 marks), multiple (3 marks), short text (1 mark): 6 marks, all auto-graded. */
export const AUTO_QUESTIONS = [
  {
    kind: 'single',
    text: 'Which **extinguisher** is used on electrical fires?',
    options: [
      { text: 'CO2', correct: true },
      { text: 'Water', correct: false },
      { text: 'Foam', correct: false },
    ],
    marks: 2,
  },
  {
    kind: 'multiple',
    text: 'Which of these are personal protective equipment?',
    options: [
      { text: 'Gloves', correct: true },
      { text: 'Goggles', correct: true },
      { text: 'Stapler', correct: false },
      { text: 'Coffee mug', correct: false },
    ],
    marks: 3,
  },
  { kind: 'text', text: 'Name the capital of France.', answers: ['Paris', 'Lutèce'], marks: 1 },
];

export const OPEN_QUESTION = { kind: 'open', text: 'Describe the evacuation route from your desk.', marks: 4 };

export async function createQuiz(env: TestEnv, as: TestUser, body: Record<string, unknown>): Promise<QuizView> {
  const res = await env.req('POST', '/api/quizzes', { as, body: { title: 'Fire safety', passingPercentage: 50, maxAttempts: 0, questions: AUTO_QUESTIONS, ...body } });
  expect(res.statusCode, res.body).toBe(201);
  return json<QuizView>(res);
}

export async function enrollIn(env: TestEnv, courseId: string, learner: TestUser): Promise<string> {
  const res = await env.req('POST', `/api/courses/${courseId}/enroll`, { as: learner });
  expect(res.statusCode, res.body).toBe(201);
  return json<{ id: string }>(res).id;
}

/** Answers by question position for a quiz created from AUTO_QUESTIONS (+ optional open question). */
export function answersFor(quiz: QuizView, a: { single?: number[]; multiple?: number[]; text?: string; open?: string }) {
  const out: { questionId: string; choice?: number[]; text?: string }[] = [];
  for (const q of quiz.questions) {
    if (q.kind === 'single' && a.single) out.push({ questionId: q.id, choice: a.single });
    if (q.kind === 'multiple' && a.multiple) out.push({ questionId: q.id, choice: a.multiple });
    if (q.kind === 'text' && a.text !== undefined) out.push({ questionId: q.id, text: a.text });
    if (q.kind === 'open' && a.open !== undefined) out.push({ questionId: q.id, text: a.open });
  }
  return out;
}

export async function submit(env: TestEnv, as: TestUser, quizId: string, body: unknown) {
  return env.req('POST', `/api/quizzes/${quizId}/submissions`, { as, body });
}

/** The text of a PDF as poppler's pdftotext extracts it, whitespace collapsed (cells wrap over lines). */
export function pdfText(res: LightMyRequestResponse): string {
  expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
  expect(res.headers['content-type']).toBe('application/pdf');
  const buf = res.rawPayload;
  expect(buf.subarray(0, 5).toString()).toBe('%PDF-');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quiz-pdf-'));
  try {
    const file = path.join(dir, 'r.pdf');
    fs.writeFileSync(file, buf);
    return execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
