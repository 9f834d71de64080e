/**
 * Certificate PDFs for batches (zip export, zip jobs) rendered on worker threads, one per core
 * but one, so a batch uses the machine's cores and the server's event loop stays free for requests. The threads
 * start on the first batch and stop when idle or when the app closes. Each thread loads the
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
import type { FromWorker, ToWorker } from './certificate-render-worker.ts';

interface Logger {
  warn(obj: object, msg: string): void;
}

interface Task {
  id: number;
  template: RenderTemplate;
  data: CertificateData;
  /** Threads that died while rendering it. */
  attempts: number;
  resolve: (pdf: Buffer) => void;
  reject: (err: Error) => void;
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

const require = createRequire(import.meta.url);

/** The module a thread runs: registers tsx's ESM loader, then imports the worker (a .ts file). */
function bootstrapUrl(): URL {
  const tsxDir = path.dirname(require.resolve('tsx/package.json'));
  const pkg = JSON.parse(fs.readFileSync(path.join(tsxDir, 'package.json'), 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const api = pathToFileURL(path.join(tsxDir, pkg.exports['./esm/api']!.import.default)).href;
  const worker = new URL('./certificate-render-worker.ts', import.meta.url).href;
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
  readonly counts = { threads: 0, inProcess: 0 };

  constructor(
    // One core stays with the event loop (requests, database, writing the zip): on a 2-core
    // machine two render threads made each certificate cost 40% more CPU time and won nothing.
    readonly size: number = Math.max(1, os.availableParallelism() - 1),
    private readonly log: Logger | null = null,
  ) {}

  /** Renders one certificate on a thread (in-process when the pool is closed or cannot start threads). */
  render(template: RenderTemplate, data: CertificateData): Promise<Buffer> {
    if (this.closed || this.broken) return this.renderHere(template, data);
    return new Promise<Buffer>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, template, data, attempts: 0, resolve, reject });
      this.pump();
    });
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
      if (t.task) this.queue.unshift(t.task);
      t.task = null;
      t.settleStart();
    }
    await Promise.allSettled(threads.map((t) => t.worker.terminate()));
    // Whatever was waiting renders in-process.
    for (const task of this.queue.splice(0)) this.renderHere(task.template, task.data).then((pdf) => task.resolve(pdf), (err: Error) => task.reject(err));
  }

  private renderHere(template: RenderTemplate, data: CertificateData): Promise<Buffer> {
    this.counts.inProcess++;
    return renderCertificatePdf(template, data);
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
      const key = this.keyOf(task.template);
      if (!thread.templates.has(key)) {
        thread.templates.add(key);
        thread.worker.postMessage({ type: 'template', key, template: task.template } satisfies ToWorker);
      }
      thread.worker.postMessage({ type: 'render', id: task.id, key, data: task.data } satisfies ToWorker);
    }
    if (this.broken) {
      for (const task of this.queue.splice(0)) this.renderHere(task.template, task.data).then((pdf) => task.resolve(pdf), (err: Error) => task.reject(err));
    } else if (this.queue.length && !this.localBusy && !this.threads.some((t) => t.ready)) {
      // Until a thread is ready, this thread renders one certificate at a time itself.
      const task = this.queue.shift()!;
      this.localBusy = true;
      this.renderHere(task.template, task.data)
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
      thread.task = null;
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
