/**
 * R9: a matrix row predicate on relation columns becomes a relational filter:
 * filterRows(toMatrix(rel), cmp(toMatrix(rel)[:, j], a)) = toMatrix(Filter(rel, col cmp a)).
 * Plan snapshots, the cases where it must not fire, the comparison maps themselves, and
 * equivalence on seeded data.
 */
import { describe, expect, it } from 'vitest';
import { type PlanNode, fromColumns, matrix } from '../../../src/index.js';
import { matrixPredicateToFilter } from '../../../src/optimizer/rules/r9-matrix-predicate-to-filter.js';
import { rng, uniform } from '../../matrix/reference.js';
import { applyRule, expectSameResultAndNames, planText } from '../../support/plans.js';

const CITIES = ['Lyon', 'Nice', 'Paris'];

/** 300 seeded rows: k int32 in 0..9, x1..x3 in [-1, 1), city (3 values); and a city table. */
function inputs() {
  const rand = rng(9);
  const n = 300;
  const num = () => Float64Array.from({ length: n }, () => rand() * 2 - 1);
  const rel = fromColumns(
    {
      k: Int32Array.from({ length: n }, () => Math.floor(rand() * 10)),
      x1: num(),
      x2: num(),
      x3: num(),
      city: Array.from({ length: n }, () => CITIES[Math.floor(rand() * CITIES.length)]),
    },
    { name: 'points' },
  );
  const cities = fromColumns({ city: CITIES, pop: Float64Array.from([0.5, 0.3, 2.1]) }, { name: 'cities', primaryKey: ['city'] });
  const W = matrix(uniform(3, 4, rand, -1, 1), { name: 'W' });
  return { rel, cities, W };
}

/** Row selections copy values exactly; a product of 3 terms below 1: relative 1e-12. */
const TOL = 1e-12;

/** Same values (within TOL) and the same matrix column names. */
const expectEquivalent = (before: PlanNode, after: PlanNode) => expectSameResultAndNames(before, after, TOL);

