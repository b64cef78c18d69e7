/**
 * GEMM / GEMV in pure TypeScript.
 *
 * Blocked GotoBLAS-style: for each NC-column block and KC-deep slice, op(B) is
 * packed into 4-column strips and each 4-row sliver of op(A) is packed
 * k-major, so the 4×4 micro-kernel streams both operands contiguously and
 * keeps 16 accumulators in registers (32 flops per 8 loads). Packing absorbs
 * the transA/transB flags, so transposes are never materialized. Packed
 * buffers are float64: float32 inputs are widened once while packing, which
 * also keeps the micro-kernel monomorphic (float32 results are rounded once
 * per KC slice when added into C). Edges are zero-padded to full tiles and
 * only the valid part is stored.
 *
 * NaN/Inf propagate per IEEE 754 (no zero-skipping shortcuts).
 */
import type { DenseMatrix, FloatArray } from './dense.js';
import { allocate, assertNoAlias, resultDtype, resultMatrix, shapeOf } from './dense.js';
import { ShapeMismatchError } from './errors.js';

const MR = 4;
const NR = 4;
/** k-slice depth: the packed A sliver (4·KC f64 = 8 KiB) stays in L1. */
const KC = 256;
/** Column block: the packed B panel (KC·NC f64 = 1 MiB) stays in L2. */
const NC = 512;

// Module-level scratch, grown on demand and reused across calls (kernels are synchronous).
const packedA = new Float64Array(MR * KC);
let packedB = new Float64Array(0);
const tile = new Float64Array(MR * NR);

export interface GemmOptions {
  /** Use Aᵀ in place of A (read through strides, not copied). */
  transA?: boolean;
  /** Use Bᵀ in place of B. */
  transB?: boolean;
  /** Destination (overwritten); must not alias A or B. Its dtype wins over the inputs'. */
  out?: DenseMatrix;
}

function opShape(m: DenseMatrix, trans: boolean): string {
  return trans ? `(${shapeOf(m)})ᵀ` : shapeOf(m);
}

/** C = op(A)·op(B). Result dtype: float32 iff A and B are both float32 (unless `out` is given). */
export function gemm(A: DenseMatrix, B: DenseMatrix, opts: GemmOptions = {}): DenseMatrix {
  const transA = opts.transA === true;
  const transB = opts.transB === true;
  const m = transA ? A.cols : A.rows;
  const k = transA ? A.rows : A.cols;
  const kB = transB ? B.cols : B.rows;
  const n = transB ? B.rows : B.cols;
  if (k !== kB) {
    throw new ShapeMismatchError(
      `gemm: cannot multiply ${opShape(A, transA)} by ${opShape(B, transB)}: inner dimensions ${k} and ${kB} differ`,
    );
  }
  const C = resultMatrix('gemm', m, n, resultDtype(A, B), opts.out, [A, B]);
  if (m === 0 || n === 0) return C;
  if (k === 0) {
    C.data.fill(0);
  } else if (n === 1) {
    // op(B) is a single column, contiguous in either orientation.
    gemvKernel(A.data, A.rows, A.cols, transA, B.data, C.data);
  } else if (m === 1) {
    // A single row (op(A)'s values are A's in either orientation): summed as in gemmBlocked,
    // so a row scored alone gets the bits it gets inside a product of many rows.
    rowTimesMatrix(A.data, B.data, k, n, transB, C.data);
  } else {
    gemmBlocked(A.data, A.cols, transA, B.data, B.cols, transB, C.data, m, n, k);
  }
  return C;
}

function gemmBlocked(
  a: FloatArray, lda: number, transA: boolean,
  b: FloatArray, ldb: number, transB: boolean,
  c: FloatArray, m: number, n: number, k: number,
): void {
  c.fill(0);
  const need = KC * (Math.min(NC, n) + NR);
  if (packedB.length < need) packedB = new Float64Array(need);
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = Math.min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = Math.min(KC, k - p0);
      packB(b, ldb, transB, p0, kc, j0, nc);
      for (let i0 = 0; i0 < m; i0 += MR) {
        const mr = Math.min(MR, m - i0);
        packA(a, lda, transA, i0, mr, p0, kc);
        for (let s = 0; s < nc; s += NR) {
          microKernel(packedA, packedB, s * kc, kc);
          storeTile(c, n, i0, j0 + s, mr, Math.min(NR, nc - s));
        }
      }
    }
  }
}

