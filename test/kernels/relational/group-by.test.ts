import { describe, expect, it } from 'vitest';
import { type Column, makeColumn } from '../../../src/data/column.js';
import {
  countByGroup,
  countDistinctByGroup,
  countRowsByGroup,
  groupRows,
  maxByGroup,
  meanByGroup,
  minByGroup,
  sumByGroup,
} from '../../../src/kernels/relational/index.js';
import { type Value, column, compareStrings, dtypeOf, plain, randomValues, rng, sameValue, tupleKey } from './fixtures.js';
import { OverflowError } from '../../../src/errors.js';

/** Groups by a Map over tuple keys: ids in order of first appearance. */
function referenceGroups(keys: Column[], n: number): number[] {
  const cols = keys.map(plain);
  const ids = new Map<string, number>();
  return Array.from({ length: n }, (_, i) => {
    const k = tupleKey(cols.map((c) => c[i]));
    if (!ids.has(k)) ids.set(k, ids.size);
    return ids.get(k)!;
  });
}

/** JS order with NaN largest (strings by code point, bools as numbers). */
function less(a: Value, b: Value): boolean {
  if (Number.isNaN(a)) return false;
  if (Number.isNaN(b)) return true;
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b) < 0;
  return (a as number) < (b as number);
}

/** Exact integer sums per group (BigInt), null for a group without values. */
function exactIntegerSums(ids: number[], groupCount: number, values: Value[]): (bigint | null)[] {
  return Array.from({ length: groupCount }, (_, g) => {
    const vs = values.filter((v, i) => ids[i] === g && v !== null);
    return vs.length ? vs.reduce((s: bigint, v) => s + BigInt(v as number), 0n) : null;
  });
}

function referenceAggregate(fn: string, ids: number[], groupCount: number, values: Value[]): Value[] {
  return Array.from({ length: groupCount }, (_, g) => {
    const vs = values.filter((v, i) => ids[i] === g && v !== null);
    switch (fn) {
      case 'count':
        return vs.length;
      case 'countDistinct':
        return new Set(vs.map((v) => tupleKey([v]))).size;
      case 'sum':
        return vs.length ? vs.reduce((s: number, v) => s + Number(v), 0) : null;
      case 'mean':
        return vs.length ? vs.reduce((s: number, v) => s + Number(v), 0) / vs.length : null;
      case 'min':
        return vs.length ? vs.reduce((m, v) => (less(v, m) ? v : m)) : null;
      default:
        return vs.length ? vs.reduce((m, v) => (less(m, v) ? v : m)) : null;
    }
  });
}

const KERNELS = { count: countByGroup, countDistinct: countDistinctByGroup, sum: sumByGroup, mean: meanByGroup, min: minByGroup, max: maxByGroup };

