import { type Column, pendingGather } from '../../data/column.js';
import { dictionaryCodes, valueRange } from '../../kernels/relational/hash.js';
import { groupRows } from '../../kernels/relational/index.js';
import type { BoundColumn, LoopBuilder } from '../fused-loop.js';

/**
 * Group slots of a pipeline's aggregate, computed in the loop without hashing: each
 * key gives the row an id within a small domain, and the slot is Σ id_k · stride_k
 * (region × category: 8 · 25 slots). A key's id comes from
 * - an integer column spanning a small range of values (`value - min`);
 * - the rows of a small table (a join's build side, or any column no longer than the
 *   slot limit): the table's column is grouped once, the loop reads `ids[row]`;
 * - a string column's dictionary codes (one id per distinct string);
 * - an integer column of a larger range, below the slot limit (`value - min`).
 * Nulls (and the missing rows of an outer join) get an id of their own. Every key
 * also names the table row it was read from, so that the output's key values are
 * gathered from the first row of each group. Null when a key's domain, or their
 * product, is beyond the slot limit: the pipeline does not apply.
 */
export interface PipelineGrouping {
  readonly slots: number;
  /** Code of the row's slot (an expression). */
  readonly slot: string;
  /** Per key: code of the row of `data` the key was read from (-1: null from a missing row; `{i}`: the loop's row). */
  readonly keyRows: readonly string[];
  /** Per key: the column the key values are gathered from. */
  readonly keyData: readonly Column[];
}

/** A column's value as an id in a small domain (a group key's part of the slot; count distinct's bit, distinct.ts). */
export interface KeyPart {
  /** Code of the row's id, in 0 .. domain - 1. */
  readonly id: string;
  readonly domain: number;
  /** The id of null (and of an outer join's missing row); `domain` or more when the column is never null. */
  readonly nullId: number;
  readonly row: string;
  readonly data: Column;
}

export const MAX_PIPELINE_SLOTS = 1 << 20;

/** The largest domain a pipeline over `rows` source rows gives ids in (group slots, count-distinct bits). */
export function slotLimit(rows: number): number {
  return Math.min(Math.max(4096, rows >> 2), MAX_PIPELINE_SLOTS);
}

export function slotGrouping(keys: readonly BoundColumn[], rows: number, gen: LoopBuilder): PipelineGrouping | null {
  const limit = slotLimit(rows);
  const parts: KeyPart[] = [];
  let slots = 1;
  for (const key of keys) {
    const part = keyPart(key, limit, gen);
    if (part === null) return null;
    slots *= part.domain;
    if (slots > limit) return null;
    parts.push(part);
  }
  let stride = slots;
  const terms = parts.map((p) => {
    stride /= p.domain;
    return stride === 1 ? `(${p.id})` : `(${p.id}) * ${gen.input(stride)}`;
  });
  return { slots, slot: terms.length === 0 ? '0' : terms.join(' + '), keyRows: parts.map((p) => p.row), keyData: parts.map((p) => p.data) };
}

/** `key`'s id in a domain of at most `limit` values, or null where it has none (grouping.ts's doc says how). */
export function keyPart(key: BoundColumn, limit: number, gen: LoopBuilder): KeyPart | null {
  const lazy = pendingGather(key.column);
  const data = lazy === null ? key.column : lazy.source;
  const at = key.row ?? '{i}';
  const row = lazy === null ? at : gen.indexVar(lazy.indices, at, key.mayMiss);
  const missing = lazy === null ? key.mayMiss : lazy.hasMissing || key.mayMiss;
  const valid = data.validity === null ? null : gen.input(data.validity);
  // Code of `id` for a present, valid row, and `nullId` otherwise.
  const choose = (id: string, nullId: number) => {
    const conditions = [...(missing ? [`${row} >= 0`] : []), ...(valid === null ? [] : [`${valid}[${row}] === 1`])];
    return conditions.length === 0 ? id : `${conditions.join(' && ')} ? ${id} : ${gen.input(nullId)}`;
  };
  const nullable = missing || valid !== null;
  const integer = data.dtype === 'int32' || data.dtype === 'int64' || data.dtype === 'date' || data.dtype === 'bool';
  const [min, max] = integer ? valueRange(data, data.length) : [0, Infinity];
  // An id `value - min` (an integer key spanning `range` values).
  const range = Math.max(max - min + 1, 1);
  const valueId = (): KeyPart => ({ id: choose(`${gen.input(data.values)}[${row}] - ${gen.input(min)}`, range), domain: range + (nullable ? 1 : 0), nullId: range, row, data });
  if (range <= SMALL_RANGE) return valueId();
  if (data.length <= limit) {
    // A small table (a dimension): its rows grouped once.
    const groups = groupRows([data], data.length);
    let nullId = groups.groupCount;
    if (data.validity !== null) {
      const first = data.validity.indexOf(0);
      if (first >= 0) nullId = groups.groupIds[first];
    }
    const domain = Math.max(nullId === groups.groupCount && missing ? nullId + 1 : groups.groupCount, 1);
    const ids = gen.input(groups.groupIds);
    return { id: missing ? `${row} < 0 ? ${gen.input(nullId)} : ${ids}[${row}]` : `${ids}[${row}]`, domain, nullId, row, data };
  }
  if (data.dtype === 'string') {
    const dict = data.dictionary ?? [];
    if (dict.length >= limit) return null;
    const codes = new Map<string, number>();
    const ids = gen.input(dictionaryCodes(dict, codes));
    return { id: choose(`${ids}[${gen.input(data.values)}[${row}]]`, codes.size), domain: codes.size + (nullable ? 1 : 0) || 1, nullId: codes.size, row, data };
  }
  return integer && range < limit ? valueId() : null;
}

/**
 * Integer keys spanning at most this many values take `value - min` as their id even
 * from a small table: one pass for the range instead of grouping the table's rows,
 * and no id array in the loop; the few unused slots cost nothing worth counting.
 */
const SMALL_RANGE = 4096;


/**
 * Slots that got a row (`first[s] >= 0`), in order of their first row; ties (groups
 * first seen in one source row) broken by `within`, the output row within it.
 */
export function slotsByFirstRow(first: ArrayLike<number>, within?: ArrayLike<number>): Int32Array {
  let used = 0;
  for (let s = 0; s < first.length; s++) if (first[s] >= 0) used++;
  const order = new Int32Array(used);
  let k = 0;
  for (let s = 0; s < first.length; s++) if (first[s] >= 0) order[k++] = s;
  return order.sort(within === undefined ? (x, y) => first[x] - first[y] : (x, y) => first[x] - first[y] || within[x] - within[y]);
}
