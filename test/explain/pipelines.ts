/** Small pipelines and a test-only rule shared by the explain tests. */
import { count, fromColumns, logisticRegression, type Matrix } from '../../src/index.js';
import { type PlanNode, makeNode } from '../../src/plan/node.js';
import type { Rule } from '../../src/optimizer/rule.js';
import { build, customers, orders } from '../fixtures/explain-pipeline.js';

export { build as joinFilterGroup, customers, orders };

/** The same as the fixture, with a Sort under the Aggregate (which `dropSortUnderAggregate` removes). */
export function sortedJoinFilterGroup() {
  return orders
    .join(customers, 'customer')
    .filter((r) => r.amount.gt(8))
    .orderBy('amount')
    .groupBy('country')
    .agg((r) => ({ orders: count(), total: r.amount.sum() }));
}

/** Test rule: an Aggregate does not need its input sorted. */
export const dropSortUnderAggregate: Rule = {
  name: 'test-drop-sort-under-aggregate',
  description: 'an aggregate ignores the order of its input',
  apply(node: PlanNode): PlanNode | null {
    if (node.kind !== 'aggregate' || node.inputs[0].kind !== 'sort') return null;
    return makeNode('aggregate', node.args, [node.inputs[0].inputs[0]]);
  },
};

export function table(n = 40) {
  return fromColumns(
    {
      a: Float64Array.from({ length: n }, (_, i) => Math.sin(i + 1)),
      b: Float64Array.from({ length: n }, (_, i) => Math.cos(2 * i)),
      y: Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0)),
    },
    { name: 'points' },
  );
}

/** Xᵀ·X + Xᵀ·y over a relation turned into a matrix: transpose folding rewrites both products. */
export function gram(n = 40): Matrix<number, number> {
  const t = table(n);
  const X = t.toMatrix(['a', 'b'], { intercept: true });
  const y = t.toMatrix(['y']);
  return X.transpose().matmul(X).matmul(X.transpose().matmul(y));
}

/** A loop: logistic regression by gradient steps. */
export function logistic(n = 40, steps = 3): Matrix<number, number> {
  const t = table(n);
  return logisticRegression(t.toMatrix(['a', 'b'], { intercept: true }), t.toMatrix(['y']), { steps });
}

/** Every distinct node of a plan, loop bodies included. */
export function allNodes(root: PlanNode): Set<PlanNode> {
  const seen = new Set<PlanNode>();
  const visit = (n: PlanNode) => {
    if (seen.has(n)) return;
    seen.add(n);
    n.inputs.forEach(visit);
    if (n.kind === 'loop') visit(n.args.body);
  };
  visit(root);
  return seen;
}

/**
 * The figures left of the tree on the line of the first operator whose label contains
 * `label`, split on spaces (so `0.2 ms` is two items; est. rows and actual come first).
 */
export function gutterOf(text: string, label: string): string[] {
  const line = text.split('\n').find((l) => l.includes(label) && !l.includes('shown above'));
  if (!line) throw new Error(`no line with '${label}' in:\n${text}`);
  const before = line.slice(0, line.indexOf(label)).replace(/[\s│├└─]*(body ×\d+: |init: |L\d+\[\d+\]: )?$/, '');
  return before.trim().split(/\s+/);
}
