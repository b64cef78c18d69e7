import type * as arrow from 'apache-arrow';
import type { Column } from '../data/column.js';
import { Relation } from '../dsl/relation.js';
import { fromArrow } from '../dsl/sources.js';
import { PlanError } from '../errors.js';
import type { ColSpec, DType } from '../types/dtype.js';
import {
  type CategoricalFeatureProfile,
  type FeatureProfile,
  type NumericFeatureProfile,
  type Profile,
  type ProfileInput,
  PROFILE_FORMAT_VERSION,
  binOf,
  categoryCounts,
  isNumericProfileType,
  loadColumns,
  numericValues,
  rowsRelation,
} from './profile.js';

/**
 * Checks of a batch against a training profile (docs/validation.md): schema, unseen
 * categories, values outside the training range, nulls where training had none, and
 * distribution drift by the population-stability index,
 *
 *   PSI = Σ over bins (a − e) · ln(a / e)
 *
 * with e and a the training and batch fractions of rows per bin (numeric features: the
 * training deciles' bins; categorical ones: each training category, one bin for unseen
 * values; both: one bin for nulls), each floored at PSI_FLOOR so an empty bin counts
 * instead of dividing by zero.
 */

/** Below: no drift. */
export const PSI_MODERATE = 0.1;
/** At or above: drift. Between the two: moderate drift. */
export const PSI_DRIFT = 0.25;
/** Smallest fraction a bin counts with. */
export const PSI_FLOOR = 1e-4;

export type DriftVerdict = 'none' | 'moderate' | 'drift';

export function driftVerdict(psi: number): DriftVerdict {
  return psi < PSI_MODERATE ? 'none' : psi < PSI_DRIFT ? 'moderate' : 'drift';
}

/** PSI of two distributions over the same bins (fractions summing to 1 each). */
export function populationStabilityIndex(expected: readonly number[], actual: readonly number[]): number {
  if (expected.length !== actual.length) throw new PlanError('psi', `expected the same number of bins, got ${expected.length} and ${actual.length}`);
  let psi = 0;
  for (let k = 0; k < expected.length; k++) {
    const e = Math.max(expected[k], PSI_FLOOR);
    const a = Math.max(actual[k], PSI_FLOOR);
    psi += (a - e) * Math.log(a / e);
  }
  return psi;
}

export interface SchemaProblem {
  readonly column: string;
  readonly problem: 'missing' | 'type';
  readonly expected: DType;
  readonly actual: DType | null;
}

export interface DriftResult {
  readonly column: string;
  readonly psi: number;
  readonly verdict: DriftVerdict;
  /**
   * The PSI sampling alone gives on average when nothing drifted: (bins − 1)·(1/training
   * rows + 1/batch rows), bins counting those training filled. A batch too small for its
   * noise to stay well below PSI_MODERATE cannot tell moderate drift from chance.
   */
  readonly noise: number;
}

export interface ProfileCheck {
  readonly rows: number;
  readonly schema: readonly SchemaProblem[];
  readonly unseenCategories: readonly { readonly column: string; readonly rows: number; readonly values: readonly string[] }[];
  readonly outOfRange: readonly { readonly column: string; readonly rows: number; readonly min: number; readonly max: number; readonly trainingMin: number | null; readonly trainingMax: number | null }[];
  readonly unexpectedNulls: readonly { readonly column: string; readonly rows: number }[];
  /** Per feature present with a matching type; empty for an empty batch. */
  readonly drift: readonly DriftResult[];
  /** No schema problem and no feature at the 'drift' level. */
  readonly ok: boolean;
}

/** Whether a batch column's dtype can be compared with the profile's (numbers with numbers). */
function sameKind(expected: DType, actual: DType): boolean {
  return expected === actual || (isNumericProfileType(expected) && isNumericProfileType(actual) && expected !== 'date' && actual !== 'date');
}

function requireProfile(p: Profile): void {
  if (p.version !== PROFILE_FORMAT_VERSION) throw new PlanError('checkAgainstProfile', `profile format version ${p.version} is not supported (expected ${PROFILE_FORMAT_VERSION})`);
}

