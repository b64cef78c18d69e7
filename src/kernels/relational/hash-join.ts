import { type Column, composeIndices } from '../../data/column.js';
import type { Arena } from '../../data/buffer-pool.js';
import { allocInt32Array, allocUint8Array } from '../../data/column-memory.js';
import { checkArrayLength } from '../../data/limits.js';
import type { JoinKind } from '../../types/join.js';
import {
  type KeyColumn,
  KeyTable,
  NumberTable,
  hasNullKey,
  hashRows,
  isDense,
  isIntegerKey,
  joinKeyColumns,
  valueRange,
} from './hash.js';

/**
 * Equi-join: builds on the right keys, probes with the left ones.
 *
 * Build and probe first reduce to `match[i]`, the first right row whose key equals
 * left row i's (-1 when none), and `next[j]`, the following right row with row j's
 * key (-1 at the end): chains in right-row order. Output pairs then come in left-row
 * order and, within a left row, in right-row order; a right or full join then appends
 * the right rows no left row matched, in right-row order. SQL semantics: a key with a
 * null never matches (an anti join returns such left rows, as NOT EXISTS does, and outer
 * joins keep them unmatched).
 *
 * One integer key (int32/int64/date/bool, or strings as codes) whose build range fits
 * a direct array (`isDense`: up to 4 slots per build row) indexes that array by value
 * ("perfect hash"); other single keys use an open-addressing table of numbers; several
 * keys a table over combined row hashes with a per-column check. When no build key
 * repeats, `match` itself is the right output column. Before all that, inner and left
 * joins of non-negative int32 keys on unique right keys skip `match` altogether
 * (`directJoin`: the left key values index a table of right rows).
 */
export interface JoinMatches {
  /** Left row of each output row (-1: an unmatched right row of a right or full join). */
  readonly left: Int32Array;
  /** Right row of each output row (-1: an unmatched left row of a left or full join); null for semi and anti joins. */
  readonly right: Int32Array | null;
}

export function hashJoin(leftKeys: readonly Column[], rightKeys: readonly Column[], how: JoinKind): JoinMatches {
  const m = joinIndices(leftKeys, rightKeys, how);
  const right = m.rightByKey !== null ? composeIndices(m.rightByKey.table, m.rightByKey.keys) : m.right;
  return { left: m.left ?? identityIndices(m.length), right };
}

/**
 * `hashJoin` without the copies an executor can skip: `left` is null when the output
 * rows are the left rows themselves, in order (every left row matched exactly once, or
 * a left join on unique right keys), and `rightHasMissing` tells whether some output
 * row has no right row (so whether right columns get nulls from the join itself).
 *
 * For inner and left joins exactly one of `right` and `rightByKey` is set.
 * `rightByKey` is the primary-key/foreign-key fast path (`directJoin`): output row i's
 * right row is `table[keys[i]]` (-1: none), where `keys` is the left key column's own
 * values array, so the join writes nothing of the output's size.
 */
export interface JoinIndices {
  /** Output rows. */
  readonly length: number;
  /** Left row of each output row (-1: an unmatched right row of a right or full join); null for the identity 0..length-1. */
  readonly left: Int32Array | null;
  /** Right row of each output row (-1: an unmatched left row of a left or full join); null for semi and anti joins, and with `rightByKey`. */
  readonly right: Int32Array | null;
  /** Right rows as `table[keys[i]]`: `keys` are the left key values (all in [0, table.length)). */
  readonly rightByKey: { readonly keys: Int32Array; readonly table: Int32Array } | null;
  readonly rightHasMissing: boolean;
  /** Whether some output row has no left row (right and full joins). */
  readonly leftHasMissing: boolean;
}

export interface JoinOptions {
  /** Try the key-indexed path (unique, dense integer keys) before hashing; the physical planner decides. Default true. */
  readonly keyIndexed?: boolean;
  /**
   * Called with the output's row count once it is known and before anything of that size
   * is allocated (a join with repeated keys on both sides can have far more rows than
   * its inputs): the executor checks its memory budget there. Throw to stop the join.
   */
  readonly beforeOutput?: (rows: number) => void;
  /** The operator errors name (default 'join'). */
  readonly operator?: string;
  /** Where the index vectors come from (src/data/column-memory.ts): the executor's run, or the JS heap. */
  readonly arena?: Arena;
}

