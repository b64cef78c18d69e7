import { ExecutionError, OverflowError } from '../errors.js';
import { type Column, type ColumnValues, allocValues, bothValid, constantColumn, makeColumn } from '../data/column.js';
import type { Batch } from '../data/batch.js';
import { type DType, isInteger } from '../types/dtype.js';
import { INT64_EXACT_LIMIT, bigintWithinInt64 } from '../types/int64.js';
import { type ExprNode, isArithmetic, type ComparisonOp, exprToString } from '../plan/expr.js';
import { compareCodePoints } from '../data/strings.js';
import { castColumn } from './cast.js';
import { evaluateCall } from './functions.js';
import { type Task, call, trampoline } from '../plan/walk.js';

/**
 * Vectorized evaluation of scalar expressions over a batch, with SQL null
 * semantics: arithmetic and comparisons are null when an operand is; AND/OR use
 * three-valued logic; integer or float modulo by zero is null; division is float
 * division (x/0 is ±Infinity, as in DuckDB). Strings compare by Unicode code point
 * (as DuckDB, Arrow and Python; not by UTF-16 code unit as JavaScript's `<`).
 *
 * Integer overflow is an error, never a wrapped or rounded value: integer + - *
 * compute in int64 (src/types/dtype.ts `arithmeticResult`), which holds integers within
 * ±2^53 (what a float64 holds exactly), and a result beyond that on a non-null row
 * raises an OverflowError naming the operator, the expression and the operands, as
 * DuckDB raises "Overflow in multiplication of INT64". (int32 modulo cannot overflow;
 * neg and abs of int32 are int64.) Integers never hold -0: neg, mul and mod of
 * integers give 0 where float arithmetic would give -0 (so 1.0 / -(0::int) is
 * +Infinity, as in DuckDB), and so do casts to integers (src/exec/cast.ts).
 */

/** Column index by name, for the batch an expression is evaluated over. */
export type ColumnResolver = (name: string) => number;

/**
 * The column of `e`'s values over `batch`. Operands are evaluated left to right (a CASE:
 * every condition, then every branch value, then ELSE), on an explicit stack, so
 * expressions as deep as MAX_EXPRESSION_DEPTH (src/plan/limits.ts) never exhaust it.
 */
export function evaluate(e: ExprNode, batch: Batch, resolve: ColumnResolver): Column {
  switch (e.kind) {
    case 'column':
      return batch.columns[resolve(e.name)];
    case 'literal':
      return constantColumn(e.type.dtype, e.value, batch.length);
    default:
      return trampoline(evaluateTask(e, batch, resolve));
  }
}

function* evaluateTask(e: ExprNode, batch: Batch, resolve: ColumnResolver): Task<Column> {
  const ev = (x: ExprNode) => call(evaluateTask(x, batch, resolve));
  switch (e.kind) {
    case 'column':
      return batch.columns[resolve(e.name)];
    case 'literal':
      return constantColumn(e.type.dtype, e.value, batch.length);
    case 'binary': {
      const l = yield* ev(e.left);
      const r = yield* ev(e.right);
      if (e.op === 'and' || e.op === 'or') return logical(e.op, l, r);
      if (isArithmetic(e.op)) return arithmetic(e, l, r);
      return compare(e.op, l, r);
    }
    case 'unary':
      return unaryOp(e.op, yield* ev(e.arg), e.type.dtype);
    case 'coalesce': {
      const args: Column[] = [];
      for (const a of e.args) args.push(yield* ev(a));
      return coalesceColumns(args, e.type.dtype, batch.length);
    }
    case 'cast':
      return castColumn(yield* ev(e.arg), e.type.dtype);
    case 'call': {
      // isIn's values are literals the function reads from the node; only the tested expression is evaluated.
      const args: Column[] = [];
      for (const a of e.fn === 'isIn' ? e.args.slice(0, 1) : e.args) args.push(yield* ev(a));
      return evaluateCall(e, args);
    }
    case 'case': {
      const conds: Column[] = [];
      for (const b of e.branches) conds.push(yield* ev(b.when));
      const thens: Column[] = [];
      for (const b of e.branches) thens.push(yield* ev(b.then));
      return caseColumns(e, conds, thens, yield* ev(e.otherwise), batch.length);
    }
  }
}

function arithmetic(e: Extract<ExprNode, { kind: 'binary' }>, l: Column, r: Column): Column {
  const op = e.op;
  const dtype = e.type.dtype;
  const integer = isInteger(dtype);
  const n = l.length;
  const a = l.values;
  const b = r.values;
  const out = allocValues(dtype, n);
  let validity = bothValid(l, r);
  switch (op) {
    case 'add':
      for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
      break;
    case 'sub':
      for (let i = 0; i < n; i++) out[i] = a[i] - b[i];
      break;
    case 'mul':
      // `+ 0` turns an integer -0 (0 times a negative) into 0.
      if (integer) for (let i = 0; i < n; i++) out[i] = a[i] * b[i] + 0;
      else for (let i = 0; i < n; i++) out[i] = a[i] * b[i];
      break;
    case 'div':
      for (let i = 0; i < n; i++) out[i] = a[i] / b[i];
      break;
    case 'mod':
      for (let i = 0; i < n; i++) {
        if (b[i] === 0) {
          validity ??= new Uint8Array(n).fill(1);
          validity[i] = 0;
        } else out[i] = integer ? (a[i] % b[i]) + 0 : a[i] % b[i];
      }
      break;
  }
  if (integer && (op === 'add' || op === 'sub' || op === 'mul')) checkIntegerRange(e, a, b, out, validity);
  return makeColumn(dtype, out, validity);
}

