import { type PlanNode, makeNode } from '../../plan/node.js';
import type { Rule, RuleContext } from '../rule.js';

/**
 * R5 (columns) — a column selection after a product selects columns of its right operand.
 *
 *   (X·W)[:, c]      = X · W[:, c]
 *   (A ⊙ b)[:, c]    = A[:, c] ⊙ b[:, c]     b a 1×k row (broadcast over the rows)
 *   (A ⊙ s)[:, c]    = A[:, c] ⊙ s           s a 1×1 scalar or an n×1 column
 *   f(A)[:, c]       = f(A[:, c])            f an element map
 *
 * Column j of X·W depends only on column j of W, and element-wise operators work
 * column by column, so the selection can move below them (and keeps moving down to the
 * product). Precondition: the operator below the selection has no other reader (it
 * would be computed in full anyway), and the cost model says the rewritten form is cheaper.
 *
 * Why it pays: keeping c of k output columns of an n×m · m×k product costs 2nmc FLOPs
 * instead of 2nmk, and the n×k product is never built.
 */
export const productColumnSelection: Rule = {
  name: 'r5-product-column-selection',
  description: 'moves a column selection below a product (X·W)[:, c] = X·W[:, c] and below column-wise element operators',
  apply(node: PlanNode, context: RuleContext): PlanNode | null {
    if (node.kind !== 'selectCols') return null;
    const below = node.inputs[0];
    if (context.consumers(below) !== 1) return null;
    const { indices } = node.args;
    const select = (m: PlanNode) => makeNode('selectCols', { indices }, [m]);
    let rewritten: PlanNode | null = null;
    if (below.kind === 'matmul') {
      const [x, w] = below.inputs;
      rewritten = makeNode('matmul', {}, [x, select(w)]);
    } else if (below.kind === 'map') {
      rewritten = makeNode('map', below.args, [select(below.inputs[0])]);
    } else if (below.kind === 'elementwise') {
      const [a, b] = below.inputs;
      if (b.output.kind !== 'matrix' || a.output.kind !== 'matrix') return null;
      const { rows, cols } = b.output;
      // A scalar or a column broadcasts to any column; a row is selected alongside. A full-shape operand is left alone.
      const right = cols === 1 ? b : rows === 1 && cols === a.output.cols ? select(b) : null;
      if (!right) return null;
      rewritten = makeNode('elementwise', below.args, [select(a), right]);
    }
    if (!rewritten || context.cost(rewritten) >= context.cost(node)) return null;
    return rewritten;
  },
};
