import { ApiError } from '../ui/api.ts';
import { readableDateTime } from '../ui/dates.ts';
import type { Course } from '../../contract/courses.ts';

/**
 * Why an enrollment was refused, in plain words for a learner (never the raw error). Keyed by the
 * API's stable error codes.
 */
export function enrollRefusal(error: unknown): { title: string; message: string } {
  const code = error instanceof ApiError ? error.code : null;
  switch (code) {
    case 'COURSE_NOT_PUBLISHED':
      return {
        title: 'This course is not open for enrollment',
        message: 'It is not published at the moment, so nobody can enroll in it. Ask your training team when it will be available.',
      };
    case 'PAYMENT_REQUIRED':
      return {
        title: 'Payment required',
        message: 'This is a paid course. You can enroll once the payment for it is complete — ask your training team about paying for it.',
      };
    case 'SELF_ENROLLMENT_DISABLED':
      return {
        title: 'Enrollment is handled by your training team',
        message: 'This course does not take enrollments from learners. Ask your training team to enroll you.',
      };
    case 'ENROLLMENT_CLOSED':
      return {
        title: 'Enrollment is not open',
        message: 'Learners can enroll in this course only between its opening and closing dates. Ask your training team if you need a place.',
      };
    case 'COURSE_FULL':
      return {
        title: 'This course is full',
        message: 'Every place has been taken. Ask your training team whether a place can be made for you.',
      };
    case 'NOT_FOUND':
      return { title: 'This course is no longer available', message: 'It may have been removed. Look for it again in the catalog.' };
    case 'UNAUTHENTICATED':
      return { title: 'Your session has ended', message: 'Log in again, then try to enroll.' };
    default:
      if (error instanceof TypeError) {
        return { title: 'Enrollment did not go through', message: 'The server could not be reached. Check your connection and try again.' };
      }
      return { title: 'Enrollment did not go through', message: 'Something went wrong on our side. Try again in a moment.' };
  }
}

/** "Enrollment opens on …", "Enrollment closed on …", "Full", "N places left" — or null when unlimited. */
export function enrollmentWindowText(c: Pick<Course, 'enrollmentState' | 'enrollmentOpensAt' | 'enrollmentClosesAt' | 'placesLeft'>): string | null {
  if (c.enrollmentState === 'not_yet_open' && c.enrollmentOpensAt) return `Enrollment opens on ${readableDateTime(c.enrollmentOpensAt)}.`;
  if (c.enrollmentState === 'closed' && c.enrollmentClosesAt) return `Enrollment closed on ${readableDateTime(c.enrollmentClosesAt)}.`;
  if (c.enrollmentState === 'full') return 'This course is full: no places are left.';
  const parts: string[] = [];
  if (c.placesLeft !== null) parts.push(c.placesLeft === 1 ? '1 place left' : `${c.placesLeft} places left`);
  if (c.enrollmentClosesAt) parts.push(`enrollment closes on ${readableDateTime(c.enrollmentClosesAt)}`);
  if (!parts.length) return null;
  const text = parts.join('; ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}
