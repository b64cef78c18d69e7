import type { Column, ColumnValues } from '../../data/column.js';
import type { DType } from '../../types/dtype.js';

/**
 * Key hashing and equality shared by hash join, group-by and distinct.
 *
 * Every key column is seen as plain numbers (`KeyColumn`): numeric, date and bool
 * values as stored, strings as codes in a code space where equal strings share one
 * code (also across the two sides of a join). Equality is then `sameKey` on numbers:
 * integers of different widths compare by value, -0 equals 0 and NaN equals NaN.
 */
export interface KeyColumn {
  readonly values: ColumnValues;
  readonly validity: Uint8Array | null;
}

/** murmur3's 32-bit finalizer: a cheap, well-mixing integer hash. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const NAN_HASH = mix32(0x7ff80000);
const NULL_HASH = 0x9e3779b9;

/** Depends on the value only, so int32 5, int64 5 and float 5.0 agree; -0 hashes as 0, every NaN alike. */
function hashNumber(v: number): number {
  const i = v | 0;
  if (i === v) return mix32(i);
  if (v !== v) return NAN_HASH;
  F64[0] = v;
  return mix32(U32[0] ^ mix32(U32[1]));
}

function sameKey(a: number, b: number): boolean {
  return a === b || (a !== a && b !== b);
}

/** Dtypes whose keys are integers, so a small value range can index an array directly. */
export function isIntegerKey(d: DType): boolean {
  return d !== 'float64' && d !== 'float32';
}

/** A value range small enough for a direct-indexed array instead of a hash table. */
export function isDense(range: number, rows: number): boolean {
  return range <= Math.min(Math.max(4 * rows, 4096), 1 << 26);
}

/** [min, max] of the non-null values; max < min when there are none. */
export function valueRange(k: KeyColumn, n: number): [number, number] {
  const v = k.values;
  const valid = k.validity;
  let i = 0;
  if (valid !== null) while (i < n && valid[i] === 0) i++;
  if (i === n) return [0, -1];
  // Starting from a value (not ±Infinity) keeps int32 keys in integer registers; the
  // common no-null case gets its own loop, as this pass precedes every dense build.
  let min = v[i];
  let max = min;
  if (valid === null) {
    for (; i < n; i++) {
      const x = v[i];
      if (x < min) min = x;
      if (x > max) max = x;
    }
  } else {
    for (; i < n; i++) {
      const x = v[i];
      if (valid[i] === 0) continue;
      if (x < min) min = x;
      if (x > max) max = x;
    }
  }
  return [min, max];
}

/**
 * Codes of a string column in the code space `codes` (string → code), adding the
 * strings it has not seen. The column itself is returned when its codes already are
 * the canonical ones (the usual case: a dictionary without duplicates), so the
 * probe side of a join or a group-by key is not copied.
 */
function stringKey(col: Column, codes: Map<string, number>): KeyColumn {
  const remap = dictionaryCodes(col.dictionary ?? [], codes);
  if (remap.every((c, i) => c === i)) return col;
  const src = col.values as Int32Array;
  const out = new Int32Array(col.length);
  // Codes under nulls may be anything: an out-of-range one reads undefined and stores 0.
  for (let i = 0; i < out.length; i++) out[i] = remap[src[i]];
  return { values: out, validity: col.validity };
}

/**
 * Per dictionary entry, its code in the code space `codes` (string → code), adding the
 * strings not seen yet: equal strings get one code even where a dictionary repeats them.
 */
export function dictionaryCodes(dict: readonly string[], codes: Map<string, number> = new Map()): Int32Array {
  const remap = new Int32Array(dict.length);
  for (let i = 0; i < dict.length; i++) {
    let c = codes.get(dict[i]);
    if (c === undefined) {
      c = codes.size;
      codes.set(dict[i], c);
    }
    remap[i] = c;
  }
  return remap;
}

/** The key columns of one input (group-by, distinct). */
export function keyColumns(cols: readonly Column[]): KeyColumn[] {
  return cols.map((c) => (c.dtype === 'string' ? stringKey(c, new Map()) : c));
}

/** The key columns of both join sides; right strings are mapped into the left's code space once per dictionary. */
export function joinKeyColumns(left: readonly Column[], right: readonly Column[]): [KeyColumn[], KeyColumn[]] {
  const l: KeyColumn[] = [];
  const r: KeyColumn[] = [];
  left.forEach((lc, k) => {
    const rc = right[k];
    if (lc.dtype !== 'string') {
      l.push(lc);
      r.push(rc);
      return;
    }
    const codes = new Map<string, number>();
    l.push(stringKey(lc, codes));
    r.push(stringKey(rc, codes));
  });
  return [l, r];
}

/** One combined hash per row; a null hashes to a constant so that nulls group together. */
export function hashRows(keys: readonly KeyColumn[], n: number): Uint32Array {
  const h = new Uint32Array(n);
  for (const k of keys) {
    const v = k.values;
    const valid = k.validity;
    for (let i = 0; i < n; i++) {
      const x = valid !== null && valid[i] === 0 ? NULL_HASH : hashNumber(v[i]);
      h[i] = Math.imul(h[i], 0x01000193) ^ x;
    }
  }
  return h;
}

