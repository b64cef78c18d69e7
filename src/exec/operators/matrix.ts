import { ExecutionError } from '../../errors.js';
import { checkArrayLength } from '../../data/limits.js';
import { mulberry32 } from '../../data/random.js';
import { type CsrMatrix, csrCrossProduct, csrTimesDense, csrTransposeTimesDense } from '../../kernels/matrix/csr.js';
import { type DenseMatrix, allocate, identity, resultDtype, transpose } from '../../kernels/matrix/dense.js';
import { crossProduct, crossProductWith } from '../../kernels/matrix/crossprod.js';
import {
  type HybridMatrix,
  hybridCrossProduct,
  hybridCrossProductWith,
  hybridReduce,
  hybridSelectColumns,
  hybridTimesDense,
  hybridToDense,
} from '../../kernels/matrix/hybrid.js';
import {
  broadcastBinary,
  diagonal,
  hstackMatrices,
  vstackMatrices,
  mapElements,
  nearestIndicator,
  reduceMatrix,
  selectColumns,
  selectRows,
} from '../../kernels/matrix/elementwise.js';
import { gemm } from '../../kernels/matrix/gemm.js';
import { NonFiniteInputError, SingularMatrixError } from '../../kernels/matrix/errors.js';
import { csrSelectRows, gatherRows, rowsPerKey, scatterRows, zeroUnreferencedRows } from '../../kernels/matrix/keyed.js';
import { inverse } from '../../kernels/matrix/lu.js';
import { leastSquares, solve } from '../../kernels/matrix/solve.js';
import { cholesky, choleskySolve } from '../../kernels/matrix/cholesky.js';
import { luSolve, lu } from '../../kernels/matrix/lu.js';
import type { PlanNode } from '../../plan/node.js';
import type { FitGuard } from '../../plan/matrix-operators.js';

/**
 * A matrix value at run time: dense, CSR for one-hot encodings, or dense and CSR
 * blocks side by side (kernels/matrix/hybrid.ts) for numeric features next to many
 * one-hot/hash columns. Operators without a sparse kernel densify their inputs.
 */
export type MatrixValue = DenseMatrix | CsrMatrix | HybridMatrix;

export function isCsr(m: MatrixValue): m is CsrMatrix {
  return 'indptr' in m;
}

export function isHybrid(m: MatrixValue): m is HybridMatrix {
  return 'sparse' in m;
}

/** Bytes held by a matrix value's buffers. */
export function matrixBytes(m: MatrixValue): number {
  const csrBytes = (s: CsrMatrix) => s.indptr.byteLength + s.indices.byteLength + s.values.byteLength;
  if (isHybrid(m)) return m.dense.data.byteLength + m.denseCols.byteLength + csrBytes(m.sparse);
  return isCsr(m) ? csrBytes(m) : m.data.byteLength;
}

/**
 * What densifying may ask of the run: the operator to name in errors and the memory
 * budget (an OperatorRun fits). Without one, only the engine's array limit is checked.
 */
export interface DensifyBudget {
  readonly operator: string;
  reserve(bytes: number): void;
}

/**
 * The dense form of a matrix value (itself when already dense). A CSR or hybrid matrix
 * becomes rows × cols float64 values, whatever its non-zeros: a 1M-category one-hot of
 * 10,000 rows is 10^10 elements. The size is checked before allocating: against the
 * longest typed array (AllocationLimitError) and against `budget` (MemoryLimitError).
 */
export function toDense(m: MatrixValue, budget?: DensifyBudget): DenseMatrix {
  if (!isCsr(m) && !isHybrid(m)) return m;
  const elements = m.rows * m.cols;
  const operator = budget?.operator ?? 'toDense';
  checkArrayLength(operator, `densifying a ${m.rows}×${m.cols} ${isHybrid(m) ? 'hybrid (dense and CSR)' : 'CSR'} matrix`, elements, 8);
  budget?.reserve(elements * 8);
  if (isHybrid(m)) return hybridToDense(m);
  const data = new Float64Array(elements);
  for (let i = 0; i < m.rows; i++) for (let p = m.indptr[i]; p < m.indptr[i + 1]; p++) data[i * m.cols + m.indices[p]] = m.values[p];
  return { rows: m.rows, cols: m.cols, data };
}

function sampleRowIndices(rows: number, count: number, seed: number, by?: string): Int32Array {
  if (count > rows) {
    if (by) throw new ExecutionError(by, `cannot draw ${count} initial rows from ${rows} rows; expected X with at least ${count} rows`);
    throw new ExecutionError('sampleRows', `cannot draw ${count} rows from a ${rows}-row matrix`);
  }
  // Partial Fisher–Yates: the first `count` slots of a seeded shuffle.
  const order = Int32Array.from({ length: rows }, (_, i) => i);
  const rand = mulberry32(seed);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(rand() * (rows - i));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order.slice(0, count);
}

