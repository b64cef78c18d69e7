/**
 * Linear solves: `solve` (square systems, Cholesky when SPD else LU) and
 * `leastSquares` (normal equations + Cholesky, QR fallback).
 *
 * All work is float64; results follow the dtype rule (float32 only when
 * every input is float32). NaN/Inf inputs throw NonFiniteInputError;
 * singular systems throw SingularMatrixError. B may hold several
 * right-hand sides as columns.
 */
import type { DenseMatrix } from './dense.js';
import { resultDtype, shapeOf, zeros } from './dense.js';
import { choleskyInPlace, choleskySolveInPlace } from './cholesky.js';
import { crossProduct, crossProductWith } from './crossprod.js';
import { ShapeMismatchError, assertFinite } from './errors.js';
import { luFactor, luSolveInPlace, permuteRows } from './lu.js';
import { qrLeastSquares } from './qr.js';
import { EPS, assertSquare } from './rowops.js';

/** Symmetric up to a few ulps per entry (products like AᵀA may round asymmetrically). */
function isSymmetric(A: DenseMatrix): boolean {
  const { rows: n, data: a } = A;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const x = a[i * n + j], y = a[j * n + i];
      if (Math.abs(x - y) > 8 * EPS * Math.max(Math.abs(x), Math.abs(y))) return false;
    }
  }
  return true;
}

/**
 * X with A·X = B. Tries Cholesky when A is symmetric (half the flops of LU,
 * no pivoting) and falls back to partial-pivoting LU when A turns out not
 * to be positive definite.
 */
export function solve(A: DenseMatrix, B: DenseMatrix): DenseMatrix {
  assertSquare('solve', A);
  if (B.rows !== A.rows) {
    throw new ShapeMismatchError(
      `solve: cannot solve a ${shapeOf(A)} system for a right-hand side of ${shapeOf(B)}: ${A.rows} and ${B.rows} rows differ`,
    );
  }
  assertFinite('solve', `A (${shapeOf(A)})`, A.data);
  assertFinite('solve', `B (${shapeOf(B)})`, B.data);
  const n = A.rows, nrhs = B.cols;
  const X = zeros(n, nrhs, resultDtype(A, B));
  const work = Float64Array.from(A.data);
  if (isSymmetric(A) && choleskyInPlace(work, n)) {
    const x = Float64Array.from(B.data);
    choleskySolveInPlace(work, n, x, nrhs);
    X.data.set(x);
    return X;
  }
  const { a, perm } = luFactor('solve', A);
  const x = permuteRows(B.data, perm, nrhs);
  luSolveInPlace(a, n, x, nrhs);
  X.data.set(x);
  return X;
}

/**
 * Coefficients B (X.cols × Y.cols) minimizing ‖X·B − Y‖² + ridge·‖B‖².
 * Solves (XᵀX + ridge·I)·B = XᵀY by Cholesky; if that matrix is not
 * numerically positive definite (ill-conditioned or rank-deficient X),
 * retries with Householder QR, which throws SingularMatrixError only when X
 * is rank deficient (and ridge is 0). No intercept is added.
 */
export function leastSquares(X: DenseMatrix, Y: DenseMatrix, ridge = 0): DenseMatrix {
  if (Y.rows !== X.rows) {
    throw new ShapeMismatchError(
      `leastSquares: X ${shapeOf(X)} and Y ${shapeOf(Y)} must have the same number of rows (${X.rows} and ${Y.rows} differ)`,
    );
  }
  if (!(ridge >= 0) || !Number.isFinite(ridge)) {
    throw new RangeError(`leastSquares: ridge must be a finite number ≥ 0, got ${ridge}`);
  }
  assertFinite('leastSquares', `X (${shapeOf(X)})`, X.data);
  assertFinite('leastSquares', `Y (${shapeOf(Y)})`, Y.data);
  const p = X.cols, t = Y.cols;
  const out = zeros(p, t, resultDtype(X, Y));
  // float64 `out`s keep the normal equations at full precision even for float32 inputs.
  const G = crossProduct(X, { out: zeros(p, p) }).data as Float64Array;
  for (let j = 0; j < p; j++) G[j * p + j] += ridge;
  const rhs = crossProductWith(X, Y, { out: zeros(p, t) }).data as Float64Array;
  if (choleskyInPlace(G, p)) {
    choleskySolveInPlace(G, p, rhs, t);
    out.data.set(rhs);
  } else {
    out.data.set(qrLeastSquares(X, Y, ridge));
  }
  return out;
}
