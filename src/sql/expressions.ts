/**
 * Scalar expressions (src/plan/expr.ts) as DuckDB SQL with Tessera's semantics. SQL
 * would otherwise decide some results differently, so the text spells them out:
 * - every operand is cast to the type Tessera computes in (integer + - * in BIGINT,
 *   `/` in DOUBLE, or FLOAT when both sides are float32; comparisons in the common type);
 * - float `%` by zero is null (`x % NULLIF(y, 0)`; DuckDB would give NaN); integer `%`
 *   by zero is null in both;
 * - casts are TRY_CAST, with Tessera's ranges: an int64 beyond ±2^53 is null, a double
 *   beyond float32's range is ±Infinity, a float's text is 'nan' for every NaN, a date
 *   only reads as text in Tessera's forms (YYYY-MM-DD, optional time), and dates convert
 *   to and from int32 as days since 1970-01-01;
 * - date parts are INTEGER; `isIn` of an empty list is FALSE.
 * Expressions are walked on the trampoline (src/plan/walk.ts), so expressions as deep
 * as MAX_EXPRESSION_DEPTH never exhaust the stack. docs/sql.md lists the mapping.
 */
import { SqlUnsupportedError } from '../errors.js';
import { type ExprNode, type ScalarFunction, exprToString, isArithmetic } from '../plan/expr.js';
import { type Task, call, trampoline } from '../plan/walk.js';
import { type DType, commonDType, isInteger } from '../types/dtype.js';
import { castSql, literalSql, quoteString, sqlType } from './literals.js';

/** SQL for a column reference of the input (qualified by the caller: `q3."price"`). */
export type ColumnSql = (name: string) => string;

const COMPARISON_SQL: Record<string, string> = { eq: '=', ne: '<>', lt: '<', le: '<=', gt: '>', ge: '>=' };
const ARITHMETIC_SQL: Record<string, string> = { add: '+', sub: '-', mul: '*', div: '/', mod: '%' };
const STRING_TEST_SQL: Partial<Record<ScalarFunction, string>> = { startsWith: 'starts_with', endsWith: 'ends_with', contains: 'contains' };
const DATE_PART_SQL: Partial<Record<ScalarFunction, string>> = { year: 'year', month: 'month', day: 'day', dayOfWeek: 'dayofweek' };

/** int64 holds integers within ±2^53 (src/types/int64.ts): a cast beyond it is null, as Tessera's TRY_CAST. */
const INT64_LIMIT = '9007199254740992';
/** What JavaScript's String.prototype.trim removes (Tessera trims text so before reading numbers and dates; DuckDB trims ASCII blanks only). */
const JS_SPACE = String.raw`[\s\x{0B}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}]`;
/** Dates Tessera reads from text (src/exec/cast.ts): a date, then an optional time and zone, padded by blanks. */
const DATE_TEXT = String.raw`${JS_SPACE}*(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?${JS_SPACE}*`;

/** The SQL text of `e` over its input's columns. */
export function exprSql(e: ExprNode, column: ColumnSql): string {
  return trampoline(exprTask(e, column));
}

/** `text` (of dtype `from`) as dtype `to`, where SQL would otherwise compute in another type. */
export function asType(text: string, from: DType, to: DType): string {
  return from === to ? text : castSql(text, to);
}

function* exprTask(e: ExprNode, column: ColumnSql): Task<string> {
  const sub = (x: ExprNode) => call(exprTask(x, column));
  switch (e.kind) {
    case 'column':
      return column(e.name);
    case 'literal':
      return literalSql(e.value, e.type.dtype);
    case 'binary': {
      const l = yield* sub(e.left);
      const r = yield* sub(e.right);
      const ld = e.left.type.dtype;
      const rd = e.right.type.dtype;
      if (e.op === 'and' || e.op === 'or') return `(${l} ${e.op.toUpperCase()} ${r})`;
      if (isArithmetic(e.op)) {
        const d = e.type.dtype;
        const a = asType(l, ld, d);
        const b = asType(r, rd, d);
        return e.op === 'mod' && !isInteger(d) ? `(${a} % NULLIF(${b}, 0))` : `(${a} ${ARITHMETIC_SQL[e.op]} ${b})`;
      }
      const c = commonDType(ld, rd)!;
      return `(${asType(l, ld, c)} ${COMPARISON_SQL[e.op]} ${asType(r, rd, c)})`;
    }
    case 'unary': {
      const a = yield* sub(e.arg);
      switch (e.op) {
        case 'not':
          return `(NOT ${a})`;
        case 'neg':
          return `(-${asType(a, e.arg.type.dtype, e.type.dtype)})`;
        case 'abs':
          return `abs(${asType(a, e.arg.type.dtype, e.type.dtype)})`;
        case 'isNull':
          return `(${a} IS NULL)`;
        case 'isNotNull':
          return `(${a} IS NOT NULL)`;
      }
    }
    case 'coalesce': {
      const args: string[] = [];
      for (const a of e.args) args.push(asType(yield* sub(a), a.type.dtype, e.type.dtype));
      return `COALESCE(${args.join(', ')})`;
    }
    case 'cast':
      return castExprSql(yield* sub(e.arg), e.arg.type.dtype, e.type.dtype);
    case 'case': {
      const parts: string[] = [];
      for (const b of e.branches) parts.push(`WHEN ${yield* sub(b.when)} THEN ${asType(yield* sub(b.then), b.then.type.dtype, e.type.dtype)}`);
      const otherwise = asType(yield* sub(e.otherwise), e.otherwise.type.dtype, e.type.dtype);
      return `(CASE ${parts.join(' ')} ELSE ${otherwise} END)`;
    }
    case 'call':
      return yield* callSql(e, sub);
  }
}

