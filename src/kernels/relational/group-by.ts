import { type Column, gatherColumn, makeColumn } from '../../data/column.js';
import { OverflowError } from '../../errors.js';
import { isInteger } from '../../types/dtype.js';
import { INT64_EXACT_LIMIT, bigintWithinInt64 } from '../../types/int64.js';
import { type KeyColumn, KeyTable, NumberTable, hashRows, isDense, isIntegerKey, keyColumns, valueRange } from './hash.js';
import { dictionaryRanks } from './sort.js';

/**
 * Group-by: dense group ids, then aggregates over (groupIds, groupCount, values).
 *
 * Aggregates follow src/plan/aggregate.ts: nulls are skipped; sum of integers is int64
 * (a Float64Array), of floats float64; mean is float64; min/max keep the input dtype
 * (and dictionary); sum, mean, min and max of a group without a non-null value are
 * null, counts are 0. Sums of floats use plain float64 summation (no Kahan), with the
 * usual rounding. Sums of integers are exact or an error, never rounded: int64 holds
 * integers within ±2^53 (what a float64 holds exactly), and a group whose exact sum
 * is beyond that raises an OverflowError naming the aggregate, as DuckDB raises on an
 * integer overflow (DuckDB sums BIGINT into HUGEINT, whose range Tessera has no type
 * for). A running sum that leaves the range on the way but ends within it (2^53, 1,
 * -1) is recomputed exactly, so the result never depends on the order of the rows.
 * Means are float64 and round as float sums do. The kernels expect groupIds from
 * `groupRows`, where every group has a row (but for the no-key group over no rows).
 */
export interface GroupedRows {
  /** Group of each row, 0..groupCount-1 in order of first appearance. */
  readonly groupIds: Int32Array;
  readonly groupCount: number;
  /** A row of each group (its first), to gather the key values; -1 for the empty no-key group. */
  readonly firstRow: Int32Array;
}

/**
 * Groups rows by their key; nulls form their own group (SQL GROUP BY). With no key
 * columns every row is in group 0 and there is one group even with 0 rows, so that an
 * aggregate without GROUP BY over nothing gives one row (count 0, null sum).
 */
export function groupRows(keys: readonly Column[], length = keys[0]?.length ?? 0): GroupedRows {
  if (keys.length === 0) return { groupIds: new Int32Array(length), groupCount: 1, firstRow: Int32Array.of(length > 0 ? 0 : -1) };
  const cols = keyColumns(keys);
  if (cols.length > 1) return groupByHash(cols, length);
  const key = cols[0];
  if (isIntegerKey(keys[0].dtype)) {
    const [min, max] = valueRange(key, length);
    if (isDense(max - min + 1, length)) return groupDense(key, length, min, max - min + 1);
  }
  return groupByNumber(key, length);
}

/** One integer key of a small range: a direct array from value to group, nulls in an extra last slot. */
function groupDense(key: KeyColumn, n: number, min: number, range: number): GroupedRows {
  const v = key.values;
  const valid = key.validity;
  const groupOf = new Int32Array(range + 1).fill(-1);
  const groupIds = new Int32Array(n);
  const firstRow = new Int32Array(Math.min(n, range + 1));
  let g = 0;
  // Two copies of the loop: without the null test the common case runs ~15% faster.
  if (valid === null) {
    for (let i = 0; i < n; i++) {
      const d = v[i] - min;
      let id = groupOf[d];
      if (id < 0) {
        id = groupOf[d] = g;
        firstRow[g++] = i;
      }
      groupIds[i] = id;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const d = valid[i] === 1 ? v[i] - min : range;
      let id = groupOf[d];
      if (id < 0) {
        id = groupOf[d] = g;
        firstRow[g++] = i;
      }
      groupIds[i] = id;
    }
  }
  return { groupIds, groupCount: g, firstRow: firstRow.slice(0, g) };
}

