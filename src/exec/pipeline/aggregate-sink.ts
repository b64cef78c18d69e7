import { type Column, gatherColumn } from '../../data/column.js';
import type { Node, PlanNode } from '../../plan/node.js';
import type { AggregatePlan, BoundColumn, LaneMerge } from '../fused-loop.js';
import { type CompiledLoop, type LoopSink, type PipelineBatches, type PipelineStep, UNROLL, compileSteps, loopText, substitute } from './compile.js';
import { distinctBitmaps } from './distinct.js';
import { slotGrouping } from './grouping.js';

/**
 * The aggregate sink of a pipeline (the steps: compile.ts): each output row is added
 * into its group's accumulators (fused-loop.ts) and sets its count-distinct bits
 * (distinct.ts), the group slot combined from small key domains (grouping.ts), and the
 * first row of each group (source row, then output row within it) is recorded to order
 * groups by first appearance, as the operator-at-a-time path does.
 * The loop's signature is (ctx, start, end, acc, first, firstSub, keyRows, steps, distinct):
 * inputs, the morsel's rows and its own partial accumulators (morsels.ts merges them),
 * `steps` counting the rows out of each step for explain analyze, `distinct` the
 * bitmaps of count(DISTINCT) (distinct.ts).
 */

export interface CompiledPipeline extends CompiledLoop {
  readonly slots: number;
  /** Accumulator lanes per slot. */
  readonly width: number;
  readonly keys: number;
  readonly laneStarts: readonly (readonly [number, number])[];
  readonly laneMerges: readonly LaneMerge[];
  readonly integerSumLanes: readonly number[];
  /** Int32 words of count-distinct bitmaps per slot (distinct.ts; 0: none). */
  readonly distinctWords: number;
  /** The aggregate's output columns from merged accumulators, groups in `order`. */
  finish(merged: MergedGroups, order: Int32Array): Column[];
}

/** The merged partial results of all morsels. */
export interface MergedGroups {
  readonly acc: Float64Array;
  readonly first: Float64Array;
  readonly firstSub: Float64Array;
  readonly keyRows: Int32Array;
  /** Count-distinct bitmaps, `distinctWords` per slot. */
  readonly distinct: Int32Array;
  /** Rows out of each step (by its index in the steps; projections count nothing). */
  readonly steps: Float64Array;
}

const AGGREGATE_PARAMS = ['ctx', 'start', 'end', 'acc', 'first', 'firstSub', 'keyRows', 'steps', 'distinct'] as const;

/** The pipeline's loop for these batches, or the reason it cannot run as one loop. */
export function compileAggregatePipeline(steps: readonly PipelineStep[], source: PlanNode, sink: Node<'aggregate'>, batches: PipelineBatches): CompiledPipeline | string {
  const compiled = compileSteps(steps, source, batches);
  if (typeof compiled === 'string') return compiled;
  const { gen, env, bindings, boundRefs, code } = compiled;
  const { groupBy, aggregates } = sink.args;
  // count(DISTINCT) is counted in bitmaps (distinct.ts), sized once the group slots are known: `distinct` is its argument's index.
  const plans: (AggregatePlan | { readonly distinct: number })[] = [];
  const distinctArgs: BoundColumn[] = [];
  for (const { aggregate } of aggregates) {
    const arg = aggregate.arg === null ? null : substitute(aggregate.arg, env);
    if (aggregate.fn === 'countDistinct') {
      const bound = arg?.kind === 'column' ? bindings.get(arg) : undefined;
      if (bound === undefined) return 'count distinct of a computed value';
      plans.push({ distinct: distinctArgs.push(bound) - 1 });
      continue;
    }
    const plan = gen.aggregate(aggregate.fn, arg);
    if (plan === null) return `${aggregate.fn} argument outside the generated subset`;
    plans.push(plan);
  }
  const keyRefs = boundRefs(groupBy);
  if (keyRefs === null) return 'a group key is computed';
  const rows = batches.source.length;
  const grouping = slotGrouping(keyRefs.map((r) => bindings.get(r)!), rows, gen);
  if (grouping === null) return 'group keys of too large a domain';
  const distinct = distinctBitmaps(distinctArgs, grouping.slots, rows, gen);
  if (typeof distinct === 'string') return distinct;
  code(`const slot{r} = ${grouping.slot};`);
  const width = gen.width;
  const keys = grouping.keyRows.length;
  const updates = [...gen.takeUpdates(), ...distinct.updates];
  const record = grouping.keyRows.map((row, k) => `keyRows[g * ${keys} + ${k}] = ${row};`).join(' ');
  const accumulate: LoopSink = {
    before: [],
    after: [],
    readsSub: true,
    row: (sub) => ['const g = slot{r};', `const o = g * ${width};`, `if (first[g] < 0) { first[g] = {i}; firstSub[g] = ${sub}; ${record} }`, ...updates],
  };
  const { text, unrolled } = loopText(compiled, accumulate, steps);
  return {
    params: AGGREGATE_PARAMS,
    text,
    rowsPerIteration: unrolled ? UNROLL : 1,
    ctx: gen.inputs.ctx,
    rows,
    slots: grouping.slots,
    width,
    keys,
    stepCount: steps.length,
    laneStarts: gen.laneStarts,
    laneMerges: gen.laneMerges,
    integerSumLanes: gen.integerSumLanes,
    distinctWords: distinct.words,
    overflowed: () => gen.overflowed,
    finish: (merged, order) => {
      const groupCount = order.length;
      const columns = grouping.keyData.map((data, k) => gatherColumn(data, Int32Array.from(order, (s) => merged.keyRows[s * keys + k])));
      const lanes = (lane: number) => Float64Array.from(order, (s) => merged.acc[s * width + lane]);
      for (const p of plans) columns.push('distinct' in p ? distinct.counts(p.distinct, merged.distinct, order) : p.result(lanes, groupCount));
      return columns;
    },
  };
}
