import { type Batch, batchBytes, totalRows } from '../data/batch.js';
import { ExecutionError } from '../errors.js';
import type { DenseMatrix } from '../kernels/matrix/dense.js';
import type { Node, PlanNode } from '../plan/node.js';
import type { PhysicalNode, PhysicalPlan } from '../physical/plan.js';
import { postOrderOf } from '../plan/walk.js';
import { PHYSICAL_OPTIONS, type PhysicalOptions, planPhysical } from '../physical/planner.js';
import type { OptionKeys } from '../options.js';
import { throwIfAborted } from '../providers/abort.js';
import { programShapes } from '../providers/program.js';
import { allProviders, providerByName } from '../providers/registry.js';
import { runAppendColumns, runMatrixToRelation, runToMatrix, toMatrixBytes } from './operators/bridge.js';
import { type MatrixValue, gemmInPanels, isCsr, isHybrid, matrixBytes, runMatrixOperator, toDense } from './operators/matrix.js';
import { runKeyMap } from './operators/keyed.js';
import { runAggregate, runDistinct, runFilter, runJoin, runLimit, runProject, runSort, runUnion } from './operators/relational.js';
import { MemoryLedger, type OperatorRun, defaultMemoryLimit, operatorRun } from './run-context.js';
import { checkArrayLength } from '../data/limits.js';
import { PROGRESS_OPTIONS, type ProgressOptions, ProgressReporter } from './progress.js';
import { runValidate } from './operators/validate.js';
import { runSqlQuery } from './operators/duckdb.js';
import { runPipeline } from './operators/pipeline.js';
import { BufferHolders, type HeldBuffers } from './buffer-holders.js';
import { type LoopScope, boundLoopValue, checkLoopState, relativeChange } from './loops.js';
import type { ValidationSink } from './validation-report.js';

/**
 * The executor: runs a physical plan, operator by operator, on the provider the
 * planner chose, and chooses nothing itself. Each result is freed after its last
 * reader (loop bodies: at the end of each iteration); a memory ledger holds the
 * bytes of live results against the run's limit and stops an operator whose output
 * would pass it before allocating; an AbortSignal stops the run between operators
 * and between the panels of long kernels.
 */

/** What one operator did in a run: the figures explain analyze shows. */
export interface OperatorStats {
  /** Output rows (of the relation, or of the matrix). */
  readonly rows: number;
  /** Output columns, for matrices. */
  readonly cols?: number;
  /** Wall time of this operator alone (inputs excluded), summed over loop iterations, in milliseconds. */
  readonly timeMs: number;
  /** Bytes held by the operator's output buffers. */
  readonly bytes: number;
  /** How many times it ran (more than once inside a loop body). */
  readonly runs: number;
}

/** What one physical operator did: its stats, time spent moving data in and out of its provider, and the variant that ran. */
export interface PhysicalStats extends OperatorStats {
  readonly transferMs: number;
  /** Runs that compiled a provider program (session or graph cache misses). */
  readonly compiles: number;
  /** Adaptive operators: which variant ran (e.g. `key-indexed`), last run. */
  readonly ran?: string;
}

export interface RelationResult {
  readonly kind: 'relation';
  readonly batches: readonly Batch[];
}

export interface MatrixResult {
  readonly kind: 'matrix';
  readonly value: MatrixValue;
}

export type NodeResult = RelationResult | MatrixResult;

export interface ExecutionOutcome {
  readonly result: NodeResult;
  /** Per logical operator that ran (the members of a fused region share their region's figures). */
  readonly stats: ReadonlyMap<PlanNode, OperatorStats>;
  readonly physical: PhysicalPlan;
  readonly physicalStats: ReadonlyMap<PhysicalNode, PhysicalStats>;
  /** Highest bytes of intermediate results held at once. */
  readonly peakBytes: number;
  /** One per run of a loop, in the order the runs finished (a loop in a loop body runs once per outer step). */
  readonly loops: readonly LoopReport[];
}

