/**
 * One render thread of the certificate pool (certificate-render-pool.ts): receives templates
 * once, then holder data, and answers each with the PDF bytes. Rendering is the same function
 * the server uses in-process, so the PDFs are the same.
 */
import { parentPort } from 'node:worker_threads';
import { renderCertificatePdf, type CertificateData, type RenderTemplate } from './certificate-pdf.ts';

export type ToWorker =
  | { type: 'template'; key: number; template: RenderTemplate }
  | { type: 'render'; id: number; key: number; data: CertificateData };
export type FromWorker = { ready: true } | { id: number; pdf: Uint8Array } | { id: number; error: string };

const port = parentPort;
if (port) {
  const templates = new Map<number, RenderTemplate>();
  port.on('message', (m: ToWorker) => {
    if (m.type === 'template') {
      templates.set(m.key, m.template);
      return;
    }
    const template = templates.get(m.key);
    if (!template) {
      port.postMessage({ id: m.id, error: `template ${m.key} was not sent` } satisfies FromWorker);
      return;
    }
    renderCertificatePdf(template, m.data).then(
      (pdf) => {
        // The buffer may be a slice of a larger pool buffer: send a copy of exactly its bytes.
        const bytes = pdf.byteOffset === 0 && pdf.byteLength === pdf.buffer.byteLength ? new Uint8Array(pdf.buffer) : new Uint8Array(pdf);
        port.postMessage({ id: m.id, pdf: bytes } satisfies FromWorker, [bytes.buffer as ArrayBuffer]);
      },
      (err: unknown) => port.postMessage({ id: m.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies FromWorker),
    );
  });
  port.postMessage({ ready: true } satisfies FromWorker);
}
