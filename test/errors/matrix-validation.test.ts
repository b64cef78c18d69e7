import { describe, expect, it } from 'vitest';
import { PlanError, ShapeError, TypeMismatchError } from '../../src/errors.js';
import { constant, fromDense, identity, matrix, zeros } from '../../src/index.js';

/** The error `fn` throws, checked to be `type` with a message starting with `op: `. */
function thrown(fn: () => unknown, type: typeof PlanError, op: string): PlanError {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(type);
  expect((error as PlanError).operator).toBe(op);
  expect((error as Error).message.startsWith(`${op}: `)).toBe(true);
  return error as PlanError;
}

describe('constant matrices are checked while the plan is built', () => {
  it('zeros: non-negative integer dimensions, of an allocatable size, and a float dtype', () => {
    expect(thrown(() => zeros(-1, 2), PlanError, 'zeros').message).toBe('zeros: expected non-negative integer dimensions, got -1×2');
    thrown(() => zeros(2, 1.5), PlanError, 'zeros');
    thrown(() => zeros(NaN, 2), PlanError, 'zeros');
    expect(thrown(() => zeros(1e6, 1e6), ShapeError, 'zeros').message).toMatch(/1000000×1000000 is 1000000000000 elements/);
    thrown(() => zeros(2, 2, 'int32' as never), PlanError, 'zeros');
    expect(zeros(0, 3).shape).toEqual({ rows: 0, cols: 3 });
  });

  it('fromDense: dimensions that match the length of a Float64Array or Float32Array', async () => {
    const short = thrown(() => fromDense({ rows: 2, cols: 2, data: new Float64Array(3) }), ShapeError, 'fromDense');
    expect(short.message).toBe('fromDense: a 2×2 matrix needs 4 values (row-major), data has 3');
    thrown(() => fromDense({ rows: 1, cols: 2, data: new Float32Array(3) }), ShapeError, 'fromDense');
    thrown(() => fromDense({ rows: -2, cols: -2, data: new Float64Array(4) }), PlanError, 'fromDense');
    thrown(() => fromDense({ rows: 2, cols: 2, data: [1, 2, 3, 4] as never }), TypeMismatchError, 'fromDense');
    thrown(() => fromDense(null as never), PlanError, 'fromDense');
    const ok = await fromDense({ rows: 2, cols: 2, data: Float64Array.of(1, 2, 3, 4) }).collect();
    expect(ok.get(1, 0)).toBe(3);
  });

  it('matrix: rows of numbers of one length', () => {
    thrown(() => matrix([[1, 2], [3]] as never), ShapeError, 'matrix');
    expect(thrown(() => matrix([[1, 'a']] as never), TypeMismatchError, 'matrix').message).toBe('matrix: row 0, column 1: expected a number, got string a');
    thrown(() => matrix([[1], null] as never), PlanError, 'matrix');
    thrown(() => matrix('12' as never), PlanError, 'matrix');
    thrown(() => matrix([[1]], { dtype: 'float16' as never }), PlanError, 'matrix');
    expect(matrix([[1, NaN]]).shape).toEqual({ rows: 1, cols: 2 }); // NaN is a number: products propagate it
  });

  it('constant and identity', () => {
    thrown(() => constant('1' as never), TypeMismatchError, 'constant');
    thrown(() => constant(1, 'int32' as never), PlanError, 'constant');
    thrown(() => identity(-1), PlanError, 'identity');
    thrown(() => identity(2.5), PlanError, 'identity');
    expect(thrown(() => identity(1e6), ShapeError, 'identity').message).toMatch(/1000000×1000000 is 1000000000000 elements/);
    thrown(() => identity(2, 'int32' as never), PlanError, 'identity');
    expect(identity(3).shape).toEqual({ rows: 3, cols: 3 });
  });

  it('lstsq: a finite, non-negative ridge penalty', async () => {
    const X = matrix([[1, 0], [0, 1], [1, 1]]);
    const y = matrix([[1], [2], [3]]);
    for (const ridge of [Infinity, -1, NaN, -0.5]) {
      expect(thrown(() => X.lstsq(y, ridge), PlanError, 'lstsq').message).toBe(`lstsq: expected a finite, non-negative ridge penalty, got ${ridge}`);
    }
    thrown(() => X.lstsq(y, '1' as never), PlanError, 'lstsq');
    expect((await X.lstsq(y, 0.5).collect()).rows).toBe(2);
  });
});
