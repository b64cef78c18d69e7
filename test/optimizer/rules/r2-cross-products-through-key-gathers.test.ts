/**
 * R2: cross-products with a factorized join matrix, Tᵀ·G and Gᵀ·T, through a
 * group-by-sum on the key (Kᵀ·G) instead of the joined rows. Plan snapshots
 * before/after for each identity of the rule's header, cases outside the precondition,
 * and equivalence on a star schema with unmatched and null foreign keys, repeated keys
 * and dimension rows nobody references.
 */
import { describe, expect, it } from 'vitest';
import { type Matrix, matrix } from '../../../src/index.js';
import { crossProductsThroughKeyGathers } from '../../../src/optimizer/rules/r2-cross-products-through-key-gathers.js';
import { type PlanNode, postOrder } from '../../../src/plan/node.js';
import { factorized, gathered, starSchema } from '../../support/factorized.js';
import { applyRule, expectSameResult, planText, rewriteMatrix } from '../../support/plans.js';

/** Sums of ~40 products of terms of a few units: relative 1e-10 of the largest value is ample. */
const TOL = 1e-10;

const rewrite = (m: Matrix<number, number>) => rewriteMatrix(m, crossProductsThroughKeyGathers);

/** Store blocks K·R[…] and product blocks K·P[…] by hand, over S ⋈ R (stores) or (S ⋈ R) ⋈ P (both). */
function blocksOf(seed = 1, n = 40) {
  const s = starSchema(seed, n);
  const store = (cols: string[], over: { readonly plan: PlanNode } = s.joined) => gathered(over, s.stores, { fact: ['rid'], dim: ['rid'] }, s.stores.toMatrix(cols as never));
  const product = (cols: string[]) => gathered(s.joined2, s.products, { fact: ['pid'], dim: ['pid'] }, s.products.toMatrix(cols as never));
  return { ...s, store, product };
}

