import { checkArrayLength } from '../../data/limits.js';
import { ExecutionError } from '../../errors.js';
import { compiledFunction } from '../loop-code.js';
import type { OperatorRun } from '../run-context.js';
import type { CompiledMaterialize } from './materialize-sink.js';
import { MORSEL_ROWS, giveBackSharedMemory, shared, takeSharedMemory } from './morsels.js';
import { runOnThreads } from './worker-pool.js';

/**
 * Runs a materializing pipeline (materialize-sink.ts) over morsels of its source, as
 * morsels.ts runs an aggregating one: the cut depends only on the row count, each
 * morsel writes its own index vectors (in shared memory when threads share the
 * morsels), and the vectors are concatenated in morsel order into private memory. The
 * output rows are therefore those of one loop over all rows, in order, whatever the
 * number of threads.
 */
export interface MaterializeRun {
  /** The output's index vectors (source rows, then each binding join's build rows), `count` long. */
  readonly vectors: readonly Int32Array[];
  readonly count: number;
  /** Rows out of each step. */
  readonly steps: Float64Array;
  readonly morsels: number;
  /** Threads that ran morsels (this one included). */
  readonly threads: number;
  /** Morsels whose output outgrew the room they started with. */
  readonly grown: number;
}

/** Rows a morsel's vectors start with when room for every source row would take more than half the memory budget. */
const SMALL_START_ROWS = 1024;

export async function runMaterialize(p: CompiledMaterialize, threads: number, run: OperatorRun): Promise<MaterializeRun> {
  const { rows, vectors: width, stepCount } = p;
  const morsels = Math.max(1, Math.ceil(rows / MORSEL_ROWS));
  const bounds = new Int32Array(morsels + 1);
  for (let m = 0; m <= morsels; m++) bounds[m] = Math.floor((rows * m) / morsels);
  const helpers = Math.max(0, Math.min(threads, morsels) - 1);
  const bytesPerRow = 4 * width;
  // A morsel starts with room for as many rows as it reads (what filters and joins on
  // unique keys give); repeated keys grow it. The room only sizes buffers, never changes rows.
  const headroom = run.headroom();
  const roomy = rows * bytesPerRow <= headroom / 2;
  const caps = Array.from({ length: morsels }, (_, m) => (roomy ? bounds[m + 1] - bounds[m] : Math.min(bounds[m + 1] - bounds[m], SMALL_START_ROWS)));
  const startRows = caps.reduce((s, c) => s + c, 0);
  const rowBudget = Math.min(Math.floor(headroom / bytesPerRow), 2 ** 31 - 1);
  const room = new Int32Array(new SharedArrayBuffer(4));
  room[0] = Math.max(rowBudget - startRows, 0);

  const floats = morsels * (1 + stepCount);
  const memory = takeSharedMemory(floats * 8 + startRows * bytesPerRow);
  try {
    const counts = new Float64Array(memory, 0, floats);
    counts.fill(0);
    let at = floats * 8;
    const outs = caps.map((cap) =>
      Array.from({ length: width }, () => {
        const view = new Int32Array(memory, at, cap);
        at += cap * 4;
        return view;
      }),
    );
    const args = outs.map((out, m) => [out, counts.subarray(m * (1 + stepCount), m * (1 + stepCount) + 1), counts.subarray(m * (1 + stepCount) + 1, (m + 1) * (1 + stepCount)), room]);
    const fn = compiledFunction<(ctx: readonly unknown[], start: number, end: number, ...rest: unknown[]) => unknown>(p.params, p.text);
    let returned: Map<number, unknown>;
    if (helpers === 0) {
      returned = new Map();
      for (let m = 0; m < morsels; m++) {
        const value = fn(p.ctx, bounds[m], bounds[m + 1], ...args[m]);
        if (value !== undefined) returned.set(m, value);
      }
    } else {
      const ctx = p.ctx.map(shared);
      returned = await runOnThreads({ params: p.params, text: p.text, ctx, bounds, args }, helpers, (m) => fn(ctx, bounds[m], bounds[m + 1], ...args[m]));
    }
    const sizes = Array.from({ length: morsels }, (_, m) => counts[m * (1 + stepCount)]);
    if (sizes.some((s) => s < 0)) {
      // Some morsel found no room left in the budget: the output needs more than it allows.
      run.reserve((rowBudget + 1) * bytesPerRow);
      throw new ExecutionError('Pipeline', `the output has more than ${rowBudget} rows, more than its row indices can hold`);
    }
    const count = sizes.reduce((s, n) => s + n, 0);
    checkArrayLength('Pipeline', "the row indices of the pipeline's output", count, 4);
    run.reserve(count * bytesPerRow);
    const vectors = Array.from({ length: width }, () => new Int32Array(count));
    const steps = new Float64Array(stepCount);
    let offset = 0;
    for (let m = 0; m < morsels; m++) {
      const out = (returned.get(m) as Int32Array[] | undefined) ?? outs[m];
      for (let v = 0; v < width; v++) vectors[v].set(out[v].subarray(0, sizes[m]), offset);
      offset += sizes[m];
      for (let k = 0; k < stepCount; k++) steps[k] += counts[m * (1 + stepCount) + 1 + k];
    }
    return { vectors, count, steps, morsels, threads: helpers + 1, grown: returned.size };
  } finally {
    giveBackSharedMemory(memory);
  }
}
