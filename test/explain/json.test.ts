import { describe, expect, it } from 'vitest';
import { explain, explainSync } from '../../src/explain/explain.js';
import type { ExplainJson, ExplainJsonNode } from '../../src/explain/json.js';
import { formatCount } from '../../src/explain/text.js';
import { estimatePlan, optimize } from '../../src/optimizer/index.js';
import { transposeFolding } from '../../src/optimizer/rules/r12-transpose-folding.js';
import { dropSortUnderAggregate, gram, joinFilterGroup, logistic, sortedJoinFilterGroup } from './pipelines.js';

function nodes(n: ExplainJsonNode): ExplainJsonNode[] {
  return [n, ...n.inputs.flatMap(nodes), ...(n.body ? nodes(n.body) : [])];
}

describe('explain json', () => {
  it('parses, with both plans, the rules fired, the trace and the cost before and after', () => {
    const pipeline = sortedJoinFilterGroup();
    const json = JSON.parse(pipeline.explain({ format: 'json', rules: [dropSortUnderAggregate] })) as ExplainJson;
    expect(json.version).toBe(1);
    expect(json.rulesFired).toEqual(['test-drop-sort-under-aggregate']);
    expect(json.trace).toHaveLength(1);
    expect(json.trace[0].rule).toBe('test-drop-sort-under-aggregate');
    expect(json.trace[0].matched[0]).toMatch(/^Aggregate by \[country\]/);
    expect(typeof json.cost.before).toBe('number');
    expect(typeof json.cost.after).toBe('number');
    expect(json.cost.after).toBeLessThan(json.cost.before);
    expect(json.cost.before).toBeCloseTo(estimatePlan(pipeline.plan).total.cost);
    expect(json.trace[0].costAfter).toBe(json.cost.after);
    expect(json.trace[0].plan).toBeUndefined();
    expect(json.optimizer).toMatchObject({ enabled: true, rulesTried: ['test-drop-sort-under-aggregate'] });
    expect(json.output).toEqual({ kind: 'relation', columns: [{ name: 'country', type: 'string' }, { name: 'orders', type: 'int64' }, { name: 'total', type: 'float64?' }], primaryKey: ['country'] });
    expect(nodes(json.logical).map((n) => n.operator)).toEqual(['aggregate', 'sort', 'filter', 'join', 'scan', 'scan']);
    expect(nodes(json.optimized).map((n) => n.operator)).toEqual(['aggregate', 'filter', 'join', 'scan', 'scan']);
  });

  it('describes every node: operator, label, output, estimate, inputs', () => {
    const json = JSON.parse(explainSync(joinFilterGroup().plan, { format: 'json', rules: [] })) as ExplainJson;
    for (const n of [...nodes(json.logical), ...nodes(json.optimized)]) {
      expect(typeof n.id).toBe('number');
      expect(typeof n.operator).toBe('string');
      expect(typeof n.label).toBe('string');
      expect(['relation', 'matrix']).toContain(n.output.kind);
      expect(n.estimate).toMatchObject({ rows: expect.any(Number), cols: expect.any(Number), flops: expect.any(Number), bytes: expect.any(Number), cost: expect.any(Number) });
      expect(Array.isArray(n.inputs)).toBe(true);
    }
    const filter = nodes(json.optimized).find((n) => n.operator === 'filter')!;
    expect(filter.label).toBe('Filter (amount > 8)');
    // An operator the optimizer did not touch keeps its id across the two plans.
    expect(json.logical.id).toBe(json.optimized.id);
  });

  it('gives matrices their shape and loops their body', () => {
    const json = JSON.parse(logistic(40, 3).explain({ format: 'json', optimize: false })) as ExplainJson;
    expect(json.optimized.operator).toBe('loop');
    expect(json.optimized.iterations).toBe(3);
    expect(json.optimized.output).toMatchObject({ kind: 'matrix', rows: 3, cols: 1, dtype: 'float64' });
    expect(json.optimized.body?.operator).toBe('elementwise');
    // The whole loop's estimated cost, as the text form prints it after Σ: more than its own.
    const text = logistic(40, 3).explain({ optimize: false });
    expect(text).toMatch(new RegExp(`Σ ${formatCount(json.optimized.loopCost!).replace('.', '\\.')}\\s+Loop L\\d+`));
    expect(json.optimized.loopCost!).toBeGreaterThan(json.optimized.estimate!.cost);
    const toMatrix = nodes(json.optimized).filter((n) => n.label === 'ToMatrix a, b, intercept');
    expect(toMatrix.length).toBeGreaterThan(1);
    expect(new Set(toMatrix.map((n) => n.id)).size).toBe(1);
    expect(toMatrix.every((n) => n.shared)).toBe(true);
  });

  it('includes the plan after each rule with verbose', async () => {
    const m = gram();
    const json = JSON.parse(await explain(m.plan, { format: 'json', verbose: true, rules: [transposeFolding] })) as ExplainJson;
    const { trace } = optimize(m.plan, { rules: [transposeFolding] });
    expect(json.rulesFired).toEqual(trace.map((t) => t.rule));
    expect(json.rulesFired.length).toBeGreaterThan(0);
    expect(json.trace.at(-1)?.plan?.label).toBe(json.optimized.label);
    expect(nodes(json.trace.at(-1)!.plan!).some((n) => n.operator === 'crossprod')).toBe(true);
    expect(json.estimate.after.flops).toBeLessThan(json.estimate.before.flops);
  });
});