// Per-output partial sums of one KC slice for rowTimesMatrix, grown on demand.
let rowSlice = new Float64Array(0);

/**
 * c = a·op(B) for one row `a` (k values) and op(B) k×n (n ≥ 2), adding in gemmBlocked's
 * order: per KC-deep slice, each output's products summed from zero in k order (as the
 * micro-kernel's accumulators), then added into c (as storeTile; a float32 c rounds there).
 */
function rowTimesMatrix(a: FloatArray, b: FloatArray, k: number, n: number, transB: boolean, c: FloatArray): void {
  c.fill(0);
  if (rowSlice.length < n) rowSlice = new Float64Array(n);
  const t = rowSlice;
  for (let p0 = 0; p0 < k; p0 += KC) {
    const end = Math.min(k, p0 + KC);
    if (transB) {
      // op(B)[p, j] = B[j, p]: each output's slice is contiguous in B.
      for (let j = 0; j < n; j++) {
        const o = j * k;
        let s = 0;
        for (let p = p0; p < end; p++) s += a[p] * b[o + p];
        t[j] = s;
      }
    } else {
      t.fill(0, 0, n);
      for (let p = p0; p < end; p++) {
        const v = a[p];
        const o = p * n;
        for (let j = 0; j < n; j++) t[j] += v * b[o + j];
      }
    }
    for (let j = 0; j < n; j++) c[j] += t[j];
  }
}

/**
 * c = a·B for one row `a` (k values) and a row-major k×n B, into `c` (n values; its dtype
 * is the result's): exactly the arithmetic gemm does for a 1×k A (a plain sum for one
 * column, the blocked order otherwise). For callers that score one row on buffers of their own.
 */
export function rowProduct(a: FloatArray, b: FloatArray, k: number, n: number, c: FloatArray): void {
  if (n === 0) return;
  if (k === 0) c.fill(0);
  else if (n === 1) gemvKernel(a, 1, k, false, b, c);
  else rowTimesMatrix(a, b, k, n, false, c);
}

/** packedA[p·4 + r] = op(A)[i0 + r, p0 + p]; rows past `mr` are zero. */
function packA(a: FloatArray, lda: number, trans: boolean, i0: number, mr: number, p0: number, kc: number): void {
  const ap = packedA;
  if (mr < MR) ap.fill(0, 0, kc * MR);
  if (trans) {
    for (let p = 0; p < kc; p++) {
      const src = (p0 + p) * lda + i0;
      for (let r = 0; r < mr; r++) ap[p * MR + r] = a[src + r];
    }
  } else {
    for (let r = 0; r < mr; r++) {
      const src = (i0 + r) * lda + p0;
      for (let p = 0; p < kc; p++) ap[p * MR + r] = a[src + p];
    }
  }
}

/** Strip s (columns j0+s..j0+s+3) at packedB[s·kc + p·4 + c] = op(B)[p0 + p, j0 + s + c]; zero-padded. */
function packB(b: FloatArray, ldb: number, trans: boolean, p0: number, kc: number, j0: number, nc: number): void {
  const bp = packedB;
  const padded = Math.ceil(nc / NR) * NR;
  if (padded !== nc) bp.fill(0, (padded - NR) * kc, padded * kc);
  if (trans) {
    // op(B)[p, j] = B[j, p]: walk each source row (a packed column) contiguously.
    for (let j = 0; j < nc; j++) {
      const src = (j0 + j) * ldb + p0;
      const dst = (j - (j % NR)) * kc + (j % NR);
      for (let p = 0; p < kc; p++) bp[dst + p * NR] = b[src + p];
    }
  } else {
    for (let p = 0; p < kc; p++) {
      const src = (p0 + p) * ldb + j0;
      for (let j = 0; j < nc; j++) bp[(j - (j % NR)) * kc + p * NR + (j % NR)] = b[src + j];
    }
  }
}

