import { describe, expect, it } from 'vitest';
import { type Column, columnFromValues, composeIndices } from '../../../src/data/column.js';
import { type JoinIndices, hashJoin, joinIndices } from '../../../src/kernels/relational/index.js';
import type { JoinKind } from '../../../src/plan/relational-operators.js';
import { column, dtypeOf, plain, randomValues, rng } from './fixtures.js';

/**
 * joinIndices is hashJoin without the copies an executor can skip: `left` null for the
 * identity, `rightByKey` instead of `right` on the key-indexed path, `rightHasMissing`
 * for output rows without a right row. hashJoin itself is checked against nested loops
 * in hash-join.test.ts; the key-indexed path against nested loops here.
 */
function rightRows(m: JoinIndices): Int32Array | null {
  return m.rightByKey !== null ? composeIndices(m.rightByKey.table, m.rightByKey.keys) : m.right;
}

function nestedLoops(left: Column, right: Column, how: JoinKind): { left: number[]; right: number[] } {
  const lv = plain(left);
  const rv = plain(right);
  const out = { left: [] as number[], right: [] as number[] };
  lv.forEach((a, i) => {
    const js = a === null ? [] : rv.flatMap((b, j) => (b === a ? [j] : []));
    if (js.length === 0 && how === 'left') js.push(-1);
    for (const j of js) {
      out.left.push(i);
      out.right.push(j);
    }
  });
  return out;
}

describe('joinIndices', () => {
  const side = (r: () => number, kind: string, n: number, nullRate: number, dupes: boolean): Column[] => [
    column(dtypeOf[kind], randomValues(r, kind, n, nullRate), r, dupes),
  ];

  it('describes the same pairs as hashJoin, all kinds of keys and joins', () => {
    const r = rng(4242);
    let identities = 0;
    for (const kind of ['dense', 'sparse', 'big', 'float', 'string', 'bool', 'date']) {
      for (let t = 0; t < 40; t++) {
        const nl = Math.floor(r() * 50);
        const nr = Math.floor(r() * 50);
        const left = side(r, kind, nl, t % 4 === 0 ? 0 : 0.1, false);
        const right = side(r, kind, nr, t % 3 === 0 ? 0 : 0.2, t % 2 === 1);
        for (const how of ['inner', 'left', 'semi', 'anti'] as JoinKind[]) {
          const want = hashJoin(left, right, how);
          const got = joinIndices(left, right, how);
          expect(got.length).toBe(want.left.length);
          if (got.left === null) {
            identities++;
            expect(Array.from(want.left)).toEqual(Array.from({ length: got.length }, (_, i) => i));
          } else expect(got.left).toEqual(want.left);
          expect(rightRows(got)).toEqual(want.right);
          expect(got.rightHasMissing).toBe(!!want.right && want.right.includes(-1));
        }
      }
    }
    expect(identities).toBeGreaterThan(100);
  });

  it('indexes right rows by the left key values for non-negative keys without nulls (primary-key joins)', () => {
    const r = rng(77);
    let direct = 0;
    for (let t = 0; t < 300; t++) {
      const nr = 1 + Math.floor(r() * 40);
      const nl = 1 + Math.floor(r() * 120);
      // Right keys: a shuffled permutation of a range (sometimes with holes, a duplicate, nulls, negatives).
      const base = Math.floor(r() * 5) - (t % 7 === 0 ? 3 : 0);
      const rk: (number | null)[] = Array.from({ length: nr }, (_, j) => base + j * (t % 5 === 1 ? 2 : 1));
      rk.sort(() => r() - 0.5);
      if (t % 11 === 3) rk[0] = rk[nr - 1];
      if (t % 13 === 4) rk[Math.floor(r() * nr)] = null;
      const span = base + 2 * nr + 3;
      const lk = Array.from({ length: nl }, () => Math.floor(r() * (t % 3 === 0 ? span : Math.max(1, Math.min(span, nr)))));
      const dtypes = [
        ['int32', 'int32'],
        ['int32', 'int64'],
        ['date', 'date'],
      ][t % 3] as ['int32' | 'date', 'int32' | 'int64' | 'date'];
      const left = columnFromValues(dtypes[0], lk);
      const right = columnFromValues(dtypes[1], rk);
      for (const how of ['inner', 'left'] as JoinKind[]) {
        const got = joinIndices([left], [right], how);
        const want = nestedLoops(left, right, how);
        if (got.rightByKey !== null) {
          direct++;
          expect(got.left).toBeNull();
          expect(got.rightByKey.keys).toBe(left.values);
        }
        expect(got.left === null ? Array.from({ length: got.length }, (_, i) => i) : Array.from(got.left)).toEqual(want.left);
        expect(Array.from(rightRows(got)!)).toEqual(want.right);
        expect(got.rightHasMissing).toBe(want.right.includes(-1));
      }
    }
    expect(direct).toBeGreaterThan(100);
  });

  it('gives the identity for a key join where every left row matches once', () => {
    const right = [column('int32', [3, 1, 2, 0], rng(1))];
    const left = [column('int32', [0, 1, 2, 3, 3, 2], rng(2))];
    const m = joinIndices(left, right, 'inner');
    expect(m.left).toBeNull();
    expect(m.rightByKey).not.toBeNull();
    expect(Array.from(rightRows(m)!)).toEqual([3, 1, 2, 0, 0, 2]);
    expect(m.rightHasMissing).toBe(false);
    const withMiss = joinIndices([column('int32', [0, 9, null], rng(3))], right, 'left');
    expect(withMiss.left).toBeNull();
    expect(Array.from(rightRows(withMiss)!)).toEqual([3, -1, -1]);
    expect(withMiss.rightHasMissing).toBe(true);
    expect(Array.from(joinIndices([column('int32', [0, 9, null], rng(3))], right, 'inner').left!)).toEqual([0]);
  });
});
