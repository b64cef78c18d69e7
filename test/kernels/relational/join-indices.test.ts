import { describe, expect, it } from 'vitest';
import type { Column } from '../../../src/data/column.js';
import { hashJoin, joinIndices } from '../../../src/kernels/relational/index.js';
import type { JoinKind } from '../../../src/plan/relational-operators.js';
import { column, dtypeOf, randomValues, rng } from './fixtures.js';

/**
 * joinIndices is hashJoin without the copies an executor can skip: `left` null for the
 * identity, `rightHasMissing` for a -1 in `right`. hashJoin itself is checked against
 * nested loops in hash-join.test.ts.
 */
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
          expect(got.right).toEqual(want.right);
          expect(got.rightHasMissing).toBe(!!want.right && want.right.includes(-1));
        }
      }
    }
    expect(identities).toBeGreaterThan(100);
  });

  it('gives the identity for a key join where every left row matches once', () => {
    const right = [column('int32', [3, 1, 2, 0], rng(1))];
    const left = [column('int32', [0, 1, 2, 3, 3, 2], rng(2))];
    const m = joinIndices(left, right, 'inner');
    expect(m.left).toBeNull();
    expect(Array.from(m.right!)).toEqual([3, 1, 2, 0, 0, 2]);
    expect(m.rightHasMissing).toBe(false);
    const withMiss = joinIndices([column('int32', [0, 9, null], rng(3))], right, 'left');
    expect(withMiss.left).toBeNull();
    expect(Array.from(withMiss.right!)).toEqual([3, -1, -1]);
    expect(withMiss.rightHasMissing).toBe(true);
    expect(Array.from(joinIndices([column('int32', [0, 9, null], rng(3))], right, 'inner').left!)).toEqual([0]);
  });
});
