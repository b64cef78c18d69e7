import { DepthLimitError, TypeMismatchError, UnknownColumnError } from '../errors.js';
import {
  type ColumnType,
  type DType,
  arithmeticResult,
  commonDType,
  formatColumnType,
  isNumeric,
} from '../types/dtype.js';
import { type RelationSchema, fieldNames, findField } from '../types/schema.js';
import { dateToDays, daysToIsoDate } from '../types/date.js';
import { type DigestValue, EncodedDigest, encodeDigest } from './digest.js';
import { MAX_EXPRESSION_DEPTH } from './limits.js';
import { type Task, call, postOrderOf, trampoline } from './walk.js';

/**
 * Scalar expressions: immutable plan values with a resolved output type.
 * Constructors check operand types and throw a TypeMismatchError naming the
 * operation and its operands, and a DepthLimitError for an expression deeper than
 * MAX_EXPRESSION_DEPTH (src/plan/limits.ts). Walks over expressions keep their own
 * stack (src/plan/walk.ts), so expressions as deep as the limit never exhaust it.
 */

export type ArithmeticOp = 'add' | 'sub' | 'mul' | 'div' | 'mod';
export type ComparisonOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';
export type LogicalOp = 'and' | 'or';
export type BinaryOp = ArithmeticOp | ComparisonOp | LogicalOp;
export type UnaryOp = 'not' | 'neg' | 'abs' | 'isNull' | 'isNotNull';
export type LiteralValue = number | boolean | string | null;

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
    };

const ARITHMETIC = new Set<BinaryOp>(['add', 'sub', 'mul', 'div', 'mod']);
const COMPARISON = new Set<BinaryOp>(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);
export const isArithmetic = (op: BinaryOp): op is ArithmeticOp => ARITHMETIC.has(op);
export const isComparison = (op: BinaryOp): op is ComparisonOp => COMPARISON.has(op);

/** Depth of expressions built by the constructors below (computed from their operands' in O(1)) or measured once. */
const depths = new WeakMap<ExprNode, number>();

/**
 * Levels on the deepest path from `e` down to a column or literal (a column is 1 deep,
 * `x + 1` 2). Known in O(1) for expressions the constructors built; measured without
 * recursion (and remembered) for ones rewrites assembled themselves.
 */
export function exprDepth(e: ExprNode): number {
  const known = depths.get(e);
  if (known !== undefined) return known;
  if (e.kind === 'column' || e.kind === 'literal') return 1;
  for (const n of postOrderOf<ExprNode>(e, (x) => (depths.has(x) ? [] : exprChildren(x)))) {
    if (depths.has(n)) continue;
    let below = 0;
    for (const c of exprChildren(n)) below = Math.max(below, depths.get(c) ?? exprDepth(c));
    depths.set(n, below + 1);
  }
  return depths.get(e)!;
}

/** `e`, a new expression over `operands`, after checking that it stays within MAX_EXPRESSION_DEPTH (a DepthLimitError naming `operation` otherwise). */
function withinDepth<E extends ExprNode>(e: E, operands: readonly ExprNode[], operation: string): E {
  let below = 0;
  for (const o of operands) below = Math.max(below, exprDepth(o));
  if (below + 1 > MAX_EXPRESSION_DEPTH) throw new DepthLimitError(operation, 'expression', below + 1, MAX_EXPRESSION_DEPTH);
  depths.set(e, below + 1);
  return e;
}

/** A DepthLimitError naming `operator` when `e` is deeper than MAX_EXPRESSION_DEPTH (an expression a rewrite assembled itself). */
export function checkExprDepth(e: ExprNode, operator: string): void {
  const depth = exprDepth(e);
  if (depth > MAX_EXPRESSION_DEPTH) throw new DepthLimitError(operator, 'expression', depth, MAX_EXPRESSION_DEPTH);
}

