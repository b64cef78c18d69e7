import { describe, expect, it } from 'vitest';
import { type Column, makeColumn } from '../../../src/data/column.js';
import type { JoinKind } from '../../../src/plan/relational-operators.js';
import { hashJoin } from '../../../src/kernels/relational/index.js';
import { type Value, column, dtypeOf, plain, randomValues, rng, sameValue } from './fixtures.js';

/** Nested-loop join over JS values: the obviously correct reference. */
function referenceJoin(left: Column[], right: Column[], how: JoinKind): { left: number[]; right: number[] | null } {
  const lv = left.map(plain);
  const rv = right.map(plain);
  const nl = left[0].length;
  const nr = right[0].length;
  const matches = (i: number, j: number) => lv.every((c, k) => c[i] !== null && rv[k][j] !== null && sameValue(c[i], rv[k][j]));
  const outL: number[] = [];
  const outR: number[] = [];
  for (let i = 0; i < nl; i++) {
    const js: number[] = [];
    for (let j = 0; j < nr; j++) if (matches(i, j)) js.push(j);
    if (how === 'semi' || how === 'anti') {
      if ((js.length > 0) === (how === 'semi')) outL.push(i);
      continue;
    }
    if (js.length === 0 && (how === 'left' || how === 'full')) js.push(-1);
    for (const j of js) {
      outL.push(i);
      outR.push(j);
    }
  }
  // Right and full joins: then the right rows no left row matched, in right-row order.
  if (how === 'right' || how === 'full') {
    for (let j = 0; j < nr; j++) {
      let matched = false;
      for (let i = 0; i < nl && !matched; i++) matched = matches(i, j);
      if (!matched) {
        outL.push(-1);
        outR.push(j);
      }
    }
  }
  return { left: outL, right: how === 'semi' || how === 'anti' ? null : outR };
}

function check(left: Column[], right: Column[], how: JoinKind): void {
  const got = hashJoin(left, right, how);
  const want = referenceJoin(left, right, how);
  expect(Array.from(got.left)).toEqual(want.left);
  expect(got.right && Array.from(got.right)).toEqual(want.right);
}

const HOWS: JoinKind[] = ['inner', 'left', 'right', 'full', 'semi', 'anti'];

function side(r: () => number, kinds: string[], n: number, opts: { nullRate?: number; dupes?: boolean; dtypes?: string[] } = {}): Column[] {
  return kinds.map((k, c) => column(dtypeOf[opts.dtypes?.[c] ?? k], randomValues(r, k, n, opts.nullRate ?? 0.1), r, opts.dupes));
}

describe('hashJoin', () => {
  for (const kind of ['dense', 'sparse', 'big', 'float', 'float32', 'string', 'bool', 'date']) {
    it(`matches nested loops on one ${kind} key, all join kinds`, () => {
      const r = rng(kind.length * 7919);
      for (let t = 0; t < 20; t++) {
        const nl = Math.floor(r() * 60);
        const nr = Math.floor(r() * 60);
        const dupes = t % 2 === 1;
        const left = side(r, [kind], nl, { dupes });
        const right = side(r, [kind], nr, { dupes, nullRate: t % 3 === 0 ? 0 : 0.2 });
        for (const how of HOWS) check(left, right, how);
      }
    });
  }

  it('compares int32 with int64 keys by value, both ways', () => {
    const r = rng(11);
    for (let t = 0; t < 20; t++) {
      const kind = t % 2 ? 'dense' : 'sparse';
      const left = side(r, [kind], 50, { dtypes: ['big'] });
      const right = side(r, [kind], 40);
      for (const how of HOWS) {
        check(left, right, how);
        check(right, left, how);
      }
    }
  });

  it('matches strings by value across different dictionaries, with duplicate entries', () => {
    const r = rng(12);
    for (let t = 0; t < 20; t++) {
      const left = side(r, ['string'], 40, { dupes: t % 2 === 0 });
      const right = side(r, ['string'], 40, { dupes: t % 3 === 0 });
      expect(left[0].dictionary).not.toEqual(right[0].dictionary);
      for (const how of HOWS) check(left, right, how);
    }
  });

  it('joins on several key columns of mixed types', () => {
    const r = rng(13);
    for (let t = 0; t < 30; t++) {
      const kinds = [['dense', 'string'], ['float', 'sparse', 'bool'], ['string', 'string'], ['big', 'date']][t % 4];
      const left = side(r, kinds, Math.floor(r() * 80));
      const right = side(r, kinds, Math.floor(r() * 80), { dupes: t % 2 === 0 });
      for (const how of HOWS) check(left, right, how);
    }
  });

  it('handles empty sides', () => {
    const r = rng(14);
    for (const [nl, nr] of [[0, 0], [0, 5], [5, 0]]) {
      for (const kinds of [['dense'], ['sparse'], ['float'], ['dense', 'string']]) {
        for (const how of HOWS) check(side(r, kinds, nl), side(r, kinds, nr), how);
      }
    }
  });

  it('uses the hashed path for keys too sparse for a direct array', () => {
    const n = 1000;
    const build = Int32Array.from({ length: n }, (_, i) => (i * 2654435761) | 0);
    const probe = Int32Array.from({ length: 3 * n }, (_, i) => build[(i * 7) % n] + (i % 3 === 0 ? 1 : 0));
    check([makeColumn('int32', probe)], [makeColumn('int32', build)], 'inner');
    check([makeColumn('int32', probe)], [makeColumn('int32', build)], 'anti');
  });

  it('returns unmatched left rows once with -1 in a left join, matches in right-row order', () => {
    const left = [makeColumn('int32', Int32Array.of(2, 9, 1, 2))];
    const right = [makeColumn('int32', Int32Array.of(1, 2, 3, 2, 2))];
    const got = hashJoin(left, right, 'left');
    expect(Array.from(got.left)).toEqual([0, 0, 0, 1, 2, 3, 3, 3]);
    expect(Array.from(got.right!)).toEqual([1, 3, 4, -1, 0, 1, 3, 4]);
  });

  it('never matches null keys, but returns them from an anti join', () => {
    const values: Value[] = [1, null, 2];
    const r = rng(1);
    const left = [column('int32', values, r)];
    const right = [column('int32', [null, 1, null], r)];
    expect(Array.from(hashJoin(left, right, 'inner').left)).toEqual([0]);
    expect(Array.from(hashJoin(left, right, 'anti').left)).toEqual([1, 2]);
  });
});
