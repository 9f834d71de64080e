import { z } from 'zod';
import type { App } from '../http/types.ts';
import { renderMarkdown } from './markdown.ts';

/** As long as the longest Markdown a course or lesson may hold (contract/courses.ts). */
const MAX_MARKDOWN = 200_000;

export const MarkdownPreviewBody = z.strictObject({ markdown: z.string().max(MAX_MARKDOWN) });

/**
 * The desk's Markdown preview: the same renderer and sanitiser the portal's course descriptions and
 * lessons go through, so what an author previews is what a learner sees. Nothing is stored.
 */
export function registerMarkdownRoutes(app: App): void {
  app.post(
    '/api/markdown/preview',
    {
      config: { access: ['Moderator', 'Course Creator'] },
      schema: {
        tags: ['platform'],
        summary: 'Render Markdown as the portal shows it (sanitised HTML); nothing is stored',
        body: MarkdownPreviewBody,
        response: { 200: z.object({ html: z.string() }) },
      },
    },
    async (req) => ({ html: renderMarkdown(req.body.markdown) }),
  );
}
