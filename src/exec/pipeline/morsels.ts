import { builtinTypedArray, compiledFunction } from '../loop-code.js';
import { mergeBitmaps } from './distinct.js';
import { slotsByFirstRow } from './grouping.js';
import type { CompiledPipeline, MergedGroups } from './aggregate-sink.js';
import { runOnThreads } from './worker-pool.js';

/**
 * Morsel-driven execution of a compiled pipeline (as in HyPer and DuckDB), made
 * deterministic: the source's rows are cut into morsels by a rule that depends only
 * on the data's shape (rows, group slots, accumulator width), never on the number of
 * threads; every morsel accumulates into partials of its own, and the partials are
 * merged in morsel order. So a float sum is the same sum of the same partial sums
 * whether one thread ran every morsel or four shared them: results are bit-identical
 * across thread counts and runs. (Within a morsel, rows are added in row order; a sum
 * over more than one morsel is therefore a sum of per-morsel sums, which may differ
 * in the last bits from one running sum over all rows.)
 */

/** The smallest morsel: below this, a thread's start-up and a merge cost more than the rows. */
export const MORSEL_ROWS = 1 << 16;
/** Memory all morsels' partials may take together; more slots mean fewer, larger morsels. */
const PARTIALS_BUDGET = 64 << 20;
/**
 * The most morsels an aggregate's rows are cut into: every morsel's partials are reset
 * before and merged after the loop on the calling thread (3.6 ms per run at 153
 * morsels × 1,000 groups × 3 lanes), while 64 morsels still leave 16 to each of 4 threads.
 */
const MAX_MORSELS = 64;

export interface MorselRun {
  readonly merged: MergedGroups;
  readonly morsels: number;
  /** Threads that ran morsels (this one included). */
  readonly threads: number;
}

/** How many morsels `rows` rows make, given the bytes of one morsel's partials. */
export function morselCount(rows: number, partialBytes: number): number {
  const byRows = Math.max(1, Math.min(Math.ceil(rows / MORSEL_ROWS), MAX_MORSELS));
  const byMemory = Math.max(1, Math.floor(PARTIALS_BUDGET / Math.max(partialBytes, 1)));
  return Math.min(byRows, byMemory);
}

export async function runMorsels(pipeline: CompiledPipeline, threads: number): Promise<MorselRun> {
  const { rows } = pipeline;
  const morsels = morselCount(rows, partialBytes(pipeline));
  const bounds = new Int32Array(morsels + 1);
  for (let m = 0; m <= morsels; m++) bounds[m] = Math.floor((rows * m) / morsels);
  const helpers = Math.max(0, Math.min(threads, morsels) - 1);
  const fn = compiledFunction<(ctx: readonly unknown[], start: number, end: number, ...partial: unknown[]) => void>(pipeline.params, pipeline.text);
  const runMorsel = (ctx: readonly unknown[], m: number, p: MorselPartial) => fn(ctx, bounds[m], bounds[m + 1], ...partialArgs(p));

  if (helpers === 0) {
    // One thread: morsel by morsel, each merged into the first as soon as it ran (same order, same sums).
    const merged = partial(pipeline);
    runMorsel(pipeline.ctx, 0, merged);
    const scratch = morsels > 1 ? partial(pipeline) : null;
    for (let m = 1; m < morsels; m++) {
      reset(pipeline, scratch!);
      runMorsel(pipeline.ctx, m, scratch!);
      mergeInto(pipeline, merged, scratch!);
    }
    return { merged, morsels, threads: 1 };
  }
  const ctx = pipeline.ctx.map(shared);
  const memory = takeSharedMemory(partialBytes(pipeline) * morsels);
  try {
    const partials = sharedPartials(pipeline, morsels, memory);
    await runOnThreads({ params: pipeline.params, text: pipeline.text, ctx, bounds, args: partials.map(partialArgs) }, helpers, (m) => runMorsel(ctx, m, partials[m]));
    // Into private memory, so that the shared block goes back to the pool now.
    const merged = partial(pipeline);
    for (let m = 0; m < morsels; m++) mergeInto(pipeline, merged, partials[m]);
    return { merged, morsels, threads: helpers + 1 };
  } finally {
    giveBackSharedMemory(memory);
  }
}

