import { PlanError, TypeMismatchError } from '../errors.js';
import { type ExprNode, checkExpr, columnsOf, exprKey, exprToString } from './expr.js';
import type { DigestValue } from './digest.js';
import { formatColumnType, isNumeric } from '../types/dtype.js';
import { type RelationSchema, requireField } from '../types/schema.js';
import { dateToDays, daysToIsoDate } from '../types/date.js';

/**
 * Declarative expectations on a relation (docs/validation.md), as the plan holds them:
 * plain values that print, hash and compare. Row-level expectations say of every row
 * whether it passes; dataset-level ones (row count, null fraction) say it of the whole
 * input and blame no single row.
 *
 * Nulls follow SQL CHECK semantics: a check whose value is unknown passes. A null passes
 * a range, category, pattern or custom check; only `notNull` (and `nullFraction`) look at
 * nulls, and `unique` ignores keys with a null part, as SQL UNIQUE does.
 */
export type Expectation =
  | { readonly kind: 'not_null'; readonly column: string }
  | { readonly kind: 'null_fraction'; readonly column: string; readonly max: number }
  | { readonly kind: 'unique'; readonly columns: readonly string[] }
  /** Inclusive bounds; null = unbounded on that side. Given as Dates (`dates`), they are days since 1970-01-01 here. */
  | { readonly kind: 'range'; readonly column: string; readonly min: number | null; readonly max: number | null; readonly dates: boolean }
  | { readonly kind: 'one_of'; readonly column: string; readonly values: readonly (string | number | boolean)[] }
  | { readonly kind: 'pattern'; readonly column: string; readonly source: string; readonly flags: string }
  | { readonly kind: 'row_count'; readonly min: number | null; readonly max: number | null }
  | { readonly kind: 'predicate'; readonly name: string; readonly predicate: ExprNode };

export type ExpectationKind = Expectation['kind'];

/** Whether an expectation judges single rows (and so can drop or quarantine them). */
export function isRowLevel(e: Expectation): boolean {
  return e.kind !== 'row_count' && e.kind !== 'null_fraction';
}

/** The constraint's name in reports and errors: its kind, or a custom predicate's name. */
export function constraintName(e: Expectation): string {
  return e.kind === 'predicate' ? e.name : e.kind;
}

/** The column(s) an expectation is about, as reports print them (null for the row count). */
export function constraintColumn(e: Expectation): string | null {
  switch (e.kind) {
    case 'unique':
      return e.columns.join(', ');
    case 'row_count':
      return null;
    case 'predicate':
      return [...columnsOf(e.predicate)].join(', ') || null;
    default:
      return e.column;
  }
}

const bound = (v: number | null, dtype: string | undefined) => (v === null ? '' : dtype === 'date' ? daysToIsoDate(v) : String(v));

/** What the expectation asks for, in words (reports, errors and explain). */
export function expectedText(e: Expectation, dtype?: string): string {
  switch (e.kind) {
    case 'not_null':
      return 'no nulls';
    case 'null_fraction':
      return `null fraction <= ${e.max}`;
    case 'unique':
      return 'no repeated key';
    case 'range':
      return e.min !== null && e.max !== null ? `in [${bound(e.min, dtype)}, ${bound(e.max, dtype)}]` : e.min !== null ? `>= ${bound(e.min, dtype)}` : `<= ${bound(e.max, dtype)}`;
    case 'one_of':
      return `one of {${e.values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(', ')}}`;
    case 'pattern':
      return `matches /${e.source}/${e.flags}`;
    case 'row_count':
      return e.min !== null && e.max !== null ? `rows in [${e.min}, ${e.max}]` : e.min !== null ? `rows >= ${e.min}` : `rows <= ${e.max}`;
    case 'predicate':
      return `${exprToString(e.predicate)} is not false`;
  }
}

/** One short line per expectation for explain: `range(age in [0, 120])`, `unique(id)`. */
export function expectationLabel(e: Expectation): string {
  switch (e.kind) {
    case 'not_null':
      return `not_null(${e.column})`;
    case 'unique':
      return `unique(${e.columns.join(', ')})`;
    case 'null_fraction':
      return `null_fraction(${e.column} <= ${e.max})`;
    case 'range':
    case 'one_of':
      return `${e.kind}(${e.column} ${expectedText(e).replace(/^one of /, 'in ')})`;
    case 'pattern':
      return `pattern(${e.column} ~ /${e.source}/${e.flags})`;
    case 'row_count':
      return `row_count(${expectedText(e)})`;
    case 'predicate':
      return `${e.name}: ${exprToString(e.predicate)}`;
  }
}

