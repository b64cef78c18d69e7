import type { Column } from '../../data/column.js';
import type { Arena } from '../../data/buffer-pool.js';
import { allocInt32Array, allocUint32Array } from '../../data/column-memory.js';
import { isIntegerKey, valueRange } from './hash.js';
import { compareCodePoints } from '../../data/strings.js';

/**
 * Stable multi-key sort as an LSD radix sort. Each key is encoded into one or two
 * uint32 words whose unsigned order is the wanted order (direction, null placement
 * and NaN included); the row permutation is then stably radix-sorted by every word,
 * least significant first (last key's low word ... first key's high word). No
 * comparator runs, so a sort costs a few linear passes per key word, and one
 * narrow-range key (ints, dates, bools, strings) is a single word, often one or two
 * passes. Order: strings by Unicode code point (`compareCodePoints`, as DuckDB, Arrow
 * and Python order them; JS `<` compares UTF-16 code units), NaN after every number
 * (as DuckDB), -0 equal to 0, nulls first or last as asked whatever the direction.
 */
export interface SortColumn {
  readonly column: Column;
  readonly descending: boolean;
  readonly nullsFirst: boolean;
}

/**
 * Row indices 0..length-1 in sorted order; rows with equal keys keep their input order.
 * Its arrays (order words, permutations) come from `arena` when the executor runs it.
 */
export function sortIndices(keys: readonly SortColumn[], length: number, arena?: Arena): Int32Array {
  const words = keys.flatMap((k) => encodeKey(k, length, arena)); // most significant first
  // Counts do not depend on the order, so all passes are known up front; a digit
  // equal on every row would leave the order unchanged and is skipped.
  const passes: { word: number; digit: number; counts: Int32Array }[] = [];
  for (let w = words.length - 1; w >= 0; w--) {
    const counts = digitCounts(words[w]);
    for (let d = 0; d < DIGITS; d++) {
      const c = counts.subarray(d * BUCKETS, (d + 1) * BUCKETS);
      if (length > 0 && c[(words[w][0] >>> (d * DIGIT_BITS)) & MASK] < length) passes.push({ word: w, digit: d, counts: c });
    }
  }
  // Buffers are recycled between passes; perm stays null while the order is the identity.
  let perm: Int32Array | null = null;
  let sparePerm: Int32Array | null = null;
  let spareCur: Uint32Array | null = null;
  let cur: Uint32Array = new Uint32Array(0);
  passes.forEach(({ word, digit, counts }, p) => {
    if (p === 0 || passes[p - 1].word !== word) {
      cur = words[word];
      if (perm !== null) {
        const into = spareCur ?? allocUint32Array(length, arena);
        for (let i = 0; i < length; i++) into[i] = cur[perm[i]];
        spareCur = cur;
        cur = into;
      }
    }
    // The word's values in the new order are only needed by a further pass on it.
    const outCur = passes[p + 1]?.word === word ? (spareCur ?? allocUint32Array(length, arena)) : null;
    const outPerm = sparePerm ?? allocInt32Array(length, arena);
    scatter(cur, perm, outCur, outPerm, digit * DIGIT_BITS, counts);
    sparePerm = perm;
    perm = outPerm;
    if (outCur !== null) {
      spareCur = cur;
      cur = outCur;
    }
  });
  if (perm !== null) return perm;
  const identity = allocInt32Array(length, arena);
  for (let i = 0; i < length; i++) identity[i] = i;
  return identity;
}

/** Digits of 11 bits: 3 counting-sort passes per 32-bit word, 2048 buckets (fit in L1). */
const DIGIT_BITS = 11;
const DIGITS = 3;
const BUCKETS = 1 << DIGIT_BITS;
const MASK = BUCKETS - 1;

/** Bucket counts of all three digits of every word, in one read. */
function digitCounts(cur: Uint32Array): Int32Array {
  const counts = new Int32Array(DIGITS * BUCKETS);
  for (let i = 0; i < cur.length; i++) {
    const x = cur[i];
    counts[x & MASK]++;
    counts[BUCKETS + ((x >>> DIGIT_BITS) & MASK)]++;
    counts[2 * BUCKETS + (x >>> (2 * DIGIT_BITS))]++;
  }
  return counts;
}