export function columnRef(name: string, type: ColumnType): ExprNode {
  // Only dtype and nullability: a Field passed as `type` must not carry its name into
  // the expression's type (a projection spreads the type into its output field).
  return { kind: 'column', name, type: { dtype: type.dtype, nullable: type.nullable } };
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
/** int64 values are held as JavaScript numbers, exact up to ±2^53 (as in src/io). */
const INT64_LIMIT = 2 ** 53;

const fitsInt32 = (v: number) => Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX;
const fitsInt64 = (v: number) => Number.isInteger(v) && Math.abs(v) <= INT64_LIMIT;

/** What `dtype` needs that `value` is not (undefined when `dtype` holds `value`). */
function unrepresentable(value: Exclude<LiteralValue, null>, dtype: DType): string | undefined {
  const kind = typeof value;
  switch (dtype) {
    case 'bool':
      return kind === 'boolean' ? undefined : `a boolean, not a ${kind}`;
    case 'string':
      return kind === 'string' ? undefined : `a string, not a ${kind}`;
    default:
      if (kind !== 'number') return `a number, not a ${kind}`;
  }
  const v = value as number;
  switch (dtype) {
    case 'int32':
      return fitsInt32(v) ? undefined : 'an integer in [-2^31, 2^31 - 1]';
    case 'int64':
      return fitsInt64(v) ? undefined : 'an integer within ±2^53 (what a JavaScript number holds exactly)';
    case 'date':
      return Number.isInteger(v) ? undefined : 'whole days since 1970-01-01';
    case 'float32':
      return Number.isFinite(v) && !Number.isFinite(Math.fround(v)) ? 'a value within the float32 range (±3.4e38)' : undefined;
    default:
      return undefined;
  }
}

const literalText = (value: Exclude<LiteralValue, null>) => (typeof value === 'string' ? `'${value}'` : numberText(value));

/**
 * A literal of `dtype`. The value must be one the dtype holds: an integer in range for
 * int32/int64 (int64 is exact within ±2^53), a finite value within range for float32
 * (stored rounded to float32, `Math.fround`, so that folding and digests see the value a
 * float32 column would hold), a boolean for bool, a string for string, whole days for
 * date; anything else is a TypeMismatchError naming `operation`. `null` is allowed for
 * every dtype (a nullable literal). Integer -0 is stored as 0 (integers have no -0).
 */
export function literal(value: LiteralValue, dtype: DType, operation = 'literal'): ExprNode {
  if (value !== null) {
    const why = unrepresentable(value, dtype);
    if (why) throw new TypeMismatchError(operation, `literal ${literalText(value)} does not fit ${dtype}, which needs ${why}`);
    if (dtype === 'float32') value = Math.fround(value as number);
    else if (value === 0 && (dtype === 'int32' || dtype === 'int64' || dtype === 'date')) value = 0;
  }
  return { kind: 'literal', value, type: { dtype, nullable: value === null } };
}

/**
 * A literal for a plain JavaScript number next to an operand of dtype `like`, typed as
 * the DSL's compile-time types say (src/dsl/expr.ts, `OperandSpec`):
 * - next to an int32 operand: an integer literal that fits int32 is int32, a larger one
 *   int64 (so `x.lt(3_000_000_000)` compares in int64 instead of wrapping), a
 *   non-integral one (or NaN/±Infinity) float64;
 * - next to an int64 operand: an integer is int64, a non-integral one float64;
 * - next to an integer operand, an integer beyond ±2^53 (what int64 holds exactly) is a
 *   TypeMismatchError naming the operation and the literal (pass `lit(x, 'float64')`);
 * - next to a float32 operand: a float32 literal (the value rounded by `Math.fround`), so
 *   comparisons and arithmetic stay in the column's type, as SQL engines cast an untyped
 *   literal to the column's type (DuckDB: `f = 0.1` on a FLOAT column is true for the
 *   row holding 0.1f, and `f + 0.1` is FLOAT). A float64 literal would make
 *   `f32.eq(0.1)` false for every row and widen `f32.add(1)` to float64. A value beyond
 *   the float32 range is a TypeMismatchError (pass `lit(x, 'float64')`);
 * - otherwise float64.
 */
function numberLiteral(value: number, like: DType, operation: string): ExprNode {
  if (like === 'int32' || like === 'int64') {
    if (!Number.isInteger(value)) return literal(value, 'float64', operation);
    if (!fitsInt64(value)) {
      throw new TypeMismatchError(operation, `literal ${numberText(value)} next to an operand of type ${like} is beyond ±2^53, the exact range of int64; pass lit(${numberText(value)}, 'float64') to compare or compute in float64`);
    }
    return literal(value, like === 'int32' && fitsInt32(value) ? 'int32' : 'int64', operation);
  }
  if (like === 'float32') {
    if (unrepresentable(value, 'float32')) {
      throw new TypeMismatchError(operation, `literal ${numberText(value)} next to an operand of type float32 is beyond the float32 range; pass lit(${numberText(value)}, 'float64')`);
    }
    return literal(value, 'float32', operation);
  }
  return literal(value, 'float64', operation);
}

/**
 * A literal for a JavaScript value, typed after the operand it meets: numbers as
 * `numberLiteral` says, null as a null of the operand's dtype, Dates as dates.
 */
export function literalLike(value: unknown, like: ColumnType, operation: string): ExprNode {
  if (value === null || value === undefined) return literal(null, like.dtype, operation);
  if (value instanceof Date) {
    const days = dateToDays(value);
    if (Number.isNaN(days)) throw new TypeMismatchError(operation, 'invalid Date literal');
    return literal(days, 'date', operation);
  }
  switch (typeof value) {
    case 'number':
      return numberLiteral(value, like.dtype, operation);
    case 'boolean':
      return literal(value, 'bool', operation);
    case 'string':
      return literal(value, 'string', operation);
    default:
      throw new TypeMismatchError(operation, `unsupported literal ${String(value)} of type ${typeof value}`);
  }
}

function describe(e: ExprNode): string {
  return `${exprToString(e)} (${formatColumnType(e.type)})`;
}

export function binary(op: BinaryOp, left: ExprNode, right: ExprNode): ExprNode {
  const nullable = left.type.nullable || right.type.nullable;
  const l = left.type.dtype;
  const r = right.type.dtype;
  let dtype: DType;
  if (op === 'and' || op === 'or') {
    if (l !== 'bool' || r !== 'bool') throw new TypeMismatchError(op, `expected bool operands, got ${describe(left)} and ${describe(right)}`);
    dtype = 'bool';
  } else if (isArithmetic(op)) {
    if (!isNumeric(l) || !isNumeric(r)) throw new TypeMismatchError(op, `expected numeric operands, got ${describe(left)} and ${describe(right)}`);
    dtype = arithmeticResult(l, r, op);
  } else {
    if (!commonDType(l, r)) throw new TypeMismatchError(op, `cannot compare ${describe(left)} with ${describe(right)}`);
    dtype = 'bool';
  }
  // x % 0 is null, so a modulo may produce nulls from non-null operands.
  return withinDepth({ kind: 'binary', op, left, right, type: { dtype, nullable: nullable || op === 'mod' } }, [left, right], op);
}

export function unary(op: UnaryOp, arg: ExprNode): ExprNode {
  return withinDepth(unaryNode(op, arg), [arg], op);
}

function unaryNode(op: UnaryOp, arg: ExprNode): ExprNode {
  const d = arg.type.dtype;
  switch (op) {
    case 'not':
      if (d !== 'bool') throw new TypeMismatchError('not', `expected a bool operand, got ${describe(arg)}`);
      return { kind: 'unary', op, arg, type: arg.type };
    case 'neg':
    case 'abs':
      if (!isNumeric(d)) throw new TypeMismatchError(op, `expected a numeric operand, got ${describe(arg)}`);
      return { kind: 'unary', op, arg, type: { dtype: d === 'int32' ? 'int64' : d, nullable: arg.type.nullable } };
    case 'isNull':
    case 'isNotNull':
      return { kind: 'unary', op, arg, type: { dtype: 'bool', nullable: false } };
  }
}

export function coalesce(args: readonly ExprNode[]): ExprNode {
  if (args.length === 0) throw new TypeMismatchError('coalesce', 'expected at least one argument');
  let dtype: DType = args[0].type.dtype;
  for (const a of args.slice(1)) {
    const c = commonDType(dtype, a.type.dtype);
    if (!c) throw new TypeMismatchError('coalesce', `arguments of different types: ${args.map(describe).join(', ')}`);
    dtype = c;
  }
  return withinDepth({ kind: 'coalesce', args, type: { dtype, nullable: args.every((a) => a.type.nullable) } }, args, 'coalesce');
}

const CASTS: Record<DType, readonly DType[]> = {
  float64: ['float64', 'float32', 'int32', 'int64', 'bool', 'string'],
  float32: ['float64', 'float32', 'int32', 'int64', 'bool', 'string'],
  int32: ['float64', 'float32', 'int32', 'int64', 'bool', 'string', 'date'],
  int64: ['float64', 'float32', 'int32', 'int64', 'bool', 'string'],
  bool: ['float64', 'float32', 'int32', 'int64', 'bool', 'string'],
  string: ['float64', 'float32', 'int32', 'int64', 'bool', 'string', 'date'],
  date: ['int32', 'string', 'date'],
};

/**
 * Cast with TRY_CAST semantics: a string that does not parse, or a float outside the
 * target integer range (or NaN), becomes null, so such casts have a nullable result.
 */
export function cast(arg: ExprNode, dtype: DType): ExprNode {
  if (!CASTS[arg.type.dtype].includes(dtype)) throw new TypeMismatchError('cast', `cannot cast ${describe(arg)} to ${dtype}`);
  const from = arg.type.dtype;
  const lossy = (from === 'string' && dtype !== 'string') || ((from === 'float64' || from === 'float32' || from === 'int64') && (dtype === 'int32' || dtype === 'int64' || dtype === 'date'));
  const nullable = arg.type.nullable || lossy;
  return withinDepth({ kind: 'cast', arg, type: { dtype, nullable } }, [arg], 'cast');
}

export function caseWhen(branches: readonly { when: ExprNode; then: ExprNode }[], otherwise: ExprNode): ExprNode {
  let dtype = otherwise.type.dtype;
  let nullable = otherwise.type.nullable;
  for (const b of branches) {
    if (b.when.type.dtype !== 'bool') throw new TypeMismatchError('case', `condition ${describe(b.when)} is not bool`);
    const c = commonDType(dtype, b.then.type.dtype);
    if (!c) throw new TypeMismatchError('case', `branches of different types: ${describe(b.then)} and ${describe(otherwise)}`);
    dtype = c;
    nullable ||= b.then.type.nullable;
  }
  return withinDepth({ kind: 'case', branches, otherwise, type: { dtype, nullable } }, [...branches.flatMap((b) => [b.when, b.then]), otherwise], 'case');
}

const SYMBOL: Record<BinaryOp, string> = {
  add: '+', sub: '-', mul: '*', div: '/', mod: '%',
  eq: '=', ne: '<>', lt: '<', le: '<=', gt: '>', ge: '>=',
  and: 'AND', or: 'OR',
};

/** A value's text that keeps -0 apart from 0 (String(-0) is "0"), so digests never merge x/0 and x/-0. */
export function numberText(v: unknown): string {
  return Object.is(v, -0) ? '-0' : String(v);
}

function literalToString(e: Extract<ExprNode, { kind: 'literal' }>): string {
  if (e.value === null) return 'NULL';
  if (e.type.dtype === 'string') return `'${String(e.value).replace(/'/g, "''")}'`;
  if (e.type.dtype === 'date') return `DATE '${daysToIsoDate(e.value as number)}'`;
  return numberText(e.value);
}

/** SQL-like text of an expression, as explain prints it (for people: names are not quoted, so it is no identity). */
export function exprToString(e: ExprNode): string {
  return trampoline(exprText(e));
}

function* exprText(e: ExprNode): Task<string> {
  const r = (x: ExprNode) => call(exprText(x));
  switch (e.kind) {
    case 'column':
      return e.name;
    case 'literal':
      return literalToString(e);
    case 'binary': {
      const left = yield* r(e.left);
      return `(${left} ${SYMBOL[e.op]} ${yield* r(e.right)})`;
    }
    case 'unary': {
      const arg = yield* r(e.arg);
      if (e.op === 'not') return `NOT ${arg}`;
      if (e.op === 'neg') return `-${arg}`;
      if (e.op === 'abs') return `abs(${arg})`;
      return `${arg} IS ${e.op === 'isNull' ? 'NULL' : 'NOT NULL'}`;
    }
    case 'coalesce': {
      const args: string[] = [];
      for (const a of e.args) args.push(yield* r(a));
      return `coalesce(${args.join(', ')})`;
    }
    case 'cast':
      return `CAST(${yield* r(e.arg)} AS ${e.type.dtype})`;
    case 'case': {
      const branches: string[] = [];
      for (const b of e.branches) {
        const when = yield* r(b.when);
        branches.push(`WHEN ${when} THEN ${yield* r(b.then)}`);
      }
      return `CASE ${branches.join(' ')} ELSE ${yield* r(e.otherwise)} END`;
    }
  }
}

/**
 * An expression as a digest value (src/plan/digest.ts): a tagged list per node holding
 * its operator, its operands and its type, with names and literal values as values, never
 * as text, so a column named `(a + 1)` and the expression a + 1 stay apart. Encoded once
 * per expression node and remembered (children's encodings reused), so that a predicate
 * grown one conjunct at a time (stacked filters merged) is not encoded again whole.
 */
export function exprKey(e: ExprNode): DigestValue {
  return new EncodedDigest(exprDigest(e));
}

/** Encoded keys of expressions (see exprKey). */
const keyTexts = new WeakMap<ExprNode, string>();

/** The key of `e` alone, its operands by their (already encoded) keys. */
function localKey(e: ExprNode): DigestValue {
  const k = (x: ExprNode) => new EncodedDigest(keyTexts.get(x)!);
  const type = [e.type.dtype, e.type.nullable];
  switch (e.kind) {
    case 'column':
      return ['column', e.name, type];
    case 'literal':
      return ['literal', e.value, type];
    case 'binary':
      return ['binary', e.op, k(e.left), k(e.right), type];
    case 'unary':
      return ['unary', e.op, k(e.arg), type];
    case 'coalesce':
      return ['coalesce', e.args.map(k), type];
    case 'cast':
      return ['cast', k(e.arg), type];
    case 'case':
      return ['case', e.branches.map((b) => [k(b.when), k(b.then)]), k(e.otherwise), type];
  }
}

/** Canonical text of an expression: equal digests mean structurally equal expressions, types included. */
export function exprDigest(e: ExprNode): string {
  const known = keyTexts.get(e);
  if (known !== undefined) return known;
  for (const n of postOrderOf<ExprNode>(e, (x) => (keyTexts.has(x) ? [] : exprChildren(x)))) {
    if (!keyTexts.has(n)) keyTexts.set(n, encodeDigest(localKey(n)));
  }
  return keyTexts.get(e)!;
}

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
      return { ...e, args: e.args.map(f) };
    case 'case':
      return { ...e, branches: e.branches.map((b) => ({ when: f(b.when), then: f(b.then) })), otherwise: f(e.otherwise) };
  }
}

