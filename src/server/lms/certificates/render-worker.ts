/**
 * One render thread of the certificate pool (render-pool.ts): receives templates once, then
 * holder data, and answers each with the PDF bytes; or a document (a layout function's module and
 * name, and its input). Rendering is the same function
 * the server uses in-process, so the PDFs are the same.
 */
import { parentPort } from 'node:worker_threads';
import { renderPdf, type PdfDocDefinition } from '../../platform/pdf.ts';
import { renderCertificatePdf, type CertificateData, type RenderTemplate } from './certificate-pdf.ts';

export type ToWorker =
  | { type: 'template'; key: number; template: RenderTemplate }
  | { type: 'render'; id: number; key: number; data: CertificateData }
  | { type: 'document'; id: number; module: string; name: string; input: unknown };
export type FromWorker =
  | { ready: true }
  /** A document's layout module is loaded: its render starts now (the time bound counts from here). */
  | { id: number; loaded: true }
  | { id: number; pdf: Uint8Array }
  | { id: number; error: string };

/**
 * Lays out `input` with `name` exported by `module` and renders the PDF (on whichever thread calls
 * it); `onLoaded` runs once the module is loaded, before the render.
 */
export async function renderDocumentHere(module: string, name: string, input: unknown, onLoaded?: () => void): Promise<Buffer> {
  const layout = ((await import(module)) as Record<string, unknown>)[name];
  if (typeof layout !== 'function') throw new Error(`${module} exports no document layout named ${name}`);
  onLoaded?.();
  return renderPdf((layout as (input: unknown) => PdfDocDefinition)(input));
}

const port = parentPort;
if (port) {
  const templates = new Map<number, RenderTemplate>();
  port.on('message', (m: ToWorker) => {
    if (m.type === 'template') {
      templates.set(m.key, m.template);
      return;
    }
    let rendering: Promise<Buffer>;
    if (m.type === 'document') {
      const id = m.id;
      rendering = renderDocumentHere(m.module, m.name, m.input, () => port.postMessage({ id, loaded: true } satisfies FromWorker));
    } else {
      const template = templates.get(m.key);
      if (!template) {
        port.postMessage({ id: m.id, error: `template ${m.key} was not sent` } satisfies FromWorker);
        return;
      }
      rendering = renderCertificatePdf(template, m.data);
    }
    rendering.then(
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
