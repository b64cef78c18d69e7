import { TypeMismatchError } from '../errors.js';
import { type ColumnType, commonDType } from '../types/dtype.js';
import type { ExprNode, ScalarFunction } from './expr-node.js';
import { describe, withinDepth } from './expr.js';

/**
 * Scalar functions (`call` expression nodes): their argument checks and result types.
 * Evaluation is in src/exec/functions.ts; the semantics are DuckDB's, and nulls follow
 * SQL: a null argument gives a null result, except where `isIn` says otherwise.
 *
 * - `like(s, pattern[, escape])`: SQL LIKE, case-sensitive; `%` matches any run of
 *   characters (none included), `_` exactly one character (a Unicode code point, so
 *   '😀' is one). There is no escape character unless one is given (as in DuckDB); the
 *   escape character makes the next `%`, `_` or escape character literal.
 * - `startsWith(s, p)`, `endsWith(s, p)`, `contains(s, p)`: plain substring tests (no
 *   wildcards); the empty string starts, ends and is contained in every string.
 * - `isIn(x, v₁, …, vₙ)`: x IN (v₁, …, vₙ) with SQL's three-valued logic: true when x
 *   equals some vᵢ, else null when x is null or some vᵢ is null, else false. Values are
 *   literals of a type x compares with (numbers with numbers, in their common type); NaN
 *   equals NaN and -0 equals 0, as in DuckDB's comparisons. An empty list is false for
 *   every row (as `x IN (empty subquery)` in SQL, null x included).
 * - `year(d)`, `month(d)` (1-12), `day(d)` (1-31), `dayOfWeek(d)` (Sunday = 0 …
 *   Saturday = 6, as DuckDB's `dayofweek`) of a date, in the proleptic Gregorian
 *   calendar; int32.
 */

const STRING_FUNCTIONS = new Set<ScalarFunction>(['like', 'startsWith', 'endsWith', 'contains']);
const DATE_PARTS = new Set<ScalarFunction>(['year', 'month', 'day', 'dayOfWeek']);

function requireDType(fn: ScalarFunction, what: string, e: ExprNode, dtype: string): void {
  if (e.type.dtype !== dtype) throw new TypeMismatchError(fn, `expected ${what} of type ${dtype}, got ${describe(e)}`);
}

/** The number of Unicode code points of `s` (a surrogate pair is one). */
export function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * A LIKE pattern's problem (undefined when there is none): with an escape character,
 * the pattern must not end with a lone one, as DuckDB requires.
 */
export function likePatternProblem(pattern: string, escape: string | null): string | undefined {
  if (escape === null) return undefined;
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    if (chars[i] !== escape) continue;
    if (i === chars.length - 1) return `pattern '${pattern}' ends with the escape character '${escape}'`;
    i++;
  }
  return undefined;
}

/**
 * A `call` node of `fn` over `args`, type-checked: a TypeMismatchError names the function
 * and what it expected. `like` takes (string, string pattern[, escape literal of one
 * character]); the substring tests (string, string); `isIn` (x, literal values...).
 */
export function scalarCall(fn: ScalarFunction, args: readonly ExprNode[]): ExprNode {
  let type: ColumnType;
  if (STRING_FUNCTIONS.has(fn)) {
    const expected = fn === 'like' ? [2, 3] : [2];
    if (!expected.includes(args.length)) throw new TypeMismatchError(fn, `expected ${expected.join(' or ')} arguments, got ${args.length}`);
    requireDType(fn, 'a string', args[0], 'string');
    requireDType(fn, fn === 'like' ? 'a string pattern' : 'a string to look for', args[1], 'string');
    if (args.length === 3) {
      const escape = args[2];
      if (escape.kind !== 'literal' || typeof escape.value !== 'string' || codePointLength(escape.value) !== 1) {
        throw new TypeMismatchError('like', `expected the escape to be one character, got ${describe(escape)}`);
      }
      const pattern = args[1];
      if (pattern.kind === 'literal' && typeof pattern.value === 'string') {
        const problem = likePatternProblem(pattern.value, escape.value);
        if (problem) throw new TypeMismatchError('like', problem);
      }
    }
    type = { dtype: 'bool', nullable: args[0].type.nullable || args[1].type.nullable };
  } else if (DATE_PARTS.has(fn)) {
    if (args.length !== 1) throw new TypeMismatchError(fn, `expected 1 argument, got ${args.length}`);
    requireDType(fn, 'a date', args[0], 'date');
    type = { dtype: 'int32', nullable: args[0].type.nullable };
  } else {
    if (args.length === 0) throw new TypeMismatchError('isIn', 'expected the tested expression');
    const [x, ...values] = args;
    for (const v of values) {
      if (v.kind !== 'literal') throw new TypeMismatchError('isIn', `expected literal values, got ${describe(v)}`);
      if (!commonDType(x.type.dtype, v.type.dtype)) throw new TypeMismatchError('isIn', `cannot compare ${describe(x)} with ${describe(v)}`);
    }
    // Typed as the DSL types it: nullable with x or a null value (an empty list gives no null, but keeps x's type).
    const nullable = x.type.nullable || values.some((v) => v.type.nullable);
    type = { dtype: 'bool', nullable };
  }
  return withinDepth({ kind: 'call', fn, args, type }, args, fn);
}
