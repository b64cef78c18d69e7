import type { Batch } from '../data/batch.js';
import { type Column, type PendingGather, gatherColumn, pendingGather } from '../data/column.js';
import { valueRange } from '../kernels/relational/hash.js';
import { groupRows } from '../kernels/relational/index.js';
import type { NamedAggregate } from '../plan/relational-operators.js';
import type { DType } from '../types/dtype.js';
import type { ColumnResolver } from './expression.js';
import { type AggregatePlan, CODE_GENERATION, type Grouping, LoopBuilder } from './fused-loop.js';

/**
 * Fused group-by aggregation: count(*), count(x), sum(x) and mean(x) of arithmetic
 * expressions over columns, computed in ONE pass over the rows by a loop generated for
 * the query's shape (`new Function`, cached by its text), with no full-length
 * intermediate: no group-id vector, no evaluated argument column.
 *
 * Group ids come, per row, from one of:
 * - `none`: no GROUP BY, one group;
 * - `lazy`: every key is a not-yet-materialized gather (`lazyGatherColumn`, e.g. the
 *   dimension side of a join) through the same index vector from a source no longer
 *   than the input: the small source is grouped once, and row i's slot is
 *   `slotOfSourceRow[indices[i]]`;
 * - `dense`: one integer key of a small value range: slot = value - min (nulls: one
 *   extra slot);
 * - `ids`: anything else, through `groupRows`.
 * Arguments read lazy columns through their indices too (`source[indices[i]]`), so a
 * join's output is never materialized on this path.
 *
 * The results are those of the column-at-a-time path (runAggregate's fallback, over
 * src/kernels/relational/group-by.ts): groups in order of first appearance, nulls
 * skipped, sums in row order (bit-identical floats), null sums/means for groups without
 * a non-null value, counts never null. Every intermediate value is converted to its
 * node's dtype as a column store would (int32 `|0`, float32 `Math.fround`, no integer
 * -0). An integer + - * result or running integer sum at or beyond ±2^53 (where it may
 * have been rounded) makes the loop flag it, and the general path recomputes the
 * aggregate (exactly, or raising OverflowError as it would have). Anything
 * else (min, max, count distinct, comparisons, casts that may fail, zero rows, a
 * process that forbids code generation) returns null and takes the general path.
 */

export interface FusedResult {
  /** Key columns (in GROUP BY order), then one column per aggregate. */
  readonly columns: Column[];
  readonly groupCount: number;
}

export function fusedAggregate(
  groupBy: readonly string[],
  aggregates: readonly NamedAggregate[],
  batch: Batch,
  resolve: ColumnResolver,
): FusedResult | null {
  const n = batch.length;
  if (n === 0 || !CODE_GENERATION) return null;
  const gen = new LoopBuilder(batch, resolve);
  // Aggregates first: whether the query fits decides before any grouping work.
  const plans: AggregatePlan[] = [];
  for (const { aggregate } of aggregates) {
    const plan = gen.aggregate(aggregate.fn, aggregate.arg);
    if (plan === null) return null;
    plans.push(plan);
  }
  const keys = groupBy.map((g) => batch.columns[resolve(g)]);
  const grouping = chooseGrouping(keys, n, gen);
  const acc = gen.run(n, grouping);
  // An integer value at or beyond ±2^53: the general path computes it exactly or raises OverflowError.
  if (gen.overflowed) return null;
  const order = grouping.order();
  const groupCount = order.length;
  const width = gen.width;
  const lanes = (lane: number) => {
    const out = new Float64Array(groupCount);
    for (let k = 0; k < groupCount; k++) out[k] = acc[order[k] * width + lane];
    return out;
  };
  const columns = grouping.keyColumns(order);
  for (const p of plans) columns.push(p.result(lanes, groupCount));
  return { columns, groupCount };
}

// ------------------------------------------------------------------ grouping

const MAX_DENSE_SLOTS = 1 << 20;

