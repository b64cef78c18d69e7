import type * as arrow from 'apache-arrow';
import { type Batch, concatBatches } from '../data/batch.js';
import { type Column, cellValue } from '../data/column.js';
import { ExecutionError, PlanError } from '../errors.js';
import { execute } from '../exec/execute.js';
import { Relation } from '../dsl/relation.js';
import { fromArrow, fromColumns } from '../dsl/sources.js';
import { planToRun } from '../dsl/run.js';
import { type DType, type ColSpec, isNumeric } from '../types/dtype.js';
import { requireField } from '../types/schema.js';
import { makeNode, type RelationNode } from '../plan/node.js';
import { columnRef } from '../plan/expr.js';

/**
 * Input profiles (docs/validation.md): per feature, what training data looked like —
 * null fraction, range, mean and deviation, category frequencies, and the bins the
 * population-stability index compares batches on. Plain JSON: a fitted artefact can
 * store one and a serving process check inputs against it without the training data.
 */

export const PROFILE_FORMAT_VERSION = 1;

/** Quantiles of the training values that bound the PSI bins of a numeric feature (deciles). */
export const PSI_QUANTILES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

interface FeatureBase {
  readonly name: string;
  readonly dtype: DType;
  readonly rows: number;
  readonly nulls: number;
  readonly nullFraction: number;
}

/** Numbers and dates (as days since 1970-01-01). NaN sorts above every number, as in SQL. */
export interface NumericFeatureProfile extends FeatureBase {
  readonly kind: 'numeric';
  readonly nans: number;
  /** Over non-null, non-NaN values; null when there are none. */
  readonly min: number | null;
  readonly max: number | null;
  readonly mean: number | null;
  /** Population standard deviation (divides by the count). */
  readonly std: number | null;
  /** PSI bin edges (training deciles, repeats removed): bin k holds edges[k-1] < x <= edges[k]; NaN goes to the last bin. */
  readonly edges: readonly number[];
  /** Fraction of the non-null training values in each bin (edges.length + 1 bins). */
  readonly binFractions: readonly number[];
}

/** Strings and bools (as 'true' / 'false'). */
export interface CategoricalFeatureProfile extends FeatureBase {
  readonly kind: 'categorical';
  /** Every category seen, sorted, with the fraction of non-null rows holding it. */
  readonly categories: readonly string[];
  readonly frequencies: readonly number[];
}

export type FeatureProfile = NumericFeatureProfile | CategoricalFeatureProfile;

export interface Profile {
  readonly version: number;
  readonly rows: number;
  readonly features: readonly FeatureProfile[];
}

/** What can be profiled or checked: a relation, an Arrow table, or plain row objects (checks only). */
export type ProfileInput = Relation<any> | arrow.Table;

/** The named columns of `input`, run to one batch per column. */
export async function loadColumns(input: ProfileInput, columns: readonly string[] | undefined, operator: string): Promise<{ names: string[]; dtypes: DType[]; columns: Column[]; rows: number }> {
  const relation = input instanceof Relation ? input : fromArrow(input);
  const schema = relation.schema;
  const names = columns ? [...columns] : schema.fields.map((f) => f.name);
  if (names.length === 0) throw new PlanError(operator, 'expected at least one column');
  const fields = names.map((n) => requireField(schema, n, operator));
  const plan = makeNode('project', { columns: fields.map((f) => ({ name: f.name, expr: columnRef(f.name, f) })) }, [relation.plan]) as RelationNode;
  const { result } = await execute(planToRun(plan));
  if (result.kind !== 'relation') throw new ExecutionError(operator, 'expected a relation result');
  const batch: Batch = concatBatches(plan.output.schema, result.batches);
  return { names, dtypes: fields.map((f) => f.dtype), columns: [...batch.columns], rows: batch.length };
}

