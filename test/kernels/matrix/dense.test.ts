import { describe, expect, it } from 'vitest';
import {
  ShapeMismatchError, denseMatrix, dtypeOf, fromRows, identity, resultDtype, transpose, zeros,
} from '../../../src/kernels/matrix/index.js';
import { expectClose, randomMatrix, refTranspose, rng } from './reference.js';

describe('dense helpers', () => {
  it('zeros / identity / fromRows build row-major matrices of the requested dtype', () => {
    expect(zeros(2, 3).data).toEqual(new Float64Array(6));
    expect(zeros(2, 3, 'float32').data).toBeInstanceOf(Float32Array);
    expect(Array.from(identity(3).data)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const m = fromRows([[1, 2, 3], [4, 5, 6]], 'float32');
    expect([m.rows, m.cols, dtypeOf(m)]).toEqual([2, 3, 'float32']);
    expect(Array.from(m.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(fromRows([])).toMatchObject({ rows: 0, cols: 0 });
  });

  it('rejects ragged rows, bad dimensions and wrongly sized buffers', () => {
    expect(() => fromRows([[1, 2], [3]])).toThrow(ShapeMismatchError);
    expect(() => zeros(-1, 2)).toThrow(RangeError);
    expect(() => zeros(1.5, 2)).toThrow(RangeError);
    expect(() => denseMatrix(2, 2, new Float64Array(3))).toThrow(/denseMatrix: 2×2 needs 4 elements, got 3/);
    const data = new Float64Array(4);
    expect(denseMatrix(2, 2, data).data).toBe(data);
  });

  it('result dtype is float32 only when every input is float32', () => {
    const f = zeros(1, 1, 'float32'), d = zeros(1, 1);
    expect(resultDtype(f, f)).toBe('float32');
    expect(resultDtype(f, d)).toBe('float64');
    expect(resultDtype(d)).toBe('float64');
  });

  it.each([[1, 1], [1, 9], [9, 1], [7, 13], [65, 33], [40, 70]])('transpose %i×%i matches the reference', (r, c) => {
    const rand = rng(r * 100 + c);
    for (const dtype of ['float64', 'float32'] as const) {
      const A = randomMatrix(r, c, rand, dtype);
      const T = transpose(A);
      expect(dtypeOf(T)).toBe(dtype);
      expectClose(T, refTranspose(A), 0);
    }
  });
});
