/** Table types for Kysely. Storage conventions: see dialect.ts. */
import type { Generated } from 'kysely';
import type { QuizTables } from './schema-quizzes.ts';
import type { CertificateTables } from './schema-certificates.ts';
import type { HrTables } from './schema-hr.ts';
import type { ImportTables } from './schema-imports.ts';

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

export interface AuthFailuresTable {
  id: string;
  email: string;
  ip: string;
  at: string;
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
  price: number | null;
  currency: string | null;
  enable_certification: number;
  certificate_issue_mode: string;
  certificate_template_id: string | null;
  certificate_validity_months: number | null;
  disable_self_enrollment: number;
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

export interface PaymentsTable {
  id: string;
  member_id: string;
  course_id: string;
  amount: number;
  currency: string;
  status: string;
  gateway: string;
  gateway_reference: string | null;
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
}

export interface LessonCompletionsTable {
  id: string;
  member_id: string;
  lesson_id: string;
  course_id: string;
  completed_at: string;
}

/** Every table; each domain declares its own tables in schema-<domain>.ts. */
export interface DB extends QuizTables, CertificateTables, HrTables, ImportTables {
  files: FilesTable;
  courses: CoursesTable;
  course_instructors: CourseInstructorsTable;
  chapters: ChaptersTable;
  lessons: LessonsTable;
  payments: PaymentsTable;
  enrollments: EnrollmentsTable;
  lesson_completions: LessonCompletionsTable;
  users: UsersTable;
  user_roles: UserRolesTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  auth_failures: AuthFailuresTable;
  audit_log: AuditLogTable;
  settings: SettingsTable;
  job_runs: JobRunsTable;
}

export type { Generated };
