import { dtypeOfNode, gatherByKey, keyCounts, referencedRows } from '../../plan/keyed-operators.js';
import { type PlanNode, makeNode } from '../../plan/node.js';
import { isFactorized, sumOf } from '../factorized/forms.js';
import type { Rule } from '../rule.js';

/**
 * R1/R2 for sums — row, column and total sums of a factorized matrix (T·1, 1ᵀT, 1ᵀT1).
 *
 *   rowSums(K·D)          = K·rowSums(D)             rowMeans likewise
 *   colSums(K·D)          = (Kᵀ·1)ᵀ·D                each dimension row weighted by its count
 *   colMeans(K·D)         = (Kᵀ·1)ᵀ·D / sum(Kᵀ·1)
 *   rowSums([X₁, …, X_k]) = rowSums(X₁) + … + rowSums(X_k)
 *   colSums / colMeans([X₁, …, X_k]) = [colSums(X₁), …]   (each block has all the rows)
 *   sum(T)                = sum(colSums(T))
 *
 * Precondition: T is factorized.
 *
 * Why it pays: m dimension rows are summed instead of n joined rows.
 */
export const sumsThroughKeyGathers: Rule = {
  name: 'r2-sums-through-key-gathers',
  description: 'computes row, column and total sums of a factorized join matrix from the blocks: colSums(K·D) = (Kᵀ·1)ᵀ·D',
  apply(node: PlanNode): PlanNode | null {
    if (node.kind !== 'reduce' || node.args.op === 'count') return null;
    const t = node.inputs[0];
    if (!isFactorized(t)) return null;
    const { op, axis } = node.args;
    const reduce = (m: PlanNode, o = op, a = axis) => makeNode('reduce', { op: o, axis: a }, [m]);
    if (axis === 'all') return op === 'sum' ? reduce(reduce(t, 'sum', 'cols')) : null;
    if (t.kind === 'gatherByKey') {
      const [k, d] = t.inputs;
      if (axis === 'rows') return gatherByKey(k, reduce(d));
      // Rows no key refers to have weight 0: zeroed, so a NaN there stays out (0·NaN is NaN).
      const counts = keyCounts(k, dtypeOfNode(d));
      const weighted = makeNode('crossprod', {}, [counts, referencedRows(k, d)]);
      return op === 'sum' ? weighted : makeNode('elementwise', { op: 'div' }, [weighted, reduce(counts, 'sum', 'all')]);
    }
    if (axis === 'cols') return makeNode('hstack', {}, t.inputs.map((b) => reduce(b)));
    // Row means would divide by the total width: only sums split over the blocks.
    return op === 'sum' ? sumOf(t.inputs.map((b) => reduce(b))) : null;
  },
};
