/**
 * R1/R2 for sums: row, column and total sums (and row/column means) of a factorized
 * join matrix from its blocks, the gathered ones through the key counts Kᵀ·1. Plan
 * snapshots before/after, cases outside the precondition (row means and means of a
 * stack, counts, no gather), and equivalence on a star schema with unmatched and null
 * foreign keys, repeated keys and dimension rows nobody references.
 */
import { describe, expect, it } from 'vitest';
import type { Matrix } from '../../../src/index.js';
import { execute } from '../../../src/exec/execute.js';
import { toDense } from '../../../src/exec/operators/matrix.js';
import { sumsThroughKeyGathers } from '../../../src/optimizer/rules/r2-sums-through-key-gathers.js';
import { keyCounts } from '../../../src/plan/keyed-operators.js';
import { asMatrix, factorized, gathered, starSchema } from '../../support/factorized.js';
import { applyRule, expectSameResult, planText, rewriteMatrix } from '../../support/plans.js';

/** Sums of ~40 terms of a few units: relative 1e-10 of the largest value is ample. */
const TOL = 1e-10;

const rewrite = (m: Matrix<number, number>) => rewriteMatrix(m, sumsThroughKeyGathers);

/** The store block K·R[r1, r2] over S ⋈ R, built by hand. */
function storeGather(seed = 1, n = 40) {
  const s = starSchema(seed, n);
  return { ...s, G: gathered(s.joined, s.stores, { fact: ['rid'], dim: ['rid'] }, s.stores.toMatrix(['r1', 'r2'])) };
}