function* callSql(e: Extract<ExprNode, { kind: 'call' }>, sub: (x: ExprNode) => Task<string>): Task<string> {
  const [x, ...rest] = e.args;
  const a = yield* sub(x);
  if (e.fn === 'isIn') {
    // SQL has no empty IN list; Tessera's empty list is false for every row, a null x included.
    if (rest.length === 0) return 'FALSE';
    let common = x.type.dtype;
    for (const v of rest) common = commonDType(common, v.type.dtype)!;
    const values = rest.map((v) => literalSql(v.kind === 'literal' ? v.value : null, common));
    return `(${asType(a, x.type.dtype, common)} IN (${values.join(', ')}))`;
  }
  if (e.fn === 'like') {
    const pattern = yield* sub(rest[0]);
    const escape = rest[1];
    return escape ? `(${a} LIKE ${pattern} ESCAPE ${quoteString(String(escape.kind === 'literal' ? escape.value : ''))})` : `(${a} LIKE ${pattern})`;
  }
  const test = STRING_TEST_SQL[e.fn];
  if (test) return `${test}(${a}, ${yield* sub(rest[0])})`;
  const part = DATE_PART_SQL[e.fn];
  if (part) return castSql(`${part}(${a})`, 'int32');
  throw new SqlUnsupportedError(e.fn, `no SQL for the function in ${exprToString(e)}`);
}

/** A cast with TRY_CAST semantics and Tessera's ranges and text forms (src/exec/cast.ts). */
export function castExprSql(a: string, from: DType, to: DType): string {
  if (from === to) return a;
  if (to === 'string') {
    if (from === 'float64' || from === 'float32') {
      // Tessera prints the double a float32 holds, and every NaN as 'nan' (DuckDB: '-nan' for a NaN with its sign bit set).
      return `(CASE WHEN isnan(${a}) THEN 'nan' ELSE CAST(${asType(a, from, 'float64')} AS VARCHAR) END)`;
    }
    if (from === 'date') {
      // ISO text for years 1 to 9999; beyond them DuckDB and JavaScript write years differently.
      return `(CASE WHEN ${a} < DATE '0001-01-01' OR ${a} > DATE '9999-12-31' THEN error(${quoteString('cast: a date outside years 1 to 9999 has no ISO text that DuckDB and Tessera agree on')}) ELSE CAST(${a} AS VARCHAR) END)`;
    }
    return `CAST(${a} AS VARCHAR)`;
  }
  if (from === 'date') return castSql(`(${a} - DATE '1970-01-01')`, 'int32');
  if (to === 'date') {
    if (from === 'int32') return `(DATE '1970-01-01' + ${a})`;
    // from a string: only Tessera's forms, the time and zone dropped.
    const pattern = quoteString(DATE_TEXT);
    return `(CASE WHEN regexp_full_match(${a}, ${pattern}) THEN TRY_CAST(regexp_replace(${a}, ${pattern}, '\\1-\\2-\\3') AS DATE) END)`;
  }
  // Tessera reads text as a double first, then rounds it to float32 (Math.fround), as the float64 → float32 cast below.
  if (from === 'string' && to === 'float32') return castExprSql(castExprSql(a, 'string', 'float64'), 'float64', 'float32');
  const tried = `TRY_CAST(${from === 'string' && to !== 'bool' ? numberText(a) : a} AS ${sqlType(to)})`;
  if (to === 'int64' && (from === 'string' || from === 'float64' || from === 'float32')) {
    return `(CASE WHEN abs(${tried}) <= ${INT64_LIMIT} THEN ${tried} END)`;
  }
  if (to === 'float32' && from === 'float64') {
    // Math.fround: beyond float32's range a double becomes ±Infinity (DuckDB's TRY_CAST: null).
    return `(CASE WHEN ${a} > 0 THEN COALESCE(${tried}, CAST('Infinity' AS FLOAT)) WHEN ${a} < 0 THEN COALESCE(${tried}, CAST('-Infinity' AS FLOAT)) ELSE ${tried} END)`;
  }
  return tried;
}

/**
 * Text read as a number the way Tessera reads it: trimmed as JavaScript trims, except
 * that hexadecimal and binary integers ('0x1F') lose only their leading blanks (a
 * trailing blank makes them unreadable, in DuckDB and Tessera alike).
 */
function numberText(a: string): string {
  const leading = `regexp_replace(${a}, ${quoteString(`^${JS_SPACE}+`)}, '')`;
  const both = `regexp_replace(${a}, ${quoteString(`^${JS_SPACE}+|${JS_SPACE}+$`)}, '', 'g')`;
  return `(CASE WHEN regexp_full_match(${leading}, '0[xXbB].*') THEN ${leading} ELSE ${both} END)`;
}