export function joinIndices(leftKeys: readonly Column[], rightKeys: readonly Column[], how: JoinKind, options: JoinOptions = {}): JoinIndices {
  if (leftKeys.length === 0 || leftKeys.length !== rightKeys.length) {
    throw new RangeError(`hashJoin: expected the same non-zero number of left and right keys, got ${leftKeys.length} and ${rightKeys.length}`);
  }
  const [lk, rk] = joinKeyColumns(leftKeys, rightKeys);
  const nl = leftKeys[0].length;
  const nr = rightKeys[0].length;
  const integer = lk.length === 1 && isIntegerKey(leftKeys[0].dtype) && isIntegerKey(rightKeys[0].dtype);
  const { arena } = options;
  if (integer && options.keyIndexed !== false && (how === 'inner' || how === 'left')) {
    const direct = directJoin(lk[0], rk[0], nl, nr, how, arena);
    if (direct !== null) return direct;
  }
  const { match, next } = probeChains(lk, rk, nl, nr, integer, arena);
  if (how === 'semi' || how === 'anti') {
    const left = filterRows(match, how === 'semi', arena);
    return { length: left.length, left: left.length === nl ? null : left, right: null, rightByKey: null, rightHasMissing: false, leftHasMissing: false };
  }
  const keepLeft = how === 'left' || how === 'full';
  const pairs = hasChains(next) ? expandChains(match, next, keepLeft, options) : pairUnique(match, keepLeft, arena);
  return how === 'right' || how === 'full' ? withUnmatchedRight(pairs, nr, options) : pairs;
}

/** Build chains and probe matches of the general join (`match`, and `next` over the right rows). */
export function probeChains(lk: readonly KeyColumn[], rk: readonly KeyColumn[], nl: number, nr: number, integer: boolean, arena?: Arena): { match: Int32Array; next: Int32Array } {
  const next = allocInt32Array(nr, arena).fill(-1);
  const match = allocInt32Array(nl, arena);
  if (lk.length > 1) probeComposite(lk, rk, nl, nr, next, match);
  else if (integer) probeInteger(lk[0], rk[0], nl, nr, next, match);
  else probeNumber(lk[0], rk[0], nl, nr, next, match);
  return { match, next };
}

/** `pairs` followed by one row (left -1) for each right row that no output row holds. */
function withUnmatchedRight(pairs: JoinIndices, nr: number, options: JoinOptions): JoinIndices {
  const right = pairs.right!;
  const matched = allocUint8Array(nr, options.arena);
  for (let k = 0; k < right.length; k++) if (right[k] >= 0) matched[right[k]] = 1;
  let unmatched = 0;
  for (let j = 0; j < nr; j++) unmatched += 1 - matched[j];
  if (unmatched === 0) return pairs;
  const total = pairs.length + unmatched;
  checkArrayLength(options.operator ?? 'join', `the output of an outer join with ${unmatched} unmatched right rows`, total, 4);
  const left = allocInt32Array(total, options.arena);
  if (pairs.left === null) for (let k = 0; k < pairs.length; k++) left[k] = k;
  else left.set(pairs.left);
  const outRight = allocInt32Array(total, options.arena);
  outRight.set(right);
  let k = pairs.length;
  for (let j = 0; j < nr; j++) {
    if (matched[j] === 1) continue;
    left[k] = -1;
    outRight[k++] = j;
  }
  return { length: total, left, right: outRight, rightByKey: null, rightHasMissing: pairs.rightHasMissing, leftHasMissing: true };
}

/**
 * The primary-key/foreign-key fast path: one integer key, left keys an int32 array
 * without nulls or negative values, unique right keys, and a value span no larger than
 * the left side (and `isDense`). A table from key value to right row then makes the
 * left key values themselves the output's right-row index (`rightByKey`): the join
 * costs a pass over the left keys (their range) plus a lookup pass only when some key
 * may miss, and writes nothing of the output's size. An inner join qualifies only when
 * every left row matches (the output rows are then the left rows). Null when it does
 * not apply: the general path takes over.
 */
