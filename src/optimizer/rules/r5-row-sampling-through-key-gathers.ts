import { gatherByKey } from '../../plan/keyed-operators.js';
import { type PlanNode, makeNode } from '../../plan/node.js';
import { isFactorized } from '../factorized/forms.js';
import type { Rule } from '../rule.js';

/**
 * R5 (rows) for factorized matrices — sampled rows of T taken from its blocks.
 *
 *   sample(K·D)            = sample(K)·D
 *   sample([X₁, …, X_k])   = [sample(X₁), …, sample(X_k)]
 *
 * A sample with a given count and seed picks the same row positions from any matrix
 * with the same row count, and every block has T's rows. Precondition: T is factorized.
 *
 * Why it pays: k-means starts from k sampled rows; without this the whole joined
 * matrix would be built to keep k of its rows.
 */
export const rowSamplingThroughKeyGathers: Rule = {
  name: 'r5-row-sampling-through-key-gathers',
  description: 'samples rows of a factorized join matrix from its blocks (and of the key map), so the joined matrix is never built',
  apply(node: PlanNode): PlanNode | null {
    if (node.kind !== 'sampleRows') return null;
    const t = node.inputs[0];
    const sample = (m: PlanNode) => makeNode('sampleRows', node.args, [m]);
    if (t.kind === 'gatherByKey') return gatherByKey(sample(t.inputs[0]), t.inputs[1]);
    if (t.kind === 'hstack' && isFactorized(t)) return makeNode('hstack', {}, t.inputs.map(sample));
    return null;
  },
};
