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
  const rows = codes.length;
  let nnz = 0;
  for (let i = 0; i < rows; i++) {
    const c = codes[i];
    if (c < -1 || c >= numCategories) {
      throw new RangeError(`csrFromOneHot: code ${c} at row ${i} is outside [-1, ${numCategories})`);
    }
    if (c >= 0) nnz++;
  }
  const indptr = new Int32Array(rows + 1);
  const indices = new Int32Array(nnz);
  let p = 0;
  for (let i = 0; i < rows; i++) {
    if (codes[i] >= 0) indices[p++] = codes[i];
    indptr[i + 1] = p;
  }
  return { rows, cols: numCategories, indptr, indices, values: new Float64Array(nnz).fill(1) };
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
