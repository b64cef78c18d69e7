import { TypeMismatchError } from '../errors.js';
import { type ColumnType, isNumeric } from '../types/dtype.js';
import { type DigestValue, encodeDigest } from './digest.js';
import { type ExprNode, exprKey, exprToString } from './expr.js';

/** Aggregate functions of a group-by. `count` with no argument counts rows. */
export type AggregateFn = 'count' | 'sum' | 'mean' | 'min' | 'max' | 'countDistinct';

export interface AggregateExpr {
  readonly fn: AggregateFn;
  readonly arg: ExprNode | null;
  readonly type: ColumnType;
}

/**
 * Builds an aggregate and derives its type with SQL semantics: nulls are skipped;
 * sum, mean, min and max of no non-null value are null; counts are never null.
 */
export function aggregate(fn: AggregateFn, arg: ExprNode | null): AggregateExpr {
  if (arg === null) {
    if (fn !== 'count') throw new TypeMismatchError(fn, 'expected an argument');
    return { fn, arg, type: { dtype: 'int64', nullable: false } };
  }
  const d = arg.type.dtype;
  switch (fn) {
    case 'count':
    case 'countDistinct':
      return { fn, arg, type: { dtype: 'int64', nullable: false } };
    case 'sum':
      if (!isNumeric(d)) throw new TypeMismatchError('sum', `expected a numeric argument, got ${exprToString(arg)} of type ${d}`);
      return { fn, arg, type: { dtype: d === 'int32' || d === 'int64' ? 'int64' : 'float64', nullable: true } };
    case 'mean':
      if (!isNumeric(d)) throw new TypeMismatchError('mean', `expected a numeric argument, got ${exprToString(arg)} of type ${d}`);
      return { fn, arg, type: { dtype: 'float64', nullable: true } };
    case 'min':
    case 'max':
      return { fn, arg, type: { dtype: d, nullable: true } };
  }
}

export function aggregateToString(a: AggregateExpr): string {
  if (a.arg === null) return 'count(*)';
  return a.fn === 'countDistinct' ? `count(DISTINCT ${exprToString(a.arg)})` : `${a.fn}(${exprToString(a.arg)})`;
}

/** An aggregate as a digest value (src/plan/digest.ts): function, argument (null for count(*)) and type. */
export function aggregateKey(a: AggregateExpr): DigestValue {
  return [a.fn, a.arg ? exprKey(a.arg) : null, [a.type.dtype, a.type.nullable]];
}

/** Canonical text of an aggregate: equal digests mean equal aggregates. */
export function aggregateDigest(a: AggregateExpr): string {
  return encodeDigest(aggregateKey(a));
}
