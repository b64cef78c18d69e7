import * as E from '../plan/expr.js';
import { scalarCall } from '../plan/functions.js';
import { TypeMismatchError } from '../errors.js';
import { type AggregateExpr, type AggregateFn, aggregate } from '../plan/aggregate.js';
import type { SortKey } from '../plan/relational-operators.js';
import {
  type AsNullable,
  type BaseOf,
  type ColSpec,
  type ColumnType,
  type DType,
  type EitherNullable,
  type IsNullable,
  type JsValueOf,
  type NumericDType,
  type WithNullability,
  commonDType,
} from '../types/dtype.js';
import { dateToDays } from '../types/date.js';

/**
 * The typed expression builder. `Expr<C>` wraps an expression node whose type is the
 * ColSpec `C`; methods exist only where they make sense (arithmetic on numbers, and/or
 * on booleans), so a string compared with a number does not compile.
 */

type NumericSpec = NumericDType | `${NumericDType}?`;
type BoolSpec = 'bool' | 'bool?';
type StringSpec = 'string' | 'string?';
type DateSpec = 'date' | 'date?';

/** What a value of spec C may be compared with: numbers with numbers, others with their own kind. */
type ComparableSpec<C extends ColSpec> = BaseOf<C> extends NumericDType ? NumericSpec : BaseOf<C> | `${BaseOf<C>}?`;
type Operand<C extends ColSpec> = Expr<C> | JsValueOf<BaseOf<C>> | null;

// ---------------------------------------------------------------- number literals
//
// A plain JavaScript number next to an expression becomes a literal typed as
// E.literalLike (src/plan/expr.ts) types it at run time; the types below say the same from
// the number's literal type, read as text (`${N}`): an integer prints as digits (or in
// exponent form from 1e21 on), anything else has a '.' or a negative exponent.

/** The digits smaller than each digit. */
type SmallerDigits = {
  '0': never;
  '1': '0';
  '2': '0' | '1';
  '3': '0' | '1' | '2';
  '4': '0' | '1' | '2' | '3';
  '5': '0' | '1' | '2' | '3' | '4';
  '6': '0' | '1' | '2' | '3' | '4' | '5';
  '7': '0' | '1' | '2' | '3' | '4' | '5' | '6';
  '8': '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7';
  '9': '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8';
};
type LengthOrder<A extends string, B extends string> = A extends `${infer _A}${infer RestA}`
  ? B extends `${infer _B}${infer RestB}`
    ? LengthOrder<RestA, RestB>
    : 'longer'
  : B extends ''
    ? 'same'
    : 'shorter';
/** A ≤ B for digit strings of the same length. */
type DigitsAtMost<A extends string, B extends string> = A extends `${infer a}${infer RestA}`
  ? B extends `${infer b extends keyof SmallerDigits}${infer RestB}`
    ? a extends b
      ? DigitsAtMost<RestA, RestB>
      : a extends SmallerDigits[b]
        ? true
        : false
    : false
  : true;
/** A ≤ Max for unsigned integer texts without leading zeros. */
type MagnitudeAtMost<A extends string, Max extends string> = LengthOrder<A, Max> extends 'shorter' ? true : LengthOrder<A, Max> extends 'same' ? DigitsAtMost<A, Max> : false;
/** -Neg ≤ T ≤ Pos for an integer text T (digits only). */
type IntegerWithin<T extends string, Pos extends string, Neg extends string> = T extends `-${infer A}` ? MagnitudeAtMost<A, Neg> : MagnitudeAtMost<T, Pos>;
type IsIntegerText<T extends string> = T extends `${bigint}` ? true : T extends `${string}e+${string}` ? true : false;
type FitsInt32<T extends string> = IntegerWithin<T, '2147483647', '2147483648'>;
/** Within ±2^53, what int64 holds exactly. */
type FitsInt64<T extends string> = T extends `${string}e+${string}` ? false : IntegerWithin<T, '9007199254740992', '9007199254740992'>;

/**
 * The dtype of a number operand N next to an expression of dtype D, as E.literalLike gives it:
 * - next to an integer column, an integer literal keeps the column's type, except that one
 *   outside int32 next to an int32 column is int64; a non-integral literal is float64;
 * - next to a float32 column it is float32 (the value rounded to float32: comparisons and
 *   arithmetic stay in the column's type, as SQL engines cast a literal to the column's
 *   type), next to float64 float64;
 * - a wide `number` (not a literal type, e.g. a computed value) is typed as the column's
 *   type. At run time the value decides as above, so a computed non-integral value next to
 *   an integer column is float64 there, and a computed integer outside int32 next to an int32
 *   column int64 (this shows in the result type of `mod`, `coalesce` and `when`): pass
 *   `lit(x, 'float64')` (or `lit(x, 'int64')`) for such a value so that both agree.
 */
