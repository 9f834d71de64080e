import './markdown-body.css';

/**
 * Markdown as the server rendered and sanitised it (`platform/markdown.ts`): lessons, course
 * descriptions, quiz and assignment texts in the portal, and the desk's Markdown preview, so the
 * preview looks as the learner's page does.
 */
export function MarkdownBody({ html }: { html: string }) {
  return <div className="lesson-body" dangerouslySetInnerHTML={{ __html: html }} />;
}
