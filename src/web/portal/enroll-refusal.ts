import { ApiError } from '../ui/api.ts';

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
