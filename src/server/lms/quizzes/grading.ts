/**
 * Pure quiz grading: no database, no clock. The service validates answers against the quiz
 * (validateAnswers) and then grades them (gradeAnswers); the result is stored on the submission
 * with a copy of each question as it was asked, so later edits of the quiz never change a record.
 */
import type { QuestionKind } from '../../../contract/quizzes.ts';
import type { FieldError } from '../../http/errors.ts';

export interface GradingOption {
  text: string;
  correct: boolean;
}

export interface GradingQuestion {
  id: string;
  position: number;
  kind: QuestionKind;
  text: string;
  marks: number;
  options: GradingOption[] | null;
  answers: string[] | null;
  explanation: string | null;
}

export interface GivenAnswer {
  questionId: string;
  choice?: number[] | undefined;
  text?: string | undefined;
}

/** One stored answer: the question as asked, what was given and what it earned. */
export interface GradedAnswer {
  questionId: string;
  position: number;
  kind: QuestionKind;
  text: string;
  marks: number;
  options: GradingOption[] | null;
  acceptedAnswers: string[] | null;
  explanation: string | null;
  givenChoice: number[] | null;
  givenText: string | null;
  /** null while an open answer waits for a grader. */
  awardedMarks: number | null;
  correct: boolean | null;
  comment: string | null;
}

export interface GradeResult {
  answers: GradedAnswer[];
  score: number;
  maxScore: number;
  /** True when an open question waits for a person. */
  pendingReview: boolean;
}

/** Trim, Unicode-normalise, fold case and collapse inner whitespace. */
export function normalizeText(s: string): string {
  return s.normalize('NFKC').trim().replace(/\s+/g, ' ').toLocaleLowerCase('und');
}

/**
 * Checks the answers name questions of this quiz, at most once each, with the fields their kind
 * takes and option indexes that exist. Returns field errors (empty when fine).
 */
export function validateAnswers(questions: readonly GradingQuestion[], given: readonly GivenAnswer[]): FieldError[] {
  const byId = new Map(questions.map((q) => [q.id, q]));
  const seen = new Set<string>();
  const errs: FieldError[] = [];
  given.forEach((a, i) => {
    const q = byId.get(a.questionId);
    if (!q) {
      errs.push({ path: `answers.${i}.questionId`, message: 'Not a question of this quiz.' });
      return;
    }
    if (seen.has(a.questionId)) errs.push({ path: `answers.${i}.questionId`, message: 'This question is answered twice.' });
    seen.add(a.questionId);
    const isChoice = q.kind === 'single' || q.kind === 'multiple';
    if (isChoice) {
      if (a.text !== undefined) errs.push({ path: `answers.${i}.text`, message: 'A choice question takes `choice`, not `text`.' });
      const n = q.options?.length ?? 0;
      const choice = a.choice ?? [];
      if (new Set(choice).size !== choice.length) errs.push({ path: `answers.${i}.choice`, message: 'An option is chosen twice.' });
      choice.forEach((c, j) => {
        if (c < 0 || c >= n) errs.push({ path: `answers.${i}.choice.${j}`, message: `No option ${c}: this question has options 0 to ${n - 1}.` });
      });
    } else if (a.choice !== undefined) {
      errs.push({ path: `answers.${i}.choice`, message: 'A text question takes `text`, not `choice`.' });
    }
  });
  return errs;
}

function sameSet(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  const s = new Set(a);
  return b.every((x) => s.has(x));
}

/**
 * Grades validated answers. Single and multiple choice are all-or-nothing per question (the
 * chosen set must equal the correct set: a missing or an extra option earns nothing); short text
 * earns full marks when it equals an accepted answer after normalizeText; open answers wait for
 * a person. A question without an answer earns 0.
 */
export function gradeAnswers(questions: readonly GradingQuestion[], given: readonly GivenAnswer[]): GradeResult {
  const byQ = new Map(given.map((a) => [a.questionId, a]));
  let score = 0;
  let maxScore = 0;
  let pendingReview = false;
  const answers = [...questions]
    .sort((a, b) => a.position - b.position)
    .map((q): GradedAnswer => {
      maxScore += q.marks;
      const a = byQ.get(q.id);
      const givenChoice = q.kind === 'single' || q.kind === 'multiple' ? [...(a?.choice ?? [])].sort((x, y) => x - y) : null;
      const givenText = q.kind === 'text' || q.kind === 'open' ? (a?.text ?? null) : null;
      let correct: boolean | null;
      if (q.kind === 'single' || q.kind === 'multiple') {
        const right = (q.options ?? []).flatMap((o, i) => (o.correct ? [i] : []));
        correct = givenChoice!.length > 0 && sameSet(givenChoice!, right);
      } else if (q.kind === 'text') {
        const t = givenText === null ? '' : normalizeText(givenText);
        correct = t !== '' && (q.answers ?? []).some((acc) => normalizeText(acc) === t);
      } else {
        correct = null;
        pendingReview = true;
      }
      const awardedMarks = correct === null ? null : correct ? q.marks : 0;
      score += awardedMarks ?? 0;
      return {
        questionId: q.id,
        position: q.position,
        kind: q.kind,
        text: q.text,
        marks: q.marks,
        options: q.options,
        acceptedAnswers: q.answers,
        explanation: q.explanation,
        givenChoice,
        givenText,
        awardedMarks,
        correct,
        comment: null,
      };
    });
  return { answers, score, maxScore, pendingReview };
}

/** Percentage with two decimals. */
export function percentageOf(score: number, maxScore: number): number {
  if (maxScore <= 0) return 0;
  return Math.round((score * 10000) / maxScore) / 100;
}

/** Passed when the stored percentage (two decimals, as printed) reaches the passing percentage. */
export function isPassing(score: number, maxScore: number, passingPercentage: number): boolean {
  if (maxScore <= 0) return true;
  return percentageOf(score, maxScore) >= passingPercentage;
}

/** Applies a person's marks to the open answers; every open answer must get marks within its maximum. */
export function applyManualGrades(
  answers: readonly GradedAnswer[],
  grades: readonly { questionId: string; marks: number; comment?: string | undefined }[],
): { answers: GradedAnswer[]; score: number; errors: FieldError[] } {
  const errs: FieldError[] = [];
  const byQ = new Map<string, { marks: number; comment?: string | undefined }>();
  grades.forEach((g, i) => {
    const a = answers.find((x) => x.questionId === g.questionId);
    if (!a) errs.push({ path: `marks.${i}.questionId`, message: 'Not a question of this submission.' });
    else if (a.kind !== 'open') errs.push({ path: `marks.${i}.questionId`, message: 'Only open answers are graded by hand.' });
    else if (byQ.has(g.questionId)) errs.push({ path: `marks.${i}.questionId`, message: 'This question is graded twice.' });
    else if (g.marks > a.marks) errs.push({ path: `marks.${i}.marks`, message: `At most ${a.marks} marks for this question.` });
    byQ.set(g.questionId, g);
  });
  answers.forEach((a) => {
    if (a.kind === 'open' && !byQ.has(a.questionId)) errs.push({ path: 'marks', message: `Question ${a.position + 1} (open answer) needs marks.` });
  });
  let score = 0;
  const out = answers.map((a) => {
    if (a.kind !== 'open') {
      score += a.awardedMarks ?? 0;
      return a;
    }
    const g = byQ.get(a.questionId);
    const awarded = g?.marks ?? 0;
    score += awarded;
    return { ...a, awardedMarks: awarded, correct: awarded >= a.marks, comment: g?.comment ?? null };
  });
  return { answers: out, score, errors: errs };
}
