import { type Arena, disownBuffer, isPooled, recycleBuffer } from '../data/buffer-pool.js';
import { type Column, pendingGather } from '../data/column.js';
import type { NodeResult } from './execute.js';

/**
 * How many live results of a run refer to each pooled buffer (an operator may pass its
 * input through, or wrap it): a buffer goes back to the pool (src/data/buffer-pool.ts)
 * only when the last of them is dropped.
 *
 * It is also the run's `Arena`: relational operators take their large intermediates
 * (selections, join row pairs, gathered columns) through it. After each operator, the
 * buffers it took that no live result refers to (its temporaries: a sort's permutation,
 * composed index vectors) go straight back.
 *
 * A result's buffers are those its columns hold, a lazy column's index vector and
 * source included; an operator whose output may refer to its inputs' memory in ways
 * that do not show there (a pipeline's closures) holds its relation inputs' buffers
 * until its own output is dropped (`retained`).
 */
export class BufferHolders implements Arena {
  private readonly count = new Map<ArrayBufferLike, number>();
  /** Buffers the running operator took through the arena. */
  private readonly taken = new Set<SharedArrayBuffer>();
  /**
   * Buffers of values the run did not make (a leaf's output: a literal matrix, a source's
   * columns, a loop's state or input): never given back by this run, whichever result
   * holds them last. A literal built with `zeros` or `identity` may live in a pooled
   * buffer, and the plan reads it again on its next run.
   */
  private readonly notOurs = new Set<ArrayBufferLike>();

  took(buffer: SharedArrayBuffer): void {
    this.taken.add(buffer);
  }

  /** Counts the pooled buffers `r` refers to, and those of `retained`; returns them all, for `drop`. */
  hold(r: NodeResult, retained: readonly HeldBuffers[] = []): HeldBuffers {
    const held = new Set(pooledBuffers(r));
    for (const other of retained) for (const b of other) held.add(b);
    for (const b of held) this.count.set(b, (this.count.get(b) ?? 0) + 1);
    return held;
  }

  /** Marks the buffers of a leaf's output as not the run's to give back. */
  protect(held: HeldBuffers): void {
    for (const b of held) this.notOurs.add(b);
  }

  /** After an operator (its output held): the buffers it took that no live result holds go back to the pool. */
  giveBackTemporaries(): void {
    for (const b of this.taken) if (!this.count.has(b)) recycleBuffer(b);
    this.taken.clear();
  }

  drop(held: HeldBuffers, recycle: boolean): void {
    for (const b of held) {
      const left = this.count.get(b)! - 1;
      if (left > 0) this.count.set(b, left);
      else {
        this.count.delete(b);
        if (recycle && !this.notOurs.has(b)) recycleBuffer(b);
      }
    }
  }

  /** The run's result leaves for the caller: its buffers are never pooled again. */
  release(held: HeldBuffers): void {
    for (const b of held) disownBuffer(b);
  }
}

/** The pooled buffers a live result was counted for. */
export type HeldBuffers = ReadonlySet<ArrayBufferLike>;

function pooledBuffers(r: NodeResult): ArrayBufferLike[] {
  const arrays: ArrayBufferView[] = [];
  if (r.kind === 'relation') {
    for (const batch of r.batches) for (const col of batch.columns) columnArrays(col, arrays);
  } else {
    const m = r.value;
    arrays.push(...('dense' in m ? [m.dense.data, m.sparse.indptr, m.sparse.indices, m.sparse.values] : 'indptr' in m ? [m.indptr, m.indices, m.values] : [m.data]));
  }
  return arrays.map((a) => a.buffer).filter(isPooled);
}

/**
 * The arrays `col` refers to, without materializing it: a lazy column's index vector
 * and source. Only arrays stored as plain data are read: a column that computes its
 * values on first access (a getter) is not made to compute them here.
 */
function columnArrays(col: Column, into: ArrayBufferView[]): void {
  const lazy = pendingGather(col);
  if (lazy !== null) {
    into.push(lazy.indices);
    columnArrays(lazy.source, into);
    return;
  }
  for (const key of ['values', 'validity'] as const) {
    const stored: unknown = Object.getOwnPropertyDescriptor(col, key)?.value;
    if (ArrayBuffer.isView(stored)) into.push(stored);
  }
}
