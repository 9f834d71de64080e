/** SCORM packages, their items and the learners' runtime data (migration 0025). */
export interface ScormPackagesTable {
  id: string;
  title: string;
  /** '1.2' or '2004'. */
  version: string;
  /** The manifest's schemaversion as written ("1.2", "2004 3rd Edition", ...). */
  schema_version: string;
  manifest_identifier: string;
  /** The uploaded zip in the file store. */
  zip_file_id: string;
  /** The extracted files, relative to the data directory (`scorm/<id>`). */
  content_dir: string;
  total_bytes: number;
  file_count: number;
  /** 1 for the first upload, +1 per replacement. */
  revision: number;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface ScormScosTable {
  id: string;
  package_id: string;
  /** The manifest item's identifier: attempts are keyed by it. */
  item_id: string;
  title: string;
  kind: 'sco' | 'asset';
  /** Launch URL relative to the package root, with the item's parameters. */
  launch: string;
  depth: number;
  position: number;
  /** SCORM 1.2 adlcp:masteryscore (0-100). */
  mastery_score: number | null;
  /** SCORM 2004 primary objective's minNormalizedMeasure when satisfied by measure (-1..1). */
  scaled_passing_score: number | null;
}

export interface ScormAttemptsTable {
  id: string;
  lesson_id: string;
  course_id: string;
  member_id: string;
  sco_id: string;
  /** The client's commit sequence number; only a greater one updates the row. */
  seq: number | string;
  /** Identifies the runtime session that last committed (a new one folds session time into prior time). */
  session_key: string;
  completion_status: string;
  success_status: string;
  score_raw: number | null;
  score_min: number | null;
  score_max: number | null;
  score_scaled: number | null;
  session_seconds: number;
  /** Time of the sessions before the current one. */
  prior_seconds: number;
  location: string;
  suspend_data: string;
  exit: string;
  /** JSON array of { id, type, result, latency, ... }. */
  interactions: string;
  commits: number;
  created_at: string;
  updated_at: string;
}

export interface ScormTables {
  scorm_packages: ScormPackagesTable;
  scorm_scos: ScormScosTable;
  scorm_attempts: ScormAttemptsTable;
}
