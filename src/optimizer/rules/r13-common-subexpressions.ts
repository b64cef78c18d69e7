import { type PlanNode, makeNode, planDigest, withInputs } from '../../plan/node.js';
import { type Task, call, trampoline } from '../../plan/walk.js';
import type { Rule, RuleContext } from '../rule.js';

/**
 * R13 — common subexpression elimination over the whole plan.
 *
 *   f(S, …, S′)  with planDigest(S) = planDigest(S′)   →   f(S, …, S)   (one node object)
 *
 * Always valid: equal digests mean equal plans, and plans are pure (sources, literals
 * and seeded samples are values), so two equal subplans compute the same result.
 * Loop bodies are shared too (within a body the executor memoizes per iteration).
 * The rule acts at the root (a node no operator reads) and rewrites the whole DAG
 * with one digest → node map built from that root, so it stays pure; it returns null
 * when the plan is already maximally shared.
 *
 * Why it pays: the executor memoizes results by node identity, so a subplan written
 * twice (the same join feeding a matrix and the output, the same product on two
 * branches) runs once; the cost model counts it once.
 */
export const commonSubexpressions: Rule = {
  name: 'r13-common-subexpressions',
  description: 'makes equal subplans one shared node, so they are computed once',
  apply(node: PlanNode, context: RuleContext): PlanNode | null {
    if (context.consumers(node) !== 0) return null;
    const shared = shareEqualSubplans(node);
    return shared === node ? null : shared;
  },
};

/** The plan with each digest represented by one node object (the first met, inputs first). */
function shareEqualSubplans(root: PlanNode): PlanNode {
  const byDigest = new Map<string, PlanNode>();
  const memo = new Map<PlanNode, PlanNode>();
  // On the trampoline (src/plan/walk.ts): plans may be MAX_PLAN_DEPTH deep.
  function* visit(n: PlanNode): Task<PlanNode> {
    let out = memo.get(n);
    if (out) return out;
    const digest = planDigest(n);
    out = byDigest.get(digest);
    if (!out) {
      const inputs: PlanNode[] = [];
      for (const c of n.inputs) inputs.push(yield* call(visit(c)));
      out = withInputs(n, inputs);
      if (out.kind === 'loop') {
        const body = yield* call(visit(out.args.body));
        if (body !== out.args.body) out = makeNode('loop', { ...out.args, body }, out.inputs);
      }
      byDigest.set(digest, out);
    }
    memo.set(n, out);
    return out;
  }
  return trampoline(visit(root));
}
