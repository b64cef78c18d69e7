/**
 * Compile-time shapes of the Matrix builder. `expectTypeOf` and `// @ts-expect-error`
 * are enforced by the type-check that `npm test` runs (`tsc --noEmit -p tsconfig.json`):
 * if a statically known mismatch stops being a compile error, the unused
 * @ts-expect-error fails the build. The bodies also run, so each statically rejected
 * plan is shown to fail at plan build as well.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { type Matrix, ShapeError, fromColumns, identity, linearRegression, matrix, zeros } from '../../src/index.js';

describe('Matrix<R, C> shapes at compile time', () => {
  it('literal shapes and the shapes of results', () => {
    const a = matrix([[1, 2, 3]]);
    expectTypeOf(a).toEqualTypeOf<Matrix<1, 3>>();
    expectTypeOf(matrix([[1, 2]]).transpose()).toEqualTypeOf<Matrix<2, 1>>();
    const b = matrix([[1], [2], [3]]);
    expectTypeOf(b).toEqualTypeOf<Matrix<3, 1>>();
    expectTypeOf(a.matmul(b)).toEqualTypeOf<Matrix<1, 1>>();
    expectTypeOf(b.matmul(a)).toEqualTypeOf<Matrix<3, 3>>();
    expectTypeOf(b.crossprod()).toEqualTypeOf<Matrix<1, 1>>();
    expectTypeOf(a.crossprod()).toEqualTypeOf<Matrix<3, 3>>();
    expectTypeOf(a.crossprod(matrix([[1, 2]]))).toEqualTypeOf<Matrix<3, 2>>();
    expectTypeOf(a.add(1)).toEqualTypeOf<Matrix<1, 3>>();
    expectTypeOf(a.sigmoid().scale(2).clip(0, 1)).toEqualTypeOf<Matrix<1, 3>>();
    expectTypeOf(b.rowSums()).toEqualTypeOf<Matrix<3, 1>>();
    expectTypeOf(b.colSums()).toEqualTypeOf<Matrix<1, 1>>();
    expectTypeOf(a.colMeans()).toEqualTypeOf<Matrix<1, 3>>();
    expectTypeOf(a.sum()).toEqualTypeOf<Matrix<1, 1>>();
    expectTypeOf(a.count()).toEqualTypeOf<Matrix<1, 1>>();
    expectTypeOf(b.diag()).toEqualTypeOf<Matrix<3, 3>>();
    expectTypeOf(identity(4)).toEqualTypeOf<Matrix<4, 4>>();
    expectTypeOf(identity(4).inverse()).toEqualTypeOf<Matrix<4, 4>>();
    expectTypeOf(identity(3).solve(b)).toEqualTypeOf<Matrix<3, 1>>();
    expectTypeOf(zeros(2, 5)).toEqualTypeOf<Matrix<2, 5>>();
    expectTypeOf(b.sampleRows(2)).toEqualTypeOf<Matrix<2, 1>>();
    expectTypeOf(b.nearest()).toEqualTypeOf<Matrix<3, 1>>();
    // Data-dependent row counts and column selections are `number`.
    expectTypeOf(b.filterRows(b)).toEqualTypeOf<Matrix<number, 1>>();
    expectTypeOf(a.select(0, 2)).toEqualTypeOf<Matrix<1, number>>();
  });

  it('a 1×3 by 4×1 product does not compile, and fails at plan build', () => {
    const thrown = () =>
      // @ts-expect-error inner dimensions 3 and 4 differ
      matrix([[1, 2, 3]]).matmul(matrix([[1], [2], [3], [4]]));
    expect(thrown).toThrow(ShapeError);
  });

  it('a solve with a right-hand side of the wrong height does not compile', () => {
    const thrown = () =>
      // @ts-expect-error 3×3 system, 2-row right-hand side
      identity(3).solve(matrix([[1], [2]]));
    expect(thrown).toThrow(ShapeError);
  });

  it('toMatrix over 2 numeric columns with intercept is Matrix<number, 3>', () => {
    const rel = fromColumns({ id: Int32Array.from([1, 2]), x: [1, 2], z: [3, 4], city: ['a', 'b'], y: [0, 1] });
    const X = rel.toMatrix(['x', 'z'], { intercept: true });
    expectTypeOf(X).toEqualTypeOf<Matrix<number, 3>>();
    expectTypeOf(rel.toMatrix(['x', 'z'])).toEqualTypeOf<Matrix<number, 2>>();
    expectTypeOf(rel.toMatrix(['id', 'x', 'y'], { intercept: false })).toEqualTypeOf<Matrix<number, 3>>();
    // With an encoded feature the column count depends on the categories: `number`.
    expectTypeOf(rel.toMatrix(['x', { onehot: 'city', categories: ['a', 'b'] }], { intercept: true })).toEqualTypeOf<Matrix<number, number>>();
    expectTypeOf(X.crossprod()).toEqualTypeOf<Matrix<3, 3>>();
    expectTypeOf(linearRegression(X, rel.toMatrix(['y']))).toEqualTypeOf<Matrix<3, 1>>();
    expectTypeOf(X.matmul(linearRegression(X, rel.toMatrix(['y'])))).toEqualTypeOf<Matrix<number, 1>>();

    const thrown = () =>
      // @ts-expect-error X has 3 columns, the right operand 4 rows
      X.matmul(matrix([[1], [2], [3], [4]]));
    expect(thrown).toThrow(ShapeError);

    // A string column is not a numeric feature, and unknown names are rejected.
    // @ts-expect-error 'city' is a string column
    expect(() => rel.toMatrix(['city'])).toThrow();
    // @ts-expect-error no such column
    expect(() => rel.toMatrix(['nope'])).toThrow();
  });

  it('withMatrixColumns adds float64 columns to the relation type', () => {
    const rel = fromColumns({ id: Int32Array.from([1, 2]), x: [1, 2] });
    const scored = rel.withMatrixColumns(rel.toMatrix(['x']).scale(2), ['double']);
    expectTypeOf(scored.__schema).toEqualTypeOf<{ id: 'int32'; x: 'float64'; double: 'float64' }>();
    const back = matrix([[1, 2]]).toRelation(['a', 'b']);
    expectTypeOf(back.__schema).toEqualTypeOf<{ a: 'float64'; b: 'float64' }>();
  });
});