/** Indices of rows whose mask value is non-zero (NaN counts as zero). */
function maskRows(mask: DenseMatrix): Int32Array {
  const keep: number[] = [];
  for (let i = 0; i < mask.rows; i++) if (mask.data[i]) keep.push(i);
  return Int32Array.from(keep);
}

/**
 * Whether every value is finite. CSR products skip the implicit zeros, which gives the
 * dense result only when 0·x = 0, i.e. x is finite; with NaN/±Inf in the dense operand
 * the product runs dense, so NaN propagates whichever representation X has. For a
 * hybrid X the operand of its sparse block is the other input, and for XᵀX its own
 * dense block (the DᵀS block).
 */
function allFinite(m: DenseMatrix): boolean {
  return firstNonFinite(m) < 0;
}

/** The flat index of the first NaN or ±Infinity of `m`, −1 when every value is finite. */
export function firstNonFinite(m: DenseMatrix): number {
  const d = m.data;
  for (let i = 0; i < d.length; i++) if (d[i] - d[i] !== 0) return i;
  return -1;
}

/** A FitGuard's checks: at least one row fitted from, then the values (see FitGuard). */
function checkGuard(guard: FitGuard, value: DenseMatrix, rows: DenseMatrix): DenseMatrix {
  const { operator, state, expected } = guard;
  if (!(rows.data[0] >= 1)) throw new ExecutionError(operator, `fitted from ${rows.data[0]} rows; expected at least one row`);
  if (guard.values === 'binary') {
    const d = value.data;
    for (let i = 0; i < d.length; i++) {
      if (d[i] !== 0 && d[i] !== 1) throw new ExecutionError(operator, `${state} must be 0 or 1, got ${d[i]} at row ${Math.floor(i / value.cols) + 1}; expected ${expected}`);
    }
    return value;
  }
  const k = firstNonFinite(value);
  if (k >= 0) throw new NonFiniteInputError(`${operator}: ${state} are not finite (${value.data[k]} at flat index ${k}); expected ${expected}`);
  return value;
}

/** The key map operand of a keyed operator (always CSR: KeyMap builds it so). */
function keyOf(node: PlanNode, m: MatrixValue): CsrMatrix {
  if (!isCsr(m)) throw new ExecutionError(node.kind, 'expected a key map (CSR) as the first input');
  return m;
}

const densify = toDense;

/** A linear system A·X = B by `method`. */
function solveSystem(method: 'auto' | 'cholesky' | 'lu', A: DenseMatrix, B: DenseMatrix): DenseMatrix {
  if (method === 'auto') return solve(A, B);
  // Factor in float64 as `solve` does: cholesky/lu store their factors in A's dtype, and a
  // float32 factor would cost ~7 digits even when B (and so the result) is float64.
  const A64: DenseMatrix = A.data instanceof Float64Array ? A : { rows: A.rows, cols: A.cols, data: Float64Array.from(A.data) };
  const X = method === 'cholesky' ? choleskySolve(cholesky(A64), B) : luSolve(lu(A64), B);
  return A.data instanceof Float32Array && B.data instanceof Float32Array ? { rows: X.rows, cols: X.cols, data: Float32Array.from(X.data) } : X;
}

