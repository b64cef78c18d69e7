/**
 * R13 — common subexpression elimination: equal subplans become one node object, so
 * the executor (memoizing by identity) runs them once. Plan text is the same before
 * and after (explain prints a DAG as a tree); identity, run counts and the estimated
 * cost show the rewrite.
 */
import { describe, expect, it } from 'vitest';
import { fromColumns, iterate, matrix } from '../../../src/index.js';
import { execute } from '../../../src/exec/execute.js';
import { estimatePlan } from '../../../src/optimizer/cost.js';
import type { RuleContext } from '../../../src/optimizer/rule.js';
import { commonSubexpressions } from '../../../src/optimizer/rules/r13-common-subexpressions.js';
import { cellValue } from '../../../src/data/column.js';
import { toDense } from '../../../src/exec/operators/matrix.js';
import { binary, columnRef, literal } from '../../../src/plan/expr.js';
import { type Node, type PlanNode, makeNode, planDigest, postOrder } from '../../../src/plan/node.js';
import { rng, uniform } from '../../matrix/reference.js';
import { applyRule, expectSameResult, planText } from '../../support/plans.js';

/** Distinct node objects of a plan (loop bodies included). */
function distinctNodes(root: PlanNode): Set<PlanNode> {
  const seen = new Set<PlanNode>();
  const walk = (n: PlanNode) => {
    if (seen.has(n)) return;
    seen.add(n);
    n.inputs.forEach(walk);
    if (n.kind === 'loop') walk(n.args.body);
  };
  walk(root);
  return seen;
}

/** Whether every digest of the plan is one node object. */
function maximallyShared(root: PlanNode): boolean {
  const nodes = [...distinctNodes(root)];
  return new Set(nodes.map(planDigest)).size === nodes.length;
}

/** The context the driver gives a rule, for offering a node directly. */
function contextOf(root: PlanNode): RuleContext {
  const counts = new Map<PlanNode, number>();
  for (const n of distinctNodes(root)) for (const c of n.inputs) counts.set(c, (counts.get(c) ?? 0) + 1);
  return { consumers: (n) => counts.get(n) ?? 0, cost: (n) => estimatePlan(n).total.cost };
}

const rand = rng(13);
const points = (() => {
  const n = 120;
  const col = () => Float64Array.from({ length: n }, () => rand() * 2 - 1);
  return fromColumns({ a: col(), b: col(), c: col() }, { name: 'points' });
})();
const W = matrix(uniform(3, 40, rand), { name: 'W' });

