import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  /** The whole message as sent (headers and body, quoted-printable undone). */
  raw: string;
}

/** Undoes quoted-printable soft line breaks and =XX escapes (enough to read ASCII bodies). */
function decodeQp(s: string): string {
  return s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** The body of a message's part of this content type (e.g. text/plain), line ends as \n; null when it has none. A part ends at the next MIME boundary line (a rule such as ---- in the text does not end it). */
export function mailPart(raw: string, contentType: string): string | null {
  const text = raw.replace(/\r\n/g, '\n');
  const boundaries = [...text.matchAll(/boundary="?([^";\n]+)"?/gi)].map((m) => m[1]!);
  const at = text.search(new RegExp(`^Content-Type: ${contentType}\\b`, 'm'));
  if (at < 0) return null;
  const start = text.indexOf('\n\n', at);
  if (start < 0) return null;
  const ends = boundaries.map((b) => text.indexOf(`\n--${b}`, start)).filter((i) => i >= 0);
  return text.slice(start + 2, ends.length > 0 ? Math.min(...ends) : undefined);
}

/**
 * A real SMTP server on a free local port that keeps what it receives. `refuse(n, code)` makes
 * the next n messages be answered with that code (4xx: try later; 5xx: permanent).
 */
export async function startSmtp() {
  const received: ReceivedMail[] = [];
  const refusals: { code: number; message: string }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream: SMTPServerDataStream, session, callback) {
      const parts: Buffer[] = [];
      stream.on('data', (b: Buffer) => parts.push(b));
      stream.on('end', () => {
        const refusal = refusals.shift();
        if (refusal) {
          const err = Object.assign(new Error(refusal.message), { responseCode: refusal.code });
          callback(err);
          return;
        }
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: decodeQp(Buffer.concat(parts).toString('utf8')),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    refuse(times: number, code: number, message = code >= 500 ? 'Mailbox unavailable' : 'Try again later') {
      for (let i = 0; i < times; i++) refusals.push({ code, message });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