function chooseGrouping(keys: readonly Column[], n: number, gen: LoopBuilder): Grouping {
  if (keys.length === 0) {
    return { slots: 1, code: 'const g{r} = 0;', tracksFirst: false, order: () => Int32Array.of(0), keyColumns: () => [] };
  }
  const lazy = keys.map(pendingGather);
  const first = lazy[0];
  const sameGather = lazy.every((p) => p !== null && p.indices === first?.indices && p.source.length === first.source.length);
  if (first !== null && sameGather && first.source.length <= n) {
    return lazyGrouping(lazy as PendingGather[], gen);
  }
  if (keys.length === 1 && isDenseKeyType(keys[0].dtype)) {
    const key = keys[0];
    const [min, max] = valueRange(key, n);
    const range = max - min + 1;
    if (range + 1 <= Math.min(Math.max(4096, n >> 2), MAX_DENSE_SLOTS)) return denseGrouping(key, min, range, gen);
  }
  const groups = groupRows(keys, n);
  const ids = gen.input(groups.groupIds);
  return {
    slots: groups.groupCount,
    code: `const g{r} = ${ids}[{i}];`,
    tracksFirst: false,
    order: () => identity(groups.groupCount),
    keyColumns: () => keys.map((k) => gatherColumn(k, groups.firstRow)),
  };
}

/** Integer keys stored as their values (strings are codes into a dictionary that may repeat entries). */
function isDenseKeyType(d: DType): boolean {
  return d === 'int32' || d === 'int64' || d === 'date' || d === 'bool';
}

function denseGrouping(key: Column, min: number, range: number, gen: LoopBuilder): Grouping {
  const v = gen.input(key.values);
  const code =
    key.validity === null
      ? `const g{r} = ${v}[{i}] - ${gen.input(min)};`
      : `const g{r} = ${gen.input(key.validity)}[{i}] === 1 ? ${v}[{i}] - ${gen.input(min)} : ${gen.input(range)};`;
  const firstRow = new Int32Array(range + 1).fill(-1);
  gen.firstRow = firstRow;
  return {
    slots: range + 1,
    code,
    tracksFirst: true,
    order: () => slotsByFirstRow(firstRow),
    keyColumns: (order) => [gatherColumn(key, Int32Array.from(order, (s) => firstRow[s]))],
  };
}

/** Keys gathered through one index vector from small sources: group the sources' rows once. */
function lazyGrouping(keys: readonly PendingGather[], gen: LoopBuilder): Grouping {
  const sources = keys.map((k) => k.source);
  const sourceRows = sources[0].length;
  const groups = groupRows(sources, sourceRows);
  // Rows whose index is -1 have null in every key: the source's all-null group when it has one.
  let nullSlot = groups.groupCount;
  for (let j = 0; j < sourceRows; j++) {
    if (sources.every((s) => s.validity !== null && s.validity[j] === 0)) {
      nullSlot = groups.groupIds[j];
      break;
    }
  }
  const { indices, hasMissing } = keys[0];
  const j = gen.indexVar(indices);
  const ids = gen.input(groups.groupIds);
  const code = hasMissing ? `const g{r} = ${j} < 0 ? ${gen.input(nullSlot)} : ${ids}[${j}];` : `const g{r} = ${ids}[${j}];`;
  const firstRow = new Int32Array(groups.groupCount + 1).fill(-1);
  gen.firstRow = firstRow;
  return {
    slots: groups.groupCount + 1,
    code,
    tracksFirst: true,
    order: () => slotsByFirstRow(firstRow),
    keyColumns: (order) => {
      const rows = Int32Array.from(order, (s) => (s < groups.groupCount ? groups.firstRow[s] : -1));
      return sources.map((s) => gatherColumn(s, rows));
    },
  };
}

/** Slots that got a row, in order of their first row. */
function slotsByFirstRow(firstRow: Int32Array): Int32Array {
  let used = 0;
  for (let s = 0; s < firstRow.length; s++) if (firstRow[s] >= 0) used++;
  const order = new Int32Array(used);
  let k = 0;
  for (let s = 0; s < firstRow.length; s++) if (firstRow[s] >= 0) order[k++] = s;
  return order.sort((a, b) => firstRow[a] - firstRow[b]);
}

function identity(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}
