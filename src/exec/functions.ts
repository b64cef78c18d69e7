import { type Column, bothValid, makeColumn } from '../data/column.js';
import { ExecutionError } from '../errors.js';
import type { ExprNode, ScalarFunction } from '../plan/expr-node.js';
import { likePatternProblem } from '../plan/functions.js';

/**
 * Evaluation of scalar functions (`call` nodes; their types and semantics are in
 * src/plan/functions.ts). String tests run once per dictionary entry when the pattern
 * is one value for every row (the common case), so a column of many rows and few
 * distinct strings costs a pass over its codes.
 */

type CallNode = Extract<ExprNode, { kind: 'call' }>;

/** The column of `e` over its evaluated arguments (for `isIn`, the tested expression's column only: the values are literals in `e`). */
export function evaluateCall(e: CallNode, args: readonly Column[]): Column {
  switch (e.fn) {
    case 'like':
    case 'startsWith':
    case 'endsWith':
    case 'contains': {
      const escape = e.args.length > 2 ? (e.args[2] as Extract<ExprNode, { kind: 'literal' }>).value as string : null;
      return stringTest(e.fn, args[0], args[1], escape);
    }
    case 'isIn':
      return isIn(args[0], e.args.slice(1) as Extract<ExprNode, { kind: 'literal' }>[]);
    case 'year':
    case 'month':
    case 'day':
    case 'dayOfWeek':
      return datePart(e.fn, args[0]);
  }
}

// ---------------------------------------------------------------- strings

type StringTest = (s: string) => boolean;

/** A RegExp for a LIKE pattern: `%` any run, `_` one code point, the escape character making the next one literal. */
function likeRegExp(pattern: string, escape: string | null): RegExp {
  const problem = likePatternProblem(pattern, escape);
  if (problem) throw new ExecutionError('like', problem);
  let source = '';
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === escape) source += escapeRegExp(chars[++i]);
    else if (c === '%') source += '.*';
    else if (c === '_') source += '.';
    else source += escapeRegExp(c);
  }
  return new RegExp(`^${source}$`, 'su');
}

function escapeRegExp(c: string): string {
  // The syntax characters: in Unicode mode (`u`) only these may be escaped.
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}

function matcher(fn: ScalarFunction, pattern: string, escape: string | null): StringTest {
  switch (fn) {
    case 'like': {
      const re = likeRegExp(pattern, escape);
      return (s) => re.test(s);
    }
    case 'startsWith':
      return (s) => s.startsWith(pattern);
    case 'endsWith':
      return (s) => s.endsWith(pattern);
    default:
      return (s) => s.includes(pattern);
  }
}

function stringTest(fn: ScalarFunction, strings: Column, patterns: Column, escape: string | null): Column {
  const n = strings.length;
  const out = new Uint8Array(n);
  const validity = bothValid(strings, patterns);
  const sDict = strings.dictionary ?? [];
  const pDict = patterns.dictionary ?? [];
  const codes = strings.values;
  const valid = (i: number) => validity === null || validity[i] === 1;
  if (pDict.length === 1) {
    // One pattern for every row: test each distinct string once.
    const test = matcher(fn, pDict[0], escape);
    const result = Uint8Array.from(sDict, (s) => (test(s) ? 1 : 0));
    for (let i = 0; i < n; i++) if (valid(i)) out[i] = result[codes[i]];
    return makeColumn('bool', out, validity);
  }
  const tests = new Map<number, StringTest>();
  const pCodes = patterns.values;
  for (let i = 0; i < n; i++) {
    if (!valid(i)) continue;
    const p = pCodes[i];
    let test = tests.get(p);
    if (test === undefined) tests.set(p, (test = matcher(fn, pDict[p], escape)));
    out[i] = test(sDict[codes[i]]) ? 1 : 0;
  }
  return makeColumn('bool', out, validity);
}

// ---------------------------------------------------------------- isIn

/**
 * x IN (values): membership through a Set (SameValueZero: -0 equals 0, NaN equals NaN,
 * as DuckDB compares); strings are looked up once per dictionary entry. Not found is
 * null when x is null or the list holds a null, else false; an empty list is false.
 */
function isIn(x: Column, values: readonly Extract<ExprNode, { kind: 'literal' }>[]): Column {
  const n = x.length;
  const out = new Uint8Array(n);
  if (values.length === 0) return makeColumn('bool', out, null);
  const listHasNull = values.some((v) => v.value === null);
  const members = new Set<number | string>();
  for (const v of values) {
    if (v.value === null) continue;
    members.add(typeof v.value === 'boolean' ? (v.value ? 1 : 0) : v.value);
  }
  let found: (i: number) => boolean;
  if (x.dtype === 'string') {
    const inList = Uint8Array.from(x.dictionary ?? [], (s) => (members.has(s) ? 1 : 0));
    found = (i) => inList[x.values[i]] === 1;
  } else found = (i) => members.has(x.values[i]);
  let validity: Uint8Array | null = null;
  for (let i = 0; i < n; i++) {
    const isNull = x.validity !== null && x.validity[i] === 0;
    if (!isNull && found(i)) out[i] = 1;
    else if (isNull || listHasNull) {
      validity ??= new Uint8Array(n).fill(1);
      validity[i] = 0;
    }
  }
  return makeColumn('bool', out, validity);
}

// ---------------------------------------------------------------- date parts

/**
 * Year, month and day of a day number (days since 1970-01-01) in the proleptic Gregorian
 * calendar, by Howard Hinnant's `civil_from_days` (integer arithmetic, any day number).
 */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Day of the week, Sunday = 0 … Saturday = 6 (1970-01-01 was a Thursday). */
export function dayOfWeek(days: number): number {
  return (((days + 4) % 7) + 7) % 7;
}

function datePart(fn: 'year' | 'month' | 'day' | 'dayOfWeek', dates: Column): Column {
  const n = dates.length;
  const out = new Int32Array(n);
  const v = dates.values;
  const valid = dates.validity;
  if (fn === 'dayOfWeek') {
    for (let i = 0; i < n; i++) if (valid === null || valid[i] === 1) out[i] = dayOfWeek(v[i]);
  } else {
    for (let i = 0; i < n; i++) if (valid === null || valid[i] === 1) out[i] = civilFromDays(v[i])[fn];
  }
  return makeColumn('int32', out, valid);
}