describe('r13-common-subexpressions', () => {
  it('shares a filter, a matrix and a product written twice: each runs once', async () => {
    // The same pipeline fragment built twice, as two calls of a helper would.
    const scores = () => points.filter((r) => r.a.gt(0)).toMatrix(['a', 'b', 'c']).matmul(W);
    const before = scores().rowSums().add(scores().rowMeans()).plan;
    expect(planText(before)).toMatchInlineSnapshot(`
      "Elementwise add
      ├─ Reduce rowSums
      │  └─ MatMul
      │     ├─ ToMatrix a, b, c
      │     │  └─ Filter (a > 0)
      │     │     └─ Scan points
      │     └─ Matrix W
      └─ Reduce rowMeans
         └─ MatMul
            ├─ ToMatrix a, b, c
            │  └─ Filter (a > 0)
            │     └─ Scan points
            └─ Matrix W"
    `);
    expect(maximallyShared(before)).toBe(false);
    const after = applyRule(before, commonSubexpressions);
    expect(after.fired).toBe(true);
    // Same text (a DAG prints as a tree), now one node per digest.
    expect(planText(after.plan)).toBe(planText(before));
    expect(planDigest(after.plan)).toBe(planDigest(before));
    expect(maximallyShared(after.plan)).toBe(true);
    const [sums, means] = after.plan.inputs;
    expect(sums.inputs[0]).toBe(means.inputs[0]);

    const run = async (plan: PlanNode) => [...(await execute(plan)).stats].filter(([n]) => n.kind === 'matmul' || n.kind === 'filter' || n.kind === 'scan');
    const unshared = await run(before);
    // The scan is one node already (both fragments start from \`points\`); the rest is duplicated.
    expect(unshared.map(([n, s]) => [n.kind, s.runs])).toEqual([
      ['scan', 1], ['filter', 1], ['matmul', 1], ['filter', 1], ['matmul', 1],
    ]);
    const shared = await run(after.plan);
    expect(shared.map(([n, s]) => [n.kind, s.runs])).toEqual([['scan', 1], ['filter', 1], ['matmul', 1]]);
    expect(shared.find(([n]) => n.kind === 'matmul')![0]).toBe(sums.inputs[0]);

    // The estimate drops by exactly one copy of the shared filter, encoding and product.
    const estimates = estimatePlan(before);
    const product = before.inputs[0].inputs[0];
    const once = [product, product.inputs[0], product.inputs[0].inputs[0]].reduce((sum, n) => sum + estimates.nodes.get(n)!.cost, 0);
    expect(estimatePlan(after.plan).total.cost).toBeCloseTo(estimates.total.cost - once, 6);
    await expectSameResult(before, after.plan);
  });

  it('acts only at the root, and returns null once the plan is maximally shared', () => {
    const product = () => W.transpose().matmul(W);
    const before = product().add(product()).plan;
    expect(commonSubexpressions.apply(before.inputs[0], contextOf(before))).toBeNull();
    const shared = commonSubexpressions.apply(before, contextOf(before));
    expect(shared).not.toBeNull();
    expect(shared!.inputs[0]).toBe(shared!.inputs[1]);
    expect(commonSubexpressions.apply(shared!, contextOf(shared!))).toBeNull();
    expect(applyRule(shared!, commonSubexpressions)).toEqual({ plan: shared, fired: false });
  });

  it('does not fire on a plan already shared by construction, nor on one without repeats', () => {
    const p = W.transpose().matmul(W);
    const sharedByBuilder = p.add(p).plan;
    expect(applyRule(sharedByBuilder, commonSubexpressions)).toEqual({ plan: sharedByBuilder, fired: false });
    const noRepeats = points.toMatrix(['a', 'b']).colSums().plan;
    expect(applyRule(noRepeats, commonSubexpressions)).toEqual({ plan: noRepeats, fired: false });
  });

  it('keeps distinct literals with equal values apart (a literal is its id, not its values)', () => {
    const a = matrix([[1, 2]]);
    const b = matrix([[1, 2]]);
    const plan = a.add(b).plan;
    expect(applyRule(plan, commonSubexpressions).fired).toBe(false);
  });

  it('shares inside a loop body: the repeated subplan runs once per iteration, not twice', async () => {
    const X = points.toMatrix(['a', 'b', 'c']);
    const before = iterate(matrix([[0.1], [0.2], [0.3]]), 4, (w) => {
      const score = () => X.matmul(w).sigmoid();
      return w.add(X.crossprod(score()).scale(0.01)).sub(X.crossprod(score().scale(0.5)).scale(0.01));
    }).plan;
    const after = applyRule(before, commonSubexpressions);
    expect(after.fired).toBe(true);
    expect(maximallyShared(after.plan)).toBe(true);
    const sigmoidRuns = async (plan: PlanNode) =>
      [...(await execute(plan)).stats].filter(([n]) => n.kind === 'map' && n.args.fn === 'sigmoid').map(([, s]) => s.runs);
    expect(await sigmoidRuns(before)).toEqual([4, 4]);
    expect(await sigmoidRuns(after.plan)).toEqual([4]);
    await expectSameResult(before, after.plan, { tolerance: 1e-12 });
  });

  it('makes three copies of a product one object', () => {
    const scores = () => points.toMatrix(['a', 'b', 'c']).matmul(W);
    const before = scores().hstack(scores(), scores()).plan;
    const after = applyRule(before, commonSubexpressions).plan;
    const kinds = postOrder(after).map((n) => n.kind);
    // postOrder walks the tree: three visits, but one matmul object.
    expect(kinds.filter((k) => k === 'matmul')).toHaveLength(3);
    expect(new Set(postOrder(after).filter((n) => n.kind === 'matmul')).size).toBe(1);
  });

  it('never merges scans that differ only in column names that read alike: [\'a,b\'] and [\'a\', \'b\']', async () => {
    const t = fromColumns({ a: Float64Array.of(1, 2, 3), b: Float64Array.of(10, 20, 30), 'a,b': Float64Array.of(100, 200, 300) }, { name: 't' });
    const { source } = (t.plan as Node<'scan'>).args;
    const scanOf = (columns: string[]) => makeNode('scan', { source, columns }, []);
    const encode = (rel: PlanNode, columns: string[]) =>
      makeNode('toMatrix', { features: columns.map((column) => ({ column, encoding: 'numeric' as const })), intercept: false, dtype: 'float64' }, [rel]);
    const before = makeNode('hstack', {}, [encode(scanOf(['a,b']), ['a,b']), encode(scanOf(['a', 'b']), ['a', 'b'])]);
    const after = applyRule(before, commonSubexpressions);
    expect(after.fired).toBe(false);
    const { result } = await execute(after.plan);
    expect(result.kind).toBe('matrix');
    if (result.kind !== 'matrix') return;
    expect(Array.from(toDense(result.value).data)).toEqual([100, 1, 10, 200, 2, 20, 300, 3, 30]);
  });

  it('never merges a filter on a column named like an expression with a filter on the expression', async () => {
    // The bool column's name is the text the expression `a > 1` had as its digest.
    const t = fromColumns({ a: Int32Array.of(0, 1, 2, 3), '(a > 1::int32)': [true, true, false, false] }, { name: 't' });
    const named = makeNode('filter', { predicate: columnRef('(a > 1::int32)', { dtype: 'bool', nullable: false }) }, [t.plan]);
    const computed = makeNode('filter', { predicate: binary('gt', columnRef('a', { dtype: 'int32', nullable: false }), literal(1, 'int32')) }, [t.plan]);
    const before = makeNode('union', {}, [named, computed]);
    const after = applyRule(before, commonSubexpressions);
    expect(after.fired).toBe(false);
    expect(after.plan.inputs[0]).not.toBe(after.plan.inputs[1]);
    const { result } = await execute(after.plan);
    expect(result.kind).toBe('relation');
    if (result.kind !== 'relation') return;
    const a = result.batches.flatMap((b) => Array.from({ length: b.length }, (_, i) => cellValue(b.columns[0], i)));
    expect(a.sort()).toEqual([0, 1, 2, 3]);
  });
});