type NumberSpec<D extends DType, N extends number> = number extends N
  ? D extends NumericDType
    ? D
    : 'float64'
  : D extends 'int32' | 'int64'
    ? IsIntegerText<`${N}`> extends true
      ? D extends 'int32'
        ? FitsInt32<`${N}`> extends true
          ? 'int32'
          : 'int64'
        : 'int64'
      : 'float64'
    : D extends 'float32'
      ? 'float32'
      : 'float64';

/**
 * Why the number literal N cannot stand next to an expression of dtype D (never when it
 * can): an integer beyond ±2^53 next to an integer column, or a value of decimal exponent
 * above 38 next to a float32 column (values of exponent 38 above 3.4e38 only fail at run time).
 */
type NumberLiteralError<D extends DType, N extends number> = number extends N
  ? never
  : D extends 'int32' | 'int64'
    ? IsIntegerText<`${N}`> extends true
      ? FitsInt64<`${N}`> extends true
        ? never
        : `literal ${N} next to an integer column is beyond ±2^53, the exact range of int64: pass lit(${N}, 'float64')`
      : never
    : D extends 'float32'
      ? `${N}` extends `${string}e+${infer X}`
        ? MagnitudeAtMost<X, '38'> extends true
          ? never
          : `literal ${N} is beyond the float32 range: pass lit(${N}, 'float64')`
        : never
      : never;
type OperandError<D extends DType, O> = O extends number ? NumberLiteralError<D, O> : never;
/**
 * Intersected with an operand's parameter type: `unknown` for a valid operand, an object
 * naming the problem for a number literal the operation rejects at run time (so that the
 * call does not compile and the message says why).
 */
type LiteralGuard<D extends DType, O> = [OperandError<D, O>] extends [never] ? unknown : { readonly error: OperandError<D, O> };

/** Type of an operand next to an expression of dtype D: an Expr its own, null a null of D, numbers as NumberSpec says. */
type OperandSpec<D extends DType, O> = O extends Expr<infer C> ? C : O extends null ? `${D}?` : O extends number ? NumberSpec<D, O> : D;

/** The dtype values of dtypes D and U are unified in (coalesce, case), as commonDType does at run time. */
type CommonDType<D extends DType, U extends DType> = [U] extends [D]
  ? D
  : [D | U] extends [NumericDType]
    ? [Extract<D | U, 'float32' | 'float64'>] extends [never]
      ? 'int64'
      : 'float64'
    : never;
/** Untyped sources give `Expr<any>`: their results stay `any`. (Not `0 extends 1 & T`: TypeScript reduces `1 & C` to never for a C constrained to strings.) */
type IsAny<T> = boolean extends (T extends never ? true : false) ? true : false;
type AnyNullable<S extends ColSpec> = [Extract<S, `${string}?`>] extends [never] ? false : true;
type AllNullable<S extends ColSpec> = [S] extends [`${string}?`] ? true : false;
/** coalesce(C, ...S): the common dtype, nullable only when every argument is. */
type CoalesceSpec<C extends ColSpec, S extends ColSpec> = IsAny<C> extends true ? any : WithNullability<CommonDType<BaseOf<C>, BaseOf<S>>, AllNullable<C | S>>;
/** A CASE of branches C and one more of spec S: the common dtype, nullable when any branch is. */
type CaseSpec<C extends ColSpec, S extends ColSpec> = IsAny<C> extends true ? any : WithNullability<CommonDType<BaseOf<C>, BaseOf<S>>, AnyNullable<C | S>>;

type ArithDType<A extends DType, B extends DType, Op extends E.ArithmeticOp> = Op extends 'div'
  ? A extends 'float32'
    ? B extends 'float32'
      ? 'float32'
      : 'float64'
    : 'float64'
  : A extends 'float64'
    ? 'float64'
    : B extends 'float64'
      ? 'float64'
      : A extends 'float32'
        ? B extends 'float32'
          ? 'float32'
          : 'float64'
        : B extends 'float32'
          ? 'float64'
          : Op extends 'mod'
            ? A extends 'int32'
              ? B extends 'int32'
                ? 'int32'
                : 'int64'
              : 'int64'
            : 'int64';
