/**
 * LU factorization with partial pivoting, P·A = L·U, and what it serves:
 * luSolve, inverse, determinant.
 *
 * Right-looking elimination on a row-major float64 copy: row swaps and the
 * rank-1 updates are contiguous row operations. A pivot with
 * |u_kk| ≤ n·eps·‖A‖∞ means A is singular to working precision; the
 * tolerance is relative, so scaling A does not change the verdict.
 */
import type { DenseMatrix, FloatArray } from './dense.js';
import { dtypeOf, resultDtype, shapeOf, zeros } from './dense.js';
import { ShapeMismatchError, SingularMatrixError, assertFinite } from './errors.js';
import { EPS, assertSquare, axpyRow, scaleRow } from './rowops.js';

export interface LuFactorization {
  /** Packed factors in A's dtype: strictly-lower part is L (unit diagonal implied), upper part is U. */
  lu: DenseMatrix;
  /** Row i of P·A is row perm[i] of A. */
  perm: Int32Array;
  /** det(P). */
  sign: 1 | -1;
}

/**
 * Factors the n×n float64 matrix `a` in place, filling `perm`. Returns the
 * permutation sign and the elimination step whose pivot fell below tolerance
 * (-1 when A is nonsingular; `a` is then only partly factored).
 */
export function luInPlace(a: Float64Array, n: number, perm: Int32Array): { sign: 1 | -1; singularAt: number } {
  let norm = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.abs(a[i * n + j]);
    norm = Math.max(norm, s);
  }
  const tol = n * EPS * norm;
  let sign: 1 | -1 = 1;
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let k = 0; k < n; k++) {
    let p = k, best = Math.abs(a[k * n + k]);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[i * n + k]);
      if (v > best) { best = v; p = i; }
    }
    if (best <= tol) return { sign, singularAt: k };
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = a[k * n + j]; a[k * n + j] = a[p * n + j]; a[p * n + j] = t;
      }
      const t = perm[k]; perm[k] = perm[p]; perm[p] = t;
      sign = -sign as 1 | -1;
    }
    const rk = k * n, piv = a[rk + k];
    for (let i = k + 1; i < n; i++) {
      const ri = i * n, l = a[ri + k] / piv;
      a[ri + k] = l;
      if (l !== 0) axpyRow(a, ri + k + 1, -l, rk + k + 1, n - k - 1);
    }
  }
  return { sign, singularAt: -1 };
}

/** Copies the rows of the n×nrhs matrix `b` into float64 in pivot order (row i ← row perm[i]). */
export function permuteRows(b: FloatArray, perm: Int32Array, nrhs: number): Float64Array {
  const out = new Float64Array(b.length);
  for (let i = 0; i < perm.length; i++) out.set(b.subarray(perm[i] * nrhs, (perm[i] + 1) * nrhs), i * nrhs);
  return out;
}

/** Solves L·U·X = B in place for an already permuted n×nrhs float64 B. */
export function luSolveInPlace(lu: FloatArray, n: number, b: Float64Array, nrhs: number): void {
  for (let i = 0; i < n; i++) {
    const li = i * n;
    for (let k = 0; k < i; k++) if (lu[li + k] !== 0) axpyRow(b, i * nrhs, -lu[li + k], k * nrhs, nrhs);
  }
  for (let i = n - 1; i >= 0; i--) {
    const ui = i * n;
    for (let k = i + 1; k < n; k++) if (lu[ui + k] !== 0) axpyRow(b, i * nrhs, -lu[ui + k], k * nrhs, nrhs);
    scaleRow(b, i * nrhs, 1 / lu[ui + i], nrhs);
  }
}

/** Factors a float64 copy of A or throws SingularMatrixError naming `op`. Shared by lu, inverse and solve. */
export function luFactor(op: string, A: DenseMatrix): { a: Float64Array; perm: Int32Array; sign: 1 | -1 } {
  const n = A.rows;
  const a = Float64Array.from(A.data);
  const perm = new Int32Array(n);
  const { sign, singularAt } = luInPlace(a, n, perm);
  if (singularAt >= 0) {
    throw new SingularMatrixError(
      `${op}: ${shapeOf(A)} matrix is singular to working precision (pivot ${singularAt} ≤ n·eps·‖A‖∞)`,
    );
  }
  return { a, perm, sign };
}

/** P·A = L·U. Throws SingularMatrixError, NonFiniteInputError, ShapeMismatchError (non-square). */
export function lu(A: DenseMatrix): LuFactorization {
  assertSquare('lu', A);
  assertFinite('lu', `A (${shapeOf(A)})`, A.data);
  const { a, perm, sign } = luFactor('lu', A);
  const packed = zeros(A.rows, A.cols, dtypeOf(A));
  packed.data.set(a);
  return { lu: packed, perm, sign };
}

/** X with A·X = B given lu(A). Result dtype: float32 iff the factor and B are float32. */
export function luSolve(f: LuFactorization, B: DenseMatrix): DenseMatrix {
  const n = f.lu.rows;
  if (B.rows !== n) {
    throw new ShapeMismatchError(
      `luSolve: factor ${shapeOf(f.lu)} cannot solve a right-hand side of ${shapeOf(B)}: ${n} and ${B.rows} rows differ`,
    );
  }
  assertFinite('luSolve', `B (${shapeOf(B)})`, B.data);
  const x = permuteRows(B.data, f.perm, B.cols);
  luSolveInPlace(f.lu.data, n, x, B.cols);
  const X = zeros(n, B.cols, resultDtype(f.lu, B));
  X.data.set(x);
  return X;
}

/** A⁻¹ in A's dtype. Prefer `solve` when the inverse is only multiplied with something. */
export function inverse(A: DenseMatrix): DenseMatrix {
  assertSquare('inverse', A);
  assertFinite('inverse', `A (${shapeOf(A)})`, A.data);
  const n = A.rows;
  const { a, perm } = luFactor('inverse', A);
  // P·A = L·U ⇒ A⁻¹ = U⁻¹·L⁻¹·P: solve against P·I, whose row i is e_perm[i].
  const x = new Float64Array(n * n);
  for (let i = 0; i < n; i++) x[i * n + perm[i]] = 1;
  luSolveInPlace(a, n, x, n);
  const inv = zeros(n, n, dtypeOf(A));
  inv.data.set(x);
  return inv;
}

/**
 * det(A) as sign(P)·Π u_kk. Returns exactly 0 when A is singular to working
 * precision (same tolerance as lu), rather than a rounding-noise product.
 */
export function determinant(A: DenseMatrix): number {
  assertSquare('determinant', A);
  assertFinite('determinant', `A (${shapeOf(A)})`, A.data);
  const n = A.rows;
  const a = Float64Array.from(A.data);
  const { sign, singularAt } = luInPlace(a, n, new Int32Array(n));
  if (singularAt >= 0) return 0;
  let det: number = sign;
  for (let k = 0; k < n; k++) det *= a[k * n + k];
  return det;
}