export function hasNullKey(keys: readonly KeyColumn[], row: number): boolean {
  for (const k of keys) if (k.validity !== null && k.validity[row] === 0) return true;
  return false;
}

/** Whether row `i` of `a` and row `j` of `b` hold the same key; nulls equal each other (callers of joins drop them first). */
function rowsEqual(a: readonly KeyColumn[], i: number, b: readonly KeyColumn[], j: number): boolean {
  for (let k = 0; k < a.length; k++) {
    const av = a[k].validity;
    const bv = b[k].validity;
    const aNull = av !== null && av[i] === 0;
    const bNull = bv !== null && bv[j] === 0;
    if (aNull || bNull) {
      if (aNull !== bNull) return false;
    } else if (!sameKey(a[k].values[i], b[k].values[j])) return false;
  }
  return true;
}

function capacityFor(expected: number): number {
  let cap = 16;
  while (cap < 2 * expected) cap *= 2;
  return cap;
}

/**
 * Open addressing (linear probing, power-of-two size, load ≤ 1/2) from one number
 * to an id the caller chooses: the single-key path of join and group-by. Key and
 * id+1 (0 = empty slot) sit side by side so that a probe touches one cache line.
 */
export class NumberTable {
  private slots: Float64Array;
  private mask: number;
  private size = 0;

  constructor(expected: number) {
    const cap = capacityFor(expected);
    this.slots = new Float64Array(2 * cap);
    this.mask = cap - 1;
  }

  /** The id of `v`; when absent, `v` is inserted with `id` (so the result is `id`). */
  add(v: number, id: number): number {
    const { slots, mask } = this;
    let s = hashNumber(v) & mask;
    for (let got = slots[2 * s + 1]; got !== 0; got = slots[2 * s + 1]) {
      if (sameKey(slots[2 * s], v)) return got - 1;
      s = (s + 1) & mask;
    }
    slots[2 * s] = v;
    slots[2 * s + 1] = id + 1;
    if (++this.size * 4 > slots.length) this.grow();
    return id;
  }

  /** The id of `v`, or -1. */
  find(v: number): number {
    const { slots, mask } = this;
    let s = hashNumber(v) & mask;
    for (let got = slots[2 * s + 1]; got !== 0; got = slots[2 * s + 1]) {
      if (sameKey(slots[2 * s], v)) return got - 1;
      s = (s + 1) & mask;
    }
    return -1;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Float64Array(2 * old.length);
    this.mask = old.length - 1;
    this.size = 0;
    for (let s = 0; s < old.length; s += 2) if (old[s + 1] !== 0) this.add(old[s], old[s + 1] - 1);
  }
}

/**
 * Open addressing over multi-column keys: each slot keeps a representative row (for
 * the equality check) and its hash (to skip most checks and to rehash).
 */
export class KeyTable {
  private ids: Int32Array;
  private rows: Int32Array;
  private hashes: Uint32Array;
  private mask: number;
  private size = 0;

  /** `keys` and `rowHash` (from `hashRows`) describe the rows that will be added. */
  constructor(
    private readonly keys: readonly KeyColumn[],
    private readonly rowHash: Uint32Array,
    expected: number,
  ) {
    const cap = capacityFor(expected);
    this.ids = new Int32Array(cap).fill(-1);
    this.rows = new Int32Array(cap);
    this.hashes = new Uint32Array(cap);
    this.mask = cap - 1;
  }

  /** The id of row `row`'s key; when absent, it is inserted with `id`. */
  add(row: number, id: number): number {
    const h = this.rowHash[row];
    const { ids, rows, hashes, mask } = this;
    let s = h & mask;
    for (let got = ids[s]; got >= 0; got = ids[s]) {
      if (hashes[s] === h && rowsEqual(this.keys, rows[s], this.keys, row)) return got;
      s = (s + 1) & mask;
    }
    this.put(s, id, row, h);
    if (++this.size * 2 > ids.length) this.grow();
    return id;
  }

  /** The id of row `row` of `probe` (another input's key columns, hash `h`), or -1. */
  find(probe: readonly KeyColumn[], row: number, h: number): number {
    const { ids, rows, hashes, mask } = this;
    let s = h & mask;
    for (let got = ids[s]; got >= 0; got = ids[s]) {
      if (hashes[s] === h && rowsEqual(probe, row, this.keys, rows[s])) return got;
      s = (s + 1) & mask;
    }
    return -1;
  }

  private put(s: number, id: number, row: number, h: number): void {
    this.ids[s] = id;
    this.rows[s] = row;
    this.hashes[s] = h;
  }

  private grow(): void {
    const { ids, rows, hashes } = this;
    const cap = ids.length * 2;
    this.ids = new Int32Array(cap).fill(-1);
    this.rows = new Int32Array(cap);
    this.hashes = new Uint32Array(cap);
    this.mask = cap - 1;
    for (let s = 0; s < ids.length; s++) {
      if (ids[s] < 0) continue;
      let t = hashes[s] & this.mask;
      while (this.ids[t] >= 0) t = (t + 1) & this.mask;
      this.put(t, ids[s], rows[s], hashes[s]);
    }
  }
}