type Arith<A extends ColSpec, B extends ColSpec, Op extends E.ArithmeticOp> = WithNullability<ArithDType<BaseOf<A>, BaseOf<B>, Op>, EitherNullable<A, B>>;
type BoolOf<A extends ColSpec, B extends ColSpec> = WithNullability<'bool', EitherNullable<A, B>>;
type SumSpec<C extends ColSpec> = BaseOf<C> extends 'int32' | 'int64' ? 'int64?' : 'float64?';

function node(value: unknown, like: E.ExprNode, operation: string): E.ExprNode {
  return value instanceof Expr ? value.node : E.literalLike(value, like.type, operation);
}

export class Expr<C extends ColSpec> {
  /** Type-level only: the ColSpec of this expression. */
  declare readonly __spec: C;

  constructor(readonly node: E.ExprNode) {}

  private arith<O>(op: E.ArithmeticOp, other: O): E.ExprNode {
    return E.binary(op, this.node, node(other, this.node, op));
  }
  add<O extends Operand<NumericSpec>>(this: Expr<NumericSpec & C>, other: O & LiteralGuard<BaseOf<C>, O>): Expr<Arith<C, OperandSpec<BaseOf<C>, O>, 'add'>> {
    return new Expr(this.arith('add', other));
  }
  sub<O extends Operand<NumericSpec>>(this: Expr<NumericSpec & C>, other: O & LiteralGuard<BaseOf<C>, O>): Expr<Arith<C, OperandSpec<BaseOf<C>, O>, 'sub'>> {
    return new Expr(this.arith('sub', other));
  }
  mul<O extends Operand<NumericSpec>>(this: Expr<NumericSpec & C>, other: O & LiteralGuard<BaseOf<C>, O>): Expr<Arith<C, OperandSpec<BaseOf<C>, O>, 'mul'>> {
    return new Expr(this.arith('mul', other));
  }
  div<O extends Operand<NumericSpec>>(this: Expr<NumericSpec & C>, other: O & LiteralGuard<BaseOf<C>, O>): Expr<Arith<C, OperandSpec<BaseOf<C>, O>, 'div'>> {
    return new Expr(this.arith('div', other));
  }
  /** Remainder; null where the divisor is 0, so the result is always nullable. */
  mod<O extends Operand<NumericSpec>>(this: Expr<NumericSpec & C>, other: O & LiteralGuard<BaseOf<C>, O>): Expr<AsNullable<Arith<C, OperandSpec<BaseOf<C>, O>, 'mod'>>> {
    return new Expr(this.arith('mod', other));
  }
  neg(this: Expr<NumericSpec & C>): Expr<WithNullability<BaseOf<C> extends 'int32' ? 'int64' : BaseOf<C>, IsNullable<C>>> {
    return new Expr(E.unary('neg', this.node));
  }
  abs(this: Expr<NumericSpec & C>): Expr<WithNullability<BaseOf<C> extends 'int32' ? 'int64' : BaseOf<C>, IsNullable<C>>> {
    return new Expr(E.unary('abs', this.node));
  }

  private cmp<O>(op: E.ComparisonOp, other: O): E.ExprNode {
    return E.binary(op, this.node, node(other, this.node, op));
  }
  eq<O extends Operand<ComparableSpec<C>>>(other: O & LiteralGuard<BaseOf<C>, O>): Expr<BoolOf<C, OperandSpec<BaseOf<C>, O>>> {
    return new Expr(this.cmp('eq', other));
  }
  ne<O extends Operand<ComparableSpec<C>>>(other: O & LiteralGuard<BaseOf<C>, O>): Expr<BoolOf<C, OperandSpec<BaseOf<C>, O>>> {
    return new Expr(this.cmp('ne', other));
  }
  lt<O extends Operand<ComparableSpec<C>>>(other: O & LiteralGuard<BaseOf<C>, O>): Expr<BoolOf<C, OperandSpec<BaseOf<C>, O>>> {
    return new Expr(this.cmp('lt', other));
  }
  le<O extends Operand<ComparableSpec<C>>>(other: O & LiteralGuard<BaseOf<C>, O>): Expr<BoolOf<C, OperandSpec<BaseOf<C>, O>>> {
    return new Expr(this.cmp('le', other));
  }
  gt<O extends Operand<ComparableSpec<C>>>(other: O & LiteralGuard<BaseOf<C>, O>): Expr<BoolOf<C, OperandSpec<BaseOf<C>, O>>> {
    return new Expr(this.cmp('gt', other));
  }
  ge<O extends Operand<ComparableSpec<C>>>(other: O & LiteralGuard<BaseOf<C>, O>): Expr<BoolOf<C, OperandSpec<BaseOf<C>, O>>> {
    return new Expr(this.cmp('ge', other));
  }

