/**
 * R1: products of a factorized join matrix, T·W, block by block and the dimension
 * blocks before the gather. Plan snapshots before/after, cases outside the
 * precondition (no gather, the factorized matrix on the right, W's rows unknown), and
 * equivalence on a star schema with unmatched and null foreign keys, repeated keys and
 * dimension rows nobody references.
 */
import { describe, expect, it } from 'vitest';
import { type Matrix, matrix } from '../../../src/index.js';
import { productsThroughKeyGathers } from '../../../src/optimizer/rules/r1-products-through-key-gathers.js';
import { rng, uniform } from '../../matrix/reference.js';
import { factorized, gathered, starSchema } from '../../support/factorized.js';
import { applyRule, expectSameResult, planText, rewriteMatrix } from '../../support/plans.js';

/** Sums of ~40 products of terms of a few units: relative 1e-10 of the largest value is ample. */
const TOL = 1e-10;

const rewrite = (m: Matrix<number, number>) => rewriteMatrix(m, productsThroughKeyGathers);

/** The store block K·R[r1, r2] over S ⋈ R, built by hand. */
function storeGather(seed = 1, n = 40) {
  const s = starSchema(seed, n);
  return { ...s, G: gathered(s.joined, s.stores, { fact: ['rid'], dim: ['rid'] }, s.stores.toMatrix(['r1', 'r2'])) };
}

