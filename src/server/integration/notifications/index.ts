export { enrolledJob, notifyRecentEnrollments, registerNotificationHooks } from './events.ts';
export { runReminders, remindersJob } from './reminders.ts';
export { runDigest, digestJob } from './digest.ts';
export { registerNotificationRoutes } from './notification.routes.ts';
export { fanOut, mailNotificationsSince, sqlNewId } from './fanout.ts';
export { documentExpiryJob, notifyDocumentsExpiring, withCertificateExpiryNotices, withComplianceExpiryMail } from './expiry.ts';
export { liveClassesJob, notifyLiveClassesStarting } from './live-classes.ts';
