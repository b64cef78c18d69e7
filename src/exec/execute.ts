import { type Batch, batchBytes, totalRows } from '../data/batch.js';
import { ExecutionError } from '../errors.js';
import type { CsrMatrix } from '../kernels/matrix/csr.js';
import type { DenseMatrix } from '../kernels/matrix/dense.js';
import type { Node, PlanNode } from '../plan/node.js';
import { runAppendColumns, runMatrixToRelation, runToMatrix } from './operators/bridge.js';
import { type MatrixValue, isCsr, isHybrid, runMatrixOperator, toDense } from './operators/matrix.js';
import {
  runAggregate,
  runDistinct,
  runFilter,
  runJoin,
  runLimit,
  runProject,
  runSort,
  runUnion,
} from './operators/relational.js';

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
  /** Per operator of the plan that ran. */
  readonly stats: ReadonlyMap<PlanNode, OperatorStats>;
}

/** Values bound while a loop body runs: the loop's state and inputs. */
interface LoopScope {
  readonly loopId: string;
  readonly state: MatrixValue;
  readonly inputs: readonly MatrixValue[];
  readonly outer: LoopScope | null;
}

/**
 * Runs a plan. A subplan reached twice (a DAG after common-subexpression
 * elimination) runs once: results are memoized by node identity. Inside a loop body,
 * memoization is per iteration: the body runs afresh each time, as written.
 */
export async function execute(plan: PlanNode): Promise<ExecutionOutcome> {
  const stats = new Map<PlanNode, OperatorStats>();

  async function run(node: PlanNode, memo: Map<PlanNode, NodeResult>, scope: LoopScope | null): Promise<NodeResult> {
    const done = memo.get(node);
    if (done) return done;
    const inputs: NodeResult[] = [];
    for (const input of node.inputs) inputs.push(await run(input, memo, scope));
    const start = performance.now();
    const result = node.kind === 'loop' ? await runLoop(node, inputs, scope) : await runOperator(node, inputs, scope);
    record(node, result, performance.now() - start);
    memo.set(node, result);
    return result;
  }

  async function runLoop(node: Node<'loop'>, inputs: readonly NodeResult[], outer: LoopScope | null): Promise<NodeResult> {
    const { loopId, iterations, body } = node.args;
    let state = matrixOf(inputs[0], node);
    const loopInputs = inputs.slice(1).map((r) => matrixOf(r, node));
    for (let i = 0; i < iterations; i++) {
      const scope: LoopScope = { loopId, state, inputs: loopInputs, outer };
      state = matrixOf(await run(body, new Map(), scope), node);
    }
    return { kind: 'matrix', value: state };
  }

  function record(node: PlanNode, result: NodeResult, timeMs: number): void {
    const before = stats.get(node);
    const shape =
      result.kind === 'relation'
        ? { rows: totalRows(result.batches), bytes: result.batches.reduce((s, b) => s + batchBytes(b), 0) }
        : { rows: result.value.rows, cols: result.value.cols, bytes: matrixBytes(result.value) };
    stats.set(node, { ...shape, timeMs: (before?.timeMs ?? 0) + timeMs, runs: (before?.runs ?? 0) + 1 });
  }

  const result = await run(plan, new Map(), null);
  return { result, stats };
}

function matrixBytes(m: MatrixValue): number {
  const csrBytes = (s: CsrMatrix) => s.indptr.byteLength + s.indices.byteLength + s.values.byteLength;
  if (isHybrid(m)) return m.dense.data.byteLength + m.denseCols.byteLength + csrBytes(m.sparse);
  return isCsr(m) ? csrBytes(m) : m.data.byteLength;
}

function matrixOf(r: NodeResult, node: PlanNode): MatrixValue {
  if (r.kind !== 'matrix') throw new ExecutionError(node.kind, 'expected a matrix input');
  return r.value;
}

function batchesOf(r: NodeResult, node: PlanNode): readonly Batch[] {
  if (r.kind !== 'relation') throw new ExecutionError(node.kind, 'expected a relation input');
  return r.batches;
}

function relation(batches: readonly Batch[]): RelationResult {
  return { kind: 'relation', batches };
}

function matrix(value: MatrixValue): MatrixResult {
  return { kind: 'matrix', value };
}

function boundLoopValue(node: Node<'loopState'> | Node<'loopInput'>, scope: LoopScope | null): MatrixValue {
  for (let s = scope; s; s = s.outer) {
    if (s.loopId !== node.args.loopId) continue;
    return node.kind === 'loopState' ? s.state : s.inputs[node.args.index - 1];
  }
  throw new ExecutionError(node.kind, `read outside the body of loop ${node.args.loopId}`);
}

async function runOperator(node: PlanNode, inputs: readonly NodeResult[], scope: LoopScope | null): Promise<NodeResult> {
  const batches = (i: number) => batchesOf(inputs[i], node);
  const dense = (i: number): DenseMatrix => toDense(matrixOf(inputs[i], node));
  switch (node.kind) {
    case 'scan': {
      const { source, columns } = node.args;
      return relation(await source.load(columns ?? source.schema.fields.map((f) => f.name)));
    }
    case 'filter':
      return relation(runFilter(node, batches(0)));
    case 'project':
      return relation(runProject(node, batches(0)));
    case 'join':
      return relation(runJoin(node, batches(0), batches(1)));
    case 'aggregate':
      return relation(runAggregate(node, batches(0)));
    case 'sort':
      return relation(runSort(node, batches(0)));
    case 'limit':
      return relation(runLimit(node, batches(0)));
    case 'distinct':
      return relation(runDistinct(node, batches(0)));
    case 'union':
      return relation(runUnion(batches(0), batches(1)));
    case 'toMatrix':
      return matrix(runToMatrix(node, batches(0)));
    case 'appendColumns':
      return relation(runAppendColumns(node, batches(0), dense(1)));
    case 'matrixToRelation':
      return relation(runMatrixToRelation(dense(0)));
    case 'loopState':
    case 'loopInput':
      return matrix(boundLoopValue(node, scope));
    case 'loop':
      throw new ExecutionError('loop', 'loops run through execute()');
    default:
      return matrix(
        runMatrixOperator(
          node,
          inputs.map((r) => matrixOf(r, node)),
        ),
      );
  }
}
