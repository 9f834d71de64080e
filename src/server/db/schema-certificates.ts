/** Tables of this domain, merged into DB in schema.ts. */
import type { Generated } from 'kysely';

export interface CertificateTemplatesTable {
  id: string;
  name: string;
  /** 'landscape' | 'portrait' */
  orientation: string;
  /** 'A4' | 'LETTER' */
  page_size: string;
  title: string;
  subtitle: string;
  /** Text with {{placeholders}}. */
  body: string;
  signer_name: string;
  signer_title: string;
  /** #rrggbb */
  primary_color: string;
  text_color: string;
  background_color: string;
  /** 'DejaVuSerif' | 'DejaVuSans' */
  title_font: string;
  body_font: string;
  background_file_id: string | null;
  logo_file_id: string | null;
  signature_file_id: string | null;
  is_default: number;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface CertificatesTable {
  id: string;
  member_id: string;
  course_id: string;
  template_id: string | null;
  /** YYYY-MM-DD */
  issue_date: string;
  /** YYYY-MM-DD, null = no expiry. */
  expiry_date: string | null;
  verification_code: string;
  /** 'auto' | 'claim' | 'manual' | 'evaluation' */
  source: string;
  /** The batch the certificate was earned in (through an evaluation). */
  batch_id: string | null;
  issued_by: string | null;
  revoked_at: string | null;
  revoked_by: string | null;
  revoke_reason: string | null;
  /** Set by the daily expiry job: null, 'expiring' or 'expired'. */
  expiry_notice: string | null;
  expiry_notice_at: string | null;
  /** Set when the member started a new cycle of the course (recertification); null for the current certificate. */
  superseded_at: string | null;
  created_at: string;
}

export interface CertificateZipJobsTable {
  id: string;
  created_by: string | null;
  /** JSON of the list filters. */
  filters_json: string;
  /** 'queued' | 'running' | 'done' | 'failed' */
  status: string;
  processed: number;
  total: number;
  file_id: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
  /** The process running it, `host:pid:start` (platform/process-owner.ts); null on jobs from before owners were recorded. */
  owner: string | null;
}

/** A learner's signed statement for a course (courses.requires_attestation), per content version. */
export interface AttestationsTable {
  id: string;
  member_id: string;
  course_id: string;
  /** sha256 (hex) of the course content the learner completed: see attestation.service.ts. */
  content_hash: string;
  statement: string;
  signed_at: string;
  client_address: string | null;
  user_agent: string | null;
  /** The member's recertification cycle of the course when they signed (1 + the cycles closed before). */
  cycle: Generated<number>;
}

export interface CertificateTables {
  certificate_templates: CertificateTemplatesTable;
  certificates: CertificatesTable;
  certificate_zip_jobs: CertificateZipJobsTable;
  attestations: AttestationsTable;
}