/** The arguments that identify an expectation (plan digests). */
export function expectationKey(e: Expectation): DigestValue {
  switch (e.kind) {
    case 'predicate':
      return { kind: e.kind, name: e.name, predicate: exprKey(e.predicate) };
    case 'unique':
      return { kind: e.kind, columns: [...e.columns] };
    case 'one_of':
      return { kind: e.kind, column: e.column, values: e.values.map((v) => (typeof v === 'string' ? `s:${v}` : typeof v === 'boolean' ? `b:${v}` : `n:${v}`)) };
    default:
      return { ...e };
  }
}

function requireBounds(operator: string, min: number | null, max: number | null, what: string): void {
  if (min === null && max === null) throw new PlanError(operator, `${what}: expected a min, a max or both`);
  for (const v of [min, max]) if (v !== null && Number.isNaN(v)) throw new PlanError(operator, `${what}: a bound is NaN`);
  if (min !== null && max !== null && min > max) throw new PlanError(operator, `${what}: min ${min} is above max ${max}`);
}

/** Checks every expectation against the schema it will run on; a PlanError/TypeMismatchError names the constraint and the column. */
export function checkExpectations(expectations: readonly Expectation[], schema: RelationSchema): void {
  const op = 'validate';
  const names = new Set<string>();
  for (const e of expectations) {
    const what = constraintName(e);
    const field = (c: string) => requireField(schema, c, `validate (${what})`);
    switch (e.kind) {
      case 'not_null':
        field(e.column);
        break;
      case 'null_fraction':
        field(e.column);
        if (!(e.max >= 0 && e.max <= 1)) throw new PlanError(op, `null_fraction on '${e.column}': expected a fraction in [0, 1], got ${e.max}`);
        break;
      case 'unique':
        if (e.columns.length === 0) throw new PlanError(op, 'unique: expected at least one column');
        e.columns.forEach(field);
        break;
      case 'range': {
        const f = field(e.column);
        if (!isNumeric(f.dtype) && f.dtype !== 'date') throw new TypeMismatchError(op, `range on '${e.column}': the column is ${formatColumnType(f)}, expected a number or date column`);
        if (e.dates !== (f.dtype === 'date')) {
          throw new TypeMismatchError(op, `range on '${e.column}': the column is ${formatColumnType(f)} but the bounds are ${e.dates ? 'Dates' : 'numbers'}; give ${f.dtype === 'date' ? 'Dates' : 'numbers'}`);
        }
        requireBounds(op, e.min, e.max, `range on '${e.column}'`);
        break;
      }
      case 'one_of': {
        const f = field(e.column);
        const want = f.dtype === 'string' ? 'string' : f.dtype === 'bool' ? 'boolean' : isNumeric(f.dtype) ? 'number' : null;
        if (want === null) throw new TypeMismatchError(op, `one_of on '${e.column}': the column is ${formatColumnType(f)}, expected a string, number or bool column`);
        const bad = e.values.find((v) => typeof v !== want);
        if (bad !== undefined) throw new TypeMismatchError(op, `one_of on '${e.column}': the column is ${formatColumnType(f)} but the allowed value ${JSON.stringify(bad)} is a ${typeof bad}`);
        break;
      }
      case 'pattern': {
        const f = field(e.column);
        if (f.dtype !== 'string') throw new TypeMismatchError(op, `pattern on '${e.column}': the column is ${formatColumnType(f)}, expected a string column`);
        break;
      }
      case 'row_count':
        requireBounds(op, e.min, e.max, 'row_count');
        break;
      case 'predicate':
        checkExpr(e.predicate, schema, `validate (${e.name})`);
        if (e.predicate.type.dtype !== 'bool') throw new TypeMismatchError(op, `predicate '${e.name}' (${exprToString(e.predicate)}) is ${formatColumnType(e.predicate.type)}, expected bool`);
        break;
    }
    if (e.kind === 'predicate') {
      if (names.has(e.name)) throw new PlanError(op, `two custom predicates are named '${e.name}'; give each its own name`);
      names.add(e.name);
    }
  }
}

