import { dtypeOfNode, gatherByKey, keyCounts, referencedRows, scatterByKey } from '../../plan/keyed-operators.js';
import { type PlanNode, makeNode, planEquals } from '../../plan/node.js';
import { blocks, isFactorized } from '../factorized/forms.js';
import type { Rule } from '../rule.js';

/**
 * R2 — cross-products with a factorized matrix, Tᵀ·G and Gᵀ·T, without T.
 *
 *   (K·D)ᵀ·G          = Dᵀ·(Kᵀ·G)             Kᵀ·G: a group-by-sum of G's rows on the key
 *   Gᵀ·(K·D)          = (Kᵀ·G)ᵀ·D
 *   (K·D)ᵀ·(K·E)      = Dᵀ·diag(Kᵀ·1)·E        the same key map on both sides
 *   (K₁·D)ᵀ·(K₂·E)    = Dᵀ·(K₁ᵀ·(K₂·E))        two dimensions: the narrower one is gathered
 *   [X₁, …, X_k]ᵀ·G   = [X₁ᵀG; …; X_kᵀG]       (stacked)
 *   Gᵀ·[X₁, …, X_k]   = [GᵀX₁, …, GᵀX_k]
 *
 * Transposes of products and the block rules. Precondition: an operand is factorized.
 *
 * Why it pays: the gradient step Tᵀ·r of a learner costs n·d_S + n + m·d_R instead of
 * n·(d_S + d_R); the scatter is an ordinary hash aggregation on the foreign key.
 */
export const crossProductsThroughKeyGathers: Rule = {
  name: 'r2-cross-products-through-key-gathers',
  description: 'computes Tᵀ·G and Gᵀ·T over a factorized join matrix: (K·D)ᵀ·G = Dᵀ·(Kᵀ·G), a group-by-sum on the key instead of the joined rows',
  apply(node: PlanNode): PlanNode | null {
    if (node.kind !== 'crossprod' || node.inputs.length !== 2) return null;
    const [a, b] = node.inputs;
    if (a.kind === 'hstack' && isFactorized(a)) return makeNode('vstack', {}, blocks(a).map(({ block }) => cross(block, b)));
    if (b.kind === 'hstack' && isFactorized(b)) return makeNode('hstack', {}, blocks(b).map(({ block }) => cross(a, block)));
    if (a.kind === 'gatherByKey' && b.kind === 'gatherByKey') return crossOfGathers(a, b);
    if (a.kind === 'gatherByKey') return cross(referenced(a), scatterByKey(a.inputs[0], b));
    if (b.kind === 'gatherByKey') return cross(scatterByKey(b.inputs[0], a), referenced(b));
    return null;
  },
};

function cross(a: PlanNode, b: PlanNode): PlanNode {
  return makeNode('crossprod', {}, a === b ? [a] : [a, b]);
}

function cols(m: PlanNode): number {
  return m.output.kind === 'matrix' ? m.output.cols : 0;
}

/** A gather's dimension matrix with the rows its key never refers to zeroed: they get weight 0, and 0·NaN would be NaN. */
function referenced(gather: PlanNode): PlanNode {
  return referencedRows(gather.inputs[0], gather.inputs[1]);
}

function crossOfGathers(a: PlanNode, b: PlanNode): PlanNode {
  const [ka, d] = a.inputs;
  const [kb, e] = b.inputs;
  if (planEquals(ka, kb)) return cross(referenced(a), makeNode('elementwise', { op: 'mul' }, [referenced(b), keyCounts(ka, dtypeOfNode(e))]));
  // Gather the narrower block to the joined rows and scatter it onto the other key: n·min(d, e) values move.
  if (cols(e) <= cols(d)) return cross(referenced(a), scatterByKey(ka, gatherByKey(kb, e)));
  return cross(scatterByKey(kb, gatherByKey(ka, d)), referenced(b));
}
