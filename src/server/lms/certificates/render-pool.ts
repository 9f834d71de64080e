/**
 * Certificate PDFs rendered on worker threads, one per core but one: every download, preview and
 * batch (zip export, zip jobs), and other documents that take real work to lay out (the quiz
 * reports, renderDocument), so the server's event loop stays free for requests. The threads
 * start on the first render and stop when idle or when the app closes. A render that takes longer
 * than the pool's timeout is stopped (its thread is replaced) and fails with RenderTimeoutError. Each thread loads the
 * TypeScript renderer through tsx's loader itself, so the pool works however the server was
 * started (node --import tsx, the smooth command, the test runner). Should the threads fail to
 * start, batches render in-process as before.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { renderCertificatePdf, type CertificateData, type RenderTemplate } from './certificate-pdf.ts';
import { renderDocumentHere, type FromWorker, type ToWorker } from './render-worker.ts';
import type { AppContext } from '../../context.ts';
import { errors } from '../../http/errors.ts';

interface Logger {
  warn(obj: object, msg: string): void;
}

/**
 * What a task renders: a certificate, or a document laid out by `name` exported from `module` (a
 * function from `input`, plain data, to a PdfDocDefinition), e.g. the quiz reports.
 */
export type RenderJob =
  | { kind: 'certificate'; template: RenderTemplate; data: CertificateData }
  | { kind: 'document'; module: string; name: string; input: unknown };

interface Task {
  id: number;
  job: RenderJob;
  /** Threads that died while rendering it. */
  attempts: number;
  /** Never rendered on the event loop's thread while the render threads start (single downloads, previews). */
  threadOnly: boolean;
  /** Runs while a thread renders the task: stops the thread at the pool's timeout. */
  timer: NodeJS.Timeout | null;
  resolve: (pdf: Buffer) => void;
  reject: (err: Error) => void;
}

/** A render ran past the pool's timeout and was stopped. */
export class RenderTimeoutError extends Error {
  constructor(readonly ms: number) {
    super(`certificate render took longer than ${ms} ms and was stopped`);
  }
}

interface Thread {
  worker: Worker;
  /** Loaded and listening (starting takes a second or two: tsx, pdfmake, fonts). */
  ready: boolean;
  /** Settles when the thread is ready or gone. */
  started: Promise<void>;
  settleStart: () => void;
  /** Template keys this thread holds. */
  templates: Set<number>;
  task: Task | null;
}

/** A thread with nothing to do for this long is stopped (fonts and templates take memory; starting costs CPU). */
const IDLE_MS = 120_000;
/** The longest one certificate may take on a thread (the largest valid template renders in well under a second). */
export const RENDER_TIMEOUT_MS = 15_000;
/** Loading a document's layout module on a thread may take this many render timeouts. */
const LOAD_BOUND_FACTOR = 4;

const require = createRequire(import.meta.url);

