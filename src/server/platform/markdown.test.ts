import { describe, expect, it } from 'vitest';
import { describeDb, json } from '../../../test/helpers/harness.ts';
import { markdownToPlainText, renderMarkdown } from './markdown.ts';

describe('renderMarkdown', () => {
  it('renders ordinary Markdown: headings, lists, code, tables, quotes, emphasis', () => {
    const html = renderMarkdown(
      [
        '# Safety first',
        '',
        'Some *emphasis* and **strong** text with `code`.',
        '',
        '- one',
        '- two',
        '',
        '1. first',
        '',
        '> quoted',
        '',
        '```ts',
        'const x = 1 < 2;',
        '```',
        '',
        '| a | b |',
        '|---|---|',
        '| 1 | 2 |',
        '',
        '[site](https://example.com "Example") and [mail](mailto:hr@example.com) and [page](/lms/courses)',
        '',
        '![logo](https://example.com/logo.png) ![local](/api/courses/abc/image)',
      ].join('\n'),
    );
    expect(html).toContain('<h1>Safety first</h1>');
    expect(html).toContain('<em>emphasis</em>');
    expect(html).toContain('<strong>strong</strong>');
    expect(html).toContain('<code>code</code>');
    expect(html).toMatch(/<ul>\s*<li>one<\/li>/);
    expect(html).toContain('<ol>');
    expect(html).toContain('<blockquote>');
    expect(html).toContain('<code class="language-ts">const x = 1 &lt; 2;');
    expect(html).toContain('<table>');
    expect(html).toContain('<td>1</td>');
    expect(html).toContain('<a href="https://example.com" title="Example" rel="noopener noreferrer">site</a>');
    expect(html).toContain('href="mailto:hr@example.com"');
    expect(html).toContain('href="/lms/courses"');
    expect(html).toContain('<img src="https://example.com/logo.png" alt="logo" />');
    expect(html).toContain('src="/api/courses/abc/image"');
  });

  it('makes scripts, event handlers, javascript: URLs, iframes and styles inert', () => {
    const html = renderMarkdown(
      [
        'Hello <script>alert(1)</script>',
        '',
        '<img src=x onerror=alert(1)>',
        '',
        '[x](javascript:alert(1)) [y](JaVaScRiPt:alert(2)) [z](data:text/html,<script>alert(3)</script>)',
        '',
        '<a href="javascript:alert(4)" onclick="alert(5)">click</a>',
        '',
        '<iframe src="https://evil.example"></iframe>',
        '',
        '<p style="background:url(javascript:alert(6))" onmouseover="alert(7)">styled</p>',
        '',
        '<svg onload=alert(8)><circle /></svg>',
        '',
        '![pic](data:image/png;base64,AAAA) <img src="javascript:alert(9)">',
        '',
        '<form action="https://evil.example"><input name="x"></form>',
      ].join('\n'),
    );
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/alert\(1\)/);
    expect(html).not.toMatch(/onerror|onclick|onmouseover|onload/i);
    expect(html).not.toMatch(/javascript:/i);
    expect(html).not.toMatch(/data:/i);
    expect(html).not.toMatch(/<iframe|<svg|<form|<input/i);
    expect(html).not.toMatch(/style=/i);
    expect(html).toContain('Hello');
    expect(html).toContain('styled');
    expect(html).toContain('<img src="x" />');
  });

  it('empty input renders empty', () => {
    expect(renderMarkdown('')).toBe('');
    expect(renderMarkdown(null)).toBe('');
  });
});