/** Runs one matrix operator on its evaluated inputs; `budget` checks the inputs it densifies (see toDense). */
export function runMatrixOperator(node: PlanNode, inputs: readonly MatrixValue[], budget?: DensifyBudget): MatrixValue {
  const toDense = (m: MatrixValue) => densify(m, budget);
  const dense = (i: number) => toDense(inputs[i]);
  switch (node.kind) {
    case 'matrixLiteral':
      return node.args.value;
    case 'identity':
      return identity(node.args.n, node.args.dtype);
    case 'matmul': {
      const a = inputs[0];
      const b = dense(1);
      if (isCsr(a) && allFinite(b)) return csrTimesDense(a, b);
      if (isHybrid(a) && allFinite(b)) return hybridTimesDense(a, b);
      return gemm(toDense(a), b);
    }
    case 'transpose':
      return transpose(dense(0));
    case 'elementwise':
      return broadcastBinary(node.args.op, dense(0), dense(1));
    case 'map':
      return mapElements(node.args.fn, dense(0), node.args.a, node.args.b);
    case 'reduce': {
      const a = inputs[0];
      return isHybrid(a) ? hybridReduce(node.args.op, node.args.axis, a) : reduceMatrix(node.args.op, node.args.axis, toDense(a));
    }
    case 'crossprod': {
      const a = inputs[0];
      if (inputs.length === 1) {
        if (isCsr(a)) return csrCrossProduct(a);
        if (isHybrid(a) && allFinite(a.dense)) return hybridCrossProduct(a);
        return crossProduct(toDense(a));
      }
      // AᵀB with B hybrid and A dense: (BᵀA)ᵀ, so B's sparse block stays sparse (A is its operand).
      const bv = inputs[1];
      if (isHybrid(bv) && !isCsr(a) && !isHybrid(a) && allFinite(a)) return transpose(hybridCrossProductWith(bv, a));
      const b = dense(1);
      if (isCsr(a) && allFinite(b)) return csrTransposeTimesDense(a, b);
      if (isHybrid(a) && allFinite(b)) return hybridCrossProductWith(a, b);
      return crossProductWith(toDense(a), b);
    }
    case 'solve': {
      const { singularHint } = node.args;
      if (!singularHint) return solveSystem(node.args.method, dense(0), dense(1));
      try {
        return solveSystem(node.args.method, dense(0), dense(1));
      } catch (e) {
        if (e instanceof SingularMatrixError) throw new SingularMatrixError(`${e.message}. ${singularHint}`);
        throw e;
      }
    }
    case 'lstsq':
      return leastSquares(dense(0), dense(1), node.args.ridge);
    case 'inverse':
      return inverse(dense(0));
    case 'diag':
      return diagonal(dense(0));
    case 'selectCols': {
      const a = inputs[0];
      return isHybrid(a) ? hybridSelectColumns(a, node.args.indices) : selectColumns(toDense(a), node.args.indices);
    }
    case 'filterRows':
      return selectRows(dense(0), maskRows(dense(1)));
    case 'sampleRows': {
      // A key map stays a key map (sampling is pushed through gathers onto K).
      const m = inputs[0];
      const rows = sampleRowIndices(m.rows, node.args.count, node.args.seed, node.args.by);
      return isCsr(m) ? csrSelectRows(m, rows) : selectRows(toDense(m), rows);
    }
    case 'guard':
      return checkGuard(node.args, dense(0), dense(1));
    case 'nearest':
      return nearestIndicator(dense(0));
    case 'hstack':
      return hstackMatrices(inputs.map((m) => toDense(m)));
    case 'vstack':
      return vstackMatrices(inputs.map((m) => toDense(m)));
    case 'sliceRows': {
      const m = dense(0);
      const { start, end } = node.args;
      return { rows: end - start, cols: m.cols, data: m.data.slice(start * m.cols, end * m.cols) };
    }
    case 'gatherByKey':
      return gatherRows(keyOf(node, inputs[0]), dense(1));
    case 'scatterByKey':
      return scatterRows(keyOf(node, inputs[0]), dense(1));
    case 'keyCounts':
      return rowsPerKey(keyOf(node, inputs[0]), node.args.dtype);
    case 'referencedRows':
      return zeroUnreferencedRows(keyOf(node, inputs[0]), dense(1));
    default:
      throw new ExecutionError(node.kind, 'not a matrix operator');
  }
}


/** Products above this many multiply-adds run in row panels, yielding to the event loop between panels. */
const PANEL_WORK = 5e7;

/**
 * A dense product too long to hold the event loop: row panels of A times B, each into
 * its rows of the output (the same arithmetic, element for element, as one call), with
 * a yield and a cancellation check between panels.
 */
export async function gemmInPanels(a: DenseMatrix, b: DenseMatrix, checkCancelled: () => void): Promise<DenseMatrix> {
  const work = a.rows * a.cols * b.cols;
  if (work <= PANEL_WORK || a.rows < 2) return gemm(a, b);
  const out: DenseMatrix = { rows: a.rows, cols: b.cols, data: allocate(resultDtype(a, b), a.rows * b.cols) };
  const panel = Math.max(1, Math.floor((a.rows * PANEL_WORK) / work));
  for (let r = 0; r < a.rows; r += panel) {
    checkCancelled();
    const end = Math.min(a.rows, r + panel);
    const rowsOfA: DenseMatrix = { rows: end - r, cols: a.cols, data: a.data.subarray(r * a.cols, end * a.cols) };
    gemm(rowsOfA, b, { out: { rows: end - r, cols: b.cols, data: out.data.subarray(r * b.cols, end * b.cols) } });
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  checkCancelled();
  return out;
}

