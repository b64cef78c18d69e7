/**
 * R5 (rows) for factorized join matrices: sampled rows taken from the blocks, and from
 * the key map for a gathered block, so the joined matrix is never built. Plan
 * snapshots before/after, cases outside the precondition, and equivalence (the same
 * rows, in the same order) on a star schema with unmatched and null foreign keys,
 * repeated keys and dimension rows nobody references.
 */
import { describe, expect, it } from 'vitest';
import { type Matrix, kmeans } from '../../../src/index.js';
import { rowSamplingThroughKeyGathers } from '../../../src/optimizer/rules/r5-row-sampling-through-key-gathers.js';
import { factorized, gathered, starSchema } from '../../support/factorized.js';
import { applyRule, expectSameResult, planText, rewriteMatrix } from '../../support/plans.js';

/** Sampling moves values without arithmetic: the results are equal. */
const TOL = 0;

const rewrite = (m: Matrix<number, number>) => rewriteMatrix(m, rowSamplingThroughKeyGathers);

describe('r5-row-sampling-through-key-gathers', () => {
  it('sample(K·D) = sample(K)·D', async () => {
    const { joined, stores } = starSchema();
    const G = gathered(joined, stores, { fact: ['rid'], dim: ['rid'] }, stores.toMatrix(['r1', 'r2']));
    const { before, after, fired } = rewrite(G.sampleRows(5, 3));
    expect(planText(before)).toMatchInlineSnapshot(`
      "SampleRows 5 rows, seed 3
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
      "GatherByKey
      ├─ SampleRows 5 rows, seed 3
      │  └─ KeyMap rid
      │     ├─ Join inner on rid
      │     │  ├─ Scan S
      │     │  └─ Scan R
      │     └─ Scan R
      └─ ToMatrix r1, r2
         └─ Scan R"
    `);
    await expectSameResult(before, after, { tolerance: TOL });
  });

  it('sample([X₁, K·D, X₃]) = [sample(X₁), sample(K)·D, sample(X₃)], with the same count and seed in every block', async () => {
    const { joined } = starSchema();
    const T = factorized(joined.toMatrix(['s1', 'r1', 'r2', 's2']));
    const { before, after, fired } = rewrite(T.sampleRows(4, 11));
    expect(planText(before)).toMatchInlineSnapshot(`
      "SampleRows 4 rows, seed 11
      └─ HStack
         ├─ ToMatrix s1
         │  └─ Join inner on rid
         │     ├─ Scan S
         │     └─ Scan R
         ├─ GatherByKey
         │  ├─ KeyMap rid
         │  │  ├─ Join inner on rid
         │  │  │  ├─ Scan S
         │  │  │  └─ Scan R
         │  │  └─ Scan R
         │  └─ ToMatrix r1, r2
         │     └─ Scan R
         └─ ToMatrix s2
            └─ Join inner on rid
               ├─ Scan S
               └─ Scan R"
    `);
    expect(fired).toBe(true);
    expect(planText(after)).toMatchInlineSnapshot(`
      "HStack
      ├─ SampleRows 4 rows, seed 11
      │  └─ ToMatrix s1
      │     └─ Join inner on rid
      │        ├─ Scan S
      │        └─ Scan R
      ├─ GatherByKey
      │  ├─ SampleRows 4 rows, seed 11
      │  │  └─ KeyMap rid
      │  │     ├─ Join inner on rid
      │  │     │  ├─ Scan S
      │  │     │  └─ Scan R
      │  │     └─ Scan R
      │  └─ ToMatrix r1, r2
      │     └─ Scan R
      └─ SampleRows 4 rows, seed 11
         └─ ToMatrix s2
            └─ Join inner on rid
               ├─ Scan S
               └─ Scan R"
    `);
    await expectSameResult(before, after, { tolerance: TOL });
    await expectSameResult(joined.toMatrix(['s1', 'r1', 'r2', 's2']).sampleRows(4, 11).plan, after, { tolerance: TOL });
  });

  it('k-means starts from sampled rows of the blocks and gives the same centroids', async () => {
    const { joined } = starSchema(2, 60);
    const features = ['s1', 'r1', 'r2'] as const;
    const before = kmeans(factorized(joined.toMatrix(features)), { k: 3, iterations: 3, seed: 5 }).plan;
    const { plan: after, fired } = applyRule(before, rowSamplingThroughKeyGathers);
    expect(fired).toBe(true);
    // The loop's initial state: sampled blocks, no sample of the stacked matrix.
    expect(after.kind === 'loop' && after.inputs[0].kind).toBe('hstack');
    await expectSameResult(before, after, { tolerance: 1e-12 });
    await expectSameResult(kmeans(joined.toMatrix(features), { k: 3, iterations: 3, seed: 5 }).plan, after, { tolerance: 1e-12 });
  });

  it('does not fire on samples of plain matrices: the matrix over the join, a stack of plain blocks, a dimension matrix', () => {
    const { joined, stores } = starSchema();
    const X = joined.toMatrix(['s1', 'r1', 'r2']);
    const stacked = joined.toMatrix(['s1']).hstack(joined.toMatrix(['r1']));
    for (const m of [X.sampleRows(3, 1), stacked.sampleRows(3, 1), stores.toMatrix(['r1', 'r2']).sampleRows(3, 1)]) {
      const { plan, fired } = applyRule(m.plan, rowSamplingThroughKeyGathers);
      expect(fired).toBe(false);
      expect(plan).toBe(m.plan);
    }
  });

  it('picks the same rows as sampling the joined matrix, for several counts, seeds and sizes, over two dimensions and a one-hot block', async () => {
    for (const [seed, n] of [[4, 25], [5, 60], [6, 90]] as const) {
      const { joined2 } = starSchema(seed, n);
      const features = [{ onehot: 'region' }, 'p2', 's1', 'r2', 's2', 'p3', 'r1'] as const;
      for (const [count, s] of [[1, seed], [5, 2 * seed], [12, 7]] as const) {
        const { before, after, fired } = rewrite(factorized(joined2.toMatrix(features, { intercept: true })).sampleRows(count, s));
        expect(fired).toBe(true);
        await expectSameResult(before, after, { tolerance: TOL });
        await expectSameResult(joined2.toMatrix(features, { intercept: true }).sampleRows(count, s).plan, after, { tolerance: TOL });
      }
    }
  });
});