/**
 * Raises OverflowError for the first non-null row whose integer + - * result is
 * beyond ±2^53. Float arithmetic on integers within ±2^53 is exact while the result
 * is strictly within ±2^53, and rounds monotonically, so a true result beyond the
 * range never comes out strictly within it: only results at or beyond ±2^53 (rare)
 * are recomputed exactly (a float result of exactly ±2^53 may be 2^53 + 1 rounded).
 */
function checkIntegerRange(e: Extract<ExprNode, { kind: 'binary' }>, a: ArrayLike<number>, b: ArrayLike<number>, out: ColumnValues, validity: Uint8Array | null): void {
  for (let i = 0; i < out.length; i++) {
    const x = out[i];
    if (x < INT64_EXACT_LIMIT && x > -INT64_EXACT_LIMIT) continue;
    if (validity !== null && validity[i] === 0) continue;
    const p = BigInt(a[i]);
    const q = BigInt(b[i]);
    const exact = e.op === 'add' ? p + q : e.op === 'sub' ? p - q : p * q;
    if (bigintWithinInt64(exact)) continue;
    const symbol = e.op === 'add' ? '+' : e.op === 'sub' ? '-' : '*';
    throw new OverflowError(
      e.op,
      exprToString(e),
      `integer overflow: ${p} ${symbol} ${q} = ${exact} is beyond ±2^53, the exact range of int64; cast an operand to float64 for a rounded result`,
    );
  }
}

/**
 * Comparable numbers for two columns: numbers as they are, strings as ranks in the
 * union of both dictionaries sorted by code point, so that codes from different
 * dictionaries compare.
 */
function comparableValues(l: Column, r: Column): [ArrayLike<number>, ArrayLike<number>] {
  if (l.dtype !== 'string') return [l.values, r.values];
  const ld = l.dictionary ?? [];
  const rd = r.dictionary ?? [];
  const all = [...new Set([...ld, ...rd])].sort(compareCodePoints);
  const rank = new Map(all.map((s, i) => [s, i]));
  const lr = Int32Array.from(ld, (s) => rank.get(s)!);
  const rr = Int32Array.from(rd, (s) => rank.get(s)!);
  const lc = l.values as Int32Array;
  const rc = r.values as Int32Array;
  return [Int32Array.from(lc, (c) => lr[c] ?? 0), Int32Array.from(rc, (c) => rr[c] ?? 0)];
}

function hasNaN(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (values[i] !== values[i]) return true;
  return false;
}

/** Orders NaN above every number and equal to itself, as DuckDB does (and as Tessera sorts). */
function compareWithNaN(op: ComparisonOp, a: ArrayLike<number>, b: ArrayLike<number>, out: Uint8Array): void {
  for (let i = 0; i < out.length; i++) {
    const x = a[i];
    const y = b[i];
    const c = x !== x ? (y !== y ? 0 : 1) : y !== y ? -1 : x < y ? -1 : x > y ? 1 : 0;
    out[i] = (op === 'eq' ? c === 0 : op === 'ne' ? c !== 0 : op === 'lt' ? c < 0 : op === 'le' ? c <= 0 : op === 'gt' ? c > 0 : c >= 0) ? 1 : 0;
  }
}

function compare(op: ComparisonOp, l: Column, r: Column): Column {
  const n = l.length;
  const [a, b] = comparableValues(l, r);
  const out = new Uint8Array(n);
  const floats = l.dtype === 'float64' || l.dtype === 'float32' || r.dtype === 'float64' || r.dtype === 'float32';
  if (floats && (hasNaN(a) || hasNaN(b))) {
    compareWithNaN(op, a, b, out);
    return makeColumn('bool', out, bothValid(l, r));
  }
  switch (op) {
    case 'eq':
      for (let i = 0; i < n; i++) out[i] = a[i] === b[i] ? 1 : 0;
      break;
    case 'ne':
      for (let i = 0; i < n; i++) out[i] = a[i] !== b[i] ? 1 : 0;
      break;
    case 'lt':
      for (let i = 0; i < n; i++) out[i] = a[i] < b[i] ? 1 : 0;
      break;
    case 'le':
      for (let i = 0; i < n; i++) out[i] = a[i] <= b[i] ? 1 : 0;
      break;
    case 'gt':
      for (let i = 0; i < n; i++) out[i] = a[i] > b[i] ? 1 : 0;
      break;
    case 'ge':
      for (let i = 0; i < n; i++) out[i] = a[i] >= b[i] ? 1 : 0;
      break;
  }
  return makeColumn('bool', out, bothValid(l, r));
}