/**
 * One stable counting-sort pass by the digit at `shift`: rows in order `perm` (null:
 * the identity) with words `cur` go to `outPerm` (and their words to `outCur`).
 */
function scatter(cur: Uint32Array, perm: Int32Array | null, outCur: Uint32Array | null, outPerm: Int32Array, shift: number, counts: Int32Array): void {
  const offsets = new Int32Array(BUCKETS);
  for (let b = 1; b < BUCKETS; b++) offsets[b] = offsets[b - 1] + counts[b - 1];
  for (let i = 0; i < cur.length; i++) {
    const x = cur[i];
    const at = offsets[(x >>> shift) & MASK]++;
    if (outCur !== null) outCur[at] = x;
    outPerm[at] = perm === null ? i : perm[i];
  }
}

/** The key's order words, most significant first. */
function encodeKey(key: SortColumn, n: number, arena: Arena | undefined): Uint32Array[] {
  const col = key.column;
  const v = col.dtype === 'string' ? rankCodes(col, n, arena) : col.values;
  const k = { values: v, validity: col.validity };
  if (isIntegerKey(col.dtype)) {
    const [min, max] = valueRange(k, n);
    // Values take 1..range (offset by one when nulls come first); nulls 0 or range+1.
    if (max - min + 2 <= 0xffffffff) return [encodeInteger(v, col.validity, n, min, max, key, arena)];
  }
  return encodeFloat(v, col.validity, n, key, arena);
}

function encodeInteger(v: ArrayLike<number>, valid: Uint8Array | null, n: number, min: number, max: number, key: SortColumn, arena: Arena | undefined): Uint32Array {
  const out = allocUint32Array(n, arena);
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
function encodeFloat(v: ArrayLike<number>, valid: Uint8Array | null, n: number, key: SortColumn, arena: Arena | undefined): Uint32Array[] {
  const f64 = v instanceof Float64Array ? v : Float64Array.from(v);
  const bits = new Uint32Array(f64.buffer, f64.byteOffset, 2 * n); // little-endian: low word first
  const hi = allocUint32Array(n, arena);
  const lo = allocUint32Array(n, arena);
  const flip = key.descending ? 0xffffffff : 0;
  const nullWord = key.nullsFirst ? 0 : 0xffffffff;
  for (let i = 0; i < n; i++) {
    if (valid !== null && valid[i] === 0) {
      hi[i] = lo[i] = nullWord;
      continue;
    }
    let h = bits[2 * i + 1];
    let l = bits[2 * i];
    if ((h & 0x7ff00000) === 0x7ff00000 && ((h & 0xfffff) | l) !== 0) {
      h = 0xfff80000;
      l = 0;
    } else if (h & 0x80000000 && (h !== 0x80000000 || l !== 0)) {
      // Negative (-0 takes the other branch and becomes +0).
      h = ~h;
      l = ~l;
    } else h |= 0x80000000;
    hi[i] = h ^ flip;
    lo[i] = l ^ flip;
  }
  return [hi, lo];
}

/** Each code's rank in the dictionary sorted by code point (`compareCodePoints`); equal strings share a rank. */
export function dictionaryRanks(dictionary: readonly string[]): Int32Array {
  const order = Array.from(dictionary.keys()).sort((a, b) => compareCodePoints(dictionary[a], dictionary[b]));
  const rank = new Int32Array(dictionary.length);
  for (let i = 1; i < order.length; i++) {
    rank[order[i]] = dictionary[order[i]] === dictionary[order[i - 1]] ? rank[order[i - 1]] : i;
  }
  return rank;
}

/** A string column's codes replaced by ranks (codes under nulls become 0). */
function rankCodes(col: Column, n: number, arena: Arena | undefined): Int32Array {
  const rank = dictionaryRanks(col.dictionary ?? []);
  const codes = col.values;
  const out = allocInt32Array(n, arena);
  for (let i = 0; i < n; i++) out[i] = rank[codes[i]];
  return out;
}