  and<O extends BoolSpec>(this: Expr<BoolSpec & C>, other: Expr<O> | boolean): Expr<BoolOf<C, O>> {
    return new Expr(E.binary('and', this.node, node(other, this.node, 'and')));
  }
  or<O extends BoolSpec>(this: Expr<BoolSpec & C>, other: Expr<O> | boolean): Expr<BoolOf<C, O>> {
    return new Expr(E.binary('or', this.node, node(other, this.node, 'or')));
  }
  not(this: Expr<BoolSpec & C>): Expr<C> {
    return new Expr(E.unary('not', this.node));
  }

  isNull(): Expr<'bool'> {
    return new Expr(E.unary('isNull', this.node));
  }
  isNotNull(): Expr<'bool'> {
    return new Expr(E.unary('isNotNull', this.node));
  }
  /**
   * The first non-null of this and `others`, in their common type (int32 with int64 is
   * int64, a float with another numeric type float64); nullable only when all are.
   */
  coalesce<O extends readonly Operand<ComparableSpec<C>>[]>(...others: { [I in keyof O]: O[I] & LiteralGuard<BaseOf<C>, O[I]> }): Expr<CoalesceSpec<C, OperandSpec<BaseOf<C>, O[number]>>> {
    return new Expr(E.coalesce([this.node, ...others.map((o) => node(o, this.node, 'coalesce'))]));
  }
  /** TRY_CAST: values that do not convert (unparsable strings, floats out of an integer range) become null. */
  cast<D extends DType>(dtype: D): Expr<WithNullability<D, IsLossyCast<BaseOf<C>, D> extends true ? true : IsNullable<C>>> {
    return new Expr(E.cast(this.node, dtype));
  }

  /**
   * x IN (values), SQL's three-valued logic: true when x equals a value, else null when x
   * or a listed value is null, else false; an empty list is false. Values are plain
   * JavaScript values (typed after x, as comparison operands are); NaN equals NaN.
   */
  isIn<const V extends readonly (JsValueOf<BaseOf<C>> | null)[]>(values: V): Expr<WithNullability<'bool', IsNullable<C> extends true ? true : null extends V[number] ? true : false>> {
    if (!Array.isArray(values)) throw new TypeMismatchError('isIn', `expected an array of values, got ${typeof values === 'function' ? 'a function' : String(values)}`);
    return new Expr(scalarCall('isIn', [this.node, ...values.map((v) => E.literalLike(v, this.node.type, 'isIn'))]));
  }

  /**
   * SQL LIKE (case-sensitive): `%` matches any run of characters, `_` one character (a code
   * point). No escape character unless `escape` names one (as in DuckDB), which makes the
   * next `%`, `_` or escape literal: `like('100!%', { escape: '!' })`.
   */
  like<P extends StringSpec = 'string'>(this: Expr<StringSpec & C>, pattern: string | Expr<P>, options: { escape?: string } = {}): Expr<BoolOf<C, P>> {
    const args = [this.node, stringOperand(pattern, 'like')];
    // An empty escape is none, as in DuckDB.
    if (options.escape !== undefined && options.escape !== '') args.push(E.literal(options.escape, 'string', 'like'));
    return new Expr(scalarCall('like', args));
  }
  /** Whether the string starts with `prefix` (no wildcards). */
  startsWith<P extends StringSpec = 'string'>(this: Expr<StringSpec & C>, prefix: string | Expr<P>): Expr<BoolOf<C, P>> {
    return new Expr(scalarCall('startsWith', [this.node, stringOperand(prefix, 'startsWith')]));
  }
  /** Whether the string ends with `suffix` (no wildcards). */
  endsWith<P extends StringSpec = 'string'>(this: Expr<StringSpec & C>, suffix: string | Expr<P>): Expr<BoolOf<C, P>> {
    return new Expr(scalarCall('endsWith', [this.node, stringOperand(suffix, 'endsWith')]));
  }
  /** Whether `part` occurs in the string (no wildcards; '' occurs in every string). */
  contains<P extends StringSpec = 'string'>(this: Expr<StringSpec & C>, part: string | Expr<P>): Expr<BoolOf<C, P>> {
    return new Expr(scalarCall('contains', [this.node, stringOperand(part, 'contains')]));
  }

