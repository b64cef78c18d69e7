import { daysToIsoDate } from '../types/date.js';
import { type DigestValue, EncodedDigest, encodeDigest } from './digest.js';
import { type BinaryOp, type ExprNode, type ScalarFunction, exprChildren } from './expr-node.js';
import { type Task, call, postOrderOf, trampoline } from './walk.js';

/**
 * Expressions as text: the SQL-like text explain prints (for people), and the digest
 * that identifies an expression structurally (for the optimizer's memo and rules).
 */

const SYMBOL: Record<BinaryOp, string> = {
  add: '+', sub: '-', mul: '*', div: '/', mod: '%',
  eq: '=', ne: '<>', lt: '<', le: '<=', gt: '>', ge: '>=',
  and: 'AND', or: 'OR',
};

/** A value's text that keeps -0 apart from 0 (String(-0) is "0"), so digests never merge x/0 and x/-0. */
export function numberText(v: unknown): string {
  return Object.is(v, -0) ? '-0' : String(v);
}

function literalToString(e: Extract<ExprNode, { kind: 'literal' }>): string {
  if (e.value === null) return 'NULL';
  if (e.type.dtype === 'string') return `'${String(e.value).replace(/'/g, "''")}'`;
  if (e.type.dtype === 'date') return `DATE '${daysToIsoDate(e.value as number)}'`;
  return numberText(e.value);
}

/** SQL-like text of an expression, as explain prints it (for people: names are not quoted, so it is no identity). */
export function exprToString(e: ExprNode): string {
  return trampoline(exprText(e));
}

function* exprText(e: ExprNode): Task<string> {
  const r = (x: ExprNode) => call(exprText(x));
  switch (e.kind) {
    case 'column':
      return e.name;
    case 'literal':
      return literalToString(e);
    case 'binary': {
      const left = yield* r(e.left);
      return `(${left} ${SYMBOL[e.op]} ${yield* r(e.right)})`;
    }
    case 'unary': {
      const arg = yield* r(e.arg);
      if (e.op === 'not') return `NOT ${arg}`;
      if (e.op === 'neg') return `-${arg}`;
      if (e.op === 'abs') return `abs(${arg})`;
      return `${arg} IS ${e.op === 'isNull' ? 'NULL' : 'NOT NULL'}`;
    }
    case 'coalesce': {
      const args: string[] = [];
      for (const a of e.args) args.push(yield* r(a));
      return `coalesce(${args.join(', ')})`;
    }
    case 'cast':
      return `CAST(${yield* r(e.arg)} AS ${e.type.dtype})`;
    case 'call': {
      const args: string[] = [];
      for (const a of e.args) args.push(yield* r(a));
      return callText(e.fn, args);
    }
    case 'case': {
      const branches: string[] = [];
      for (const b of e.branches) {
        const when = yield* r(b.when);
        branches.push(`WHEN ${when} THEN ${yield* r(b.then)}`);
      }
      return `CASE ${branches.join(' ')} ELSE ${yield* r(e.otherwise)} END`;
    }
  }
}

/** SQL text of a scalar function over its arguments' texts. */
function callText(fn: ScalarFunction, args: readonly string[]): string {
  switch (fn) {
    case 'like':
      return `(${args[0]} LIKE ${args[1]}${args.length > 2 ? ` ESCAPE ${args[2]}` : ''})`;
    case 'isIn':
      return `(${args[0]} IN (${args.slice(1).join(', ')}))`;
    default:
      return `${FUNCTION_SQL[fn]}(${args.join(', ')})`;
  }
}

const FUNCTION_SQL: Record<Exclude<ScalarFunction, 'like' | 'isIn'>, string> = {
  startsWith: 'starts_with',
  endsWith: 'ends_with',
  contains: 'contains',
  year: 'year',
  month: 'month',
  day: 'day',
  dayOfWeek: 'dayofweek',
};

/**
 * An expression as a digest value (src/plan/digest.ts): a tagged list per node holding
 * its operator, its operands and its type, with names and literal values as values, never
 * as text, so a column named `(a + 1)` and the expression a + 1 stay apart. Encoded once
 * per expression node and remembered (children's encodings reused), so that a predicate
 * grown one conjunct at a time (stacked filters merged) is not encoded again whole.
 */
export function exprKey(e: ExprNode): DigestValue {
  return new EncodedDigest(exprDigest(e));
}

/** Encoded keys of expressions (see exprKey). */
const keyTexts = new WeakMap<ExprNode, string>();

/** The key of `e` alone, its operands by their (already encoded) keys. */
function localKey(e: ExprNode): DigestValue {
  const k = (x: ExprNode) => new EncodedDigest(keyTexts.get(x)!);
  const type = [e.type.dtype, e.type.nullable];
  switch (e.kind) {
    case 'column':
      return ['column', e.name, type];
    case 'literal':
      return ['literal', e.value, type];
    case 'binary':
      return ['binary', e.op, k(e.left), k(e.right), type];
    case 'unary':
      return ['unary', e.op, k(e.arg), type];
    case 'coalesce':
      return ['coalesce', e.args.map(k), type];
    case 'cast':
      return ['cast', k(e.arg), type];
    case 'call':
      return ['call', e.fn, e.args.map(k), type];
    case 'case':
      return ['case', e.branches.map((b) => [k(b.when), k(b.then)]), k(e.otherwise), type];
  }
}

/** Canonical text of an expression: equal digests mean structurally equal expressions, types included. */
export function exprDigest(e: ExprNode): string {
  const known = keyTexts.get(e);
  if (known !== undefined) return known;
  for (const n of postOrderOf<ExprNode>(e, (x) => (keyTexts.has(x) ? [] : exprChildren(x)))) {
    if (!keyTexts.has(n)) keyTexts.set(n, encodeDigest(localKey(n)));
  }
  return keyTexts.get(e)!;
}