describe('r2-cross-products-through-key-gathers', () => {
  it('(K·D)ᵀ·G = Dᵀ·(Kᵀ·G)', async () => {
    const { store, joined } = blocksOf();
    const G = joined.toMatrix(['s2', 's1']);
    const { before, after, fired } = rewrite(store(['r1', 'r2']).crossprod(G));
    expect(planText(before)).toMatchInlineSnapshot(`
      "CrossProd
      ├─ GatherByKey
      │  ├─ KeyMap rid
      │  │  ├─ Join inner on rid
      │  │  │  ├─ Scan S
      │  │  │  └─ Scan R
      │  │  └─ Scan R
      │  └─ ToMatrix r1, r2
      │     └─ Scan R
      └─ ToMatrix s2, s1
         └─ Join inner on rid
            ├─ Scan S
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
      └─ ScatterByKey
         ├─ KeyMap rid
         │  ├─ Join inner on rid
         │  │  ├─ Scan S
         │  │  └─ Scan R
         │  └─ Scan R
         └─ ToMatrix s2, s1
            └─ Join inner on rid
               ├─ Scan S
               └─ Scan R"
    `);
    await expectSameResult(before, after, { tolerance: TOL });
  });

  it('Gᵀ·(K·D) = (Kᵀ·G)ᵀ·D', async () => {
    const { store, joined } = blocksOf();
    const G = joined.toMatrix(['s2']);
    const { before, after, fired } = rewrite(G.crossprod(store(['r1', 'r2'])));
    expect(fired).toBe(true);
    expect(planText(after)).toMatchInlineSnapshot(`
      "CrossProd
      ├─ ScatterByKey
      │  ├─ KeyMap rid
      │  │  ├─ Join inner on rid
      │  │  │  ├─ Scan S
      │  │  │  └─ Scan R
      │  │  └─ Scan R
      │  └─ ToMatrix s2
      │     └─ Join inner on rid
      │        ├─ Scan S
      │        └─ Scan R
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

  it('(K·D)ᵀ·(K·E) = Dᵀ·diag(Kᵀ·1)·E with the same key map on both sides (built twice: equal by digest)', async () => {
    const { store } = blocksOf();
    const { before, after, fired } = rewrite(store(['r1']).crossprod(store(['r2', 'r1'])));
    expect(planText(before)).toMatchInlineSnapshot(`
      "CrossProd
      ├─ GatherByKey
      │  ├─ KeyMap rid
      │  │  ├─ Join inner on rid
      │  │  │  ├─ Scan S
      │  │  │  └─ Scan R
      │  │  └─ Scan R
      │  └─ ToMatrix r1
      │     └─ Scan R
      └─ GatherByKey
         ├─ KeyMap rid
         │  ├─ Join inner on rid
         │  │  ├─ Scan S
         │  │  └─ Scan R
         │  └─ Scan R
         └─ ToMatrix r2, r1
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
      │  └─ ToMatrix r1
      │     └─ Scan R
      └─ Elementwise mul
         ├─ ReferencedRows
         │  ├─ KeyMap rid
         │  │  ├─ Join inner on rid
         │  │  │  ├─ Scan S
         │  │  │  └─ Scan R
         │  │  └─ Scan R
         │  └─ ToMatrix r2, r1
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

  it('(K₁·D)ᵀ·(K₂·E) = Dᵀ·(K₁ᵀ·(K₂·E)) over two dimensions, gathering the narrower block', async () => {
    const { store, product, joined2 } = blocksOf();
    // D: products (3 columns), E: stores (2 columns): E is gathered to the joined rows and scattered onto products.
    const { before, after, fired } = rewrite(product(['p1', 'p2', 'p3']).crossprod(store(['r1', 'r2'], joined2)));
    expect(fired).toBe(true);
    expect(planText(after)).toMatchInlineSnapshot(`
      "CrossProd
      ├─ ReferencedRows
      │  ├─ KeyMap pid
      │  │  ├─ Join inner on pid
      │  │  │  ├─ Join inner on rid
      │  │  │  │  ├─ Scan S
      │  │  │  │  └─ Scan R
      │  │  │  └─ Scan P
      │  │  └─ Scan P
      │  └─ ToMatrix p1, p2, p3
      │     └─ Scan P
      └─ ScatterByKey
         ├─ KeyMap pid
         │  ├─ Join inner on pid
         │  │  ├─ Join inner on rid
         │  │  │  ├─ Scan S
         │  │  │  └─ Scan R
         │  │  └─ Scan P
         │  └─ Scan P
         └─ GatherByKey
            ├─ KeyMap rid
            │  ├─ Join inner on pid
            │  │  ├─ Join inner on rid
            │  │  │  ├─ Scan S
            │  │  │  └─ Scan R
            │  │  └─ Scan P
            │  └─ Scan R
            └─ ToMatrix r1, r2
               └─ Scan R"
    `);
    await expectSameResult(before, after, { tolerance: TOL });
    // Equal widths: the right block is the gathered one as well (no transpose).
    const equal = rewrite(product(['p1', 'p3']).crossprod(store(['r2', 'r1'], joined2)));
    expect(equal.after.kind).toBe('crossprod');
    expect(equal.after.inputs.map((n) => n.kind)).toEqual(['referencedRows', 'scatterByKey']);
    expect(equal.after.inputs[1].inputs[1].kind).toBe('gatherByKey');
    await expectSameResult(equal.before, equal.after, { tolerance: TOL });
    // The right block wider: the left one is gathered and scattered instead, and the result keeps the right block's column names.
    const wider = rewrite(product(['p1']).crossprod(store(['r1', 'r2'], joined2)));
    expect(wider.after.inputs.map((n) => n.kind)).toEqual(['scatterByKey', 'referencedRows']);
    expect(wider.after.output.kind === 'matrix' && wider.after.output.columnNames).toEqual(['r1', 'r2']);
    await expectSameResult(wider.before, wider.after, { tolerance: TOL });
  });

  it('blocks: [X₁, K·D]ᵀ·G = [X₁ᵀ·G; Dᵀ·(Kᵀ·G)] stacked, and Gᵀ·[X₁, K·D] = [Gᵀ·X₁, (Kᵀ·G)ᵀ·D] side by side', async () => {
    const { joined } = blocksOf();
    const T = factorized(joined.toMatrix(['s1', 'r1', 'r2']));
    const G = joined.toMatrix(['s2']);
    const left = rewrite(T.crossprod(G));
    expect(planText(left.before)).toMatchInlineSnapshot(`
      "CrossProd
      ├─ HStack
      │  ├─ ToMatrix s1
      │  │  └─ Join inner on rid
      │  │     ├─ Scan S
      │  │     └─ Scan R
      │  └─ GatherByKey
      │     ├─ KeyMap rid
      │     │  ├─ Join inner on rid
      │     │  │  ├─ Scan S
      │     │  │  └─ Scan R
      │     │  └─ Scan R
      │     └─ ToMatrix r1, r2
      │        └─ Scan R
      └─ ToMatrix s2
         └─ Join inner on rid
            ├─ Scan S
            └─ Scan R"
    `);
    expect(left.fired).toBe(true);
    expect(planText(left.after)).toMatchInlineSnapshot(`
      "VStack
      ├─ CrossProd
      │  ├─ ToMatrix s1
      │  │  └─ Join inner on rid
      │  │     ├─ Scan S
      │  │     └─ Scan R
      │  └─ ToMatrix s2
      │     └─ Join inner on rid
      │        ├─ Scan S
      │        └─ Scan R
      └─ CrossProd
         ├─ ReferencedRows
         │  ├─ KeyMap rid
         │  │  ├─ Join inner on rid
         │  │  │  ├─ Scan S
         │  │  │  └─ Scan R
         │  │  └─ Scan R
         │  └─ ToMatrix r1, r2
         │     └─ Scan R
         └─ ScatterByKey
            ├─ KeyMap rid
            │  ├─ Join inner on rid
            │  │  ├─ Scan S
            │  │  └─ Scan R
            │  └─ Scan R
            └─ ToMatrix s2
               └─ Join inner on rid
                  ├─ Scan S
                  └─ Scan R"
    `);
    const right = rewrite(G.crossprod(T));
    expect(right.fired).toBe(true);
    expect(planText(right.after)).toMatchInlineSnapshot(`
      "HStack
      ├─ CrossProd
      │  ├─ ToMatrix s2
      │  │  └─ Join inner on rid
      │  │     ├─ Scan S
      │  │     └─ Scan R
      │  └─ ToMatrix s1
      │     └─ Join inner on rid
      │        ├─ Scan S
      │        └─ Scan R
      └─ CrossProd
         ├─ ScatterByKey
         │  ├─ KeyMap rid
         │  │  ├─ Join inner on rid
         │  │  │  ├─ Scan S
         │  │  │  └─ Scan R
         │  │  └─ Scan R
         │  └─ ToMatrix s2
         │     └─ Join inner on rid
         │        ├─ Scan S
         │        └─ Scan R
         └─ ReferencedRows
            ├─ KeyMap rid
            │  ├─ Join inner on rid
            │  │  ├─ Scan S
            │  │  └─ Scan R
            │  └─ Scan R
            └─ ToMatrix r1, r2
               └─ Scan R"
    `);
    for (const r of [left, right]) await expectSameResult(r.before, r.after, { tolerance: TOL });
    await expectSameResult(joined.toMatrix(['s1', 'r1', 'r2']).crossprod(G).plan, left.after, { tolerance: TOL });
  });

  it("a logistic-regression gradient Tᵀ·(σ(T·w) − y) over a one-hot store block and the intercept", async () => {
    const { joined } = blocksOf(2, 50);
    const features = ['s1', { onehot: 'region' }, 'r2'] as const;
    const T = factorized(joined.toMatrix(features, { intercept: true }));
    const y = joined.toMatrix(['s2']).gt(2.5);
    const w = matrix([[0.3], [-0.2], [0.5], [0.1], [-1], [0.25]], { name: 'w' });
    const gradient = (X: Matrix<number, number>) => X.crossprod(X.matmul(w).sigmoid().sub(y));
    const { before, after, fired } = rewrite(gradient(T));
    expect(fired).toBe(true);
    expect(planText(after)).toMatchInlineSnapshot(`
      "VStack
      ├─ CrossProd
      │  ├─ ToMatrix s1
      │  │  └─ Join inner on rid
      │  │     ├─ Scan S
      │  │     └─ Scan R
      │  └─ Elementwise sub
      │     ├─ Map sigmoid
      │     │  └─ MatMul
      │     │     ├─ HStack
      │     │     │  ├─ ToMatrix s1
      │     │     │  │  └─ Join inner on rid
      │     │     │  │     ├─ Scan S
      │     │     │  │     └─ Scan R
      │     │     │  └─ GatherByKey
      │     │     │     ├─ KeyMap rid
      │     │     │     │  ├─ Join inner on rid
      │     │     │     │  │  ├─ Scan S
      │     │     │     │  │  └─ Scan R
      │     │     │     │  └─ Scan R
      │     │     │     └─ ToMatrix onehot(region: 3), r2, intercept
      │     │     │        └─ Scan R
      │     │     └─ Matrix w
      │     └─ Map gt(2.5)
      │        └─ ToMatrix s2
      │           └─ Join inner on rid
      │              ├─ Scan S
      │              └─ Scan R
      └─ CrossProd
         ├─ ReferencedRows
         │  ├─ KeyMap rid
         │  │  ├─ Join inner on rid
         │  │  │  ├─ Scan S
         │  │  │  └─ Scan R
         │  │  └─ Scan R
         │  └─ ToMatrix onehot(region: 3), r2, intercept
         │     └─ Scan R
         └─ ScatterByKey
            ├─ KeyMap rid
            │  ├─ Join inner on rid
            │  │  ├─ Scan S
            │  │  └─ Scan R
            │  └─ Scan R
            └─ Elementwise sub
               ├─ Map sigmoid
               │  └─ MatMul
               │     ├─ HStack
               │     │  ├─ ToMatrix s1
               │     │  │  └─ Join inner on rid
               │     │  │     ├─ Scan S
               │     │  │     └─ Scan R
               │     │  └─ GatherByKey
               │     │     ├─ KeyMap rid
               │     │     │  ├─ Join inner on rid
               │     │     │  │  ├─ Scan S
               │     │     │  │  └─ Scan R
               │     │     │  └─ Scan R
               │     │     └─ ToMatrix onehot(region: 3), r2, intercept
               │     │        └─ Scan R
               │     └─ Matrix w
               └─ Map gt(2.5)
                  └─ ToMatrix s2
                     └─ Join inner on rid
                        ├─ Scan S
                        └─ Scan R"
    `);
    await expectSameResult(before, after, { tolerance: TOL });
    await expectSameResult(gradient(joined.toMatrix(features, { intercept: true })).plan, after, { tolerance: TOL });
  });

  it('Tᵀ·T written with two operands goes down to the blocks (the diagonal gathers are left to R3)', async () => {
    const { joined2 } = blocksOf(3);
    const T = factorized(joined2.toMatrix(['s1', 'p2', 'p1', 'r1']));
    const { before, after, fired } = rewrite(T.crossprod(T));
    expect(fired).toBe(true);
    // Left: single-operand cross-products of a block (R3's), and two-operand ones of which neither reads a stack or a gather.
    const crosses = [...postOrder(after)].filter((n) => n.kind === 'crossprod');
    expect(crosses.filter((n) => n.inputs.length === 2 && n.inputs.some((i) => i.kind === 'hstack' || i.kind === 'gatherByKey'))).toEqual([]);
    expect(crosses.filter((n) => n.inputs.length === 1).map((n) => n.inputs[0].kind).sort()).toEqual(['gatherByKey', 'gatherByKey', 'toMatrix']);
    await expectSameResult(before, after, { tolerance: TOL });
    await expectSameResult(joined2.toMatrix(['s1', 'p2', 'p1', 'r1']).crossprod().plan, after, { tolerance: TOL });
  });

  it('does not fire without a gather, or on a one-operand Gram matrix (R3)', () => {
    const { joined, store } = blocksOf();
    const X = joined.toMatrix(['s1', 'r1', 'r2']);
    const G = joined.toMatrix(['s2']);
    const stacked = joined.toMatrix(['s1']).hstack(joined.toMatrix(['r1']));
    const T = factorized(joined.toMatrix(['s1', 'r1']));
    for (const m of [X.crossprod(G), G.crossprod(stacked), stacked.crossprod(G), T.crossprod(), store(['r1', 'r2']).crossprod()]) {
      const { plan, fired } = applyRule(m.plan, crossProductsThroughKeyGathers);
      expect(fired).toBe(false);
      expect(plan).toBe(m.plan);
    }
  });

  it('gives the cross-products of the joined matrix on several seeds and sizes', async () => {
    for (const [seed, n] of [[4, 25], [5, 60], [6, 90]] as const) {
      const { joined2 } = blocksOf(seed, n);
      const features = [{ onehot: 'region' }, 's1', 'p1', 'r2', 's2', 'p3'] as const;
      const G = joined2.toMatrix(['s2', 's1', 'r1']).exp();
      for (const m of [(X: Matrix<number, number>) => X.crossprod(G), (X: Matrix<number, number>) => G.crossprod(X)]) {
        const { before, after, fired } = rewrite(m(factorized(joined2.toMatrix(features))));
        expect(fired).toBe(true);
        await expectSameResult(before, after, { tolerance: TOL });
        await expectSameResult(m(joined2.toMatrix(features)).plan, after, { tolerance: TOL });
      }
    }
  });
});
