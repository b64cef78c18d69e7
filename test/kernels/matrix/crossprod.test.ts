import { describe, expect, it } from 'vitest';
import { ShapeMismatchError, crossProduct, crossProductWith, dtypeOf, zeros } from '../../../src/kernels/matrix/index.js';
import { expectClose, maxAbs, randomMatrix, refGemm, rng } from './reference.js';

// [rows, cols]: degenerate, odd widths (tail columns), and row counts crossing the row-chunk size.
const SHAPES: [number, number][] = [
  [1, 1], [1, 7], [7, 1], [7, 13], [65, 33], [300, 5], [1000, 4], [600, 35], [70, 160], [0, 3],
];

describe('crossProduct (XᵀX)', () => {
  for (const [n, d] of SHAPES) {
    it(`${n}×${d} in both dtypes matches Xᵀ·X and is exactly symmetric`, () => {
      const rand = rng(n * 1000 + d);
      for (const dtype of ['float64', 'float32'] as const) {
        const X = randomMatrix(n, d, rand, dtype);
        const G = crossProduct(X);
        expect(dtypeOf(G)).toBe(dtype);
        const tol = (dtype === 'float32' ? 1e-6 : 1e-12) * Math.max(n, 1) * maxAbs(X.data) ** 2;
        expectClose(G, refGemm(X, X, true, false), tol);
        for (let i = 0; i < d; i++) {
          for (let j = 0; j < i; j++) expect(G.data[i * d + j]).toBe(G.data[j * d + i]);
        }
      }
    });
  }

  it('a float64 out keeps full precision for float32 input and is overwritten', () => {
    const X = randomMatrix(500, 6, rng(4), 'float32');
    const out = zeros(6, 6);
    out.data.fill(-1);
    expect(crossProduct(X, { out })).toBe(out);
    expectClose(out, refGemm(X, X, true, false), 1e-12 * 500);
  });

  it('propagates NaN into the row and column of the poisoned feature', () => {
    const X = randomMatrix(40, 9, rng(5));
    X.data[3 * 9 + 6] = NaN;
    const G = crossProduct(X);
    for (let i = 0; i < 9; i++) {
      for (let j = 0; j < 9; j++) expect(Number.isNaN(G.data[i * 9 + j])).toBe(i === 6 || j === 6);
    }
  });
});

describe('crossProductWith (XᵀY)', () => {
  it.each([[1, 1, 1], [7, 13, 3], [65, 33, 17], [300, 5, 9]])('%i rows, %i×%i result', (n, p, q) => {
    const rand = rng(n + p + q);
    for (const dtype of ['float64', 'float32'] as const) {
      const X = randomMatrix(n, p, rand, dtype), Y = randomMatrix(n, q, rand, dtype);
      const G = crossProductWith(X, Y);
      expect(dtypeOf(G)).toBe(dtype);
      expectClose(G, refGemm(X, Y, true, false), (dtype === 'float32' ? 1e-6 : 1e-12) * n);
    }
  });

  it('rejects different row counts', () => {
    expect(() => crossProductWith(zeros(5, 3), zeros(4, 2))).toThrow(
      new ShapeMismatchError('crossProductWith: cannot form XᵀY for X 5×3 and Y 4×2: row counts 5 and 4 differ'),
    );
  });
});