/** 4×4 register tile over one packed sliver/strip pair; result left in `tile`. */
function microKernel(ap: Float64Array, bp: Float64Array, pb: number, kc: number): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  const end = kc * MR;
  for (let q = 0; q < end; q += MR, pb += NR) {
    const b0 = bp[pb], b1 = bp[pb + 1], b2 = bp[pb + 2], b3 = bp[pb + 3];
    let x = ap[q];
    c00 += x * b0; c01 += x * b1; c02 += x * b2; c03 += x * b3;
    x = ap[q + 1];
    c10 += x * b0; c11 += x * b1; c12 += x * b2; c13 += x * b3;
    x = ap[q + 2];
    c20 += x * b0; c21 += x * b1; c22 += x * b2; c23 += x * b3;
    x = ap[q + 3];
    c30 += x * b0; c31 += x * b1; c32 += x * b2; c33 += x * b3;
  }
  const t = tile;
  t[0] = c00; t[1] = c01; t[2] = c02; t[3] = c03;
  t[4] = c10; t[5] = c11; t[6] = c12; t[7] = c13;
  t[8] = c20; t[9] = c21; t[10] = c22; t[11] = c23;
  t[12] = c30; t[13] = c31; t[14] = c32; t[15] = c33;
}

/** C[i0.., j0..] += tile (valid mr×nr corner only). */
function storeTile(c: FloatArray, ldc: number, i0: number, j0: number, mr: number, nr: number): void {
  for (let r = 0; r < mr; r++) {
    const o = (i0 + r) * ldc + j0;
    for (let j = 0; j < nr; j++) c[o + j] += tile[r * NR + j];
  }
}

export interface GemvOptions {
  /** Compute Aᵀ·x instead of A·x. */
  trans?: boolean;
  /** Destination vector (overwritten); must not alias A or x. */
  out?: FloatArray;
}

/** y = A·x (or Aᵀ·x). Result dtype: float32 iff A and x are both float32 (unless `out` is given). */
export function gemv(A: DenseMatrix, x: FloatArray, opts: GemvOptions = {}): FloatArray {
  const trans = opts.trans === true;
  const xLen = trans ? A.rows : A.cols;
  const yLen = trans ? A.cols : A.rows;
  if (x.length !== xLen) {
    throw new ShapeMismatchError(
      `gemv: cannot multiply ${opShape(A, trans)} by a vector of length ${x.length}: expected ${xLen}`,
    );
  }
  const y = opts.out ?? allocate(resultDtype(A, { data: x }), yLen);
  if (y.length !== yLen) throw new ShapeMismatchError(`gemv: out has length ${y.length} but the result has ${yLen}`);
  assertNoAlias('gemv', y, [A.data, x]);
  gemvKernel(A.data, A.rows, A.cols, trans, x, y);
  return y;
}

/** y = A·x or Aᵀ·x over a row-major rows×cols buffer; four rows per pass so each x (or y) load is shared. */
function gemvKernel(a: FloatArray, rows: number, cols: number, trans: boolean, x: FloatArray, y: FloatArray): void {
  let i = 0;
  if (!trans) {
    for (; i + 4 <= rows; i += 4) {
      const o0 = i * cols, o1 = o0 + cols, o2 = o1 + cols, o3 = o2 + cols;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let j = 0; j < cols; j++) {
        const v = x[j];
        s0 += a[o0 + j] * v; s1 += a[o1 + j] * v; s2 += a[o2 + j] * v; s3 += a[o3 + j] * v;
      }
      y[i] = s0; y[i + 1] = s1; y[i + 2] = s2; y[i + 3] = s3;
    }
    for (; i < rows; i++) {
      const o = i * cols;
      let s = 0;
      for (let j = 0; j < cols; j++) s += a[o + j] * x[j];
      y[i] = s;
    }
    return;
  }
  // Aᵀ·x = Σ_i x[i]·row_i: accumulate in float64 so float32 outputs are rounded once.
  const acc = y instanceof Float64Array ? y : new Float64Array(cols);
  acc.fill(0);
  for (; i + 4 <= rows; i += 4) {
    const o0 = i * cols, o1 = o0 + cols, o2 = o1 + cols, o3 = o2 + cols;
    const v0 = x[i], v1 = x[i + 1], v2 = x[i + 2], v3 = x[i + 3];
    for (let j = 0; j < cols; j++) acc[j] += v0 * a[o0 + j] + v1 * a[o1 + j] + v2 * a[o2 + j] + v3 * a[o3 + j];
  }
  for (; i < rows; i++) {
    const o = i * cols, v = x[i];
    for (let j = 0; j < cols; j++) acc[j] += v * a[o + j];
  }
  if (acc !== y) y.set(acc);
}