/** One morsel's partial results (each array over SharedArrayBuffer memory when threads share the morsels). */
interface MorselPartial {
  readonly acc: Float64Array;
  readonly first: Float64Array;
  readonly firstSub: Float64Array;
  readonly keyRows: Int32Array;
  readonly steps: Float64Array;
  /** Count-distinct bitmaps (src/exec/pipeline/distinct.ts). */
  readonly distinct: Int32Array;
}

/** The loop's arguments after (ctx, start, end) for a morsel's partials (aggregate-sink.ts names them). */
function partialArgs(p: MorselPartial): unknown[] {
  return [p.acc, p.first, p.firstSub, p.keyRows, p.steps, p.distinct];
}

/**
 * Shared memory for partials (and materialized row indices, materialize-run.ts), kept between runs: a fresh SharedArrayBuffer's pages
 * fault in on first write, which on these virtual machines costs more than the merge
 * (16 ms per run for 153 morsels × 1,000 groups). A few blocks are kept, the largest
 * first; a run takes one at least as large as it needs.
 */
const sharedPool: SharedArrayBuffer[] = [];
const SHARED_POOL_BLOCKS = 4;

export function takeSharedMemory(bytes: number): SharedArrayBuffer {
  const at = sharedPool.findIndex((b) => b.byteLength >= bytes && b.byteLength <= 2 * bytes + (1 << 20));
  return at >= 0 ? sharedPool.splice(at, 1)[0] : new SharedArrayBuffer(bytes);
}

export function giveBackSharedMemory(memory: SharedArrayBuffer): void {
  if (memory.byteLength > PARTIALS_BUDGET) return;
  sharedPool.push(memory);
  sharedPool.sort((a, b) => b.byteLength - a.byteLength);
  sharedPool.length = Math.min(sharedPool.length, SHARED_POOL_BLOCKS);
}

/** Bytes of one morsel's partials in shared memory (float64 arrays first, then the int32 key rows and count-distinct bitmaps, 8-aligned). */
function partialBytes(p: CompiledPipeline): number {
  return (p.slots * (p.width + 2) + p.stepCount) * 8 + Math.ceil((p.slots * (p.keys + p.distinctWords)) / 2) * 8;
}

/** Fresh partials: accumulators at their lanes' starting values, no first rows. */
function partial(p: CompiledPipeline): MorselPartial {
  const out: MorselPartial = {
    acc: new Float64Array(p.slots * p.width),
    first: new Float64Array(p.slots),
    firstSub: new Float64Array(p.slots),
    keyRows: new Int32Array(p.slots * p.keys),
    steps: new Float64Array(p.stepCount),
    distinct: new Int32Array(p.slots * p.distinctWords),
  };
  reset(p, out);
  return out;
}

/** Every morsel's partials, as views of one block of shared memory (reset: it may hold a previous run's). */
function sharedPartials(p: CompiledPipeline, morsels: number, memory: SharedArrayBuffer): MorselPartial[] {
  const ints = p.slots * p.keys;
  const bytesEach = partialBytes(p);
  return Array.from({ length: morsels }, (_, m) => {
    let at = m * bytesEach;
    const f64 = (length: number) => {
      const view = new Float64Array(memory, at, length);
      at += length * 8;
      return view;
    };
    const [acc, first, firstSub, steps] = [f64(p.slots * p.width), f64(p.slots), f64(p.slots), f64(p.stepCount)];
    const keyRows = new Int32Array(memory, at, ints);
    const distinct = new Int32Array(memory, at + ints * 4, p.slots * p.distinctWords);
    const out: MorselPartial = { acc, first, firstSub, steps, keyRows, distinct };
    reset(p, out);
    return out;
  });
}

