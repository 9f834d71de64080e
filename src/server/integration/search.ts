import type { Actor, AppContext } from '../context.ts';
import type { App } from '../http/types.ts';
import { actorOf, hasAnyRole } from '../http/access.ts';
import { HR_ROLES, type Role } from '../../contract/roles.ts';
import { SearchQuery, SearchResponse, type SearchResult } from '../../contract/search.ts';
import { searchCourses } from '../lms/courses/index.ts';
import { listQuizzes } from '../lms/quizzes/index.ts';
import { searchEmployees } from '../hr/employees/index.ts';
import { searchUsers } from '../platform/users.service.ts';

/** Who may find people as users (product §1: users and roles are managed by these). */
const USER_READERS: readonly Role[] = ['System Manager', 'Moderator'];
/** Who may find quizzes (the quiz list's own readers). */
const QUIZ_READERS: readonly Role[] = ['Moderator', 'Course Creator', 'Batch Evaluator'];

async function searchQuizzes(ctx: AppContext, actor: Actor, q: string, limit: number): Promise<SearchResult[]> {
  const { items } = await listQuizzes(ctx, actor, { q, limit, withTotal: false });
  return items.map((z) => ({ kind: 'quiz', id: z.id, title: z.title, subtitle: z.courseTitle ?? null, url: `/app/lms-quiz/${z.id}` }));
}

/**
 * One search over what the caller's roles may read: courses (learners: published only), quizzes
 * for LMS staff, users for System Managers and Moderators, employees for HR. Each kind answers at
 * most `limit` results, matched case-insensitively on names, titles, emails and codes.
 */
export async function globalSearch(ctx: AppContext, actor: Actor, q: string, limit: number): Promise<SearchResult[]> {
  const parts: Promise<SearchResult[]>[] = [searchCourses(ctx, actor, q, limit)];
  if (hasAnyRole(actor.roles, QUIZ_READERS)) parts.push(searchQuizzes(ctx, actor, q, limit));
  if (hasAnyRole(actor.roles, USER_READERS)) parts.push(searchUsers(ctx, q, limit));
  if (hasAnyRole(actor.roles, HR_ROLES)) parts.push(searchEmployees(ctx, q, limit));
  return (await Promise.all(parts)).flat();
}

export function registerSearchRoutes(app: App, ctx: AppContext): void {
  app.get(
    '/api/search',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['search'],
        summary: 'Search courses, quizzes, users and employees at once: only the kinds and rows the caller may read',
        querystring: SearchQuery,
        response: { 200: SearchResponse },
      },
    },
    async (req) => ({ results: await globalSearch(ctx, actorOf(req), req.query.q, req.query.limit) }),
  );
}
