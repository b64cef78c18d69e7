import type { CsrMatrix } from './csr.js';
import { type DenseMatrix, type Dtype, allocate, dtypeOf } from './dense.js';
import { ShapeMismatchError } from './errors.js';

/**
 * Kernels of the keyed operators (src/plan/keyed-operators.ts). A key map K is the
 * indicator matrix of a foreign key, stored as CSR with at most one entry per row
 * (the dimension row), so K·M is a row gather and Kᵀ·G a row scatter-add: no
 * multiplications, and the dimension rows are never repeated in memory.
 */

/** K (rows × dimRows) from each row's dimension row (-1: no row, an all-zero row of K). */
export function keyMatrix(dimRowOf: Int32Array, dimRows: number): CsrMatrix {
  const rows = dimRowOf.length;
  let nnz = 0;
  for (let i = 0; i < rows; i++) if (dimRowOf[i] >= 0) nnz++;
  const indptr = new Int32Array(rows + 1);
  const indices = nnz === rows ? dimRowOf : new Int32Array(nnz);
  if (nnz === rows) {
    for (let i = 0; i < rows; i++) indptr[i + 1] = i + 1;
  } else {
    let p = 0;
    for (let i = 0; i < rows; i++) {
      if (dimRowOf[i] >= 0) indices[p++] = dimRowOf[i];
      indptr[i + 1] = p;
    }
  }
  return { rows, cols: dimRows, indptr, indices, values: new Float64Array(nnz).fill(1) };
}

function checkKey(op: string, k: CsrMatrix, rows: number, what: string): void {
  if (k.cols !== rows) throw new ShapeMismatchError(`${op}: the key map indexes ${k.cols} rows but ${what} has ${rows}`);
}

/** K·M: row i is row K[i] of M (zeros where K's row is empty), in M's dtype. */
export function gatherRows(k: CsrMatrix, m: DenseMatrix): DenseMatrix {
  checkKey('gatherRows', k, m.rows, 'the gathered matrix');
  const c = m.cols;
  const out = allocate(dtypeOf(m), k.rows * c);
  const src = m.data;
  const { indptr, indices } = k;
  if (c === 1) {
    for (let i = 0; i < k.rows; i++) if (indptr[i + 1] > indptr[i]) out[i] = src[indices[indptr[i]]];
  } else {
    // A plain loop: a subarray per row would allocate a view object per row.
    for (let i = 0; i < k.rows; i++) {
      if (indptr[i + 1] === indptr[i]) continue;
      const from = indices[indptr[i]] * c;
      const to = i * c;
      for (let j = 0; j < c; j++) out[to + j] = src[from + j];
    }
  }
  return { rows: k.rows, cols: c, data: out };
}

/**
 * Kᵀ·G: row r of the result is the sum of G's rows whose key is r, added in row order
 * (so the result does not depend on anything but the data), float64 accumulators.
 */
export function scatterRows(k: CsrMatrix, g: DenseMatrix): DenseMatrix {
  if (k.rows !== g.rows) throw new ShapeMismatchError(`scatterRows: the key map has ${k.rows} rows but the scattered matrix has ${g.rows}`);
  const c = g.cols;
  const acc = allocate('float64', k.cols * c);
  const src = g.data;
  const { indptr, indices } = k;
  if (c === 1) {
    for (let i = 0; i < k.rows; i++) if (indptr[i + 1] > indptr[i]) acc[indices[indptr[i]]] += src[i];
  } else {
    for (let i = 0; i < k.rows; i++) {
      if (indptr[i + 1] === indptr[i]) continue;
      const to = indices[indptr[i]] * c;
      const from = i * c;
      for (let j = 0; j < c; j++) acc[to + j] += src[from + j];
    }
  }
  return { rows: k.cols, cols: c, data: dtypeOf(g) === 'float32' ? Float32Array.from(acc) : acc };
}

/** Kᵀ·1: the number of rows per key (dimRows × 1). */
export function rowsPerKey(k: CsrMatrix, dtype: Dtype = 'float64'): DenseMatrix {
  const counts = allocate(dtype, k.cols);
  const { indptr, indices } = k;
  for (let i = 0; i < k.rows; i++) if (indptr[i + 1] > indptr[i]) counts[indices[indptr[i]]] += 1;
  return { rows: k.cols, cols: 1, data: counts };
}

/** M with the rows no row of K refers to set to zero (whatever they held: NaN, ±∞). */
export function zeroUnreferencedRows(k: CsrMatrix, m: DenseMatrix): DenseMatrix {
  checkKey('zeroUnreferencedRows', k, m.rows, 'the matrix');
  const referenced = new Uint8Array(k.cols);
  const { indptr, indices } = k;
  for (let i = 0; i < k.rows; i++) if (indptr[i + 1] > indptr[i]) referenced[indices[indptr[i]]] = 1;
  const c = m.cols;
  const out = allocate(dtypeOf(m), m.rows * c);
  const src = m.data;
  for (let r = 0; r < m.rows; r++) {
    if (referenced[r] === 0) continue;
    for (let j = r * c; j < (r + 1) * c; j++) out[j] = src[j];
  }
  return { rows: m.rows, cols: c, data: out };
}

/** Rows `indices` of a CSR matrix (e.g. sampled rows of a key map). */
export function csrSelectRows(a: CsrMatrix, indices: ArrayLike<number>): CsrMatrix {
  const n = indices.length;
  const indptr = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) indptr[i + 1] = indptr[i] + a.indptr[indices[i] + 1] - a.indptr[indices[i]];
  const cols = new Int32Array(indptr[n]);
  const values = new Float64Array(indptr[n]);
  for (let i = 0; i < n; i++) {
    const from = a.indptr[indices[i]];
    const len = indptr[i + 1] - indptr[i];
    cols.set(a.indices.subarray(from, from + len), indptr[i]);
    values.set(a.values.subarray(from, from + len), indptr[i]);
  }
  return { rows: n, cols: a.cols, indptr, indices: cols, values };
}
