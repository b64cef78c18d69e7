import { type PlanNode, makeNode, planDigest, withInputs } from '../plan/node.js';
import { type Task, call, trampoline } from '../plan/walk.js';

/**
 * Restricting a matrix to some rows of the relation it was computed from, which the
 * row-selection rules (R5 rows, R9, limits through appended columns) rely on.
 *
 * `restrictRows(m, rel, kept)` is a plan for the rows of `m` that belong to the rows of
 * `rel` kept by `kept` (a Filter or a Limit over rel: a subset of its rows, in order) —
 * or null when `m` is not computed row by row. It rewrites only the row-aligned spine of `m` and leaves every
 * other operand as it is, still computed over all of rel's rows as in the original:
 *
 *   toMatrix(rel)            → toMatrix(kept)       (not with `standardize`: its mean and
 *                                                    deviation are fitted on all rows)
 *   A · W                    → A' · W               (W: any matrix, e.g. coefficients fitted on rel)
 *   A ⊙ B, B row-aligned     → A' ⊙ B'
 *   A ⊙ b, b a 1×k broadcast → A' ⊙ b               (e.g. column means of all rows)
 *   f(A), nearest(A), A[:, c], rowSums(A) → the same over A'
 *   hstack(A, B, ...)        → hstack(A', B', ...)
 *
 * Row i of each of these depends only on row i of its row-aligned operands, so computing
 * it over the kept rows gives exactly the kept rows.
 */
export function restrictRows(m: PlanNode, rel: PlanNode, kept: PlanNode): PlanNode | null {
  const relDigest = planDigest(rel);
  const memo = new Map<PlanNode, PlanNode | null>();
  // On the trampoline (src/plan/walk.ts): a row-aligned spine may be MAX_PLAN_DEPTH deep.
  function* restrict(n: PlanNode): Task<PlanNode | null> {
    if (!memo.has(n)) memo.set(n, yield* call(rewrite(n)));
    return memo.get(n)!;
  }
  function* rewrite(n: PlanNode): Task<PlanNode | null> {
    switch (n.kind) {
      case 'toMatrix':
        if (planDigest(n.inputs[0]) !== relDigest || n.args.features.some((f) => f.encoding === 'standardize')) return null;
        return makeNode('toMatrix', n.args, [kept]);
      case 'matmul': {
        const a = yield* call(restrict(n.inputs[0]));
        return a && withInputs(n, [a, n.inputs[1]]);
      }
      case 'elementwise': {
        const [a, b] = n.inputs;
        const ra = yield* call(restrict(a));
        if (!ra) return null;
        if (b.output.kind === 'matrix' && b.output.rows === 1) return withInputs(n, [ra, b]);
        const rb = yield* call(restrict(b));
        return rb && withInputs(n, [ra, rb]);
      }
      case 'map':
      case 'nearest':
      case 'selectCols': {
        const a = yield* call(restrict(n.inputs[0]));
        return a && withInputs(n, [a]);
      }
      case 'reduce': {
        if (n.args.axis !== 'rows') return null;
        const a = yield* call(restrict(n.inputs[0]));
        return a && withInputs(n, [a]);
      }
      case 'hstack': {
        const inputs: PlanNode[] = [];
        for (const c of n.inputs) {
          const r = yield* call(restrict(c));
          if (r === null) return null;
          inputs.push(r);
        }
        return withInputs(n, inputs);
      }
      default:
        return null;
    }
  }
  return trampoline(restrict(m));
}
