/**
 * W3 (examples/hybrid.ts): rowSums(M·W) + M·P·Q·v next to the ids of A ⋈ B where active.
 * With R4 and R7 the optimizer turns three m × wide products into matrix–vector
 * products; the FLOPs must fall by over 100× and the result must not change.
 */
import { describe, expect, it } from 'vitest';
import hybrid, { FULL, buildParts } from '../../examples/hybrid.js';
import { estimatePlan } from '../../src/optimizer/cost.js';
import { runRules } from '../../src/optimizer/driver.js';
import { sumsThroughProducts } from '../../src/optimizer/rules/r4-sums-through-products.js';
import { matrixChain } from '../../src/optimizer/rules/r7-matrix-chain.js';
import { loopInvariantHoisting } from '../../src/optimizer/rules/r11-loop-invariant-hoisting.js';
import { transposeFolding } from '../../src/optimizer/rules/r12-transpose-folding.js';
import { commonSubexpressions } from '../../src/optimizer/rules/r13-common-subexpressions.js';
import type { PlanNode } from '../../src/plan/node.js';
import { expectSameResult, planText } from '../support/plans.js';

const RULES = [sumsThroughProducts, matrixChain, loopInvariantHoisting, transposeFolding, commonSubexpressions];
const cost = (plan: PlanNode) => estimatePlan(plan).total.cost;
const flops = (plan: PlanNode) => estimatePlan(plan).total.flops;

describe('examples/hybrid.ts (W3)', () => {
  it('is a relation: the filtered join with a score column', () => {
    const names = hybrid.schema.fields.map((f) => f.name);
    expect(names.slice(0, 3)).toEqual(['id', 'f1', 'f2']);
    expect(names.slice(-3)).toEqual(['region', 'active', 'score']);
  });

  it('R4 and R7 fire, the FLOPs fall by ≥ 400× and the estimated cost by ≥ 20×, and the result is the same', async () => {
    const plan = hybrid.plan;
    const { plan: optimized, trace } = runRules(plan, RULES);
    const fired = trace.map((f) => f.rule);
    expect(fired).toContain('r7-matrix-chain');
    expect(fired).toContain('r4-sums-through-products');
    // 2,000 rows (≈1,000 active), 100 features, wide = 500: the FLOPs fall from 3.0e8
    // to 6.5e5 (about 460×); the cost, which also counts the scans, the join and the
    // encoding that no rewrite removes, about 22×.
    expect(flops(plan) / flops(optimized)).toBeGreaterThan(400);
    expect(cost(plan) / cost(optimized)).toBeGreaterThan(20);
    // Entries are sums of up to 5·10⁴ products of terms in [−1, 1]; the orders differ by ~1e−12 of ~10³.
    await expectSameResult(plan, optimized, { tolerance: 1e-9 });
  });

  it('R7 alone reorders M·P·Q·v into M·(P·(Q·v)), and the chain takes ≥ 100× fewer FLOPs', async () => {
    const { result } = buildParts();
    const chain = result.plan.inputs[1];
    const { plan: reordered, trace } = runRules(chain, [matrixChain]);
    expect(trace.map((f) => f.rule)).toEqual(['r7-matrix-chain']);
    expect(flops(chain) / flops(reordered)).toBeGreaterThan(100);
    expect(cost(chain) / cost(reordered)).toBeGreaterThan(15);
    await expectSameResult(chain, reordered, { tolerance: 1e-9 });
  });

  it('shows the rewrite at a tiny size', () => {
    const { pipeline } = buildParts({ rows: 40, features: 3, wide: 8 });
    const before = pipeline.plan;
    expect(planText(before)).toMatchInlineSnapshot(`
      "AppendColumns score
      ├─ Filter active
      │  └─ Join inner on id
      │     ├─ Scan A
      │     └─ Scan B
      └─ Elementwise add
         ├─ Reduce rowSums
         │  └─ MatMul
         │     ├─ ToMatrix f1, f2, f3
         │     │  └─ Filter active
         │     │     └─ Join inner on id
         │     │        ├─ Scan A
         │     │        └─ Scan B
         │     └─ Matrix W
         └─ MatMul
            ├─ MatMul
            │  ├─ MatMul
            │  │  ├─ ToMatrix f1, f2, f3
            │  │  │  └─ Filter active
            │  │  │     └─ Join inner on id
            │  │  │        ├─ Scan A
            │  │  │        └─ Scan B
            │  │  └─ Matrix P
            │  └─ Matrix Q
            └─ Matrix v"
    `);
    expect(planText(runRules(before, RULES).plan)).toMatchInlineSnapshot(`
      "AppendColumns score
      ├─ Filter active
      │  └─ Join inner on id
      │     ├─ Scan A
      │     └─ Scan B
      └─ Elementwise add
         ├─ MatMul
         │  ├─ ToMatrix f1, f2, f3
         │  │  └─ Filter active
         │  │     └─ Join inner on id
         │  │        ├─ Scan A
         │  │        └─ Scan B
         │  └─ Reduce rowSums
         │     └─ Matrix W
         └─ MatMul
            ├─ ToMatrix f1, f2, f3
            │  └─ Filter active
            │     └─ Join inner on id
            │        ├─ Scan A
            │        └─ Scan B
            └─ MatMul
               ├─ Matrix P
               └─ MatMul
                  ├─ Matrix Q
                  └─ Matrix v"
    `);
  });

  it('cuts the FLOPs by over three orders of magnitude at the benchmark size (planning only)', () => {
    const plan = buildParts(FULL).pipeline.plan;
    const optimized = runRules(plan, RULES).plan;
    // FLOPs about 6,000× fewer; the cost, relational work included, about 216×.
    expect(flops(plan) / flops(optimized)).toBeGreaterThan(1000);
    expect(cost(plan) / cost(optimized)).toBeGreaterThan(200);
  });
});
