/** Cohorts (LMS Batch): batches, members, live classes, calendar feeds. */
export interface BatchesTable {
  id: string;
  title: string;
  description: string;
  start_date: string;
  end_date: string;
  timezone: string;
  seat_count: number | null;
  /** Members now; a CHECK keeps it at or below seat_count. */
  member_count: number;
  published: number;
  allow_self_enrollment: number;
  paid: number;
  price: number | null;
  currency: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface BatchCoursesTable {
  batch_id: string;
  course_id: string;
  position: number;
  added_at: string;
}

export interface BatchStaffTable {
  batch_id: string;
  user_id: string;
  role: 'instructor' | 'evaluator';
}

export interface BatchMembersTable {
  id: string;
  batch_id: string;
  member_id: string;
  added_by: string | null;
  joined_at: string;
}

export interface LiveClassesTable {
  id: string;
  batch_id: string;
  title: string;
  description: string;
  starts_at: string;
  duration_minutes: number;
  join_url: string;
  /** RFC 5545 SEQUENCE: raised on every edit. */
  sequence: number;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface LiveClassAttendanceTable {
  live_class_id: string;
  member_id: string;
  marked_by: string | null;
  marked_at: string;
}

export interface CalendarFeedsTable {
  user_id: string;
  token_hash: string;
  created_at: string;
}

export interface BatchTables {
  batches: BatchesTable;
  batch_courses: BatchCoursesTable;
  batch_staff: BatchStaffTable;
  batch_members: BatchMembersTable;
  live_classes: LiveClassesTable;
  live_class_attendance: LiveClassAttendanceTable;
  calendar_feeds: CalendarFeedsTable;
}
