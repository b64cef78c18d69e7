/**
 * R6: toMatrix(rel)[:, c] = toMatrix(π_c rel): a column selection over toMatrix keeps
 * only the features it reads (with a residual selection for part of a block, repeats or
 * an intercept out of place). Plan snapshots, the cases where it must not fire, and
 * equivalence on seeded data.
 */
import { describe, expect, it } from 'vitest';
import { type PlanNode, fromColumns, matrix, planDigest } from '../../../src/index.js';
import { toMatrixProjection } from '../../../src/optimizer/rules/r6-tomatrix-projection.js';
import { rng } from '../../matrix/reference.js';
import { applyRule, expectSameResultAndNames, planText } from '../../support/plans.js';

const CITIES = ['Lyon', 'Nice', 'Paris', 'Rome'];

/** 250 seeded rows: x1, x2, x3 numeric, city (4 values), tag (strings for hashing). */
function inputs() {
  const rand = rng(6);
  const n = 250;
  const num = () => Float64Array.from({ length: n }, () => rand() * 10 - 5);
  const rel = fromColumns(
    {
      x1: num(),
      x2: num(),
      x3: num(),
      city: Array.from({ length: n }, () => CITIES[Math.floor(rand() * CITIES.length)]),
      tag: Array.from({ length: n }, () => `t${Math.floor(rand() * 20)}`),
    },
    { name: 'items' },
  );
  // Columns: 0 x1 | 1 standardize(x2) | 2..5 city=… | 6..8 tag#0..2 | 9 x3 | 10 intercept
  const X = rel.toMatrix(['x1', { standardize: 'x2' }, { onehot: 'city' }, { hash: 'tag', buckets: 3 }, 'x3'], { intercept: true });
  return { rel, X };
}

/** Selections copy values; standardization is recomputed over the same rows: relative 1e-12. */
const TOL = 1e-12;

/** Same values (within TOL) and the same matrix column names. */
const expectEquivalent = (before: PlanNode, after: PlanNode) => expectSameResultAndNames(before, after, TOL);

describe('r6-tomatrix-projection', () => {
  it('keeps only the selected features: toMatrix(rel)[:, [x3, x1]] = toMatrix(rel, [x3, x1])', async () => {
    const { X } = inputs();
    const before = X.select('x3', 'x1').plan;
    const { plan: after, fired } = applyRule(before, toMatrixProjection);
    expect(planText(before)).toMatchInlineSnapshot(`
      "SelectCols [9, 0]
      └─ ToMatrix x1, standardize(x2), onehot(city: 4), hash(tag, 3), x3, intercept
         └─ Scan items"
    `);
    expect(fired).toBe(true);
    expect(planText(after)).toMatchInlineSnapshot(`
      "ToMatrix x3, x1
      └─ Scan items"
    `);
    await expectEquivalent(before, after);
  });

  it('keeps whole one-hot blocks, a standardized column and the intercept (last) without a residual selection', async () => {
    const { X } = inputs();
    const before = X.select('city=Lyon', 'city=Nice', 'city=Paris', 'city=Rome', 'x2', 'intercept').plan;
    const { plan: after, fired } = applyRule(before, toMatrixProjection);
    expect(fired).toBe(true);
    expect(planText(after)).toMatchInlineSnapshot(`
      "ToMatrix onehot(city: 4), standardize(x2), intercept
      └─ Scan items"
    `);
    await expectEquivalent(before, after);
  });

  it('leaves a residual selection for part of a one-hot or hash block, a repeat, or the intercept first', async () => {
    const { X } = inputs();
    const before = X.select('intercept', 'city=Paris', 'tag#2', 'city=Paris').matmul(matrix([[1], [2], [3], [4]])).plan;
    const { plan: after, fired } = applyRule(before, toMatrixProjection);
    expect(planText(before)).toMatchInlineSnapshot(`
      "MatMul
      ├─ SelectCols [10, 4, 8, 4]
      │  └─ ToMatrix x1, standardize(x2), onehot(city: 4), hash(tag, 3), x3, intercept
      │     └─ Scan items
      └─ Matrix 4×1"
    `);
    expect(fired).toBe(true);
    expect(planText(after)).toMatchInlineSnapshot(`
      "MatMul
      ├─ SelectCols [7, 2, 6, 2]
      │  └─ ToMatrix onehot(city: 4), hash(tag, 3), intercept
      │     └─ Scan items
      └─ Matrix 4×1"
    `);
    await expectEquivalent(before, after);
  });

  it('drops an identity selection', async () => {
    const { X } = inputs();
    const all = Array.from({ length: 11 }, (_, j) => j);
    const before = X.select(...all).plan;
    const { plan: after, fired } = applyRule(before, toMatrixProjection);
    expect(fired).toBe(true);
    expect(planDigest(after)).toBe(planDigest(X.plan));
    expect(planText(after)).toMatchInlineSnapshot(`
      "ToMatrix x1, standardize(x2), onehot(city: 4), hash(tag, 3), x3, intercept
      └─ Scan items"
    `);
    await expectEquivalent(before, after);
  });

  it('does not fire when every feature keeps a column but the selection is not whole blocks', () => {
    const { X } = inputs();
    const before = X.select('x1', 'x2', 'city=Rome', 'tag#0', 'x3', 'intercept').plan;
    expect(planText(before)).toMatchInlineSnapshot(`
      "SelectCols [0, 1, 5, 6, 9, 10]
      └─ ToMatrix x1, standardize(x2), onehot(city: 4), hash(tag, 3), x3, intercept
         └─ Scan items"
    `);
    expect(applyRule(before, toMatrixProjection).fired).toBe(false);
  });

  it('takes no residual form when the full toMatrix has another reader (it is encoded anyway)', () => {
    const { X } = inputs();
    const before = X.select('city=Paris', 'x1').hstack(X).plan;
    expect(planText(before)).toMatchInlineSnapshot(`
      "HStack
      ├─ SelectCols [4, 0]
      │  └─ ToMatrix x1, standardize(x2), onehot(city: 4), hash(tag, 3), x3, intercept
      │     └─ Scan items
      └─ ToMatrix x1, standardize(x2), onehot(city: 4), hash(tag, 3), x3, intercept
         └─ Scan items"
    `);
    expect(applyRule(before, toMatrixProjection).fired).toBe(false);
  });

  it('does not fire on a selection of something other than toMatrix', () => {
    const { X } = inputs();
    expect(applyRule(X.abs().select(0).plan, toMatrixProjection).fired).toBe(false);
  });
});
