import { toMatrixLayout } from '../plan/bridge-operators.js';
import { type PlanNode, operatorDef } from '../plan/node.js';
import { isIntegerKey } from '../kernels/relational/hash.js';
import type { Layout } from './plan.js';

/**
 * How Tessera's own (JS) kernels run each logical operator: the physical operator's
 * name, its algorithm and output layout, given the layouts of its inputs. These are
 * static choices made from the plan's types, keys and encoders; where a kernel adapts
 * to the data (a key-indexed join needs dense unique keys, the fused aggregate needs
 * expressions it can compile), the algorithm says so and explain analyze reports what
 * actually ran.
 */

export interface JsOperator {
  readonly operator: string;
  readonly algorithm: string;
  readonly layout: Layout;
  /** Why this algorithm, where there was a choice ('' where there was none). */
  readonly reason: string;
}

function joinOperator(node: Extract<PlanNode, { kind: 'join' }>): JsOperator {
  const { how, leftKeys } = node.args;
  const left = node.inputs[0].output;
  const right = node.inputs[1].output;
  const keyType = (out: typeof left, name: string) => (out.kind === 'relation' ? out.schema.fields.find((f) => f.name === name)?.dtype : undefined);
  const lt = keyType(left, leftKeys[0]);
  const rt = keyType(right, node.args.rightKeys[0]);
  const intKey = leftKeys.length === 1 && lt !== undefined && rt !== undefined && isIntegerKey(lt) && isIntegerKey(rt);
  if (how === 'semi' || how === 'anti') return { operator: how === 'semi' ? 'HashSemiJoin' : 'HashAntiJoin', algorithm: 'hash the right keys, probe the left', layout: 'columns', reason: '' };
  if (how === 'right' || how === 'full') {
    return { operator: 'HashJoin', algorithm: 'hash the right keys, probe the left, then add the right rows no left row matched; lazy output columns', layout: 'columns', reason: `${how} outer join` };
  }
  if (intKey) {
    return {
      operator: 'KeyIndexedJoin',
      algorithm: 'look right rows up by key value when the keys are unique and dense, else hash; lazy output columns',
      layout: 'columns',
      reason: 'one integer key',
    };
  }
  return {
    operator: 'HashJoin',
    algorithm: 'hash the right keys, probe the left; lazy output columns',
    layout: 'columns',
    reason: leftKeys.length > 1 ? 'composite key' : 'key is not an integer',
  };
}

const FUSABLE_AGGREGATES = new Set(['count', 'sum', 'mean', 'min', 'max']);

/** Whether an aggregate's functions all run in a generated loop (the fused aggregate, pipelines). */
export function isFusableAggregate(node: Extract<PlanNode, { kind: 'aggregate' }>): boolean {
  return node.args.aggregates.every((a) => FUSABLE_AGGREGATES.has(a.aggregate.fn));
}

/**
 * Whether a pipeline's loop computes an aggregate's functions: the generated loop's, and
 * count distinct of a column, counted in bitmaps over its value ids
 * (src/exec/pipeline/distinct.ts; a domain too large for them runs operator at a time).
 */
export function isPipelineAggregate(node: Extract<PlanNode, { kind: 'aggregate' }>): boolean {
  return node.args.aggregates.every(({ aggregate: a }) => FUSABLE_AGGREGATES.has(a.fn) || (a.fn === 'countDistinct' && a.arg?.kind === 'column'));
}

function aggregateOperator(node: Extract<PlanNode, { kind: 'aggregate' }>): JsOperator {
  if (isFusableAggregate(node)) {
    return { operator: 'FusedAggregate', algorithm: 'one generated loop over the rows, column at a time when an argument does not compile', layout: 'columns', reason: 'count, sum, mean, min and max only' };
  }
  return { operator: 'HashAggregate', algorithm: 'hash the keys to group ids, one kernel per aggregate', layout: 'columns', reason: 'count distinct or a deviation (stddev, variance): no generated loop' };
}

/** Output layout of a JS matrix kernel, given its inputs' layouts. */
function matrixOutputLayout(node: PlanNode, inputs: readonly Layout[]): Layout {
  switch (node.kind) {
    case 'toMatrix':
      return toMatrixLayout(node.args);
    case 'keyMap':
      return 'csr';
    case 'selectCols':
      // A hybrid matrix keeps a CSR block when only one-hot/hash columns are selected; the executor reports the actual layout.
      return inputs[0] === 'hybrid' ? 'hybrid' : 'dense';
    default:
      return 'dense';
  }
}

