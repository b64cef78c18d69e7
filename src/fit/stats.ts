import type { Column } from '../data/column.js';
import type { Feature } from '../plan/bridge-operators.js';

/**
 * Per encoded feature, what the training rows looked like: the hook input checks
 * (src/validate) attach to. Computed from the columns fit() reads anyway; nothing here
 * checks anything.
 */
export interface FeatureStats {
  readonly column: string;
  readonly encoding: Feature['encoding'];
  readonly rows: number;
  readonly nulls: number;
  /** Numeric and standardized features: over the non-null values (NaN ignored). */
  readonly min?: number;
  readonly max?: number;
  readonly mean?: number;
  /** Population standard deviation. */
  readonly sd?: number;
  /** One-hot features: rows per category (values outside the categories under `unseen`). */
  readonly categoryCounts?: Readonly<Record<string, number>>;
  readonly unseen?: number;
}

export function featureStats(f: Feature, col: Column): FeatureStats {
  const n = col.length;
  const valid = col.validity;
  let nulls = 0;
  for (let i = 0; i < n; i++) if (valid && !valid[i]) nulls++;
  const base = { column: f.column, encoding: f.encoding, rows: n, nulls };
  if (f.encoding === 'onehot') {
    const counts = new Map(f.categories.map((c) => [c, 0]));
    let unseen = 0;
    const dict = col.dictionary ?? [];
    for (let i = 0; i < n; i++) {
      if (valid && !valid[i]) continue;
      const s = dict[col.values[i]];
      const c = counts.get(s);
      if (c === undefined) unseen++;
      else counts.set(s, c + 1);
    }
    return { ...base, categoryCounts: Object.fromEntries(counts), unseen };
  }
  if (f.encoding === 'hash' || col.dtype === 'string') return base;
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = col.values[i];
    if ((valid && !valid[i]) || v !== v) continue;
    count++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (count === 0) return base;
  const mean = sum / count;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const v = col.values[i];
    if ((valid && !valid[i]) || v !== v) continue;
    ss += (v - mean) ** 2;
  }
  return { ...base, min, max, mean, sd: Math.sqrt(ss / count) };
}
