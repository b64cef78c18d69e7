import * as E from '../plan/expr.js';
import { type AggregateExpr, type AggregateFn, aggregate } from '../plan/aggregate.js';
import type { SortKey } from '../plan/relational-operators.js';
import type {
  AsNullable,
  BaseOf,
  ColSpec,
  DType,
  EitherNullable,
  IsNullable,
  JsValueOf,
  NumericDType,
  WithNullability,
} from '../types/dtype.js';

/**
 * The typed expression builder. `Expr<C>` wraps an expression node whose type is the
 * ColSpec `C`; methods exist only where they make sense (arithmetic on numbers, and/or
 * on booleans), so a string compared with a number does not compile.
 */

type NumericSpec = NumericDType | `${NumericDType}?`;
type BoolSpec = 'bool' | 'bool?';

/** What a value of spec C may be compared with: numbers with numbers, others with their own kind. */
type ComparableSpec<C extends ColSpec> = BaseOf<C> extends NumericDType ? NumericSpec : BaseOf<C> | `${BaseOf<C>}?`;
type Operand<C extends ColSpec> = Expr<C> | JsValueOf<BaseOf<C>> | null;

/** Type of a plain JS operand next to a column of dtype D: numbers take the column's numeric type. */
type OperandSpec<D extends DType, O> = O extends Expr<infer C> ? C : O extends null ? `${D}?` : D;

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
  add<O extends Operand<NumericSpec>>(this: Expr<NumericSpec & C>, other: O): Expr<Arith<C, OperandSpec<BaseOf<C>, O>, 'add'>> {
    return new Expr(this.arith('add', other));
  }
  sub<O extends Operand<NumericSpec>>(this: Expr<NumericSpec & C>, other: O): Expr<Arith<C, OperandSpec<BaseOf<C>, O>, 'sub'>> {
    return new Expr(this.arith('sub', other));
  }
  mul<O extends Operand<NumericSpec>>(this: Expr<NumericSpec & C>, other: O): Expr<Arith<C, OperandSpec<BaseOf<C>, O>, 'mul'>> {
    return new Expr(this.arith('mul', other));
  }
  div<O extends Operand<NumericSpec>>(this: Expr<NumericSpec & C>, other: O): Expr<Arith<C, OperandSpec<BaseOf<C>, O>, 'div'>> {
    return new Expr(this.arith('div', other));
  }
  /** Remainder; null where the divisor is 0, so the result is always nullable. */
  mod<O extends Operand<NumericSpec>>(this: Expr<NumericSpec & C>, other: O): Expr<AsNullable<Arith<C, OperandSpec<BaseOf<C>, O>, 'mod'>>> {
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
  eq<O extends Operand<ComparableSpec<C>>>(other: O): Expr<BoolOf<C, OperandSpec<BaseOf<C>, O>>> {
    return new Expr(this.cmp('eq', other));
  }
  ne<O extends Operand<ComparableSpec<C>>>(other: O): Expr<BoolOf<C, OperandSpec<BaseOf<C>, O>>> {
    return new Expr(this.cmp('ne', other));
  }
  lt<O extends Operand<ComparableSpec<C>>>(other: O): Expr<BoolOf<C, OperandSpec<BaseOf<C>, O>>> {
    return new Expr(this.cmp('lt', other));
  }
  le<O extends Operand<ComparableSpec<C>>>(other: O): Expr<BoolOf<C, OperandSpec<BaseOf<C>, O>>> {
    return new Expr(this.cmp('le', other));
  }
  gt<O extends Operand<ComparableSpec<C>>>(other: O): Expr<BoolOf<C, OperandSpec<BaseOf<C>, O>>> {
    return new Expr(this.cmp('gt', other));
  }
  ge<O extends Operand<ComparableSpec<C>>>(other: O): Expr<BoolOf<C, OperandSpec<BaseOf<C>, O>>> {
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
  /** The first non-null of this and `others`; nullable only when all are. */
  coalesce<O extends Operand<ComparableSpec<C>>>(...others: O[]): Expr<WithNullability<BaseOf<C>, IsNullable<C> extends true ? AllNullable<O> : false>> {
    return new Expr(E.coalesce([this.node, ...others.map((o) => node(o, this.node, 'coalesce'))]));
  }
  /** TRY_CAST: values that do not convert (unparsable strings, floats out of an integer range) become null. */
  cast<D extends DType>(dtype: D): Expr<WithNullability<D, IsLossyCast<BaseOf<C>, D> extends true ? true : IsNullable<C>>> {
    return new Expr(E.cast(this.node, dtype));
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
  countDistinct(): Agg<'int64'> {
    return new Agg('countDistinct', this.node);
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

type AllNullable<O> = O extends Expr<infer S> ? IsNullable<S> : O extends null ? true : false;

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

/** count(*): the number of rows of each group. */
export function count(): Agg<'int64'> {
  return new Agg('count', null);
}

/** A typed literal. */
export function lit<D extends DType>(value: JsValueOf<D> | null, dtype: D): Expr<D> {
  const v = value instanceof Date ? Math.floor(value.getTime() / 86_400_000) : (value as E.LiteralValue);
  return new Expr(E.literal(v, dtype));
}

type SpecOfValue<V> = V extends Expr<infer S> ? S : V extends number ? 'float64' : V extends string ? 'string' : V extends boolean ? 'bool' : never;

/** A conditional: `when(cond, a).when(cond2, b).otherwise(c)`. */
export function when<V extends Expr<ColSpec> | number | string | boolean>(condition: Expr<BoolSpec>, value: V): When<SpecOfValue<V>> {
  return new When<SpecOfValue<V>>([]).when(condition, value as never) as When<SpecOfValue<V>>;
}

export class When<C extends ColSpec> {
  constructor(private readonly branches: readonly { when: E.ExprNode; then: E.ExprNode }[]) {}
  when(condition: Expr<BoolSpec>, value: Expr<ComparableSpec<C>> | JsValueOf<BaseOf<C>>): When<C> {
    const then = value instanceof Expr ? value.node : E.literalLike(value, this.branches[0]?.then.type ?? { dtype: 'float64', nullable: false }, 'when');
    return new When<C>([...this.branches, { when: condition.node, then }]);
  }
  otherwise<O extends Operand<ComparableSpec<C>>>(value: O): Expr<WithNullability<BaseOf<C>, O extends null ? true : IsNullable<C>>> {
    return new Expr(E.caseWhen(this.branches, node(value, this.branches[0].then, 'otherwise')));
  }
}