function directJoin(l: KeyColumn, r: KeyColumn, nl: number, nr: number, how: 'inner' | 'left', arena: Arena | undefined): JoinIndices | null {
  const lv = l.values;
  if (!(lv instanceof Int32Array) || l.validity !== null || nl === 0 || nr === 0) return null;
  // The right side first (small, and it rules out repeated keys before the left pass).
  const [rmin, rmax] = valueRange(r, nr);
  if (rmax < 0 || rmax + 1 > nl || !isDense(rmax + 1, nr)) return null;
  let table = allocInt32Array(rmax + 1, arena).fill(-1);
  const rv = r.values;
  const rValid = r.validity;
  let keys = 0;
  for (let j = 0; j < nr; j++) {
    if (rValid !== null && rValid[j] === 0) continue;
    const v = rv[j];
    // A negative key never meets a left key here.
    if (v < 0) continue;
    if (table[v] >= 0) return null;
    table[v] = j;
    keys++;
  }
  let lmin = lv[0];
  let lmax = lmin;
  for (let i = 1; i < nl; i++) {
    const v = lv[i];
    if (v < lmin) lmin = v;
    if (v > lmax) lmax = v;
  }
  if (lmin < 0) return null;
  if (lmax > rmax) {
    // Left keys past the right ones: misses, which the table must still cover.
    if (lmax + 1 > nl || !isDense(lmax + 1, nr)) return null;
    const wider = allocInt32Array(lmax + 1, arena).fill(-1);
    wider.set(table);
    table = wider;
  }
  let missing = 0;
  // Right keys filling [rmin, rmax] and left keys inside it: every left key matches.
  if (!(lmin >= rmin && lmax <= rmax && keys === rmax - rmin + 1)) {
    for (let i = 0; i < nl; i++) missing += table[lv[i]] >>> 31;
    if (how === 'inner' && missing > 0) return null;
  }
  return { length: nl, left: null, right: null, rightByKey: { keys: lv, table }, rightHasMissing: missing > 0, leftHasMissing: false };
}