function groupByNumber(key: KeyColumn, n: number): GroupedRows {
  const v = key.values;
  const valid = key.validity;
  const table = new NumberTable(Math.min(n, 1024));
  const groupIds = new Int32Array(n);
  const firstRow = new Int32Array(n);
  let nullGroup = -1;
  let g = 0;
  for (let i = 0; i < n; i++) {
    let id: number;
    if (valid !== null && valid[i] === 0) {
      if (nullGroup < 0) {
        nullGroup = g;
        firstRow[g++] = i;
      }
      id = nullGroup;
    } else {
      id = table.add(v[i], g);
      if (id === g) firstRow[g++] = i;
    }
    groupIds[i] = id;
  }
  return { groupIds, groupCount: g, firstRow: firstRow.slice(0, g) };
}

function groupByHash(keys: readonly KeyColumn[], n: number): GroupedRows {
  const table = new KeyTable(keys, hashRows(keys, n), Math.min(n, 1024));
  const groupIds = new Int32Array(n);
  const firstRow = new Int32Array(n);
  let g = 0;
  for (let i = 0; i < n; i++) {
    const id = table.add(i, g);
    if (id === g) firstRow[g++] = i;
    groupIds[i] = id;
  }
  return { groupIds, groupCount: g, firstRow: firstRow.slice(0, g) };
}

/**
 * Validity of sums and means: null where a group has no non-null value. Without nulls
 * in the input this needs no pass over the rows, given the groupRows contract that
 * every group has a row (the no-key group over zero rows being the one exception).
 */
function resultValidity(groupIds: Int32Array, groupCount: number, valid: Uint8Array | null): Uint8Array | null {
  if (valid === null) return groupIds.length > 0 ? null : new Uint8Array(groupCount);
  const seen = new Uint8Array(groupCount);
  for (let i = 0; i < groupIds.length; i++) if (valid[i] === 1) seen[groupIds[i]] = 1;
  return seen.includes(0) ? seen : null;
}

/** count(*): rows per group. */
export function countRowsByGroup(groupIds: Int32Array, groupCount: number): Column {
  const counts = new Float64Array(groupCount);
  for (let i = 0; i < groupIds.length; i++) counts[groupIds[i]]++;
  return makeColumn('int64', counts);
}

/** count(x): non-null values per group. */
export function countByGroup(groupIds: Int32Array, groupCount: number, col: Column): Column {
  const valid = col.validity;
  if (valid === null) return countRowsByGroup(groupIds, groupCount);
  const counts = new Float64Array(groupCount);
  for (let i = 0; i < groupIds.length; i++) counts[groupIds[i]] += valid[i];
  return makeColumn('int64', counts);
}

/** Per-group sums of the non-null values (plain float64 summation). */
function groupSums(groupIds: Int32Array, groupCount: number, col: Column): Float64Array {
  const sums = new Float64Array(groupCount);
  const v = col.values;
  const valid = col.validity;
  const n = groupIds.length;
  if (valid === null) for (let i = 0; i < n; i++) sums[groupIds[i]] += v[i];
  else for (let i = 0; i < n; i++) if (valid[i] === 1) sums[groupIds[i]] += v[i];
  return sums;
}

/**
 * Per-group sums of an integer column, exact: float64 sums while every running sum
 * stays strictly within ±2^53 (where float64 addition of integers is exact), else an
 * exact BigInt pass; a group whose exact sum is beyond ±2^53 raises OverflowError.
 */
function integerGroupSums(groupIds: Int32Array, groupCount: number, col: Column, label: string): Float64Array {
  const sums = new Float64Array(groupCount);
  const v = col.values;
  const valid = col.validity;
  const n = groupIds.length;
  let inRange = true;
  if (valid === null) {
    for (let i = 0; i < n; i++) {
      const s = (sums[groupIds[i]] += v[i]);
      if (!(s < INT64_EXACT_LIMIT && s > -INT64_EXACT_LIMIT)) inRange = false;
    }
  } else {
    for (let i = 0; i < n; i++) {
      if (valid[i] === 0) continue;
      const s = (sums[groupIds[i]] += v[i]);
      if (!(s < INT64_EXACT_LIMIT && s > -INT64_EXACT_LIMIT)) inRange = false;
    }
  }
  if (inRange) return sums;
  const exact = new Array<bigint>(groupCount).fill(0n);
  for (let i = 0; i < n; i++) if (valid === null || valid[i] === 1) exact[groupIds[i]] += BigInt(v[i]);
  for (let g = 0; g < groupCount; g++) {
    const s = exact[g];
    if (!bigintWithinInt64(s)) {
      throw new OverflowError('sum', label, `integer overflow: the exact sum${groupCount > 1 ? ` of group ${g + 1} (in order of first appearance)` : ''} is ${s}, beyond ±2^53, the exact range of int64; cast the argument to float64 for a rounded sum`);
    }
    sums[g] = Number(s);
  }
  return sums;
}

