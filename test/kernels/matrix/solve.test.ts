import { describe, expect, it } from 'vitest';
import {
  NonFiniteInputError, ShapeMismatchError, SingularMatrixError, dtypeOf, fromRows, identity, leastSquares, solve, zeros,
} from '../../../src/kernels/matrix/index.js';
import { qrLeastSquares } from '../../../src/kernels/matrix/qr.js';
import { expectClose, randomMatrix, randomSpd, refGemm, refSolve, rng } from './reference.js';

describe('solve', () => {
  it.each([1, 3, 13, 40])('n=%i SPD system (Cholesky path), several right-hand sides', (n) => {
    const rand = rng(n);
    const A = randomSpd(n, rand), B = randomMatrix(n, 4, rand);
    expectClose(solve(A, B), refSolve(A, B), 1e-11);
  });

  it.each([2, 7, 33])('n=%i general and symmetric-indefinite systems (LU path)', (n) => {
    const rand = rng(50 + n);
    const G = randomMatrix(n, n, rand);
    for (let i = 0; i < n; i++) G.data[i * n + i] += n;
    const S = zeros(n, n); // symmetric with ±n diagonal: Cholesky fails, LU succeeds
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) S.data[i * n + j] = S.data[j * n + i] = i === j ? (i % 2 ? -n : n) : rand() - 0.5;
    }
    for (const A of [G, S]) {
      const B = randomMatrix(n, 3, rand);
      expectClose(solve(A, B), refSolve(A, B), 1e-10);
    }
  });

  it('result dtype follows the inputs', () => {
    const A = fromRows([[2, 1], [1, 3]], 'float32'), B = fromRows([[3], [5]], 'float32');
    const X = solve(A, B);
    expect(dtypeOf(X)).toBe('float32');
    expectClose(X, fromRows([[0.8], [1.4]]), 1e-6);
    expect(dtypeOf(solve(A, fromRows([[3], [5]])))).toBe('float64');
  });

  it('singular systems throw SingularMatrixError instead of returning garbage', () => {
    expect(() => solve(fromRows([[1, 2], [2, 4]]), fromRows([[1], [2]]))).toThrow(SingularMatrixError);
    expect(() => solve(fromRows([[1, 2, 3], [4, 5, 6], [7, 8, 9]]), identity(3))).toThrow(/solve: 3×3 matrix is singular/);
    expect(() => solve(zeros(4, 4), zeros(4, 1))).toThrow(SingularMatrixError);
    // Rank-deficient Gram matrix: symmetric PSD, so Cholesky is tried, fails, and LU confirms.
    const X = randomMatrix(10, 3, rng(7));
    const Xd = zeros(10, 4);
    for (let i = 0; i < 10; i++) {
      Xd.data.set(X.data.subarray(i * 3, i * 3 + 3), i * 4);
      Xd.data[i * 4 + 3] = X.data[i * 3];
    }
    expect(() => solve(refGemm(Xd, Xd, true), zeros(4, 1))).toThrow(SingularMatrixError);
  });

  it('NaN/Inf in A or B throw NonFiniteInputError', () => {
    expect(() => solve(fromRows([[1, NaN], [0, 1]]), fromRows([[1], [1]]))).toThrow(NonFiniteInputError);
    expect(() => solve(identity(2), fromRows([[Infinity], [1]]))).toThrow(/solve: B \(2×1\) holds a non-finite value/);
  });

  it('shape errors name the shapes', () => {
    expect(() => solve(zeros(2, 3), zeros(2, 1))).toThrow(ShapeMismatchError);
    expect(() => solve(identity(3), zeros(2, 1))).toThrow(
      new ShapeMismatchError('solve: cannot solve a 3×3 system for a right-hand side of 2×1: 3 and 2 rows differ'),
    );
  });
});

/** Overdetermined design with known coefficients. */
function design(m: number, p: number, seed: number) {
  const rand = rng(seed);
  const X = randomMatrix(m, p, rand);
  const beta = randomMatrix(p, 2, rand);
  return { X, beta, rand };
}

