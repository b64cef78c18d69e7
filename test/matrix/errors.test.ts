/**
 * Shape and dtype checks while the plan is built (before anything runs), typed
 * errors at run time, and NaN/Infinity semantics: NaN propagates through products
 * and maps, while factorizations reject it and singular systems throw a typed error
 * instead of returning garbage.
 */
import { describe, expect, it } from 'vitest';
import {
  type Matrix,
  NonFiniteInputError,
  NotPositiveDefiniteError,
  PlanError,
  ShapeError,
  SingularMatrixError,
  fromColumns,
  identity,
  linearRegression,
  matrix,
} from '../../src/index.js';
import * as ref from './reference.js';
import { expectRowsClose, rng, rowsOf, uniform } from './reference.js';
import { collect } from './run.js';

/** Drops the static shapes, so mismatches reach the plan-time checks instead of the compiler. */
const untyped = (m: Matrix<number, number>): Matrix<number, number> => m;

function throwsShapeError(build: () => unknown, ...mentions: string[]): void {
  let error: unknown;
  try {
    build();
  } catch (e) {
    error = e;
  }
  expect(error, 'expected a ShapeError while building the plan').toBeInstanceOf(ShapeError);
  for (const m of mentions) expect((error as Error).message).toContain(m);
}

describe('shape checks at plan build', () => {
  it('matmul of a 3-column by a 4-row matrix throws ShapeError naming both shapes, before collect', () => {
    const a = untyped(matrix([[1, 2, 3]]));
    const b = untyped(matrix([[1], [2], [3], [4]]));
    throwsShapeError(() => a.matmul(b), '1×3', '4×1');
    // Also when one side comes from a relation (rows known from the source) or after a filter (rows unknown).
    const rel = fromColumns({ x: [1, 2], y: [3, 4], z: [5, 6] });
    throwsShapeError(() => untyped(rel.toMatrix(['x', 'y', 'z'])).matmul(b), '2×3', '4×1');
    throwsShapeError(() => untyped(rel.filter((r) => r.x.gt(1)).toMatrix(['x', 'y', 'z'])).matmul(b), '?×3', '4×1');
    throwsShapeError(() => b.matmul(untyped(rel.toMatrix(['x', 'y']))), '4×1', '2×2');
  });

  it('solve needs a square matrix and a right-hand side with as many rows', () => {
    throwsShapeError(() => untyped(matrix([[1, 2, 3], [4, 5, 6]])).solve(untyped(matrix([[1], [2]]))), '2×3');
    throwsShapeError(() => untyped(identity(3)).solve(untyped(matrix([[1], [2]]))), '3×3', '2×1');
    throwsShapeError(() => untyped(matrix([[1, 2, 3], [4, 5, 6]])).inverse(), '2×3');
  });

  it('bad broadcasts', () => {
    const a = untyped(matrix(uniform(3, 4, rng(1))));
    for (const b of [[2, 4], [1, 3], [3, 2], [4, 4], [2, 1], [1, 5]] as const) {
      const operand = untyped(matrix(uniform(b[0], b[1], rng(2))));
      throwsShapeError(() => a.add(operand), `${b[0]}×${b[1]}`, '3×4');
      throwsShapeError(() => a.minimum(operand), `${b[0]}×${b[1]}`);
    }
    // The broadcast goes one way only: a 1×4 row cannot take a 3×4 matrix.
    throwsShapeError(() => untyped(matrix([[1, 2, 3, 4]])).mul(a));
  });

  it('other operators check their shapes too', () => {
    const a = untyped(matrix(uniform(3, 4, rng(1))));
    const rel = fromColumns({ x: [1, 2, 3, 4] });
    throwsShapeError(() => a.crossprod(untyped(matrix(uniform(2, 2, rng(2))))), '3×4', '2×2');
    throwsShapeError(() => a.lstsq(untyped(matrix(uniform(2, 1, rng(2))))), '3×4', '2×1');
    throwsShapeError(() => a.diag(), '3×4');
    throwsShapeError(() => a.select(4), '4');
    throwsShapeError(() => a.select(-1));
    throwsShapeError(() => a.filterRows(untyped(matrix([[1], [0]]))), '2×1');
    throwsShapeError(() => a.filterRows(a.select(0, 1)), '3×2');
    throwsShapeError(() => a.hstack(untyped(matrix([[1], [2]]))), '3×4', '2×1');
    throwsShapeError(() => a.sampleRows(4), '3×4');
    throwsShapeError(() => rel.filter((r) => r.x.gt(1)).toMatrix(['x']).transpose());
  });

  it('unknown column name in select is a PlanError naming it', () => {
    const X = fromColumns({ a: [1], b: [2] }).toMatrix(['a', 'b']);
    expect(() => X.select('a', 'nope')).toThrow(PlanError);
    expect(() => X.select('nope')).toThrow(/nope/);
  });

  it('bad scalar parameters are PlanErrors', () => {
    const a = matrix([[1, 2]]);
    expect(() => a.clip(2, 1)).toThrow(PlanError);
    expect(() => a.pow(NaN)).toThrow(PlanError);
    expect(() => a.lstsq(matrix([[1]]), -1)).toThrow(PlanError);
    expect(() => a.sampleRows(0)).toThrow(PlanError);
    expect(() => a.sampleRows(1, 0.5)).toThrow(PlanError);
    expect(() => identity(-1)).toThrow(PlanError);
    expect(() => linearRegression(a, matrix([[1]]) as Matrix<number, 1>, { ridge: -1 })).toThrow(PlanError);
  });

  it('row-count mismatches only known at run time fail at collect, not with a wrong answer', async () => {
    const rel = fromColumns({ x: [1, -2, 3, -4] });
    const kept = rel.filter((r) => r.x.gt(0)).toMatrix(['x']); // 2 rows at run time
    await expect(kept.add(matrix([[1], [2], [3], [4]])).collect()).rejects.toThrow(/4×1|2×1/);
    await expect(kept.crossprod(matrix([[1], [2], [3]])).collect()).rejects.toThrow();
  });
});

