import { type Node, type PlanNode, isMatrix, makeNode, planDigest, withInputs } from '../../plan/node.js';
import { bindLoopInputs, readsLoopState } from '../../plan/loop-operators.js';
import type { Rule } from '../rule.js';
import { isFactorized } from '../factorized/forms.js';

/**
 * R11 — loop-invariant hoisting.
 *
 *   loop(init, X₁…X_m; body[ f(S) ])  =  loop(init, X₁…X_m, f(S); body[ loopInput_{m+1} ])
 *
 * for every maximal matrix subplan S of the body that does not read this loop's state
 * (and is not already a leaf: loopInput, matrixLiteral, identity, loopState). S has the
 * same value in every iteration, so computing it once, before the loop, as a new loop
 * input, changes nothing; this loop's inputs that S reads are replaced by the plans
 * that compute them. Equal subplans (by digest) become one input, and a subplan equal
 * to an existing input reuses it. A factorized join matrix (K·D blocks) is not hoisted
 * whole, only its blocks: the body's products push into them. Precondition: at least one iteration (with none,
 * the body never runs and hoisting would add work).
 *
 * Why it pays: iterations cost only their variant part, e.g. in logistic regression
 * X = toMatrix(scan) and n = y.count() are computed once, not once per step.
 */
export const loopInvariantHoisting: Rule = {
  name: 'r11-loop-invariant-hoisting',
  description: 'computes subplans of a loop body that do not read the loop state once, before the loop, as loop inputs',
  apply(node: PlanNode): PlanNode | null {
    if (node.kind !== 'loop' || node.args.iterations < 1) return null;
    return hoist(node);
  },
};

const LEAVES: ReadonlySet<PlanNode['kind']> = new Set(['loopInput', 'matrixLiteral', 'identity', 'loopState']);

function hoist(loop: Node<'loop'>): PlanNode | null {
  const { loopId, body } = loop.args;
  const inputs = [...loop.inputs];
  const indexOf = new Map<string, number>(inputs.map((n, i) => [planDigest(n), i] as const).filter(([, i]) => i > 0));

  const variantMemo = new Map<PlanNode, boolean>();
  const variant = (n: PlanNode): boolean => {
    let v = variantMemo.get(n);
    if (v === undefined) {
      // readsLoopState, memoized over the body's DAG (it looks into nested loop bodies itself).
      v = n.kind === 'loopState' ? n.args.loopId === loopId : (n.kind === 'loop' && readsLoopState(n.args.body, loopId)) || n.inputs.some(variant);
      variantMemo.set(n, v);
    }
    return v;
  };

  // An invariant subplan as computed outside the loop: this loop's inputs replaced by their plans.
  const outsideMemo = new Map<PlanNode, PlanNode>();
  const outside = (n: PlanNode): PlanNode => bindLoopInputs(n, loopId, inputs, outsideMemo);

  let hoisted = 0;
  const memo = new Map<PlanNode, PlanNode>();
  const rewrite = (n: PlanNode): PlanNode => {
    let out = memo.get(n);
    if (!out) {
      if (LEAVES.has(n.kind)) out = n;
      else if (!variant(n) && isMatrix(n) && !isFactorized(n)) {
        const value = outside(n);
        const digest = planDigest(value);
        let index = indexOf.get(digest);
        if (index === undefined) {
          index = inputs.push(value) - 1;
          indexOf.set(digest, index);
        }
        const { rows, cols, dtype } = n.output;
        out = makeNode('loopInput', { loopId, index, rows, cols, dtype }, []);
        hoisted++;
      } else {
        // Variant (or a relation, which cannot be a loop input), or a factorized join matrix,
        // whose blocks are hoisted instead (as one input it would be the joined matrix): look
        // for invariant parts inside.
        // A nested loop's own body is left to this rule applied at that loop.
        out = withInputs(n, n.inputs.map(rewrite));
      }
      memo.set(n, out);
    }
    return out;
  };

  const newBody = rewrite(body);
  if (hoisted === 0) return null;
  return makeNode('loop', { ...loop.args, body: newBody }, inputs);
}
