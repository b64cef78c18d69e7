import { availableParallelism } from 'node:os';
import { ExecutionError } from '../errors.js';
import type { Node, PlanNode } from '../plan/node.js';
import { exprToString } from '../plan/expr.js';
import { isPipelineAggregate } from './operators.js';

/**
 * Pipelines: the physical planner fuses the filters, projections and join probes
 * over a source into ONE operator, `Pipeline`, which runs them as one generated loop
 * over morsels of the source on several threads (src/exec/pipeline/), ending in a sink
 * (a pipeline breaker). The operator-at-a-time plan writes every intermediate (a
 * filter's selection, each join's row pairs) at the length of its input; the pipeline
 * writes none. The build sides of the joins are the pipeline's other inputs, planned
 * and run as usual (they are breakers too). Sinks:
 * - `aggregate`: per output row the loop adds into the row's group; the aggregate's
 *   functions must be the generated loop's (count, sum, mean, min, max) or count
 *   distinct of a column;
 * - `materialize`: per output row the loop writes its source row and each join's build
 *   row (late materialization: columns are gathered through them where read), for a
 *   chain read by a sort, a join (build or probe side) or the caller (the plan's root);
 * - `toMatrix`: the same rows, encoded into the matrix through those row indices.
 *
 * A step joins the pipeline when only the node above reads it (a shared result is
 * materialized once for all its readers) and it is a filter, a projection, or an inner,
 * left, semi or anti join (right and full joins add unmatched build rows after the
 * probe, which a loop over the probe side does not see). A pipeline pays by not
 * writing the intermediates of its filters and joins: it needs one below an aggregate,
 * two for the other sinks (`chainOf`).
 */
export type PipelineSink = 'aggregate' | 'materialize' | 'toMatrix';

export interface PipelineShape {
  /** Steps from the source up, then the aggregate or toMatrix (a materializing pipeline: the steps alone). */
  readonly covers: readonly PlanNode[];
  /** The node whose rows the pipeline reads. */
  readonly source: PlanNode;
  /** The build side of each join step, in step order. */
  readonly builds: readonly PlanNode[];
  readonly sink: PipelineSink;
}

export function pipelineShape(aggregate: Node<'aggregate'>, readers: ReadonlyMap<PlanNode, number>): PipelineShape | null {
  if (!isPipelineAggregate(aggregate)) return null;
  return chainShape(aggregate.inputs[0], readers, aggregate, 'aggregate');
}

/** Readers of a chain's rows for which a materializing pipeline pays (besides the plan's root). */
const MATERIALIZE_READERS = new Set<PlanNode['kind']>(['sort', 'join', 'toMatrix']);

/**
 * The materializing pipeline `node` heads, if any: `node` is a toMatrix over a chain
 * of steps (encoded through the row indices, unless `joinBlocks` is off: then the
 * toMatrix gathers its columns first and the chain materializes on its own), or the
 * top step of a chain whose only reader `reader` is a sort, a join, or toMatrix, or
 * which is the plan's root (`reader` null). The planner asks only about nodes no
 * other pipeline covers, so a join reading `node` is one outside any pipeline, or one
 * whose build side `node` is.
 */
export function materializeShape(node: PlanNode, reader: PlanNode | null, readers: ReadonlyMap<PlanNode, number>, joinBlocks: boolean): PipelineShape | null {
  if (node.kind === 'toMatrix') return joinBlocks ? chainShape(node.inputs[0], readers, node, 'toMatrix') : null;
  if (!isStep(node) || (reader !== null && !MATERIALIZE_READERS.has(reader.kind))) return null;
  const below = stepsBelow(node.inputs[0], readers);
  return chainOf([...below.steps, node], below.source, null, 'materialize');
}

/** The steps from `top` down (each read by one node only), lowest first, and the node they read. */
function stepsBelow(top: PlanNode, readers: ReadonlyMap<PlanNode, number>): { steps: PlanNode[]; source: PlanNode } {
  const steps: PlanNode[] = [];
  let node = top;
  while (readers.get(node) === 1 && isStep(node)) {
    steps.push(node);
    node = node.inputs[0];
  }
  return { steps: steps.reverse(), source: node };
}

/** The steps below `top` (itself included while only one node reads it), then `sink`; null without a filter or join. */
function chainShape(top: PlanNode, readers: ReadonlyMap<PlanNode, number>, sink: PlanNode, kind: PipelineSink): PipelineShape | null {
  const { steps, source } = stepsBelow(top, readers);
  return chainOf(steps, source, sink, kind);
}

/**
 * The pipeline of these steps, or null where it does not pay: an aggregate needs one
 * filter or join below it (without, it is the fused aggregate); materializing needs
 * two, since one filter or join alone already writes just its row indices (a join on a
 * dense unique key not even those: its right rows are looked up by key value).
 */
function chainOf(steps: readonly PlanNode[], source: PlanNode, sink: PlanNode | null, kind: PipelineSink): PipelineShape | null {
  if (steps.filter((s) => s.kind === 'join' || s.kind === 'filter').length < (kind === 'aggregate' ? 1 : 2)) return null;
  return { covers: sink === null ? steps : [...steps, sink], source, builds: steps.filter((s) => s.kind === 'join').map((j) => j.inputs[1]), sink: kind };
}

function isStep(node: PlanNode): boolean {
  if (node.kind === 'filter' || node.kind === 'project') return true;
  return node.kind === 'join' && node.args.how !== 'right' && node.args.how !== 'full';
}

/** The steps as explain shows them: `filter (units > 1) → probe store_id → aggregate: …`. */
export function pipelineAlgorithm(shape: PipelineShape, threads: number): string {
  // Projections are inlined where their columns are read: not steps of their own.
  const steps = shape.covers.flatMap((n) => {
    switch (n.kind) {
      case 'filter':
        return `filter ${exprToString(n.args.predicate)}`;
      case 'join':
        return `${n.args.how === 'inner' ? '' : `${n.args.how} `}probe ${n.args.leftKeys.join(', ')}`;
      default:
        return [];
    }
  });
  return `${[...steps, shape.sink].join(' → ')}: one generated loop over morsels of the source on ${threads} thread${threads === 1 ? '' : 's'}`;
}

/** Why the planner fused the pipeline, as explain shows it. */
export function pipelineReason(shape: PipelineShape): string {
  switch (shape.sink) {
    case 'aggregate':
      return "filters and join probes fused into the aggregate: no intermediate of the source's length";
    case 'materialize':
      return 'filters and join probes in one loop that writes each output row\'s source and build rows; columns are gathered where read';
    case 'toMatrix':
      return 'filters and join probes in one loop that writes each output row\'s source and build rows; the matrix is encoded through them';
  }
}

/** Threads for pipelines: `workers` when given (a positive integer), else the machine's cores, at most 4. */
export function workerThreads(workers: number | undefined): number {
  if (workers === undefined) return Math.max(1, Math.min(availableParallelism(), 4));
  if (!Number.isInteger(workers) || workers < 1) throw new ExecutionError('collect', `workers must be a positive integer, got ${workers}`);
  return workers;
}

