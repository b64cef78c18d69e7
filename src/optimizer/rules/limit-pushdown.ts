import { type Node, type PlanNode, makeNode, withInputs } from '../../plan/node.js';
import { restrictRows } from '../row-restriction.js';
import { type Task, call, trampoline } from '../../plan/walk.js';
import type { Rule, RuleContext } from '../rule.js';

/**
 * Limit pushdown. Writing limit_{n,o} for "skip o rows, then keep at most n" (n = ∞ for
 * an offset alone):
 *
 *   limit_{n,o}(π_E(R))         = π_E(limit_{n,o}(R))
 *   limit_{n₂,o₂}(limit_{n₁,o₁}(R)) = limit_{min(n₂, max(0, n₁ − o₂)), o₁ + o₂}(R)
 *   limit_{n,o}(R ∪all S)       = limit_{n,o}(limit_{o+n,0}(R) ∪all limit_{o+n,0}(S))     n finite
 *   limit_{∞,0}(R)              = R
 *   limit_{n,o}(appendColumns(R, M)) = appendColumns(limit_{n,o}(R), M over those rows)
 *
 * Preconditions: a projection maps each row to one row, in order, so it commutes with
 * taking a prefix. Two limits compose: the inner one keeps rows [o₁, o₁+n₁) of R, the
 * outer skips o₂ of those and keeps n₂. UNION ALL concatenates its inputs in order, so
 * its first o+n rows are made of at most the first o+n rows of each side; the outer
 * limit stays to cut the concatenation. Appending a matrix computed row by row from R
 * (see `restrictRows`) maps each row of R to one row, in order, like a projection; the
 * matrix's row-aligned part is then computed for the kept rows only, while operands
 * fitted on all of R (model coefficients) stay on all of R. A side already bounded by o+n rows (a limit,
 * possibly under projections, sorts, filters or distincts, or a union of bounded
 * sides) is left alone, which also makes the rule idempotent.
 *
 * Never below Filter, Join, Aggregate, Sort or Distinct: which rows reach the limit
 * depends on rows the limit would have cut away.
 *
 * Why it pays: operators below the pushed limit stop after n rows (a scan of a
 * projection, each side of a union, the product that scores rows) instead of producing
 * rows that are thrown away.
 */
export const limitPushdown: Rule = {
  name: 'limit-pushdown',
  description: 'moves limits below projections, appended matrix columns and into both sides of UNION ALL, and merges stacked limits',
  apply(node: PlanNode, context: RuleContext): PlanNode | null {
    if (node.kind !== 'limit') return null;
    const { limit, offset } = node.args;
    const child = node.inputs[0];
    if (limit === null && offset === 0) return child;
    switch (child.kind) {
      case 'project':
        return withInputs(child, [makeNode('limit', node.args, child.inputs)]);
      case 'limit':
        return makeNode('limit', compose(child.args, node.args), child.inputs);
      case 'appendColumns': {
        if (context.consumers(child) !== 1) return null;
        const [rel, m] = child.inputs;
        const kept = makeNode('limit', node.args, [rel]);
        const restricted = restrictRows(m, rel, kept);
        return restricted && makeNode('appendColumns', child.args, [kept, restricted]);
      }
      case 'union': {
        if (limit === null) return null;
        const keep = offset + limit;
        const sides = child.inputs.map((side) => (rowBound(side) <= keep ? side : makeNode('limit', { limit: keep, offset: 0 }, [side])));
        if (sides.every((s, i) => s === child.inputs[i])) return null;
        return makeNode('limit', node.args, [withInputs(child, sides)]);
      }
      default:
        return null;
    }
  },
};

type LimitArgs = Node<'limit'>['args'];

/** The one limit equal to `outer` applied over `inner`. */
function compose(inner: LimitArgs, outer: LimitArgs): LimitArgs {
  const available = inner.limit === null ? null : Math.max(0, inner.limit - outer.offset);
  const limit = available === null ? outer.limit : outer.limit === null ? available : Math.min(outer.limit, available);
  return { limit, offset: inner.offset + outer.offset };
}

/** An upper bound on the rows a plan produces, known from the limits in it (Infinity when none). */
function rowBound(node: PlanNode): number {
  // On the trampoline (src/plan/walk.ts), once per node: a chain of unions may be MAX_PLAN_DEPTH deep, and share its inputs.
  const memo = new Map<PlanNode, number>();
  function* boundOf(n: PlanNode): Task<number> {
    let bound = memo.get(n);
    if (bound === undefined) {
      bound = yield* call(compute(n));
      memo.set(n, bound);
    }
    return bound;
  }
  function* compute(n: PlanNode): Task<number> {
    switch (n.kind) {
      case 'limit':
        return Math.min(n.args.limit ?? Infinity, Math.max(0, (yield* call(boundOf(n.inputs[0]))) - n.args.offset));
      case 'project':
      case 'sort':
      case 'filter':
      case 'distinct':
        return yield* call(boundOf(n.inputs[0]));
      case 'union': {
        const left = yield* call(boundOf(n.inputs[0]));
        return left + (yield* call(boundOf(n.inputs[1])));
      }
      default:
        return Infinity;
    }
  }
  return trampoline(boundOf(node));
}
