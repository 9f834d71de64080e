import { describe, expect, it } from 'vitest';
import { applyManualGrades, gradeAnswers, isPassing, normalizeText, percentageOf, validateAnswers, type GradingQuestion } from './grading.ts';

const Q: GradingQuestion[] = [
  { id: 'a', position: 0, kind: 'single', text: 'S', marks: 2, options: [{ text: 'x', correct: false }, { text: 'y', correct: true }], answers: null, explanation: null },
  { id: 'b', position: 1, kind: 'text', text: 'T', marks: 1, options: null, answers: ['Straße', 'New  York'], explanation: null },
  { id: 'c', position: 2, kind: 'open', text: 'O', marks: 3, options: null, answers: null, explanation: null },
];

describe('quiz grading (pure)', () => {
  it('folds case, trims, normalises Unicode and inner whitespace for short text', () => {
    expect(normalizeText('  NEW   york ')).toBe('new york');
    expect(normalizeText('ＡＢＣ')).toBe('abc');
    const r = gradeAnswers(Q, [{ questionId: 'b', text: ' new york' }]);
    expect(r.answers[1]!.awardedMarks).toBe(1);
    expect(gradeAnswers(Q, [{ questionId: 'b', text: 'Strasse' }]).answers[1]!.awardedMarks).toBe(0);
  });

  it('percentage has two decimals and the pass compares what is printed', () => {
    expect(percentageOf(2, 3)).toBe(66.67);
    expect(isPassing(2, 3, 66.67)).toBe(true);
    expect(isPassing(2, 3, 66.68)).toBe(false);
    expect(isPassing(0, 5, 0)).toBe(true);
  });

  it('open answers wait; manual grades must cover every open answer within its marks', () => {
    const r = gradeAnswers(Q, [{ questionId: 'a', choice: [1] }, { questionId: 'c', text: 'essay' }]);
    expect(r).toMatchObject({ score: 2, maxScore: 6, pendingReview: true });
    expect(applyManualGrades(r.answers, []).errors).toHaveLength(1);
    expect(applyManualGrades(r.answers, [{ questionId: 'c', marks: 4 }]).errors.map((e) => e.path)).toEqual(['marks.0.marks']);
    expect(applyManualGrades(r.answers, [{ questionId: 'a', marks: 2 }, { questionId: 'c', marks: 1 }]).errors.map((e) => e.path)).toEqual(['marks.0.questionId']);
    const ok = applyManualGrades(r.answers, [{ questionId: 'c', marks: 3, comment: 'fine' }]);
    expect(ok).toMatchObject({ score: 5, errors: [] });
    expect(ok.answers[2]).toMatchObject({ awardedMarks: 3, correct: true, comment: 'fine' });
  });

  it('validation names the offending path', () => {
    expect(validateAnswers(Q, [{ questionId: 'zz', choice: [0] }]).map((e) => e.path)).toEqual(['answers.0.questionId']);
    expect(validateAnswers(Q, [{ questionId: 'a', choice: [2] }]).map((e) => e.path)).toEqual(['answers.0.choice.0']);
    expect(validateAnswers(Q, [{ questionId: 'b', choice: [0] }]).map((e) => e.path)).toEqual(['answers.0.choice']);
    expect(validateAnswers(Q, [{ questionId: 'a', choice: [1] }, { questionId: 'a', choice: [1] }]).map((e) => e.path)).toEqual(['answers.1.questionId']);
    expect(validateAnswers(Q, [{ questionId: 'a', choice: [1] }, { questionId: 'b', text: 'x' }, { questionId: 'c', text: 'y' }])).toEqual([]);
  });
});
