import { Marked, type Token, type Tokens } from 'marked';
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

type MdToken = Token;

/**
 * Markdown -> plain text for the text part of a mail (and anywhere words are shown without HTML):
 * emphasis marks dropped, a link as its words and its address ("Open the course:
 * https://…" when the link is the whole paragraph, "the policy (https://…)" inside a sentence),
 * lists as "- " or "1. " lines, quotes as "> " lines, raw HTML reduced to its text.
 */
export function markdownToPlainText(md: string | null | undefined): string {
  if (!md) return '';
  return blocks(marked.lexer(md))
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&nbsp;': ' ' };
/** The text of raw HTML: tags (and what scripts and styles hold) dropped, the entities the sanitizer writes read back. */
const decode = (text: string) => text.replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (e) => ENTITIES[e] ?? e);
const htmlText = (html: string) => decode(sanitizeHtml(html, { allowedTags: [], allowedAttributes: {}, nonTextTags: SANITIZE.nonTextTags }));
const indent = (text: string, first: string, rest: string) =>
  text
    .split('\n')
    .map((line, i) => (i === 0 ? first : line ? rest : '') + line)
    .join('\n');

function blocks(tokens: readonly MdToken[]): string {
  return tokens.map(block).filter((t) => t !== '').join('\n\n');
}

function block(t: MdToken): string {
  switch (t.type) {
    case 'space':
    case 'def':
      return '';
    case 'paragraph': {
      const only = t.tokens?.length === 1 ? t.tokens[0] : undefined;
      if (only?.type === 'link') return linkText(only as Tokens.Link, ': ');
      return inline(t.tokens ?? []);
    }
    case 'heading':
    case 'text':
      return t.tokens ? inline(t.tokens) : String(t.text);
    case 'code':
      return String(t.text);
    case 'hr':
      return '----';
    case 'blockquote':
      return indent(blocks(t.tokens ?? []), '> ', '> ');
    case 'list': {
      const list = t as Tokens.List;
      const start = Number(list.start) || 1;
      return list.items
        .map((item, i) => {
          const mark = list.ordered ? `${start + i}. ` : '- ';
          const body = item.tokens.map(block).filter((x) => x !== '').join(item.loose ? '\n\n' : '\n');
          return indent(body, mark, ' '.repeat(mark.length));
        })
        .join('\n');
    }
    case 'table': {
      const cell = (c: { tokens: MdToken[] }) => inline(c.tokens);
      const rows = [(t.header as { tokens: MdToken[] }[]).map(cell), ...(t.rows as { tokens: MdToken[] }[][]).map((r) => r.map(cell))];
      return rows.map((r) => r.join(' | ')).join('\n');
    }
    case 'html':
      return htmlText(String(t.text)).trim();
    default:
      return 'tokens' in t && t.tokens ? inline(t.tokens) : String(t.raw ?? '');
  }
}

function linkText(t: Tokens.Link, between: string): string {
  const words = inline(t.tokens).trim();
  const href = String(t.href);
  const address = href.startsWith('mailto:') ? href.slice('mailto:'.length) : href;
  if (!words || words === address || words === href) return address;
  return between === ': ' ? `${words}: ${address}` : `${words} (${address})`;
}

function inline(tokens: readonly MdToken[]): string {
  return tokens
    .map((t) => {
      switch (t.type) {
        case 'link':
          return linkText(t as Tokens.Link, ' (');
        case 'image':
          return t.text ? `${String(t.text)} (${String(t.href)})` : String(t.href);
        case 'br':
          return '\n';
        case 'html':
          return htmlText(String(t.text));
        case 'codespan':
        case 'escape':
          return String(t.text);
        case 'text':
          return t.tokens ? inline(t.tokens) : decode(String(t.text));
        default:
          return 'tokens' in t && t.tokens ? inline(t.tokens) : String('text' in t ? t.text : t.raw);
      }
    })
    .join('');
}
