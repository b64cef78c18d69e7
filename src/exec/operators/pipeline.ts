import { type Batch, concatBatches, makeBatch, totalRows } from '../../data/batch.js';
import { ExecutionError } from '../../errors.js';
import type { Node, PlanNode } from '../../plan/node.js';
import { relationSchema } from '../../plan/node.js';
import { jsOperator } from '../../physical/operators.js';
import type { PhysicalNode } from '../../physical/plan.js';
import { CODE_GENERATION } from '../loop-code.js';
import { compileAggregatePipeline } from '../pipeline/aggregate-sink.js';
import type { PipelineBatches, PipelineStep } from '../pipeline/compile.js';
import { runMaterialize } from '../pipeline/materialize-run.js';
import { compileMaterialize } from '../pipeline/materialize-sink.js';
import { groupOrder, mergedOutOfRange, runMorsels } from '../pipeline/morsels.js';
import type { OperatorRun } from '../run-context.js';
import { runToMatrix, toMatrixBytes } from './bridge.js';
import type { MatrixValue } from './matrix.js';
import { runAggregate, runFilter, runJoin, runProject } from './relational.js';

/**
 * The Pipeline operator (src/physical/pipelines.ts chose it): runs filters,
 * projections and join probes over its source as one generated loop over morsels of
 * the source on the node's threads (src/exec/pipeline/), into its sink: an aggregate,
 * the output rows as row indices with lazily gathered columns (materialize), or a
 * matrix encoded through them (toMatrix). Where the loop cannot express the query (a
 * predicate or argument outside the generated subset, a computed join key, group keys
 * of too large a domain, an integer value at ±2^53 that needs the exact path), the
 * same operators run one at a time instead, with identical results; explain analyze
 * says which ran and why.
 */
export interface PipelineOutcome {
  readonly output: { readonly kind: 'relation'; readonly batches: readonly Batch[] } | { readonly kind: 'matrix'; readonly value: MatrixValue };
  /** Rows out of each covered step, for explain analyze. */
  readonly rows: ReadonlyMap<PlanNode, number>;
}

/** A pipeline's run: its steps, their inputs, and the reason no loop runs (null: the loop may). */
interface PipelineRun {
  readonly steps: readonly PipelineStep[];
  readonly sourceNode: PlanNode;
  readonly batches: PipelineBatches;
  readonly source: readonly Batch[];
  readonly builds: readonly (readonly Batch[])[];
  readonly why: string | null;
  readonly run: OperatorRun;
  readonly threads: number;
}

export async function runPipeline(node: PhysicalNode, source: readonly Batch[], builds: readonly (readonly Batch[])[], run: OperatorRun): Promise<PipelineOutcome> {
  const { covers } = node;
  const last = covers[covers.length - 1];
  const sink = last.kind === 'aggregate' || last.kind === 'toMatrix' ? last : null;
  const steps = sink === null ? covers : covers.slice(0, -1);
  for (const s of steps) {
    if (s.kind !== 'filter' && s.kind !== 'project' && s.kind !== 'join') throw new ExecutionError('Pipeline', `expected filters, projections and joins before the sink, got ${s.kind}`);
  }
  const pipelineSteps = steps as PipelineStep[];
  const sourceNode = (pipelineSteps[0] ?? sink!).inputs[0];
  const batches: PipelineBatches = {
    source: concatBatches(relationSchema(sourceNode, 'Pipeline'), source),
    builds: pipelineSteps.filter((s): s is Node<'join'> => s.kind === 'join').map((j, k) => concatBatches(relationSchema(j.inputs[1], 'Pipeline'), builds[k])),
  };
  const why = batches.source.length === 0 ? 'no input rows' : !CODE_GENERATION ? 'code generation is disallowed in this process' : null;
  const p: PipelineRun = { steps: pipelineSteps, sourceNode, batches, source, builds, why, run, threads: node.threads ?? 1 };
  if (sink?.kind === 'aggregate') return aggregatePipeline(p, sink);
  return materializePipeline(p, sink, node.layout === 'columns' ? 'dense' : node.layout);
}

