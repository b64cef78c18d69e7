import { describe, expect, it } from 'vitest';
import {
  ShapeMismatchError, csrCrossProduct, csrFromDense, csrFromOneHot, csrTimesDense, csrTimesVector,
  csrTransposeTimesDense, dtypeOf, zeros,
} from '../../../src/kernels/matrix/index.js';
import { csrFromOneHotBlocks } from '../../../src/kernels/matrix/csr.js';
import { csrToDense, expectClose, randomMatrix, refGemm, rng } from './reference.js';

const SHAPES: [number, number, number][] = [[1, 1, 1], [1, 9, 4], [9, 1, 3], [7, 13, 5], [65, 33, 17]];

describe('CSR kernels vs dense reference', () => {
  for (const [r, c, q] of SHAPES) {
    it(`${r}×${c} (30% dense) with ${q} right-hand columns`, () => {
      const rand = rng(r * 31 + c);
      const D = randomMatrix(r, c, rand, 'float64', 0.3);
      const A = csrFromDense(D);
      expectClose(csrToDense(A), D, 0);
      expect(A.indptr[r]).toBe(D.data.filter((v) => v !== 0).length);
      const tol = 1e-12 * Math.max(r, c);
      const B = randomMatrix(c, q, rand, 'float32');
      const AB = csrTimesDense(A, B);
      expect(dtypeOf(AB)).toBe('float64');
      expectClose(AB, refGemm(D, B), tol);
      const Bt = randomMatrix(r, q, rand);
      expectClose(csrTransposeTimesDense(A, Bt), refGemm(D, Bt, true), tol);
      expectClose(csrCrossProduct(A), refGemm(D, D, true), tol);
      const x = randomMatrix(c, 1, rand);
      expectClose({ rows: r, cols: 1, data: csrTimesVector(A, x.data) }, refGemm(D, x), tol);
    });
  }

  it('one-hot codes: -1 gives an empty row; counts land on the diagonal of AᵀA', () => {
    const codes = Int32Array.from([2, -1, 0, 2, 1, -1, 2]);
    const A = csrFromOneHot(codes, 4);
    expect([A.rows, A.cols]).toEqual([7, 4]);
    expect(Array.from(A.indptr)).toEqual([0, 1, 1, 2, 3, 4, 4, 5]);
    const D = csrToDense(A);
    expect(Array.from(D.data.subarray(4, 8))).toEqual([0, 0, 0, 0]);
    expect(Array.from(csrCrossProduct(A).data)).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0]);
    // Aᵀ·y is the per-category sum of y.
    const y = { rows: 7, cols: 1, data: Float64Array.from([1, 2, 3, 4, 5, 6, 7]) };
    expect(Array.from(csrTransposeTimesDense(A, y).data)).toEqual([3, 5, 12, 0]);
  });

  it('rejects out-of-range codes and mismatched shapes', () => {
    expect(() => csrFromOneHot(Int32Array.from([0, 3]), 3)).toThrow(/code 3 at row 1 is outside \[-1, 3\)/);
    expect(() => csrFromOneHot(Int32Array.from([-2]), 3)).toThrow(RangeError);
    const A = csrFromDense(zeros(3, 4));
    expect(() => csrTimesDense(A, zeros(5, 2))).toThrow(
      new ShapeMismatchError('csrTimesDense: cannot multiply 3×4 by 5×2: inner dimensions 4 and 5 differ'),
    );
    expect(() => csrTransposeTimesDense(A, zeros(4, 2))).toThrow(ShapeMismatchError);
    expect(() => csrTimesVector(A, new Float64Array(3))).toThrow(ShapeMismatchError);
  });

  it('keeps NaN entries so they propagate like in dense products', () => {
    const D = zeros(2, 2);
    D.data[1] = NaN;
    const A = csrFromDense(D);
    expect(A.values.length).toBe(1);
    const y = csrTimesVector(A, Float64Array.from([1, 1]));
    expect(Number.isNaN(y[0])).toBe(true);
    expect(y[1]).toBe(0);
  });

  it('one-hot blocks side by side: each row holds its codes in block order, -1 and rows read through -1 give none', () => {
    // Block 0: columns 0..2, codes per row; block 1: columns 4..5, codes of 3 source rows read through `rows`.
    const A = csrFromOneHotBlocks(5, 6, [
      { codes: Int32Array.from([2, -1, 0, 1, 2]), offset: 0, width: 3 },
      { codes: Int32Array.from([1, -1, 0]), rows: Int32Array.from([0, 2, -1, 1, 0]), offset: 4, width: 2 },
    ]);
    expect(Array.from(A.indptr)).toEqual([0, 2, 3, 4, 5, 7]);
    expect(Array.from(A.indices)).toEqual([2, 5, 4, 0, 1, 2, 5]);
    expect(Array.from(A.values)).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(Array.from(csrToDense(A).data)).toEqual([
      0, 0, 1, 0, 0, 1,
      0, 0, 0, 0, 1, 0,
      1, 0, 0, 0, 0, 0,
      0, 1, 0, 0, 0, 0,
      0, 0, 1, 0, 0, 1,
    ]);
    // No block at all: empty rows.
    expect(Array.from(csrFromOneHotBlocks(3, 2, []).indptr)).toEqual([0, 0, 0, 0]);
  });

  it('one-hot blocks: rejects overlapping or out-of-range blocks, bad codes and row counts', () => {
    const codes = Int32Array.from([0, 1]);
    expect(() => csrFromOneHotBlocks(2, 4, [{ codes, offset: 0, width: 2 }, { codes, offset: 1, width: 2 }])).toThrow(/block \[1, 3\) does not follow column 2/);
    expect(() => csrFromOneHotBlocks(2, 3, [{ codes, offset: 2, width: 2 }])).toThrow(RangeError);
    expect(() => csrFromOneHotBlocks(2, 4, [{ codes: Int32Array.from([0, 2]), offset: 0, width: 2 }])).toThrow(/code 2 at row 1 is outside \[-1, 2\)/);
    expect(() => csrFromOneHotBlocks(2, 4, [{ codes: Int32Array.from([0, -3]), rows: Int32Array.from([0, 0]), offset: 0, width: 2 }])).toThrow(/code -3 at source row 1/);
    expect(() => csrFromOneHotBlocks(3, 4, [{ codes, offset: 0, width: 2 }])).toThrow(ShapeMismatchError);
    expect(() => csrFromOneHotBlocks(2, 4, [{ codes, rows: Int32Array.from([0]), offset: 0, width: 2 }])).toThrow(ShapeMismatchError);
  });

  it('AᵀA is correct for unsorted column indices too', () => {
    const A = { rows: 1, cols: 3, indptr: Int32Array.from([0, 2]), indices: Int32Array.from([2, 0]), values: Float64Array.from([3, 2]) };
    expect(Array.from(csrCrossProduct(A).data)).toEqual([4, 0, 6, 0, 0, 0, 6, 0, 9]);
  });
});
