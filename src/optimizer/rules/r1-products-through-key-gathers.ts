import { gatherByKey } from '../../plan/keyed-operators.js';
import { type PlanNode, makeNode } from '../../plan/node.js';
import { blocks, isFactorized, rowRange, sumOf } from '../factorized/forms.js';
import type { Rule } from '../rule.js';

/**
 * R1 — a product of a factorized matrix, T·W, without T.
 *
 *   (K·D)·W          = K·(D·W)
 *   [X₁, …, X_k]·W   = X₁·W₁ + … + X_k·W_k      W_i: the rows of W facing X_i's columns
 *
 * Associativity of the product, and the block rule of matrix products. Precondition:
 * T is factorized (a key gather, or blocks one of which is); W's row count is known.
 *
 * Why it pays: with T = [S, K·R] over n joined rows and m dimension rows, T·w costs
 * n·d_S + m·d_R + n instead of n·(d_S + d_R): the dimension's part is computed once per
 * dimension row, not once per joined row (a factor of the tuple ratio n/m).
 */
export const productsThroughKeyGathers: Rule = {
  name: 'r1-products-through-key-gathers',
  description: 'computes T·W over a factorized join matrix block by block, the dimension blocks before the gather: (K·D)·W = K·(D·W)',
  apply(node: PlanNode): PlanNode | null {
    if (node.kind !== 'matmul') return null;
    const [t, w] = node.inputs;
    if (t.kind === 'gatherByKey') return gatherByKey(t.inputs[0], makeNode('matmul', {}, [t.inputs[1], w]));
    if (t.kind !== 'hstack' || !isFactorized(t) || w.output.kind !== 'matrix' || w.output.rows === null) return null;
    return sumOf(blocks(t).map(({ block, start, cols }) => makeNode('matmul', {}, [block, rowRange(w, start, cols)])));
  },
};
