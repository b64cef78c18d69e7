import { describe, expect, it } from 'vitest';
import type { DenseMatrix, Dtype } from '../../../src/kernels/matrix/index.js';
import { ShapeMismatchError, dtypeOf, gemm, gemv, zeros } from '../../../src/kernels/matrix/index.js';
import { rowProduct } from '../../../src/kernels/matrix/gemm.js';
import { expectClose, maxAbs, randomMatrix, refGemm, rng } from './reference.js';

/** |diff| ≤ c·k·max|a|·max|b|; float32 results are rounded once per 256-deep k-slice. */
function tolerance(dtype: Dtype, k: number, A: DenseMatrix, B: DenseMatrix): number {
  return (dtype === 'float32' ? 1e-6 : 1e-12) * Math.max(k, 1) * maxAbs(A.data) * maxAbs(B.data);
}

// [m, k, n]: degenerate, vector-shaped, odd, and crossing the KC = 256 / NC = 512 blocks.
const SHAPES: [number, number, number][] = [
  [1, 1, 1], [1, 9, 1], [1, 13, 7], [7, 13, 1], [9, 1, 5], [2, 3, 2], [4, 4, 4],
  [7, 13, 5], [65, 33, 17], [5, 300, 6], [6, 7, 530], [33, 260, 520],
];

describe('gemm', () => {
  for (const [m, k, n] of SHAPES) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`${m}×${k} · ${k}×${n} ${dtype}, all transA/transB combinations`, () => {
        const rand = rng(m * 7919 + k * 31 + n);
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            const A = randomMatrix(transA ? k : m, transA ? m : k, rand, dtype);
            const B = randomMatrix(transB ? n : k, transB ? k : n, rand, dtype);
            const C = gemm(A, B, { transA, transB });
            expect(dtypeOf(C)).toBe(dtype);
            expectClose(C, refGemm(A, B, transA, transB), tolerance(dtype, k, A, B));
          }
        }
      });
    }
  }

  it('a row alone gets the bits it gets inside a product of many rows (both B orientations, across k-slices, float32)', () => {
    const rand = rng(4242);
    for (const [k, n] of [[13, 6], [300, 5], [600, 530]] as const) {
      for (const dtype of ['float64', 'float32'] as const) {
        for (const transB of [false, true]) {
          const A = randomMatrix(6, k, rand, dtype);
          for (let i = 0; i < A.data.length; i += 7) A.data[i] *= 1e6; // magnitudes apart, so a different order shows
          const B = randomMatrix(transB ? n : k, transB ? k : n, rand, dtype);
          const all = gemm(A, B, { transB });
          for (let r = 0; r < A.rows; r++) {
            const row: DenseMatrix = { rows: 1, cols: k, data: A.data.slice(r * k, (r + 1) * k) };
            const alone = gemm(row, B, { transB });
            // As a column (transA) it is the same row of op(A).
            const column = gemm({ rows: k, cols: 1, data: row.data }, B, { transA: true, transB });
            const want = Array.from(all.data.subarray(r * n, (r + 1) * n));
            expect(Array.from(alone.data)).toEqual(want);
            expect(Array.from(column.data)).toEqual(want);
            if (!transB) {
              const into = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
              rowProduct(row.data, B.data, k, n, into);
              expect(Array.from(into)).toEqual(want);
            }
          }
        }
      }
    }
  });

  it('handles empty inner and outer dimensions', () => {
    expect(Array.from(gemm(zeros(3, 0), zeros(0, 2)).data)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(gemm(zeros(0, 4), zeros(4, 2))).toMatchObject({ rows: 0, cols: 2 });
  });

  it('mixed dtypes produce float64', () => {
    const rand = rng(1);
    const A = randomMatrix(5, 6, rand, 'float32'), B = randomMatrix(6, 7, rand);
    const C = gemm(A, B);
    expect(dtypeOf(C)).toBe('float64');
    expectClose(C, refGemm(A, B), tolerance('float64', 6, A, B));
  });

  it('overwrites a supplied out (never accumulates) and honours its dtype', () => {
    const rand = rng(2);
    const A = randomMatrix(9, 8, rand, 'float32'), B = randomMatrix(8, 10, rand, 'float32');
    const out = zeros(9, 10);
    out.data.fill(123);
    expect(gemm(A, B, { out })).toBe(out);
    expectClose(out, refGemm(A, B), tolerance('float64', 8, A, B));
  });

  it('rejects wrong shapes and aliasing with messages naming the shapes', () => {
    expect(() => gemm(zeros(3, 4), zeros(5, 2))).toThrow(
      new ShapeMismatchError('gemm: cannot multiply 3×4 by 5×2: inner dimensions 4 and 5 differ'),
    );
    expect(() => gemm(zeros(3, 4), zeros(3, 2), { transB: true })).toThrow(/cannot multiply 3×4 by \(3×2\)ᵀ/);
    expect(() => gemm(zeros(3, 4), zeros(4, 2), { out: zeros(2, 3) })).toThrow(/out is 2×3 but the result is 3×2/);
    const A = zeros(4, 4);
    expect(() => gemm(A, zeros(4, 4), { out: A })).toThrow(RangeError);
  });

  it('propagates NaN (IEEE semantics): a NaN in row i of A poisons row i of C only', () => {
    const rand = rng(3);
    for (const [m, k, n] of [[65, 33, 17], [7, 13, 1], [1, 13, 7]]) {
      const A = randomMatrix(m, k, rand), B = randomMatrix(k, n, rand);
      const row = m > 1 ? 2 : 0;
      A.data[row * k + 5] = NaN;
      const C = gemm(A, B);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) expect(Number.isNaN(C.data[i * n + j])).toBe(i === row);
      }
    }
  });
});

describe('gemv', () => {
  it.each([1, 3, 4, 5, 13, 65])('A·x and Aᵀ·x for %i rows, both dtypes', (rows) => {
    const rand = rng(rows);
    for (const dtype of ['float64', 'float32'] as const) {
      for (const trans of [false, true]) {
        const A = randomMatrix(rows, 11, rand, dtype);
        const xm = randomMatrix(trans ? rows : 11, 1, rand, dtype);
        const y = gemv(A, xm.data, { trans });
        expect(y).toBeInstanceOf(dtype === 'float32' ? Float32Array : Float64Array);
        const ref = refGemm(A, xm, trans);
        expectClose({ rows: ref.rows, cols: 1, data: y }, ref, tolerance(dtype, trans ? rows : 11, A, xm));
      }
    }
  });

  it('writes into out and validates lengths', () => {
    const rand = rng(9);
    const A = randomMatrix(6, 4, rand), x = randomMatrix(4, 1, rand);
    const out = new Float64Array(6).fill(7);
    expect(gemv(A, x.data, { out })).toBe(out);
    expectClose({ rows: 6, cols: 1, data: out }, refGemm(A, x), 1e-14);
    expect(() => gemv(A, new Float64Array(6))).toThrow(/gemv: cannot multiply 6×4 by a vector of length 6: expected 4/);
    expect(() => gemv(A, x.data, { out: new Float64Array(5) })).toThrow(ShapeMismatchError);
  });
});
