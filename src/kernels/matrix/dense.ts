/**
 * Dense matrix type and the small helpers every kernel shares.
 *
 * Layout is row-major: element (i, j) lives at `data[i * cols + j]`. Kernels
 * accumulate in float64 (JS numbers) whatever the storage dtype; float32 only
 * narrows what is stored.
 */
import { takeFloatArray } from '../../data/buffer-pool.js';
import { checkArrayLength } from '../../data/limits.js';
import { ShapeMismatchError } from './errors.js';

export type Dtype = 'float64' | 'float32';
export type FloatArray = Float64Array | Float32Array;

export interface DenseMatrix {
  rows: number;
  cols: number;
  /** Row-major, length rows·cols. */
  data: FloatArray;
}

export function dtypeOf(m: { data: FloatArray }): Dtype {
  return m.data instanceof Float32Array ? 'float32' : 'float64';
}

/** Result dtype rule: float32 only when every input is float32. */
export function resultDtype(...inputs: { data: FloatArray }[]): Dtype {
  return inputs.every((m) => m.data instanceof Float32Array) ? 'float32' : 'float64';
}

/**
 * A zeroed array for a kernel's output; large ones are reused buffers (src/data/buffer-pool.ts).
 * Longer than a typed array can be: an AllocationLimitError (operators check their output
 * size earlier, naming themselves; this is the backstop for kernels called directly).
 */
export function allocate(dtype: Dtype, length: number): FloatArray {
  checkArrayLength('matrix kernel', `a ${dtype} output`, length, dtype === 'float32' ? 4 : 8);
  return takeFloatArray(dtype, length);
}

/** "3×4", used in error messages. */
export function shapeOf(m: { rows: number; cols: number }): string {
  return `${m.rows}×${m.cols}`;
}

function checkDim(op: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new RangeError(`${op}: dimension ${v} is not a non-negative integer`);
}

/** Wraps an existing buffer (no copy) after checking its length. */
export function denseMatrix(rows: number, cols: number, data: FloatArray): DenseMatrix {
  checkDim('denseMatrix', rows);
  checkDim('denseMatrix', cols);
  if (data.length !== rows * cols) {
    throw new ShapeMismatchError(`denseMatrix: ${rows}×${cols} needs ${rows * cols} elements, got ${data.length}`);
  }
  return { rows, cols, data };
}

export function zeros(rows: number, cols: number, dtype: Dtype = 'float64'): DenseMatrix {
  checkDim('zeros', rows);
  checkDim('zeros', cols);
  return { rows, cols, data: allocate(dtype, rows * cols) };
}

export function identity(n: number, dtype: Dtype = 'float64'): DenseMatrix {
  const m = zeros(n, n, dtype);
  for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
  return m;
}

/** Builds from nested arrays; rows must all have the same length. */
export function fromRows(rows: readonly (readonly number[])[], dtype: Dtype = 'float64'): DenseMatrix {
  const r = rows.length;
  const c = r === 0 ? 0 : rows[0].length;
  const m = zeros(r, c, dtype);
  for (let i = 0; i < r; i++) {
    const row = rows[i];
    if (row.length !== c) {
      throw new ShapeMismatchError(`fromRows: row ${i} has ${row.length} entries, row 0 has ${c}`);
    }
    m.data.set(row, i * c);
  }
  return m;
}

/** Tile edge for transpose: a 32×32 f64 tile is 8 KiB, so source and target tiles sit in L1. */
const TRANSPOSE_TILE = 32;

/** Materialized transpose (same dtype). Tiled so neither side is walked with a cache-hostile stride. */
export function transpose(m: DenseMatrix): DenseMatrix {
  const { rows, cols, data: src } = m;
  const out = zeros(cols, rows, dtypeOf(m));
  const dst = out.data;
  for (let i0 = 0; i0 < rows; i0 += TRANSPOSE_TILE) {
    const i1 = Math.min(i0 + TRANSPOSE_TILE, rows);
    for (let j0 = 0; j0 < cols; j0 += TRANSPOSE_TILE) {
      const j1 = Math.min(j0 + TRANSPOSE_TILE, cols);
      for (let i = i0; i < i1; i++) {
        for (let j = j0; j < j1; j++) dst[j * rows + i] = src[i * cols + j];
      }
    }
  }
  return out;
}

/** Throws if `out` shares memory with an input: kernels read inputs after they start writing. */
export function assertNoAlias(op: string, out: FloatArray, inputs: readonly FloatArray[]): void {
  for (const m of inputs) {
    if (out.buffer !== m.buffer) continue;
    const o0 = out.byteOffset, m0 = m.byteOffset;
    if (o0 < m0 + m.byteLength && m0 < o0 + out.byteLength) {
      throw new RangeError(`${op}: out must not share memory with an input`);
    }
  }
}

/**
 * The matrix a kernel writes its rows×cols result into: `out` when given
 * (after checking its shape and that it does not alias an input), otherwise
 * a fresh zeroed matrix.
 * The contents of a supplied `out` are overwritten, never accumulated into.
 */
export function resultMatrix(
  op: string,
  rows: number,
  cols: number,
  dtype: Dtype,
  out: DenseMatrix | undefined,
  inputs: readonly DenseMatrix[],
): DenseMatrix {
  if (out === undefined) return zeros(rows, cols, dtype);
  if (out.rows !== rows || out.cols !== cols || out.data.length !== rows * cols) {
    throw new ShapeMismatchError(`${op}: out is ${shapeOf(out)} but the result is ${rows}×${cols}`);
  }
  assertNoAlias(op, out.data, inputs.map((m) => m.data));
  return out;
}