/** How one run of a loop went: the steps it took out of its cap, and why it stopped. */
export interface LoopReport {
  readonly loopId: string;
  /** The learner whose loop it is (its guard's operator), when it has a guard. */
  readonly operator?: string;
  readonly steps: number;
  readonly maxSteps: number;
  /** Whether it stopped on its tolerance before the cap. */
  readonly converged: boolean;
  /** The last step's relative change, max|Δ| / max(1, max|state|) (NaN before any step). */
  readonly change: number;
  /**
   * The loss of the loop's result, when the learner was asked for it (`reportLoss`),
   * computed in the same run from the result (see the loopLoss operator).
   */
  readonly loss?: number;
  /** What `loss` is (e.g. 'mean log-loss', 'inertia'). */
  readonly objective?: string;
}

export interface ExecuteOptions extends PhysicalOptions, ProgressOptions {
  /** Stops the run (a CancelledError) between operators and inside long kernels. */
  readonly signal?: AbortSignal;
  /** Bytes of intermediate results the run may hold at once (default: three quarters of the machine's memory). */
  readonly memoryLimit?: number;
  /** Where Validate operators leave their reports and quarantined rows, by validation id (src/validate/). */
  readonly validations?: ValidationSink;
}

export const EXECUTE_OPTIONS: OptionKeys<ExecuteOptions> = { ...PHYSICAL_OPTIONS, ...PROGRESS_OPTIONS, signal: true, memoryLimit: true, validations: true };

/** Plans (physically) and runs an optimized logical plan. */
export async function execute(plan: PlanNode, options: ExecuteOptions = {}): Promise<ExecutionOutcome> {
  // A run that names a provider or the GPU is planned on what actually loaded, not on what is expected to.
  const named = options.provider !== undefined && options.provider !== 'auto' ? options.provider : undefined;
  if (options.device === 'gpu' || named !== undefined) {
    const providers = (options.providers ?? allProviders()).filter((p) => named === undefined || p.name === named);
    await Promise.all(providers.map((p) => p.prepare?.()));
  }
  return executePhysical(planPhysical(plan, options), options);
}

