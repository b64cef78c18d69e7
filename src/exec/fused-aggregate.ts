import type { Batch } from '../data/batch.js';
import { type Column, type PendingGather, gatherColumn, pendingGather } from '../data/column.js';
import { groupRows } from '../kernels/relational/index.js';
import type { NamedAggregate } from '../plan/relational-operators.js';
import type { ColumnResolver } from './expression.js';
import { type AggregatePlan, type Grouping, LoopBuilder, batchBinder } from './fused-loop.js';
import { slotGrouping, slotsByFirstRow } from './pipeline/grouping.js';
import { CODE_GENERATION } from './loop-code.js';

/**
 * Fused group-by aggregation: count(*), count(x), sum(x), mean(x), min(x) and max(x) of
 * arithmetic expressions over columns, computed in ONE pass over the rows by a loop generated for
 * the query's shape (`new Function`, cached by its text), with no full-length
 * intermediate: no group-id vector, no evaluated argument column.
 *
 * Group ids come, per row, from one of:
 * - `none`: no GROUP BY, one group;
 * - `lazy`: every key is a not-yet-materialized gather (`lazyGatherColumn`, e.g. the
 *   dimension side of a join) through the same index vector from a source no longer
 *   than the input: the small source is grouped once, and row i's slot is
 *   `slotOfSourceRow[indices[i]]`;
 * - `combined`: keys of small domains (integers of a small range, dictionary-coded
 *   strings, keys gathered from small sources): slot = Σ id_k · stride_k, no hashing;
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
 * else (string min/max, count distinct, deviations, comparisons, casts that may fail, zero rows, a
 * process that forbids code generation) returns null and takes the general path.
 */

export interface FusedResult {
  /** Key columns (in GROUP BY order), then one column per aggregate. */
  readonly columns: Column[];
  readonly groupCount: number;
  /** How rows found their group (Grouping.method). */
  readonly grouping: string;
}

export function fusedAggregate(
  groupBy: readonly string[],
  aggregates: readonly NamedAggregate[],
  batch: Batch,
  resolve: ColumnResolver,
): FusedResult | null {
  const n = batch.length;
  if (n === 0 || !CODE_GENERATION) return null;
  const gen = new LoopBuilder(batchBinder(batch, resolve));
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
  return { columns, groupCount, grouping: grouping.method };
}

// ------------------------------------------------------------------ grouping

function chooseGrouping(keys: readonly Column[], n: number, gen: LoopBuilder): Grouping {
  if (keys.length === 0) {
    return { method: 'one group', slots: 1, code: 'const g{r} = 0;', tracksFirst: false, order: () => Int32Array.of(0), keyColumns: () => [] };
  }
  const lazy = keys.map(pendingGather);
  const first = lazy[0];
  const sameGather = lazy.every((p) => p !== null && p.indices === first?.indices && p.source.length === first.source.length);
  if (first !== null && sameGather && first.source.length <= n) {
    return lazyGrouping(lazy as PendingGather[], gen);
  }
  const combined = combinedGrouping(keys, n, gen);
  if (combined !== null) return combined;
  const groups = groupRows(keys, n);
  const ids = gen.input(groups.groupIds);
  return {
    method: 'keys hashed to group ids',
    slots: groups.groupCount,
    code: `const g{r} = ${ids}[{i}];`,
    tracksFirst: false,
    order: () => identity(groups.groupCount),
    keyColumns: () => keys.map((k) => gatherColumn(k, groups.firstRow)),
  };
}

/**
 * Keys of small domains — integers of a small range, dictionary-coded strings, keys
 * gathered through a join from a small source — grouped without hashing, as a
 * pipeline groups them (src/exec/pipeline/grouping.ts): the slot is the keys' ids
 * combined. Null when the product of their domains is too large for a direct array.
 */
function combinedGrouping(keys: readonly Column[], n: number, gen: LoopBuilder): Grouping | null {
  const combined = slotGrouping(
    keys.map((column) => ({ column, row: null, mayMiss: false })),
    n,
    gen,
  );
  if (combined === null) return null;
  const { slots } = combined;
  const firstRow = new Int32Array(slots).fill(-1);
  gen.firstRow = firstRow;
  return {
    method: `key ids combined into ${slots} direct slots`,
    slots,
    code: `const g{r} = ${combined.slot};`,
    tracksFirst: true,
    order: () => slotsByFirstRow(firstRow),
    keyColumns: (order) => {
      const rows = Int32Array.from(order, (s) => firstRow[s]);
      return keys.map((k) => gatherColumn(k, rows));
    },
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
    method: `keys grouped once on their ${sourceRows}-row source`,
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

function identity(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}
