import { Marked, type Token, type Tokens } from 'marked';
import sanitizeHtml from 'sanitize-html';
import { decodeHTML, decodeHTMLAttribute } from 'entities';

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

/**
 * Markdown -> plain text for the text part of a mail (and anywhere words are shown without HTML):
 * emphasis marks dropped, a link as its words and its address ("Open the course:
 * https://…" when the link is the whole paragraph, "the policy (https://…)" inside a sentence;
 * only addresses the HTML would keep), lists as "- ", "1. " or "[ ] " lines, quotes as "> "
 * lines, raw HTML reduced to its text with its line breaks. The result is text, not HTML: it
 * must be escaped before it is put into a page.
 */
export function markdownToPlainText(md: string | null | undefined): string {
  if (!md) return '';
  return blocks(marked.lexer(md))
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** The text of raw HTML: a line break where a block or <br> ends a line, tags (and what scripts and styles hold) dropped, entities read. */
function htmlText(html: string): string {
  const lines = html.replace(/<br\s*\/?>/gi, '\n').replace(/<\/(p|div|li|tr|h[1-6]|ul|ol|table|blockquote|pre)\s*>/gi, '$&\n');
  return decodeHTML(sanitizeHtml(lines, { allowedTags: [], allowedAttributes: {}, nonTextTags: SANITIZE.nonTextTags }));
}

/** Prefixes the first line with `first` and the others with `rest` (`blank` on empty lines). */
function indent(text: string, first: string, rest: string, blank = ''): string {
  return text
    .split('\n')
    .map((line, i) => (i === 0 ? first : line ? rest : blank) + line)
    .join('\n');
}

function blocks(tokens: readonly Token[]): string {
  return tokens.map(block).filter((t) => t !== '').join('\n\n');
}

function block(t: Token): string {
  switch (t.type) {
    case 'space':
    case 'def':
    case 'checkbox':
      return '';
    case 'paragraph': {
      const only = t.tokens?.length === 1 ? t.tokens[0] : undefined;
      if (only?.type === 'link') return htmlText(linkText(only as Tokens.Link, true));
      return words(t.tokens ?? []);
    }
    case 'heading':
    case 'text':
      return t.tokens ? words(t.tokens) : decodeHTML(String(t.text));
    case 'code':
      return String(t.text);
    case 'hr':
      return '----';
    case 'blockquote':
      return indent(blocks(t.tokens ?? []), '> ', '> ', '>');
    case 'list': {
      const list = t as Tokens.List;
      const start = Number(list.start) || 1;
      return list.items
        .map((item, i) => {
          const box = item.task ? (item.checked ? '[x] ' : '[ ] ') : '';
          const mark = (list.ordered ? `${start + i}. ` : '- ') + box;
          const body = item.tokens.map(block).filter((x) => x !== '').join(item.loose ? '\n\n' : '\n');
          return indent(body, mark, ' '.repeat(mark.length));
        })
        .join('\n');
    }
    case 'table': {
      const cell = (c: { tokens: Token[] }) => words(c.tokens);
      const rows = [(t.header as { tokens: Token[] }[]).map(cell), ...(t.rows as { tokens: Token[] }[][]).map((r) => r.map(cell))];
      return rows.map((r) => r.join(' | ')).join('\n');
    }
    case 'html':
      return htmlText(String(t.text)).trim();
    default:
      return 'tokens' in t && t.tokens ? words(t.tokens) : String(t.raw ?? '');
  }
}

/** Schemes whose addresses the text shows (as the HTML keeps them); a relative address is shown too. */
const SHOWN_ADDRESS = /^(https?:|mailto:|\/)/i;

/**
 * A link as HTML-ish text for htmlText (its words may hold inline HTML; the address is literal):
 * "words: address" when the link is its paragraph (`alone`), "words (address)" inside a sentence.
 */
function linkText(t: Tokens.Link, alone: boolean): string {
  const shown = inlineHtml(t.tokens).trim();
  const plain = htmlText(shown).trim();
  // Read as a browser reads an href: "&copy=2" in a query is not an entity, "&amp;" is.
  const href = decodeHTMLAttribute(String(t.href));
  if (!SHOWN_ADDRESS.test(href)) return shown;
  const bare = href.replace(/^mailto:/i, '');
  const address = escapeLiteral(bare);
  // An address written as such (autolinked, or a link whose words are its address) once.
  if (!plain || plain === bare || `http://${plain}` === href || `https://${plain}` === href) return plain ? shown : address;
  return alone ? `${shown}: ${address}` : `${shown} (${address})`;
}

/** Inline Markdown as text, raw HTML in it read as HTML (a script's words dropped, <br> a line break). */
function words(tokens: readonly Token[]): string {
  return htmlText(inlineHtml(tokens));
}

/** Text put into the HTML-ish form htmlText reads: only the angle brackets escaped (entities written in the Markdown stay entities). */
const escapeAngles = (text: string) => text.replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** Text that must come out exactly as it is (code, an address): "&copy=2" in a query stays "&copy=2". */
const escapeLiteral = (text: string) => escapeAngles(text.replace(/&/g, '&amp;'));

function inlineHtml(tokens: readonly Token[]): string {
  return tokens
    .map((t) => {
      switch (t.type) {
        case 'link':
          return linkText(t as Tokens.Link, false);
        case 'image': {
          const src = decodeHTMLAttribute(String(t.href));
          const shown = SHOWN_ADDRESS.test(src) ? escapeLiteral(src) : '';
          return t.text ? (shown ? `${escapeAngles(String(t.text))} (${shown})` : escapeAngles(String(t.text))) : shown;
        }
        case 'br':
          return '<br>';
        case 'html':
          return String(t.text);
        case 'codespan':
        case 'escape':
          // Literal: an entity written in code stays as written.
          return escapeLiteral(String(t.text));
        case 'text':
          return t.tokens ? inlineHtml(t.tokens) : escapeAngles(String(t.text));
        default:
          return 'tokens' in t && t.tokens ? inlineHtml(t.tokens) : escapeAngles(String('text' in t ? t.text : t.raw));
      }
    })
    .join('');
}
