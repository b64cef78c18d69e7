/**
 * src/data/random.ts: the seeded generator and the in-place shuffle that benchmarks and
 * test fixtures build their data with.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32, shuffle } from '../../src/data/random.js';

describe('shuffle', () => {
  it('permutes in place, returns its argument, and gives the same order for the same seed', () => {
    const a = Int32Array.from({ length: 1000 }, (_, i) => i);
    const out = shuffle(a, mulberry32(7));
    expect(out).toBe(a);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect([...a]).not.toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect([...shuffle(Int32Array.from({ length: 1000 }, (_, i) => i), mulberry32(7))]).toEqual([...a]);
    expect(shuffle(['a', 'b', 'c', 'd'], mulberry32(1))).toEqual(shuffle(['a', 'b', 'c', 'd'], mulberry32(1)));
  });

  it('leaves an empty or one-element array as it is', () => {
    expect(shuffle([], mulberry32(3))).toEqual([]);
    expect([...shuffle(Float64Array.of(2.5), mulberry32(3))]).toEqual([2.5]);
  });

  it('draws every position for the first element (a swap loop that skipped index 0 would not)', () => {
    const firsts = new Set<number>();
    for (let seed = 0; seed < 400; seed++) firsts.add(shuffle([0, 1, 2, 3], mulberry32(seed))[0]);
    expect([...firsts].sort()).toEqual([0, 1, 2, 3]);
  });
});
