import { makeBatch } from '../../data/batch.js';
import { makeColumn, pendingGather } from '../../data/column.js';
import { type ExprNode, exprChildren, isComparison } from '../../plan/expr.js';
import { postOrderOf } from '../../plan/walk.js';
import { evaluate } from '../expression.js';
import type { ColumnBinder, LoopBuilder } from '../fused-loop.js';

/**
 * A filter's predicate as code of a generated pipeline loop, in SQL's three-valued
 * logic: `t` is true exactly where the predicate is TRUE (a filter keeps those rows),
 * `f` where it is FALSE; where neither holds it is NULL. Comparisons, AND, OR, NOT and
 * IS [NOT] NULL over numbers, dates and booleans compile inline (floats compare with
 * NaN above every number and equal to itself, as the column-at-a-time evaluator does).
 * A sub-predicate that reads one string column and nothing else (`region IN (...)`,
 * `name LIKE 'a%'`, `city = 'Oslo'`) is evaluated once over that column's dictionary by
 * the column-at-a-time evaluator, so it has its semantics exactly, and the loop looks
 * each row's code up in the resulting table. Null: the predicate is outside that subset.
 */
export interface Truth {
  readonly t: string;
  readonly f: string;
}

const TRUE: Truth = { t: 'true', f: 'false' };
const FALSE: Truth = { t: 'false', f: 'true' };
const NULL: Truth = { t: 'false', f: 'false' };

export function compilePredicate(e: ExprNode, gen: LoopBuilder, bind: ColumnBinder): Truth | null {
  const single = singleStringColumn(e);
  if (single !== null) return dictionaryTruth(e, single, gen, bind);
  switch (e.kind) {
    case 'literal':
      return e.value === null ? NULL : e.value === true ? TRUE : e.value === false ? FALSE : null;
    case 'column': {
      if (e.type.dtype !== 'bool') return null;
      const c = gen.stored(e);
      return { t: all([...c.valid, `${c.value} === 1`]), f: all([...c.valid, `${c.value} === 0`]) };
    }
    case 'unary': {
      if (e.op === 'not') {
        const a = compilePredicate(e.arg, gen, bind);
        return a === null ? null : { t: a.f, f: a.t };
      }
      if (e.op !== 'isNull' && e.op !== 'isNotNull') return null;
      const valid = validityOf(e.arg, gen);
      if (valid === null) return null;
      const v = all(valid);
      return e.op === 'isNotNull' ? { t: v, f: `!(${v})` } : { t: `!(${v})`, f: v };
    }
    case 'binary': {
      if (e.op === 'and' || e.op === 'or') {
        const l = compilePredicate(e.left, gen, bind);
        const r = compilePredicate(e.right, gen, bind);
        if (l === null || r === null) return null;
        return e.op === 'and' ? { t: `(${l.t}) && (${r.t})`, f: `(${l.f}) || (${r.f})` } : { t: `(${l.t}) || (${r.t})`, f: `(${l.f}) && (${r.f})` };
      }
      if (!isComparison(e.op)) return null;
      const l = operand(e.left, gen);
      const r = operand(e.right, gen);
      if (l === null || r === null) return null;
      const floats = isFloat(e.left) || isFloat(e.right);
      const test = floats ? `${nanAwareOrder(l.value, r.value)} ${SYMBOL[e.op]} 0` : `${l.value} ${SYMBOL[e.op]} ${r.value}`;
      const valid = [...l.valid, ...r.valid];
      return { t: all([...valid, `(${test})`]), f: all([...valid, `!(${test})`]) };
    }
    default:
      return null;
  }
}

const SYMBOL = { eq: '===', ne: '!==', lt: '<', le: '<=', gt: '>', ge: '>=' } as const;

function all(conditions: readonly string[]): string {
  return conditions.length === 0 ? 'true' : conditions.join(' && ');
}

function isFloat(e: ExprNode): boolean {
  return e.type.dtype === 'float64' || e.type.dtype === 'float32';
}

/** -1, 0 or 1 with NaN above every number and equal to NaN (DuckDB's order). */
function nanAwareOrder(a: string, b: string): string {
  return `(${a} !== ${a} ? (${b} !== ${b} ? 0 : 1) : ${b} !== ${b} ? -1 : ${a} < ${b} ? -1 : ${a} > ${b} ? 1 : 0)`;
}

/** A comparison operand: numbers through the loop's arithmetic, dates and booleans as stored. */
function operand(e: ExprNode, gen: LoopBuilder): { value: string; valid: readonly string[] } | null {
  const d = e.type.dtype;
  if (d === 'string') return null;
  if (e.kind === 'column' && (d === 'date' || d === 'bool')) return gen.stored(e);
  if (e.kind === 'literal' && (d === 'date' || d === 'bool')) {
    if (e.value === null) return null;
    return { value: gen.input(typeof e.value === 'boolean' ? (e.value ? 1 : 0) : Number(e.value)), valid: [] };
  }
  return gen.value(e);
}

function validityOf(e: ExprNode, gen: LoopBuilder): readonly string[] | null {
  if (e.kind === 'column') return gen.stored(e).valid;
  return gen.validity(e);
}

/** The one string column reference `e` reads when it reads nothing else (literals aside). */
function singleStringColumn(e: ExprNode): Extract<ExprNode, { kind: 'column' }> | null {
  if (e.type.dtype !== 'bool') return null;
  let found: Extract<ExprNode, { kind: 'column' }> | null = null;
  for (const n of postOrderOf<ExprNode>(e, exprChildren)) {
    if (n.kind !== 'column') continue;
    if (n.type.dtype !== 'string' || (found !== null && found !== n)) return null;
    found = n;
  }
  return found;
}

/**
 * `e` over the dictionary of its one string column (plus one null entry), evaluated
 * once; the loop reads the verdict of each row's code.
 */
function dictionaryTruth(e: ExprNode, column: Extract<ExprNode, { kind: 'column' }>, gen: LoopBuilder, bind: ColumnBinder): Truth {
  const bound = bind(column).column;
  const dictionary = (pendingGather(bound)?.source ?? bound).dictionary ?? [];
  const d = dictionary.length;
  const codes = new Int32Array(d + 1);
  for (let k = 0; k < d; k++) codes[k] = k;
  const validity = new Uint8Array(d + 1).fill(1, 0, d);
  const verdicts = evaluate(e, makeBatch([makeColumn('string', codes, validity, dictionary)], d + 1), () => 0);
  const isTrue = new Uint8Array(d + 1);
  const isFalse = new Uint8Array(d + 1);
  for (let k = 0; k <= d; k++) {
    const known = verdicts.validity === null || verdicts.validity[k] === 1;
    isTrue[k] = known && verdicts.values[k] === 1 ? 1 : 0;
    isFalse[k] = known && verdicts.values[k] === 0 ? 1 : 0;
  }
  const c = gen.stored(column);
  const at = c.valid.length === 0 ? c.value : `(${all(c.valid)} ? ${c.value} : ${d})`;
  return { t: `${gen.input(isTrue)}[${at}] === 1`, f: `${gen.input(isFalse)}[${at}] === 1` };
}
