/**
 * Compressed sparse row matrices and their products with dense operands.
 *
 * Values are always float64 (one-hot and indicator encodings dominate, and
 * CSR is rarely the bandwidth bottleneck), so by the dtype rule every product
 * with a CSR operand is float64. Indices are int32: one-hot encodings of
 * categorical columns are the main producer and never exceed 2³¹ nonzeros.
 * Builders emit strictly increasing column indices within a row; kernels
 * only assume no duplicates.
 */
import type { DenseMatrix, FloatArray } from './dense.js';
import { shapeOf, zeros } from './dense.js';
import { takeFloatArray, takeInt32Array } from '../../data/buffer-pool.js';
import { ShapeMismatchError } from './errors.js';

export interface CsrMatrix {
  rows: number;
  cols: number;
  /** Length rows + 1; row i's entries are at [indptr[i], indptr[i+1]). */
  indptr: Int32Array;
  indices: Int32Array;
  values: Float64Array;
}

/** Keeps every entry that is not exactly 0 (NaN is kept, so it propagates like in dense products). */
export function csrFromDense(m: DenseMatrix): CsrMatrix {
  const { rows, cols, data } = m;
  let nnz = 0;
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) nnz++;
  const indptr = new Int32Array(rows + 1);
  const indices = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  let p = 0;
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) {
      const v = data[o + j];
      if (v !== 0) {
        indices[p] = j;
        values[p++] = v;
      }
    }
    indptr[i + 1] = p;
  }
  return { rows, cols, indptr, indices, values };
}

/**
 * One-hot encoding: row i has a single 1 in column codes[i]; code -1 (null)
 * gives an empty row. Codes outside [-1, numCategories) throw a RangeError.
 */
export function csrFromOneHot(codes: Int32Array, numCategories: number): CsrMatrix {
  if (!Number.isInteger(numCategories) || numCategories < 0) {
    throw new RangeError(`csrFromOneHot: numCategories ${numCategories} is not a non-negative integer`);
  }
  return csrFromOneHotBlocks(codes.length, numCategories, [{ codes, offset: 0, width: numCategories }], 'csrFromOneHot');
}

/**
 * One block of csrFromOneHotBlocks: a row's 1 at column offset + its code, none for
 * code -1. Codes lie in [-1, width).
 */
export interface OneHotBlock {
  readonly codes: Int32Array;
  /** Row i's code is codes[rows[i]] (none where rows[i] is -1), e.g. a dimension's codes read through a join; absent or null: codes[i]. */
  readonly rows?: Int32Array | null;
  readonly offset: number;
  readonly width: number;
}

/**
 * Several one-hot blocks side by side in one rows × cols CSR matrix (a toMatrix's
 * one-hot and hash features). Blocks must lie within [0, cols) in increasing column
 * order without overlapping, so each row's indices increase. The row pointers,
 * indices and values come from the buffer pool (src/data/buffer-pool.ts): on the
 * machines this project runs on, first touching fresh memory costs more than
 * building the matrix (1M rows × 4 blocks: 200–350 ms fresh, ~20 ms reused). Each pass is
 * a small leaf function with one loop, run once per block: one body with a loop per
 * pass was compiled mid-loop and deoptimized at each later loop (no type feedback yet).
 */
export function csrFromOneHotBlocks(rows: number, cols: number, blocks: readonly OneHotBlock[], caller = 'csrFromOneHotBlocks'): CsrMatrix {
  let end = 0;
  for (const { codes, rows: through, offset, width } of blocks) {
    const length = through ? through.length : codes.length;
    if (length !== rows) throw new ShapeMismatchError(`${caller}: a block has ${length} rows, expected ${rows}`);
    if (!(Number.isInteger(offset) && offset >= end && offset + width <= cols)) {
      throw new RangeError(`${caller}: block [${offset}, ${offset + width}) does not follow column ${end} within ${cols} columns`);
    }
    const bad = firstCodeOutside(codes, width);
    if (bad >= 0) throw new RangeError(`${caller}: code ${codes[bad]} at ${through ? 'source row' : 'row'} ${bad} is outside [-1, ${width})`);
    end = offset + width;
  }
  // Entries per row at indptr[i + 1], summed into row starts; the fill advances
  // indptr[i] to row i's end, and the shift by one row makes them row pointers again.
  const indptr = takeInt32Array(rows + 1);
  for (const { codes, rows: through } of blocks) countEntries(codes, through ?? null, indptr);
  for (let i = 0; i < rows; i++) indptr[i + 1] += indptr[i];
  const indices = takeInt32Array(indptr[rows]);
  for (const { codes, rows: through, offset } of blocks) fillEntries(codes, through ?? null, offset, indptr, indices);
  indptr.copyWithin(1, 0, rows);
  indptr[0] = 0;
  const values = takeFloatArray('float64', indices.length) as Float64Array;
  values.fill(1);
  return { rows, cols, indptr, indices, values };
}

