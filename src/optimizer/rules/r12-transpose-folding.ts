import { type PlanNode, makeNode } from '../../plan/node.js';
import type { Rule } from '../rule.js';

/**
 * R12 — transpose elimination and cross-product recognition.
 *
 *   (Xᵀ)ᵀ    = X
 *   Xᵀ · X   = crossprod(X)      (symmetric kernel: half the work)
 *   Xᵀ · Y   = crossprod(X, Y)   (reads X by rows, no transposed copy)
 *
 * Always valid: these are identities of the algebra, with no precondition.
 */
export const transposeFolding: Rule = {
  name: 'r12-transpose-folding',
  description: 'removes double transposes and turns Xᵀ·X and Xᵀ·Y into cross-products',
  apply(node: PlanNode): PlanNode | null {
    if (node.kind === 'transpose' && node.inputs[0].kind === 'transpose') return node.inputs[0].inputs[0];
    if (node.kind === 'matmul' && node.inputs[0].kind === 'transpose') {
      const x = node.inputs[0].inputs[0];
      const y = node.inputs[1];
      return makeNode('crossprod', {}, x === y ? [x] : [x, y]);
    }
    return null;
  },
};
