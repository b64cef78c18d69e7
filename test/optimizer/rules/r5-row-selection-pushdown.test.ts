/**
 * R5 (rows): σ_p(appendColumns(rel, M)) = appendColumns(σ_p(rel), M[rel := σ_p(rel)])
 * when p reads only rel's columns and M is row-wise in rel. Plan snapshots, the cases
 * where it must not fire (standardize, a predicate on the matrix columns, operands that
 * depend on all rows), `restrictRows` itself, and equivalence on seeded data.
 */
import { describe, expect, it } from 'vitest';
import { fromColumns, matrix } from '../../../src/index.js';
import { rowSelectionPushdown } from '../../../src/optimizer/rules/r5-row-selection-pushdown.js';
import { restrictRows } from '../../../src/optimizer/row-restriction.js';
import { rng, uniform } from '../../matrix/reference.js';
import { applyRule, expectSameResult, planText } from '../../support/plans.js';

const CITIES = ['Lyon', 'Nice', 'Paris', 'Rome'];
const SEGMENTS = ['a', 'b', 'c'];

/** 400 seeded rows: id, segment (3 values), city (4 values), x1..x3 in [-1, 1). */
function inputs() {
  const rand = rng(51);
  const n = 400;
  const num = () => Float64Array.from({ length: n }, () => rand() * 2 - 1);
  const rel = fromColumns(
    {
      id: Int32Array.from({ length: n }, (_, i) => i),
      segment: Array.from({ length: n }, () => SEGMENTS[Math.floor(rand() * SEGMENTS.length)]),
      city: Array.from({ length: n }, () => CITIES[Math.floor(rand() * CITIES.length)]),
      x1: num(),
      x2: num(),
      x3: num(),
    },
    { name: 'customers', primaryKey: ['id'] },
  );
  const W = matrix(uniform(3, 5, rand, -1, 1), { name: 'W' });
  const V = matrix(uniform(10, 2, rand, -1, 1), { name: 'V' });
  const bias = matrix(uniform(1, 2, rand, -1, 1), { name: 'b' });
  return { rel, W, V, bias };
}

/** Sums of at most 10 products of terms ≤ 4 in magnitude: relative 1e-12 in float64. */
const TOL = 1e-12;

