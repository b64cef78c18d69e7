/**
 * R7 — matrix-chain ordering: plan text before/after, the cases where it must not
 * fire, the estimated cost, and equivalence on seeded data.
 */
import { describe, expect, it } from 'vitest';
import { type Matrix, fromColumns, iterate, matrix } from '../../../src/index.js';
import { FLOP_COST, estimatePlan } from '../../../src/optimizer/cost.js';
import { matrixChain } from '../../../src/optimizer/rules/r7-matrix-chain.js';
import { transposeFolding } from '../../../src/optimizer/rules/r12-transpose-folding.js';
import { runRules } from '../../../src/optimizer/driver.js';
import type { PlanNode } from '../../../src/plan/node.js';
import { rng, uniform } from '../../matrix/reference.js';
import { applyRule, expectSameResult, planText } from '../../support/plans.js';

const rand = rng(7);
const lit = (rows: number, cols: number, name: string): Matrix<number, number> => matrix(uniform(rows, cols, rand), { name });
const cost = (plan: PlanNode) => estimatePlan(plan).total.cost;

// W3's shapes, scaled down: M is m×d, P is d×w, Q is w×d, v is d×1.
const M = lit(200, 20, 'M');
const P = lit(20, 300, 'P');
const Q = lit(300, 20, 'Q');
const v = lit(20, 1, 'v');

