import type { Jobs } from './platform/jobs.ts';
import { purgeExpiredAuth } from './platform/auth.service.ts';
import { refreshStatistics } from './db/statistics.ts';
import { certificateExpiryJob } from './lms/certificates/index.ts';
import { complianceExpiryJob } from './hr/compliance/index.ts';
import { staleImportsJob } from './platform/imports-stale.ts';
import { complianceCountsFoldJob } from './integration/mandatory-compliance.ts';
import { auditHeadJob } from './platform/audit-chain.ts';
import { recertificationJob } from './integration/index.ts';
import { mailOutboxJob } from './platform/mail/index.ts';
import {
  digestJob,
  documentExpiryJob,
  enrolledJob,
  liveClassesJob,
  remindersJob,
  withCertificateExpiryNotices,
  withComplianceExpiryMail,
} from './integration/notifications/index.ts';

/** Every scheduled job of the server: scheduled by `smooth start`, listed and run by hand through /api/jobs and `smooth jobs`. */
export function registerAllJobs(jobs: Jobs): void {
  jobs.register({ name: 'auth.purge', schedule: '17 3 * * *', run: purgeExpiredAuth });
  jobs.register({ name: 'db.statistics', schedule: '47 3 * * *', run: (c) => refreshStatistics(c.db, c.dialect) });
  // Expiry jobs tell people: members of expiring certificates, and HR and the employee of compliance rows (mail too).
  jobs.register(withCertificateExpiryNotices(certificateExpiryJob));
  jobs.register(withComplianceExpiryMail(complianceExpiryJob));
  jobs.register(complianceCountsFoldJob);
  jobs.register(auditHeadJob);
  // Imports left unfinished by a process that stopped end as failed: every few minutes.
  jobs.register(staleImportsJob);
  jobs.register(mailOutboxJob);
  jobs.register(remindersJob);
  jobs.register(digestJob);
  jobs.register(liveClassesJob);
  jobs.register(enrolledJob);
  jobs.register(documentExpiryJob);
  jobs.register(recertificationJob);
}
