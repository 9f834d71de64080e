/** Table types for Kysely. Storage conventions: see dialect.ts. */
import type { Generated } from 'kysely';
import type { QuizTables } from './schema-quizzes.ts';
import type { CertificateTables } from './schema-certificates.ts';
import type { HrTables } from './schema-hr.ts';
import type { NotifyTables } from './schema-notify.ts';
import type { ImportTables } from './schema-imports.ts';
import type { BatchTables } from './schema-batches.ts';
import type { ScormTables } from './schema-scorm.ts';
import type { AssignmentTables } from './schema-assignments.ts';
import type { PaymentTables } from './schema-payments.ts';

export interface UsersTable {
  id: string;
  email: string;
  full_name: string;
  password_hash: string | null;
  enabled: number;
  created_at: string;
  updated_at: string;
}

export interface UserRolesTable {
  user_id: string;
  role: string;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  ip: string | null;
  user_agent: string | null;
}

/** A one-time set-password link (migration 0033): id is the SHA-256 (base64url) of its secret. */
export interface PasswordLinksTable {
  id: string;
  user_id: string;
  purpose: 'invitation' | 'reset';
  created_by: string | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** One counter per login key (`email:...`, `ip:...`); see auth.service.ts. */
export interface LoginThrottleTable {
  key: string;
  failures: number;
  next_at: string;
  updated_at: string;
}

export interface AuditLogTable {
  id: string;
  at: string;
  actor_id: string | null;
  action: string;
  entity: string;
  entity_id: string;
  before_json: string | null;
  after_json: string | null;
  request_id: string | null;
  import_id: string | null;
  /**
   * Chain position, predecessor's hash and own hash: filled by the database's trigger on SQLite, by
   * the sealer just after commit on PostgreSQL (platform/audit-chain.ts; there a `tx` column, the
   * writer's transaction id, says when an entry may be sealed).
   */
  seq: Generated<number | null>;
  prev_hash: Generated<string | null>;
  hash: Generated<string | null>;
}

/** The audit chain's last position and hash (one row, id 1). */
export interface AuditChainHeadTable {
  id: number;
  seq: number;
  hash: string;
}

/** Heads of the audit chain recorded by the audit.head job. */
export interface AuditHeadsTable {
  id: string;
  at: string;
  seq: number;
  hash: string;
}

export interface SettingsTable {
  key: string;
  value_json: string;
  updated_at: string;
}

export interface JobRunsTable {
  name: string;
  slot: string;
  started_at: string;
  finished_at: string | null;
  status: string;
  /** What the run returned (JSON) or why it failed. */
  outcome: string | null;
}

export interface FilesTable {
  id: string;
  storage_key: string;
  filename: string;
  content_type: string;
  size: number;
  sha256: string;
  purpose: string;
  created_by: string | null;
  created_at: string;
}

export interface CoursesTable {
  id: string;
  title: string;
  short_introduction: string;
  description: string;
  image_file_id: string | null;
  category: string | null;
  /** JSON array of strings. */
  tags: string;
  published: number;
  published_at: string | null;
  mandatory: number;
  paid: number;
  /** Integer minor units of `currency` (cents), like batch prices and payments. */
  price: number | null;
  currency: string | null;
  enable_certification: number;
  /** 1: the certificate is issued only through a passing certificate evaluation. */
  evaluation_required: Generated<number>;
  certificate_issue_mode: string;
  certificate_template_id: string | null;
  certificate_validity_months: number | null;
  /** 1: the certificate waits for the learner's attestation (attestations). */
  requires_attestation: Generated<number>;
  attestation_text: Generated<string | null>;
  /** A new cycle opens this many days before a certificate expires (recertification); null: never. */
  recertify_days_before: number | null;
  disable_self_enrollment: number;
  /** Self-enrollment window (ISO timestamps) and capacity (migration 0035); null: not limited. */
  enrollment_opens_at: Generated<string | null>;
  enrollment_closes_at: Generated<string | null>;
  max_enrollments: Generated<number | null>;
  sequential: number;
  /** Number of lessons, kept by the lesson writes (recomputeProgress). */
  lesson_count: number;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface CourseInstructorsTable {
  course_id: string;
  user_id: string;
}

export interface ChaptersTable {
  id: string;
  course_id: string;
  title: string;
  position: number;
  created_at: string;
}

export interface LessonsTable {
  id: string;
  course_id: string;
  chapter_id: string;
  title: string;
  kind: string;
  body: string;
  video_url: string | null;
  file_id: string | null;
  quiz_id: string | null;
  scorm_package_id: string | null;
  is_preview: number;
  position: number;
  created_at: string;
  updated_at: string;
}

export interface EnrollmentsTable {
  id: string;
  member_id: string;
  course_id: string;
  /** Lessons of the course the member completed; progress is derived (lms/progress.service.ts). */
  completed_lessons: number;
  current_lesson_id: string | null;
  source: string;
  batch_id: string | null;
  payment_id: string | null;
  completed_at: string | null;
  last_activity_at: string;
  created_by: string | null;
  created_at: string;
  /** Suspension (migration 0034): the learner keeps the record but may not open lessons or submit. */
  suspended_at: string | null;
  suspended_by: string | null;
  suspend_reason: string | null;
  /** Manual completion (migration 0034): who marked the course complete, when, why, with what evidence. */
  completed_manually_at: string | null;
  completed_manually_by: string | null;
  completed_manually_reason: string | null;
  completion_evidence_file_id: string | null;
}

/** An enrollment as every enrollment path inserts it: not suspended, not completed by hand (those columns stay null). */
export type NewEnrollmentsRow = Omit<
  EnrollmentsTable,
  | 'suspended_at'
  | 'suspended_by'
  | 'suspend_reason'
  | 'completed_manually_at'
  | 'completed_manually_by'
  | 'completed_manually_reason'
  | 'completion_evidence_file_id'
>;

export interface LessonCompletionsTable {
  id: string;
  member_id: string;
  lesson_id: string;
  course_id: string;
  completed_at: string;
}

/** Every table; each domain declares its own tables in schema-<domain>.ts. */
export interface DB
  extends QuizTables, CertificateTables, HrTables, ImportTables, BatchTables, ScormTables, NotifyTables, AssignmentTables, PaymentTables {
  files: FilesTable;
  courses: CoursesTable;
  course_instructors: CourseInstructorsTable;
  chapters: ChaptersTable;
  lessons: LessonsTable;
  enrollments: EnrollmentsTable;
  lesson_completions: LessonCompletionsTable;
  users: UsersTable;
  user_roles: UserRolesTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  password_links: PasswordLinksTable;
  login_throttle: LoginThrottleTable;
  audit_log: AuditLogTable;
  audit_chain_head: AuditChainHeadTable;
  audit_heads: AuditHeadsTable;
  settings: SettingsTable;
  job_runs: JobRunsTable;
}

export type { Generated };
