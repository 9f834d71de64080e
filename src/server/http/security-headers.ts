import type { FastifyInstance } from 'fastify';

/**
 * The Content-Security-Policy of a page. Styles come from the app's own stylesheets; the few
 * <style> elements the UI library writes at run time carry the response's nonce (the page's
 * <meta property="csp-nonce">), so no inline style is allowed without it.
 */
export function pageCsp(styleNonce: string | null = null, extraStyles: readonly string[] = []): string {
  const styles = ["'self'", ...(styleNonce ? [`'nonce-${styleNonce}'`] : []), ...extraStyles].join(' ');
  return [
    "default-src 'self'",
    "base-uri 'self'",
    "font-src 'self' data:",
    "form-action 'self'",
    "frame-ancestors 'self'",
    "img-src 'self' data: blob:",
    "object-src 'none'",
    "script-src 'self'",
    "script-src-attr 'none'",
    `style-src ${styles}`,
    "media-src 'self' blob: https:",
    // Video lessons given as a YouTube or Vimeo address play in that site's player (contract/video.ts).
    "frame-src 'self' https://www.youtube-nocookie.com https://player.vimeo.com",
    "connect-src 'self'",
  ].join(';');
}

const CSP = pageCsp();

/**
 * The API docs (Swagger UI at /api/docs): the page policy, plus the one <style> element the Swagger
 * UI bundle writes when it starts, allowed by its hash (a new bundle that writes another one shows
 * up in the docs browser test as a CSP refusal).
 */
export const DOCS_CSP = pageCsp(null, ["'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='"]);

const HSTS = 'max-age=31536000; includeSubDomains';

/**
 * Security headers of everything a browser may render or embed: pages, files (PDF, video, SCORM),
 * downloads. Routes may set their own (e.g. the API docs' CSP).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CSP,
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': HSTS,
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

/**
 * Security headers of a JSON answer (API data and problem details), as the OWASP REST security
 * cheat sheet lists them: never cached, never framed, never sniffed or rendered as a document.
 * The document headers above (script sources, window isolation, download handling) do nothing for
 * JSON, and every API response would carry their bytes.
 */
export const JSON_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cross-origin-resource-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': HSTS,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

const JSON_TYPE = /^application\/(?:problem\+)?json\b/;

export function registerSecurityHeaders(app: FastifyInstance): void {
  // On send, when the content type is known; a header the route set itself is left as it is.
  app.addHook('onSend', (_req, reply, payload, done) => {
    const type = reply.getHeader('content-type');
    const headers = typeof type === 'string' && JSON_TYPE.test(type) ? JSON_SECURITY_HEADERS : SECURITY_HEADERS;
    for (const name in headers) if (!reply.hasHeader(name)) void reply.header(name, headers[name]);
    done(null, payload);
  });
}
