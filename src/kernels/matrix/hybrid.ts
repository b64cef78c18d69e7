/**
 * Hybrid matrices: a dense block and a CSR block side by side, the form a
 * toMatrix of numeric features next to many one-hot/hash columns takes, and
 * the kernels where keeping the sparse block sparse pays.
 *
 *   X (n × cols) = D·P + S
 *
 * D (n × d) is dense; P (d × cols) places D's column a at column denseCols[a]
 * (so P·W = W[denseCols, :] gathers rows of W and Pᵀ scatters rows of a d-row
 * result); S (n × cols) is CSR and holds every other column at its own index,
 * with no entries in the columns denseCols. With denseCols = 0..d−1 this is
 * the column concatenation [D | S₂] with S = [0 | S₂]; keeping S in X's own
 * column numbering lets an intercept (always last) or a numeric feature listed
 * after a one-hot one stay where the plan put it, with nothing renumbered.
 *
 * The kernels use, with W (cols × k) and Y (n × k) dense:
 *   X·W    = D·(P·W) + S·W                               (W split by rows)
 *   XᵀY    = Pᵀ(DᵀY) + SᵀY                               ([DᵀY ; SᵀY] stacked, in X's order)
 *   XᵀX    = Pᵀ(DᵀD)P + Pᵀ(SᵀD)ᵀ + (SᵀD)P + SᵀS          (DᵀS = (SᵀD)ᵀ from S's entries)
 *   colSums(X) = Pᵀ·colSums(D) + colSums(S),  rowSums(X) = rowSums(D) + rowSums(S)
 *
 * Results are float64 (S is, and by the dtype rule so is every product with
 * it). NaN/Inf: the S terms skip S's implicit zeros, so a 0·NaN or 0·Inf term
 * of the dense product is dropped; callers use these kernels only when the
 * operand S multiplies is finite (W, Y, and D itself for XᵀX) and densify
 * otherwise. Sums (colSums, rowSums) lose nothing by skipping zeros.
 */
import { type CsrMatrix, csrTransposeTimesDense } from './csr.js';
import { crossProduct, crossProductWith } from './crossprod.js';
import { type DenseMatrix, type FloatArray, shapeOf, zeros } from './dense.js';
import type { ReduceFn } from './elementwise.js';
import { ShapeMismatchError } from './errors.js';
import { gemm } from './gemm.js';

export interface HybridMatrix {
  rows: number;
  cols: number;
  /** n × d; its column a is column denseCols[a] of the matrix. */
  dense: DenseMatrix;
  /** Strictly increasing column indices of the dense block, in [0, cols). */
  denseCols: Int32Array;
  /** n × cols; entries only outside denseCols. */
  sparse: CsrMatrix;
}

/** Wraps the two blocks (no copy) after checking shapes, denseCols and that S has no entry in a dense column. */
export function hybridMatrix(dense: DenseMatrix, denseCols: Int32Array, sparse: CsrMatrix): HybridMatrix {
  const { rows, cols } = sparse;
  if (dense.rows !== rows || dense.cols !== denseCols.length) {
    throw new ShapeMismatchError(`hybridMatrix: dense block ${shapeOf(dense)} does not fit ${rows} rows and ${denseCols.length} dense columns`);
  }
  const isDense = new Uint8Array(cols);
  denseCols.forEach((j, a) => {
    if (!(j >= 0 && j < cols && (a === 0 || j > denseCols[a - 1]))) throw new RangeError(`hybridMatrix: denseCols must increase strictly within [0, ${cols}); got ${j} at ${a}`);
    isDense[j] = 1;
  });
  const { indptr, indices } = sparse;
  for (let p = 0; p < indptr[rows]; p++) {
    if (isDense[indices[p]]) throw new RangeError(`hybridMatrix: the sparse block has an entry in dense column ${indices[p]}`);
  }
  return { rows, cols, dense, denseCols, sparse };
}

/** X as one dense float64 matrix. */
export function hybridToDense(X: HybridMatrix): DenseMatrix {
  const { rows, cols, denseCols: dc } = X;
  const d = dc.length, D = X.dense.data;
  const { indptr, indices, values } = X.sparse;
  const out = zeros(rows, cols);
  const o = out.data;
  for (let i = 0; i < rows; i++) {
    const r = i * cols;
    for (let a = 0; a < d; a++) o[r + dc[a]] = D[i * d + a];
    for (let p = indptr[i]; p < indptr[i + 1]; p++) o[r + indices[p]] = values[p];
  }
  return out;
}