export async function executePhysical(plan: PhysicalPlan, options: ExecuteOptions = {}): Promise<ExecutionOutcome> {
  const { signal } = options;
  const ledger = new MemoryLedger(options.memoryLimit ?? defaultMemoryLimit());
  const stats = new Map<PlanNode, OperatorStats>();
  const physicalStats = new Map<PhysicalNode, PhysicalStats>();
  const loopReports: LoopReport[] = [];
  const buffers = new BufferHolders();
  const progress = options.onProgress && new ProgressReporter(options.onProgress, postOrderOf(plan.root, (n) => n.inputs).length, options.progress);

  /** Runs one scope (the plan, or one iteration of a loop body), freeing each result after its last reader in the scope. */
  async function runScope(root: PhysicalNode, scope: LoopScope | null): Promise<NodeResult> {
    // Each operator once, inputs first in depth-first order (what a recursive run would do),
    // from a list rather than by recursion: plans may be MAX_PLAN_DEPTH deep.
    const order = postOrderOf(root, (n) => n.inputs);
    const remaining = new Map<PhysicalNode, number>();
    for (const n of order) for (const c of n.inputs) remaining.set(c, (remaining.get(c) ?? 0) + 1);
    const memo = new Map<PhysicalNode, { result: NodeResult; bytes: number; held: HeldBuffers }>();

    async function run(node: PhysicalNode): Promise<void> {
      const inputs = node.inputs.map((input) => memo.get(input)!.result);
      throwIfAborted(signal, node.operator);
      progress?.started(node.operator);
      const start = performance.now();
      const outcome = await runNode(node, inputs, scope === null && node === root, scope);
      const bytes = resultBytes(outcome.result);
      ledger.hold(bytes);
      // Other operators' outputs refer to their inputs' memory only where the holders see it (columns, lazy
      // columns' sources and indices, matrix arrays); a pipeline's may through closures: it holds its inputs' buffers.
      const retained = node.operator === 'Pipeline' ? node.inputs.map((input) => memo.get(input)!).filter((m) => m.result.kind === 'relation') : [];
      const held = buffers.hold(outcome.result, retained.map((m) => m.held));
      // A leaf's output is not the run's: literals, sources' columns, a loop's state and inputs.
      if (node.inputs.length === 0) buffers.protect(held);
      buffers.giveBackTemporaries();
      record(node, outcome, bytes, performance.now() - start);
      progress?.finished(node.operator, resultRows(outcome.result), scope === null, scope === null && node === root);
      memo.set(node, { result: outcome.result, bytes, held });
      for (const input of node.inputs) {
        const left = remaining.get(input)! - 1;
        remaining.set(input, left);
        if (left === 0) {
          // Its last reader is done: drop it; buffers no other live result shares go back to the pool.
          const { bytes, held } = memo.get(input)!;
          ledger.release(bytes);
          buffers.drop(held, true);
          memo.delete(input);
        }
      }
    }
    for (const node of order) await run(node);
    const { result, bytes, held } = memo.get(root)!;
    // The scope's result lives on (the loop's next state, or the run's result): not recycled.
    ledger.release(bytes);
    buffers.drop(held, false);
    // The run's result leaves for the caller: its buffers are never pooled again.
    if (scope === null) buffers.release(held);
    return result;
  }

  interface Outcome {
    readonly result: NodeResult;
    readonly transferMs?: number;
    readonly compiled?: boolean;
    readonly ran?: string;
    /** Rows out of the operators a fused physical operator covers (else its own output's rows stand for them). */
    readonly memberRows?: ReadonlyMap<PlanNode, number>;
  }

  /** `isRunResult`: the node's output is the run's result (its operator allocates outside the pool). */
  async function runNode(node: PhysicalNode, inputs: readonly NodeResult[], isRunResult: boolean, scope: LoopScope | null): Promise<Outcome> {
    if (node.program) {
      const provider = providerByName(node.provider);
      const budget = { operator: node.operator, reserve: (bytes: number) => ledger.check(node.operator, bytes) };
      const dense = inputs.map((r) => toDense(matrixOf(r, node), budget));
      const shapes = programShapes(node.program, dense);
      const own = shapes.slice(dense.length).reduce((s, m) => s + m.rows * m.cols * 8, 0);
      ledger.check(node.operator, own);
      ledger.touch(own);
      const run = await provider.run(node.program, dense, { signal });
      return { result: matrix(run.outputs[0]), transferMs: run.transferMs, compiled: run.compiled };
    }
    if (node.body) return { result: await runLoop(node, node.logical as Node<'loop'>, inputs, scope) };
    if (node.logical.kind === 'loopLoss') return { result: recordLoss(node, node.logical, inputs) };
    if (node.sql) {
      const ctx = operatorRun(node.operator, ledger, signal, () => undefined);
      return { result: relation(await runSqlQuery(node, inputs.map((r) => batchesOf(r, node)), options.relationalEngine, ctx)) };
    }
    let ran: string | undefined;
    const ctx = operatorRun(node.operator, ledger, signal, (what) => (ran = what), { arena: buffers, outputArena: isRunResult ? undefined : buffers });
    if (node.operator === 'Pipeline') {
      const rows = inputs.map((r) => batchesOf(r, node));
      const outcome = await runPipeline(node, rows[0], rows.slice(1), ctx);
      return { result: outcome.output, ran, memberRows: outcome.rows };
    }
    const result = await runOperator(node, inputs, scope, ctx, options.validations);
    return { result, ran };
  }

  async function runLoop(node: PhysicalNode, loop: Node<'loop'>, inputs: readonly NodeResult[], outer: LoopScope | null): Promise<NodeResult> {
    const { loopId, iterations, guard, tolerance } = loop.args;
    let state = matrixOf(inputs[0], node);
    const loopInputs = inputs.slice(1).map((r) => matrixOf(r, node));
    if (guard) checkLoopState(guard, state, 0, iterations);
    let steps = 0;
    let change = NaN;
    let converged = false;
    while (steps < iterations && !converged) {
      throwIfAborted(signal, `${node.operator} ${loopId} (iteration ${steps + 1} of ${iterations})`);
      const next = matrixOf(await runScope(node.body!, { loopId, state, inputs: loopInputs, outer }), node);
      steps += 1;
      if (guard) checkLoopState(guard, next, steps, iterations);
      if (tolerance !== undefined) {
        change = relativeChange(toDense(state), toDense(next));
        converged = change <= tolerance;
      }
      state = next;
    }
    loopReports.push({ loopId, operator: guard?.operator, steps, maxSteps: iterations, converged, change });
    return matrix(state);
  }

  /** A loopLoss operator: its loss into the report of its loop's last run; the loop's result passes through. */
  function recordLoss(node: PhysicalNode, loss: Node<'loopLoss'>, inputs: readonly NodeResult[]): NodeResult {
    const { loopId, objective } = loss.args;
    const value = toDense(matrixOf(inputs[1], node)).data[0];
    const i = loopReports.findLastIndex((r) => r.loopId === loopId);
    if (i < 0) throw new ExecutionError(node.operator, `expected loop ${loopId} to have run before its ${objective} is reported`);
    loopReports[i] = { ...loopReports[i], loss: value, objective };
    return inputs[0];
  }

  function record(node: PhysicalNode, outcome: Outcome, bytes: number, timeMs: number): void {
    const { result } = outcome;
    const shape = result.kind === 'relation' ? { rows: totalRows(result.batches) } : { rows: result.value.rows, cols: result.value.cols };
    const before = physicalStats.get(node);
    physicalStats.set(node, {
      ...shape,
      bytes,
      timeMs: (before?.timeMs ?? 0) + timeMs,
      runs: (before?.runs ?? 0) + 1,
      transferMs: (before?.transferMs ?? 0) + (outcome.transferMs ?? 0),
      compiles: (before?.compiles ?? 0) + (outcome.compiled ? 1 : 0),
      ran: outcome.ran ?? before?.ran,
    });
    // Logical view: the region's root carries its figures, members computed inside it count the run.
    // A logical node can stand in several scopes (outside a loop and in its body): its runs add up.
    for (const member of node.covers) {
      const own = member === node.logical;
      const prev = stats.get(member);
      const rows = outcome.memberRows?.get(member);
      stats.set(member, {
        ...(rows === undefined ? shape : { rows }),
        timeMs: (prev?.timeMs ?? 0) + (own ? timeMs : 0),
        bytes: own ? bytes : 0,
        runs: (prev?.runs ?? 0) + 1,
      });
    }
  }

  const result = await runScope(plan.root, null);
  return { result, stats, physical: plan, physicalStats, peakBytes: ledger.peak, loops: loopReports };
}

