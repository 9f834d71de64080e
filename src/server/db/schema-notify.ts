/** Mail outbox, notification preferences and templates (migration 0026). */
import type { Generated, Selectable } from 'kysely';

export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed';

export interface MailOutboxTable {
  id: string;
  to_address: string;
  user_id: string | null;
  notification_id: string | null;
  dedupe_key: string | null;
  event: string;
  subject: string;
  body_markdown: string;
  status: Generated<OutboxStatus>;
  attempts: Generated<number>;
  next_attempt_at: string;
  lease_until: string | null;
  last_error: string | null;
  message_id: string | null;
  sent_at: string | null;
  created_at: string;
  updated_at: string;
}

/** An outbox row as read. */
export type OutboxRow = Selectable<MailOutboxTable>;

export interface NotificationPreferencesTable {
  user_id: string;
  email: number;
  digest: 'off' | 'daily';
  updated_at: string;
}

export interface NotificationTemplatesTable {
  event: string;
  subject: string;
  body: string;
  updated_by: string | null;
  updated_at: string;
}

export interface NotifyTables {
  mail_outbox: MailOutboxTable;
  notification_preferences: NotificationPreferencesTable;
  notification_templates: NotificationTemplatesTable;
  enrollment_cycles: EnrollmentCyclesTable;
  cycle_lesson_completions: CycleLessonCompletionsTable;
}

export interface EnrollmentCyclesTable {
  id: string;
  enrollment_id: string;
  member_id: string;
  course_id: string;
  cycle: number;
  started_at: string;
  completed_at: string | null;
  certificate_id: string;
  closed_at: string;
}

export interface CycleLessonCompletionsTable {
  cycle_id: string;
  lesson_id: string;
  completed_at: string;
}
