import { z } from 'zod';

export const SEARCH_KINDS = ['course', 'quiz', 'user', 'employee'] as const;
export type SearchKind = (typeof SEARCH_KINDS)[number];

/** `GET /api/search?q=`: at least 2 characters after trimming, at most 200. */
export const SEARCH_MIN = 2;
export const SEARCH_MAX = 200;

export const SearchQuery = z.strictObject({
  q: z.string().trim().min(SEARCH_MIN, `Type at least ${SEARCH_MIN} characters.`).max(SEARCH_MAX),
  /** Results per kind. */
  limit: z.coerce.number().int().min(1).max(20).default(5),
});

export const SearchResultSchema = z.object({
  kind: z.enum(SEARCH_KINDS),
  id: z.string(),
  title: z.string(),
  subtitle: z.string().nullable(),
  /** Where the result opens: the desk form for staff, the portal page for learners. */
  url: z.string(),
});
export type SearchResult = z.infer<typeof SearchResultSchema>;

export const SearchResponse = z.object({ results: z.array(SearchResultSchema) });
