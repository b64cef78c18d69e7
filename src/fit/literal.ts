import { createHash } from 'node:crypto';
import type { DenseMatrix } from '../kernels/matrix/dense.js';

/**
 * Content ids of frozen matrices: equal values (shape, dtype and bits) get equal ids, so
 * a fitted plan's digest says what it computes whichever process loaded it.
 */
export function literalId(m: DenseMatrix): string {
  const h = createHash('sha256');
  h.update(`${m.rows}x${m.cols}:${m.data instanceof Float32Array ? 'float32' : 'float64'}:`);
  h.update(float64Bytes(m.data));
  return `fit:${h.digest('hex').slice(0, 16)}`;
}

/** The values as little-endian float64 bytes (float32 values widen exactly). */
export function float64Bytes(data: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(data.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat64(i * 8, data[i], true);
  return bytes;
}

/** Float64 values read back from little-endian bytes at `offset` (in values). */
export function readFloat64(bytes: Uint8Array, offset: number, length: number): Float64Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = view.getFloat64((offset + i) * 8, true);
  return out;
}