  /** The year of a date (proleptic Gregorian calendar), int32. */
  year(this: Expr<DateSpec & C>): Expr<WithNullability<'int32', IsNullable<C>>> {
    return new Expr(scalarCall('year', [this.node]));
  }
  /** The month of a date, 1-12. */
  month(this: Expr<DateSpec & C>): Expr<WithNullability<'int32', IsNullable<C>>> {
    return new Expr(scalarCall('month', [this.node]));
  }
  /** The day of the month of a date, 1-31. */
  day(this: Expr<DateSpec & C>): Expr<WithNullability<'int32', IsNullable<C>>> {
    return new Expr(scalarCall('day', [this.node]));
  }
  /** The day of the week of a date: Sunday = 0, Monday = 1, … Saturday = 6 (as DuckDB's dayofweek). */
  dayOfWeek(this: Expr<DateSpec & C>): Expr<WithNullability<'int32', IsNullable<C>>> {
    return new Expr(scalarCall('dayOfWeek', [this.node]));
  }

  // Aggregates (valid inside groupBy(...).agg()).
  sum(this: Expr<NumericSpec & C>): Agg<SumSpec<C>> {
    return new Agg('sum', this.node);
  }
  mean(this: Expr<NumericSpec & C>): Agg<'float64?'> {
    return new Agg('mean', this.node);
  }
  min(): Agg<AsNullable<C>> {
    return new Agg('min', this.node);
  }
  max(): Agg<AsNullable<C>> {
    return new Agg('max', this.node);
  }
  /** Non-null values. */
  count(): Agg<'int64'> {
    return new Agg('count', this.node);
  }
  /** Distinct non-null values (-0 equals 0, NaN equals NaN). */
  countDistinct(): Agg<'int64'> {
    return new Agg('countDistinct', this.node);
  }
  /** Sample standard deviation (divides by n - 1; null for fewer than two values), as DuckDB's stddev / stddev_samp. */
  stddev(this: Expr<NumericSpec & C>): Agg<'float64?'> {
    return new Agg('stddev', this.node);
  }
  /** Sample variance (divides by n - 1; null for fewer than two values), as DuckDB's variance / var_samp. */
  variance(this: Expr<NumericSpec & C>): Agg<'float64?'> {
    return new Agg('variance', this.node);
  }
  /** Population standard deviation (divides by n; null without values), as DuckDB's stddev_pop. */
  stddevPop(this: Expr<NumericSpec & C>): Agg<'float64?'> {
    return new Agg('stddevPop', this.node);
  }
  /** Population variance (divides by n; null without values), as DuckDB's var_pop. */
  variancePop(this: Expr<NumericSpec & C>): Agg<'float64?'> {
    return new Agg('variancePop', this.node);
  }

  // Sort keys (valid inside orderBy()).
  asc(opts: { nulls?: 'first' | 'last' } = {}): Sort {
    return new Sort({ expr: this.node, descending: false, nullsFirst: opts.nulls === 'first' });
  }
  desc(opts: { nulls?: 'first' | 'last' } = {}): Sort {
    return new Sort({ expr: this.node, descending: true, nullsFirst: opts.nulls === 'first' });
  }
}

type IsLossyCast<From extends DType, To extends DType> = From extends 'string'
  ? (To extends 'string' ? false : true)
  : From extends 'float64' | 'float32' | 'int64'
    ? (To extends 'int32' | 'int64' | 'date' ? true : false)
    : false;

/** An aggregate expression; `C` is the spec of its result column. */
export class Agg<C extends ColSpec> {
  declare readonly __spec: C;
  readonly expr: AggregateExpr;
  constructor(fn: AggregateFn, arg: E.ExprNode | null) {
    this.expr = aggregate(fn, arg);
  }
}

export class Sort {
  constructor(readonly key: SortKey) {}
}

/**
 * `count()`: count(*), the number of rows of each group; `count(expr)`: the rows where
 * `expr` is not null (as SQL's count(x), and as `expr.count()`).
 */
export function count(expr?: Expr<ColSpec>): Agg<'int64'> {
  if (expr === undefined) return new Agg('count', null);
  if (!(expr instanceof Expr)) {
    throw new TypeMismatchError('count', `expected no argument (count(*)) or an expression built from the row's columns (count(r.x)), got ${typeof expr === 'function' ? 'a function' : String(expr)}`);
  }
  return new Agg('count', expr.node);
}

