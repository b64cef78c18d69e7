/**
 * Hybrid dense + CSR kernels against the densified matrix and the naive reference,
 * on seeded random shapes: dense columns first ([D | S]), interleaved with an
 * intercept-like last dense column, empty rows, n = 0, and either block empty.
 */
import { describe, expect, it } from 'vitest';
import {
  type CsrMatrix, type DenseMatrix, ShapeMismatchError, dtypeOf, hybridCrossProduct, hybridCrossProductWith, hybridMatrix,
  hybridReduce, hybridSelectColumns, hybridTimesDense, hybridToDense, zeros,
} from '../../../src/kernels/matrix/index.js';
import { type ReduceFn, reduceMatrix, selectColumns } from '../../../src/kernels/matrix/elementwise.js';
import { csrToDense, expectClose, randomMatrix, refGemm, rng } from './reference.js';

interface Case {
  name: string;
  n: number;
  cols: number;
  denseCols: number[];
  /** Chance that a sparse column of a non-empty row has an entry. */
  density: number;
  /** Chance that a row has no sparse entry at all. */
  emptyRows: number;
}

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

const CASES: Case[] = [
  { name: '[D | S] (dense columns first)', n: 40, cols: 25, denseCols: range(0, 5), density: 0.2, emptyRows: 0.2 },
  { name: 'interleaved, last column dense (intercept)', n: 57, cols: 30, denseCols: [0, 1, 2, 15, 29], density: 0.1, emptyRows: 0.3 },
  { name: 'n = 0', n: 0, cols: 7, denseCols: [1, 3], density: 0.5, emptyRows: 0 },
  { name: 'dense block empty (d = 0)', n: 33, cols: 12, denseCols: [], density: 0.3, emptyRows: 0.2 },
  { name: 'sparse block empty (every column dense)', n: 21, cols: 6, denseCols: range(0, 6), density: 0.5, emptyRows: 0 },
  { name: 'sparse block without entries', n: 18, cols: 10, denseCols: [2, 7], density: 0, emptyRows: 0 },
  { name: 'one row', n: 1, cols: 5, denseCols: [4], density: 0.6, emptyRows: 0 },
  { name: 'taller, blocked gemm path', n: 300, cols: 80, denseCols: [0, 3, 9, 10, 11, 40, 41, 60, 70, 79], density: 0.05, emptyRows: 0.1 },
];

/** A random hybrid and the same matrix built densely by hand. */
function randomHybrid(c: Case, rand: () => number) {
  const { n, cols, denseCols } = c;
  const d = denseCols.length;
  const D = randomMatrix(n, d, rand);
  const isDense = new Set(denseCols);
  const X = zeros(n, cols);
  const indptr = new Int32Array(n + 1);
  const indices: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    denseCols.forEach((j, a) => (X.data[i * cols + j] = D.data[i * d + a]));
    if (rand() >= c.emptyRows) {
      for (let j = 0; j < cols; j++) {
        if (isDense.has(j) || rand() >= c.density) continue;
        const v = rand() < 0.5 ? 1 : 2 * rand() - 1 || 0.5;
        indices.push(j);
        values.push(v);
        X.data[i * cols + j] = v;
      }
    }
    indptr[i + 1] = indices.length;
  }
  const S: CsrMatrix = { rows: n, cols, indptr, indices: Int32Array.from(indices), values: Float64Array.from(values) };
  return { H: hybridMatrix(D, Int32Array.from(denseCols), S), X };
}

function expectSymmetric(G: DenseMatrix): void {
  for (let i = 0; i < G.rows; i++) for (let j = 0; j < i; j++) expect(G.data[i * G.cols + j]).toBe(G.data[j * G.cols + i]);
}

