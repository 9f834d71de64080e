/** A compliance row's status in the words both the desk and the portal show. */
import type { COMPLIANCE_STATUSES } from '../../contract/compliance.ts';

export const COMPLIANCE_STATUS_WORDS: Record<(typeof COMPLIANCE_STATUSES)[number], string> = {
  pending: 'Pending',
  complete: 'Completed',
  expiring: 'Expiring',
  expired: 'Expired',
};
