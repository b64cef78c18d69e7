import { describe, expect, it } from 'vitest';
import {
  NonFiniteInputError, NotPositiveDefiniteError, ShapeMismatchError, SingularMatrixError, cholesky, choleskySolve,
  determinant, dtypeOf, fromRows, identity, inverse, lu, luSolve, zeros,
} from '../../../src/kernels/matrix/index.js';
import type { DenseMatrix } from '../../../src/kernels/matrix/index.js';
import { expectClose, get, maxAbs, randomMatrix, randomSpd, refGemm, refSolve, rng } from './reference.js';

const SIZES = [1, 2, 5, 13, 40];

/** Diagonally dominant, hence nonsingular and well conditioned, but not symmetric. */
function randomGeneral(n: number, rand: () => number): DenseMatrix {
  const A = randomMatrix(n, n, rand);
  for (let i = 0; i < n; i++) A.data[i * n + i] += n * (rand() < 0.5 ? -1 : 1);
  return A;
}

describe('cholesky', () => {
  it.each(SIZES)('n=%i: L is lower triangular, L·Lᵀ = A, choleskySolve matches the reference', (n) => {
    const rand = rng(n);
    const A = randomSpd(n, rand);
    const L = cholesky(A);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(L.data[i * n + j]).toBe(0);
    const tol = 1e-13 * n * maxAbs(A.data);
    expectClose(refGemm(L, L, false, true), A, tol);
    const B = randomMatrix(n, 3, rand);
    expectClose(choleskySolve(L, B), refSolve(A, B), 1e-10);
  });

  it('float32 input gives a float32 factor', () => {
    const A = randomSpd(6, rng(1));
    const L = cholesky({ rows: 6, cols: 6, data: Float32Array.from(A.data) });
    expect(dtypeOf(L)).toBe('float32');
    expectClose(refGemm(L, L, false, true), A, 1e-5 * maxAbs(A.data));
  });

  it('rejects indefinite, semidefinite, non-finite and non-square input', () => {
    expect(() => cholesky(fromRows([[1, 2], [2, 1]]))).toThrow(NotPositiveDefiniteError);
    expect(() => cholesky(fromRows([[1, 1], [1, 1]]))).toThrow(NotPositiveDefiniteError);
    expect(() => cholesky(fromRows([[-1, 0], [0, 1]]))).toThrow(NotPositiveDefiniteError);
    expect(() => cholesky(fromRows([[1, 0], [0, NaN]]))).toThrow(NonFiniteInputError);
    expect(() => cholesky(zeros(2, 3))).toThrow(new ShapeMismatchError('cholesky: matrix must be square, got 2×3'));
  });
});

describe('lu', () => {
  it.each(SIZES)('n=%i: P·A = L·U and luSolve matches the reference', (n) => {
    const rand = rng(100 + n);
    const A = randomGeneral(n, rand);
    const { lu: F, perm, sign } = lu(A);
    const L = zeros(n, n), U = zeros(n, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (j < i) L.data[i * n + j] = get(F, i, j);
        else U.data[i * n + j] = get(F, i, j);
      }
      L.data[i * n + i] = 1;
    }
    const PA = zeros(n, n);
    for (let i = 0; i < n; i++) PA.data.set(A.data.subarray(perm[i] * n, (perm[i] + 1) * n), i * n);
    expectClose(refGemm(L, U), PA, 1e-13 * n * maxAbs(A.data));
    expect(Math.abs(sign)).toBe(1);
    const B = randomMatrix(n, 2, rand);
    expectClose(luSolve({ lu: F, perm, sign }, B), refSolve(A, B), 1e-11);
  });

  it('throws SingularMatrixError for singular input, whatever its scale', () => {
    for (const s of [1, 1e-30, 1e30]) {
      const A = fromRows([[1, 2, 3], [4, 5, 6], [7, 8, 9]].map((r) => r.map((v) => v * s)));
      expect(() => lu(A)).toThrow(SingularMatrixError);
    }
    expect(() => lu(zeros(3, 3))).toThrow(/lu: 3×3 matrix is singular to working precision/);
  });

  it('rejects NaN/Inf with NonFiniteInputError', () => {
    expect(() => lu(fromRows([[1, Infinity], [0, 1]]))).toThrow(NonFiniteInputError);
    expect(() => luSolve(lu(identity(2)), fromRows([[NaN], [1]]))).toThrow(NonFiniteInputError);
  });
});

describe('inverse and determinant', () => {
  it.each(SIZES)('n=%i: inverse·A ≈ I and A·inverse ≈ I', (n) => {
    const A = randomGeneral(n, rng(200 + n));
    const Ai = inverse(A);
    expectClose(refGemm(Ai, A), identity(n), 1e-12 * n);
    expectClose(refGemm(A, Ai), identity(n), 1e-12 * n);
  });

  it('float32 in, float32 out', () => {
    const A = fromRows([[4, 7], [2, 6]], 'float32');
    const Ai = inverse(A);
    expect(dtypeOf(Ai)).toBe('float32');
    expectClose(Ai, fromRows([[0.6, -0.7], [-0.2, 0.4]]), 1e-6);
  });

  it('inverse of a singular matrix throws', () => {
    expect(() => inverse(fromRows([[1, 2], [2, 4]]))).toThrow(SingularMatrixError);
  });

  it('determinant: known values, permutation sign, exact 0 when singular, scale-relative tolerance', () => {
    expect(determinant(fromRows([[1, 2], [3, 4]]))).toBeCloseTo(-2, 13);
    expect(determinant(fromRows([[0, 1], [1, 0]]))).toBe(-1);
    expect(determinant(fromRows([[2, 5, 1], [0, 3, 7], [0, 0, 4]]))).toBeCloseTo(24, 12);
    expect(determinant(fromRows([[1, 2], [2, 4]]))).toBe(0);
    expect(determinant(fromRows([[1, 2, 3], [4, 5, 6], [7, 8, 9]]))).toBe(0);
    const tiny = identity(3);
    tiny.data.forEach((v, i) => (tiny.data[i] = v * 1e-20));
    expect(determinant(tiny)).toBeCloseTo(1e-60, 70);
    expect(determinant(zeros(0, 0))).toBe(1);
    expect(() => determinant(fromRows([[NaN]]))).toThrow(NonFiniteInputError);
  });
});
