import { Worker } from 'node:worker_threads';
import { ExecutionError } from '../../errors.js';

/**
 * A small pool of worker threads that run generated pipeline loops over morsels.
 *
 * Work is shared through memory, never copied per morsel: the loop's inputs and every
 * morsel's partial accumulators live in SharedArrayBuffers (`shared`), and threads
 * claim morsels from one shared counter (Atomics.add), the calling thread among them,
 * until none is left. Which thread runs which morsel does not matter: each morsel
 * writes only its own partials, and the caller merges them in morsel order.
 *
 * The worker's code is fixed text (below), not a module file, so it runs the same from
 * the TypeScript sources and from the built package. Threads are created on first use
 * and kept; they do not keep the process alive between jobs (unref).
 */

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const compiled = new Map();
parentPort.on('message', (job) => {
  try {
    let fn = compiled.get(job.text);
    if (fn === undefined) {
      if (compiled.size >= 64) compiled.clear();
      fn = new Function(...job.params, job.text);
      compiled.set(job.text, fn);
    }
    const { claim, bounds, partials } = job;
    for (;;) {
      const m = Atomics.add(claim, 0, 1);
      if (m >= partials.length) break;
      const p = partials[m];
      fn(job.ctx, bounds[m], bounds[m + 1], p.acc, p.first, p.firstSub, p.keyRows, p.steps);
    }
    parentPort.postMessage({ id: job.id, ok: true });
  } catch (error) {
    parentPort.postMessage({ id: job.id, ok: false, message: String(error && error.message ? error.message : error) });
  }
});
`;

/** One morsel's partial results (each array over SharedArrayBuffer memory). */
export interface MorselPartial {
  readonly acc: Float64Array;
  readonly first: Float64Array;
  readonly firstSub: Float64Array;
  readonly keyRows: Int32Array;
  readonly steps: Float64Array;
}

export interface MorselJob {
  readonly params: readonly string[];
  readonly text: string;
  readonly ctx: readonly unknown[];
  /** Morsel m covers rows bounds[m] .. bounds[m + 1] - 1. */
  readonly bounds: Int32Array;
  readonly partials: readonly MorselPartial[];
}

interface Thread {
  readonly worker: Worker;
  /** Jobs posted to this thread and not answered yet, by id. */
  readonly pending: Map<number, { resolve(): void; reject(error: Error): void }>;
}

let pool: Thread[] = [];
let nextJob = 0;

function startThread(): Thread {
  const worker = new Worker(WORKER_SOURCE, { eval: true });
  worker.unref();
  const thread: Thread = { worker, pending: new Map() };
  const settle = (id: number, error: Error | null) => {
    const waiter = thread.pending.get(id);
    if (waiter === undefined) return;
    thread.pending.delete(id);
    // Held (ref) only while it has work: an idle pool never keeps the process alive.
    if (thread.pending.size === 0) worker.unref();
    if (error === null) waiter.resolve();
    else waiter.reject(error);
  };
  worker.on('message', (reply: { id: number; ok: boolean; message?: string }) => {
    settle(reply.id, reply.ok ? null : new ExecutionError('pipeline', `a worker thread failed: ${reply.message}`));
  });
  worker.on('error', (error: Error) => {
    // A thread that died is replaced on the next job; its jobs fail.
    pool = pool.filter((t) => t !== thread);
    for (const id of [...thread.pending.keys()]) settle(id, new ExecutionError('pipeline', `a worker thread failed: ${error.message}`));
  });
  return thread;
}

function threads(count: number): Thread[] {
  while (pool.length < count) pool.push(startThread());
  return pool.slice(0, count);
}

/**
 * Runs `job`'s morsels on `helpers` worker threads and this one; resolves when every
 * morsel has run. `runHere` runs one morsel on this thread.
 */
export async function runOnThreads(job: MorselJob, helpers: number, runHere: (m: number) => void): Promise<void> {
  const claim = new Int32Array(new SharedArrayBuffer(4));
  const done = threads(helpers).map(
    (thread) =>
      new Promise<void>((resolve, reject) => {
        const id = nextJob++;
        if (thread.pending.size === 0) thread.worker.ref();
        thread.pending.set(id, { resolve, reject });
        thread.worker.postMessage({ id, params: job.params, text: job.text, ctx: job.ctx, bounds: job.bounds, partials: job.partials, claim });
      }),
  );
  // This thread claims morsels too, from the same counter.
  let failure: unknown = null;
  try {
    for (;;) {
      const m = Atomics.add(claim, 0, 1);
      if (m >= job.partials.length) break;
      runHere(m);
    }
  } catch (error) {
    // Stop the others from taking more morsels, then report this thread's error.
    Atomics.store(claim, 0, job.partials.length);
    failure = error;
  }
  const settled = await Promise.allSettled(done);
  if (failure !== null) throw failure;
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
}

/** Ends the pool's threads (tests; a process exits without it). */
export async function closeWorkerPool(): Promise<void> {
  const closing = pool;
  pool = [];
  await Promise.all(closing.map((t) => t.worker.terminate()));
}