/** X·W = D·W[denseCols, :] + S·W (n × k): a gemm on the dense block, then each entry of S adds a scaled row of W. */
export function hybridTimesDense(X: HybridMatrix, W: DenseMatrix): DenseMatrix {
  if (X.cols !== W.rows) {
    throw new ShapeMismatchError(`hybridTimesDense: cannot multiply ${shapeOf(X)} by ${shapeOf(W)}: inner dimensions ${X.cols} and ${W.rows} differ`);
  }
  const k = W.cols, w = W.data, dc = X.denseCols;
  const top = zeros(dc.length, k);
  for (let a = 0; a < dc.length; a++) top.data.set(w.subarray(dc[a] * k, (dc[a] + 1) * k), a * k);
  const C = gemm(X.dense, top, { out: zeros(X.rows, k) });
  const c = C.data;
  const { indptr, indices, values } = X.sparse;
  for (let i = 0; i < X.rows; i++) {
    const o = i * k;
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      const v = values[p], b = indices[p] * k;
      for (let j = 0; j < k; j++) c[o + j] += v * w[b + j];
    }
  }
  return C;
}

/** XᵀY (cols × k) = SᵀY with DᵀY's rows added at denseCols. */
export function hybridCrossProductWith(X: HybridMatrix, Y: DenseMatrix): DenseMatrix {
  if (X.rows !== Y.rows) {
    throw new ShapeMismatchError(`hybridCrossProductWith: cannot form XᵀY for X ${shapeOf(X)} and Y ${shapeOf(Y)}: row counts ${X.rows} and ${Y.rows} differ`);
  }
  const G = csrTransposeTimesDense(X.sparse, Y);
  const DY = crossProductWith(X.dense, Y, { out: zeros(X.dense.cols, Y.cols) }).data;
  const g = G.data, k = Y.cols, dc = X.denseCols;
  for (let a = 0; a < dc.length; a++) for (let j = 0; j < k; j++) g[dc[a] * k + j] += DY[a * k + j];
  return G;
}

/**
 * XᵀX (cols × cols), exactly symmetric: DᵀD from the dense crossProduct; SᵀS and SᵀD
 * (whose transpose is DᵀS) in one pass over S's rows, each entry adding its products
 * with the row's other entries and with the row of D (nnz·(nnz/row + d) work; S is
 * never densified). Sums run in row order, as csrCrossProduct and
 * csrTransposeTimesDense would compute the blocks.
 */
export function hybridCrossProduct(X: HybridMatrix): DenseMatrix {
  const { cols, denseCols: dc } = X;
  const d = dc.length;
  const G = zeros(cols, cols);
  const g = G.data;
  const SD = new Float64Array(cols * d);
  sparseCrossTerms(X.sparse, X.dense.data, d, g, SD);
  // Mirror SᵀS's upper triangle.
  for (let i = 0; i < cols; i++) for (let j = i + 1; j < cols; j++) g[j * cols + i] = g[i * cols + j];
  const DD = crossProduct(X.dense, { out: zeros(d, d) }).data;
  for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) g[dc[a] * cols + dc[b]] = DD[a * d + b];
  // Rows of SᵀD at dense columns are zero (S has no entries there), so each (j, dc[a]) pair is written once.
  for (let j = 0; j < cols; j++) {
    for (let a = 0; a < d; a++) {
      const v = SD[j * d + a];
      if (v === 0) continue;
      g[j * cols + dc[a]] = v;
      g[dc[a] * cols + j] = v;
    }
  }
  return G;
}

