import { makeBatch } from '../../data/batch.js';
import { cellValue } from '../../data/column.js';
import { evaluate } from '../../exec/expression.js';
import { type ExprNode, type LiteralValue, cast, exprChildren, exprDigest, rewriteExpr } from '../../plan/expr.js';
import { type PlanNode, makeNode } from '../../plan/node.js';
import type { Rule } from '../rule.js';
import { dateToDays } from '../../types/date.js';

/**
 * Constant folding and boolean simplification.
 *
 *   op(c₁, …, cₙ)     = c              every operand a literal: evaluated once, here
 *   x AND true        = x              x AND false = false      (also with the operands swapped)
 *   x OR false        = x              x OR true   = true
 *   NOT NOT x         = x
 *   coalesce(NULL, a, c, b)  = coalesce(a, c)          NULL literals dropped, nothing after a non-null literal
 *   CASE WHEN false … WHEN true THEN t … END = t      dead branches dropped, a certainly-true branch ends the CASE
 *   σ_true(R)         = R
 *   σ_false(R) = σ_NULL(R) = limit₀(R)
 *   π_{n := m}(π_E(R)) = π_{n := E[m]}(R)             the outer projection only renames or reads columns
 *
 * Literals are evaluated by the executor's own vectorized evaluator over a one-row
 * batch (src/exec/expression.ts), so NULL propagation, three-valued AND/OR, modulo by
 * zero, division (x/0 = ±Infinity) and TRY_CAST are exactly what running the plan gives.
 * The folded literal keeps the expression's declared type, so nothing above it
 * (column types of a projection, the nullability a parent expression was built with)
 * changes.
 *
 * Validity of the simplifications in SQL's three-valued logic: false AND x is false and
 * true OR x is true for x = NULL as well; x AND true and x OR false are x for all three
 * values of x; NOT NOT NULL is NULL. A filter keeps the rows whose predicate is true, so
 * a NULL or false predicate keeps none: `limit 0` over the input has the same columns
 * and no rows, and needs no new "empty relation" operator (no operator pushes a filter
 * below a limit, so it also stops predicate pushdown from wasting work on that branch).
 * Merging projections substitutes deterministic expressions for the columns that read them.
 *
 * Why it pays: a constant is computed once while planning instead of once per row; a
 * filter that keeps everything disappears; a branch that keeps nothing is visible to the
 * cost model; the cost model and other rules see simpler predicates.
 */
export const constantFolding: Rule = {
  name: 'constant-folding',
  description: 'evaluates operators over literals, simplifies AND/OR/NOT/CASE/COALESCE, drops always-true filters and empties always-false ones',
  apply(node: PlanNode): PlanNode | null {
    switch (node.kind) {
      case 'filter': {
        const predicate = fold(node.args.predicate);
        if (predicate.kind === 'literal') {
          return predicate.value === true ? node.inputs[0] : makeNode('limit', { limit: 0, offset: 0 }, node.inputs);
        }
        return same(predicate, node.args.predicate) ? null : makeNode('filter', { predicate }, node.inputs);
      }
      case 'project': {
        const inner = node.inputs[0];
        if (inner.kind === 'project' && node.args.columns.every((c) => c.expr.kind === 'column')) {
          const definitions = new Map(inner.args.columns.map((c) => [c.name, c.expr]));
          const columns = node.args.columns.map((c) => ({ name: c.name, expr: c.expr.kind === 'column' ? definitions.get(c.expr.name)! : c.expr }));
          return makeNode('project', { columns }, inner.inputs);
        }
        const columns = node.args.columns.map((c) => ({ name: c.name, expr: fold(c.expr) }));
        return columns.every((c, i) => same(c.expr, node.args.columns[i].expr)) ? null : makeNode('project', { columns }, node.inputs);
      }
      case 'sort': {
        const keys = node.args.keys.map((k) => ({ ...k, expr: fold(k.expr) }));
        return keys.every((k, i) => same(k.expr, node.args.keys[i].expr)) ? null : makeNode('sort', { keys }, node.inputs);
      }
      case 'aggregate': {
        const aggregates = node.args.aggregates.map((a) => (a.aggregate.arg ? { ...a, aggregate: { ...a.aggregate, arg: fold(a.aggregate.arg) } } : a));
        const unchanged = aggregates.every((a, i) => a === node.args.aggregates[i] || same(a.aggregate.arg!, node.args.aggregates[i].aggregate.arg!));
        return unchanged ? null : makeNode('aggregate', { ...node.args, aggregates }, node.inputs);
      }
      default:
        return null;
    }
  },
};