function expectValues(got: Value[], want: Value[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((v, i) => {
    if (typeof v === 'number' && typeof want[i] === 'number' && !Number.isNaN(v)) expect(v).toBeCloseTo(want[i] as number, 9);
    else expect(sameValue(v, want[i]), `group ${i}: ${v} vs ${want[i]}`).toBe(true);
  });
}

describe('groupRows', () => {
  const cases = [['dense'], ['sparse'], ['big'], ['float'], ['float32'], ['string'], ['bool'], ['date'], ['dense', 'string'], ['float', 'bool', 'big']];
  for (const kinds of cases) {
    it(`numbers groups by first appearance for ${kinds.join(' × ')} keys with nulls`, () => {
      const r = rng(kinds.join().length * 31);
      for (let t = 0; t < 20; t++) {
        const n = Math.floor(r() * 150);
        const keys = kinds.map((k) => column(dtypeOf[k], randomValues(r, k, n, t % 3 === 0 ? 0 : 0.15), r, t % 2 === 0));
        const got = groupRows(keys);
        const want = referenceGroups(keys, n);
        expect(Array.from(got.groupIds)).toEqual(want);
        expect(got.groupCount).toBe(new Set(want).size);
        expect(Array.from(got.firstRow)).toEqual(Array.from({ length: got.groupCount }, (_, g) => want.indexOf(g)));
      }
    });
  }

  it('grows its hash tables: many groups over a wide range, one and two key columns', () => {
    const n = 20000;
    const a = makeColumn('int32', Int32Array.from({ length: n }, (_, i) => ((i % 7001) * 2654435761) | 0));
    const b = makeColumn('float64', Float64Array.from({ length: n }, (_, i) => (i % 3) * 0.5));
    for (const keys of [[a], [a, b]]) {
      const got = groupRows(keys);
      expect(Array.from(got.groupIds)).toEqual(referenceGroups(keys, n));
    }
    expect(groupRows([a]).groupCount).toBe(7001);
  });

  it('puts every row in one group without keys, one group even with no rows', () => {
    expect(groupRows([], 3)).toEqual({ groupIds: new Int32Array(3), groupCount: 1, firstRow: Int32Array.of(0) });
    const empty = groupRows([], 0);
    expect(empty.groupCount).toBe(1);
    const sum = sumByGroup(empty.groupIds, 1, makeColumn('int32', new Int32Array(0)));
    expect(plain(sum)).toEqual([null]);
    expect(plain(countRowsByGroup(empty.groupIds, 1))).toEqual([0]);
    expect(plain(meanByGroup(empty.groupIds, 1, makeColumn('float64', new Float64Array(0))))).toEqual([null]);
    expect(plain(minByGroup(empty.groupIds, 1, makeColumn('int32', new Int32Array(0))))).toEqual([null]);
  });

  it('returns no groups for a key column without rows', () => {
    const got = groupRows([makeColumn('int32', new Int32Array(0))]);
    expect(got.groupCount).toBe(0);
    expect(got.firstRow.length).toBe(0);
  });
});

describe('aggregates by group', () => {
  for (const kind of ['dense', 'big', 'float', 'float32', 'string', 'bool', 'date']) {
    it(`match a reference over ${kind} values, with all-null groups`, () => {
      const r = rng(kind.length * 101);
      for (let t = 0; t < 15; t++) {
        const n = Math.floor(r() * 120);
        const key = column('int32', randomValues(r, 'dense', n, 0.1), r);
        const { groupIds, groupCount } = groupRows([key]);
        // Every third case is all null, so that groups without values occur.
        const col = column(dtypeOf[kind], randomValues(r, kind, n, t % 3 === 0 ? 1 : 0.3), r, t % 2 === 0);
        const values = plain(col);
        const fns = ['count', 'countDistinct', 'min', 'max', ...(['dense', 'big', 'float', 'float32'].includes(kind) ? ['sum', 'mean'] : [])];
        for (const fn of fns) {
          if (fn === 'sum' && (kind === 'dense' || kind === 'big')) {
            // Integer sums are exact, or an OverflowError when a group's exact sum is beyond ±2^53.
            const exact = exactIntegerSums(Array.from(groupIds), groupCount, values);
            const run = () => sumByGroup(groupIds, groupCount, col, 'sum(v)');
            if (exact.some((x) => x !== null && (x > 2n ** 53n || x < -(2n ** 53n)))) {
              expect(run).toThrow(OverflowError);
              expect(run).toThrow(/^sum: sum\(v\): integer overflow: the exact sum/);
              continue;
            }
            expect(plain(run())).toEqual(exact.map((x) => (x === null ? null : Number(x))));
          }
          const got = KERNELS[fn as keyof typeof KERNELS](groupIds, groupCount, col);
          expectValues(plain(got), referenceAggregate(fn, Array.from(groupIds), groupCount, values));
          const want = { count: 'int64', countDistinct: 'int64', mean: 'float64', sum: kind === 'dense' || kind === 'big' ? 'int64' : 'float64' }[fn] ?? col.dtype;
          expect(got.dtype).toBe(want);
          if (got.dtype === 'string') expect(got.dictionary).toBe(col.dictionary);
        }
        expect(plain(countRowsByGroup(groupIds, groupCount))).toEqual(referenceAggregate('count', Array.from(groupIds), groupCount, Array(n).fill(0)));
      }
    });
  }

  it('treats NaN as the largest float and -0 as 0', () => {
    const ids = Int32Array.of(0, 0, 1, 1, 2, 2);
    const col = makeColumn('float64', Float64Array.of(NaN, 1, NaN, NaN, -0, 0));
    expect(plain(maxByGroup(ids, 3, col)).slice(0, 2)).toEqual([NaN, NaN]);
    expect(plain(minByGroup(ids, 3, col)).slice(0, 2)).toEqual([1, NaN]);
    expect(Math.abs(maxByGroup(ids, 3, col).values[2])).toBe(0);
    expect(plain(countDistinctByGroup(ids, 3, col))).toEqual([2, 1, 1]);
  });

  it('orders strings by value, not by code', () => {
    const col = makeColumn('string', Int32Array.of(0, 1, 2), null, ['b', 'c', 'a']);
    const ids = new Int32Array(3);
    expect(plain(minByGroup(ids, 1, col))).toEqual(['a']);
    expect(plain(maxByGroup(ids, 1, col))).toEqual(['c']);
  });
});