function resultRows(r: NodeResult): number {
  return r.kind === 'relation' ? totalRows(r.batches) : r.value.rows;
}

function resultBytes(r: NodeResult): number {
  return r.kind === 'relation' ? r.batches.reduce((s, b) => s + batchBytes(b), 0) : matrixBytes(r.value);
}

function matrixOf(r: NodeResult, node: PhysicalNode): MatrixValue {
  if (r.kind !== 'matrix') throw new ExecutionError(node.operator, 'expected a matrix input');
  return r.value;
}

function batchesOf(r: NodeResult, node: PhysicalNode): readonly Batch[] {
  if (r.kind !== 'relation') throw new ExecutionError(node.operator, 'expected a relation input');
  return r.batches;
}

function relation(batches: readonly Batch[]): RelationResult {
  return { kind: 'relation', batches };
}

function matrix(value: MatrixValue): MatrixResult {
  return { kind: 'matrix', value };
}

/** Dense output elements of a matrix operator, known from its inputs' shapes before it runs (null when it depends on data). */
function denseOutputElements(node: PlanNode, inputs: readonly MatrixValue[]): number | null {
  const [a, b] = inputs;
  switch (node.kind) {
    case 'matmul':
      return a.rows * b.cols;
    case 'crossprod':
      return a.cols * (b ?? a).cols;
    case 'transpose':
    case 'elementwise':
    case 'map':
    case 'nearest':
      return a.rows * a.cols;
    case 'hstack':
      return a.rows * inputs.reduce((s, m) => s + m.cols, 0);
    case 'vstack':
      return a.cols * inputs.reduce((s, m) => s + m.rows, 0);
    case 'gatherByKey':
      return a.rows * b.cols;
    case 'scatterByKey':
      return a.cols * b.cols;
    case 'referencedRows':
      return b.rows * b.cols;
    case 'diag':
      return a.rows * a.cols * a.rows * a.cols;
    default:
      return null;
  }
}

