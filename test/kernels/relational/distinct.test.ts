import { describe, expect, it } from 'vitest';
import { makeColumn } from '../../../src/data/column.js';
import { distinctRows } from '../../../src/kernels/relational/index.js';
import { column, dtypeOf, plain, randomValues, rng, tupleKey } from './fixtures.js';

describe('distinctRows', () => {
  const cases = [['dense'], ['sparse'], ['float'], ['string'], ['dense', 'string'], ['bool', 'float', 'date'], ['big', 'string', 'float32']];
  for (const kinds of cases) {
    it(`keeps the first of each distinct ${kinds.join(' × ')} row, nulls equal`, () => {
      const r = rng(kinds.join().length * 13);
      for (let t = 0; t < 20; t++) {
        const n = Math.floor(r() * 150);
        const cols = kinds.map((k) => column(dtypeOf[k], randomValues(r, k, n, 0.2), r, t % 2 === 0));
        const values = cols.map(plain);
        const seen = new Set<string>();
        const want: number[] = [];
        for (let i = 0; i < n; i++) {
          const key = tupleKey(values.map((c) => c[i]));
          if (!seen.has(key)) want.push(i);
          seen.add(key);
        }
        expect(Array.from(distinctRows(cols))).toEqual(want);
      }
    });
  }

  it('handles no rows and no columns', () => {
    expect(Array.from(distinctRows([makeColumn('int32', new Int32Array(0))]))).toEqual([]);
    expect(Array.from(distinctRows([], 0))).toEqual([]);
    expect(Array.from(distinctRows([], 4))).toEqual([0]);
  });
});
