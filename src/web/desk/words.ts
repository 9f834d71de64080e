/** Codes the API speaks (statuses, sources, actions, entities) in the words the desk shows. */
import { ENROLLMENT_SOURCE_WORDS } from '../../contract/enrollments.ts';

const WORDS: Record<string, string> = {
  // Enrollment sources
  ...ENROLLMENT_SOURCE_WORDS,
  // Statuses
  in_progress: 'In progress',
  pending_review: 'Pending review',
  not_started: 'Not started',
  // Audit log: what was done, to what
  create: 'Created',
  update: 'Updated',
  delete: 'Deleted',
  login: 'Logged in',
  logout: 'Logged out',
  submit: 'Submitted',
  complete: 'Completed',
  revoke: 'Revoked',
  restore: 'Restored',
  suspend: 'Suspended',
  resume: 'Resumed',
  'mark-complete': 'Marked complete',
  'set-password': 'Password set',
  'grant-role': 'Role granted',
  'set-image': 'Image set',
  'remove-image': 'Image removed',
  'set-file': 'File set',
  'attach-file': 'File attached',
  'set-instructors': 'Instructors set',
  'reorder-lessons': 'Lessons reordered',
  'reorder-chapters': 'Chapters reordered',
  'expiry-scan': 'Expiry scan',
  'group-request': 'Group request',
  issue: 'Issued',
  grade: 'Graded',
  import: 'Imported',
  start: 'Started',
  renew: 'Renewed',
  recertify: 'Recertified',
  expire: 'Expired',
  disable: 'Disabled',
  cancel: 'Cancelled',
  book: 'Booked',
  replace: 'Replaced',
  reschedule: 'Rescheduled',
  move: 'Moved',
  quiz_submission: 'Quiz submission',
  training_assignment: 'Training assignment',
  employee_document: 'Employee document',
  employee_compliance: 'Compliance record',
  api_token: 'API token',
  certificate_template: 'Certificate template',
  scorm_package: 'SCORM package',
  notification_preferences: 'Notification preferences',
  notification_template: 'Notification template',
  batch_assessment: 'Batch assessment',
  evaluator_availability: 'Evaluator availability',
  calendar_feed: 'Calendar address',
  // Payments, lesson and hand-in kinds
  stripe: 'Stripe',
  scorm: 'SCORM',
  url: 'Link (URL)',
};

/** "pending_review" → "Pending review"; codes with a word of their own get it; other text as it is. */
export function wordsOf(code: string): string {
  const known = WORDS[code];
  if (known) return known;
  const spaced = code.replace(/[_-]/g, ' ');
  return /^[a-z]/.test(spaced) ? spaced.charAt(0).toUpperCase() + spaced.slice(1) : spaced;
}

/** Select data for a list of codes: the code as value, its words as label. */
export function optionsInWords(codes: readonly string[]): { value: string; label: string }[] {
  return codes.map((c) => ({ value: c, label: wordsOf(c) }));
}
