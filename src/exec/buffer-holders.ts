import { disownBuffer, isPooled, recycleBuffer } from '../data/buffer-pool.js';
import type { NodeResult } from './execute.js';

/**
 * How many live results of a run refer to each pooled buffer (an operator may pass its
 * input through, or wrap it): a buffer goes back to the pool (src/data/buffer-pool.ts)
 * only when the last of them is dropped.
 */
export class BufferHolders {
  private readonly count = new Map<ArrayBufferLike, number>();

  hold(r: NodeResult): void {
    for (const b of pooledBuffers(r)) this.count.set(b, (this.count.get(b) ?? 0) + 1);
  }

  drop(r: NodeResult, recycle: boolean): void {
    for (const b of pooledBuffers(r)) {
      const left = this.count.get(b)! - 1;
      if (left > 0) this.count.set(b, left);
      else {
        this.count.delete(b);
        if (recycle) recycleBuffer(b);
      }
    }
  }

  /** The run's result leaves for the caller: its buffers are never pooled again. */
  release(r: NodeResult): void {
    for (const b of pooledBuffers(r)) disownBuffer(b);
  }
}

function pooledBuffers(r: NodeResult): ArrayBufferLike[] {
  if (r.kind !== 'matrix') return [];
  const m = r.value;
  const arrays = 'dense' in m ? [m.dense.data, m.sparse.indptr, m.sparse.indices, m.sparse.values] : 'indptr' in m ? [m.indptr, m.indices, m.values] : [m.data];
  return arrays.map((a) => a.buffer).filter(isPooled);
}