/** `e` with its immediate sub-expressions replaced by `children`, given in the order exprChildren lists them; types are kept. */
function withChildren(e: ExprNode, children: readonly ExprNode[]): ExprNode {
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

/** The AND of one or more predicates. */
export function conjunction(parts: readonly ExprNode[]): ExprNode {
  return parts.reduce((acc, p) => binary('and', acc, p));
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

/**
 * Checks that every column `e` reads exists in `schema` with the dtype it was built
 * for, so that a plan rebuilt by a rewrite can never read a column it does not have;
 * and that `e` is within MAX_EXPRESSION_DEPTH (a DepthLimitError naming `operator`).
 */
export function checkExpr(e: ExprNode, schema: RelationSchema, operator: string): void {
  checkExprDepth(e, operator);
  const stack = [e];
  while (stack.length > 0) {
    const x = stack.pop()!;
    if (x.kind !== 'column') {
      const children = exprChildren(x);
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
      continue;
    }
    const f = findField(schema, x.name);
    if (!f) throw new UnknownColumnError(operator, x.name, fieldNames(schema));
    if (f.dtype !== x.type.dtype || (f.nullable && !x.type.nullable)) {
      throw new TypeMismatchError(operator, `column '${x.name}' is ${formatColumnType(f)} in the input, but the expression expects ${formatColumnType(x.type)}`);
    }
  }
}