/** A string operand of a string function: an expression, or a plain string as a literal. */
function stringOperand(v: unknown, operation: string): E.ExprNode {
  if (v instanceof Expr) return v.node;
  if (typeof v !== 'string') throw new TypeMismatchError(operation, `expected a string or a string expression, got ${v === null ? 'null' : typeof v}`);
  return E.literal(v, 'string', operation);
}

/** Why `lit` rejects the number literal V as a D (never when it does not). */
type LitError<D extends DType, V> = V extends number
  ? number extends V
    ? never
    : D extends 'int32' | 'int64' | 'date'
      ? IsIntegerText<`${V}`> extends true
        ? (D extends 'int32' ? FitsInt32<`${V}`> : FitsInt64<`${V}`>) extends true
          ? never
          : `${V} is out of the ${D} range`
        : `${V} is not an integer, as ${D} needs`
      : NumberLiteralError<D, V>
  : never;
type LitGuard<D extends DType, V> = [LitError<D, V>] extends [never] ? unknown : { readonly error: LitError<D, V> };
/** A null literal is nullable; a value that may be null at run time gives both specs. */
type LitSpec<D extends DType, V> = [V] extends [null] ? `${D}?` : null extends V ? D | `${D}?` : D;

/**
 * A typed literal; `lit(null, dtype)` is a null of that dtype (typed `${dtype}?`). The
 * value must be one the dtype holds: an integer within range for int32 and int64 (int64
 * is exact within ±2^53), a value within the float32 range for float32 (stored rounded to
 * float32); a literal type that does not fit does not compile, and any value that does
 * not fit is a TypeMismatchError.
 */
export function lit<D extends DType, V extends JsValueOf<D> | null>(value: V & LitGuard<D, V>, dtype: D): Expr<LitSpec<D, V>> {
  let v = value as E.LiteralValue;
  if ((value as unknown) instanceof Date) {
    v = dateToDays(value as unknown as Date);
    if (Number.isNaN(v)) throw new TypeMismatchError('lit', 'invalid Date literal');
  }
  return new Expr(E.literal(v, dtype, 'lit'));
}

type SpecOfValue<V> = V extends Expr<infer S> ? S : V extends number ? 'float64' : V extends string ? 'string' : V extends boolean ? 'bool' : V extends Date ? 'date' : never;

/**
 * A conditional: `when(cond, a).when(cond2, b).otherwise(c)`. The result has the common
 * type of all branches (as `coalesce`), and is nullable when any branch is. A plain
 * number as the first branch is float64; later plain values are typed after the branches
 * before them (as operands of a comparison are).
 */
export function when<V extends Expr<ColSpec> | number | string | boolean | Date>(condition: Expr<BoolSpec>, value: V): When<SpecOfValue<V>> {
  return new When<SpecOfValue<V>>([]).when(condition, value as never) as unknown as When<SpecOfValue<V>>;
}

export class When<C extends ColSpec> {
  /** Type-level only: the spec of the branches so far. */
  declare readonly __spec: C;

  constructor(private readonly branches: readonly { when: E.ExprNode; then: E.ExprNode }[]) {}

  /** The type of the branches so far, as E.caseWhen unifies them: plain values are typed after it. */
  private get type(): ColumnType {
    let type: ColumnType = this.branches[0]?.then.type ?? { dtype: 'float64', nullable: false };
    for (const b of this.branches.slice(1)) {
      type = { dtype: commonDType(type.dtype, b.then.type.dtype) ?? type.dtype, nullable: type.nullable || b.then.type.nullable };
    }
    return type;
  }

  when<O extends Operand<ComparableSpec<C>>>(condition: Expr<BoolSpec>, value: O & LiteralGuard<BaseOf<C>, O>): When<CaseSpec<C, OperandSpec<BaseOf<C>, O>>> {
    const then = value instanceof Expr ? value.node : E.literalLike(value, this.type, 'when');
    return new When([...this.branches, { when: condition.node, then }]);
  }

  otherwise<O extends Operand<ComparableSpec<C>>>(value: O & LiteralGuard<BaseOf<C>, O>): Expr<CaseSpec<C, OperandSpec<BaseOf<C>, O>>> {
    return new Expr(E.caseWhen(this.branches, value instanceof Expr ? value.node : E.literalLike(value, this.type, 'otherwise')));
  }
}