function reset(p: CompiledPipeline, out: MorselPartial): void {
  out.acc.fill(0);
  for (const [lane, start] of p.laneStarts) for (let g = 0; g < p.slots; g++) out.acc[g * p.width + lane] = start;
  out.first.fill(-1);
  out.steps.fill(0);
  out.distinct.fill(0);
}

/**
 * Adds a later morsel's partials into `into`: sums and counts add, min and max compare
 * as the loop does (NaN the largest float; min is NaN only when every value is),
 * count-distinct bitmaps OR, and a group keeps the first row of the earliest morsel
 * that saw it.
 */
function mergeInto(p: CompiledPipeline, into: MorselPartial, from: MorselPartial): void {
  const { width, keys } = p;
  for (let k = 0; k < p.stepCount; k++) into.steps[k] += from.steps[k];
  mergeBitmaps(into.distinct, from.distinct, from.first, p.distinctWords);
  const a = into.acc;
  const b = from.acc;
  for (let g = 0; g < p.slots; g++) {
    if (from.first[g] < 0) continue;
    const o = g * width;
    for (let lane = 0; lane < width; lane++) {
      const v = b[o + lane];
      const x = a[o + lane];
      switch (p.laneMerges[lane]) {
        case 'add':
          a[o + lane] = x + v;
          break;
        case 'min':
          if (v < x || x !== x) a[o + lane] = v;
          break;
        case 'max':
          if (v > x || (v !== v && x === x)) a[o + lane] = v;
          break;
      }
    }
    if (into.first[g] < 0) {
      into.first[g] = from.first[g];
      into.firstSub[g] = from.firstSub[g];
      for (let k = 0; k < keys; k++) into.keyRows[g * keys + k] = from.keyRows[g * keys + k];
    }
  }
}

/** Used slots in order of first appearance (source row, then output row within it). */
export function groupOrder(merged: MergedGroups, groupBy: number): Int32Array {
  // No GROUP BY: one group, even over no rows.
  return groupBy === 0 ? Int32Array.of(0) : slotsByFirstRow(merged.first, merged.firstSub);
}

/** Whether a merged integer sum reached ±2^53 (the per-morsel loop checks only its own running sums). */
export function mergedOutOfRange(p: CompiledPipeline, merged: MergedGroups): boolean {
  for (const lane of p.integerSumLanes) {
    for (let g = 0; g < p.slots; g++) {
      const v = merged.acc[g * p.width + lane];
      if (!(v < 2 ** 53 && v > -(2 ** 53))) return true;
    }
  }
  return false;
}

const sharedCopies = new WeakMap<ArrayBufferView, ArrayBufferView>();
/** Bytes `shared` has copied in this process (tests check that readers' columns need none). */
let copiedBytes = 0;

/**
 * A typed array in shared memory, so that worker threads read it where it is: as it
 * is when it already lives in a SharedArrayBuffer (the readers' columns and the
 * executor's pooled intermediates do, src/data/column-memory.ts), else a copy made once
 * per array (kept while the array lives: a column a caller passed in ordinary memory is
 * copied on its first parallel run only).
 */
export function shared(x: unknown): unknown {
  if (!ArrayBuffer.isView(x) || x.buffer instanceof SharedArrayBuffer) return x;
  const ctor = builtinTypedArray(x);
  if (ctor === null) return x;
  let copy = sharedCopies.get(x);
  if (copy === undefined) {
    copy = new ctor(new SharedArrayBuffer(x.byteLength));
    new Uint8Array(copy.buffer).set(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
    sharedCopies.set(x, copy);
    copiedBytes += x.byteLength;
  }
  return copy;
}

/** Internal: bytes copied into shared memory for pipelines so far. */
export function sharedCopyBytes(): number {
  return copiedBytes;
}
