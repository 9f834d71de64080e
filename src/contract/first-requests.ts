/**
 * What a page of the web app asks the API for first, so the server can tell the browser to fetch
 * it while the page's code is still downloading (`<link rel="preload" as="fetch">` in the page it
 * sends), and the app takes up those same requests. Plain values only: the browser bundle imports
 * this file.
 */

/** Who is logged in: every page that checks the session asks it first. */
export const SESSION_URL = '/api/auth/session';

/** My Courses, the portal's landing page (`/lms`): the learner's courses and their due dates. */
export const MY_COURSES_URL = '/api/me/courses';
export const MY_ASSIGNMENTS_URL = '/api/training-assignments?limit=500';
