/**
 * R3: the Gram matrix TᵀT of a factorized join matrix by blocks; a gathered block's
 * diagonal block is Dᵀ·diag(Kᵀ·1)·D. Plan snapshots before/after, cases outside the
 * precondition (no gather, two operands), and equivalence with the Gram matrix of the
 * joined matrix on a star schema with unmatched and null foreign keys, repeated keys
 * and dimension rows nobody references.
 */
import { describe, expect, it } from 'vitest';
import { type Matrix, linearRegression } from '../../../src/index.js';
import { crossProductsThroughKeyGathers } from '../../../src/optimizer/rules/r2-cross-products-through-key-gathers.js';
import { gramByBlocks } from '../../../src/optimizer/rules/r3-gram-by-blocks.js';
import { runRules } from '../../../src/optimizer/driver.js';
import { postOrder } from '../../../src/plan/node.js';
import { factorized, gathered, starSchema } from '../../support/factorized.js';
import { applyRule, expectSameResult, planText, rewriteMatrix } from '../../support/plans.js';

/** Sums of ~40 products of terms of a few units: relative 1e-10 of the largest value is ample. */
const TOL = 1e-10;

const rewrite = (m: Matrix<number, number>) => rewriteMatrix(m, gramByBlocks);

describe('r3-gram-by-blocks', () => {
  it('(K·D)ᵀ(K·D) = Dᵀ·(D ⊙ Kᵀ·1): dimension rows weighted by their counts', async () => {
    const { joined, stores } = starSchema();
    const G = gathered(joined, stores, { fact: ['rid'], dim: ['rid'] }, stores.toMatrix(['r1', 'r2']));
    const { before, after, fired } = rewrite(G.crossprod());
    expect(planText(before)).toMatchInlineSnapshot(`
      "CrossProd
      └─ GatherByKey
         ├─ KeyMap rid
         │  ├─ Join inner on rid
         │  │  ├─ Scan S
         │  │  └─ Scan R
         │  └─ Scan R
         └─ ToMatrix r1, r2
            └─ Scan R"
    `);
    expect(fired).toBe(true);
    expect(planText(after)).toMatchInlineSnapshot(`
      "CrossProd
      ├─ ReferencedRows
      │  ├─ KeyMap rid
      │  │  ├─ Join inner on rid
      │  │  │  ├─ Scan S
      │  │  │  └─ Scan R
      │  │  └─ Scan R
      │  └─ ToMatrix r1, r2
      │     └─ Scan R
      └─ Elementwise mul
         ├─ ReferencedRows
         │  ├─ KeyMap rid
         │  │  ├─ Join inner on rid
         │  │  │  ├─ Scan S
         │  │  │  └─ Scan R
         │  │  └─ Scan R
         │  └─ ToMatrix r1, r2
         │     └─ Scan R
         └─ KeyCounts
            └─ KeyMap rid
               ├─ Join inner on rid
               │  ├─ Scan S
               │  └─ Scan R
               └─ Scan R"
    `);
    await expectSameResult(before, after, { tolerance: TOL });
  });

  it('[X₁, K·D]ᵀ[X₁, K·D] = [[X₁ᵀX₁, X₁ᵀ(K·D)], [(X₁ᵀ(K·D))ᵀ, Dᵀ·diag(Kᵀ·1)·D]]', async () => {
    const { joined } = starSchema();
    const T = factorized(joined.toMatrix(['s1', 'r1', 'r2']));
    const { before, after, fired } = rewrite(T.crossprod());
    expect(planText(before)).toMatchInlineSnapshot(`
      "CrossProd
      └─ HStack
         ├─ ToMatrix s1
         │  └─ Join inner on rid
         │     ├─ Scan S
         │     └─ Scan R
         └─ GatherByKey
            ├─ KeyMap rid
            │  ├─ Join inner on rid
            │  │  ├─ Scan S
            │  │  └─ Scan R
            │  └─ Scan R
            └─ ToMatrix r1, r2
               └─ Scan R"
    `);
    expect(fired).toBe(true);
    // The off-diagonal blocks are cross-products with a gather: R2 takes them from here.
    expect(planText(after)).toMatchInlineSnapshot(`
      "VStack
      ├─ HStack
      │  ├─ CrossProd
      │  │  └─ ToMatrix s1
      │  │     └─ Join inner on rid
      │  │        ├─ Scan S
      │  │        └─ Scan R
      │  └─ CrossProd
      │     ├─ ToMatrix s1
      │     │  └─ Join inner on rid
      │     │     ├─ Scan S
      │     │     └─ Scan R
      │     └─ GatherByKey
      │        ├─ KeyMap rid
      │        │  ├─ Join inner on rid
      │        │  │  ├─ Scan S
      │        │  │  └─ Scan R
      │        │  └─ Scan R
      │        └─ ToMatrix r1, r2
      │           └─ Scan R
      └─ HStack
         ├─ Transpose
         │  └─ CrossProd
         │     ├─ ToMatrix s1
         │     │  └─ Join inner on rid
         │     │     ├─ Scan S
         │     │     └─ Scan R
         │     └─ GatherByKey
         │        ├─ KeyMap rid
         │        │  ├─ Join inner on rid
         │        │  │  ├─ Scan S
         │        │  │  └─ Scan R
         │        │  └─ Scan R
         │        └─ ToMatrix r1, r2
         │           └─ Scan R
         └─ CrossProd
            ├─ ReferencedRows
            │  ├─ KeyMap rid
            │  │  ├─ Join inner on rid
            │  │  │  ├─ Scan S
            │  │  │  └─ Scan R
            │  │  └─ Scan R
            │  └─ ToMatrix r1, r2
            │     └─ Scan R
            └─ Elementwise mul
               ├─ ReferencedRows
               │  ├─ KeyMap rid
               │  │  ├─ Join inner on rid
               │  │  │  ├─ Scan S
               │  │  │  └─ Scan R
               │  │  └─ Scan R
               │  └─ ToMatrix r1, r2
               │     └─ Scan R
               └─ KeyCounts
                  └─ KeyMap rid
                     ├─ Join inner on rid
                     │  ├─ Scan S
                     │  └─ Scan R
                     └─ Scan R"
    `);
    await expectSameResult(before, after, { tolerance: TOL });
    await expectSameResult(joined.toMatrix(['s1', 'r1', 'r2']).crossprod().plan, after, { tolerance: TOL });
  });

  it('three blocks over two dimensions, a one-hot block and the intercept; with R2, no cross-product reads a gather', async () => {
    const { joined2 } = starSchema(2);
    const features = ['s1', 'r1', { onehot: 'region' }, 'p1', 'p2', 'p3'] as const;
    const T = factorized(joined2.toMatrix(features, { intercept: true }));
    const { before, after, fired } = rewrite(T.crossprod());
    expect(fired).toBe(true);
    // 3×3 blocks: the upper triangle and diagonal computed, the lower triangle transposed.
    expect(after.kind).toBe('vstack');
    expect(after.inputs.map((row) => row.inputs.map((b) => b.kind))).toEqual([
      ['crossprod', 'crossprod', 'crossprod'],
      ['transpose', 'crossprod', 'crossprod'],
      ['transpose', 'transpose', 'crossprod'],
    ]);
    await expectSameResult(before, after, { tolerance: TOL });
    const gram = joined2.toMatrix(features, { intercept: true }).crossprod().plan;
    await expectSameResult(gram, after, { tolerance: TOL });
    // Composed with R2, as the optimizer runs them: the joined rows are only scattered.
    const both = runRules(before, [gramByBlocks, crossProductsThroughKeyGathers]).plan;
    const crosses = postOrder(both).filter((n) => n.kind === 'crossprod');
    expect(crosses.length).toBeGreaterThan(0);
    expect(crosses.filter((n) => n.inputs.some((i) => i.kind === 'gatherByKey' || i.kind === 'hstack'))).toEqual([]);
    await expectSameResult(gram, both, { tolerance: TOL });
  });

  it('the normal equations of linear regression over the join give the same coefficients', async () => {
    const { joined } = starSchema(3, 60);
    const features = ['s1', 'r1', 'r2'] as const;
    const y = joined.toMatrix(['s2']);
    const before = linearRegression(factorized(joined.toMatrix(features, { intercept: true })), y).plan;
    const { plan: after, fired } = applyRule(before, gramByBlocks);
    expect(fired).toBe(true);
    await expectSameResult(before, after, { tolerance: 1e-8 });
    await expectSameResult(linearRegression(joined.toMatrix(features, { intercept: true }), y).plan, after, { tolerance: 1e-8 });
  });

  it('does not fire without a gather, or on a two-operand cross-product (R2)', () => {
    const { joined, stores } = starSchema();
    const G = gathered(joined, stores, { fact: ['rid'], dim: ['rid'] }, stores.toMatrix(['r1', 'r2']));
    const T = factorized(joined.toMatrix(['s1', 'r1']));
    const X = joined.toMatrix(['s1', 'r1', 'r2']);
    const stacked = joined.toMatrix(['s1']).hstack(joined.toMatrix(['r1']));
    for (const m of [X.crossprod(), stacked.crossprod(), stores.toMatrix(['r1', 'r2']).crossprod(), G.crossprod(X), T.crossprod(X)]) {
      const { plan, fired } = applyRule(m.plan, gramByBlocks);
      expect(fired).toBe(false);
      expect(plan).toBe(m.plan);
    }
  });

  it('gives the Gram matrix of the joined matrix on several seeds and sizes', async () => {
    for (const [seed, n] of [[4, 25], [5, 60], [6, 90]] as const) {
      const { joined2 } = starSchema(seed, n);
      const features = [{ onehot: 'region' }, 'p2', 's1', 'r2', 's2', 'p3', 'r1'] as const;
      const { before, after, fired } = rewrite(factorized(joined2.toMatrix(features)).crossprod());
      expect(fired).toBe(true);
      await expectSameResult(before, after, { tolerance: TOL });
      await expectSameResult(joined2.toMatrix(features).crossprod().plan, after, { tolerance: TOL });
    }
  });
});
