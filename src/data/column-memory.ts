import { type Arena, takeSharedBuffer } from './buffer-pool.js';

/**
 * Where the large arrays of columns (values, validity) and of row-index vectors are
 * allocated:
 * - nothing (undefined): a plain array on the JS heap, for values whose lifetime no
 *   one tracks (a dead SharedArrayBuffer's memory does not count towards V8 starting a
 *   collection: transient arrays go to the heap or through the pool, see buffer-pool.ts);
 * - an `Arena` (src/data/buffer-pool.ts): the executor's run; a large array comes from
 *   the buffer pool, in shared memory, and goes back when no live result of the run
 *   refers to it any more;
 * - `'shared'`: a fresh SharedArrayBuffer, for a source's columns (read once and kept
 *   while the source lives), so that pipelines' worker threads read them in place
 *   instead of copying them into shared memory on first use (src/exec/pipeline/morsels.ts).
 *   Arrays under SHARED_MIN_BYTES stay on the heap: a pipeline copies such an array in
 *   a few microseconds, and a small SharedArrayBuffer costs more than the copy. (The
 *   memory of a source no longer used is freed by a later collection, which its size
 *   alone does not prompt.)
 */
export type ColumnMemory = Arena | 'shared' | undefined;

export const SHARED_MIN_BYTES = 64 << 10;

/** A zeroed buffer of `bytes` in `memory`; null for the JS heap's (then the caller allocates a plain array). */
function sharedBuffer(bytes: number, memory: ColumnMemory): SharedArrayBuffer | null {
  if (memory === 'shared') return bytes >= SHARED_MIN_BYTES ? new SharedArrayBuffer(bytes) : null;
  return takeSharedBuffer(bytes, memory);
}

export function allocFloat64Array(length: number, memory: ColumnMemory): Float64Array {
  const buffer = sharedBuffer(length * 8, memory);
  return buffer === null ? new Float64Array(length) : new Float64Array(buffer);
}

export function allocFloat32Array(length: number, memory: ColumnMemory): Float32Array {
  const buffer = sharedBuffer(length * 4, memory);
  return buffer === null ? new Float32Array(length) : new Float32Array(buffer);
}

/** Int32 values, string codes, or the row indices of an intermediate (a selection, a join's row pairs). */
export function allocInt32Array(length: number, memory: ColumnMemory): Int32Array {
  const buffer = sharedBuffer(length * 4, memory);
  return buffer === null ? new Int32Array(length) : new Int32Array(buffer);
}

/** A sort's order words (src/kernels/relational/sort.ts). */
export function allocUint32Array(length: number, memory: ColumnMemory): Uint32Array {
  const buffer = sharedBuffer(length * 4, memory);
  return buffer === null ? new Uint32Array(length) : new Uint32Array(buffer);
}

/** Bool values, or a validity mask. */
export function allocUint8Array(length: number, memory: ColumnMemory): Uint8Array {
  const buffer = sharedBuffer(length, memory);
  return buffer === null ? new Uint8Array(length) : new Uint8Array(buffer);
}
