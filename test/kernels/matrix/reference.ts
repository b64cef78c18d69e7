/**
 * Obviously-correct float64 reference implementations and seeded inputs for
 * the matrix kernel tests. Deliberately naive: triple loops, textbook
 * Gaussian elimination, no blocking.
 */
import { expect } from 'vitest';
import type { CsrMatrix, DenseMatrix, Dtype } from '../../../src/kernels/matrix/index.js';
import { zeros } from '../../../src/kernels/matrix/index.js';

/** mulberry32: small, fast, seeded; values in [0, 1). */
export { mulberry32 as rng } from '../../../src/data/random.js';

/** Uniform entries in [-1, 1); with `density` < 1 the rest are exact zeros. */
export function randomMatrix(rows: number, cols: number, rand: () => number, dtype: Dtype = 'float64', density = 1): DenseMatrix {
  const m = zeros(rows, cols, dtype);
  for (let i = 0; i < m.data.length; i++) m.data[i] = rand() < density ? 2 * rand() - 1 : 0;
  return m;
}

export function get(m: DenseMatrix, i: number, j: number, trans = false): number {
  return trans ? m.data[j * m.cols + i] : m.data[i * m.cols + j];
}

/** op(A)·op(B) in float64 by the definition. */
export function refGemm(A: DenseMatrix, B: DenseMatrix, transA = false, transB = false): DenseMatrix {
  const m = transA ? A.cols : A.rows, k = transA ? A.rows : A.cols, n = transB ? B.rows : B.cols;
  const C = zeros(m, n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += get(A, i, p, transA) * get(B, p, j, transB);
      C.data[i * n + j] = s;
    }
  }
  return C;
}

export function refTranspose(A: DenseMatrix): DenseMatrix {
  const T = zeros(A.cols, A.rows);
  for (let i = 0; i < A.rows; i++) for (let j = 0; j < A.cols; j++) T.data[j * A.rows + i] = get(A, i, j);
  return T;
}

export function csrToDense(A: CsrMatrix): DenseMatrix {
  const D = zeros(A.rows, A.cols);
  for (let i = 0; i < A.rows; i++) {
    for (let p = A.indptr[i]; p < A.indptr[i + 1]; p++) D.data[i * A.cols + A.indices[p]] += A.values[p];
  }
  return D;
}

/** Textbook Gauss–Jordan with partial pivoting on an augmented copy; X with A·X = B. */
export function refSolve(A: DenseMatrix, B: DenseMatrix): DenseMatrix {
  const n = A.rows, t = B.cols;
  const M = Array.from({ length: n }, (_, i) => [
    ...Array.from({ length: n }, (_, j) => get(A, i, j)),
    ...Array.from({ length: t }, (_, j) => get(B, i, j)),
  ]);
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(M[i][k]) > Math.abs(M[p][k])) p = i;
    [M[k], M[p]] = [M[p], M[k]];
    for (let i = 0; i < n; i++) {
      if (i === k) continue;
      const f = M[i][k] / M[k][k];
      for (let j = k; j < n + t; j++) M[i][j] -= f * M[k][j];
    }
  }
  const X = zeros(n, t);
  for (let i = 0; i < n; i++) for (let j = 0; j < t; j++) X.data[i * t + j] = M[i][n + j] / M[i][i];
  return X;
}

/** Random symmetric positive definite n×n: MᵀM + n·I (well conditioned). */
export function randomSpd(n: number, rand: () => number): DenseMatrix {
  const M = randomMatrix(n, n, rand);
  const A = refGemm(M, M, true, false);
  for (let i = 0; i < n; i++) A.data[i * n + i] += n;
  return A;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Asserts same shape and max |actual − expected| ≤ tol (reporting the worst entry). */
export function expectClose(actual: DenseMatrix, expected: DenseMatrix, tol: number): void {
  expect([actual.rows, actual.cols]).toEqual([expected.rows, expected.cols]);
  let worst = 0, at = -1;
  for (let i = 0; i < expected.data.length; i++) {
    const d = Math.abs(actual.data[i] - expected.data[i]);
    if (Number.isNaN(d)) { worst = NaN; at = i; break; }
    if (d > worst) { worst = d; at = i; }
  }
  expect(worst, `max |diff| at flat index ${at} (tol ${tol})`).toBeLessThanOrEqual(tol);
}