/** g's upper triangle += SᵀS and SD (S.cols × d) += SᵀD, row by row; D is row-major n × d. */
function sparseCrossTerms(S: CsrMatrix, D: FloatArray, d: number, g: FloatArray, SD: Float64Array): void {
  const { rows, cols, indptr, indices, values } = S;
  for (let r = 0; r < rows; r++) {
    const end = indptr[r + 1];
    const dr = r * d;
    for (let p = indptr[r]; p < end; p++) {
      // Each unordered pair once, stored above the diagonal whatever the index order.
      const i = indices[p], v = values[p];
      for (let q = p; q < end; q++) {
        const j = indices[q];
        g[i <= j ? i * cols + j : j * cols + i] += v * values[q];
      }
      const o = i * d;
      for (let a = 0; a < d; a++) SD[o + a] += v * D[dr + a];
    }
  }
}

/** reduceMatrix's semantics ('sum' | 'mean' | 'count' along 'rows' | 'cols' | 'all') without densifying; float64. */
export function hybridReduce(fn: ReduceFn, axis: 'rows' | 'cols' | 'all', X: HybridMatrix): DenseMatrix {
  const { rows, cols, denseCols: dc } = X;
  const d = dc.length, D = X.dense.data;
  const { indptr, indices, values } = X.sparse;
  const rowSum = new Float64Array(rows);
  const colSum = new Float64Array(cols);
  let all = 0;
  // Row by row, so each column sums its nonzeros in the dense kernel's order (skipped zeros add nothing).
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let a = 0; a < d; a++) {
      const v = D[i * d + a];
      s += v;
      colSum[dc[a]] += v;
      all += v;
    }
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      const v = values[p];
      s += v;
      colSum[indices[p]] += v;
      all += v;
    }
    rowSum[i] = s;
  }
  const finish = (sums: Float64Array, count: number): Float64Array =>
    fn === 'count' ? sums.fill(count) : fn === 'mean' ? sums.map((v) => v * (1 / count)) : sums;
  if (axis === 'rows') return { rows, cols: 1, data: finish(rowSum, cols) };
  if (axis === 'cols') return { rows: 1, cols, data: finish(colSum, rows) };
  return { rows: 1, cols: 1, data: finish(Float64Array.of(all), rows * cols) };
}

/**
 * The columns `indices` of X, in that order: a CSR matrix when they all lie in
 * the sparse block (rows keep increasing column indices), otherwise a dense
 * one filled from D and S's entries; X itself is never densified.
 */
export function hybridSelectColumns(X: HybridMatrix, indices: readonly number[]): DenseMatrix | CsrMatrix {
  const { rows, cols, denseCols: dc } = X;
  const d = dc.length, k = indices.length, D = X.dense.data;
  const local = new Int32Array(cols).fill(-1);
  dc.forEach((j, a) => (local[j] = a));
  // Output positions of each source column as linked lists (a column may be selected more than once).
  const first = new Int32Array(cols).fill(-1);
  const next = new Int32Array(k);
  for (let q = k - 1; q >= 0; q--) {
    next[q] = first[indices[q]];
    first[indices[q]] = q;
  }
  const { indptr, indices: js, values } = X.sparse;
  if (k > 0 && indices.every((j) => local[j] < 0)) {
    const outPtr = new Int32Array(rows + 1);
    const outIdx: number[] = [];
    const outVal: number[] = [];
    for (let i = 0; i < rows; i++) {
      const start = outIdx.length;
      for (let p = indptr[i]; p < indptr[i + 1]; p++) {
        for (let q = first[js[p]]; q >= 0; q = next[q]) {
          // Insertion into the row's sorted run: rows hold a handful of entries.
          let t = outIdx.length;
          outIdx.push(q);
          outVal.push(values[p]);
          for (; t > start && outIdx[t - 1] > q; t--) {
            outIdx[t] = outIdx[t - 1];
            outVal[t] = outVal[t - 1];
          }
          outIdx[t] = q;
          outVal[t] = values[p];
        }
      }
      outPtr[i + 1] = outIdx.length;
    }
    return { rows, cols: k, indptr: outPtr, indices: Int32Array.from(outIdx), values: Float64Array.from(outVal) };
  }
  const out = zeros(rows, k);
  const o = out.data;
  for (let i = 0; i < rows; i++) {
    for (let q = 0; q < k; q++) if (local[indices[q]] >= 0) o[i * k + q] = D[i * d + local[indices[q]]];
    for (let p = indptr[i]; p < indptr[i + 1]; p++) for (let q = first[js[p]]; q >= 0; q = next[q]) o[i * k + q] = values[p];
  }
  return out;
}
