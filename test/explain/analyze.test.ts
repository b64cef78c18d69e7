import { describe, expect, it } from 'vitest';
import { explain } from '../../src/explain/explain.js';
import type { ExplainJson, ExplainJsonNode } from '../../src/explain/json.js';
import { transposeFolding } from '../../src/optimizer/rules/r12-transpose-folding.js';
import { customers, gram, gutterOf, joinFilterGroup, logistic, orders } from './pipelines.js';

function sectionOf(text: string, title: string): string {
  const start = text.indexOf(`\n${title}`);
  return text.slice(start + 1, text.indexOf('\n\n', start + 1));
}

function find(node: ExplainJsonNode, operator: string): ExplainJsonNode[] {
  const out = node.operator === operator ? [node] : [];
  for (const c of [...node.inputs, ...(node.body ? [node.body] : [])]) out.push(...find(c, operator));
  return out;
}

describe('explain analyze', () => {
  it('shows actual rows equal to the real row counts of join + filter + group-by', async () => {
    const joined = orders.join(customers, 'customer');
    const filtered = joined.filter((r) => r.amount.gt(8));
    const real = {
      orders: (await orders.collectRows()).length,
      customers: (await customers.collectRows()).length,
      join: (await joined.collectRows({ optimize: false })).length,
      filter: (await filtered.collectRows({ optimize: false })).length,
      aggregate: (await joinFilterGroup().collectRows({ optimize: false })).length,
    };
    expect(real).toEqual({ orders: 12, customers: 4, join: 11, filter: 8, aggregate: 3 });

    const text = await joinFilterGroup().explain({ analyze: true, optimize: false });
    const plan = sectionOf(text, 'Optimized plan');
    expect(plan.split('\n')[1]).toMatch(/^\s+est\. rows\s+actual\s+est\. cost\s+time\s+%\s+bytes\s+operator$/);
    // The first two figures of a line: estimated rows, actual rows.
    expect(gutterOf(plan, 'Scan orders')[1]).toBe(String(real.orders));
    expect(gutterOf(plan, 'Scan customers')[1]).toBe(String(real.customers));
    expect(gutterOf(plan, 'Join inner on customer')[1]).toBe(String(real.join));
    expect(gutterOf(plan, 'Filter (amount > 8)')[1]).toBe(String(real.filter));
    expect(gutterOf(plan, 'Aggregate by [country]')[1]).toBe(String(real.aggregate));
    for (const line of plan.split('\n').slice(2)) expect(line).toMatch(/ (\d[\d.]*|<0\.01) ms +\d+% +[\d.]+ k?B /);
    expect(text).toMatch(/Optimized plan \(optimizer off: the plan as built\) — analyzed, ran in [\d.]+ m?s/);
    expect(text).toMatch(/Actual: ran in [\d.]+ m?s \(operators [<\d.]+ m?s\); result 3 rows, \d+ B/);

    const json = JSON.parse(await joinFilterGroup().explain({ analyze: true, format: 'json', optimize: false })) as ExplainJson;
    expect(find(json.optimized, 'join')[0].actual?.rows).toBe(real.join);
    expect(find(json.optimized, 'filter')[0].actual?.rows).toBe(real.filter);
    expect(json.optimized.actual).toMatchObject({ rows: 3, runs: 1 });
    expect(json.optimized.actual!.timeMs).toBeGreaterThanOrEqual(0);
    expect(json.optimized.actual!.bytes).toBeGreaterThan(0);
    expect(json.logical.actual).toBeUndefined();
  });

  it('shows actual shapes of a matrix pipeline', async () => {
    const m = gram(40);
    const result = await m.collect();
    expect([result.rows, result.cols]).toEqual([3, 1]);
    const text = await m.explain({ analyze: true, rules: [transposeFolding] });
    const plan = sectionOf(text, 'Optimized plan');
    expect(gutterOf(plan, 'ToMatrix a, b, intercept').slice(0, 2)).toEqual(['40×3', '40×3']);
    expect(gutterOf(plan, 'ToMatrix y').slice(0, 2)).toEqual(['40×1', '40×1']);
    expect(gutterOf(plan, 'MatMul').slice(0, 2)).toEqual(['3×1', `${result.rows}×${result.cols}`]);
    expect(plan).toContain('CrossProd');
    expect(text).toContain('result 3×1 matrix, 24 B');

    const json = JSON.parse(await m.explain({ analyze: true, format: 'json', rules: [transposeFolding] })) as ExplainJson;
    for (const cp of find(json.optimized, 'crossprod')) {
      expect(cp.actual).toMatchObject({ rows: 3, runs: 1 });
      expect([cp.actual!.rows, cp.actual!.cols]).toEqual([cp.output.kind === 'matrix' ? cp.output.rows : -1, cp.output.kind === 'matrix' ? cp.output.cols : -1]);
    }
  });

  it('counts runs of the operators inside a loop body', async () => {
    const text = await logistic(40, 4).explain({ analyze: true, optimize: false });
    const plan = sectionOf(text, 'Optimized plan');
    expect(plan.split('\n')[1]).toMatch(/\bruns\s+operator$/);
    expect(plan).toMatch(/×4\s+├─ body ×4: Elementwise sub/);
    expect(plan).toMatch(/×4\s+│.*MatMul/);
    expect(gutterOf(plan, 'Loop L').slice(0, 2)).toEqual(['3×1', '3×1']);
    expect(plan).toMatch(/Σ [\d.]+ ms\s+Σ \d+%/);

    const json = JSON.parse(await explain(logistic(40, 4).plan, { analyze: true, format: 'json', optimize: false })) as ExplainJson;
    const loop = json.optimized;
    expect(loop.operator).toBe('loop');
    expect(loop.iterations).toBe(4);
    expect(loop.actual?.runs).toBe(1);
    expect(loop.body?.actual).toMatchObject({ rows: 3, cols: 1, runs: 4 });
    expect(find(loop.body!, 'matmul')[0].actual).toMatchObject({ rows: 40, cols: 1, runs: 4 });
  });
});