/** The module a thread runs: registers tsx's ESM loader, then imports the worker (a .ts file). */
function bootstrapUrl(): URL {
  const tsxDir = path.dirname(require.resolve('tsx/package.json'));
  const pkg = JSON.parse(fs.readFileSync(path.join(tsxDir, 'package.json'), 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const api = pathToFileURL(path.join(tsxDir, pkg.exports['./esm/api']!.import.default)).href;
  const worker = new URL('./render-worker.ts', import.meta.url).href;
  const code = `import { register } from ${JSON.stringify(api)};\nregister();\nawait import(${JSON.stringify(worker)});\n`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

export class CertificateRenderPool {
  private readonly threads: Thread[] = [];
  private readonly queue: Task[] = [];
  private readonly keys = new WeakMap<RenderTemplate, number>();
  private nextKey = 1;
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Set when threads cannot start here: render in-process from then on. */
  private broken = false;
  /** A render running on this thread while no render thread is ready yet. */
  private localBusy = false;
  /** Certificates rendered on threads and in-process so far. */
  readonly counts = { threads: 0, inProcess: 0, timeouts: 0 };

  constructor(
    // One core stays with the event loop (requests, database, writing the zip): on a 2-core
    // machine two render threads made each certificate cost 40% more CPU time and won nothing.
    readonly size: number = Math.max(1, os.availableParallelism() - 1),
    private readonly log: Logger | null = null,
    readonly timeoutMs: number = RENDER_TIMEOUT_MS,
  ) {}

  /**
   * Renders one certificate on a thread (in-process when the pool is closed or cannot start
   * threads). `threadOnly`: wait for a thread rather than render on this one while they start.
   */
  render(template: RenderTemplate, data: CertificateData, opts: { threadOnly?: boolean } = {}): Promise<Buffer> {
    return this.enqueue({ kind: 'certificate', template, data }, opts.threadOnly ?? false);
  }

  /**
   * Renders a document on a thread, with the same time bound as a certificate: `name`, exported
   * by the module at URL `module`, lays out `input` (structured-cloneable data) as a PDF document.
   */
  renderDocument(module: string, name: string, input: unknown): Promise<Buffer> {
    return this.enqueue({ kind: 'document', module, name, input }, true);
  }

  private enqueue(job: RenderJob, threadOnly: boolean): Promise<Buffer> {
    if (this.closed || this.broken) return this.renderHere(job);
    return new Promise<Buffer>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, job, attempts: 0, threadOnly, timer: null, resolve, reject });
      this.pump();
    });
  }

  /** The thread rendering `task` ran past the timeout: stop it (a new one starts when needed) and fail the task. */
  private timedOut(thread: Thread, task: Task): void {
    if (thread.task !== task) return;
    thread.task = null;
    task.timer = null;
    const i = this.threads.indexOf(thread);
    if (i >= 0) this.threads.splice(i, 1);
    thread.settleStart();
    void thread.worker.terminate();
    this.counts.timeouts++;
    this.log?.warn({ ms: this.timeoutMs }, 'certificate render ran past its timeout; its thread was stopped');
    task.reject(new RenderTimeoutError(this.timeoutMs));
    this.pump();
  }

  /** Starts every thread now (they otherwise start with the first batch); resolves with how many are ready. */
  async warm(): Promise<number> {
    while (!this.closed && !this.broken && this.threads.length < this.size) if (!this.spawn()) break;
    await Promise.all(this.threads.map((t) => t.started));
    return this.threads.filter((t) => t.ready).length;
  }

  /** Stops every thread; queued and running renders finish in-process or fail. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    await this.stopThreads();
  }

  private async stopThreads(): Promise<void> {
    const threads = this.threads.splice(0);
    for (const t of threads) {
      if (t.task?.timer) clearTimeout(t.task.timer);
      if (t.task) t.task.timer = null;
      if (t.task) this.queue.unshift(t.task);
      t.task = null;
      t.settleStart();
    }
    await Promise.allSettled(threads.map((t) => t.worker.terminate()));
    // Whatever was waiting renders in-process.
    for (const task of this.queue.splice(0)) this.renderHere(task.job).then((pdf) => task.resolve(pdf), (err: Error) => task.reject(err));
  }

  private renderHere(job: RenderJob): Promise<Buffer> {
    this.counts.inProcess++;
    return job.kind === 'certificate' ? renderCertificatePdf(job.template, job.data) : renderDocumentHere(job.module, job.name, job.input);
  }

  private keyOf(template: RenderTemplate): number {
    let key = this.keys.get(template);
    if (key === undefined) this.keys.set(template, (key = this.nextKey++));
    return key;
  }

  private pump(): void {
    if (this.idleTimer) {
      clearTimeout(this.idleTimer);
      this.idleTimer = null;
    }
    while (this.queue.length && this.threads.length < this.size && !this.broken) {
      if (!this.spawn()) break;
    }
    while (this.queue.length) {
      const thread = this.threads.find((t) => t.ready && t.task === null);
      if (!thread) break;
      const task = this.queue.shift()!;
      thread.task = task;
      // A document's module loads first (the first time on a thread: seconds on a busy machine);
      // its render is bounded from 'loaded' on, the load itself by a generous bound.
      const bound = task.job.kind === 'document' ? this.timeoutMs * LOAD_BOUND_FACTOR : this.timeoutMs;
      task.timer = setTimeout(() => this.timedOut(thread, task), bound);
      task.timer.unref();
      const job = task.job;
      if (job.kind === 'document') {
        thread.worker.postMessage({ type: 'document', id: task.id, module: job.module, name: job.name, input: job.input } satisfies ToWorker);
        continue;
      }
      const key = this.keyOf(job.template);
      if (!thread.templates.has(key)) {
        thread.templates.add(key);
        thread.worker.postMessage({ type: 'template', key, template: job.template } satisfies ToWorker);
      }
      thread.worker.postMessage({ type: 'render', id: task.id, key, data: job.data } satisfies ToWorker);
    }
    if (this.broken) {
      for (const task of this.queue.splice(0)) this.renderHere(task.job).then((pdf) => task.resolve(pdf), (err: Error) => task.reject(err));
    } else if (this.queue.some((t) => !t.threadOnly) && !this.localBusy && !this.threads.some((t) => t.ready)) {
      // Until a thread is ready, this thread renders one batch certificate at a time itself.
      const task = this.queue.splice(
        this.queue.findIndex((t) => !t.threadOnly),
        1,
      )[0]!;
      this.localBusy = true;
      this.renderHere(task.job)
        .then((pdf) => task.resolve(pdf), (err: Error) => task.reject(err))
        // Through the event loop, so that a thread's "ready" can arrive between two renders.
        .finally(() =>
          setImmediate(() => {
            this.localBusy = false;
            this.pump();
          }),
        );
    }
    if (!this.queue.length && !this.localBusy && this.threads.every((t) => t.task === null) && this.threads.length) {
      this.idleTimer = setTimeout(() => void this.stopThreads(), IDLE_MS);
      this.idleTimer.unref();
    }
  }

  private spawn(): Thread | null {
    let worker: Worker;
    try {
      worker = new Worker(bootstrapUrl());
    } catch (err) {
      this.broken = true;
      this.log?.warn({ err }, 'certificate render threads cannot start; rendering in-process');
      return null;
    }
    worker.unref();
    let settleStart = () => {};
    const started = new Promise<void>((resolve) => (settleStart = resolve));
    const thread: Thread = { worker, ready: false, started, settleStart, templates: new Set(), task: null };
    worker.on('message', (m: FromWorker) => {
      if ('ready' in m) {
        thread.ready = true;
        thread.settleStart();
        this.pump();
        return;
      }
      const task = thread.task;
      if (!task || task.id !== m.id) return;
      if ('loaded' in m) {
        if (task.timer) clearTimeout(task.timer);
        task.timer = setTimeout(() => this.timedOut(thread, task), this.timeoutMs);
        task.timer.unref();
        return;
      }
      thread.task = null;
      if (task.timer) clearTimeout(task.timer);
      task.timer = null;
      if ('pdf' in m) {
        this.counts.threads++;
        task.resolve(Buffer.from(m.pdf.buffer, m.pdf.byteOffset, m.pdf.byteLength));
      } else task.reject(new Error(`certificate render failed: ${m.error}`));
      this.pump();
    });
    const gone = (err: Error | null) => {
      thread.settleStart();
      const i = this.threads.indexOf(thread);
      if (i < 0) return;
      this.threads.splice(i, 1);
      const task = thread.task;
      thread.task = null;
      if (task?.timer) clearTimeout(task.timer);
      if (task) task.timer = null;
      if (err && !thread.ready && !this.closed) {
        // A thread that fails before it is ready cannot load here: stop trying.
        this.broken = true;
        this.log?.warn({ err }, 'certificate render thread failed; rendering in-process');
      }
      if (task && ++task.attempts >= 2) task.reject(new Error('certificate render thread died twice on this certificate'));
      else if (task) this.queue.unshift(task);
      this.pump();
    };
    worker.on('error', (err) => gone(err));
    worker.on('exit', () => gone(null));
    this.threads.push(thread);
    return thread;
  }
}

/** The render threads of one app (started on first use, closed with the app). */
const pools = new WeakMap<AppContext, CertificateRenderPool>();

export function renderPoolFor(ctx: AppContext): CertificateRenderPool {
  let pool = pools.get(ctx);
  if (!pool) pools.set(ctx, (pool = new CertificateRenderPool(undefined, ctx.log)));
  return pool;
}

export async function closeRenderPool(ctx: AppContext): Promise<void> {
  await pools.get(ctx)?.close();
  pools.delete(ctx);
}

/**
 * A document rendered on the app's render threads (see CertificateRenderPool.renderDocument), with
 * the certificates' time bound: past it, 422 RENDER_TIMEOUT saying which document (`what`).
 */
export async function renderDocumentPdf(ctx: AppContext, module: string, name: string, input: unknown, what: string): Promise<Buffer> {
  try {
    return await renderPoolFor(ctx).renderDocument(module, name, input);
  } catch (err) {
    if (err instanceof RenderTimeoutError) throw errors.unprocessable('RENDER_TIMEOUT', `${what} took too long to render. Try again later, or ask an administrator.`);
    throw err;
  }
}
