import type { MatrixDType } from '../plan/matrix-operators.js';
import type { PlanNode } from '../plan/node.js';
import { postOrderOf } from '../plan/walk.js';
import type { DenseProgram } from '../providers/program.js';
import type { Device, ProviderName } from '../providers/provider.js';
import type { SqlQuery } from './sql-engine.js';

/**
 * The physical plan: how the optimized logical plan runs. Every operator (or fused
 * region of dense matrix operators) is given its provider, device, data layout,
 * dtype and algorithm, each with the reason the planner chose it. The executor runs
 * this plan and chooses nothing itself; explain prints it.
 */

/** How an operator's output is laid out in memory. */
export type Layout = 'columns' | 'dense' | 'csr' | 'hybrid';

export interface PhysicalNode {
  /** Position in the plan, numbered in execution order from 1 (loop bodies numbered after their loop's inputs). */
  readonly id: number;
  /** Display name of the physical operator, e.g. `HashJoin`, `Gemm`, `OnnxProgram`. */
  readonly operator: string;
  /** The logical node whose value this operator produces. */
  readonly logical: PlanNode;
  /** Every logical node computed here, in execution order: one, or a fused region's members. */
  readonly covers: readonly PlanNode[];
  readonly provider: ProviderName;
  readonly device: Device;
  readonly layout: Layout;
  /** Matrix outputs: the dtype stored (and computed in). */
  readonly dtype?: MatrixDType;
  /** What runs, e.g. `key-indexed join on unique int key`, `packed 4×4 GEMM`. */
  readonly algorithm: string;
  /** Why the planner chose this provider and algorithm, in one short sentence ('' where there was no choice). */
  readonly reason: string;
  readonly inputs: readonly PhysicalNode[];
  /** Provider regions: the dense program the provider runs; inputs are its inputs in order. */
  readonly program?: DenseProgram;
  /** Loops: the body's physical plan, run once per iteration. */
  readonly body?: PhysicalNode;
  /** Relational subplans run by a SQL engine (./sql-engine.ts): the query; inputs are copied into its input tables. */
  readonly sql?: SqlQuery;
  /** Pipelines: the threads that run its morsels (this one included). */
  readonly threads?: number;
  /** Estimated milliseconds of this operator alone on its provider (per iteration inside a loop body). */
  readonly estimatedMs: number;
  /** Estimated bytes of its output. */
  readonly estimatedBytes: number;
}

export interface PhysicalPlan {
  readonly root: PhysicalNode;
  /** What the run asked for, as the planner understood it. */
  readonly request: { readonly device: 'cpu' | 'gpu' | 'auto'; readonly provider: ProviderName | 'auto' };
  /** Notices for the user: providers that did not load, requests that fell back. */
  readonly notices: readonly string[];
  /** Estimated total milliseconds (loop bodies times their iterations). */
  readonly estimatedMs: number;
}

/** Every physical node of a plan, loop bodies included, inputs (and bodies) before their readers, each once. */
export function physicalPostOrder(root: PhysicalNode): PhysicalNode[] {
  return postOrderOf(root, (n) => (n.body ? [...n.inputs, n.body] : n.inputs));
}
