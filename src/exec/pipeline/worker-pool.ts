import { Worker } from 'node:worker_threads';
import { ExecutionError } from '../../errors.js';

/**
 * A small pool of worker threads that run generated pipeline loops over morsels.
 *
 * Work is shared through memory, never copied per morsel: the loop's inputs and every
 * morsel's partial accumulators live in SharedArrayBuffers (`shared`), and threads
 * claim morsels from one shared counter (Atomics.add), the calling thread among them,
 * until none is left. Which thread runs which morsel does not matter: each morsel
 * writes only its own partials (or output buffers), and the caller merges them in
 * morsel order.
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
    const { claim, bounds, args } = job;
    const returned = [];
    for (;;) {
      const m = Atomics.add(claim, 0, 1);
      if (m >= args.length) break;
      const value = fn(job.ctx, bounds[m], bounds[m + 1], ...args[m]);
      if (value !== undefined) returned.push([m, value]);
    }
    parentPort.postMessage({ id: job.id, ok: true, returned });
  } catch (error) {
    parentPort.postMessage({ id: job.id, ok: false, message: String(error && error.message ? error.message : error) });
  }
});
`;

export interface MorselJob {
  readonly params: readonly string[];
  readonly text: string;
  readonly ctx: readonly unknown[];
  /** Morsel m covers rows bounds[m] .. bounds[m + 1] - 1. */
  readonly bounds: Int32Array;
  /** Morsel m's arguments after (ctx, start, end): its partials or output buffers, in shared memory. */
  readonly args: readonly (readonly unknown[])[];
}

interface Thread {
  readonly worker: Worker;
  /** Jobs posted to this thread and not answered yet, by id. */
  readonly pending: Map<number, { resolve(returned: readonly MorselReturn[]): void; reject(error: Error): void }>;
}

let pool: Thread[] = [];
let nextJob = 0;

function startThread(): Thread {
  const worker = new Worker(WORKER_SOURCE, { eval: true });
  worker.unref();
  const thread: Thread = { worker, pending: new Map() };
  const settle = (id: number, error: Error | null, returned: readonly MorselReturn[] = []) => {
    const waiter = thread.pending.get(id);
    if (waiter === undefined) return;
    thread.pending.delete(id);
    // Held (ref) only while it has work: an idle pool never keeps the process alive.
    if (thread.pending.size === 0) worker.unref();
    if (error === null) waiter.resolve(returned);
    else waiter.reject(error);
  };
  worker.on('message', (reply: { id: number; ok: boolean; message?: string; returned?: MorselReturn[] }) => {
    settle(reply.id, reply.ok ? null : new ExecutionError('pipeline', `a worker thread failed: ${reply.message}`), reply.returned);
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

/** What a morsel's loop returned (a value other than undefined), by morsel: [m, value]. */
export type MorselReturn = readonly [number, unknown];

/**
 * Runs `job`'s morsels on `helpers` worker threads and this one; resolves when every
 * morsel has run, with what the loops returned (by morsel; structured clones, so
 * SharedArrayBuffer memory comes back shared). `runHere` runs one morsel on this thread.
 */
export async function runOnThreads(job: MorselJob, helpers: number, runHere: (m: number) => unknown): Promise<Map<number, unknown>> {
  const claim = new Int32Array(new SharedArrayBuffer(4));
  const returned = new Map<number, unknown>();
  const done = threads(helpers).map(
    (thread) =>
      new Promise<readonly MorselReturn[]>((resolve, reject) => {
        const id = nextJob++;
        if (thread.pending.size === 0) thread.worker.ref();
        thread.pending.set(id, { resolve, reject });
        thread.worker.postMessage({ id, params: job.params, text: job.text, ctx: job.ctx, bounds: job.bounds, args: job.args, claim });
      }),
  );
  // This thread claims morsels too, from the same counter.
  let failure: unknown = null;
  try {
    for (;;) {
      const m = Atomics.add(claim, 0, 1);
      if (m >= job.args.length) break;
      const value = runHere(m);
      if (value !== undefined) returned.set(m, value);
    }
  } catch (error) {
    // Stop the others from taking more morsels, then report this thread's error.
    Atomics.store(claim, 0, job.args.length);
    failure = error;
  }
  const settled = await Promise.allSettled(done);
  if (failure !== null) throw failure;
  for (const s of settled) {
    if (s.status === 'rejected') throw s.reason;
    for (const [m, value] of s.value) returned.set(m, value);
  }
  return returned;
}

/** Ends the pool's threads (tests; a process exits without it). */
export async function closeWorkerPool(): Promise<void> {
  const closing = pool;
  pool = [];
  await Promise.all(closing.map((t) => t.worker.terminate()));
}
