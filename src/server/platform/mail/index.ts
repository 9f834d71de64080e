export { backoffMs, claimDue, LEASE_MS, MAX_ATTEMPTS } from './outbox.ts';
export { drainOutbox, htmlPart, htmlPartToRead, mailOutboxJob, smtpUrlOf } from './sender.ts';
export type { DrainResult } from './sender.ts';
export { getOutboxMessage, listOutbox } from './outbox-list.ts';