describe('r2-sums-through-key-gathers', () => {
  it('the data: stores 5 and 6 are never joined, and sales with no store (9, null) are not joined rows', async () => {
    const { G, joined } = storeGather(1, 40);
    const { result } = await execute(keyCounts(G.plan.inputs[0]));
    if (result.kind !== 'matrix') throw new Error('expected a matrix');
    const counts = toDense(result.value);
    expect(counts.rows).toBe(6);
    expect(counts.data[4]).toBe(0);
    expect(counts.data[5]).toBe(0);
    expect(Math.min(...counts.data.slice(0, 4))).toBeGreaterThan(0);
    // The counts add up to the joined rows: fewer than the 40 sales (the first two, and others drawn with store 9, have none).
    const joinedRows = Array.from(counts.data).reduce((a, b) => a + b, 0);
    const { result: rows } = await execute(joined.toMatrix(['s1']).plan);
    expect(rows.kind === 'matrix' && rows.value.rows).toBe(joinedRows);
    expect(joinedRows).toBeLessThan(38);
  });

  it('rowSums(K·D) = K·rowSums(D), rowMeans likewise', async () => {
    const { G } = storeGather();
    const sums = rewrite(G.rowSums());
    expect(planText(sums.before)).toMatchInlineSnapshot(`
      "Reduce rowSums
      └─ GatherByKey
         ├─ KeyMap rid
         │  ├─ Join inner on rid
         │  │  ├─ Scan S
         │  │  └─ Scan R
         │  └─ Scan R
         └─ ToMatrix r1, r2
            └─ Scan R"
    `);
    expect(sums.fired).toBe(true);
    expect(planText(sums.after)).toMatchInlineSnapshot(`
      "GatherByKey
      ├─ KeyMap rid
      │  ├─ Join inner on rid
      │  │  ├─ Scan S
      │  │  └─ Scan R
      │  └─ Scan R
      └─ Reduce rowSums
         └─ ToMatrix r1, r2
            └─ Scan R"
    `);
    const means = rewrite(G.rowMeans());
    expect(means.fired).toBe(true);
    expect(planText(means.after)).toMatchInlineSnapshot(`
      "GatherByKey
      ├─ KeyMap rid
      │  ├─ Join inner on rid
      │  │  ├─ Scan S
      │  │  └─ Scan R
      │  └─ Scan R
      └─ Reduce rowMeans
         └─ ToMatrix r1, r2
            └─ Scan R"
    `);
    for (const r of [sums, means]) await expectSameResult(r.before, r.after, { tolerance: TOL });
  });

  it('colSums(K·D) = (Kᵀ·1)ᵀ·D: each dimension row weighted by how often it is joined', async () => {
    const { G } = storeGather();
    const { before, after, fired } = rewrite(G.colSums());
    expect(fired).toBe(true);
    expect(planText(after)).toMatchInlineSnapshot(`
      "CrossProd
      ├─ KeyCounts
      │  └─ KeyMap rid
      │     ├─ Join inner on rid
      │     │  ├─ Scan S
      │     │  └─ Scan R
      │     └─ Scan R
      └─ ReferencedRows
         ├─ KeyMap rid
         │  ├─ Join inner on rid
         │  │  ├─ Scan S
         │  │  └─ Scan R
         │  └─ Scan R
         └─ ToMatrix r1, r2
            └─ Scan R"
    `);
    await expectSameResult(before, after, { tolerance: TOL });
  });

  it('colMeans(K·D) = (Kᵀ·1)ᵀ·D / sum(Kᵀ·1)', async () => {
    const { G } = storeGather();
    const { before, after, fired } = rewrite(G.colMeans());
    expect(fired).toBe(true);
    expect(planText(after)).toMatchInlineSnapshot(`
      "Elementwise div
      ├─ CrossProd
      │  ├─ KeyCounts
      │  │  └─ KeyMap rid
      │  │     ├─ Join inner on rid
      │  │     │  ├─ Scan S
      │  │     │  └─ Scan R
      │  │     └─ Scan R
      │  └─ ReferencedRows
      │     ├─ KeyMap rid
      │     │  ├─ Join inner on rid
      │     │  │  ├─ Scan S
      │     │  │  └─ Scan R
      │     │  └─ Scan R
      │     └─ ToMatrix r1, r2
      │        └─ Scan R
      └─ Reduce sum
         └─ KeyCounts
            └─ KeyMap rid
               ├─ Join inner on rid
               │  ├─ Scan S
               │  └─ Scan R
               └─ Scan R"
    `);
    await expectSameResult(before, after, { tolerance: TOL });
  });

  it('sum(K·D) = sum(colSums(K·D)), then the weighted column sums', async () => {
    const { G } = storeGather();
    const { before, after, fired } = rewrite(G.sum());
    expect(fired).toBe(true);
    expect(planText(after)).toMatchInlineSnapshot(`
      "Reduce sum
      └─ CrossProd
         ├─ KeyCounts
         │  └─ KeyMap rid
         │     ├─ Join inner on rid
         │     │  ├─ Scan S
         │     │  └─ Scan R
         │     └─ Scan R
         └─ ReferencedRows
            ├─ KeyMap rid
            │  ├─ Join inner on rid
            │  │  ├─ Scan S
            │  │  └─ Scan R
            │  └─ Scan R
            └─ ToMatrix r1, r2
               └─ Scan R"
    `);
    await expectSameResult(before, after, { tolerance: TOL });
  });

  it('blocks: row sums add up, column sums and means go side by side, the total is the total of the column sums', async () => {
    const { joined } = starSchema();
    const T = factorized(joined.toMatrix(['s1', 'r1', 'r2', 's2']));
    const rowSums = rewrite(T.rowSums());
    expect(planText(rowSums.before)).toMatchInlineSnapshot(`
      "Reduce rowSums
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
    expect(planText(rowSums.after)).toMatchInlineSnapshot(`
      "Elementwise add
      ├─ Elementwise add
      │  ├─ Reduce rowSums
      │  │  └─ ToMatrix s1
      │  │     └─ Join inner on rid
      │  │        ├─ Scan S
      │  │        └─ Scan R
      │  └─ GatherByKey
      │     ├─ KeyMap rid
      │     │  ├─ Join inner on rid
      │     │  │  ├─ Scan S
      │     │  │  └─ Scan R
      │     │  └─ Scan R
      │     └─ Reduce rowSums
      │        └─ ToMatrix r1, r2
      │           └─ Scan R
      └─ Reduce rowSums
         └─ ToMatrix s2
            └─ Join inner on rid
               ├─ Scan S
               └─ Scan R"
    `);
    const colSums = rewrite(T.colSums());
    expect(planText(colSums.after)).toMatchInlineSnapshot(`
      "HStack
      ├─ Reduce colSums
      │  └─ ToMatrix s1
      │     └─ Join inner on rid
      │        ├─ Scan S
      │        └─ Scan R
      ├─ CrossProd
      │  ├─ KeyCounts
      │  │  └─ KeyMap rid
      │  │     ├─ Join inner on rid
      │  │     │  ├─ Scan S
      │  │     │  └─ Scan R
      │  │     └─ Scan R
      │  └─ ReferencedRows
      │     ├─ KeyMap rid
      │     │  ├─ Join inner on rid
      │     │  │  ├─ Scan S
      │     │  │  └─ Scan R
      │     │  └─ Scan R
      │     └─ ToMatrix r1, r2
      │        └─ Scan R
      └─ Reduce colSums
         └─ ToMatrix s2
            └─ Join inner on rid
               ├─ Scan S
               └─ Scan R"
    `);
    const colMeans = rewrite(T.colMeans());
    expect(planText(colMeans.after)).toMatchInlineSnapshot(`
      "HStack
      ├─ Reduce colMeans
      │  └─ ToMatrix s1
      │     └─ Join inner on rid
      │        ├─ Scan S
      │        └─ Scan R
      ├─ Elementwise div
      │  ├─ CrossProd
      │  │  ├─ KeyCounts
      │  │  │  └─ KeyMap rid
      │  │  │     ├─ Join inner on rid
      │  │  │     │  ├─ Scan S
      │  │  │     │  └─ Scan R
      │  │  │     └─ Scan R
      │  │  └─ ReferencedRows
      │  │     ├─ KeyMap rid
      │  │     │  ├─ Join inner on rid
      │  │     │  │  ├─ Scan S
      │  │     │  │  └─ Scan R
      │  │     │  └─ Scan R
      │  │     └─ ToMatrix r1, r2
      │  │        └─ Scan R
      │  └─ Reduce sum
      │     └─ KeyCounts
      │        └─ KeyMap rid
      │           ├─ Join inner on rid
      │           │  ├─ Scan S
      │           │  └─ Scan R
      │           └─ Scan R
      └─ Reduce colMeans
         └─ ToMatrix s2
            └─ Join inner on rid
               ├─ Scan S
               └─ Scan R"
    `);
    const sum = rewrite(T.sum());
    expect(planText(sum.after)).toMatchInlineSnapshot(`
      "Reduce sum
      └─ HStack
         ├─ Reduce colSums
         │  └─ ToMatrix s1
         │     └─ Join inner on rid
         │        ├─ Scan S
         │        └─ Scan R
         ├─ CrossProd
         │  ├─ KeyCounts
         │  │  └─ KeyMap rid
         │  │     ├─ Join inner on rid
         │  │     │  ├─ Scan S
         │  │     │  └─ Scan R
         │  │     └─ Scan R
         │  └─ ReferencedRows
         │     ├─ KeyMap rid
         │     │  ├─ Join inner on rid
         │     │  │  ├─ Scan S
         │     │  │  └─ Scan R
         │     │  └─ Scan R
         │     └─ ToMatrix r1, r2
         │        └─ Scan R
         └─ Reduce colSums
            └─ ToMatrix s2
               └─ Join inner on rid
                  ├─ Scan S
                  └─ Scan R"
    `);
    for (const r of [rowSums, colSums, colMeans, sum]) {
      expect(r.fired).toBe(true);
      await expectSameResult(r.before, r.after, { tolerance: TOL });
    }
    // Only the row sums gather anything (one value per joined row); the others are over the dimension's rows.
    for (const r of [colSums, colMeans, sum]) expect(planText(r.after)).not.toContain('GatherByKey');
    await expectSameResult(joined.toMatrix(['s1', 'r1', 'r2', 's2']).colMeans().plan, colMeans.after, { tolerance: TOL });
  });

  it('does not fire on row means or the mean of a stack (they divide by the whole width), on means of a gather as a whole, or on counts', () => {
    const { joined, G } = storeGather();
    const T = factorized(joined.toMatrix(['s1', 'r1', 'r2']));
    for (const m of [T.rowMeans(), T.mean(), G.mean(), T.count(), G.count()]) {
      const { plan, fired } = applyRule(m.plan, sumsThroughKeyGathers);
      expect(fired).toBe(false);
      expect(plan).toBe(m.plan);
    }
  });

  it('does not fire without a gather: the matrix over the join, a stack of plain blocks, a reduction of a key count', () => {
    const { joined, G } = storeGather();
    const X = joined.toMatrix(['s1', 'r1', 'r2']);
    const stacked = joined.toMatrix(['s1']).hstack(joined.toMatrix(['r1']));
    const counts = asMatrix(keyCounts(G.plan.inputs[0]));
    for (const m of [X.colSums(), X.rowSums(), X.sum(), stacked.colSums(), stacked.rowSums(), counts.sum()]) {
      expect(applyRule(m.plan, sumsThroughKeyGathers).fired).toBe(false);
    }
  });

  it('gives the sums and means of the joined matrix on several seeds and sizes, two dimensions and a one-hot block', async () => {
    for (const [seed, n] of [[4, 25], [5, 60], [6, 90]] as const) {
      const { joined2 } = starSchema(seed, n);
      const features = ['p2', { onehot: 'region' }, 's1', 'r2', 's2', 'p3', 'p1'] as const;
      const reductions = [
        (m: Matrix<number, number>) => m.rowSums(),
        (m: Matrix<number, number>) => m.colSums(),
        (m: Matrix<number, number>) => m.colMeans(),
        (m: Matrix<number, number>) => m.sum(),
      ];
      for (const reduce of reductions) {
        const { before, after, fired } = rewrite(reduce(factorized(joined2.toMatrix(features, { intercept: true }))));
        expect(fired).toBe(true);
        await expectSameResult(before, after, { tolerance: TOL });
        await expectSameResult(reduce(joined2.toMatrix(features, { intercept: true })).plan, after, { tolerance: TOL });
      }
    }
  });
});
