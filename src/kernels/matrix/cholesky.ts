/**
 * Cholesky factorization A = L·Lᵀ of a symmetric positive definite matrix.
 *
 * Row-oriented (Cholesky–Crout): L[i][j] is a dot product of rows i and j of
 * L, both contiguous in row-major storage. Work happens in a float64 copy;
 * the public factor is stored in A's dtype.
 */
import type { DenseMatrix, FloatArray } from './dense.js';
import { dtypeOf, resultDtype, shapeOf, zeros } from './dense.js';
import { NotPositiveDefiniteError, ShapeMismatchError, assertFinite } from './errors.js';
import { EPS, assertSquare, axpyRow, scaleRow } from './rowops.js';

/**
 * Factors the n×n matrix in `a` in place: the lower triangle becomes L, the
 * strict upper triangle is zeroed. Only the lower triangle of the input is
 * read. Returns false (leaving `a` partly overwritten) when a pivot is
 * ≤ n·eps·max(diag), i.e. the matrix is not numerically positive definite.
 */
export function choleskyInPlace(a: Float64Array, n: number): boolean {
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, a[i * n + i]);
  // NaN on the diagonal also lands here.
  if (n > 0 && !(maxDiag > 0)) return false;
  const tol = n * EPS * maxDiag;
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = a[ri + j];
      for (let k = 0; k < j; k++) s -= a[ri + k] * a[rj + k];
      if (j < i) {
        a[ri + j] = s / a[rj + j];
      } else {
        if (!(s > tol)) return false;
        a[ri + i] = Math.sqrt(s);
      }
    }
    a.fill(0, ri + i + 1, ri + n);
  }
  return true;
}

/**
 * Solves L·Lᵀ·X = B in place, B being n×nrhs row-major float64. Forward then
 * backward substitution, each as row axpys so every inner loop is contiguous.
 */
export function choleskySolveInPlace(l: FloatArray, n: number, b: Float64Array, nrhs: number): void {
  for (let i = 0; i < n; i++) {
    const bi = i * nrhs, li = i * n;
    for (let k = 0; k < i; k++) {
      const f = l[li + k];
      if (f !== 0) axpyRow(b, bi, -f, k * nrhs, nrhs);
    }
    scaleRow(b, bi, 1 / l[li + i], nrhs);
  }
  // Lᵀ·X = Y: once row i of X is final, remove its contribution L[i][k]·x_i from rows k < i.
  for (let i = n - 1; i >= 0; i--) {
    const bi = i * nrhs, li = i * n;
    scaleRow(b, bi, 1 / l[li + i], nrhs);
    for (let k = 0; k < i; k++) {
      const f = l[li + k];
      if (f !== 0) axpyRow(b, k * nrhs, -f, bi, nrhs);
    }
  }
}

/**
 * Lower-triangular L with A = L·Lᵀ (upper part zero), in A's dtype. Reads
 * only A's lower triangle. Throws NotPositiveDefiniteError when A is not
 * numerically SPD, NonFiniteInputError on NaN/Inf.
 */
export function cholesky(A: DenseMatrix): DenseMatrix {
  assertSquare('cholesky', A);
  assertFinite('cholesky', `A (${shapeOf(A)})`, A.data);
  const work = Float64Array.from(A.data);
  if (!choleskyInPlace(work, A.rows)) {
    throw new NotPositiveDefiniteError(`cholesky: ${shapeOf(A)} matrix is not positive definite to working precision`);
  }
  const L = zeros(A.rows, A.cols, dtypeOf(A));
  L.data.set(work);
  return L;
}

/** X with L·Lᵀ·X = B for a factor from `cholesky`. Result dtype: float32 iff L and B are float32. */
export function choleskySolve(L: DenseMatrix, B: DenseMatrix): DenseMatrix {
  assertSquare('choleskySolve', L);
  if (B.rows !== L.rows) {
    throw new ShapeMismatchError(
      `choleskySolve: factor ${shapeOf(L)} cannot solve a right-hand side of ${shapeOf(B)}: ${L.rows} and ${B.rows} rows differ`,
    );
  }
  assertFinite('choleskySolve', `B (${shapeOf(B)})`, B.data);
  const x = Float64Array.from(B.data);
  choleskySolveInPlace(L.data, L.rows, x, B.cols);
  const X = zeros(B.rows, B.cols, resultDtype(L, B));
  X.data.set(x);
  return X;
}
