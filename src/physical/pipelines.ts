import { availableParallelism } from 'node:os';
import { ExecutionError } from '../errors.js';
import type { Node, PlanNode } from '../plan/node.js';
import { exprToString } from '../plan/expr.js';
import { isFusableAggregate } from './operators.js';

/**
 * Pipelines: the physical planner fuses an aggregate (a pipeline breaker) with the
 * filters, projections and join probes below it on its input side into ONE operator,
 * `Pipeline`, which runs them as one generated loop over morsels of the source on
 * several threads (src/exec/pipeline/). The operator-at-a-time plan writes every
 * intermediate (a filter's selection, each join's row pairs) at the length of its
 * input; the pipeline writes none: per source row it tests, probes, and adds into the
 * row's group. The build sides of the joins are the pipeline's other inputs, planned
 * and run as usual (they are breakers too).
 *
 * A step joins the pipeline when only the node above reads it (a shared result is
 * materialized once for all its readers) and it is a filter, a projection, or an inner,
 * left, semi or anti join (right and full joins add unmatched build rows after the
 * probe, which a loop over the probe side does not see). The aggregate's functions must
 * be the generated loop's (count, sum, mean, min, max).
 */
export interface PipelineShape {
  /** Steps from the source up, then the aggregate. */
  readonly covers: readonly PlanNode[];
  /** The node whose rows the pipeline reads. */
  readonly source: PlanNode;
  /** The build side of each join step, in step order. */
  readonly builds: readonly PlanNode[];
}

export function pipelineShape(aggregate: Node<'aggregate'>, readers: ReadonlyMap<PlanNode, number>): PipelineShape | null {
  if (!isFusableAggregate(aggregate)) return null;
  const steps: PlanNode[] = [];
  let node = aggregate.inputs[0];
  while (readers.get(node) === 1 && isStep(node)) {
    steps.push(node);
    node = node.inputs[0];
  }
  if (!steps.some((s) => s.kind === 'join' || s.kind === 'filter')) return null;
  steps.reverse();
  return { covers: [...steps, aggregate], source: node, builds: steps.filter((s) => s.kind === 'join').map((j) => j.inputs[1]) };
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
      case 'project':
        return [];
      case 'join':
        return `${n.args.how === 'inner' ? '' : `${n.args.how} `}probe ${n.args.leftKeys.join(', ')}`;
      default:
        return 'aggregate';
    }
  });
  return `${steps.join(' → ')}: one generated loop over morsels of the source on ${threads} thread${threads === 1 ? '' : 's'}`;
}

/** Threads for pipelines: `workers` when given (a positive integer), else the machine's cores, at most 4. */
export function workerThreads(workers: number | undefined): number {
  if (workers === undefined) return Math.max(1, Math.min(availableParallelism(), 4));
  if (!Number.isInteger(workers) || workers < 1) throw new ExecutionError('collect', `workers must be a positive integer, got ${workers}`);
  return workers;
}

