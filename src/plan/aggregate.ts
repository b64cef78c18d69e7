import { TypeMismatchError } from '../errors.js';
import { type ColumnType, isNumeric } from '../types/dtype.js';
import { type DigestValue, encodeDigest } from './digest.js';
import { type ExprNode, exprKey, exprToString } from './expr.js';

/**
 * Aggregate functions of a group-by. `count` with no argument counts rows, with one its
 * non-null values. `stddev`/`variance` are the sample forms (divide by n - 1), as DuckDB's
 * stddev/variance (stddev_samp/var_samp); `stddevPop`/`variancePop` divide by n.
 */
export type AggregateFn = 'count' | 'sum' | 'mean' | 'min' | 'max' | 'countDistinct' | DeviationFn;
export type DeviationFn = 'stddev' | 'variance' | 'stddevPop' | 'variancePop';

/** SQL names of the deviation aggregates (DuckDB's). */
const DEVIATION_SQL: Record<DeviationFn, string> = { stddev: 'stddev_samp', variance: 'var_samp', stddevPop: 'stddev_pop', variancePop: 'var_pop' };

export interface AggregateExpr {
  readonly fn: AggregateFn;
  readonly arg: ExprNode | null;
  readonly type: ColumnType;
}

/**
 * Builds an aggregate and derives its type with SQL semantics: nulls are skipped;
 * sum, mean, min and max of no non-null value are null; counts are never null; the
 * deviations are float64, null for fewer than two values (sample) or none (population).
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
    case 'stddev':
    case 'variance':
    case 'stddevPop':
    case 'variancePop':
      if (!isNumeric(d)) throw new TypeMismatchError(fn, `expected a numeric argument, got ${exprToString(arg)} of type ${d}`);
      return { fn, arg, type: { dtype: 'float64', nullable: true } };
  }
}

export function aggregateToString(a: AggregateExpr): string {
  if (a.arg === null) return 'count(*)';
  if (a.fn === 'countDistinct') return `count(DISTINCT ${exprToString(a.arg)})`;
  const name = a.fn in DEVIATION_SQL ? DEVIATION_SQL[a.fn as DeviationFn] : a.fn;
  return `${name}(${exprToString(a.arg)})`;
}

/** An aggregate as a digest value (src/plan/digest.ts): function, argument (null for count(*)) and type. */
export function aggregateKey(a: AggregateExpr): DigestValue {
  return [a.fn, a.arg ? exprKey(a.arg) : null, [a.type.dtype, a.type.nullable]];
}

/** Canonical text of an aggregate: equal digests mean equal aggregates. */
export function aggregateDigest(a: AggregateExpr): string {
  return encodeDigest(aggregateKey(a));
}
