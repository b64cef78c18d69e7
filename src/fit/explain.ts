import { PlanError } from '../errors.js';
import { writeJson } from '../explain/json.js';
import { formatTree } from '../explain/text.js';
import { numberText } from '../plan/expr.js';
import type { FeatureProfile, Profile } from '../validate/profile.js';
import type { FittedPipeline } from './fitted.js';
import type { FrozenConstant } from './freeze.js';

/**
 * explain() of a fitted pipeline (docs/serving.md): what it reads and returns, the served
 * plan, every frozen constant with its provenance, and the profile of the raw training
 * inputs fit() recorded (per feature: null fraction, range, mean and deviation, the most
 * frequent categories), as text for people or JSON for tools.
 */

export interface FittedExplainOptions {
  /** 'text' (default) or 'json' (a JSON document; see FittedExplainJson). */
  readonly format?: 'text' | 'json';
}

/** Categories shown per categorical feature, most frequent first. */
export const TOP_CATEGORIES = 5;

/** A number in JSON: finite values as they are; NaN, ±Infinity and -0 as their text. */
type JsonNumber = number | string;

export interface ConstantJson {
  readonly name: string;
  readonly kind: FrozenConstant['kind'];
  /** Matrices: shape, dtype, content id and the first values. */
  readonly rows?: number;
  readonly cols?: number;
  readonly dtype?: 'float64' | 'float32';
  readonly id?: string;
  readonly head?: readonly JsonNumber[];
  /** Standardized features: the column, and the mean and deviation frozen for it. */
  readonly column?: string;
  readonly mean?: JsonNumber;
  readonly sd?: JsonNumber;
  readonly provenance: FrozenConstant['provenance'];
}

export interface FeatureProfileJson {
  readonly name: string;
  readonly dtype: string;
  readonly kind: FeatureProfile['kind'];
  readonly rows: number;
  readonly nulls: number;
  readonly nullFraction: number;
  /** Numeric features (dates as days since 1970-01-01), over non-null, non-NaN values. */
  readonly nans?: number;
  readonly min?: JsonNumber | null;
  readonly max?: JsonNumber | null;
  readonly mean?: JsonNumber | null;
  readonly std?: JsonNumber | null;
  /** Categorical features: how many categories training had, and the TOP_CATEGORIES most frequent (fraction of non-null rows). */
  readonly categories?: number;
  readonly top?: readonly { readonly category: string; readonly fraction: number }[];
}

export interface FittedExplainJson {
  readonly tessera: string;
  readonly fittedAt: string;
  readonly trainingRows: number | null;
  readonly input: readonly { readonly name: string; readonly dtype: string; readonly nullable: boolean }[];
  readonly outputs: readonly string[];
  /** 'compiled', or why the single-row path is unavailable (batches still run). */
  readonly singleRow: string;
  /** The served plan as the text tree's lines. */
  readonly plan: readonly string[];
  readonly constants: readonly ConstantJson[];
  /** The profile of the raw training inputs; null for an artefact saved before fit() recorded one. */
  readonly inputProfile: { readonly rows: number; readonly features: readonly FeatureProfileJson[] } | null;
}

/** The explanation of `f` in the requested format; `singleRowProblem` says why the single-row path is unavailable, if it is. */
export function explainFitted(f: FittedPipeline, singleRowProblem: string | null, options: FittedExplainOptions = {}): string {
  const format = options.format ?? 'text';
  if (format === 'json') return writeJson(explainFittedJson(f, singleRowProblem));
  if (format !== 'text') throw new PlanError('explain', `format must be 'text' or 'json', got ${JSON.stringify(format)}`);
  return explainFittedText(f, singleRowProblem);
}

function explainFittedText(f: FittedPipeline, singleRowProblem: string | null): string {
  const l = f.lineage;
  const lines = [`Fitted pipeline (Tessera ${l.tessera}, fitted ${l.fittedAt} over ${l.trainingRows ?? '?'} training rows)`, ''];
  lines.push(`Input row: ${f.input.fields.map((x) => `${x.name}: ${x.dtype}${x.nullable ? '?' : ''}`).join(', ')}`);
  lines.push(`Outputs: ${f.outputNames.join(', ')}`);
  if (singleRowProblem !== null) lines.push(`Single-row path: unavailable (${singleRowProblem}); batches run through the engine`);
  lines.push('', 'Served plan:', formatTree(f.plan, { indent: '  ', showOutput: false }), '', 'Frozen constants:');
  for (const c of f.constants) lines.push(`  ${constantLine(c)}`);
  if (f.constants.length === 0) lines.push('  (none)');
  lines.push('', ...profileLines(f.inputProfile));
  return lines.join('\n');
}