/** Plain row objects as a relation with the profile's column types (missing keys read as null). */
export function rowsRelation(rows: readonly Record<string, unknown>[], types: Readonly<Record<string, ColSpec>>): Relation<any> {
  const columns: Record<string, unknown[]> = {};
  for (const name of Object.keys(types)) columns[name] = rows.map((r) => (Object.hasOwn(r, name) ? r[name] : null));
  return fromColumns(columns as Record<string, (string | number | boolean | Date | null)[]>, { types } as never) as Relation<any>;
}

/** A numeric column's non-null values as float64 (dates as days). */
export function numericValues(col: Column): { values: Float64Array; nulls: number } {
  const out = new Float64Array(col.length);
  let k = 0;
  for (let i = 0; i < col.length; i++) if (col.validity === null || col.validity[i] === 1) out[k++] = col.values[i];
  return { values: out.subarray(0, k), nulls: col.length - k };
}

/** Bin of `x` for `edges` (sorted): the first k with x <= edges[k], edges.length when above all (and for NaN). */
export function binOf(edges: readonly number[], x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x <= edges[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Per-category counts of a string or bool column's non-null rows. */
export function categoryCounts(col: Column): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < col.length; i++) {
    const v = cellValue(col, i);
    if (v === null) continue;
    const key = String(v);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function numericProfile(name: string, dtype: DType, col: Column): NumericFeatureProfile {
  const { values, nulls } = numericValues(col);
  const finite = Float64Array.from(values.filter((v) => v === v)).sort();
  const nans = values.length - finite.length;
  const count = finite.length;
  let sum = 0;
  for (const v of finite) sum += v;
  const mean = count > 0 ? sum / count : null;
  let squares = 0;
  if (mean !== null) for (const v of finite) squares += (v - mean) * (v - mean);
  const edges: number[] = [];
  if (count > 0) {
    for (const q of PSI_QUANTILES) {
      const e = finite[Math.min(count - 1, Math.floor(q * count))];
      if (edges.length === 0 || e > edges[edges.length - 1]) edges.push(e);
    }
  }
  const bins = new Array<number>(edges.length + 1).fill(0);
  for (const v of values) bins[binOf(edges, v)]++;
  return {
    kind: 'numeric',
    name,
    dtype,
    rows: col.length,
    nulls,
    nullFraction: col.length === 0 ? 0 : nulls / col.length,
    nans,
    min: count > 0 ? finite[0] : null,
    max: count > 0 ? finite[count - 1] : null,
    mean,
    std: mean !== null ? Math.sqrt(squares / count) : null,
    edges,
    binFractions: bins.map((b) => (values.length === 0 ? 0 : b / values.length)),
  };
}

function categoricalProfile(name: string, dtype: DType, col: Column): CategoricalFeatureProfile {
  const counts = categoryCounts(col);
  const categories = [...counts.keys()].sort();
  let nonNull = 0;
  for (const c of counts.values()) nonNull += c;
  return {
    kind: 'categorical',
    name,
    dtype,
    rows: col.length,
    nulls: col.length - nonNull,
    nullFraction: col.length === 0 ? 0 : (col.length - nonNull) / col.length,
    categories,
    frequencies: categories.map((c) => counts.get(c)! / nonNull),
  };
}

/** Whether a dtype is profiled as numbers (dates included) rather than categories. */
export function isNumericProfileType(dtype: DType): boolean {
  return isNumeric(dtype) || dtype === 'date';
}

/** Profiles the named columns (all by default) of a relation or Arrow table; runs the plan once. */
export async function profile(input: ProfileInput, columns?: readonly string[]): Promise<Profile> {
  const loaded = await loadColumns(input, columns, 'profile');
  const features = loaded.names.map((name, c) =>
    isNumericProfileType(loaded.dtypes[c]) ? numericProfile(name, loaded.dtypes[c], loaded.columns[c]) : categoricalProfile(name, loaded.dtypes[c], loaded.columns[c]),
  );
  return { version: PROFILE_FORMAT_VERSION, rows: loaded.rows, features };
}
