import { TypeMismatchError } from '../errors.js';
import { Agg, Expr } from './expr.js';

/**
 * Checks of what JavaScript callers pass to the pipeline builder, where TypeScript would
 * have refused it: a plain value where an expression belongs, an expression where an
 * aggregate belongs. Each names the method, the column and what was expected, instead of
 * failing later on a missing property.
 */

/** A JavaScript value in words, for error messages: "a function", "the number 1", "undefined". */
export function describeJsValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (v instanceof Expr) return `an expression (${v.node.kind === 'column' ? `column '${v.node.name}'` : v.node.kind})`;
  if (v instanceof Agg) return 'an aggregate';
  if (v instanceof Date) return 'a Date';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'function':
      return 'a function';
    case 'string':
      return `the string '${v}'`;
    case 'number':
    case 'boolean':
    case 'bigint':
      return `the ${typeof v} ${String(v)}`;
    default:
      return `${typeof v === 'object' ? 'an object' : `a ${typeof v}`}`;
  }
}

const LITERAL_HINT = 'wrap a constant in lit(value, dtype)';

/** `v` as an expression; a TypeMismatchError naming `method` (and `column`) otherwise. */
export function requireExpr(v: unknown, method: string, column?: string): Expr<any> {
  if (v instanceof Expr) return v;
  const where = column === undefined ? '' : ` for column '${column}'`;
  const hint = v instanceof Agg ? 'aggregates belong in groupBy(...).agg() or aggregate()' : typeof v === 'function' ? 'call it, or pass what it returns' : LITERAL_HINT;
  throw new TypeMismatchError(method, `expected an expression built from the row's columns (r => r.price.mul(r.qty))${where}, got ${describeJsValue(v)}; ${hint}`);
}

/** `v` as a boolean expression, for filter. */
export function requirePredicate(v: unknown, method: string): Expr<any> {
  if (!(v instanceof Expr)) {
    const hint = typeof v === 'boolean' ? 'a constant predicate is lit(true, \'bool\')' : typeof v === 'function' ? 'return the expression itself, not a function' : LITERAL_HINT;
    throw new TypeMismatchError(method, `expected a boolean expression built from the row's columns (r => r.price.gt(10)), got ${describeJsValue(v)}; ${hint}`);
  }
  return v;
}

/** `v` as a callback; a TypeMismatchError naming `method` otherwise. */
export function requireCallback<F>(v: unknown, method: string, example: string): F {
  if (typeof v !== 'function') throw new TypeMismatchError(method, `expected a function of the row (${example}), got ${describeJsValue(v)}`);
  return v as F;
}

/** The named entries a builder callback returned: a plain object of them; a TypeMismatchError otherwise. */
export function requireNamedEntries(v: unknown, method: string, example: string): [string, unknown][] {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Expr || v instanceof Agg) {
    throw new TypeMismatchError(method, `expected the function to return an object of named columns (${example}), got ${describeJsValue(v)}`);
  }
  return Object.entries(v);
}

/** `v` as an aggregate, for agg/aggregate. */
export function requireAgg(v: unknown, method: string, column: string): Agg<any> {
  if (v instanceof Agg) return v;
  const hint = v instanceof Expr ? 'aggregate it: .sum(), .mean(), .min(), .max(), .count(), .countDistinct(), .stddev(), .variance(), or count() for the rows' : LITERAL_HINT.replace('lit(value, dtype)', 'an aggregate such as count()');
  throw new TypeMismatchError(method, `expected an aggregate for column '${column}' (r => ({ total: r.price.sum() })), got ${describeJsValue(v)}; ${hint}`);
}
