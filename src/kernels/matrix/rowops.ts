/** Internal helpers shared by the factorizations (not re-exported from index.ts). */
import type { DenseMatrix } from './dense.js';
import { shapeOf } from './dense.js';
import { ShapeMismatchError } from './errors.js';

export const EPS = Number.EPSILON;

export function assertSquare(op: string, A: DenseMatrix): void {
  if (A.rows !== A.cols) throw new ShapeMismatchError(`${op}: matrix must be square, got ${shapeOf(A)}`);
}

/** b[dst..dst+len) += f·b[src..src+len) — the row operation every substitution is built from. */
export function axpyRow(b: Float64Array, dst: number, f: number, src: number, len: number): void {
  for (let j = 0; j < len; j++) b[dst + j] += f * b[src + j];
}

export function scaleRow(b: Float64Array, at: number, f: number, len: number): void {
  for (let j = 0; j < len; j++) b[at + j] *= f;
}
