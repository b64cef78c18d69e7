import { type ExprNode, binary, columnsOf } from '../../plan/expr.js';
import { type PlanNode, makeNode, planDigest, withInputs } from '../../plan/node.js';
import type { Rule, RuleContext } from '../rule.js';

/**
 * R5 (rows) — a row selection on relation columns moves below the matrix appended to
 * the relation: σ_p(X·W) = σ_p(X)·W at the bridge.
 *
 *   Filter_p(appendColumns(rel, M))  =  appendColumns(Filter_p(rel), M[rel := Filter_p(rel)])
 *
 * Precondition: p reads only columns of rel (not the appended matrix columns; of a
 * conjunction, the conjuncts that do move below and the others stay above), the appended
 * relation has no other reader, and M is row-wise in rel (`isRowWise`): row i of M is
 * computed from row i of rel alone, so computing M over the surviving rows gives exactly
 * the surviving rows of M, in order.
 *
 * Why it pays: the matrix work (the product, above all) runs only on the rows that
 * survive the filter, and the matrix rows that would be dropped are never built.
 */
export const rowSelectionPushdown: Rule = {
  name: 'r5-row-selection-pushdown',
  description: 'moves a filter on relation columns below appendColumns, so the appended matrix is computed for the surviving rows only',
  apply(node: PlanNode, context: RuleContext): PlanNode | null {
    if (node.kind !== 'filter') return null;
    const append = node.inputs[0];
    if (append.kind !== 'appendColumns' || context.consumers(append) !== 1) return null;
    const [rel, m] = append.inputs;
    if (rel.output.kind !== 'relation') return null;
    const relColumns = new Set(rel.output.schema.fields.map((f) => f.name));
    const onRel = (e: ExprNode) => [...columnsOf(e)].every((c) => relColumns.has(c));
    const conjuncts = splitAnd(node.args.predicate);
    const below = conjuncts.filter(onRel);
    if (below.length === 0 || !isRowWise(m, rel)) return null;
    const filtered = makeNode('filter', { predicate: below.reduce((a, b) => binary('and', a, b)) }, [rel]);
    const pushed = makeNode('appendColumns', append.args, [filtered, replaceSubplan(m, rel, filtered)]);
    const above = conjuncts.filter((e) => !onRel(e));
    return above.length === 0 ? pushed : makeNode('filter', { predicate: above.reduce((a, b) => binary('and', a, b)) }, [pushed]);
  },
};

/** The conjuncts of a predicate: a AND (b AND c) → [a, b, c]. */
function splitAnd(e: ExprNode): ExprNode[] {
  return e.kind === 'binary' && e.op === 'and' ? [...splitAnd(e.left), ...splitAnd(e.right)] : [e];
}

/**
 * Whether matrix `m` is row-wise in relation `rel`: every operator on each path from m
 * down to a `toMatrix(rel)` maps row i to row i using only row i of its rel-derived
 * operands, and nothing else in m reads rel. Then computing m over a subset of rel's
 * rows (same order) gives that subset of m's rows. Accepted:
 * - toMatrix(rel) (rel equal by digest) with numeric, one-hot (fixed categories), hash
 *   features and an intercept, but no `standardize` (its mean and deviation are fitted on all rows);
 * - X·W with X row-wise and W not derived from rel;
 * - element-wise A ⊙ B with A row-wise and B row-wise too, or B a 1×k row / 1×1 scalar not derived from rel;
 * - element maps, `nearest`, column selections, row sums/means, and hstack of row-wise matrices.
 */
export function isRowWise(m: PlanNode, rel: PlanNode): boolean {
  const relDigest = planDigest(rel);
  const dependsOn = derivedFrom(relDigest);
  const memo = new Map<PlanNode, boolean>();
  const rowWise = (n: PlanNode): boolean => {
    let known = memo.get(n);
    if (known === undefined) {
      known = check(n);
      memo.set(n, known);
    }
    return known;
  };
  const check = (n: PlanNode): boolean => {
    switch (n.kind) {
      case 'toMatrix':
        return planDigest(n.inputs[0]) === relDigest && n.args.features.every((f) => f.encoding !== 'standardize');
      case 'matmul':
        return rowWise(n.inputs[0]) && !dependsOn(n.inputs[1]);
      case 'elementwise': {
        const [a, b] = n.inputs;
        if (!rowWise(a)) return false;
        if (dependsOn(b)) return rowWise(b);
        return b.output.kind === 'matrix' && b.output.rows === 1;
      }
      case 'map':
      case 'nearest':
      case 'selectCols':
        return rowWise(n.inputs[0]);
      case 'reduce':
        return n.args.axis === 'rows' && rowWise(n.inputs[0]);
      case 'hstack':
        return n.inputs.every(rowWise);
      default:
        return false;
    }
  };
  return rowWise(m);
}

/** A test of whether a subplan with digest `target` occurs in a node (memoized: plans may be DAGs). */
function derivedFrom(target: string): (node: PlanNode) => boolean {
  const memo = new Map<PlanNode, boolean>();
  const test = (node: PlanNode): boolean => {
    let known = memo.get(node);
    if (known === undefined) {
      known = planDigest(node) === target || (node.kind === 'loop' && test(node.args.body)) || node.inputs.some(test);
      memo.set(node, known);
    }
    return known;
  };
  return test;
}

/** `node` with every subplan equal (by digest) to `from` replaced by `to`. */
export function replaceSubplan(node: PlanNode, from: PlanNode, to: PlanNode): PlanNode {
  const target = planDigest(from);
  const memo = new Map<PlanNode, PlanNode>();
  const visit = (n: PlanNode): PlanNode => {
    if (planDigest(n) === target) return to;
    let done = memo.get(n);
    if (!done) {
      done = withInputs(n, n.inputs.map(visit));
      memo.set(n, done);
    }
    return done;
  };
  return visit(node);
}
