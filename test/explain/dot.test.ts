import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { explainSync } from '../../src/explain/explain.js';
import { optimize } from '../../src/optimizer/index.js';
import { transposeFolding } from '../../src/optimizer/rules/r12-transpose-folding.js';
import type { PlanNode } from '../../src/plan/node.js';
import { allNodes, gram, joinFilterGroup, logistic } from './pipelines.js';

const hasDot = spawnSync('dot', ['-V']).status === 0;

/** Braces outside string literals must balance, and never go below zero. */
function balanced(dot: string): boolean {
  let depth = 0;
  for (const ch of dot.replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
    if (ch === '{') depth++;
    if (ch === '}' && --depth < 0) return false;
  }
  return depth === 0;
}

function checkGraph(dot: string, plan: PlanNode): void {
  expect(dot.startsWith('digraph tessera {')).toBe(true);
  expect(dot.trimEnd().endsWith('}')).toBe(true);
  expect(balanced(dot)).toBe(true);
  const all = allNodes(plan);
  const nodeLines = dot.split('\n').filter((l) => /^\s*n\d+ \[label=/.test(l));
  expect(nodeLines).toHaveLength(all.size);
  expect(new Set(nodeLines.map((l) => l.trim().split(' ')[0])).size).toBe(all.size);
  const edges = dot.split('\n').filter((l) => l.includes('->'));
  const inputs = [...all].reduce((s, n) => s + n.inputs.length, 0);
  const bodies = [...all].filter((n) => n.kind === 'loop').length;
  expect(edges).toHaveLength(inputs + bodies);
  for (const e of edges) expect(e).toMatch(/^\s*n\d+ -> n\d+( \[.*\])?;$/);
}

describe('explain dot', () => {
  it('is a well-formed digraph: one node per operator, one edge per input', () => {
    const plan = joinFilterGroup().plan;
    const dot = explainSync(plan, { format: 'dot', rules: [] });
    checkGraph(dot, plan);
    expect(dot).toContain('label="Filter (amount > 8)\\n');
    expect(dot).toContain('est. 12 rows · cost 36');
  });

  it('draws a shared subplan once (a DAG), with an edge per reader', () => {
    const plan = gram().plan; // X is read by a transpose and by a product
    const dot = explainSync(plan, { format: 'dot', optimize: false });
    checkGraph(dot, plan);
    expect(dot.match(/label="ToMatrix a, b, intercept\\n/g)).toHaveLength(1);
    const optimized = optimize(plan, { rules: [transposeFolding] }).plan;
    checkGraph(explainSync(plan, { format: 'dot', rules: [transposeFolding] }), optimized);
  });

  it('puts a loop body in a dashed cluster joined to its Loop', async () => {
    const plan = logistic(30, 2).plan;
    const dot = explainSync(plan, { format: 'dot', optimize: false });
    checkGraph(dot, plan);
    expect(dot).toMatch(/subgraph cluster_n\d+ \{\n\s+label="L\d+ body, runs ×2"/);
    expect(dot).toMatch(/n\d+ -> n1 \[style=dashed, label="body"\];/);
    const analyzed = await logistic(30, 2).explain({ format: 'dot', analyze: true, optimize: false });
    expect(analyzed).toMatch(/actual 30×1 · [<\d.]+ ms · 240 B · ×2/);
    checkGraph(analyzed, plan);
  });

  it.runIf(hasDot)('renders with dot -Tsvg', () => {
    for (const dot of [explainSync(joinFilterGroup().plan, { format: 'dot', rules: [] }), explainSync(logistic().plan, { format: 'dot', optimize: false })]) {
      const r = spawnSync('dot', ['-Tsvg'], { input: dot, encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('<svg');
    }
  });
});