/** Sums per group: int64 for integer columns (exact, or an OverflowError naming `label`), float64 for floats. */
export function sumByGroup(groupIds: Int32Array, groupCount: number, col: Column, label = 'sum'): Column {
  const integer = isInteger(col.dtype);
  const sums = integer ? integerGroupSums(groupIds, groupCount, col, label) : groupSums(groupIds, groupCount, col);
  return makeColumn(integer ? 'int64' : 'float64', sums, resultValidity(groupIds, groupCount, col.validity));
}

export function meanByGroup(groupIds: Int32Array, groupCount: number, col: Column): Column {
  const means = groupSums(groupIds, groupCount, col);
  const counts = countByGroup(groupIds, groupCount, col).values;
  const seen = new Uint8Array(groupCount);
  for (let g = 0; g < groupCount; g++) {
    if (counts[g] > 0) {
      means[g] /= counts[g];
      seen[g] = 1;
    }
  }
  return makeColumn('float64', means, seen.includes(0) ? seen : null);
}

/**
 * The row holding each group's min (or max), -1 for a group without values; the
 * result gathers those rows, which keeps the dtype and a string's dictionary. Strings
 * compare by rank in their dictionary sorted by code point. NaN is the largest float (as DuckDB):
 * max is NaN when a group has one, min only when all its values are NaN.
 */
function extremeRows(groupIds: Int32Array, groupCount: number, col: Column, isMax: boolean): Int32Array {
  const best = new Int32Array(groupCount).fill(-1);
  // Running extreme per group. Max starts at -Infinity and always takes a group's first
  // value (best < 0); min starts at NaN, which any value replaces (a !== a), while a
  // NaN value never replaces a number (x < a fails).
  const acc = new Float64Array(groupCount).fill(isMax ? -Infinity : NaN);
  const v = col.values;
  const rank = col.dtype === 'string' ? dictionaryRanks(col.dictionary ?? []) : null;
  const valid = col.validity;
  for (let i = 0; i < groupIds.length; i++) {
    if (valid !== null && valid[i] === 0) continue;
    const x = rank !== null ? rank[v[i]] : v[i];
    const g = groupIds[i];
    const a = acc[g];
    const wins = isMax ? x > a || (x !== x && a === a) || best[g] < 0 : x < a || a !== a;
    if (wins) {
      acc[g] = x;
      best[g] = i;
    }
  }
  return best;
}

export function minByGroup(groupIds: Int32Array, groupCount: number, col: Column): Column {
  return gatherColumn(col, extremeRows(groupIds, groupCount, col, false));
}

export function maxByGroup(groupIds: Int32Array, groupCount: number, col: Column): Column {
  return gatherColumn(col, extremeRows(groupIds, groupCount, col, true));
}

/** count(DISTINCT x): distinct non-null values per group (-0 = 0, NaN = NaN, strings by value). */
export function countDistinctByGroup(groupIds: Int32Array, groupCount: number, col: Column): Column {
  const pairs = groupRows([makeColumn('int32', groupIds), col], groupIds.length);
  const counts = new Float64Array(groupCount);
  const valid = col.validity;
  for (let p = 0; p < pairs.groupCount; p++) {
    const row = pairs.firstRow[p];
    if (valid === null || valid[row] === 1) counts[groupIds[row]]++;
  }
  return makeColumn('int64', counts);
}
