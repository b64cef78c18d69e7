/**
 * Aggregates (src/plan/aggregate.ts) as DuckDB SQL with Tessera's result types: nulls are
 * skipped in both; `count(x)` counts non-null values, `countDistinct` is
 * `count(DISTINCT x)`; an integer sum is BIGINT (DuckDB widens it to HUGEINT, so it is
 * cast back); `mean` is `avg`; the deviations are DuckDB's stddev_samp, var_samp,
 * stddev_pop and var_pop over DOUBLE (both compute them by Welford's update).
 */
import type { AggregateExpr, DeviationFn } from '../plan/aggregate.js';
import { isInteger } from '../types/dtype.js';
import { type ColumnSql, asType, exprSql } from './expressions.js';
import { castSql } from './literals.js';

const DEVIATION_SQL: Record<DeviationFn, string> = { stddev: 'stddev_samp', variance: 'var_samp', stddevPop: 'stddev_pop', variancePop: 'var_pop' };

/** The SQL text of an aggregate over its input's columns. */
export function aggregateSql(a: AggregateExpr, column: ColumnSql): string {
  if (a.arg === null) return 'count(*)';
  const x = exprSql(a.arg, column);
  const d = a.arg.type.dtype;
  switch (a.fn) {
    case 'count':
      return `count(${x})`;
    case 'countDistinct':
      return `count(DISTINCT ${x})`;
    case 'sum':
      return isInteger(d) ? castSql(`sum(${x})`, 'int64') : `sum(${asType(x, d, 'float64')})`;
    case 'mean':
      // avg of integers sums them exactly (HUGEINT) before dividing; floats are summed as doubles.
      return isInteger(d) ? `avg(${x})` : `avg(${asType(x, d, 'float64')})`;
    case 'min':
    case 'max':
      return `${a.fn}(${x})`;
    case 'stddev':
    case 'variance':
    case 'stddevPop':
    case 'variancePop':
      return `${DEVIATION_SQL[a.fn]}(${asType(x, d, 'float64')})`;
  }
}