/** Checks a batch (relation, Arrow table or plain rows) against a training profile; runs its plan once. */
export async function checkAgainstProfile(p: Profile, batch: ProfileInput | readonly Record<string, unknown>[]): Promise<ProfileCheck> {
  requireProfile(p);
  const relation = Array.isArray(batch)
    ? rowsRelation(batch, Object.fromEntries(p.features.map((f) => [f.name, `${f.dtype}?` as ColSpec])))
    : batch instanceof Relation
      ? batch
      : fromArrow(batch as arrow.Table);
  const types = new Map(relation.schema.fields.map((f) => [f.name, f.dtype]));
  const schema: SchemaProblem[] = [];
  const present: FeatureProfile[] = [];
  for (const f of p.features) {
    const actual = types.get(f.name);
    if (actual === undefined) schema.push({ column: f.name, problem: 'missing', expected: f.dtype, actual: null });
    else if (!sameKind(f.dtype, actual)) schema.push({ column: f.name, problem: 'type', expected: f.dtype, actual });
    else present.push(f);
  }
  const check: Mutable<ProfileCheck> = { rows: 0, schema, unseenCategories: [], outOfRange: [], unexpectedNulls: [], drift: [], ok: false };
  if (present.length > 0) {
    const loaded = await loadColumns(relation, present.map((f) => f.name), 'checkAgainstProfile');
    check.rows = loaded.rows;
    present.forEach((f, c) => checkFeature(f, loaded.columns[c], check));
  }
  check.ok = schema.length === 0 && check.drift.every((d) => d.verdict !== 'drift');
  return check;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer E)[] ? E[] : T[K] };

function checkFeature(f: FeatureProfile, col: Column, out: Mutable<ProfileCheck>): void {
  const n = col.length;
  if (f.kind === 'numeric') checkNumeric(f, col, out);
  else checkCategorical(f, col, out);
  const nulls = f.kind === 'numeric' ? numericValues(col).nulls : n - [...categoryCounts(col).values()].reduce((s, x) => s + x, 0);
  if (f.nulls === 0 && nulls > 0) out.unexpectedNulls.push({ column: f.name, rows: nulls });
}

function checkNumeric(f: NumericFeatureProfile, col: Column, out: Mutable<ProfileCheck>): void {
  const { values, nulls } = numericValues(col);
  let outside = 0;
  let min = Infinity;
  let max = -Infinity;
  const bins = new Array<number>(f.edges.length + 1).fill(0);
  for (const v of values) {
    bins[binOf(f.edges, v)]++;
    const beyond = f.min === null || f.max === null ? true : v !== v ? f.nans === 0 : v < f.min || v > f.max;
    if (beyond) {
      outside++;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (outside > 0) out.outOfRange.push({ column: f.name, rows: outside, min, max, trainingMin: f.min, trainingMax: f.max });
  if (col.length === 0) return;
  // Over all rows: the non-null bins scaled by the non-null fraction, and a bin for nulls.
  const expected = [...f.binFractions.map((b) => b * (1 - f.nullFraction)), f.nullFraction];
  const actual = [...bins.map((b) => b / col.length), nulls / col.length];
  pushDrift(f.name, expected, actual, f.rows, out);
}

function checkCategorical(f: CategoricalFeatureProfile, col: Column, out: Mutable<ProfileCheck>): void {
  const counts = categoryCounts(col);
  const known = new Set(f.categories);
  let unseenRows = 0;
  const unseen: string[] = [];
  for (const [value, count] of counts) {
    if (known.has(value)) continue;
    unseenRows += count;
    unseen.push(value);
  }
  if (unseenRows > 0) out.unseenCategories.push({ column: f.name, rows: unseenRows, values: unseen.sort() });
  if (col.length === 0) return;
  const nulls = col.length - [...counts.values()].reduce((s, x) => s + x, 0);
  const expected = [...f.frequencies.map((q) => q * (1 - f.nullFraction)), 0, f.nullFraction];
  const actual = [...f.categories.map((c) => (counts.get(c) ?? 0) / col.length), unseenRows / col.length, nulls / col.length];
  pushDrift(f.name, expected, actual, f.rows, out);
}

function pushDrift(column: string, expected: number[], actual: number[], trainingRows: number, out: Mutable<ProfileCheck>): void {
  const psi = populationStabilityIndex(expected, actual);
  const bins = expected.filter((e) => e > 0).length;
  const batchRows = out.rows;
  out.drift.push({ column, psi, verdict: driftVerdict(psi), noise: Math.max(bins - 1, 0) * (1 / Math.max(trainingRows, 1) + 1 / Math.max(batchRows, 1)) });
}
