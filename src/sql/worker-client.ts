// One lazily started worker thread that classifies texts too long to parse on the event
// loop. The worker is referenced only while requests are pending, so it never keeps a
// finished process alive and never lets one exit with a request unanswered. If the
// worker cannot run, the request is classified on the calling thread instead: slower,
// never wrong.
import { Worker } from 'node:worker_threads';
import type { Classification, ClassifierOptions } from './types.js';

interface Pending {
  resolve(c: Classification): void;
  fallback(): Classification;
}

let worker: Worker | undefined;
let nextId = 1;
const pending = new Map<number, Pending>();
const stats = { started: 0, answered: 0, fallbacks: 0 };

/** How the worker has been used (for tests and diagnostics). */
export function classifierWorkerStats(): Readonly<typeof stats> {
  return { ...stats };
}

function workerUrl(): { worker: Worker } {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    // Development and tests run the TypeScript sources through tsx; a worker does not
    // inherit that loader, so it imports tsx's API first.
    const target = new URL('./classify-worker.ts', here).href;
    const code = `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(target)}, ${JSON.stringify(here)}))`;
    return { worker: new Worker(code, { eval: true }) };
  }
  return { worker: new Worker(new URL('./classify-worker.js', here)) };
}

function start(): Worker {
  const w = workerUrl().worker;
  w.on('message', (msg: { id: number; result?: Classification; error?: string }) => {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.result) stats.answered++;
    else stats.fallbacks++;
    p.resolve(msg.result ?? p.fallback());
    if (pending.size === 0) w.unref();
  });
  const fail = (): void => {
    if (worker === w) worker = undefined;
    for (const [id, p] of pending) {
      pending.delete(id);
      stats.fallbacks++;
      p.resolve(p.fallback());
    }
  };
  w.on('error', fail);
  w.on('exit', fail);
  w.unref();
  stats.started++;
  return w;
}

export function classifyInWorker(
  sql: string,
  opts: ClassifierOptions,
  fallback: () => Classification,
): Promise<Classification> {
  return new Promise((resolve) => {
    try {
      worker ??= start();
    } catch {
      stats.fallbacks++;
      resolve(fallback());
      return;
    }
    const id = nextId++;
    pending.set(id, { resolve, fallback });
    worker.ref();
    worker.postMessage({ id, sql, opts });
  });
}

/** Stops the worker (tests, orderly shutdown); pending requests fall back to the caller. */
export async function stopClassifierWorker(): Promise<void> {
  const w = worker;
  worker = undefined;
  if (w) await w.terminate();
}