describe('r5-row-selection-pushdown', () => {
  it('σ_p(X·W) = σ_p(X)·W at the bridge', async () => {
    const { rel, W } = inputs();
    const scored = rel.withMatrixColumns(rel.toMatrix(['x1', 'x2', 'x3']).matmul(W).select(0, 4), ['s1', 's2']);
    const before = scored.filter((r) => r.segment.eq('b')).plan;
    const { plan: after, fired } = applyRule(before, rowSelectionPushdown);
    expect(planText(before)).toMatchInlineSnapshot(`
      "Filter (segment = 'b')
      └─ AppendColumns s1, s2
         ├─ Scan customers
         └─ SelectCols [0, 4]
            └─ MatMul
               ├─ ToMatrix x1, x2, x3
               │  └─ Scan customers
               └─ Matrix W"
    `);
    expect(fired).toBe(true);
    expect(planText(after)).toMatchInlineSnapshot(`
      "AppendColumns s1, s2
      ├─ Filter (segment = 'b')
      │  └─ Scan customers
      └─ SelectCols [0, 4]
         └─ MatMul
            ├─ ToMatrix x1, x2, x3
            │  └─ Filter (segment = 'b')
            │     └─ Scan customers
            └─ Matrix W"
    `);
    await expectSameResult(before, after, { tolerance: TOL });
  });

  it('through one-hot, hash and intercept features, maps, a row bias, row sums and hstack', async () => {
    const { rel, V, bias } = inputs();
    const X = rel.toMatrix(['x1', { onehot: 'city' }, { hash: 'segment', buckets: 4 }], { intercept: true });
    const M = X.matmul(V).add(bias).sigmoid().hstack(X.rowSums(), rel.toMatrix(['x2']).mul(X.select(0)));
    const before = rel
      .withMatrixColumns(M, ['p1', 'p2', 'total', 'x1x2'])
      .filter((r) => r.x3.gt(0).and(r.city.ne('Nice')))
      .plan;
    const { plan: after, fired } = applyRule(before, rowSelectionPushdown);
    expect(fired).toBe(true);
    expect(planText(after)).toMatchInlineSnapshot(`
      "AppendColumns p1, p2, total, x1x2
      ├─ Filter ((x3 > 0) AND (city <> 'Nice'))
      │  └─ Scan customers
      └─ HStack
         ├─ Map sigmoid
         │  └─ Elementwise add
         │     ├─ MatMul
         │     │  ├─ ToMatrix x1, onehot(city: 4), hash(segment, 4), intercept
         │     │  │  └─ Filter ((x3 > 0) AND (city <> 'Nice'))
         │     │  │     └─ Scan customers
         │     │  └─ Matrix V
         │     └─ Matrix b
         ├─ Reduce rowSums
         │  └─ ToMatrix x1, onehot(city: 4), hash(segment, 4), intercept
         │     └─ Filter ((x3 > 0) AND (city <> 'Nice'))
         │        └─ Scan customers
         └─ Elementwise mul
            ├─ ToMatrix x2
            │  └─ Filter ((x3 > 0) AND (city <> 'Nice'))
            │     └─ Scan customers
            └─ SelectCols [0]
               └─ ToMatrix x1, onehot(city: 4), hash(segment, 4), intercept
                  └─ Filter ((x3 > 0) AND (city <> 'Nice'))
                     └─ Scan customers"
    `);
    await expectSameResult(before, after, { tolerance: TOL });
  });

  it('does not fire over a standardized feature (fitted on all rows)', () => {
    const { rel, W } = inputs();
    const X = rel.toMatrix([{ standardize: 'x1' }, 'x2', 'x3']);
    const before = rel.withMatrixColumns(X.matmul(W).select(0), ['s']).filter((r) => r.segment.eq('a')).plan;
    expect(planText(before)).toMatchInlineSnapshot(`
      "Filter (segment = 'a')
      └─ AppendColumns s
         ├─ Scan customers
         └─ SelectCols [0]
            └─ MatMul
               ├─ ToMatrix standardize(x1), x2, x3
               │  └─ Scan customers
               └─ Matrix W"
    `);
    expect(applyRule(before, rowSelectionPushdown).fired).toBe(false);
  });

  it('of a conjunction, moves the conjuncts on relation columns and keeps those on matrix columns above', async () => {
    const { rel, W } = inputs();
    const before = rel
      .withMatrixColumns(rel.toMatrix(['x1', 'x2', 'x3']).matmul(W).select(0), ['s'])
      .filter((r) => r.s.gt(0).and(r.segment.eq('a')).and(r.x1.lt(0.5)))
      .plan;
    const { plan: after, fired } = applyRule(before, rowSelectionPushdown);
    expect(fired).toBe(true);
    expect(planText(after)).toMatchInlineSnapshot(`
      "Filter (s > 0)
      └─ AppendColumns s
         ├─ Filter ((segment = 'a') AND (x1 < 0.5))
         │  └─ Scan customers
         └─ SelectCols [0]
            └─ MatMul
               ├─ ToMatrix x1, x2, x3
               │  └─ Filter ((segment = 'a') AND (x1 < 0.5))
               │     └─ Scan customers
               └─ Matrix W"
    `);
    await expectSameResult(before, after, { tolerance: TOL });
  });

  it('does not fire when the predicate reads the appended matrix columns', () => {
    const { rel, W } = inputs();
    const before = rel
      .withMatrixColumns(rel.toMatrix(['x1', 'x2', 'x3']).matmul(W).select(0), ['s'])
      .filter((r) => r.s.gt(0).or(r.segment.eq('a')))
      .plan;
    expect(planText(before)).toMatchInlineSnapshot(`
      "Filter ((s > 0) OR (segment = 'a'))
      └─ AppendColumns s
         ├─ Scan customers
         └─ SelectCols [0]
            └─ MatMul
               ├─ ToMatrix x1, x2, x3
               │  └─ Scan customers
               └─ Matrix W"
    `);
    expect(applyRule(before, rowSelectionPushdown).fired).toBe(false);
  });

  it('keeps operands computed over all rows (column means, coefficients fitted on rel) on all rows', async () => {
    const { rel } = inputs();
    const X = rel.toMatrix(['x1', 'x2', 'x3']);
    const centered = X.sub(X.colMeans()).select(0);
    const gram = X.matmul(X.crossprod()).select(0);
    for (const m of [centered, gram]) {
      const before = rel.withMatrixColumns(m, ['v']).filter((r) => r.segment.eq('c')).plan;
      const after = applyRule(before, rowSelectionPushdown);
      expect(after.fired).toBe(true);
      await expectSameResult(before, after.plan, { tolerance: 1e-9 });
    }
  });

  it('does not fire when the appended relation has another reader', () => {
    const { rel, W } = inputs();
    const scored = rel.withMatrixColumns(rel.toMatrix(['x1', 'x2', 'x3']).matmul(W).select(0), ['s']);
    const before = scored.filter((r) => r.segment.eq('a')).unionAll(scored).plan;
    expect(applyRule(before, rowSelectionPushdown).fired).toBe(false);
  });

  it('restrictRows rewrites row-by-row matrices and rejects the rest', () => {
    const { rel, W, bias } = inputs();
    const X = rel.toMatrix(['x1', 'x2', 'x3']);
    const other = rel.filter((r) => r.x1.gt(0));
    const kept = rel.filter((r) => r.segment.eq('a')).plan;
    const yes = [
      X,
      X.matmul(W),
      X.matmul(W).select(1, 2).add(bias).exp(),
      X.rowMeans(),
      X.add(X.mul(2)),
      X.nearest(),
      X.hstack(X.abs()),
      X.sub(X.colMeans()),
      X.matmul(X.crossprod()),
    ];
    const no = [
      X.colSums(),
      X.filterRows(X.select(0).gt(0)),
      X.sampleRows(10, 1),
      rel.toMatrix([{ standardize: 'x1' }]),
      other.toMatrix(['x1']),
      X.add(matrix(uniform(400, 3, rng(1), -1, 1))),
    ];
    for (const m of yes) expect(restrictRows(m.plan, rel.plan, kept)).not.toBeNull();
    for (const m of no) expect(restrictRows(m.plan, rel.plan, kept)).toBeNull();
  });
});
