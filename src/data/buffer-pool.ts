/**
 * A pool of large buffers, reused between operators and between runs.
 *
 * Fresh memory costs a page fault per page on first touch, and on virtual machines a
 * fault is slow: on the 2-core machines this project runs on, writing a new 320 MB
 * Float64Array took 1.0 s, rewriting one already touched 0.05 s. Matrix kernels
 * allocate their outputs through `takeFloatArray` (and sparse ones their indices
 * through `takeInt32Array`), which hand out a zeroed buffer of the same size a
 * finished operator gave back, when there is one.
 *
 * Relational operators take their large intermediates (selections, join row pairs,
 * gathered columns) through an `Arena`, the executor's claim for one run: those
 * buffers are SharedArrayBuffers, so that a pipeline's worker threads read them where
 * they are, and the pool is what makes shared memory affordable there: a fresh
 * SharedArrayBuffer faults in like a fresh ArrayBuffer, but the memory of a dead one
 * is neither reused by malloc nor counted by V8 towards starting a collection
 * (measured: a loop dropping 8 MB SharedArrayBuffers reached 3 GB without one GC,
 * the same loop over ArrayBuffers stayed under 100 MB).
 *
 * Only the executor gives buffers back (`recycleBuffer`), and only when no live result
 * of the run refers to them any more; a buffer that leaves a run (its result) is
 * disowned first, so memory a caller holds is never handed out again. The pool keeps
 * at most `limit` bytes (default: 1 GiB or 1/16 of the machine's memory, whichever is
 * smaller), dropping the buffers given back longest ago first. Small arrays (under
 * 64 KiB) come from the JS heap: a fresh 800 KB array costs 2.3–2.7 ms to fill here,
 * a reused one 0.25 ms, but below 64 KiB the heap's own reuse wins.
 */
import { totalmem } from 'node:os';

const MIN_BYTES = 64 << 10;

type PooledBuffer = ArrayBuffer | SharedArrayBuffer;

let limit = Math.min(2 ** 30, Math.floor(totalmem() / 16));
/** Free buffers by kind and byte length; `order` lists them oldest first, for eviction. */
const free = { plain: new Map<number, ArrayBuffer[]>(), shared: new Map<number, SharedArrayBuffer[]>() };
const order: PooledBuffer[] = [];
let freeBytes = 0;
/** Buffers this pool allocated and has not disowned: the only ones it takes back. */
const owned = new WeakSet<PooledBuffer>();

/**
 * A run's claim on the pool for relational intermediates (the executor's
 * BufferHolders, src/exec/buffer-holders.ts): told of every buffer handed out through
 * it, so that the run gives back those no live result refers to when the operator that
 * took them has finished.
 */
export interface Arena {
  took(buffer: SharedArrayBuffer): void;
}

/** A zeroed Float64Array or Float32Array of `length` elements. */
export function takeFloatArray(dtype: 'float64' | 'float32', length: number): Float64Array | Float32Array {
  if (dtype === 'float32') {
    const buffer = takeBuffer(length * 4, 'plain');
    return buffer === null ? new Float32Array(length) : new Float32Array(buffer);
  }
  const buffer = takeBuffer(length * 8, 'plain');
  return buffer === null ? new Float64Array(length) : new Float64Array(buffer);
}

/** A zeroed Int32Array of `length` elements (the row pointers and column indices of a sparse matrix). */
export function takeInt32Array(length: number): Int32Array {
  const buffer = takeBuffer(length * 4, 'plain');
  return buffer === null ? new Int32Array(length) : new Int32Array(buffer);
}

/**
 * A zeroed SharedArrayBuffer of `bytes` for a relational intermediate, from the pool
 * or newly allocated, recorded with `arena`; null when there is no arena, the buffer
 * is small or pooling is off (the caller allocates a plain array).
 */
export function takeSharedBuffer(bytes: number, arena: Arena | undefined): SharedArrayBuffer | null {
  if (arena === undefined) return null;
  const buffer = takeBuffer(bytes, 'shared');
  if (buffer !== null) arena.took(buffer);
  return buffer;
}

function takeBuffer(bytes: number, kind: 'plain'): ArrayBuffer | null;
function takeBuffer(bytes: number, kind: 'shared'): SharedArrayBuffer | null;
/** A zeroed buffer of `bytes` from the pool or newly allocated; null for a small one (the JS heap's). */
function takeBuffer(bytes: number, kind: 'plain' | 'shared'): PooledBuffer | null {
  if (bytes < MIN_BYTES || limit === 0) return null;
  const reused = free[kind].get(bytes)?.pop();
  if (!reused) {
    const buffer = kind === 'shared' ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
    owned.add(buffer);
    return buffer;
  }
  order.splice(order.indexOf(reused), 1);
  freeBytes -= bytes;
  new Uint8Array(reused).fill(0);
  return reused;
}

/** Whether `buffer` came from the pool and may be given back. */
export function isPooled(buffer: ArrayBufferLike): boolean {
  return owned.has(buffer);
}

/** Gives a buffer back; the caller guarantees nothing refers to it any more. Buffers the pool does not own are ignored. */
export function recycleBuffer(buffer: ArrayBufferLike): void {
  if (!isPooled(buffer) || limit === 0) return;
  const b = buffer as PooledBuffer;
  if (b.byteLength > limit) return;
  while (freeBytes + b.byteLength > limit) evictOldest();
  const lists = freeLists(b);
  const list = lists.get(b.byteLength);
  if (list) list.push(b);
  else lists.set(b.byteLength, [b]);
  order.push(b);
  freeBytes += b.byteLength;
}

/** The pool will never take `buffer` back (it is leaving for code the executor does not track). */
export function disownBuffer(buffer: ArrayBufferLike): void {
  owned.delete(buffer);
}

/** The free lists of `buffer`'s kind, by byte length. */
function freeLists(buffer: PooledBuffer): Map<number, PooledBuffer[]> {
  return (buffer instanceof SharedArrayBuffer ? free.shared : free.plain) as Map<number, PooledBuffer[]>;
}

function evictOldest(): void {
  const b = order.shift()!;
  const lists = freeLists(b);
  const list = lists.get(b.byteLength)!;
  list.splice(list.indexOf(b), 1);
  if (list.length === 0) lists.delete(b.byteLength);
  freeBytes -= b.byteLength;
  owned.delete(b);
}

/**
 * Sets how many bytes of free buffers the pool keeps (0: no pooling, every array is
 * fresh); returns the previous limit. Buffers over the new limit are dropped.
 */
export function setBufferPoolLimit(bytes: number): number {
  if (!(bytes >= 0)) throw new RangeError(`setBufferPoolLimit: expected a non-negative number of bytes, got ${bytes}`);
  const previous = limit;
  limit = bytes;
  while (freeBytes > limit) evictOldest();
  return previous;
}

/** Bytes of free buffers the pool holds now. */
export function bufferPoolBytes(): number {
  return freeBytes;
}
