import { describe, expect, it } from 'vitest';
import { makeColumn } from '../../../src/data/column.js';
import { type SortColumn, dictionaryRanks, sortIndices } from '../../../src/kernels/relational/index.js';
import { type Value, column, compareStrings, dtypeOf, plain, randomValues, rng } from './fixtures.js';

/** Values ascending: NaN after every number, -0 = 0, strings by code point, false < true. */
function compareValues(a: Value, b: Value): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number(Number.isNaN(a)) - Number(Number.isNaN(b));
  if (typeof a === 'string' && typeof b === 'string') return Math.sign(compareStrings(a, b));
  return a! < b! ? -1 : a! > b! ? 1 : 0;
}

/** Array.prototype.sort is stable: the reference. */
function referenceSort(keys: readonly SortColumn[], n: number): number[] {
  const cols = keys.map((k) => plain(k.column));
  return Array.from({ length: n }, (_, i) => i).sort((i, j) => {
    for (let k = 0; k < keys.length; k++) {
      const a = cols[k][i];
      const b = cols[k][j];
      if (a === null || b === null) {
        if (a === b) continue;
        return (a === null) === keys[k].nullsFirst ? -1 : 1;
      }
      const c = compareValues(a, b);
      if (c !== 0) return keys[k].descending ? -c : c;
    }
    return 0;
  });
}

describe('sortIndices', () => {
  for (const kind of ['dense', 'sparse', 'big', 'float', 'float32', 'string', 'bool', 'date']) {
    it(`sorts one ${kind} key stably in every direction and null placement`, () => {
      const r = rng(kind.length * 977);
      for (let t = 0; t < 8; t++) {
        const n = Math.floor(r() * 200);
        const col = column(dtypeOf[kind], randomValues(r, kind, n, t % 4 === 0 ? 0 : 0.2), r, t % 2 === 0);
        for (const descending of [false, true]) {
          for (const nullsFirst of [false, true]) {
            const keys = [{ column: col, descending, nullsFirst }];
            expect(Array.from(sortIndices(keys, n))).toEqual(referenceSort(keys, n));
          }
        }
      }
    });
  }

  it('sorts by several keys of mixed types and directions', () => {
    const r = rng(5);
    const kinds = ['dense', 'string', 'float', 'big', 'bool', 'date', 'sparse'];
    for (let t = 0; t < 60; t++) {
      const n = Math.floor(r() * 300);
      const keys = Array.from({ length: 1 + Math.floor(r() * 3) }, () => {
        const kind = kinds[Math.floor(r() * kinds.length)];
        return { column: column(dtypeOf[kind], randomValues(r, kind, n, 0.2), r, r() < 0.5), descending: r() < 0.5, nullsFirst: r() < 0.5 };
      });
      expect(Array.from(sortIndices(keys, n))).toEqual(referenceSort(keys, n));
    }
  });

  it('sorts wide float keys across all radix digits', () => {
    const r = rng(6);
    const n = 3000;
    const values = Float64Array.from({ length: n }, () => (r() - 0.5) * 10 ** Math.floor(r() * 40 - 20));
    values[7] = values[8] = -0;
    values[9] = 0;
    for (const descending of [false, true]) {
      const keys = [{ column: makeColumn('float64', values), descending, nullsFirst: false }];
      expect(Array.from(sortIndices(keys, n))).toEqual(referenceSort(keys, n));
    }
  });

  it('handles no rows and one row', () => {
    const key = (values: number[]) => [{ column: makeColumn('int32', Int32Array.from(values)), descending: false, nullsFirst: false }];
    expect(Array.from(sortIndices(key([]), 0))).toEqual([]);
    expect(Array.from(sortIndices(key([4]), 1))).toEqual([0]);
  });

  it('ranks a dictionary by string value, duplicates sharing a rank', () => {
    expect(Array.from(dictionaryRanks(['b', 'a', 'c', 'a', 'B']))).toEqual([3, 1, 4, 1, 0]);
  });
});
