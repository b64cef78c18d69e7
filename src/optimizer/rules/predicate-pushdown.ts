import { type ExprNode, binary, columnRef, columnsOf, conjunction, conjuncts, substituteColumns } from '../../plan/expr.js';
import { type Node, type PlanNode, makeNode, relationSchema, withInputs } from '../../plan/node.js';
import type { Field } from '../../types/schema.js';
import type { Rule } from '../rule.js';

/**
 * Predicate pushdown: a filter's conjuncts move as far down the plan as they stay valid.
 *
 *   σ_p(σ_q(R))          = σ_{q ∧ p}(R)                        (merge)
 *   σ_p(π_E(R))          = π_E(σ_{p[E]}(R))                    (p[E]: columns replaced by their expressions)
 *   σ_p(sort(R))         = sort(σ_p(R))
 *   σ_p(distinct(R))     = distinct(σ_p(R))
 *   σ_p(R ∪all S)        = σ_p(R) ∪all σ_p(S)
 *   σ_p(γ_{K;A}(R))      = γ_{K;A}(σ_p(R))                     p reads only group keys K, K ≠ ∅
 *   σ_p(R ⋈ S)           = σ_p(R) ⋈ S                           p reads only R's columns: inner, left, semi, anti
 *   σ_p(R ⋈ S)           = R ⋈ σ_p(S)                           p reads only S's columns: inner, right
 *   σ_p(k)(R ⋈_inner S)  = σ_p(k)(R) ⋈_inner σ_p(k)(S)          p reads only USING keys k of a non-float dtype
 *   σ_p(k)(R ⋈_right S)  = R ⋈_right σ_p(k)(S)                   the same keys: their output value is S's
 *
 * The predicate is split into its AND-conjuncts first; each one that cannot move stays
 * in a filter above. The driver re-offers the rewritten inputs, so one level per step
 * is enough for a conjunct to sink all the way.
 *
 * Preconditions, and why each is needed:
 * - Project: every expression is deterministic (all of ours are), so evaluating p on
 *   the projected expressions below the projection gives the same truth value per row.
 * - Aggregate: p must read only group keys (it is then constant within a group, so it
 *   keeps or drops whole groups) and there must be at least one key: a global
 *   aggregate yields one row even over an empty input, so σ_false(γ(R)) ≠ γ(σ_false(R)).
 * - Join: a left join keeps every left row, so only left-only conjuncts may move (to the
 *   left); a conjunct on the right columns of a left join filters the NULL-padded rows
 *   too and must stay above. A right join is the mirror image: only conjuncts on right
 *   columns move (to the right), and the USING keys count as right columns there (their
 *   output value is the right key on every row: equal to the left key where one matched).
 *   A full join keeps the unmatched rows of both sides: nothing moves. Semi and anti
 *   joins output left columns only: conjuncts go left. For an inner join, a conjunct on the merged (USING) key columns holds for the
 *   right row too, since matched keys are equal; it is copied into the right side only
 *   when both key columns have the same dtype and that dtype is not floating point
 *   (the hash join matches -0 with 0 and NaN with NaN, which a predicate can tell apart).
 * - Never below Limit (which rows are kept depends on the rows before the filter), nor
 *   below appendColumns (rule R5 owns that move), nor into a scan.
 *
 * Why it pays: rows that will be dropped are dropped before the joins, sorts,
 * aggregations and matrix encodings that would otherwise process them.
 */
