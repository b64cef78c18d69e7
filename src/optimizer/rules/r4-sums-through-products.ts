import { type PlanNode, makeNode } from '../../plan/node.js';
import type { ReduceAxis, ReduceOp } from '../../plan/matrix-operators.js';
import type { Rule, RuleContext } from '../rule.js';

/**
 * R4 — sums and means pushed through a product, so the product is never built.
 *
 *   sum(X·Y)     = colSums(X) · rowSums(Y)       mean(X·Y)     = colMeans(X) · rowMeans(Y)
 *   colSums(X·Y) = colSums(X) · Y                colMeans(X·Y) = colMeans(X) · Y
 *   rowSums(X·Y) = X · rowSums(Y)                rowMeans(X·Y) = X · rowMeans(Y)
 *
 * and the same through a cross-product Xᵀ·Y (what R12 makes of a transposed product),
 * where the sums of Xᵀ are the row sums of X: colSums(XᵀY) = crossprod(rowSums(X), Y),
 * rowSums(XᵀY) = crossprod(X, rowSums(Y)), sum(XᵀY) = crossprod(rowSums(X), rowSums(Y));
 * means likewise (colMeans(Xᵀ) = rowMeans(X)ᵀ).
 *
 * Identities of the algebra: the product is linear, 1ᵀ(XY) = (1ᵀX)Y and (XY)1 = X(Y1);
 * a mean divides by a count that splits over the factors, mean(XY) = (1ᵀX/n)(Y1/k).
 * Precondition: the product has exactly one reader, this reduction; otherwise it is
 * built anyway and the rewrite would only add work (the driver counts a node built during
 * the pass as read once, by the node that built it).
 * The reduction must collapse more than one value (not rowSums of a single column, not the
 * total of a 1×1). A total keeps an outer total of the 1×1 result, a no-op that keeps the
 * column name the plan had (sum(XY) = sum(colSums(X)·rowSums(Y))).
 *
 * Why it pays: for X n×m and Y m×k the product costs 2nmk; the rewritten form costs
 * O(nm + mk) (sum, colSums/colMeans: a vector–matrix product; rowSums: a matrix–vector
 * product), and the n×k product is never materialized.
 */
export const sumsThroughProducts: Rule = {
  name: 'r4-sums-through-products',
  description: 'pushes sum/colSums/rowSums (and means) below a product that has no other reader: the product is never built',
  apply(node: PlanNode, context: RuleContext): PlanNode | null {
    if (node.kind !== 'reduce' || node.args.op === 'count') return null;
    const product = node.inputs[0];
    if ((product.kind !== 'matmul' && product.kind !== 'crossprod') || context.consumers(product) !== 1) return null;
    const { op, axis } = node.args;
    if (!reducesSomething(product, axis)) return null;
    let rewritten: PlanNode;
    if (product.kind === 'matmul') {
      const [x, y] = product.inputs;
      const left = axis === 'rows' ? x : reduce(x, op, 'cols');
      const right = axis === 'cols' ? y : reduce(y, op, 'rows');
      rewritten = makeNode('matmul', {}, [left, right]);
    } else {
      const [x, y = x] = product.inputs;
      const rx = axis === 'rows' ? x : reduce(x, op, 'rows');
      const ry = axis === 'cols' ? y : y === x && axis === 'all' ? rx : reduce(y, op, 'rows');
      rewritten = makeNode('crossprod', {}, rx === ry ? [rx] : [rx, ry]);
    }
    // The 1×1 result of a total keeps its own column name under a (free) total of itself.
    return axis === 'all' ? reduce(rewritten, op, 'all') : rewritten;
  },
};

/** Whether the reduction collapses more than one value per output: otherwise there is nothing to gain (and a total would loop). */
function reducesSomething(product: PlanNode, axis: ReduceAxis): boolean {
  if (product.output.kind !== 'matrix') return false;
  const { rows, cols } = product.output;
  if (axis === 'rows') return cols !== 1;
  if (axis === 'cols') return rows !== 1;
  return !(rows === 1 && cols === 1);
}

function reduce(m: PlanNode, op: ReduceOp, axis: ReduceAxis): PlanNode {
  return makeNode('reduce', { op, axis }, [m]);
}
