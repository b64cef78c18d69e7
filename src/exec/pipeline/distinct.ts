import { type Column, makeColumn } from '../../data/column.js';
import type { BoundColumn, LoopBuilder } from '../fused-loop.js';
import { type KeyPart, keyPart, slotLimit } from './grouping.js';

/**
 * count(DISTINCT x) in a pipeline's loop, for an argument x of a small value domain.
 * x's value gets an id as a group key would (grouping.ts: the rows of a small table
 * grouped once, a string's dictionary codes, an integer's value range), and every
 * group slot has a bitmap over those ids in each morsel's partials. The loop sets the
 * row's bit; morsels merge by OR (morsels.ts); the count is the number of bits set,
 * less the bit of null: nulls (and the missing rows of a left join) are not counted,
 * as in the column-at-a-time path (countDistinctByGroup) and DuckDB.
 *
 * Bitmaps are bounded: a domain whose bitmaps over all slots pass
 * DISTINCT_BITMAP_BYTES per morsel (or that has no small id: floats, strings of a huge
 * dictionary, integers of a wide range) makes the pipeline run its operators one at a
 * time, and explain analyze says why.
 */

/**
 * Bytes one morsel's count-distinct bitmaps may take: with the 64 MiB all morsels'
 * partials may take (PARTIALS_BUDGET, morsels.ts), at least 16 morsels share the rows.
 */
export const DISTINCT_BITMAP_BYTES = 4 << 20;

export interface DistinctBitmaps {
  /** Int32 words of bitmap per group slot, over all count-distinct arguments. */
  readonly words: number;
  /** Sink code setting the row's bits (`g`: the row's slot; `distinct`: the morsel's bitmaps). */
  readonly updates: readonly string[];
  /** count(DISTINCT) of the k-th argument for the slots `order`, from merged bitmaps. */
  counts(k: number, bits: Int32Array, order: Int32Array): Column;
}

/**
 * Bitmaps for count(DISTINCT arg) of each of `args` over `slots` group slots, or the
 * reason the loop cannot count them. The ids' row code goes to `gen`'s pending row code.
 */
export function distinctBitmaps(args: readonly BoundColumn[], slots: number, rows: number, gen: LoopBuilder): DistinctBitmaps | string {
  const limit = Math.min(slotLimit(rows), Math.floor((DISTINCT_BITMAP_BYTES * 8) / slots));
  const parts: KeyPart[] = [];
  const offsets: number[] = [];
  let words = 0;
  for (const arg of args) {
    const part = keyPart(arg, limit, gen);
    if (part === null) return `count distinct of a domain too large (over ${limit} values at ${slots} group slot${slots === 1 ? '' : 's'})`;
    parts.push(part);
    offsets.push(words);
    words += Math.ceil(part.domain / 32);
  }
  const bytes = slots * words * 4;
  if (bytes > DISTINCT_BITMAP_BYTES) return `count distinct of a domain too large (bitmaps of ${(bytes / 2 ** 20).toFixed(1)} MiB per morsel, over ${DISTINCT_BITMAP_BYTES >> 20} MiB)`;
  // Sizes and offsets are inputs, not text: one compiled loop serves every domain size.
  const stride = parts.length === 0 ? '0' : gen.input(words);
  const updates = parts.map((p, k) => {
    const id = gen.temp(p.id);
    return `distinct[g * ${stride} + ${gen.input(offsets[k])} + (${id} >>> 5)] |= 1 << (${id} & 31);`;
  });
  return {
    words,
    updates,
    counts: (k, bits, order) => {
      const { domain, nullId } = parts[k];
      const from = offsets[k];
      const to = from + Math.ceil(domain / 32);
      // The bit nulls set, when the argument can be null (its id is then within the domain).
      const nullWord = nullId < domain ? from + (nullId >>> 5) : -1;
      const nullBit = 1 << (nullId & 31);
      const out = new Float64Array(order.length);
      for (let j = 0; j < order.length; j++) {
        const base = order[j] * words;
        let count = 0;
        for (let w = base + from; w < base + to; w++) count += bitCount(bits[w]);
        if (nullWord >= 0 && (bits[base + nullWord] & nullBit) !== 0) count--;
        out[j] = count;
      }
      return makeColumn('int64', out);
    },
  };
}

/** Bits set in a 32-bit word (SWAR popcount). */
function bitCount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** ORs a later morsel's bitmaps of the slots it used (`first[g] >= 0`) into `into`. */
export function mergeBitmaps(into: Int32Array, from: Int32Array, first: ArrayLike<number>, words: number): void {
  if (words === 0) return;
  for (let g = 0; g < first.length; g++) {
    if (first[g] < 0) continue;
    for (let w = g * words, end = w + words; w < end; w++) into[w] |= from[w];
  }
}