function explainFittedJson(f: FittedPipeline, singleRowProblem: string | null): FittedExplainJson {
  const l = f.lineage;
  const p = f.inputProfile;
  return {
    tessera: l.tessera,
    fittedAt: l.fittedAt,
    trainingRows: l.trainingRows,
    input: f.input.fields.map((x) => ({ name: x.name, dtype: x.dtype, nullable: x.nullable })),
    outputs: [...f.outputNames],
    singleRow: singleRowProblem ?? 'compiled',
    plan: formatTree(f.plan, { showOutput: false }).split('\n'),
    constants: f.constants.map(constantJson),
    inputProfile: p ? { rows: p.rows, features: p.features.map(featureJson) } : null,
  };
}

/** One line per constant: name, shape or values, and where it came from. */
export function constantLine(c: FrozenConstant): string {
  const p = c.provenance;
  const from = `from ${p.step}${p.learner ? ` (${p.learner})` : ''}, used by ${p.usedBy}${p.trainingRows !== undefined ? `, over ${p.trainingRows} training rows` : ''}`;
  if (c.kind === 'standardize') return `${c.name}: mean ${numberText(c.mean)}, sd ${numberText(c.sd)}  ${from}`;
  const { rows, cols, data } = c.value;
  const shown = Array.from(data.subarray(0, 6), (v) => numberText(v)).join(', ');
  return `${c.name} ${rows}×${cols} ${data instanceof Float32Array ? 'float32' : 'float64'} [${shown}${data.length > 6 ? ', …' : ''}]  ${from}`;
}

function jsonNumber(v: number): JsonNumber {
  return Number.isFinite(v) && !Object.is(v, -0) ? v : numberText(v);
}

function constantJson(c: FrozenConstant): ConstantJson {
  if (c.kind === 'standardize') return { name: c.name, kind: c.kind, column: c.column, mean: jsonNumber(c.mean), sd: jsonNumber(c.sd), provenance: c.provenance };
  const { rows, cols, data } = c.value;
  return {
    name: c.name,
    kind: c.kind,
    rows,
    cols,
    dtype: data instanceof Float32Array ? 'float32' : 'float64',
    id: c.id,
    head: Array.from(data.subarray(0, 6), jsonNumber),
    provenance: c.provenance,
  };
}

/** The most frequent categories (ties by name, as the profile sorts them). */
function topCategories(p: Extract<FeatureProfile, { kind: 'categorical' }>): { category: string; fraction: number }[] {
  return p.categories
    .map((category, i) => ({ category, fraction: p.frequencies[i] }))
    .sort((a, b) => b.fraction - a.fraction || (a.category < b.category ? -1 : a.category > b.category ? 1 : 0))
    .slice(0, TOP_CATEGORIES);
}

function featureJson(p: FeatureProfile): FeatureProfileJson {
  const base = { name: p.name, dtype: p.dtype, kind: p.kind, rows: p.rows, nulls: p.nulls, nullFraction: p.nullFraction };
  if (p.kind === 'categorical') return { ...base, categories: p.categories.length, top: topCategories(p) };
  const num = (v: number | null) => (v === null ? null : jsonNumber(v));
  return { ...base, nans: p.nans, min: num(p.min), max: num(p.max), mean: num(p.mean), std: num(p.std) };
}

/** Six significant digits: enough to read a profile, short enough to scan. */
function short(v: number | null): string {
  if (v === null) return 'none';
  return Number.isFinite(v) && v !== 0 ? String(Number(v.toPrecision(6))) : numberText(v);
}

function percent(fraction: number): string {
  return `${String(Number((fraction * 100).toPrecision(3)))}%`;
}

function profileLines(p: Profile | undefined): string[] {
  if (!p) return ['Input profile: none (an artefact saved before fit() recorded one; fit again to check inputs)'];
  const lines = [`Input profile (the raw training inputs, ${p.rows} rows; checkRow and checkBatch compare inputs with it):`];
  const width = Math.max(...p.features.map((x) => x.name.length + x.dtype.length + 2));
  for (const x of p.features) {
    const head = `${x.name}: ${x.dtype}`.padEnd(width);
    const nulls = `nulls ${x.nulls} (${percent(x.nullFraction)})`;
    if (x.kind === 'categorical') {
      const top = topCategories(x).map((t) => `${JSON.stringify(t.category)} ${percent(t.fraction)}`);
      const more = x.categories.length > top.length ? `, … ${x.categories.length - top.length} more` : '';
      lines.push(`  ${head}  ${nulls}  ${x.categories.length} categories: ${top.join(', ')}${more}`);
    } else {
      const nans = x.nans > 0 ? `, NaN ${x.nans}` : '';
      lines.push(`  ${head}  ${nulls}${nans}  min ${short(x.min)}, max ${short(x.max)}, mean ${short(x.mean)}, sd ${short(x.std)}`);
    }
  }
  return lines;
}
