import { PlanError } from '../../errors.js';
import { estimatePlan } from '../cost.js';
import { type Node, type PlanNode, makeNode, nodeLabel, planDigest, withInputs } from '../../plan/node.js';
import { type Task, call, postOrderOf, trampoline } from '../../plan/walk.js';
import { bindLoopInputs } from '../../plan/loop-operators.js';
import { isFactorized } from '../factorized/forms.js';
import { factorizeToMatrix } from '../factorized/star-join.js';
import type { PassContext, PassResult, PlanDecision, PlanPass } from '../pass.js';

/**
 * R14 — factorize or materialize, by cost.
 *
 * For each toMatrix over primary-key/foreign-key joins (factorized/star-join.ts) in the
 * plan as built, the pass builds the whole plan with that matrix in factorized form, lets the rules push
 * the plan's operators into the blocks (R1–R3, R8, then chain order, hoisting and
 * sharing as usual) and keeps the plan only when the cost model prices it below the
 * plan with the joined matrix (itself encoded straight from the join, R10). Where a
 * learner's loop reads the matrix, the loop takes the blocks as its inputs instead.
 *
 * Why by cost: factorizing saves work in proportion to the tuple ratio (joined rows
 * per dimension row) and the share of columns from the dimensions, and adds a key
 * lookup and a scatter per joined row; at a tuple ratio near 1 it loses. The decision,
 * with the cost of both plans, is reported for explain.
 */
/** The alternative that keeps the joined matrix: encoded straight from the join's index (JoinToMatrix, R10). */
const JOINED = 'join → blocks';

export const factorizeJoins: PlanPass = {
  name: 'r14-factorize-joins',
  description: 'replaces a matrix over primary-key/foreign-key joins by blocks over the dimensions (K·D) where the cost model says the whole plan gets cheaper',
  run(plan: PlanNode, context: PassContext): PassResult {
    const decisions: PlanDecision[] = [];
    let source = plan;
    let current = context.optimized;
    let currentCost = context.cost(current);
    for (const candidate of candidates(plan)) {
      const site = `${nodeLabel(candidate)} over ${nodeLabel(candidate.inputs[0])}`;
      const factorized = factorizeToMatrix(candidate);
      if ('rejected' in factorized) {
        decisions.push({ pass: this.name, site, chosen: 'not applicable', rewrote: false, alternatives: [], why: [factorized.rejected] });
        continue;
      }
      const ratios = ratioNotes(candidate, factorized.dimensions.map((d) => d.rows), factorized);
      const substituted = substitute(source, candidate, factorized.form);
      let alternative: PlanNode;
      try {
        alternative = context.rewrite(substituted);
      } catch (e) {
        // A reader that needs the joined rows' identity (e.g. appendColumns onto the join) rejects the blocks.
        if (!(e instanceof PlanError)) throw e;
        decisions.push({ pass: this.name, site, chosen: JOINED, rewrote: false, alternatives: [{ name: JOINED, cost: currentCost }, { name: 'factorized' }], why: [`factorized form invalid here: ${e.message}`] });
        continue;
      }
      const cost = context.cost(alternative);
      const take = cost < currentCost;
      decisions.push({
        pass: this.name,
        site,
        chosen: take ? 'factorized' : JOINED,
        rewrote: take,
        alternatives: [
          { name: 'factorized', cost },
          { name: JOINED, cost: currentCost },
        ],
        why: [...ratios, ...factorized.dimensions.map((d) => `${nodeLabel(d.dim)}: key unique by ${d.proof}`)],
      });
      if (take) {
        source = substituted;
        current = alternative;
        currentCost = cost;
      }
    }
    return { plan: source, optimized: current, decisions };
  },
};

/** toMatrix nodes of the plan (loop bodies included), each once. */
function candidates(plan: PlanNode): Node<'toMatrix'>[] {
  const seen = new Set<string>();
  const out: Node<'toMatrix'>[] = [];
  const visit = (root: PlanNode) => {
    for (const n of postOrderOf(root, (x) => x.inputs)) {
      if (n.kind === 'loop') visit(n.args.body);
      if (n.kind !== 'toMatrix' || n.inputs[0].kind !== 'join') continue;
      const d = planDigest(n);
      if (!seen.has(d)) {
        seen.add(d);
        out.push(n);
      }
    }
  };
  visit(plan);
  return out;
}

function ratioNotes(node: Node<'toMatrix'>, dimRows: readonly number[], f: { dimensionCols: number; factCols: number }): string[] {
  const joined = estimatePlan(node.inputs[0]).nodes.get(node.inputs[0])?.rows ?? 0;
  const tuple = dimRows.map((m) => (joined / Math.max(m, 1)).toPrecision(2)).join(', ');
  const feature = f.factCols === 0 ? '∞' : (f.dimensionCols / f.factCols).toPrecision(2);
  return [`tuple ratio ≈ ${tuple}`, `feature ratio ${feature} (${f.dimensionCols} dimension / ${f.factCols} joined-row columns)`];
}

/** The plan with every occurrence of `target` (by digest) replaced; loops that then read a factorized matrix take its blocks. */
function substitute(plan: PlanNode, target: PlanNode, replacement: PlanNode): PlanNode {
  const digest = planDigest(target);
  const memo = new Map<PlanNode, PlanNode>();
  // On the trampoline (src/plan/walk.ts): plans may be MAX_PLAN_DEPTH deep.
  function* visit(n: PlanNode): Task<PlanNode> {
    let out = memo.get(n);
    if (out) return out;
    if (planDigest(n) === digest) out = replacement;
    else {
      const inputs: PlanNode[] = [];
      for (const c of n.inputs) inputs.push(yield* call(visit(c)));
      out = withInputs(n, inputs);
      if (out.kind === 'loop') {
        const body = yield* call(visit(out.args.body));
        const loop = body === out.args.body ? out : makeNode('loop', { ...out.args, body }, out.inputs);
        out = loopOverBlocks(loop as Node<'loop'>);
      }
    }
    memo.set(n, out);
    return out;
  }
  return trampoline(visit(plan));
}

/**
 * A loop whose extra inputs include factorized matrices, with their blocks as inputs
 * instead (a key map and a dimension matrix per gather), and the body reading the same
 * form over loop inputs, so the rules can push the body's products into the blocks.
 */
function loopOverBlocks(loop: Node<'loop'>): PlanNode {
  if (!loop.inputs.slice(1).some(isFactorized)) return loop;
  const { loopId, body } = loop.args;
  const inputs: PlanNode[] = [loop.inputs[0]];
  const indexOf = new Map<string, number>();
  const leaf = (n: PlanNode): PlanNode => {
    const d = planDigest(n);
    let index = indexOf.get(d);
    if (index === undefined) {
      index = inputs.push(n) - 1;
      indexOf.set(d, index);
    }
    if (n.output.kind !== 'matrix') throw new PlanError('loop', `loop inputs must be matrices, got ${n.kind}`);
    const { rows, cols, dtype } = n.output;
    return makeNode('loopInput', { loopId, index, rows, cols, dtype }, []);
  };
  const overLeaves = (n: PlanNode): PlanNode => {
    if (n.kind === 'gatherByKey') return makeNode('gatherByKey', {}, [leaf(n.inputs[0]), leaf(n.inputs[1])]);
    if (n.kind === 'hstack' && isFactorized(n)) return makeNode('hstack', {}, n.inputs.map(overLeaves));
    return leaf(n);
  };
  const bound = loop.inputs.map((n, i) => (i === 0 ? n : overLeaves(n)));
  return makeNode('loop', { ...loop.args, body: bindLoopInputs(body, loopId, bound) }, inputs);
}
