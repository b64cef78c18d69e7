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
import { dateToDays } from '../types/date.js';
import { isExactInt64 } from '../types/int64.js';
import { type BinaryOp, type ExprNode, type LiteralValue, type UnaryOp, exprChildren, isArithmetic } from './expr-node.js';
import { exprToString, numberText } from './expr-text.js';
import { MAX_EXPRESSION_DEPTH } from './limits.js';
import { postOrderOf } from './walk.js';

/**
 * Constructors of scalar expressions (their shape: ./expr-node.ts): constructors check operand types and throw a TypeMismatchError naming the
 * operation and its operands, and a DepthLimitError for an expression deeper than
 * MAX_EXPRESSION_DEPTH (src/plan/limits.ts). Walks over expressions keep their own
 * stack (src/plan/walk.ts), so expressions as deep as the limit never exhaust it.
 */

export * from './expr-node.js';
export { exprDigest, exprKey, exprToString, numberText } from './expr-text.js';

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
export function withinDepth<E extends ExprNode>(e: E, operands: readonly ExprNode[], operation: string): E {
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

const fitsInt32 = (v: number) => Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX;
const fitsInt64 = isExactInt64;

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

export function describe(e: ExprNode): string {
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

/** The AND of one or more predicates. */
export function conjunction(parts: readonly ExprNode[]): ExprNode {
  return parts.reduce((acc, p) => binary('and', acc, p));
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
