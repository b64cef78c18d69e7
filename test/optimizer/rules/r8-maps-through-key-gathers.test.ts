/**
 * R8: element-wise maps of a factorized join matrix, and element-wise operators with a
 * scalar or a row, applied to the dimension's rows before the gather. Plan snapshots
 * before/after, cases outside the precondition (a full matrix or a column as the other
 * operand, no gather), and equivalence on a star schema with unmatched and null
 * foreign keys, repeated keys and dimension rows nobody references.
 */
import { describe, expect, it } from 'vitest';
import { type Matrix, matrix } from '../../../src/index.js';
import { mapsThroughKeyGathers } from '../../../src/optimizer/rules/r8-maps-through-key-gathers.js';
import { factorized, gathered, starSchema } from '../../support/factorized.js';
import { applyRule, expectSameResult, planText, rewriteMatrix } from '../../support/plans.js';

/** Element maps of values of a few units, computed once either way. */
const TOL = 1e-12;

const rewrite = (m: Matrix<number, number>) => rewriteMatrix(m, mapsThroughKeyGathers);

/** The store block K·R[r1, r2] over S ⋈ R, built by hand. */
function storeGather(seed = 1, n = 40) {
  const s = starSchema(seed, n);
  return { ...s, G: gathered(s.joined, s.stores, { fact: ['rid'], dim: ['rid'] }, s.stores.toMatrix(['r1', 'r2'])) };
}