describe('leastSquares', () => {
  it('recovers known coefficients of an exact overdetermined system (2 right-hand sides)', () => {
    const { X, beta } = design(200, 5, 1);
    expectClose(leastSquares(X, refGemm(X, beta)), beta, 1e-12);
  });

  it('with noise, matches the normal-equation reference and stays near the truth', () => {
    const { X, beta, rand } = design(300, 6, 2);
    const Y = refGemm(X, beta);
    for (let i = 0; i < Y.data.length; i++) Y.data[i] += 0.01 * (rand() - 0.5);
    const B = leastSquares(X, Y);
    expectClose(B, refSolve(refGemm(X, X, true), refGemm(X, Y, true)), 1e-12);
    expectClose(B, beta, 5e-3);
  });

  it('ridge matches (XᵀX + λI)⁻¹XᵀY and shrinks the coefficients', () => {
    const { X, beta } = design(50, 4, 3);
    const Y = refGemm(X, beta);
    const lambda = 2.5;
    const G = refGemm(X, X, true);
    for (let j = 0; j < 4; j++) G.data[j * 4 + j] += lambda;
    const B = leastSquares(X, Y, lambda);
    expectClose(B, refSolve(G, refGemm(X, Y, true)), 1e-12);
    const norm = (m: { data: ArrayLike<number> }) => Math.hypot(...Array.from(m.data));
    expect(norm(B)).toBeLessThan(norm(beta));
  });

  it('falls back to QR when XᵀX is not numerically PD but X has full rank (Läuchli)', () => {
    const d = 1e-9; // d² < eps, so fl(XᵀX) = [[1,1],[1,1]] is singular
    const X = fromRows([[1, 1], [d, 0], [0, d]]);
    const B = leastSquares(X, fromRows([[3], [d], [2 * d]]));
    expectClose(B, fromRows([[1], [2]]), 1e-6);
  });

  it('QR path agrees with the ridge normal equations', () => {
    const { X, beta } = design(30, 4, 4);
    const Y = refGemm(X, beta);
    expectClose({ rows: 4, cols: 2, data: qrLeastSquares(X, Y, 0.7) }, leastSquares(X, Y, 0.7), 1e-12);
  });

  it('rank-deficient X throws SingularMatrixError unless a ridge is given', () => {
    const X = randomMatrix(20, 3, rng(5));
    for (let i = 0; i < 20; i++) X.data[i * 3 + 2] = 2 * X.data[i * 3];
    const Y = randomMatrix(20, 1, rng(6));
    expect(() => leastSquares(X, Y)).toThrow(/leastSquares: 20×3 design is rank deficient/);
    expect(() => leastSquares(zeros(2, 3), zeros(2, 1))).toThrow(SingularMatrixError);
    expect(leastSquares(X, Y, 1e-3).data.every(Number.isFinite)).toBe(true);
  });

  it('float32 inputs: float32 result computed at float64 precision', () => {
    const { X, beta } = design(100, 3, 8);
    const Xf = { rows: 100, cols: 3, data: Float32Array.from(X.data) };
    const Yf = { rows: 100, cols: 2, data: Float32Array.from(refGemm(Xf, beta).data) };
    const B = leastSquares(Xf, Yf);
    expect(dtypeOf(B)).toBe('float32');
    expectClose(B, beta, 1e-5);
  });

  it('validates ridge, shapes and finiteness', () => {
    const X = randomMatrix(5, 2, rng(9)), Y = randomMatrix(5, 1, rng(10));
    expect(() => leastSquares(X, Y, -1)).toThrow(RangeError);
    expect(() => leastSquares(X, Y, NaN)).toThrow(RangeError);
    expect(() => leastSquares(X, zeros(4, 1))).toThrow(ShapeMismatchError);
    X.data[3] = NaN;
    expect(() => leastSquares(X, Y)).toThrow(NonFiniteInputError);
  });
});
