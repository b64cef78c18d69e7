import { describe, expect, it } from 'vitest';
import { type Column, columnBytes, columnToArray, composeIndices, gatherColumn, lazyGatherColumn, makeColumn, pendingGather } from '../../src/data/column.js';
import { column, plain, randomValues, rng } from '../kernels/relational/fixtures.js';

/** gatherColumn over JS values: the obvious reference (-1 and null rows give null). */
function referenceGather(src: Column, indices: Int32Array): unknown[] {
  const values = plain(src);
  return Array.from(indices, (j) => (j < 0 ? null : values[j]));
}

const KINDS: [string, Parameters<typeof column>[0]][] = [
  ['dense', 'int32'],
  ['big', 'int64'],
  ['float', 'float64'],
  ['float32', 'float32'],
  ['string', 'string'],
  ['bool', 'bool'],
  ['date', 'date'],
];

describe('gatherColumn', () => {
  it('gathers every dtype, with -1 anywhere (first row, last row, none) and source nulls', () => {
    const r = rng(31);
    for (const [kind, dtype] of KINDS) {
      for (let t = 0; t < 30; t++) {
        const m = 1 + Math.floor(r() * 30);
        const src = column(dtype, randomValues(r, kind, m, t % 2 ? 0 : 0.2), r, t % 3 === 0);
        const n = Math.floor(r() * 40);
        const indices = Int32Array.from({ length: n }, () => Math.floor(r() * m));
        if (n > 0 && t % 5 === 1) indices[0] = -1;
        if (n > 0 && t % 5 === 2) indices[n - 1] = -1;
        if (n > 0 && t % 5 === 3) indices[Math.floor(r() * n)] = -1;
        const got = gatherColumn(src, indices);
        expect(got.dtype).toBe(dtype);
        expect(plain(got)).toEqual(referenceGather(src, indices));
        // No nulls in, none out: validity stays null.
        if (src.validity === null && !indices.includes(-1)) expect(got.validity).toBeNull();
      }
    }
  });
});

describe('lazyGatherColumn', () => {
  it('reads like gatherColumn, and materializes once, on first access', () => {
    const r = rng(32);
    for (const [kind, dtype] of KINDS) {
      const src = column(dtype, randomValues(r, kind, 20, 0.2), r, true);
      const indices = Int32Array.from({ length: 50 }, (_, i) => (i % 7 === 3 ? -1 : Math.floor(r() * 20)));
      const lazy = lazyGatherColumn(src, indices, true);
      expect(lazy.length).toBe(50);
      expect(lazy.dtype).toBe(dtype);
      expect(pendingGather(lazy)).not.toBeNull();
      expect(columnBytes(lazy)).toBe(indices.byteLength);
      const values = lazy.values;
      expect(pendingGather(lazy)).toBeNull();
      expect(lazy.values).toBe(values);
      expect(plain(lazy)).toEqual(referenceGather(src, indices));
      expect(columnBytes(lazy)).toBe(lazy.values.byteLength + (lazy.validity?.byteLength ?? 0));
    }
  });

  it('knows a column without nulls has no validity, without materializing it', () => {
    const src = makeColumn('float64', Float64Array.of(1, 2, 3));
    const lazy = lazyGatherColumn(src, Int32Array.of(2, 0, 1, 1), false);
    expect(lazy.validity).toBeNull();
    expect(pendingGather(lazy)).not.toBeNull();
    const withMissing = lazyGatherColumn(src, Int32Array.of(2, -1), true);
    expect(Array.from(withMissing.validity!)).toEqual([1, 0]);
    expect(pendingGather(withMissing)).toBeNull();
  });

  it('behaves as a plain column for spreading, equality and dictionaries', () => {
    const src = makeColumn('string', Int32Array.of(1, 0, 1), null, ['a', 'b']);
    const indices = Int32Array.of(0, 2, 1);
    const lazy = lazyGatherColumn(src, indices, false);
    expect(lazy.dictionary).toEqual(['a', 'b']);
    expect(lazy).toEqual(gatherColumn(src, indices));
    expect({ ...lazy }.values).toEqual(Int32Array.of(1, 1, 0));
    expect(columnToArray(lazy)).toEqual(['b', 'b', 'a']);
  });

  it('flattens a gather of a lazy gather, and gathers through one without materializing it', () => {
    const r = rng(33);
    const src = column('float64', randomValues(r, 'float', 10, 0.3), r);
    const inner = Int32Array.from({ length: 30 }, (_, i) => (i % 5 === 0 ? -1 : Math.floor(r() * 10)));
    const outer = Int32Array.from({ length: 40 }, (_, i) => (i % 9 === 0 ? -1 : Math.floor(r() * 30)));
    const lazyInner = lazyGatherColumn(src, inner, true);
    const composed = new Map<Int32Array, Int32Array>();
    const twice = lazyGatherColumn(lazyInner, outer, true, composed);
    const sibling = lazyGatherColumn(lazyGatherColumn(src, inner, true), outer, true, composed);
    expect(pendingGather(twice)!.source).toBe(src);
    expect(pendingGather(twice)!.indices).toEqual(composeIndices(inner, outer));
    // Columns of one input keep sharing one composed index vector.
    expect(pendingGather(sibling)!.indices).toBe(pendingGather(twice)!.indices);
    const want = Array.from(outer, (j) => (j < 0 ? null : referenceGather(src, inner)[j]));
    const through = gatherColumn(lazyInner, outer);
    expect(pendingGather(lazyInner)).not.toBeNull();
    expect(plain(through)).toEqual(want);
    expect(plain(twice)).toEqual(want);
  });
});