describe('r7-matrix-chain', () => {
  it('turns ((M·P)·Q)·v into M·(P·(Q·v)) at the root', async () => {
    const before = M.matmul(P).matmul(Q).matmul(v).plan;
    expect(planText(before)).toMatchInlineSnapshot(`
      "MatMul
      ├─ MatMul
      │  ├─ MatMul
      │  │  ├─ Matrix M
      │  │  └─ Matrix P
      │  └─ Matrix Q
      └─ Matrix v"
    `);
    const after = applyRule(before, matrixChain);
    expect(after.fired).toBe(true);
    expect(planText(after.plan)).toMatchInlineSnapshot(`
      "MatMul
      ├─ Matrix M
      └─ MatMul
         ├─ Matrix P
         └─ MatMul
            ├─ Matrix Q
            └─ Matrix v"
    `);
    // 2·(200·20·300 + 200·300·20 + 200·20·1) flops as written, 2·(300·20 + 20·300 + 200·20) after, at FLOP_COST each.
    expect(cost(before)).toBeCloseTo(4_808_000 * FLOP_COST, 6);
    expect(cost(after.plan)).toBeCloseTo(32_000 * FLOP_COST, 6);
    await expectSameResult(before, after.plan, { tolerance: 1e-12 });
  });

  it('reorders a chain read by a non-matmul operator, keeping the operator', async () => {
    const before = M.matmul(P).matmul(Q).matmul(v).sigmoid().plan;
    const after = applyRule(before, matrixChain);
    expect(after.fired).toBe(true);
    expect(planText(after.plan)).toMatchInlineSnapshot(`
      "Map sigmoid
      └─ MatMul
         ├─ Matrix M
         └─ MatMul
            ├─ Matrix P
            └─ MatMul
               ├─ Matrix Q
               └─ Matrix v"
    `);
    await expectSameResult(before, after.plan, { tolerance: 1e-12 });
  });

  it('treats a transpose as an operand: (U·Vᵀ)·V → U·(Vᵀ·V), then R12 makes Vᵀ·V a cross-product', async () => {
    const U = lit(300, 4, 'U');
    const V = lit(300, 4, 'V');
    const before = U.matmul(V.transpose()).matmul(V).rowSums().plan;
    expect(planText(before)).toMatchInlineSnapshot(`
      "Reduce rowSums
      └─ MatMul
         ├─ MatMul
         │  ├─ Matrix U
         │  └─ Transpose
         │     └─ Matrix V
         └─ Matrix V"
    `);
    const after = applyRule(before, matrixChain);
    expect(after.fired).toBe(true);
    expect(planText(after.plan)).toMatchInlineSnapshot(`
      "Reduce rowSums
      └─ MatMul
         ├─ Matrix U
         └─ MatMul
            ├─ Transpose
            │  └─ Matrix V
            └─ Matrix V"
    `);
    expect(cost(after.plan)).toBeLessThan(cost(before) / 10);
    const both = runRules(before, [matrixChain, transposeFolding]).plan;
    expect(planText(both)).toMatchInlineSnapshot(`
      "Reduce rowSums
      └─ MatMul
         ├─ Matrix U
         └─ CrossProd
            └─ Matrix V"
    `);
    await expectSameResult(before, after.plan, { tolerance: 1e-12 });
    await expectSameResult(before, both, { tolerance: 1e-12 });
  });

  it('uses the estimated row count of a matrix built from a filtered relation', async () => {
    const r2 = rng(11);
    const n = 400;
    const cols = Object.fromEntries(['a', 'b', 'c'].map((c) => [c, Float64Array.from({ length: n }, () => r2() * 2 - 1)]));
    const rel = fromColumns(cols as { a: Float64Array; b: Float64Array; c: Float64Array });
    const X = rel.filter((r) => r.a.gt(0)).toMatrix(['a', 'b', 'c']);
    expect(X.shape.rows).toBeNull();
    const wide = lit(3, 50, 'wide');
    const back = lit(50, 3, 'back');
    const before = X.matmul(wide).matmul(back).plan;
    const after = applyRule(before, matrixChain);
    expect(after.fired).toBe(true);
    expect(planText(after.plan)).toMatchInlineSnapshot(`
      "MatMul
      ├─ ToMatrix a, b, c
      │  └─ Filter (a > 0)
      │     └─ Scan columns
      └─ MatMul
         ├─ Matrix wide
         └─ Matrix back"
    `);
    await expectSameResult(before, after.plan, { tolerance: 1e-12 });
  });

  it('does not fire when the chain is already in its cheapest order', () => {
    const plan = M.matmul(P.matmul(Q.matmul(v))).plan;
    expect(applyRule(plan, matrixChain)).toEqual({ plan, fired: false });
    // Left to right is cheapest here: (v'·Q')·P' with v' 1×300, Q' 300×20, P' 20×300.
    const rowFirst = lit(1, 300, 'r').matmul(Q).matmul(P).plan;
    expect(applyRule(rowFirst, matrixChain)).toEqual({ plan: rowFirst, fired: false });
  });

  it('does not fire on a product of two operands', () => {
    const plan = M.matmul(P).rowSums().plan;
    expect(applyRule(plan, matrixChain).fired).toBe(false);
  });

  it('does not break up a product that has another consumer', () => {
    // Alone, M·P·x would become M·(P·x); but X = M·P is also read by rowSums, so it is
    // computed anyway and stays an operand: X·x is a chain of two.
    const X = M.matmul(P);
    const x = lit(300, 1, 'x');
    const plan = X.matmul(x).add(X.rowSums()).plan;
    expect(planText(plan)).toMatchInlineSnapshot(`
      "Elementwise add
      ├─ MatMul
      │  ├─ MatMul
      │  │  ├─ Matrix M
      │  │  └─ Matrix P
      │  └─ Matrix x
      └─ Reduce rowSums
         └─ MatMul
            ├─ Matrix M
            └─ Matrix P"
    `);
    expect(applyRule(plan, matrixChain)).toEqual({ plan, fired: false });
    // Unshared, the same chain is reordered.
    const alone = M.matmul(P).matmul(x).add(X.rowSums()).plan;
    expect(applyRule(alone, matrixChain).fired).toBe(true);
  });

  it('reorders the chain above a shared product without recomputing it', async () => {
    // X = M·P is shared; X·Q·v is a chain X, Q, v: X·(Q·v) is cheaper, and X stays one node.
    const X = M.matmul(P);
    const before = X.matmul(Q).matmul(v).add(X.rowSums()).plan;
    const after = applyRule(before, matrixChain);
    expect(after.fired).toBe(true);
    expect(planText(after.plan)).toMatchInlineSnapshot(`
      "Elementwise add
      ├─ MatMul
      │  ├─ MatMul
      │  │  ├─ Matrix M
      │  │  └─ Matrix P
      │  └─ MatMul
      │     ├─ Matrix Q
      │     └─ Matrix v
      └─ Reduce rowSums
         └─ MatMul
            ├─ Matrix M
            └─ Matrix P"
    `);
    const root = after.plan;
    expect(root.inputs[0].inputs[0]).toBe(X.plan);
    expect(root.inputs[1].inputs[0]).toBe(X.plan);
    await expectSameResult(before, after.plan, { tolerance: 1e-12 });
  });

  it('reorders a chain inside a loop body', async () => {
    const A = lit(20, 300, 'A');
    const B = lit(300, 20, 'B');
    const before = iterate(lit(20, 1, 's0'), 3, (s) => A.matmul(B).matmul(s).scale(1e-3).add(s)).plan;
    const after = applyRule(before, matrixChain);
    expect(after.fired).toBe(true);
    const body = after.plan.kind === 'loop' ? after.plan.args.body : after.plan;
    expect(planText(body).replace(/\bL\d+/g, 'L')).toMatchInlineSnapshot(`
      "Elementwise add
      ├─ Map scale(0.001)
      │  └─ MatMul
      │     ├─ Matrix A
      │     └─ MatMul
      │        ├─ Matrix B
      │        └─ LoopState L
      └─ LoopState L"
    `);
    expect(cost(after.plan)).toBeLessThan(cost(before) / 5);
    await expectSameResult(before, after.plan, { tolerance: 1e-12 });
  });

  it('is equivalent on random chains of 2 to 6 operands with random shapes', async () => {
    const r3 = rng(2027);
    for (let trial = 0; trial < 12; trial++) {
      const k = 2 + (trial % 5);
      const dims = Array.from({ length: k + 1 }, () => 1 + Math.floor(r3() * 40));
      const ops = dims.slice(0, k).map((d, i) => matrix(uniform(d, dims[i + 1], r3), { name: `A${i}` }) as Matrix<number, number>);
      // Random written order: combine two neighbours at a time.
      let parts = [...ops];
      while (parts.length > 1) {
        const i = Math.floor(r3() * (parts.length - 1));
        parts = [...parts.slice(0, i), parts[i].matmul(parts[i + 1]), ...parts.slice(i + 2)];
      }
      const before = parts[0].plan;
      const after = applyRule(before, matrixChain);
      expect(cost(after.plan)).toBeLessThanOrEqual(cost(before));
      expect(after.fired).toBe(cost(after.plan) < cost(before));
      // Idempotent: the optimal order is a fixed point.
      expect(applyRule(after.plan, matrixChain).fired).toBe(false);
      await expectSameResult(before, after.plan, { tolerance: 1e-12 });
    }
  });
});