async function aggregatePipeline(p: PipelineRun, sink: Node<'aggregate'>): Promise<PipelineOutcome> {
  const { run, steps } = p;
  // An aggregate's output reads none of the arrays built over the build sides: they come from the run's arena.
  const compiled = p.why ?? compileAggregatePipeline(steps, p.sourceNode, sink, { ...p.batches, arena: run.arena });
  if (typeof compiled !== 'string') {
    run.checkCancelled();
    const { merged, morsels, threads } = await runMorsels(compiled, p.threads);
    const rows = stepRows(steps, p.batches.source.length, merged.steps);
    const loop = `${loopRan(compiled.rowsPerIteration, morsels, threads)}, ${compiled.slots} group slot${compiled.slots === 1 ? '' : 's'}`;
    if (sink.args.groupBy.length === 0 && merged.first[0] < 0) {
      // No row reached an aggregate without GROUP BY: its one row over no rows (null sums).
      run.ran(`${loop}; no row reached the aggregate`);
      return { output: relation(runAggregate(sink, [], asOperator(sink, run))), rows };
    }
    if (!compiled.overflowed() && !mergedOutOfRange(compiled, merged)) {
      run.ran(loop);
      const order = groupOrder(merged, sink.args.groupBy.length);
      return { output: relation([makeBatch(compiled.finish(merged, order), order.length)]), rows };
    }
  }
  run.ran(`operators one at a time: ${typeof compiled === 'string' ? compiled : OVERFLOW}`);
  const below = operatorAtATime(p);
  return { output: relation(runAggregate(sink, below.batches, asOperator(sink, run))), rows: below.rows };
}

async function materializePipeline(p: PipelineRun, sink: Node<'toMatrix'> | null, layout: 'dense' | 'csr' | 'hybrid'): Promise<PipelineOutcome> {
  const { run, steps } = p;
  const compiled = p.why ?? compileMaterialize(steps, p.sourceNode, steps[steps.length - 1], p.batches);
  if (typeof compiled !== 'string') {
    run.checkCancelled();
    const out = await runMaterialize(compiled, p.threads, run);
    if (!compiled.overflowed()) {
      const grown = out.grown > 0 ? `, ${out.grown} morsel${out.grown === 1 ? '' : 's'} grew past their source rows` : '';
      run.ran(`${loopRan(compiled.rowsPerIteration, out.morsels, out.threads)}${grown}; ${out.count} rows out as row indices${sink === null ? '' : ', encoded through them'}`);
      const batch = compiled.finish(out.vectors, out.count);
      const rows = stepRows(steps, p.batches.source.length, out.steps);
      return { output: sink === null ? relation([batch]) : encode(sink, [batch], layout, true, run), rows };
    }
  }
  run.ran(`operators one at a time: ${typeof compiled === 'string' ? compiled : OVERFLOW}`);
  const { batches, rows } = operatorAtATime(p);
  // As the toMatrix operator would have run over these operators: through a join's row index when its input is a join.
  return { output: sink === null ? relation(batches) : encode(sink, batches, layout, jsOperator(sink, []).operator === 'JoinToMatrix', run), rows };
}

const OVERFLOW = 'an integer value reached ±2^53 (exact path)';

function loopRan(rowsPerIteration: number, morsels: number, threads: number): string {
  const perIteration = rowsPerIteration > 1 ? ` (${rowsPerIteration} rows per iteration)` : '';
  return `one generated loop${perIteration}: ${morsels} morsel${morsels === 1 ? '' : 's'} on ${threads} thread${threads === 1 ? '' : 's'}`;
}

/** Rows out of each step from the loop's counts; a projection passes on the rows of the step below it. */
function stepRows(steps: readonly PipelineStep[], sourceRows: number, counts: Float64Array): Map<PlanNode, number> {
  const rows = new Map<PlanNode, number>();
  let below = sourceRows;
  steps.forEach((step, k) => {
    if (step.kind !== 'project') below = counts[k];
    rows.set(step, below);
  });
  return rows;
}

function encode(sink: Node<'toMatrix'>, batches: readonly Batch[], layout: 'dense' | 'csr' | 'hybrid', throughJoin: boolean, run: OperatorRun): PipelineOutcome['output'] {
  // CSR and hybrid layouts hold one entry per row and one-hot/hash feature, not rows × width.
  run.reserve(toMatrixBytes(sink.args, totalRows(batches), layout));
  return { kind: 'matrix', value: runToMatrix(sink, batches, layout, throughJoin) };
}

function relation(batches: readonly Batch[]): PipelineOutcome['output'] {
  return { kind: 'relation', batches };
}

/** The pipeline's steps run one after another, each over its whole input. */
function operatorAtATime(p: PipelineRun): { batches: readonly Batch[]; rows: Map<PlanNode, number> } {
  let batches = p.source;
  let join = 0;
  const rows = new Map<PlanNode, number>();
  for (const step of p.steps) {
    if (step.kind === 'filter') batches = runFilter(step, batches);
    else if (step.kind === 'project') batches = runProject(step, batches);
    else batches = runJoin(step, batches, p.builds[join++], asOperator(step, p.run));
    rows.set(step, totalRows(batches));
  }
  return { batches, rows };
}

/** The run as the operator `node` would see it on its own (its algorithm's name; its variant is the pipeline's report). */
function asOperator(node: PlanNode, run: OperatorRun): OperatorRun {
  return { ...run, operator: jsOperator(node, []).operator, ran: () => undefined };
}
