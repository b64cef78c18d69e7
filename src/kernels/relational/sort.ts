import type { Column } from '../../data/column.js';
import { isIntegerKey, valueRange } from './hash.js';

/**
 * Stable multi-key sort as an LSD radix sort. Each key is encoded into one or two
 * uint32 words whose unsigned order is the wanted order (direction, null placement
 * and NaN included); the row permutation is then stably radix-sorted by every word,
 * least significant first (last key's low word ... first key's high word). No
 * comparator runs, so a sort costs a few linear passes per key word, and one
 * narrow-range key (ints, dates, bools, strings) is a single word, often one or two
 * passes. Order: strings by JS string order (code units), NaN after every number
 * (as DuckDB), -0 equal to 0, nulls first or last as asked whatever the direction.
 */
export interface SortColumn {
  readonly column: Column;
  readonly descending: boolean;
  readonly nullsFirst: boolean;
}

/** Row indices 0..length-1 in sorted order; rows with equal keys keep their input order. */
export function sortIndices(keys: readonly SortColumn[], length: number): Int32Array {
  let perm = new Int32Array(length);
  for (let i = 0; i < length; i++) perm[i] = i;
  let cur = new Uint32Array(length);
  let nextPerm = new Int32Array(length);
  let nextCur = new Uint32Array(length);
  for (let k = keys.length - 1; k >= 0; k--) {
    const words = encodeKey(keys[k], length);
    for (let w = words.length - 1; w >= 0; w--) {
      const word = words[w];
      for (let i = 0; i < length; i++) cur[i] = word[perm[i]];
      for (const shift of DIGIT_SHIFTS) {
        if (!radixPass(cur, perm, nextCur, nextPerm, shift)) continue;
        [cur, nextCur] = [nextCur, cur];
        [perm, nextPerm] = [nextPerm, perm];
      }
    }
  }
  return perm;
}

const DIGIT_BITS = 11;
const DIGIT_SHIFTS = [0, 11, 22];
const BUCKETS = 1 << DIGIT_BITS;
const counts = new Int32Array(BUCKETS);

/**
 * One stable counting-sort pass by the digit at `shift`, from (cur, perm) into
 * (outCur, outPerm); false (nothing written) when every row has the same digit.
 */
function radixPass(cur: Uint32Array, perm: Int32Array, outCur: Uint32Array, outPerm: Int32Array, shift: number): boolean {
  const n = cur.length;
  const mask = BUCKETS - 1;
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[(cur[i] >>> shift) & mask]++;
  if (n === 0 || counts[(cur[0] >>> shift) & mask] === n) return false;
  let sum = 0;
  for (let b = 0; b < BUCKETS; b++) {
    const c = counts[b];
    counts[b] = sum;
    sum += c;
  }
  for (let i = 0; i < n; i++) {
    const x = cur[i];
    const at = counts[(x >>> shift) & mask]++;
    outCur[at] = x;
    outPerm[at] = perm[i];
  }
  return true;
}

/** The key's order words, most significant first. */
function encodeKey(key: SortColumn, n: number): Uint32Array[] {
  const col = key.column;
  const v = col.dtype === 'string' ? rankCodes(col, n) : col.values;
  const k = { values: v, validity: col.validity };
  if (isIntegerKey(col.dtype)) {
    const [min, max] = valueRange(k, n);
    // Values take 1..range (offset by one when nulls come first); nulls 0 or range+1.
    if (max - min + 2 <= 0xffffffff) return [encodeInteger(v, col.validity, n, min, max, key)];
  }
  return encodeFloat(v, col.validity, n, key);
}

function encodeInteger(v: ArrayLike<number>, valid: Uint8Array | null, n: number, min: number, max: number, key: SortColumn): Uint32Array {
  const out = new Uint32Array(n);
  const nullWord = key.nullsFirst ? 0 : max - min + 2;
  const base = key.descending ? max + 1 : min - 1;
  const sign = key.descending ? -1 : 1;
  for (let i = 0; i < n; i++) out[i] = valid !== null && valid[i] === 0 ? nullWord : sign * (v[i] - base);
  return out;
}

/**
 * IEEE-754 bits made order-preserving as unsigned (flip all bits of negatives, the
 * sign bit of positives), NaN canonical (above +Infinity), -0 as 0, complemented when
 * descending. The all-zero and all-one words are never a value, so they hold nulls.
 */
function encodeFloat(v: ArrayLike<number>, valid: Uint8Array | null, n: number, key: SortColumn): Uint32Array[] {
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  const f64 = new Float64Array(1);
  const u32 = new Uint32Array(f64.buffer);
  const flip = key.descending ? 0xffffffff : 0;
  const nullWord = key.nullsFirst ? 0 : 0xffffffff;
  for (let i = 0; i < n; i++) {
    if (valid !== null && valid[i] === 0) {
      hi[i] = lo[i] = nullWord;
      continue;
    }
    const x = v[i];
    let h: number;
    let l: number;
    if (x !== x) {
      h = 0xfff80000;
      l = 0;
    } else {
      f64[0] = x + 0; // -0 + 0 is +0
      h = u32[1];
      l = u32[0];
      if (h & 0x80000000) {
        h = ~h;
        l = ~l;
      } else h |= 0x80000000;
    }
    hi[i] = h ^ flip;
    lo[i] = l ^ flip;
  }
  return [hi, lo];
}

/** Each code's rank in the dictionary sorted by JS string order; equal strings share a rank. */
export function dictionaryRanks(dictionary: readonly string[]): Int32Array {
  const order = Array.from(dictionary.keys()).sort((a, b) => (dictionary[a] < dictionary[b] ? -1 : dictionary[a] > dictionary[b] ? 1 : 0));
  const rank = new Int32Array(dictionary.length);
  for (let i = 1; i < order.length; i++) {
    rank[order[i]] = dictionary[order[i]] === dictionary[order[i - 1]] ? rank[order[i - 1]] : i;
  }
  return rank;
}

/** A string column's codes replaced by ranks (codes under nulls become 0). */
function rankCodes(col: Column, n: number): Int32Array {
  const rank = dictionaryRanks(col.dictionary ?? []);
  const codes = col.values;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = rank[codes[i]];
  return out;
}