function identityIndices(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/** Whether some right key occurs more than once. */
export function hasChains(next: Int32Array): boolean {
  for (let j = 0; j < next.length; j++) if (next[j] >= 0) return true;
  return false;
}

/**
 * The build of a join on one integer key spanning [min, min + range): `first[v - min]`,
 * the first build row with value v (-1: none), and in `next` (filled with -1) each row's
 * successor with its value; rows with a null key are left out.
 */
export function chainsByValue(r: KeyColumn, nr: number, min: number, range: number, next: Int32Array, arena?: Arena): Int32Array {
  // Walking backwards, each row is prepended to its value's chain.
  const first = allocInt32Array(range, arena).fill(-1);
  const rv = r.values;
  const rValid = r.validity;
  for (let j = nr - 1; j >= 0; j--) {
    if (rValid !== null && rValid[j] === 0) continue;
    const d = rv[j] - min;
    next[j] = first[d];
    first[d] = j;
  }
  return first;
}

/** Fills `match` (one entry per left row) and `next`. */
function probeInteger(l: KeyColumn, r: KeyColumn, nl: number, nr: number, next: Int32Array, match: Int32Array): void {
  const [min, max] = valueRange(r, nr);
  const range = max - min + 1;
  if (!isDense(range, nr)) return probeNumber(l, r, nl, nr, next, match);
  const first = chainsByValue(r, nr, min, range, next);
  const lv = l.values;
  const lValid = l.validity;
  // The no-null loop is the hot one (a probe of every fact row): no validity test in it.
  if (lValid === null) {
    for (let i = 0; i < nl; i++) {
      const d = lv[i] - min;
      match[i] = d >= 0 && d < range ? first[d] : -1;
    }
  } else {
    for (let i = 0; i < nl; i++) {
      const d = lv[i] - min;
      match[i] = d >= 0 && d < range && lValid[i] === 1 ? first[d] : -1;
    }
  }
}

function probeNumber(l: KeyColumn, r: KeyColumn, nl: number, nr: number, next: Int32Array, match: Int32Array): void {
  // The table maps each key to its first right row; tail[first] is the chain's last row.
  const table = new NumberTable(nr);
  const tail = new Int32Array(nr);
  const rv = r.values;
  const rValid = r.validity;
  for (let j = 0; j < nr; j++) {
    if (rValid !== null && rValid[j] === 0) continue;
    const first = table.add(rv[j], j);
    if (first !== j) next[tail[first]] = j;
    tail[first] = j;
  }
  const lv = l.values;
  const lValid = l.validity;
  for (let i = 0; i < nl; i++) match[i] = lValid !== null && lValid[i] === 0 ? -1 : table.find(lv[i]);
}

function probeComposite(l: readonly KeyColumn[], r: readonly KeyColumn[], nl: number, nr: number, next: Int32Array, match: Int32Array): void {
  const table = new KeyTable(r, hashRows(r, nr), nr);
  const tail = new Int32Array(nr);
  for (let j = 0; j < nr; j++) {
    if (hasNullKey(r, j)) continue;
    const first = table.add(j, j);
    if (first !== j) next[tail[first]] = j;
    tail[first] = j;
  }
  const lHash = hashRows(l, nl);
  for (let i = 0; i < nl; i++) match[i] = hasNullKey(l, i) ? -1 : table.find(l, i, lHash[i]);
}

/** Left rows with (keep = true) or without a match. */
function filterRows(match: Int32Array, keep: boolean, arena: Arena | undefined): Int32Array {
  let count = 0;
  for (let i = 0; i < match.length; i++) if (match[i] >= 0 === keep) count++;
  const out = allocInt32Array(count, arena);
  let k = 0;
  for (let i = 0; i < match.length; i++) if (match[i] >= 0 === keep) out[k++] = i;
  return out;
}

/** Output when every key occurs at most once on the right: `match` itself is the right column. */
function pairUnique(match: Int32Array, keepUnmatched: boolean, arena: Arena | undefined): JoinIndices {
  const missing = countMissing(match);
  if (keepUnmatched || missing === 0) return { length: match.length, left: null, right: match, rightByKey: null, rightHasMissing: missing > 0, leftHasMissing: false };
  const matched = match.length - missing;
  const left = allocInt32Array(matched, arena);
  const right = allocInt32Array(matched, arena);
  let k = 0;
  for (let i = 0; i < match.length; i++) {
    if (match[i] < 0) continue;
    left[k] = i;
    right[k++] = match[i];
  }
  return { length: matched, left, right, rightByKey: null, rightHasMissing: false, leftHasMissing: false };
}

function countMissing(match: Int32Array): number {
  // match[i] >>> 31 is 1 for -1, 0 for a row: no branch in the loop.
  let missing = 0;
  for (let i = 0; i < match.length; i++) missing += match[i] >>> 31;
  return missing;
}

/**
 * Output with duplicate right keys: sized exactly from chain lengths, then filled. The
 * size is checked before the index vectors are allocated: against the longest typed
 * array (an AllocationLimitError; e.g. 200,000 × 200,000 rows of one key is 4·10^10
 * output rows), then by the caller's `beforeOutput` (the run's memory budget).
 */
function expandChains(match: Int32Array, next: Int32Array, keepUnmatched: boolean, options: JoinOptions): JoinIndices {
  // Chains run to higher rows, so walking backwards finds each successor's length ready.
  const chainLength = allocInt32Array(next.length, options.arena);
  for (let j = next.length - 1; j >= 0; j--) chainLength[j] = next[j] < 0 ? 1 : 1 + chainLength[next[j]];
  const unmatched = keepUnmatched ? 1 : 0;
  let total = 0;
  for (let i = 0; i < match.length; i++) total += match[i] < 0 ? unmatched : chainLength[match[i]];
  checkArrayLength(options.operator ?? 'join', `the output of ${match.length} left rows joined to ${next.length} right rows with repeated keys`, total, 4);
  options.beforeOutput?.(total);
  const left = allocInt32Array(total, options.arena);
  const right = allocInt32Array(total, options.arena);
  let k = 0;
  let missing = false;
  for (let i = 0; i < match.length; i++) {
    let j = match[i];
    if (j < 0) {
      if (keepUnmatched) {
        left[k] = i;
        right[k++] = -1;
        missing = true;
      }
      continue;
    }
    for (; j >= 0; j = next[j]) {
      left[k] = i;
      right[k++] = j;
    }
  }
  return { length: total, left, right, rightByKey: null, rightHasMissing: missing, leftHasMissing: false };
}