async function runOperator(node: PhysicalNode, inputs: readonly NodeResult[], scope: LoopScope | null, run: OperatorRun, validations?: ValidationSink): Promise<NodeResult> {
  const logical = node.logical;
  const batches = (i: number) => batchesOf(inputs[i], node);
  const dense = (i: number): DenseMatrix => toDense(matrixOf(inputs[i], node), run);
  switch (logical.kind) {
    case 'scan': {
      const { source, columns } = logical.args;
      return relation(await source.load(columns ?? source.schema.fields.map((f) => f.name)));
    }
    case 'filter':
      return relation(runFilter(logical, batches(0), run));
    case 'project':
      return relation(runProject(logical, batches(0)));
    case 'join':
      return relation(runJoin(logical, batches(0), batches(1), run));
    case 'aggregate':
      return relation(runAggregate(logical, batches(0), run));
    case 'sort':
      return relation(runSort(logical, batches(0), run));
    case 'limit':
      return relation(runLimit(logical, batches(0)));
    case 'distinct':
      return relation(runDistinct(logical, batches(0), run));
    case 'union':
      return relation(runUnion(batches(0), batches(1)));
    case 'validate':
      return relation(runValidate(logical, batches(0), run, validations));
    case 'toMatrix': {
      const rows = totalRows(batches(0));
      const layout = node.layout === 'columns' ? 'dense' : node.layout;
      // CSR and hybrid layouts hold one entry per row and one-hot/hash feature, not rows × width.
      run.reserve(toMatrixBytes(logical.args, rows, layout));
      return matrix(runToMatrix(logical, batches(0), layout, node.operator === 'JoinToMatrix'));
    }
    case 'keyMap':
      return matrix(runKeyMap(logical, batches(0), batches(1), run));
    case 'appendColumns':
      return relation(runAppendColumns(logical, batches(0), dense(1)));
    case 'matrixToRelation':
      return relation(runMatrixToRelation(dense(0)));
    case 'loopState':
    case 'loopInput':
      return matrix(boundLoopValue(logical, scope));
    case 'loop':
      throw new ExecutionError('loop', 'loops run through their physical body');
    default: {
      const values = inputs.map((r) => matrixOf(r, node));
      const elements = denseOutputElements(logical, values);
      if (elements !== null) {
        const bytesPer = logical.output.kind === 'matrix' && logical.output.dtype === 'float32' ? 4 : 8;
        checkArrayLength(node.operator, `its dense output`, elements, bytesPer);
        run.reserve(elements * bytesPer);
      }
      const [a, b] = values;
      if (logical.kind === 'matmul' && !isCsr(a) && !isHybrid(a)) return matrix(await gemmInPanels(a, toDense(b, run), run.checkCancelled));
      return matrix(runMatrixOperator(logical, values, run));
    }
  }
}
