import { gatherByKey } from '../../plan/keyed-operators.js';
import { type PlanNode, makeNode } from '../../plan/node.js';
import { blocks, columnRange, isFactorized } from '../factorized/forms.js';
import type { Rule } from '../rule.js';

/**
 * R8 — element-wise maps of a factorized matrix, on the dimension's rows.
 *
 *   f(K·D)              = K·f(D)              f a scalar map (exp, log, scale, clip, …)
 *   (K·D) ⊙ b           = K·(D ⊙ b)           b a 1×1 scalar or a 1×c row broadcast
 *   f([X₁, …, X_k])     = [f(X₁), …, f(X_k)]  (b: its columns facing each block)
 *
 * Each row of K·D is a row of D, so anything applied to every element (or with the
 * same row vector to every row) can be applied to D first. Precondition: T is
 * factorized; a binary operator's other operand is a scalar or a row.
 *
 * Why it pays: the work scales with the dimension's rows m, not the joined rows n.
 */
export const mapsThroughKeyGathers: Rule = {
  name: 'r8-maps-through-key-gathers',
  description: 'applies element maps (and scalar or row broadcasts) of a factorized join matrix to the dimension blocks before the gather',
  apply(node: PlanNode): PlanNode | null {
    if (node.kind === 'map') {
      const t = node.inputs[0];
      const f = (m: PlanNode) => makeNode('map', node.args, [m]);
      if (t.kind === 'gatherByKey') return gatherByKey(t.inputs[0], f(t.inputs[1]));
      if (t.kind === 'hstack' && isFactorized(t)) return makeNode('hstack', {}, t.inputs.map(f));
      return null;
    }
    if (node.kind !== 'elementwise') return null;
    const [t, b] = node.inputs;
    if (b.output.kind !== 'matrix' || b.output.rows !== 1) return null;
    const scalar = b.output.cols === 1;
    const apply = (m: PlanNode, operand: PlanNode) => makeNode('elementwise', node.args, [m, operand]);
    if (t.kind === 'gatherByKey') return gatherByKey(t.inputs[0], apply(t.inputs[1], b));
    if (t.kind === 'hstack' && isFactorized(t)) {
      return makeNode('hstack', {}, blocks(t).map(({ block, start, cols }) => apply(block, scalar ? b : columnRange(b, start, cols))));
    }
    return null;
  },
};
