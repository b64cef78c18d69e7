import { PlanError } from '../errors.js';
import { type MatrixValue, isCsr, isHybrid, runMatrixOperator, toDense } from '../exec/operators/matrix.js';
import type { CsrMatrix } from '../kernels/matrix/csr.js';
import { type DenseMatrix, type FloatArray, resultDtype } from '../kernels/matrix/dense.js';
import { broadcastBinary, mapElements } from '../kernels/matrix/elementwise.js';
import { rowProduct } from '../kernels/matrix/gemm.js';
import { type MatrixOutput, type PlanNode, nodeLabel } from '../plan/node.js';
import type { Field } from '../types/schema.js';
import { RowSlots } from './row-input.js';
import { type RowState, type Step, compileEncoder } from './encoder.js';

/**
 * The single-row path of a fitted pipeline, compiled once: one closure per served plan
 * step, run in order over preallocated buffers. Nothing is planned or optimized per
 * call.
 *
 * Same answers as the batch plan, bit for bit: the encoder writes what toMatrix writes
 * (same layout: dense, CSR or dense + CSR blocks, toMatrixLayout), and products by a
 * frozen matrix add their terms in the order the batch kernels do (gemm's rowProduct,
 * which gives a row the bits it gets in a product of any number of rows; the dense
 * block before the sparse entries for a hybrid; zero-skipping only where the batch
 * kernel skips, i.e. when the frozen operand is finite). Every other step runs the executor's
 * own kernel on a one-row matrix (maps and element-wise operations into a buffer of
 * their own, the rest through runMatrixOperator); those kernels compute each row apart.
 */
export interface RowScorer {
  /** Output columns. */
  readonly width: number;
  /** Scores one row into `out` (length `width`); false when the pipeline's filters drop the row (as the batch plan drops it). */
  scoreInto(row: Readonly<Record<string, unknown>>, out: Float64Array): boolean;
}

export function compileRowScorer(plan: PlanNode, inputFields: readonly Field[]): RowScorer {
  const slots = new RowSlots(inputFields);
  const state: RowState = { dropped: false };
  const steps = new Map<PlanNode, Step>();
  const matrixRoot = plan.kind === 'appendColumns' ? plan.inputs[1] : plan.kind === 'matrixToRelation' ? plan.inputs[0] : plan;
  if (matrixRoot.output.kind !== 'matrix') {
    throw new PlanError('predict', `single-row scoring needs the pipeline to end in a matrix or in appended prediction columns, not ${nodeLabel(plan)}; score batches with predict(rows)`);
  }
  const compile = (node: PlanNode): Step => {
    const known = steps.get(node);
    if (known) return known;
    const step = compileNode(node, compile, slots, state);
    steps.set(node, step);
    return step;
  };
  const run = compile(matrixRoot);
  const width = matrixRoot.output.cols;
  return {
    width,
    scoreInto(row, out) {
      slots.read(row, 'predict');
      state.dropped = false;
      const m = toDense(run());
      if (state.dropped) return false;
      for (let j = 0; j < width; j++) out[j] = m.data[j];
      return true;
    },
  };
}

function compileNode(node: PlanNode, compile: (n: PlanNode) => Step, slots: RowSlots, state: RowState): Step {
  switch (node.kind) {
    case 'toMatrix':
      return compileEncoder(node, slots, state);
    case 'matmul':
      return compileProduct(compile(node.inputs[0]), node.inputs[1]);
    case 'matrixLiteral': {
      const value = node.args.value;
      return () => value;
    }
    case 'map': {
      // The executor's kernel, into a buffer of this step (dense operands, as runMatrixOperator densifies them).
      const input = compile(node.inputs[0]);
      const { fn, a, b } = node.args;
      const into = outputBuffers((node.output as MatrixOutput).cols);
      return () => {
        const x = toDense(input());
        return mapElements(fn, x, a, b, into(resultDtype(x)));
      };
    }
    case 'elementwise': {
      const left = compile(node.inputs[0]);
      const right = compile(node.inputs[1]);
      const into = outputBuffers((node.output as MatrixOutput).cols);
      return () => {
        const x = toDense(left());
        const y = toDense(right());
        return broadcastBinary(node.args.op, x, y, into(resultDtype(x, y)));
      };
    }
    case 'reduce':
    case 'nearest':
    case 'selectCols':
    case 'hstack': {
      const inputs = node.inputs.map(compile);
      const values: MatrixValue[] = new Array(inputs.length);
      return () => {
        for (let i = 0; i < inputs.length; i++) values[i] = inputs[i]();
        return runMatrixOperator(node, values);
      };
    }
    default:
      throw new PlanError('predict', `single-row scoring does not run ${nodeLabel(node)}; score batches with predict(rows)`);
  }
}

/** One reusable output row per dtype. */
function outputBuffers(cols: number): (dtype: 'float64' | 'float32') => FloatArray {
  const f64 = new Float64Array(cols);
  const f32 = new Float32Array(cols);
  return (dtype) => (dtype === 'float32' ? f32 : f64);
}

function allFinite(data: FloatArray): boolean {
  for (let i = 0; i < data.length; i++) if (data[i] - data[i] !== 0) return false;
  return true;
}

/**
 * x·W for one row x and a frozen W (k×m), in the batch kernels' order (see RowScorer).
 * The sparse kernels run only when W is finite, as in runMatrixOperator.
 */
function compileProduct(input: Step, right: PlanNode): Step {
  if (right.kind !== 'matrixLiteral') throw new PlanError('predict', `single-row scoring multiplies by frozen matrices only, not by ${nodeLabel(right)}`);
  const W = right.args.value;
  const k = W.rows;
  const m = W.cols;
  const w = W.data;
  const finite = allFinite(w);
  const out64: DenseMatrix = { rows: 1, cols: m, data: new Float64Array(m) };
  const out32: DenseMatrix = { rows: 1, cols: m, data: new Float32Array(m) };
  // The dense block's rows of W, per hybrid layout seen (one per encoder: fixed after the first call).
  let top: Float64Array | null = null;
  let topFor: Int32Array | null = null;

  const addSparse = (S: CsrMatrix, c: Float64Array) => {
    for (let p = S.indptr[0]; p < S.indptr[1]; p++) {
      const v = S.values[p];
      const o = S.indices[p] * m;
      for (let j = 0; j < m; j++) c[j] += v * w[o + j];
    }
  };
  return () => {
    const x = input();
    if (isHybrid(x) && finite) {
      if (topFor !== x.denseCols) {
        const dc = x.denseCols;
        top = new Float64Array(dc.length * m);
        for (let a = 0; a < dc.length; a++) for (let j = 0; j < m; j++) top[a * m + j] = w[dc[a] * m + j];
        topFor = dc;
      }
      const c = out64.data as Float64Array;
      rowProduct(x.dense.data, top!, x.dense.cols, m, c);
      addSparse(x.sparse, c);
      return out64;
    }
    if (isCsr(x) && finite) {
      const c = out64.data as Float64Array;
      c.fill(0);
      addSparse(x, c);
      return out64;
    }
    const a = toDense(x);
    const out = a.data instanceof Float32Array && w instanceof Float32Array ? out32 : out64;
    rowProduct(a.data, w, k, m, out.data);
    return out;
  };
}
