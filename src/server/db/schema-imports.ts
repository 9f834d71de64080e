/** Tables of this domain, merged into DB in schema.ts. */

/** One CSV import (enrollments, employees, ...): its options, progress and outcome. */
export interface ImportsTable {
  id: string;
  /** 'enrollments' | 'employees' | 'training-assignments' */
  kind: string;
  /** 'queued' | 'running' | 'done' | 'failed' */
  status: string;
  /** 'validating' | 'writing' | 'finished' */
  phase: string;
  file_name: string;
  /** 'all-or-nothing' | 'valid-rows' */
  mode: string;
  dry_run: number;
  processed: number;
  total: number;
  created: number;
  skipped: number;
  error_count: number;
  /** JSON array of { row, column, message }, at most 1000 entries. */
  errors_json: string;
  created_by: string | null;
  created_at: string;
  finished_at: string | null;
  /** When the process running it last wrote; a queued/running import silent for long is reaped. */
  heartbeat_at: string | null;
  /** `host:pid` of the process running it. */
  owner: string | null;
  /** The uploaded CSV's name under DATA_DIR/imports (deleted when the import ends), or null (CLI). */
  upload_file: string | null;
}

export interface ImportTables {
  imports: ImportsTable;
}
