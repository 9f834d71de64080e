/**
 * A SCORM item's state and time in one set of words, for the learner's player, the course page,
 * the instructor dashboard and the PDF reports.
 */

export interface ScoReport {
  /** 1.2 lesson_status or 2004 completion_status as last reported. */
  completionStatus: string;
  /** passed, failed or unknown. */
  successStatus: string;
  /** Whether the item counts as done by the lesson rule (api.md). */
  done: boolean;
}

/** "Passed", "Completed", "Completed, failed", "Failed", "In progress"…; null: never opened. */
export function scoStatusWords(a: ScoReport | null): string {
  if (!a) return 'Not started';
  const failed = a.successStatus === 'failed' || a.completionStatus === 'failed';
  if (a.done) return a.successStatus === 'passed' || a.completionStatus === 'passed' ? 'Passed' : failed ? 'Completed, failed' : 'Completed';
  if (failed) return 'Failed';
  switch (a.completionStatus) {
    case 'completed':
      return 'Completed, not yet passed';
    case 'incomplete':
      return 'In progress';
    case 'browsed':
      return 'Only browsed';
    default:
      // "not attempted" or "unknown": opened, nothing reported yet.
      return 'Started';
  }
}

/** Time as people read it: "46 s", "12 min 5 s", "1 h 3 min 0 s". */
export function timeSpentWords(seconds: number): string {
  const t = Math.max(0, Math.round(seconds));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const s = t % 60;
  return h > 0 ? `${h} h ${m} min ${s} s` : m > 0 ? `${m} min ${s} s` : `${s} s`;
}