function same(a: ExprNode, b: ExprNode): boolean {
  return a === b || exprDigest(a) === exprDigest(b);
}

const isLiteral = (e: ExprNode, value: LiteralValue): boolean => e.kind === 'literal' && e.value === value;

/** A literal with the declared type of the expression it replaces. */
function literalOf(value: LiteralValue, like: ExprNode): ExprNode {
  return { kind: 'literal', value, type: like.type };
}

/** `e` as an expression of dtype `like.type.dtype`: a cast where the executor would cast. */
function asTypeOf(e: ExprNode, like: ExprNode): ExprNode {
  return e.type.dtype === like.type.dtype ? e : cast(e, like.type.dtype);
}

/** The expression simplified bottom-up (without recursion: expressions may be MAX_EXPRESSION_DEPTH deep). */
export function fold(e: ExprNode): ExprNode {
  if (e.kind === 'column' || e.kind === 'literal') return e;
  return rewriteExpr(
    e,
    (leaf) => leaf,
    (rebuilt) => {
      const f = simplify(rebuilt);
      if (f.kind !== 'column' && f.kind !== 'literal' && exprChildren(f).every((c) => c.kind === 'literal')) return evaluateConstant(f) ?? f;
      return f;
    },
  );
}

/** Rewrites that hold whatever the non-literal operands evaluate to. */
function simplify(e: ExprNode): ExprNode {
  switch (e.kind) {
    case 'binary': {
      const { op, left, right } = e;
      if (op === 'and') {
        if (isLiteral(left, false) || isLiteral(right, false)) return literalOf(false, e);
        if (isLiteral(left, true)) return right;
        if (isLiteral(right, true)) return left;
      } else if (op === 'or') {
        if (isLiteral(left, true) || isLiteral(right, true)) return literalOf(true, e);
        if (isLiteral(left, false)) return right;
        if (isLiteral(right, false)) return left;
      }
      return e;
    }
    case 'unary':
      return e.op === 'not' && e.arg.kind === 'unary' && e.arg.op === 'not' ? e.arg.arg : e;
    case 'coalesce': {
      const args: ExprNode[] = [];
      for (const a of e.args) {
        if (isLiteral(a, null)) continue;
        args.push(a);
        if (a.kind === 'literal') break; // a non-null literal: nothing after it is ever read
      }
      if (args.length === 0) args.push(e.args[0]);
      return args.length === e.args.length ? e : { ...e, args };
    }
    case 'case': {
      const branches: { when: ExprNode; then: ExprNode }[] = [];
      let otherwise = e.otherwise;
      for (const b of e.branches) {
        if (isLiteral(b.when, false) || isLiteral(b.when, null)) continue;
        if (isLiteral(b.when, true)) {
          otherwise = b.then;
          break;
        }
        branches.push(b);
      }
      if (branches.length === 0) return asTypeOf(otherwise, e);
      return branches.length === e.branches.length && otherwise === e.otherwise ? e : { ...e, branches, otherwise };
    }
    default:
      return e;
  }
}

const ONE_ROW = makeBatch([], 1);
const NO_COLUMNS = (name: string): number => {
  throw new Error(`constant folding: unexpected column '${name}'`);
};

/** The value of an expression over literals only, computed by the executor; null when it cannot be. */
function evaluateConstant(e: ExprNode): ExprNode | null {
  let value: ReturnType<typeof cellValue>;
  try {
    value = cellValue(evaluate(e, ONE_ROW, NO_COLUMNS), 0);
  } catch {
    return null;
  }
  return literalOf(value instanceof Date ? dateToDays(value) : value, e);
}
