/** The scheduled jobs in words: what each does, when it runs, what its last run did. */
import { fieldInWords as fieldLabel } from './audit.ts';

const JOB_LABELS: Record<string, string> = {
  'auth.purge': 'Remove expired sessions and links',
  'db.statistics': 'Refresh the database statistics',
  'certificates.expiry': 'Certificates: expire and warn before expiry',
  'hr.compliance-expiry': 'Compliance: expire rows and tell people',
  'compliance.fold-counts': 'Compliance widget: fold counters',
  'audit.head': 'Audit log: record the day’s chain head',
  'imports.reap': 'Imports: end those left unfinished',
  'mail.outbox': 'Mail: send the outbox',
  'notifications.reminders': 'Training reminders and escalations',
  'notifications.digest': 'Daily digest mails',
  'notifications.live-classes': 'Live classes starting soon',
  'notifications.enrolled': 'New enrollments: tell the learners',
  'hr.document-expiry': 'HR documents expiring',
  recertification: 'Recertification: open new cycles',
};

/** "Training reminders and escalations" for notifications.reminders; an unknown job keeps its name. */
export function jobLabel(name: string): string {
  return JOB_LABELS[name] ?? name;
}

const two = (n: string) => n.padStart(2, '0');

/** A cron pattern (UTC) in words where it is a common one: "Every minute", "Daily at 06:00". */
export function scheduleInWords(cron: string): string {
  const [min, hour, dom, month, dow] = cron.trim().split(/\s+/);
  const everyDay = dom === '*' && month === '*' && dow === '*';
  if (!everyDay || min === undefined || hour === undefined) return cron;
  if (min === '*' && hour === '*') return 'Every minute';
  const step = /^\*\/(\d+)$/.exec(min);
  if (step && hour === '*') return `Every ${step[1]} minutes`;
  if (/^\d+$/.test(min) && hour === '*') return `Every hour at :${two(min)}`;
  if (/^\d+$/.test(min) && /^\d+$/.test(hour)) return `Daily at ${two(hour)}:${two(min)}`;
  return cron;
}

/** What a run did, from its outcome (the job's JSON result): "Due soon 3 · Overdue 12"; "Nothing to do". */
export function outcomeInWords(outcome: string | null): string {
  if (!outcome) return '';
  let value: unknown;
  try {
    value = JSON.parse(outcome) as unknown;
  } catch {
    return outcome;
  }
  if (value === null || value === undefined) return 'Nothing to do';
  if (Array.isArray(value)) return value.length === 0 ? 'Nothing to do' : `${value.length.toLocaleString('en')} done`;
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? '' : 'Nothing to do';
  if (typeof value !== 'object') return JSON.stringify(value);
  const shown = (v: unknown) => typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string';
  const word = (v: unknown) => (typeof v === 'number' ? v.toLocaleString('en') : typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v));
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (shown(v)) parts.push(`${fieldLabel(k)}: ${word(v)}`);
    // A job that runs others' steps: each step's counts under its name ("Notified: expiring 2, expired 1").
    else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const inner = Object.entries(v as Record<string, unknown>).filter(([, x]) => shown(x));
      if (inner.length > 0) parts.push(`${fieldLabel(k)}: ${inner.map(([k2, x]) => `${fieldLabel(k2).toLowerCase()} ${word(x)}`).join(', ')}`);
    }
  }
  // Nothing to count: the run's status ("Done") says it all.
  return parts.join(' · ');
}