/** Kleene logic: false AND null = false, true OR null = true, otherwise null wins. */
function logical(op: 'and' | 'or', l: Column, r: Column): Column {
  const n = l.length;
  const a = l.values;
  const b = r.values;
  const out = new Uint8Array(n);
  const la = l.validity;
  const rb = r.validity;
  if (!la && !rb) {
    if (op === 'and') for (let i = 0; i < n; i++) out[i] = a[i] & b[i];
    else for (let i = 0; i < n; i++) out[i] = a[i] | b[i];
    return makeColumn('bool', out, null);
  }
  const validity = new Uint8Array(n);
  const decisive = op === 'and' ? 0 : 1;
  for (let i = 0; i < n; i++) {
    const av = la ? la[i] : 1;
    const bv = rb ? rb[i] : 1;
    if ((av && a[i] === decisive) || (bv && b[i] === decisive)) {
      out[i] = decisive;
      validity[i] = 1;
    } else if (av && bv) {
      out[i] = 1 - decisive;
      validity[i] = 1;
    }
  }
  return makeColumn('bool', out, validity);
}

function unaryOp(op: string, c: Column, dtype: DType): Column {
  const n = c.length;
  switch (op) {
    case 'not': {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = 1 - c.values[i];
      return makeColumn('bool', out, c.validity);
    }
    case 'neg':
    case 'abs': {
      const out = allocValues(dtype, n);
      // Integers have no -0: 0 - x negates them (and gives 0 for 0); floats keep -0.0.
      if (op === 'neg' && isInteger(dtype)) for (let i = 0; i < n; i++) out[i] = 0 - c.values[i];
      else if (op === 'neg') for (let i = 0; i < n; i++) out[i] = -c.values[i];
      else for (let i = 0; i < n; i++) out[i] = Math.abs(c.values[i]);
      return makeColumn(dtype, out, c.validity);
    }
    case 'isNull':
    case 'isNotNull': {
      const want = op === 'isNull' ? 0 : 1;
      const out = new Uint8Array(n);
      if (c.validity) for (let i = 0; i < n; i++) out[i] = c.validity[i] === want ? 1 : 0;
      else out.fill(want);
      return makeColumn('bool', out, null);
    }
  }
  throw new ExecutionError('expression', `unknown unary operator '${op}'`);
}

/**
 * Copies row i of `src` into `out` (values and, for strings, codes remapped to the
 * merged dictionary); the shared step of coalesce and case.
 */
class RowMerger {
  readonly values: ColumnValues;
  readonly validity: Uint8Array;
  private readonly dictionary: string[] = [];
  private readonly codes = new Map<string, number>();
  private readonly remaps = new Map<Column, Int32Array>();

  constructor(
    readonly dtype: DType,
    length: number,
  ) {
    this.values = allocValues(dtype, length);
    this.validity = new Uint8Array(length);
  }

  take(src: Column, i: number): void {
    if (src.validity && src.validity[i] === 0) return;
    this.validity[i] = 1;
    this.values[i] = this.dtype === 'string' ? this.remap(src)[src.values[i]] : src.values[i];
  }

  private remap(src: Column): Int32Array {
    let m = this.remaps.get(src);
    if (!m) {
      const dict = src.dictionary ?? [];
      m = new Int32Array(dict.length);
      dict.forEach((s, k) => {
        let code = this.codes.get(s);
        if (code === undefined) {
          code = this.dictionary.length;
          this.dictionary.push(s);
          this.codes.set(s, code);
        }
        m![k] = code;
      });
      this.remaps.set(src, m);
    }
    return m;
  }

  column(): Column {
    const allValid = this.validity.every((v) => v === 1);
    return makeColumn(this.dtype, this.values, allValid ? null : this.validity, this.dtype === 'string' ? this.dictionary : undefined);
  }
}

function isValidAt(c: Column, i: number): boolean {
  return !c.validity || c.validity[i] === 1;
}

function coalesceColumns(args: readonly Column[], dtype: DType, n: number): Column {
  const cols = args.map((c) => (c.dtype === dtype ? c : castColumn(c, dtype)));
  const merger = new RowMerger(dtype, n);
  for (let i = 0; i < n; i++) {
    const c = cols.find((col) => isValidAt(col, i));
    if (c) merger.take(c, i);
  }
  return merger.column();
}

function caseColumns(e: Extract<ExprNode, { kind: 'case' }>, conds: readonly Column[], values: readonly Column[], other: Column, n: number): Column {
  const dtype = e.type.dtype;
  const thens = values.map((c) => (c.dtype === dtype ? c : castColumn(c, dtype)));
  const otherwise = other.dtype === dtype ? other : castColumn(other, dtype);
  const merger = new RowMerger(dtype, n);
  for (let i = 0; i < n; i++) {
    const k = conds.findIndex((c) => isValidAt(c, i) && c.values[i] === 1);
    merger.take(k >= 0 ? thens[k] : otherwise, i);
  }
  return merger.column();
}