describe('r8-maps-through-key-gathers', () => {
  it('f(K·D) = K·f(D) for a map (exp)', async () => {
    const { G } = storeGather();
    const { before, after, fired } = rewrite(G.exp());
    expect(planText(before)).toMatchInlineSnapshot(`
      "Map exp
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
      ├─ KeyMap rid
      │  ├─ Join inner on rid
      │  │  ├─ Scan S
      │  │  └─ Scan R
      │  └─ Scan R
      └─ Map exp
         └─ ToMatrix r1, r2
            └─ Scan R"
    `);
    await expectSameResult(before, after, { tolerance: TOL });
  });

  it('(K·D) ⊙ b = K·(D ⊙ b) for a 1×1 scalar and a 1×c row', async () => {
    const { G } = storeGather();
    const scalar = rewrite(G.sub(1.5));
    expect(scalar.fired).toBe(true);
    expect(planText(scalar.after)).toMatchInlineSnapshot(`
      "GatherByKey
      ├─ KeyMap rid
      │  ├─ Join inner on rid
      │  │  ├─ Scan S
      │  │  └─ Scan R
      │  └─ Scan R
      └─ Elementwise sub
         ├─ ToMatrix r1, r2
         │  └─ Scan R
         └─ Matrix 1.5"
    `);
    const row = rewrite(G.div(matrix([[2, -4]], { name: 'b' })));
    expect(row.fired).toBe(true);
    expect(planText(row.after)).toMatchInlineSnapshot(`
      "GatherByKey
      ├─ KeyMap rid
      │  ├─ Join inner on rid
      │  │  ├─ Scan S
      │  │  └─ Scan R
      │  └─ Scan R
      └─ Elementwise div
         ├─ ToMatrix r1, r2
         │  └─ Scan R
         └─ Matrix b"
    `);
    for (const r of [scalar, row]) await expectSameResult(r.before, r.after, { tolerance: TOL });
  });

  it('f([X₁, K·D, X₃]) = [f(X₁), K·f(D), f(X₃)]', async () => {
    const { joined } = starSchema();
    const T = factorized(joined.toMatrix(['s1', 'r1', 'r2', 's2']));
    const { before, after, fired } = rewrite(T.clip(-1, 1.5));
    expect(planText(before)).toMatchInlineSnapshot(`
      "Map clip(-1, 1.5)
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
      ├─ Map clip(-1, 1.5)
      │  └─ ToMatrix s1
      │     └─ Join inner on rid
      │        ├─ Scan S
      │        └─ Scan R
      ├─ GatherByKey
      │  ├─ KeyMap rid
      │  │  ├─ Join inner on rid
      │  │  │  ├─ Scan S
      │  │  │  └─ Scan R
      │  │  └─ Scan R
      │  └─ Map clip(-1, 1.5)
      │     └─ ToMatrix r1, r2
      │        └─ Scan R
      └─ Map clip(-1, 1.5)
         └─ ToMatrix s2
            └─ Join inner on rid
               ├─ Scan S
               └─ Scan R"
    `);
    await expectSameResult(before, after, { tolerance: TOL });
    await expectSameResult(joined.toMatrix(['s1', 'r1', 'r2', 's2']).clip(-1, 1.5).plan, after, { tolerance: TOL });
  });

  it('[X₁, K·D, X₃] ⊙ b: a scalar goes to every block, a row is split at the blocks\' columns', async () => {
    const { joined } = starSchema();
    const T = factorized(joined.toMatrix(['s1', 'r1', 'r2', 's2']));
    const scalar = rewrite(T.mul(3));
    expect(planText(scalar.after)).toMatchInlineSnapshot(`
      "HStack
      ├─ Elementwise mul
      │  ├─ ToMatrix s1
      │  │  └─ Join inner on rid
      │  │     ├─ Scan S
      │  │     └─ Scan R
      │  └─ Matrix 3
      ├─ GatherByKey
      │  ├─ KeyMap rid
      │  │  ├─ Join inner on rid
      │  │  │  ├─ Scan S
      │  │  │  └─ Scan R
      │  │  └─ Scan R
      │  └─ Elementwise mul
      │     ├─ ToMatrix r1, r2
      │     │  └─ Scan R
      │     └─ Matrix 3
      └─ Elementwise mul
         ├─ ToMatrix s2
         │  └─ Join inner on rid
         │     ├─ Scan S
         │     └─ Scan R
         └─ Matrix 3"
    `);
    const row = rewrite(T.add(matrix([[1, 2, 3, 4]], { name: 'b' })));
    expect(planText(row.after)).toMatchInlineSnapshot(`
      "HStack
      ├─ Elementwise add
      │  ├─ ToMatrix s1
      │  │  └─ Join inner on rid
      │  │     ├─ Scan S
      │  │     └─ Scan R
      │  └─ SelectCols [0]
      │     └─ Matrix b
      ├─ GatherByKey
      │  ├─ KeyMap rid
      │  │  ├─ Join inner on rid
      │  │  │  ├─ Scan S
      │  │  │  └─ Scan R
      │  │  └─ Scan R
      │  └─ Elementwise add
      │     ├─ ToMatrix r1, r2
      │     │  └─ Scan R
      │     └─ SelectCols [1, 2]
      │        └─ Matrix b
      └─ Elementwise add
         ├─ ToMatrix s2
         │  └─ Join inner on rid
         │     ├─ Scan S
         │     └─ Scan R
         └─ SelectCols [3]
            └─ Matrix b"
    `);
    for (const r of [scalar, row]) {
      expect(r.fired).toBe(true);
      await expectSameResult(r.before, r.after, { tolerance: TOL });
    }
  });

  it('centering by the column means: T − colMeans(T) on the blocks (the means are computed once, outside)', async () => {
    const { joined } = starSchema(2);
    const features = ['s1', { onehot: 'region' }, 'r2', 's2'] as const;
    const T = factorized(joined.toMatrix(features, { intercept: true }));
    const { before, after, fired } = rewrite(T.sub(T.colMeans()));
    expect(fired).toBe(true);
    expect(after.kind).toBe('hstack');
    expect(after.inputs.map((b) => b.kind)).toEqual(['elementwise', 'gatherByKey', 'elementwise']);
    await expectSameResult(before, after, { tolerance: TOL });
    const X = joined.toMatrix(features, { intercept: true });
    await expectSameResult(X.sub(X.colMeans()).plan, after, { tolerance: 1e-10 });
  });

  it('does not fire with a full matrix or a column as the other operand, or with the factorized matrix second', () => {
    const { joined, G } = storeGather();
    const T = factorized(joined.toMatrix(['s1', 'r1', 'r2']));
    const X = joined.toMatrix(['s1', 'r1', 'r2']);
    const column = joined.toMatrix(['s2']);
    const cases = [T.add(X), T.mul(T), T.div(column), G.sub(G), G.mul(column), X.mul(T), joined.toMatrix(['s2', 's1']).sub(G)];
    for (const m of cases) {
      const { plan, fired } = applyRule(m.plan, mapsThroughKeyGathers);
      expect(fired).toBe(false);
      expect(plan).toBe(m.plan);
    }
  });

  it('does not fire without a gather: the matrix over the join, a stack of plain blocks, a dimension matrix', () => {
    const { joined, stores } = starSchema();
    const X = joined.toMatrix(['s1', 'r1']);
    const stacked = joined.toMatrix(['s1']).hstack(joined.toMatrix(['r1']));
    const D = stores.toMatrix(['r1', 'r2']);
    for (const m of [X.exp(), X.mul(2), stacked.sigmoid(), stacked.add(matrix([[1, 2]])), D.log()]) {
      expect(applyRule(m.plan, mapsThroughKeyGathers).fired).toBe(false);
    }
  });

  it('gives the maps of the joined matrix on several seeds and sizes, over two dimensions and a one-hot block', async () => {
    for (const [seed, n] of [[4, 25], [5, 60], [6, 90]] as const) {
      const { joined2 } = starSchema(seed, n);
      const features = [{ onehot: 'region' }, 'p2', 's1', 'r2', 's2', 'p3', 'r1'] as const;
      const b = matrix([[1, 2, 3, 4, 5, 6, 7, 8, 9]], { name: 'b' });
      const maps = [
        (m: Matrix<number, number>) => m.sigmoid(),
        (m: Matrix<number, number>) => m.abs().sqrt(),
        (m: Matrix<number, number>) => m.gt(0.5),
        (m: Matrix<number, number>) => m.mul(b).maximum(-1),
        (m: Matrix<number, number>) => m.pow(2).scale(0.5),
      ];
      for (const f of maps) {
        const { before, after, fired } = rewrite(f(factorized(joined2.toMatrix(features))));
        expect(fired).toBe(true);
        await expectSameResult(before, after, { tolerance: TOL });
        await expectSameResult(f(joined2.toMatrix(features)).plan, after, { tolerance: TOL });
      }
    }
  });
});