describe('markdownToPlainText', () => {
  it('reads as words: marks dropped, links with their addresses, lists, task lists, quotes, tables, code', () => {
    const md = [
      'Hello **Lena** _and_ ~~nobody~~, see [the policy](https://x.example/p?a=1&amp;b=2) or <https://x.example/auto>.',
      '',
      '[Open the course](https://lms.example/lms/courses/abc)',
      '',
      '- one\n- two *em*\n  1. nested',
      '',
      '3. three\n4. four',
      '',
      '- [ ] to do\n- [x] done',
      '',
      '> quoted\n>\n> more',
      '',
      '| Course | Due |\n|---|---|\n| Fire | 1 Dec |',
      '',
      '`a & b` then\n\n```\ncode <kept>\n```',
      '',
      '---',
      '',
      'Mail [support@x.example](mailto:support@x.example), Caf&eacute; &copy; &hellip; &amp;',
    ].join('\n');
    expect(markdownToPlainText(md)).toBe(
      [
        'Hello Lena and nobody, see the policy (https://x.example/p?a=1&b=2) or https://x.example/auto.',
        '',
        'Open the course: https://lms.example/lms/courses/abc',
        '',
        '- one\n- two em\n  1. nested',
        '',
        '3. three\n4. four',
        '',
        '- [ ] to do\n- [x] done',
        '',
        '> quoted\n>\n> more',
        '',
        'Course | Due\nFire | 1 Dec',
        '',
        'a & b then',
        '',
        'code <kept>',
        '',
        '----',
        '',
        'Mail support@x.example, Café © … &',
      ].join('\n'),
    );
  });

  it('keeps only the addresses the HTML keeps; raw HTML becomes its text with its line breaks; scripts say nothing', () => {
    expect(markdownToPlainText('[x](javascript:alert(1)) ![pic](data:image/png;base64,AAAA) [here](/lms/courses/abc)')).toBe('x pic here (/lms/courses/abc)');
    expect(markdownToPlainText('<p>a</p><p>b</p>\n\nx<br>y <script>alert(1)</script><style>p{}</style>')).toBe('a\nb\n\nx\ny');
    expect(markdownToPlainText('<ul><li>one</li><li>two</li></ul>')).toBe('one\ntwo');
    expect(markdownToPlainText('see www.example.com')).toBe('see www.example.com');
    // An address is literal: "&copy=2" in a query is not read as an entity.
    expect(markdownToPlainText('[q](https://x.example/?a=1&copy=2&lt=3) ![i](https://x.example/i.png?s&copy=1)')).toBe(
      'q (https://x.example/?a=1&copy=2&lt=3) i (https://x.example/i.png?s&copy=1)',
    );
  });

  it('empty input is empty; spaces at line ends are dropped, long runs inside a line kept', () => {
    expect(markdownToPlainText('')).toBe('');
    expect(markdownToPlainText(null)).toBe('');
    expect(markdownToPlainText('  \n\n ')).toBe('');
    expect(markdownToPlainText(`a${' '.repeat(60_000)}b\n${'c '.repeat(10_000)}`)).toBe(`a${' '.repeat(60_000)}b\n${'c '.repeat(10_000).trimEnd()}`);
  });
});

describeDb('POST /api/markdown/preview', (env) => {
  it('renders as the portal does, sanitised, for course authors only; malformed and oversize bodies are refused; nothing is stored', async () => {
    const author = await env.user(['Course Creator']);
    const learner = await env.user();
    const before = { audit: await env.count('audit_log'), files: await env.count('files') };
    const markdown = '# Fire drill\n\nMeet at **point B**.<script>alert(1)</script><img src=x onerror=alert(1)>';
    const res = await env.req('POST', '/api/markdown/preview', { as: author, body: { markdown } });
    expect(res.statusCode, res.body).toBe(200);
    expect(json(res)).toEqual({ html: renderMarkdown(markdown) });
    expect(json<{ html: string }>(res).html).toContain('<strong>point B</strong>');
    expect(json<{ html: string }>(res).html).not.toMatch(/script|onerror/);

    expect((await env.req('POST', '/api/markdown/preview', { as: learner, body: { markdown } })).statusCode).toBe(403);
    expect((await env.req('POST', '/api/markdown/preview', { body: { markdown } })).statusCode).toBe(401);
    for (const body of [{}, { markdown: 42 }, { markdown: 'x'.repeat(200_001) }, { markdown: 'ok', extra: true }]) {
      const bad = await env.req('POST', '/api/markdown/preview', { as: author, body });
      expect(bad.statusCode).toBe(400);
      const problem = json<{ code: string; errors: { path: string }[] }>(bad);
      expect(problem.code).toBe('VALIDATION_FAILED');
      expect(problem.errors.length).toBeGreaterThan(0);
    }
    expect(json(await env.req('POST', '/api/markdown/preview', { as: author, body: { markdown: '' } }))).toEqual({ html: '' });
    expect({ audit: await env.count('audit_log'), files: await env.count('files') }).toEqual(before);
  });
});
