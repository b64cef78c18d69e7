/**
 * W4 (examples/projection.ts): R5 (columns and rows) make the pipeline cost about 2.5% of
 * the naive plan (docs/workloads.md) — here required ≤ 3% — and give the same rows.
 */
import { describe, expect, it } from 'vitest';
import pipeline, { build } from '../../examples/projection.js';
import { estimatePlan } from '../../src/optimizer/cost.js';
import { runRules } from '../../src/optimizer/driver.js';
import { productColumnSelection } from '../../src/optimizer/rules/r5-product-column-selection.js';
import { rowSelectionPushdown } from '../../src/optimizer/rules/r5-row-selection-pushdown.js';
import { toMatrixProjection } from '../../src/optimizer/rules/r6-tomatrix-projection.js';
import { expectSameResult, planText } from '../support/plans.js';

const RULES = [productColumnSelection, rowSelectionPushdown, toMatrixProjection];

describe('W4: projection and selection through a product', () => {
  it('the optimized plan costs ≤ 3% of the naive plan and gives the same rows', async () => {
    const plan = build(2_000).plan;
    const { plan: optimized, trace } = runRules(plan, RULES);
    expect(trace.map((f) => f.rule)).toEqual(['r5-product-column-selection', 'r5-row-selection-pushdown']);
    expect(planText(optimized)).toMatchInlineSnapshot(`
      "AppendColumns s1, s2, s3, s4
      ├─ Filter (segment = 'seg3')
      │  └─ Scan customers
      └─ MatMul
         ├─ ToMatrix f1, f2, f3, f4, f5, f6, f7, f8, f9, …, f63, f64 (64 in all)
         │  └─ Filter (segment = 'seg3')
         │     └─ Scan customers
         └─ SelectCols [3, 97, 256, 511]
            └─ Matrix W"
    `);
    const ratio = estimatePlan(optimized).total.cost / estimatePlan(plan).total.cost;
    expect(ratio).toBeLessThanOrEqual(0.03);
    // Sums of 64 products of terms below 1 in magnitude: relative 1e-12 in float64.
    await expectSameResult(plan, optimized, { tolerance: 1e-12 });
  });

  it('keeps the ratio at the default size (the plan the CLI explains)', () => {
    const { plan: optimized } = runRules(pipeline.plan, RULES);
    const ratio = estimatePlan(optimized).total.cost / estimatePlan(pipeline.plan).total.cost;
    expect(ratio).toBeLessThanOrEqual(0.03);
  });
});