describe('r9-matrix-predicate-to-filter', () => {
  it('filterRows(toMatrix(rel), toMatrix(rel)[:, x2] > 0) = toMatrix(Filter(rel, x2 > 0))', async () => {
    const { rel } = inputs();
    const T = rel.toMatrix(['x1', 'x2', 'x3']);
    // The mask reads a toMatrix equal by digest, built separately.
    const before = T.filterRows(rel.toMatrix(['x1', 'x2', 'x3']).select('x2').gt(0)).plan;
    const { plan: after, fired } = applyRule(before, matrixPredicateToFilter);
    expect(planText(before)).toMatchInlineSnapshot(`
      "FilterRows
      ├─ ToMatrix x1, x2, x3
      │  └─ Scan points
      └─ Map gt(0)
         └─ SelectCols [1]
            └─ ToMatrix x1, x2, x3
               └─ Scan points"
    `);
    expect(fired).toBe(true);
    expect(planText(after)).toMatchInlineSnapshot(`
      "ToMatrix x1, x2, x3
      └─ Filter ((x2 > 0) AND (x2 <= Infinity))
         └─ Scan points"
    `);
    await expectEquivalent(before, after);
  });

  it('conjunctions (mul) and disjunctions (max) of masks, on an integer column and from another toMatrix of rel', async () => {
    const { rel } = inputs();
    const T = rel.toMatrix(['x1', 'k', 'x2']);
    const other = rel.toMatrix(['x3']);
    const mask = T.select('x1').ge(-0.5).mul(T.select('k').ne(3)).maximum(other.select(0).lt(-0.9));
    const before = T.filterRows(mask).plan;
    const { plan: after, fired } = applyRule(before, matrixPredicateToFilter);
    expect(fired).toBe(true);
    expect(planText(after)).toMatchInlineSnapshot(`
      "ToMatrix x1, k, x2
      └─ Filter ((((x1 >= -0.5) AND (x1 <= Infinity)) AND (k <> 3)) OR (x3 < -0.9))
         └─ Scan points"
    `);
    await expectEquivalent(before, after);
    // An integer column compares with a float64 `a`, never narrowed to the column's type (1e20 is out of int32 range).
    for (const [cmp, value] of [['eq', 4], ['le', 4.5], ['gt', 4], ['lt', 1e20]] as const) {
      const b = T.filterRows(T.select('k')[cmp](value)).plan;
      const a = applyRule(b, matrixPredicateToFilter);
      expect(a.fired).toBe(true);
      await expectEquivalent(b, a.plan);
    }
  });

  it('filters below a row-wise product, and above a join (for predicate pushdown to move further)', async () => {
    const { rel, cities, W } = inputs();
    const joined = rel.join(cities, 'city');
    const T = joined.toMatrix(['x1', 'x2', 'pop']);
    const before = T.matmul(W.select(0, 1, 2).transpose().matmul(W)).filterRows(T.select('pop').gt(1)).plan;
    const { plan: after, fired } = applyRule(before, matrixPredicateToFilter);
    expect(planText(before)).toMatchInlineSnapshot(`
      "FilterRows
      ├─ MatMul
      │  ├─ ToMatrix x1, x2, pop
      │  │  └─ Join inner on city
      │  │     ├─ Scan points
      │  │     └─ Scan cities
      │  └─ MatMul
      │     ├─ Transpose
      │     │  └─ SelectCols [0, 1, 2]
      │     │     └─ Matrix W
      │     └─ Matrix W
      └─ Map gt(1)
         └─ SelectCols [2]
            └─ ToMatrix x1, x2, pop
               └─ Join inner on city
                  ├─ Scan points
                  └─ Scan cities"
    `);
    expect(fired).toBe(true);
    expect(planText(after)).toMatchInlineSnapshot(`
      "MatMul
      ├─ ToMatrix x1, x2, pop
      │  └─ Filter ((pop > 1) AND (pop <= Infinity))
      │     └─ Join inner on city
      │        ├─ Scan points
      │        └─ Scan cities
      └─ MatMul
         ├─ Transpose
         │  └─ SelectCols [0, 1, 2]
         │     └─ Matrix W
         └─ Matrix W"
    `);
    await expectEquivalent(before, after);
  });

  it('does not fire on a standardized or one-hot column, a standardized feature of the matrix, a float32 encoding, or a mask computed from a product', () => {
    const { rel, W } = inputs();
    const S = rel.toMatrix([{ standardize: 'x1' }, 'x2']);
    const O = rel.toMatrix(['x1', { onehot: 'city' }]);
    const F = rel.toMatrix(['x1', 'x2', 'x3'], { dtype: 'float32' });
    const T = rel.toMatrix(['x1', 'x2', 'x3']);
    const cases = [
      S.filterRows(S.select(0).gt(0)),
      S.filterRows(S.select(1).gt(0)),
      O.filterRows(O.select('city=Nice').eq(1)),
      F.filterRows(F.select(0).gt(0)),
      T.filterRows(T.matmul(W).select(0).gt(0)),
      T.filterRows(T.select(0).clip(0, 1)),
    ];
    expect(planText(cases[1].plan)).toMatchInlineSnapshot(`
      "FilterRows
      ├─ ToMatrix standardize(x1), x2
      │  └─ Scan points
      └─ Map gt(0)
         └─ SelectCols [1]
            └─ ToMatrix standardize(x1), x2
               └─ Scan points"
    `);
    for (const m of cases) expect(applyRule(m.plan, matrixPredicateToFilter).fired).toBe(false);
  });

  it('keeps NaN rows out of > and ≥ masks, as the matrix comparison does (the relational order puts NaN above every number)', async () => {
    const T = fromColumns({ x: [1, Number.NaN, 3, Number.POSITIVE_INFINITY, -2], y: [10, 20, 30, 40, 50] });
    const M = T.toMatrix(['x', 'y']);
    for (const m of [M.filterRows(M.select('x').gt(2)), M.filterRows(M.select('x').ge(-2)), M.filterRows(M.select('x').lt(2)), M.filterRows(M.select('x').ne(1))]) {
      const after = applyRule(m.plan, matrixPredicateToFilter);
      expect(after.fired).toBe(true);
      await expectSameResultAndNames(m.plan, after.plan, 0);
    }
  });

  it('comparison maps give 1/0 masks (NaN: only ne holds)', async () => {
    const m = matrix([[1], [Number.NaN], [3], [2]]);
    const expected: Record<string, number[]> = {
      gt: [0, 0, 1, 0],
      ge: [0, 0, 1, 1],
      lt: [1, 0, 0, 0],
      le: [1, 0, 0, 1],
      eq: [0, 0, 0, 1],
      ne: [1, 1, 1, 0],
    };
    for (const fn of ['gt', 'ge', 'lt', 'le', 'eq', 'ne'] as const) {
      const out = await m[fn](2).collect({ optimize: false });
      expect([...out.data]).toEqual(expected[fn]);
    }
    expect(m.gt(2).explain()).toContain('Map gt(2)');
  });
});