describe('r1-products-through-key-gathers', () => {
  it('(K·D)·W = K·(D·W)', async () => {
    const { G } = storeGather();
    const W = matrix([[1, -2, 0.5], [0.25, 3, -1]], { name: 'W' });
    const { before, after, fired } = rewrite(G.matmul(W));
    expect(planText(before)).toMatchInlineSnapshot(`
      "MatMul
      ├─ GatherByKey
      │  ├─ KeyMap rid
      │  │  ├─ Join inner on rid
      │  │  │  ├─ Scan S
      │  │  │  └─ Scan R
      │  │  └─ Scan R
      │  └─ ToMatrix r1, r2
      │     └─ Scan R
      └─ Matrix W"
    `);
    expect(fired).toBe(true);
    expect(planText(after)).toMatchInlineSnapshot(`
      "GatherByKey
      ├─ KeyMap rid
      │  ├─ Join inner on rid
      │  │  ├─ Scan S
      │  │  └─ Scan R
      │  └─ Scan R
      └─ MatMul
         ├─ ToMatrix r1, r2
         │  └─ Scan R
         └─ Matrix W"
    `);
    await expectSameResult(before, after, { tolerance: TOL });
  });

  it('[X₁, K·D, X₃]·W = X₁·W₁ + K·(D·W₂) + X₃·W₃, W split at the blocks\' columns', async () => {
    const { joined } = starSchema();
    const T = factorized(joined.toMatrix(['s1', 'r1', 'r2', 's2']));
    const W = matrix([[1, 2], [3, 4], [5, 6], [7, 8]], { name: 'W' });
    const { before, after, fired } = rewrite(T.matmul(W));
    expect(planText(before)).toMatchInlineSnapshot(`
      "MatMul
      ├─ HStack
      │  ├─ ToMatrix s1
      │  │  └─ Join inner on rid
      │  │     ├─ Scan S
      │  │     └─ Scan R
      │  ├─ GatherByKey
      │  │  ├─ KeyMap rid
      │  │  │  ├─ Join inner on rid
      │  │  │  │  ├─ Scan S
      │  │  │  │  └─ Scan R
      │  │  │  └─ Scan R
      │  │  └─ ToMatrix r1, r2
      │  │     └─ Scan R
      │  └─ ToMatrix s2
      │     └─ Join inner on rid
      │        ├─ Scan S
      │        └─ Scan R
      └─ Matrix W"
    `);
    expect(fired).toBe(true);
    expect(planText(after)).toMatchInlineSnapshot(`
      "Elementwise add
      ├─ Elementwise add
      │  ├─ MatMul
      │  │  ├─ ToMatrix s1
      │  │  │  └─ Join inner on rid
      │  │  │     ├─ Scan S
      │  │  │     └─ Scan R
      │  │  └─ SliceRows 0..0
      │  │     └─ Matrix W
      │  └─ GatherByKey
      │     ├─ KeyMap rid
      │     │  ├─ Join inner on rid
      │     │  │  ├─ Scan S
      │     │  │  └─ Scan R
      │     │  └─ Scan R
      │     └─ MatMul
      │        ├─ ToMatrix r1, r2
      │        │  └─ Scan R
      │        └─ SliceRows 1..2
      │           └─ Matrix W
      └─ MatMul
         ├─ ToMatrix s2
         │  └─ Join inner on rid
         │     ├─ Scan S
         │     └─ Scan R
         └─ SliceRows 3..3
            └─ Matrix W"
    `);
    await expectSameResult(before, after, { tolerance: TOL });
    // And the factorized product is the product of the joined matrix.
    await expectSameResult(joined.toMatrix(['s1', 'r1', 'r2', 's2']).matmul(W).plan, after, { tolerance: TOL });
  });

  it('goes into a learner-style expression: σ(T·w) with the intercept in the store block', async () => {
    const { joined } = starSchema(2);
    const T = factorized(joined.toMatrix(['s1', 'r1', 'r2'], { intercept: true }));
    const w = matrix([[0.5], [-1], [2], [0.1]], { name: 'w' });
    const { before, after, fired } = rewrite(T.matmul(w).sigmoid());
    expect(fired).toBe(true);
    expect(planText(after)).toMatchInlineSnapshot(`
      "Map sigmoid
      └─ Elementwise add
         ├─ MatMul
         │  ├─ ToMatrix s1
         │  │  └─ Join inner on rid
         │  │     ├─ Scan S
         │  │     └─ Scan R
         │  └─ SliceRows 0..0
         │     └─ Matrix w
         └─ GatherByKey
            ├─ KeyMap rid
            │  ├─ Join inner on rid
            │  │  ├─ Scan S
            │  │  └─ Scan R
            │  └─ Scan R
            └─ MatMul
               ├─ ToMatrix r1, r2, intercept
               │  └─ Scan R
               └─ SliceRows 1..3
                  └─ Matrix w"
    `);
    await expectSameResult(before, after, { tolerance: TOL });
  });

  it('two dimensions and a one-hot block: no product reads a gathered or stacked matrix afterwards', async () => {
    const { joined2 } = starSchema(3);
    const features = ['s1', 'r1', { onehot: 'region' }, 'p1', 'p2', 's2'] as const;
    const T = factorized(joined2.toMatrix(features, { intercept: true }));
    const W = matrix(uniform(T.shape.cols, 3, rng(7), -1, 1), { name: 'W' });
    const { before, after, fired } = rewrite(T.matmul(W));
    expect(fired).toBe(true);
    const text = planText(after);
    expect(text).not.toContain('HStack');
    // One gather per dimension block, each over a product of the dimension's matrix.
    expect(text.match(/GatherByKey/g)).toHaveLength(2);
    expect(after.kind).toBe('elementwise');
    await expectSameResult(before, after, { tolerance: TOL });
    await expectSameResult(joined2.toMatrix(features, { intercept: true }).matmul(W).plan, after, { tolerance: TOL });
  });

  it('does not fire without a gather: a plain matrix over the join, or blocks none of which is gathered', () => {
    const { joined, stores } = starSchema();
    const W = matrix([[1], [2], [3]], { name: 'W' });
    const plain = joined.toMatrix(['s1', 'r1', 'r2']).matmul(W);
    const stacked = joined.toMatrix(['s1']).hstack(joined.toMatrix(['r1', 'r2'])).matmul(W);
    const dimension = stores.toMatrix(['rid', 'r1', 'r2']).matmul(W);
    for (const m of [plain, stacked, dimension]) {
      const { plan, fired } = applyRule(m.plan, productsThroughKeyGathers);
      expect(fired).toBe(false);
      expect(plan).toBe(m.plan);
    }
  });

  it('does not fire with the factorized matrix on the right (A·T: the joined rows are the inner dimension)', () => {
    const { joined } = starSchema();
    const T = factorized(joined.toMatrix(['s1', 'r1', 'r2']));
    // T's row count is only known at run time, so any A is accepted while planning.
    const A = matrix([Array.from({ length: 34 }, () => 1)], { name: 'A' });
    const product = A.matmul(T as never);
    expect(applyRule(product.plan, productsThroughKeyGathers).fired).toBe(false);
  });

  it("does not fire on blocks when W's row count is only known at run time (the split needs it)", () => {
    const { joined, sales } = starSchema();
    const T = factorized(joined.toMatrix(['s1', 'r1', 'r2']));
    // Three rows of W at run time, but a filter's row count is not known while planning.
    const W = sales.filter((r) => r.s2.gt(100)).toMatrix(['s1']);
    expect(W.shape.rows).toBeNull();
    expect(applyRule(T.matmul(W).plan, productsThroughKeyGathers).fired).toBe(false);
  });

  it('gives the product of the joined matrix on several seeds and sizes', async () => {
    for (const [seed, n] of [[4, 25], [5, 60], [6, 90]] as const) {
      const { joined } = starSchema(seed, n);
      const features = [{ onehot: 'region' }, 's1', 'r2', 's2', 'r1'] as const;
      const W = matrix(uniform(7, 2, rng(seed), -2, 2), { name: 'W' });
      const { before, after, fired } = rewrite(factorized(joined.toMatrix(features)).matmul(W));
      expect(fired).toBe(true);
      await expectSameResult(before, after, { tolerance: TOL });
      await expectSameResult(joined.toMatrix(features).matmul(W).plan, after, { tolerance: TOL });
    }
  });
});
