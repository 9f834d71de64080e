/** Tables of assignments, batch assessments and certificate evaluations, merged into DB in schema.ts. */

export interface AssignmentsTable {
  id: string;
  title: string;
  /** Markdown. */
  instructions: string;
  /** 'text' | 'file' | 'url' */
  submission_kind: string;
  course_id: string | null;
  /** The lesson of kind 'assignment' this assignment is (one assignment per lesson). */
  lesson_id: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface AssignmentSubmissionsTable {
  id: string;
  assignment_id: string;
  member_id: string;
  /** 1, 2, ... per member and assignment: every version is kept. */
  version: number;
  text: string | null;
  url: string | null;
  file_id: string | null;
  /** The batch whose assessment this submission answers (its due date decides `late`). */
  batch_id: string | null;
  due_date: string | null;
  late: number;
  /** 'submitted' | 'passed' | 'failed' */
  status: string;
  score: number | null;
  comment: string | null;
  graded_by: string | null;
  graded_at: string | null;
  submitted_at: string;
}

export interface BatchAssessmentsTable {
  id: string;
  batch_id: string;
  /** 'quiz' | 'assignment' */
  kind: string;
  quiz_id: string | null;
  assignment_id: string | null;
  /** YYYY-MM-DD, in the batch's time zone. */
  due_date: string;
  created_by: string | null;
  created_at: string;
}

export interface EvaluatorSettingsTable {
  user_id: string;
  timezone: string;
  slot_minutes: number;
  meeting_url: string | null;
  updated_at: string;
}

export interface EvaluatorAvailabilityTable {
  id: string;
  user_id: string;
  /** ISO weekday: 1 = Monday ... 7 = Sunday, in the evaluator's time zone. */
  weekday: number;
  /** HH:MM local time. */
  start_time: string;
  end_time: string;
}

export interface EvaluatorUnavailableDatesTable {
  user_id: string;
  date: string;
}

export interface CertificateRequestsTable {
  id: string;
  member_id: string;
  course_id: string;
  batch_id: string | null;
  evaluator_id: string | null;
  /** The evaluator's local date and start time of the slot. */
  date: string | null;
  start_time: string | null;
  /** The slot as UTC instants. */
  starts_at: string | null;
  ends_at: string | null;
  timezone: string | null;
  meeting_url: string | null;
  /** 'requested' | 'scheduled' | 'passed' | 'failed' | 'cancelled' */
  status: string;
  summary: string | null;
  /** Why it was rescheduled or cancelled (the latest). */
  reason: string | null;
  certificate_id: string | null;
  requested_by: string | null;
  result_by: string | null;
  result_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface AssignmentTables {
  assignments: AssignmentsTable;
  assignment_submissions: AssignmentSubmissionsTable;
  batch_assessments: BatchAssessmentsTable;
  evaluator_settings: EvaluatorSettingsTable;
  evaluator_availability: EvaluatorAvailabilityTable;
  evaluator_unavailable_dates: EvaluatorUnavailableDatesTable;
  certificate_requests: CertificateRequestsTable;
}