describe('hybrid kernels vs the densified matrix', () => {
  CASES.forEach((c, k) => {
    describe(`${c.name}: ${c.n}×${c.cols}, d = ${c.denseCols.length}`, () => {
      const rand = rng(9100 + k);
      const { H, X } = randomHybrid(c, rand);
      const tol = 1e-12 * Math.max(c.n, c.cols, 1);

      it('toDense is the matrix, exactly', () => {
        expectClose(hybridToDense(H), X, 0);
        expect(dtypeOf(hybridToDense(H))).toBe('float64');
      });

      it('X·W = D·W_top + S·W_bottom (k = 1 and 4; float64 and float32 W)', () => {
        for (const q of [1, 4]) {
          for (const dtype of ['float64', 'float32'] as const) {
            const W = randomMatrix(c.cols, q, rand, dtype);
            const got = hybridTimesDense(H, W);
            expect(dtypeOf(got)).toBe('float64');
            expectClose(got, refGemm(X, W), tol);
          }
        }
      });

      it('XᵀY = [DᵀY ; SᵀY] in column order', () => {
        for (const q of [1, 3]) {
          const Y = randomMatrix(c.n, q, rand);
          expectClose(hybridCrossProductWith(H, Y), refGemm(X, Y, true), tol);
        }
        const Y32 = randomMatrix(c.n, 2, rand, 'float32');
        expectClose(hybridCrossProductWith(H, Y32), refGemm(X, Y32, true), tol);
      });

      it('XᵀX = [[DᵀD, DᵀS], [SᵀD, SᵀS]], exactly symmetric', () => {
        const G = hybridCrossProduct(H);
        expectClose(G, refGemm(X, X, true), tol);
        expectSymmetric(G);
      });

      it('sum, mean and count along rows, cols and all equal the dense reduction', () => {
        for (const fn of ['sum', 'mean', 'count'] as ReduceFn[]) {
          for (const axis of ['rows', 'cols', 'all'] as const) {
            const got = hybridReduce(fn, axis, H);
            const want = reduceMatrix(fn, axis, X);
            expect([got.rows, got.cols]).toEqual([want.rows, want.cols]);
            got.data.forEach((v, i) => {
              if (Number.isNaN(want.data[i])) expect(v, `${fn} ${axis}`).toBeNaN();
              // Column sums add the same nonzeros in the same order: bit for bit.
              else expect(Math.abs(v - want.data[i]), `${fn} ${axis} at ${i}`).toBeLessThanOrEqual(axis === 'cols' ? 0 : tol);
            });
          }
        }
      });

      it('select: dense-only and mixed columns give a dense matrix, sparse-only a CSR one with sorted rows', () => {
        const dense = [...c.denseCols].reverse();
        const sparse = range(0, c.cols).filter((j) => !c.denseCols.includes(j));
        const picks: number[][] = [[], dense, [...dense, dense[0] ?? 0], [...sparse].reverse(), [sparse[0] ?? 0, ...sparse, sparse[0] ?? 0], range(0, c.cols), [c.cols - 1, 0, c.cols - 1]];
        for (const indices of picks) {
          const got = hybridSelectColumns(H, indices);
          const allSparse = indices.length > 0 && indices.every((j) => !c.denseCols.includes(j));
          expect('indptr' in got, `[${indices}]`).toBe(allSparse);
          if ('indptr' in got) {
            for (let i = 0; i < got.rows; i++) for (let p = got.indptr[i] + 1; p < got.indptr[i + 1]; p++) expect(got.indices[p]).toBeGreaterThan(got.indices[p - 1]);
            expectClose(csrToDense(got), selectColumns(X, indices), 0);
          } else {
            expectClose(got, selectColumns(X, indices), 0);
          }
        }
      });
    });
  });

  it('XᵀX is correct for unsorted column indices and non-unit values in the sparse block', () => {
    const S: CsrMatrix = { rows: 2, cols: 4, indptr: Int32Array.from([0, 2, 3]), indices: Int32Array.from([3, 1, 2]), values: Float64Array.from([2, -1, 3]) };
    const H = hybridMatrix({ rows: 2, cols: 1, data: Float64Array.from([5, 7]) }, Int32Array.from([0]), S);
    const X = hybridToDense(H);
    expect(Array.from(hybridCrossProduct(H).data)).toEqual(Array.from(refGemm(X, X, true).data));
  });

  it('rejects mismatched shapes and malformed blocks', () => {
    const S: CsrMatrix = { rows: 2, cols: 4, indptr: Int32Array.from([0, 1, 2]), indices: Int32Array.from([1, 3]), values: Float64Array.from([1, 1]) };
    const H = hybridMatrix(zeros(2, 1), Int32Array.from([0]), S);
    expect(() => hybridTimesDense(H, zeros(3, 2))).toThrow(
      new ShapeMismatchError('hybridTimesDense: cannot multiply 2×4 by 3×2: inner dimensions 4 and 3 differ'),
    );
    expect(() => hybridCrossProductWith(H, zeros(3, 1))).toThrow(ShapeMismatchError);
    expect(() => hybridMatrix(zeros(3, 1), Int32Array.from([0]), S)).toThrow(ShapeMismatchError);
    expect(() => hybridMatrix(zeros(2, 2), Int32Array.from([0]), S)).toThrow(ShapeMismatchError);
    expect(() => hybridMatrix(zeros(2, 2), Int32Array.from([2, 0]), S)).toThrow(/increase strictly/);
    expect(() => hybridMatrix(zeros(2, 1), Int32Array.from([4]), S)).toThrow(RangeError);
    expect(() => hybridMatrix(zeros(2, 1), Int32Array.from([3]), S)).toThrow(/entry in dense column 3/);
  });
});
