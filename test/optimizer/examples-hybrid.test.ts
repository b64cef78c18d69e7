/**
 * W3 (examples/hybrid.ts): rowSums(M·W) + M·P·Q·v next to the ids of A ⋈ B where active.
 * With R4 and R7 the optimizer turns three m × wide products into matrix–vector
 * products; the estimate must fall by at least 10× and the result must not change.
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

describe('examples/hybrid.ts (W3)', () => {
  it('is a relation: the filtered join with a score column', () => {
    const names = hybrid.schema.fields.map((f) => f.name);
    expect(names.slice(0, 3)).toEqual(['id', 'f1', 'f2']);
    expect(names.slice(-3)).toEqual(['region', 'active', 'score']);
  });

  it('R4 and R7 fire, the estimated cost falls by ≥ 10×, and the result is the same', async () => {
    const plan = hybrid.plan;
    const { plan: optimized, trace } = runRules(plan, RULES);
    const fired = trace.map((f) => f.rule);
    expect(fired).toContain('r7-matrix-chain');
    expect(fired).toContain('r4-sums-through-products');
    const ratio = cost(plan) / cost(optimized);
    // 2,000 rows (≈1,000 active), 100 features, wide = 500: ≈ 3.0e8 → 1.3e6, about 236×.
    expect(ratio).toBeGreaterThanOrEqual(10);
    expect(ratio).toBeGreaterThan(200);
    // Entries are sums of up to 5·10⁴ products of terms in [−1, 1]; the orders differ by ~1e−12 of ~10³.
    await expectSameResult(plan, optimized, { tolerance: 1e-9 });
  });

  it('R7 alone reorders M·P·Q·v into M·(P·(Q·v)), and the chain gets ≥ 100× cheaper', async () => {
    const { result } = buildParts();
    const chain = result.plan.inputs[1];
    const { plan: reordered, trace } = runRules(chain, [matrixChain]);
    expect(trace.map((f) => f.rule)).toEqual(['r7-matrix-chain']);
    expect(cost(chain) / cost(reordered)).toBeGreaterThan(100);
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

  it('cuts the estimate by about three orders of magnitude at the benchmark size (planning only)', () => {
    const plan = buildParts(FULL).pipeline.plan;
    const ratio = cost(plan) / cost(runRules(plan, RULES).plan);
    expect(ratio).toBeGreaterThan(1000);
  });
});
