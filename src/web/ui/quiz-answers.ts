/** A quiz answer in words, for the learner's result (portal) and the grader's page (desk). */
import type { Submission } from '../../contract/quizzes.ts';

type Answer = Submission['answers'][number];

/** What the learner answered: the chosen options' texts or the typed text; null when nothing. */
export function givenAnswerText(a: Answer): string | null {
  if (a.givenChoice && a.options) {
    const chosen = a.options.filter((o) => a.givenChoice!.includes(o.index)).map((o) => o.text);
    return chosen.length ? chosen.join(', ') : null;
  }
  return a.givenText?.trim() ? a.givenText : null;
}

/** The right answer when the caller may see it: the correct options, or the accepted texts; null otherwise. */
export function correctAnswerText(a: Answer): string | null {
  if (a.options) {
    const right = a.options.filter((o) => o.correct).map((o) => o.text);
    return right.length ? right.join(', ') : null;
  }
  return a.acceptedAnswers?.length ? a.acceptedAnswers.join(' or ') : null;
}