// ------------------------------------------------------------ builders (the public API)

/** A custom predicate, as the builder takes it before the relation's columns are known. */
export interface PredicateSpec {
  readonly kind: 'predicate';
  readonly name: string;
  /** An expression of the DSL, or a function of the row's columns returning one. */
  readonly build: { readonly node: ExprNode } | ((r: any) => { readonly node: ExprNode });
}

export type ExpectationSpec = Exclude<Expectation, { kind: 'predicate' }> | PredicateSpec;

function rangeOf(column: string, bounds: { min?: number | Date; max?: number | Date }): ExpectationSpec {
  const what = `range on '${column}'`;
  const given = [bounds.min, bounds.max].filter((v) => v !== undefined && v !== null);
  for (const v of given) if (typeof v !== 'number' && !(v instanceof Date)) throw new PlanError('validate', `${what}: expected a number or Date bound, got ${typeof v}`);
  const dates = given.some((v) => v instanceof Date);
  if (dates && !given.every((v) => v instanceof Date)) throw new PlanError('validate', `${what}: one bound is a Date and the other a number`);
  const value = (v: number | Date | undefined) => (v === undefined || v === null ? null : v instanceof Date ? dateToDays(v) : v);
  return { kind: 'range', column, min: value(bounds.min), max: value(bounds.max), dates };
}

/**
 * Builders of expectations: `rel.validate([checks.notNull('id'), checks.unique('id'),
 * checks.range('age', { min: 0, max: 120 })], { policy: 'drop' })`.
 */
export const checks = {
  /** Every row has a value in `column`. */
  notNull: (column: string): ExpectationSpec => ({ kind: 'not_null', column }),
  /** At most `max` (a fraction in [0, 1]) of the rows are null in `column` (dataset-level). */
  nullFraction: (column: string, max: number): ExpectationSpec => ({ kind: 'null_fraction', column, max }),
  /** No two rows share a key (nulls ignored, as SQL UNIQUE); the first row of each key passes, later ones fail. */
  unique: (...columns: string[]): ExpectationSpec => ({ kind: 'unique', columns }),
  /** min <= value <= max (either bound may be left out); numbers, or Dates for date columns. */
  range: (column: string, bounds: { min?: number | Date; max?: number | Date }): ExpectationSpec => rangeOf(column, bounds),
  /** The value is one of `values`. */
  oneOf: (column: string, values: readonly (string | number | boolean)[]): ExpectationSpec => ({ kind: 'one_of', column, values: [...values] }),
  /** The string matches `pattern` (RegExp.test: anchor it with ^…$ for a whole-string match). */
  matches: (column: string, pattern: RegExp | string): ExpectationSpec => {
    const re = typeof pattern === 'string' ? new RegExp(pattern) : pattern;
    // g and y make test() stateful (lastIndex); a per-value test must not be.
    return { kind: 'pattern', column, source: re.source, flags: re.flags.replace(/[gy]/g, '') };
  },
  /** The input has between min and max rows (dataset-level). */
  rowCount: (bounds: { min?: number; max?: number }): ExpectationSpec => ({ kind: 'row_count', min: bounds.min ?? null, max: bounds.max ?? null }),
  /** A named custom predicate: `checks.satisfies('a_below_b', (r) => r.a.lt(r.b))`; a row fails where it is false. */
  satisfies: (name: string, build: PredicateSpec['build']): ExpectationSpec => ({ kind: 'predicate', name, build }),
};

/** The plan's expectations, custom predicates built over `columns` (a relation's column expressions). */
export function resolveExpectations(specs: readonly ExpectationSpec[], columns: unknown): Expectation[] {
  return specs.map((s): Expectation => {
    if (s.kind !== 'predicate') return s;
    const built = typeof s.build === 'function' ? s.build(columns) : s.build;
    if (!built || typeof built !== 'object' || !('node' in built)) throw new PlanError('validate', `predicate '${s.name}': expected an expression (or a function of the row returning one)`);
    return { kind: 'predicate', name: s.name, predicate: built.node };
  });
}