function matrixAlgorithm(node: PlanNode, inputs: readonly Layout[]): string {
  const a = inputs[0];
  switch (node.kind) {
    case 'matmul':
      return a === 'csr' ? 'CSR × dense, skipping zeros (dense GEMM when B holds NaN/±Inf)' : a === 'hybrid' ? 'dense block GEMM + CSR block product' : 'packed 4×4 register-tiled GEMM';
    case 'crossprod':
      if (node.inputs.length === 1) return a === 'csr' ? 'CSR cross-product' : a === 'hybrid' ? 'blockwise DᵀD, DᵀS, SᵀS' : 'symmetric XᵀX, one triangle';
      return a === 'csr' ? 'CSRᵀ × dense' : a === 'hybrid' ? 'blockwise XᵀY' : 'column-panel XᵀY';
    case 'solve':
      return node.args.method === 'auto' ? 'Cholesky, LU with partial pivoting when not positive definite' : node.args.method === 'cholesky' ? 'Cholesky' : 'LU with partial pivoting';
    case 'lstsq':
      return 'normal equations with ridge (Cholesky), Householder QR when ill-conditioned';
    case 'inverse':
      return 'LU with partial pivoting';
    case 'toMatrix': {
      const layout = toMatrixLayout(node.args);
      return layout === 'dense' ? 'encode into a dense row-major block' : layout === 'csr' ? 'encode one-hot/hash columns as CSR' : 'numeric columns dense, one-hot/hash columns CSR';
    }
    case 'reduce':
      return a === 'hybrid' ? 'blockwise reduction' : 'one pass, float64 accumulators';
    case 'keyMap':
      return "look each row's key up in the dimension (by key value when the keys are dense integers, else hashed); K as CSR, one entry per row";
    case 'gatherByKey':
      return 'copy dimension row K[i] into row i: no arithmetic';
    case 'scatterByKey':
      return "add each row into its key's row in row order (a group-by-sum on the key), float64 accumulators";
    case 'keyCounts':
      return 'count rows per key';
    case 'referencedRows':
      return 'copy the rows some key refers to, zeros elsewhere';
    case 'vstack':
    case 'sliceRows':
      return 'copy rows';
    case 'loop':
      return `${node.args.iterations} iterations of the body`;
    case 'loopLoss':
      return "record the loss in the loop's report, pass the result through";
    case 'matrixLiteral':
    case 'loopState':
    case 'loopInput':
      return '';
    default:
      return 'element loop over typed arrays';
  }
}

const RELATIONAL_ALGORITHMS: Partial<Record<PlanNode['kind'], string>> = {
  scan: 'read the needed columns from the source',
  filter: 'evaluate the predicate per batch, gather the selected rows',
  project: 'evaluate expressions column at a time',
  sort: 'index sort on the keys, then one gather',
  limit: 'slice batches',
  distinct: 'hash rows, keep first occurrences',
  union: 'concatenate batches',
  validate: 'one loop over its input batches, read in place, for every row-level expectation (uniqueness keys hashed first); keep, drop or quarantine by policy',
  appendColumns: 'append matrix columns to their rows',
  matrixToRelation: 'one float64 column per matrix column',
};

/**
 * R10, join → blocks: a toMatrix over a join reads the join's output columns through
 * the join's row index (late gather of only the encoded columns), so no joined column
 * is materialized between the join and the matrix.
 */
function joinToMatrixOperator(node: Extract<PlanNode, { kind: 'toMatrix' }>): JsOperator {
  const layout = toMatrixLayout(node.args);
  return {
    operator: 'JoinToMatrix',
    algorithm: `encode the join's rows straight into the ${layout === 'dense' ? 'dense block' : layout === 'csr' ? 'CSR block' : 'dense and CSR blocks'}, reading each column through the join index; one-hot slots found once per dimension row`,
    layout,
    reason: "the input is a join: its index and the needed columns only, no joined table",
  };
}

/** Choices the caller can switch off (benchmarks and tests compare against the plain operators). */
export interface OperatorOptions {
  /** false encodes a join's output like any relation (gathering every joined column first), instead of JoinToMatrix. */
  readonly joinBlocks?: boolean;
}

/** How the JS kernels run `node`, given its inputs' output layouts. */
export function jsOperator(node: PlanNode, inputs: readonly Layout[], options: OperatorOptions = {}): JsOperator {
  if (node.kind === 'join') return joinOperator(node);
  if (node.kind === 'aggregate') return aggregateOperator(node);
  if (node.kind === 'toMatrix' && node.inputs[0].kind === 'join' && node.inputs[0].args.how !== 'semi' && node.inputs[0].args.how !== 'anti' && options.joinBlocks !== false) {
    return joinToMatrixOperator(node);
  }
  const name = operatorDef(node.kind).name.replace(/\s+/g, '');
  if (node.output.kind === 'relation') return { operator: name, algorithm: RELATIONAL_ALGORITHMS[node.kind] ?? '', layout: 'columns', reason: '' };
  const layout = matrixOutputLayout(node, inputs);
  const reason = node.kind === 'toMatrix' && layout !== 'dense' ? 'one-hot/hash columns dominate the width' : '';
  return { operator: name, algorithm: matrixAlgorithm(node, inputs), layout, reason };
}
