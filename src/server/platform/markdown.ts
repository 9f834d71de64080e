import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';

/**
 * Markdown -> HTML that is safe to put into a page: `marked` renders (GitHub-flavoured), then
 * `sanitize-html` keeps only an allow-list. Raw HTML inside the Markdown goes through the same
 * allow-list, so <script>, event handlers, style attributes, iframes and javascript: URLs never
 * survive.
 */
const marked = new Marked({ gfm: true, breaks: false, async: false });

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'p',
    'br',
    'hr',
    'div',
    'span',
    'ul',
    'ol',
    'li',
    'a',
    'img',
    'code',
    'pre',
    'kbd',
    'samp',
    'blockquote',
    'em',
    'strong',
    'b',
    'i',
    'del',
    's',
    'sub',
    'sup',
    'mark',
    'table',
    'thead',
    'tbody',
    'tfoot',
    'tr',
    'th',
    'td',
    'caption',
    'dl',
    'dt',
    'dd',
  ],
  allowedAttributes: {
    a: ['href', 'title', 'rel', 'target'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    code: ['class'],
    th: ['align', 'colspan', 'rowspan'],
    td: ['align', 'colspan', 'rowspan'],
    ol: ['start'],
    li: ['value'],
  },
  // Only language hints that marked puts on code blocks.
  allowedClasses: { code: [/^language-[\w-]+$/] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowedSchemesAppliedToAttributes: ['href', 'src'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  // Drop the text inside these instead of keeping it as text.
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'iframe', 'object', 'embed'],
  transformTags: {
    a: (tagName, attribs) => ({
      tagName,
      attribs: { ...attribs, rel: 'noopener noreferrer', ...(attribs.target ? { target: '_blank' } : {}) },
    }),
  },
};

export function renderMarkdown(md: string | null | undefined): string {
  if (!md) return '';
  const html = marked.parse(md, { async: false });
  return sanitizeHtml(html, SANITIZE);
}
