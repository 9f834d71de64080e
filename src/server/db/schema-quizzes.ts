import type { Generated } from 'kysely';
/** Tables of this domain, merged into DB in schema.ts. */

export interface QuizzesTable {
  id: string;
  course_id: string | null;
  title: string;
  description: string;
  passing_percentage: number;
  /** 0 = unlimited. */
  max_attempts: number;
  time_limit_minutes: number | null;
  shuffle: number;
  show_answers: number;
  /** When learners may start and submit attempts (migration 0035); null: not limited. */
  opens_at: Generated<string | null>;
  closes_at: Generated<string | null>;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface QuizQuestionsTable {
  id: string;
  quiz_id: string;
  position: number;
  /** single | multiple | text | open */
  kind: string;
  /** Markdown. */
  text: string;
  /** JSON array of { text, correct } for choice questions, else null. */
  options_json: string | null;
  /** JSON array of accepted answers for short-text questions, else null. */
  answers_json: string | null;
  marks: number;
  explanation: string | null;
}

/**
 * One attempt of one member at one quiz, from start to grade. `attempt` is numbered inside the
 * starting transaction; the unique (quiz, member, preview, attempt) index makes max attempts hold
 * under concurrent starts.
 */
export interface QuizSubmissionsTable {
  id: string;
  quiz_id: string;
  course_id: string | null;
  member_id: string;
  attempt: number;
  /** in_progress | pending_review | graded | expired */
  status: string;
  started_at: string;
  deadline_at: string | null;
  submitted_at: string | null;
  time_taken_seconds: number | null;
  /** JSON: { questions: [questionId], options: { [questionId]: [index] } } — the order shown in this attempt. */
  order_json: string;
  /** JSON array of graded answers with a copy of each question as asked (see quiz-grading.ts). */
  answers_json: string | null;
  score: number | null;
  max_score: number | null;
  percentage: number | null;
  /** 0/1, null until final. */
  passed: number | null;
  graded_by: string | null;
  graded_at: string | null;
  created_at: string;
  /** 0/1: an author trying the quiz out; numbered on its own, never counted, listed or reported. */
  preview: number;
  /** JSON array of the questions as they were when the attempt started (see quiz-grading.ts GradingQuestion); null once submitted. */
  questions_json: string | null;
}

/** Per-learner quiz settings set by staff: extra attempts and a later close (migration 0035). */
export interface QuizOverridesTable {
  id: string;
  quiz_id: string;
  member_id: string;
  extra_attempts: number;
  closes_at: string | null;
  updated_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface QuizTables {
  quizzes: QuizzesTable;
  quiz_overrides: QuizOverridesTable;
  quiz_questions: QuizQuestionsTable;
  quiz_submissions: QuizSubmissionsTable;
}
