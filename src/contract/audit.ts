import { z } from 'zod';
import type { Role } from './roles.ts';

/** Who reads the audit log (verifying its chain is for System Managers alone). */
export const AUDIT_READERS = ['System Manager', 'Moderator'] as const satisfies readonly Role[];

/** Who reads one course's audit trail (a Course Creator only for the courses they teach; System Managers always). */
export const COURSE_AUDIT_READERS = ['Moderator', 'Course Creator'] as const satisfies readonly Role[];

/** One audit log entry as the API answers it. */
export const AuditEntry = z.object({
  id: z.string(),
  at: z.string(),
  actorId: z.string().nullable(),
  action: z.string(),
  entity: z.string(),
  entityId: z.string(),
  before: z.unknown(),
  after: z.unknown(),
  requestId: z.string().nullable(),
  importId: z.string().nullable(),
  position: z.number().int().nullable().describe('Place in the hash chain (1 is the first entry)'),
  hash: z.string().nullable().describe('SHA-256 (hex) of the entry and prevHash'),
  prevHash: z.string().nullable().describe('hash of the entry before it in the chain'),
});

/** The fields an audit entry changed, with their values before and after (shared by the desk and the CSV export). */
export function changesOf(e: { before: unknown; after: unknown }): { field: string; from: unknown; to: unknown }[] {
  const b = (e.before && typeof e.before === 'object' ? e.before : {}) as Record<string, unknown>;
  const a = (e.after && typeof e.after === 'object' ? e.after : {}) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  return keys
    // A field absent on one side and empty (null) on the other did not change: a new record's empty
    // fields are not news.
    .filter((k) => JSON.stringify(b[k] ?? null) !== JSON.stringify(a[k] ?? null))
    .map((k) => ({ field: k, from: k in b ? b[k] : undefined, to: k in a ? a[k] : undefined }));
}

/** A field or key name in words: "lastActivityAt" → "Last activity at", "memberId" / "member_id" → "Member", "pdfUrl" → "PDF URL". */
export function fieldInWords(name: string): string {
  const base = /.(Id|_id)$/.test(name) ? name.replace(/(Id|_id)$/, '') : name;
  const words = base
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]/g, ' ')
    .toLowerCase()
    // Initialisms stay capitals: "escalatedToHr" → "Escalated to HR".
    .replace(/\b(hr|url|pdf|csv|scorm|sco|smtp|api|utc)\b/g, (m) => m.toUpperCase());
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const ACTION_WORDS: Record<string, string> = {
  create: 'Created',
  update: 'Changed',
  delete: 'Deleted',
  revoke: 'Revoked',
  import: 'Imported',
  suspend: 'Suspended',
  resume: 'Resumed',
  complete: 'Completed',
  'mark-complete': 'Marked complete',
  issue: 'Issued',
  grade: 'Graded',
  submit: 'Submitted',
  recertify: 'Recertified',
  renew: 'Renewed',
  expire: 'Expired',
  cancel: 'Cancelled',
  disable: 'Disabled',
  reschedule: 'Rescheduled',
  replace: 'Replaced',
  move: 'Moved',
  book: 'Booked',
  leave: 'Left',
  start: 'Started',
  login: 'Logged in',
  'set-password': 'Password set',
  'grant-role': 'Role granted',
  'attach-file': 'File attached',
  'add-course': 'Course added',
};

/** What an audited action is called in words: "delete" → "Deleted", "set-file" → "Set file". */
export function actionInWords(action: string): string {
  return ACTION_WORDS[action] ?? fieldInWords(action);
}