describe('NaN and Infinity', () => {
  it('NaN propagates through products (no zero-skipping), blocked and vector paths alike', async () => {
    for (const [m, k, n] of [[6, 5, 7], [9, 4, 1], [1, 4, 6], [40, 300, 9]] as const) {
      const a = uniform(m, k, rng(m + k + n));
      const b = uniform(k, n, rng(n));
      a[m - 1][2] = NaN;
      // A zero meeting the NaN still gives NaN (0·NaN = NaN).
      b[1][0] = NaN;
      for (let i = 0; i < m; i++) a[i][1] = i === 0 ? 0 : a[i][1];
      const expected = ref.matmul(a, b);
      const out = rowsOf(await collect(matrix(a).matmul(matrix(b))));
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          if (Number.isNaN(expected[i][j])) expect(out[i][j], `(${i}, ${j}) of ${m}×${k}·${k}×${n}`).toBeNaN();
          else expect(Math.abs(out[i][j] - expected[i][j])).toBeLessThanOrEqual(ref.maxAbs(expected.map((r) => r.map((v) => (Number.isNaN(v) ? 0 : v)))) * 1e-12 * k);
        }
      }
      // Every element of column 0 and of the last row is NaN.
      expect(out.every((r) => Number.isNaN(r[0]))).toBe(true);
      expect(out[m - 1].every(Number.isNaN)).toBe(true);
    }
  });

  it('NaN propagates through crossprod, element-wise ops, maps and reductions', async () => {
    const a = [[1, 2, 3], [4, NaN, 6], [7, 8, 9]];
    const ga = rowsOf(await collect(matrix(a).crossprod()));
    ga.forEach((r, i) => r.forEach((v, j) => expect(Number.isNaN(v)).toBe(i === 1 || j === 1)));
    const gy = rowsOf(await collect(matrix(a).crossprod(matrix([[1], [1], [1]]))));
    expect(gy.map((r) => Number.isNaN(r[0]))).toEqual([false, true, false]);
    const plans: [string, Matrix<number, number>][] = [
      ['add', matrix(a).add(1)],
      ['min', matrix(a).minimum(100)],
      ['max', matrix(a).maximum(-100)],
      ['exp', matrix(a).exp()],
      ['log', matrix(a).log()],
      ['sqrt', matrix(a).sqrt()],
      ['abs', matrix(a).abs()],
      ['neg', matrix(a).neg()],
      ['sigmoid', matrix(a).sigmoid()],
      ['pow', matrix(a).pow(2)],
      ['clip', matrix(a).clip(0, 5)],
      ['scale', matrix(a).scale(0)],
    ];
    for (const [name, plan] of plans) {
      const out = rowsOf(await collect(plan));
      expect(Number.isNaN(out[1][1]), name).toBe(true);
      expect(out.flat().filter(Number.isNaN).length, name).toBe(1);
    }
    expect(rowsOf(await collect(matrix(a).rowSums())).map((r) => Number.isNaN(r[0]))).toEqual([false, true, false]);
    expect(rowsOf(await collect(matrix(a).colMeans()))[0].map(Number.isNaN)).toEqual([false, true, false]);
    expect((await collect(matrix(a).sum())).get(0, 0)).toBeNaN();
    expect((await collect(matrix(a).mean())).get(0, 0)).toBeNaN();
    expect((await collect(matrix(a).count())).get(0, 0)).toBe(9);
    // A NaN divisor in a broadcast row.
    const d = rowsOf(await collect(matrix(a).div(matrix([[1, 1, NaN]]))));
    expect(d.map((r) => Number.isNaN(r[2]))).toEqual([true, true, true]);
    // Maps that produce NaN from numbers.
    expect((await collect(matrix([[-1]]).log())).get(0, 0)).toBeNaN();
    expect((await collect(matrix([[-1]]).sqrt())).get(0, 0)).toBeNaN();
  });

  it('Infinity follows IEEE: Inf·0 is NaN, exp(±Inf), sigmoid(±Inf), Inf − Inf', async () => {
    expect((await collect(matrix([[Infinity, 1]]).matmul(matrix([[0], [1]])))).get(0, 0)).toBeNaN();
    expect(rowsOf(await collect(matrix([[Infinity, -Infinity]]).exp()))).toEqual([[Infinity, 0]]);
    expect(rowsOf(await collect(matrix([[Infinity, -Infinity]]).sigmoid()))).toEqual([[1, 0]]);
    expect((await collect(matrix([[Infinity]]).sub(Infinity))).get(0, 0)).toBeNaN();
    expect((await collect(matrix([[1, -1, 0]]).div(0))).data).toEqual(Float64Array.from([Infinity, -Infinity, NaN]));
  });

  it('nearest never picks a NaN entry; ties go to the first', async () => {
    const a = [
      [NaN, 1, 2],
      [3, NaN, 1],
      [NaN, NaN, NaN],
      [2, 2, NaN],
      [-Infinity, NaN, -Infinity],
    ];
    expectRowsClose(await collect(matrix(a).nearest()), [[0, 1, 0], [0, 0, 1], [1, 0, 0], [1, 0, 0], [1, 0, 0]], 0);
    expectRowsClose(await collect(matrix(a).nearest()), ref.nearest(a), 0);
  });

  it('a singular solve throws SingularMatrixError (auto, lu) or NotPositiveDefiniteError (cholesky), never garbage', async () => {
    const singular = [[1, 2, 3], [4, 5, 6], [7, 8, 9]];
    const rank1 = [[2, 4], [1, 2]];
    const b3 = matrix([[1], [2], [3]]);
    for (const method of ['auto', 'lu'] as const) {
      await expect(matrix(singular).solve(b3, method).collect()).rejects.toThrow(SingularMatrixError);
      await expect(matrix(rank1).solve(matrix([[1], [1]]), method).collect()).rejects.toThrow(SingularMatrixError);
      await expect(matrix([[0, 0], [0, 0]]).solve(matrix([[0], [0]]), method).collect()).rejects.toThrow(SingularMatrixError);
    }
    // Symmetric positive semi-definite (a Gram matrix of dependent columns): Cholesky refuses too.
    const x = uniform(10, 2, rng(3)).map((r) => [r[0], r[1], r[0] + r[1]]);
    const gram = ref.crossprod(x);
    await expect(matrix(gram).solve(b3, 'cholesky').collect()).rejects.toThrow(NotPositiveDefiniteError);
    await expect(matrix(gram).solve(b3).collect()).rejects.toThrow(SingularMatrixError);
  });

  it('inverse of a singular matrix throws SingularMatrixError', async () => {
    await expect(matrix([[1, 2], [2, 4]]).inverse().collect()).rejects.toThrow(SingularMatrixError);
    await expect(matrix([[0]]).inverse().collect()).rejects.toThrow(SingularMatrixError);
    await expect(matrix([[1, 2, 3], [4, 5, 6], [7, 8, 9]]).inverse().collect()).rejects.toThrow(SingularMatrixError);
  });

  it('rank-deficient least squares throws without ridge and is solved with it', async () => {
    const x = uniform(12, 2, rng(4)).map((r) => [r[0], r[1], 2 * r[0] - r[1]]);
    const y = uniform(12, 1, rng(5));
    await expect(matrix(x).lstsq(matrix(y)).collect()).rejects.toThrow(SingularMatrixError);
    expectRowsClose(await collect(matrix(x).lstsq(matrix(y), 0.1)), ref.ridgeClosedForm(x, y, 0.1), 1e-10);
    // The same through linearRegression (normal equations + solve).
    const rel = fromColumns({ a: x.map((r) => r[0]), b: x.map((r) => r[1]), c: x.map((r) => r[2]), y: y.map((r) => r[0]) });
    const X = rel.toMatrix(['a', 'b', 'c']);
    await expect(linearRegression(X, rel.toMatrix(['y'])).collect()).rejects.toThrow(SingularMatrixError);
    expectRowsClose(await collect(linearRegression(X, rel.toMatrix(['y']), { ridge: 0.1 })), ref.ridgeClosedForm(x, y, 0.1), 1e-10);
  });

  it('NaN or Infinity reaching a factorization is a NonFiniteInputError', async () => {
    const nanA = [[1, NaN], [0, 1]];
    for (const method of ['auto', 'cholesky', 'lu'] as const) {
      await expect(matrix(nanA).solve(matrix([[1], [1]]), method).collect()).rejects.toThrow(NonFiniteInputError);
      await expect(identity(2).solve(matrix([[Infinity], [1]]), method).collect()).rejects.toThrow(NonFiniteInputError);
    }
    await expect(matrix(nanA).inverse().collect()).rejects.toThrow(NonFiniteInputError);
    await expect(matrix([[1], [NaN]]).lstsq(matrix([[1], [2]])).collect()).rejects.toThrow(NonFiniteInputError);
    // A NaN value (not a null) in a feature column reaches linearRegression's solve.
    const rel = fromColumns({ x: [1, NaN, 3, 4], y: [1, 2, 3, 4] });
    await expect(linearRegression(rel.toMatrix(['x'], { intercept: true }), rel.toMatrix(['y'])).collect()).rejects.toThrow(NonFiniteInputError);
  });
});