/** The first index whose code is outside [-1, width), or -1. */
function firstCodeOutside(codes: Int32Array, width: number): number {
  for (let i = 0; i < codes.length; i++) if (codes[i] < -1 || codes[i] >= width) return i;
  return -1;
}

function countEntries(codes: Int32Array, through: Int32Array | null, counts: Int32Array): void {
  if (through === null) {
    for (let i = 0; i < codes.length; i++) if (codes[i] >= 0) counts[i + 1]++;
  } else {
    for (let i = 0; i < through.length; i++) if (through[i] >= 0 && codes[through[i]] >= 0) counts[i + 1]++;
  }
}

function fillEntries(codes: Int32Array, through: Int32Array | null, offset: number, cursor: Int32Array, indices: Int32Array): void {
  if (through === null) {
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i];
      if (c >= 0) indices[cursor[i]++] = offset + c;
    }
  } else {
    for (let i = 0; i < through.length; i++) {
      const r = through[i];
      const c = r < 0 ? -1 : codes[r];
      if (c >= 0) indices[cursor[i]++] = offset + c;
    }
  }
}

/** A·B (A.rows × B.cols): each nonzero scales one contiguous row of B into the output row. */
export function csrTimesDense(A: CsrMatrix, B: DenseMatrix): DenseMatrix {
  if (A.cols !== B.rows) {
    throw new ShapeMismatchError(
      `csrTimesDense: cannot multiply ${shapeOf(A)} by ${shapeOf(B)}: inner dimensions ${A.cols} and ${B.rows} differ`,
    );
  }
  const n = B.cols;
  const C = zeros(A.rows, n);
  const c = C.data, b = B.data;
  const { indptr, indices, values } = A;
  for (let i = 0; i < A.rows; i++) {
    const o = i * n;
    for (let p = indptr[i]; p < indptr[i + 1]; p++) axpy(c, o, values[p], b, indices[p] * n, n);
  }
  return C;
}

/**
 * Aᵀ·B (A.cols × B.cols) without materializing Aᵀ: row r of A scatters
 * a_rc·B[r, :] into output row c. This is the one-hot "group-by sum" shape.
 */
export function csrTransposeTimesDense(A: CsrMatrix, B: DenseMatrix): DenseMatrix {
  if (A.rows !== B.rows) {
    throw new ShapeMismatchError(
      `csrTransposeTimesDense: cannot multiply (${shapeOf(A)})ᵀ by ${shapeOf(B)}: inner dimensions ${A.rows} and ${B.rows} differ`,
    );
  }
  const n = B.cols;
  const C = zeros(A.cols, n);
  const c = C.data, b = B.data;
  const { indptr, indices, values } = A;
  for (let r = 0; r < A.rows; r++) {
    const o = r * n;
    for (let p = indptr[r]; p < indptr[r + 1]; p++) axpy(c, indices[p] * n, values[p], b, o, n);
  }
  return C;
}

/** AᵀA as a dense A.cols × A.cols matrix: each row adds the outer product of its nonzeros (upper half, then mirrored). */
export function csrCrossProduct(A: CsrMatrix): DenseMatrix {
  const d = A.cols;
  const G = zeros(d, d);
  const g = G.data;
  const { indptr, indices, values } = A;
  for (let r = 0; r < A.rows; r++) {
    const end = indptr[r + 1];
    for (let p = indptr[r]; p < end; p++) {
      // Each unordered pair once, stored above the diagonal whatever the index order.
      const i = indices[p], v = values[p];
      for (let q = p; q < end; q++) {
        const j = indices[q];
        g[i <= j ? i * d + j : j * d + i] += v * values[q];
      }
    }
  }
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) g[j * d + i] = g[i * d + j];
  }
  return G;
}

/** y = A·x (length A.rows, float64). */
export function csrTimesVector(A: CsrMatrix, x: FloatArray): Float64Array {
  if (x.length !== A.cols) {
    throw new ShapeMismatchError(
      `csrTimesVector: cannot multiply ${shapeOf(A)} by a vector of length ${x.length}: expected ${A.cols}`,
    );
  }
  const y = new Float64Array(A.rows);
  const { indptr, indices, values } = A;
  for (let i = 0; i < A.rows; i++) {
    let s = 0;
    for (let p = indptr[i]; p < indptr[i + 1]; p++) s += values[p] * x[indices[p]];
    y[i] = s;
  }
  return y;
}

/** y[yo..yo+n) += a·x[xo..xo+n). */
function axpy(y: FloatArray, yo: number, a: number, x: FloatArray, xo: number, n: number): void {
  for (let j = 0; j < n; j++) y[yo + j] += a * x[xo + j];
}
