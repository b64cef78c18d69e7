import { dtypeOfNode, keyCounts, referencedRows } from '../../plan/keyed-operators.js';
import { type PlanNode, makeNode } from '../../plan/node.js';
import { blocks, isFactorized } from '../factorized/forms.js';
import type { Rule } from '../rule.js';

/**
 * R3 — the Gram matrix TᵀT of a factorized matrix, by blocks.
 *
 *   (K·D)ᵀ(K·D)          = Dᵀ·diag(Kᵀ·1)·D       rows of D weighted by how often they are joined
 *   [X₁, …, X_k]ᵀ[X₁, …] = [X_iᵀX_j]_ij          X_iᵀX_i symmetric, X_jᵀX_i = (X_iᵀX_j)ᵀ
 *
 * KᵀK = diag(Kᵀ·1) because each row of K has one 1; the off-diagonal blocks are then
 * R2's cross-products (SᵀK·R = (KᵀS)ᵀR; two dimensions: R₁ᵀK₁ᵀK₂R₂). Precondition: T
 * is factorized.
 *
 * Why it pays: one pass over the joined rows for the fact blocks and the key scatters;
 * the dimension blocks cost m·d_R² instead of n·d_R², and the n×d matrix T never
 * exists. It is the input of closed-form (ridge) regression.
 */
export const gramByBlocks: Rule = {
  name: 'r3-gram-by-blocks',
  description: 'computes TᵀT of a factorized join matrix block by block; a gathered block is Dᵀ·diag(counts)·D',
  apply(node: PlanNode): PlanNode | null {
    if (node.kind !== 'crossprod' || node.inputs.length !== 1) return null;
    const t = node.inputs[0];
    if (t.kind === 'gatherByKey') {
      // Rows no key refers to have weight 0: zeroed, so a NaN there stays out (0·NaN is NaN).
      const [k, d] = t.inputs;
      const used = referencedRows(k, d);
      return makeNode('crossprod', {}, [used, makeNode('elementwise', { op: 'mul' }, [used, keyCounts(k, dtypeOfNode(d))])]);
    }
    if (t.kind !== 'hstack' || !isFactorized(t)) return null;
    const parts = blocks(t).map((b) => b.block);
    const upper = (i: number, j: number) => makeNode('crossprod', {}, i === j ? [parts[i]] : [parts[i], parts[j]]);
    const rows = parts.map((_, i) => makeNode('hstack', {}, parts.map((_, j) => (j >= i ? upper(i, j) : makeNode('transpose', {}, [upper(j, i)])))));
    return makeNode('vstack', {}, rows);
  },
};
