import { type Column, makeColumn } from '../../data/column.js';

/**
 * Variance and standard deviation per group, as DuckDB's var_samp/stddev_samp (and
 * var_pop/stddev_pop): nulls are skipped; the sample forms divide by n - 1 and are null
 * for a group of fewer than two values, the population forms divide by n and are null
 * for a group without a value (0 for one value). Welford's update in row order, as
 * DuckDB computes it (so results agree to the bit where the rows come in the same
 * order): unlike summing x and x², it does not lose the variance to cancellation when
 * it is small next to the mean. A NaN or ±Infinity value gives NaN (DuckDB raises an
 * out-of-range error there).
 */
export interface DeviationOptions {
  /** Divide by n - 1 (sample) rather than n (population). */
  readonly sample: boolean;
  /** The standard deviation (square root of the variance). */
  readonly sqrt: boolean;
}

export function deviationByGroup(groupIds: Int32Array, groupCount: number, col: Column, options: DeviationOptions): Column {
  const n = groupIds.length;
  const v = col.values;
  const valid = col.validity;
  const counts = new Float64Array(groupCount);
  const means = new Float64Array(groupCount);
  const squares = new Float64Array(groupCount);
  for (let i = 0; i < n; i++) {
    if (valid !== null && valid[i] === 0) continue;
    const g = groupIds[i];
    const x = v[i];
    const count = ++counts[g];
    const delta = x - means[g];
    means[g] += delta / count;
    squares[g] += delta * (x - means[g]);
  }
  const least = options.sample ? 2 : 1;
  const validity = new Uint8Array(groupCount);
  let allValid = true;
  for (let g = 0; g < groupCount; g++) {
    if (counts[g] < least) {
      allValid = false;
      squares[g] = 0;
      continue;
    }
    validity[g] = 1;
    const variance = squares[g] / (options.sample ? counts[g] - 1 : counts[g]);
    squares[g] = options.sqrt ? Math.sqrt(variance) : variance;
  }
  return makeColumn('float64', squares, allValid ? null : validity);
}
