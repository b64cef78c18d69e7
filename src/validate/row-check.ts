import { PlanError } from '../errors.js';
import { MS_PER_DAY } from '../types/date.js';
import { PROFILE_FORMAT_VERSION, type Profile } from './profile.js';

/**
 * The per-row verdict for serving (docs/validation.md): compiled once from a profile, it
 * checks one plain row object against it and returns null when the row is fine, without
 * allocating; otherwise a verdict listing each problem. Distribution drift needs a batch
 * (checkAgainstProfile); a single row is checked for what one row can show.
 */

export type RowProblemKind = 'missing' | 'type' | 'null' | 'unseen' | 'out_of_range';

export interface RowProblem {
  readonly column: string;
  readonly problem: RowProblemKind;
  readonly value: unknown;
}

export interface RowVerdict {
  readonly problems: readonly RowProblem[];
}

/** What one feature allows, flattened for a loop without closures. */
interface FeatureRule {
  readonly name: string;
  readonly numeric: boolean;
  readonly date: boolean;
  readonly bool: boolean;
  readonly nullable: boolean;
  readonly nanAllowed: boolean;
  readonly min: number;
  readonly max: number;
  readonly categories: ReadonlySet<string> | null;
  /** Named like a property every object inherits (`toString`): read only as an own property. */
  readonly inheritable: boolean;
}

/** A compiled per-row check (see rowChecker). */
export interface RowChecker {
  /** null when `row` is fine, without allocating; a RowVerdict listing each problem otherwise. */
  (row: Readonly<Record<string, unknown>>): RowVerdict | null;
  /**
   * The same check on values already read, one per feature in `features` order: for a
   * serving path that reads each feature of the row once for its own work.
   */
  values(values: ArrayLike<unknown>): RowVerdict | null;
  /** The profiled features, in the order `values` takes them. */
  readonly features: readonly string[];
}

/**
 * Compiles the per-row check of a profile: a row passes when it has every profiled
 * feature, of the profiled type, non-null where training had no nulls, inside the
 * training range (numbers, dates) and among the training categories (strings, bools).
 * An absent key (or an undefined value) is 'missing', not null.
 */
export function rowChecker(p: Profile): RowChecker {
  if (p.version !== PROFILE_FORMAT_VERSION) throw new PlanError('rowChecker', `profile format version ${p.version} is not supported (expected ${PROFILE_FORMAT_VERSION})`);
  const rules: FeatureRule[] = p.features.map((f) => ({
    name: f.name,
    numeric: f.kind === 'numeric',
    date: f.dtype === 'date',
    bool: f.dtype === 'bool',
    nullable: f.nulls > 0,
    nanAllowed: f.kind === 'numeric' && f.nans > 0,
    // A feature never seen with a value allows none.
    min: f.kind === 'numeric' ? (f.min ?? Infinity) : 0,
    max: f.kind === 'numeric' ? (f.max ?? -Infinity) : 0,
    categories: f.kind === 'categorical' ? new Set(f.categories) : null,
    inheritable: f.name in Object.prototype,
  }));
  const n = rules.length;

  const check = (row: Readonly<Record<string, unknown>>): RowVerdict | null => {
    let problems: RowProblem[] | null = null;
    for (let k = 0; k < n; k++) {
      const r = rules[k];
      // Own properties only; the test is paid only by names Object.prototype also has.
      const v = r.inheritable && !Object.hasOwn(row, r.name) ? undefined : row[r.name];
      const problem = problemOf(r, v);
      if (problem !== null) (problems ??= []).push({ column: r.name, problem, value: v });
    }
    return problems === null ? null : { problems };
  };
  const values = (vs: ArrayLike<unknown>): RowVerdict | null => {
    if (vs.length !== n) throw new PlanError('rowChecker', `expected ${n} values (one per profiled feature), got ${vs.length}`);
    let problems: RowProblem[] | null = null;
    for (let k = 0; k < n; k++) {
      const problem = problemOf(rules[k], vs[k]);
      if (problem !== null) (problems ??= []).push({ column: rules[k].name, problem, value: vs[k] });
    }
    return problems === null ? null : { problems };
  };
  return Object.assign(check, { values, features: rules.map((r) => r.name) });
}

function problemOf(r: FeatureRule, v: unknown): RowProblemKind | null {
  if (v === undefined) return 'missing';
  if (v === null) return r.nullable ? null : 'null';
  if (r.numeric) {
    let x: number;
    if (r.date) {
      if (!(v instanceof Date)) return 'type';
      x = Math.floor(v.getTime() / MS_PER_DAY);
    } else {
      if (typeof v !== 'number') return 'type';
      x = v;
    }
    if (x !== x) return r.nanAllowed ? null : 'out_of_range';
    return x < r.min || x > r.max ? 'out_of_range' : null;
  }
  if (r.bool) {
    if (typeof v !== 'boolean') return 'type';
    return r.categories!.has(v ? 'true' : 'false') ? null : 'unseen';
  }
  if (typeof v !== 'string') return 'type';
  return r.categories!.has(v) ? null : 'unseen';
}
