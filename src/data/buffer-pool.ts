/**
 * A pool of large float buffers, reused between operators and between runs.
 *
 * Fresh memory costs a page fault per page on first touch, and on virtual machines a
 * fault is slow: on the 2-core machines this project runs on, writing a new 320 MB
 * Float64Array took 1.0 s, rewriting one already touched 0.05 s. Matrix kernels
 * allocate their outputs through `takeFloatArray` (and sparse ones their indices
 * through `takeInt32Array`), which hand out a zeroed buffer of the same size a
 * finished operator gave back, when there is one.
 *
 * Only the executor gives buffers back (`recycleBuffer`), and only when no live result
 * of the run refers to them any more; a buffer that leaves a run (its result) is
 * disowned first, so memory a caller holds is never handed out again. The pool keeps
 * at most `limit` bytes (default: 1 GiB or 1/16 of the machine's memory, whichever is
 * smaller), dropping the buffers given back longest ago first. Small arrays (under
 * 1 MiB) come from the JS heap as before.
 */
import { totalmem } from 'node:os';

const MIN_BYTES = 1 << 20;

let limit = Math.min(2 ** 30, Math.floor(totalmem() / 16));
/** Free buffers by byte length; `order` lists them oldest first, for eviction. */
const free = new Map<number, ArrayBuffer[]>();
const order: ArrayBuffer[] = [];
let freeBytes = 0;
/** Buffers this pool allocated and has not disowned: the only ones it takes back. */
const owned = new WeakSet<ArrayBuffer>();

/** A zeroed Float64Array or Float32Array of `length` elements. */
export function takeFloatArray(dtype: 'float64' | 'float32', length: number): Float64Array | Float32Array {
  if (dtype === 'float32') {
    const buffer = takeBuffer(length * 4);
    return buffer === null ? new Float32Array(length) : new Float32Array(buffer);
  }
  const buffer = takeBuffer(length * 8);
  return buffer === null ? new Float64Array(length) : new Float64Array(buffer);
}

/** A zeroed Int32Array of `length` elements (the row pointers and column indices of a sparse matrix). */
export function takeInt32Array(length: number): Int32Array {
  const buffer = takeBuffer(length * 4);
  return buffer === null ? new Int32Array(length) : new Int32Array(buffer);
}

/** A zeroed buffer of `bytes` from the pool or newly allocated; null for a small one (the JS heap's). */
function takeBuffer(bytes: number): ArrayBuffer | null {
  if (bytes < MIN_BYTES || limit === 0) return null;
  const reused = free.get(bytes)?.pop();
  if (!reused) {
    const buffer = new ArrayBuffer(bytes);
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
  return buffer instanceof ArrayBuffer && owned.has(buffer);
}

/** Gives a buffer back; the caller guarantees nothing refers to it any more. Buffers the pool does not own are ignored. */
export function recycleBuffer(buffer: ArrayBufferLike): void {
  if (!isPooled(buffer) || limit === 0) return;
  const b = buffer as ArrayBuffer;
  if (b.byteLength > limit) return;
  while (freeBytes + b.byteLength > limit) evictOldest();
  const list = free.get(b.byteLength);
  if (list) list.push(b);
  else free.set(b.byteLength, [b]);
  order.push(b);
  freeBytes += b.byteLength;
}

/** The pool will never take `buffer` back (it is leaving for code the executor does not track). */
export function disownBuffer(buffer: ArrayBufferLike): void {
  if (buffer instanceof ArrayBuffer) owned.delete(buffer);
}

function evictOldest(): void {
  const b = order.shift()!;
  const list = free.get(b.byteLength)!;
  list.splice(list.indexOf(b), 1);
  if (list.length === 0) free.delete(b.byteLength);
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
