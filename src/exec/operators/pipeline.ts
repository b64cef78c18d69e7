import { type Batch, concatBatches, makeBatch, totalRows } from '../../data/batch.js';
import { ExecutionError } from '../../errors.js';
import type { Node, PlanNode } from '../../plan/node.js';
import { relationSchema } from '../../plan/node.js';
import { jsOperator } from '../../physical/operators.js';
import { CODE_GENERATION } from '../loop-code.js';
import { type PipelineStep, compilePipeline } from '../pipeline/compile.js';
import { groupOrder, mergedOutOfRange, runMorsels } from '../pipeline/morsels.js';
import type { OperatorRun } from '../run-context.js';
import { runAggregate, runFilter, runJoin, runProject } from './relational.js';

/**
 * The Pipeline operator (src/physical/pipelines.ts chose it): runs filters,
 * projections and join probes over its source and aggregates, as one generated loop
 * over morsels of the source on `workers` threads (src/exec/pipeline/). Where the
 * loop cannot express the query (a predicate or argument outside the generated
 * subset, group keys of too large a domain, an integer value at ±2^53 that needs the
 * exact path), the same operators run one at a time instead, with identical results;
 * explain analyze says which ran and why.
 */
export interface PipelineOutcome {
  readonly batches: Batch[];
  /** Rows out of each covered operator but the last, for explain analyze. */
  readonly rows: ReadonlyMap<PlanNode, number>;
}

export async function runPipeline(covers: readonly PlanNode[], source: readonly Batch[], builds: readonly (readonly Batch[])[], run: OperatorRun, workers: number): Promise<PipelineOutcome> {
  const sink = covers[covers.length - 1];
  if (sink.kind !== 'aggregate') throw new ExecutionError('Pipeline', `expected an aggregate at the pipeline's end, got ${sink.kind}`);
  const steps = covers.slice(0, -1) as PipelineStep[];
  const lowest = steps.length > 0 ? steps[0] : sink;
  const batches = {
    source: concatBatches(relationSchema(lowest.inputs[0], 'Pipeline'), source),
    builds: steps.filter((s): s is Node<'join'> => s.kind === 'join').map((j, k) => concatBatches(relationSchema(j.inputs[1], 'Pipeline'), builds[k])),
  };
  const why = batches.source.length === 0 ? 'no input rows' : !CODE_GENERATION ? 'code generation is disallowed in this process' : null;
  const compiled = why ?? compilePipeline(steps, sink, batches);
  if (typeof compiled !== 'string') {
    run.checkCancelled();
    const { merged, morsels, threads } = await runMorsels(compiled, workers);
    // A projection passes on the rows of the step below it.
    const rows = new Map<PlanNode, number>();
    let below = batches.source.length;
    steps.forEach((step, k) => {
      if (step.kind !== 'project') below = merged.steps[k];
      rows.set(step, below);
    });
    const perIteration = compiled.rowsPerIteration > 1 ? ` (${compiled.rowsPerIteration} rows per iteration)` : '';
    const loop = `one generated loop${perIteration}: ${morsels} morsel${morsels === 1 ? '' : 's'} on ${threads} thread${threads === 1 ? '' : 's'}, ${compiled.slots} group slot${compiled.slots === 1 ? '' : 's'}`;
    if (sink.args.groupBy.length === 0 && merged.first[0] < 0) {
      // No row reached an aggregate without GROUP BY: its one row over no rows (null sums).
      run.ran(`${loop}; no row reached the aggregate`);
      return { batches: runAggregate(sink, [], asOperator(sink, run)), rows };
    }
    if (!compiled.overflowed() && !mergedOutOfRange(compiled, merged)) {
      run.ran(loop);
      const order = groupOrder(merged, sink.args.groupBy.length);
      return { batches: [makeBatch(compiled.finish(merged, order), order.length)], rows };
    }
  }
  const reason = typeof compiled === 'string' ? compiled : 'an integer value reached ±2^53 (exact path)';
  run.ran(`operators one at a time: ${reason}`);
  return operatorAtATime(steps, sink, source, builds, run);
}

/** The pipeline's operators run one after another, each over its whole input. */
function operatorAtATime(steps: readonly PipelineStep[], sink: Node<'aggregate'>, source: readonly Batch[], builds: readonly (readonly Batch[])[], run: OperatorRun): PipelineOutcome {
  let batches = source;
  let join = 0;
  const rows = new Map<PlanNode, number>();
  for (const step of steps) {
    if (step.kind === 'filter') batches = runFilter(step, batches);
    else if (step.kind === 'project') batches = runProject(step, batches);
    else batches = runJoin(step, batches, builds[join++], asOperator(step, run));
    rows.set(step, totalRows(batches));
  }
  return { batches: runAggregate(sink, batches, asOperator(sink, run)), rows };
}

/** The run as the operator `node` would see it on its own (its algorithm's name; its variant is the pipeline's report). */
function asOperator(node: PlanNode, run: OperatorRun): OperatorRun {
  return { ...run, operator: jsOperator(node, []).operator, ran: () => undefined };
}