export const predicatePushdown: Rule = {
  name: 'predicate-pushdown',
  description: 'splits filter predicates into conjuncts and moves each below projections, sorts, unions, distincts, group keys and join sides where valid',
  apply(node: PlanNode): PlanNode | null {
    if (node.kind !== 'filter') return null;
    const predicate = node.args.predicate;
    const child = node.inputs[0];
    switch (child.kind) {
      case 'filter':
        return filter(child.inputs[0], binary('and', child.args.predicate, predicate));
      case 'project': {
        const definitions = new Map(child.args.columns.map((c) => [c.name, c.expr]));
        const below = substituteColumns(predicate, (c) => definitions.get(c.name) ?? c);
        return withInputs(child, [filter(child.inputs[0], below)]);
      }
      case 'sort':
      case 'distinct':
        return withInputs(child, [filter(child.inputs[0], predicate)]);
      case 'union':
        return withInputs(
          child,
          child.inputs.map((input) => filter(input, predicate)),
        );
      case 'aggregate': {
        const keys = new Set(child.args.groupBy);
        if (keys.size === 0) return null;
        const [down, kept] = partition(conjuncts(predicate), (c) => readsOnly(c, keys));
        if (down.length === 0) return null;
        return above(kept, withInputs(child, [filter(child.inputs[0], conjunction(down))]));
      }
      case 'join':
        return intoJoin(child, predicate);
      default:
        return null;
    }
  },
};

function intoJoin(join: Node<'join'>, predicate: ExprNode): PlanNode | null {
  const [left, right] = join.inputs;
  const leftSchema = relationSchema(left, 'join');
  const rightSchema = relationSchema(right, 'join');
  const leftNames = new Set(leftSchema.fields.map((f) => f.name));
  const { how, leftKeys, rightKeys } = join.args;
  const mergedKeys = new Set(rightKeys.filter((k, i) => leftKeys[i] === k));
  // Right columns as the join outputs them (an inner join keeps their types).
  const rightOnly = new Set(rightSchema.fields.filter((f) => !mergedKeys.has(f.name)).map((f) => f.name));
  // USING keys whose value on the right equals the output value exactly.
  const sameOnRight = new Map<string, Field>();
  for (const k of mergedKeys) {
    const l = leftSchema.fields.find((f) => f.name === k)!;
    const r = rightSchema.fields.find((f) => f.name === k)!;
    if (l.dtype === r.dtype && l.dtype !== 'float64' && l.dtype !== 'float32') sameOnRight.set(k, r);
  }
  const onRight = (c: ExprNode) => substituteColumns(c, (col) => (sameOnRight.has(col.name) ? columnRef(col.name, sameOnRight.get(col.name)!) : col));

  // Which sides a conjunct may move to: not into a side whose unmatched rows the join keeps padded with nulls.
  const leftMoves = how === 'inner' || how === 'left' || how === 'semi' || how === 'anti';
  const rightMoves = how === 'inner' || how === 'right';
  const toLeft: ExprNode[] = [];
  const toRight: ExprNode[] = [];
  const kept: ExprNode[] = [];
  for (const c of conjuncts(predicate)) {
    const cols = columnsOf(c);
    const onKeysOnly = cols.size > 0 && [...cols].every((n) => sameOnRight.has(n));
    if (leftMoves && readsOnly(c, leftNames)) {
      toLeft.push(c);
      if (how === 'inner' && onKeysOnly) toRight.push(onRight(c));
    } else if (rightMoves && [...cols].every((n) => rightOnly.has(n) || sameOnRight.has(n))) {
      toRight.push(onRight(c));
    } else {
      kept.push(c);
    }
  }
  if (toLeft.length === 0 && toRight.length === 0) return null;
  const newLeft = toLeft.length > 0 ? filter(left, conjunction(toLeft)) : left;
  const newRight = toRight.length > 0 ? filter(right, conjunction(toRight)) : right;
  return above(kept, withInputs(join, [newLeft, newRight]));
}

function filter(input: PlanNode, predicate: ExprNode): PlanNode {
  return makeNode('filter', { predicate }, [input]);
}

/** The conjuncts left in place, as one filter over `node` (or `node` itself when none). */
function above(kept: readonly ExprNode[], node: PlanNode): PlanNode {
  return kept.length > 0 ? filter(node, conjunction(kept)) : node;
}

function readsOnly(e: ExprNode, names: ReadonlySet<string>): boolean {
  for (const c of columnsOf(e)) if (!names.has(c)) return false;
  return true;
}

function partition<T>(items: readonly T[], test: (t: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const t of items) (test(t) ? yes : no).push(t);
  return [yes, no];
}
