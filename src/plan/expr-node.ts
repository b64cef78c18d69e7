import type { ColumnType } from '../types/dtype.js';
import { type Task, call, trampoline } from './walk.js';

/**
 * The shape of scalar expressions (plan values with a resolved output type) and the
 * structural walks over them. Constructors that check operand types live in
 * ./expr.ts, scalar functions (`call` nodes) in ./functions.ts, text and digests in
 * ./expr-text.ts. Walks keep their own stack (src/plan/walk.ts), so expressions as
 * deep as MAX_EXPRESSION_DEPTH never exhaust it.
 */

export type ArithmeticOp = 'add' | 'sub' | 'mul' | 'div' | 'mod';
export type ComparisonOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';
export type LogicalOp = 'and' | 'or';
export type BinaryOp = ArithmeticOp | ComparisonOp | LogicalOp;
export type UnaryOp = 'not' | 'neg' | 'abs' | 'isNull' | 'isNotNull';
export type LiteralValue = number | boolean | string | null;
/**
 * Scalar functions (see ./functions.ts for their types and semantics): string matching,
 * list membership, and parts of a date.
 */
export type ScalarFunction = 'like' | 'startsWith' | 'endsWith' | 'contains' | 'isIn' | 'year' | 'month' | 'day' | 'dayOfWeek';

export type ExprNode =
  | { readonly kind: 'column'; readonly name: string; readonly type: ColumnType }
  | { readonly kind: 'literal'; readonly value: LiteralValue; readonly type: ColumnType }
  | { readonly kind: 'binary'; readonly op: BinaryOp; readonly left: ExprNode; readonly right: ExprNode; readonly type: ColumnType }
  | { readonly kind: 'unary'; readonly op: UnaryOp; readonly arg: ExprNode; readonly type: ColumnType }
  | { readonly kind: 'coalesce'; readonly args: readonly ExprNode[]; readonly type: ColumnType }
  | { readonly kind: 'cast'; readonly arg: ExprNode; readonly type: ColumnType }
  | {
      readonly kind: 'case';
      readonly branches: readonly { readonly when: ExprNode; readonly then: ExprNode }[];
      readonly otherwise: ExprNode;
      readonly type: ColumnType;
    }
  /** A scalar function of `args`; `isIn` lists its values (literals) after the tested expression. */
  | { readonly kind: 'call'; readonly fn: ScalarFunction; readonly args: readonly ExprNode[]; readonly type: ColumnType };

const ARITHMETIC = new Set<BinaryOp>(['add', 'sub', 'mul', 'div', 'mod']);
const COMPARISON = new Set<BinaryOp>(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);
export const isArithmetic = (op: BinaryOp): op is ArithmeticOp => ARITHMETIC.has(op);
export const isComparison = (op: BinaryOp): op is ComparisonOp => COMPARISON.has(op);

/** The immediate sub-expressions of `e`. */
export function exprChildren(e: ExprNode): ExprNode[] {
  switch (e.kind) {
    case 'column':
    case 'literal':
      return [];
    case 'binary':
      return [e.left, e.right];
    case 'unary':
    case 'cast':
      return [e.arg];
    case 'coalesce':
    case 'call':
      return [...e.args];
    case 'case':
      return [...e.branches.flatMap((b) => [b.when, b.then]), e.otherwise];
  }
}

/** `e` with each immediate sub-expression replaced by `f(child)`; types are kept. */
export function mapChildren(e: ExprNode, f: (child: ExprNode) => ExprNode): ExprNode {
  switch (e.kind) {
    case 'column':
    case 'literal':
      return e;
    case 'binary':
      return { ...e, left: f(e.left), right: f(e.right) };
    case 'unary':
    case 'cast':
      return { ...e, arg: f(e.arg) };
    case 'coalesce':
    case 'call':
      return { ...e, args: e.args.map(f) };
    case 'case':
      return { ...e, branches: e.branches.map((b) => ({ when: f(b.when), then: f(b.then) })), otherwise: f(e.otherwise) };
  }
}

/** `e` with its immediate sub-expressions replaced by `children`, given in the order exprChildren lists them; types are kept. */
export function withChildren(e: ExprNode, children: readonly ExprNode[]): ExprNode {
  switch (e.kind) {
    case 'column':
    case 'literal':
      return e;
    case 'binary':
      return { ...e, left: children[0], right: children[1] };
    case 'unary':
    case 'cast':
      return { ...e, arg: children[0] };
    case 'coalesce':
    case 'call':
      return { ...e, args: [...children] };
    case 'case':
      return { ...e, branches: e.branches.map((_, i) => ({ when: children[2 * i], then: children[2 * i + 1] })), otherwise: children[children.length - 1] };
  }
}

/**
 * `e` rewritten bottom-up without recursion: `leaf` gives each column's and literal's
 * replacement, `node` each other node's from the node over rewritten children (by
 * default the node itself over them, as mapChildren builds it).
 */
export function rewriteExpr(e: ExprNode, leaf: (e: ExprNode) => ExprNode, node: (rebuilt: ExprNode) => ExprNode = (x) => x): ExprNode {
  function* go(x: ExprNode): Task<ExprNode> {
    if (x.kind === 'column' || x.kind === 'literal') return leaf(x);
    const children: ExprNode[] = [];
    for (const c of exprChildren(x)) children.push(yield* call(go(c)));
    return node(withChildren(x, children));
  }
  return trampoline(go(e));
}

/** The AND-conjuncts of a predicate, left to right: a AND (b AND c) → [a, b, c]. */
export function conjuncts(e: ExprNode): ExprNode[] {
  const out: ExprNode[] = [];
  const stack = [e];
  while (stack.length > 0) {
    const x = stack.pop()!;
    if (x.kind === 'binary' && x.op === 'and') stack.push(x.right, x.left);
    else out.push(x);
  }
  return out;
}

/** Names of the columns an expression reads. */
export function columnsOf(e: ExprNode, into = new Set<string>()): Set<string> {
  const stack = [e];
  while (stack.length > 0) {
    const x = stack.pop()!;
    if (x.kind === 'column') into.add(x.name);
    else {
      const children = exprChildren(x);
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
    }
  }
  return into;
}

/** Rewrites column references bottom-up through `f`. */
export function substituteColumns(e: ExprNode, f: (col: Extract<ExprNode, { kind: 'column' }>) => ExprNode): ExprNode {
  return rewriteExpr(e, (x) => (x.kind === 'column' ? f(x) : x));
}
