import { PlanError, ShapeError } from '../errors.js';
import { numberText } from './expr.js';
import type { DenseMatrix } from '../kernels/matrix/dense.js';
import type { LoopGuard } from './loop-operators.js';
import type { MatrixOutput, OperatorDefs, OutputType, PlanNode } from './node.js';

/**
 * Matrix operators. Shapes and dtypes are checked when a node is built, so a product
 * of a 3-column matrix by a 4-row matrix fails before anything runs, with an error
 * naming both operands. A row count may be unknown (null) while planning, e.g. after
 * a relational filter; column counts are always known.
 */

export type MatrixDType = 'float64' | 'float32';
export type ElementwiseOp = 'add' | 'sub' | 'mul' | 'div' | 'min' | 'max';
/**
 * Element maps; `a`/`b` are the scalar parameters (`scale`: x·a, `shift`: x+a, `rsub`: a−x, `rdiv`: a/x, `pow`: x^a, `clip`: [a, b]).
 * Comparisons `gt`, `ge`, `lt`, `le`, `eq`, `ne` against `a` give 1 where true and 0 where false (IEEE semantics: only `ne` holds for NaN),
 * the masks `filterRows` takes.
 */
export type MapFn = 'exp' | 'log' | 'sqrt' | 'abs' | 'neg' | 'sigmoid' | 'pow' | 'clip' | 'scale' | 'shift' | 'rsub' | 'rdiv' | ComparisonFn;
/** Element comparisons with the scalar `a` (1 where true, 0 where false). */
export type ComparisonFn = 'gt' | 'ge' | 'lt' | 'le' | 'eq' | 'ne';
export const COMPARISON_FNS: readonly ComparisonFn[] = ['gt', 'ge', 'lt', 'le', 'eq', 'ne'];
export function isComparisonFn(fn: MapFn): fn is ComparisonFn {
  return (COMPARISON_FNS as readonly string[]).includes(fn);
}
/** `count` is the number of elements reduced (a row count over axis 'cols' or 'all' of a column vector). */
export type ReduceOp = 'sum' | 'mean' | 'count';
/** rows: one value per row (m×1); cols: one per column (1×n); all: 1×1. */
export type ReduceAxis = 'rows' | 'cols' | 'all';

export interface MatrixArgs {
  matrixLiteral: { readonly value: DenseMatrix; readonly name: string; readonly id: string };
  identity: { readonly n: number; readonly dtype: MatrixDType };
  matmul: Record<string, never>;
  transpose: Record<string, never>;
  elementwise: { readonly op: ElementwiseOp };
  map: { readonly fn: MapFn; readonly a?: number; readonly b?: number };
  reduce: { readonly op: ReduceOp; readonly axis: ReduceAxis };
  crossprod: Record<string, never>;
  /** `singularHint`: a learner's sentence on why its system may be singular and what to do, added to a SingularMatrixError. */
  solve: { readonly method: 'auto' | 'cholesky' | 'lu'; readonly singularHint?: string };
  lstsq: { readonly ridge: number };
  inverse: Record<string, never>;
  diag: Record<string, never>;
  selectCols: { readonly indices: readonly number[] };
  filterRows: Record<string, never>;
  /** `by`: the learner drawing the rows (k-means' initial centroids), named by the run-time error. */
  sampleRows: { readonly count: number; readonly seed: number; readonly by?: string };
  /** See FitGuard: passes its first input through once the checks hold. */
  guard: FitGuard;
  nearest: Record<string, never>;
  hstack: Record<string, never>;
  vstack: Record<string, never>;
  /** Rows start..end−1. */
  sliceRows: { readonly start: number; readonly end: number };
}

/**
 * A learner's check on what it fits from, where no loop guard does it: the row count
 * (the second input, 1×1) must be at least one, else an ExecutionError of `operator`;
 * and the values of the first input, which passes through, must be finite
 * (NonFiniteInputError) or, for `values: 'binary'`, each 0 or 1 (ExecutionError).
 * Linear regression guards Xᵀy (a ridge solve over zero rows would return zero
 * coefficients, the penalty's minimum, with no error); logistic regression its labels.
 */
export interface FitGuard extends LoopGuard {
  readonly values: 'finite' | 'binary';
}

export function matrixInput(inputs: readonly PlanNode[], i: number, operator: string): MatrixOutput {
  const out = inputs[i]?.output;
  if (!out || out.kind !== 'matrix') throw new PlanError(operator, `input ${i + 1} must be a matrix, got ${out ? `a relation (${inputs[i].kind})` : 'nothing'}`);
  return out;
}

export function shapeText(m: { rows: number | null; cols: number }): string {
  return `${m.rows ?? '?'}×${m.cols}`;
}

export function matrix(rows: number | null, cols: number, dtype: MatrixDType, columnNames?: readonly string[], rowOrigin?: PlanNode): OutputType {
  return { kind: 'matrix', rows, cols, dtype, columnNames: columnNames ?? defaultColumnNames(cols), rowOrigin };
}

/**
 * c0, c1, …: one frozen array per width, shared by every node of that width (a key map
 * has a column per dimension row: building 100,000 names per node made planning slow).
 */
const defaultNames = new Map<number, readonly string[]>();
function defaultColumnNames(cols: number): readonly string[] {
  let names = defaultNames.get(cols);
  if (!names) {
    if (defaultNames.size >= 64) defaultNames.delete(defaultNames.keys().next().value!);
    names = Object.freeze(Array.from({ length: cols }, (_, j) => `c${j}`));
    defaultNames.set(cols, names);
  }
  return names;
}

/** float32 only when every operand is. */
export function resultType(...ms: readonly MatrixOutput[]): MatrixDType {
  return ms.every((m) => m.dtype === 'float32') ? 'float32' : 'float64';
}

/** Two row counts agree when equal or when either is unknown while planning. */
function sameRows(a: number | null, b: number | null): boolean {
  return a === null || b === null || a === b;
}

/** Broadcast shape of an element-wise op: same shape, a row vector, a column vector or a 1×1. */
function broadcast(a: MatrixOutput, b: MatrixOutput, op: string): void {
  const colsOk = b.cols === a.cols || b.cols === 1;
  const rowsOk = b.rows === 1 || sameRows(a.rows, b.rows);
  if (!colsOk || !rowsOk) {
    throw new ShapeError(op, `cannot broadcast ${shapeText(b)} onto ${shapeText(a)}: expected the same shape, a 1×${a.cols} row, a ${a.rows ?? '?'}×1 column or a 1×1`);
  }
}

function square(m: MatrixOutput, op: string, what = 'matrix'): number {
  if (m.rows !== null && m.rows !== m.cols) throw new ShapeError(op, `expected a square ${what}, got ${shapeText(m)}`);
  return m.cols;
}

const none = () => '';
const noArgs = () => [];

export const MATRIX_OPERATORS: OperatorDefs<MatrixArgs> = {
  matrixLiteral: {
    name: 'Matrix',
    arity: 0,
    derive: ({ value }) => matrix(value.rows, value.cols, value.data instanceof Float32Array ? 'float32' : 'float64'),
    label: ({ name }) => name,
    digest: ({ id }) => [id],
  },
  identity: {
    name: 'Identity',
    arity: 0,
    derive({ n, dtype }) {
      if (!Number.isInteger(n) || n < 0) throw new PlanError('identity', `expected a non-negative integer size, got ${n}`);
      // n² elements must fit the longest typed array (2^32 in V8): fail here, not with a RangeError at run time.
      if (n * n > 2 ** 32) throw new ShapeError('identity', `${n}×${n} is ${n * n} elements, more than a dense matrix holds (2^32)`);
      return matrix(n, n, dtype);
    },
    label: ({ n }) => String(n),
    digest: ({ n, dtype }) => [n, dtype],
  },
  matmul: {
    name: 'MatMul',
    arity: 2,
    derive(_args, inputs) {
      const a = matrixInput(inputs, 0, 'matmul');
      const b = matrixInput(inputs, 1, 'matmul');
      if (b.rows !== null && a.cols !== b.rows) {
        throw new ShapeError('matmul', `cannot multiply ${inputs[0].kind} (${shapeText(a)}) by ${inputs[1].kind} (${shapeText(b)}): inner dimensions ${a.cols} and ${b.rows} differ`);
      }
      return matrix(a.rows, b.cols, resultType(a, b), b.columnNames, a.rowOrigin);
    },
    label: none,
    digest: noArgs,
  },
  transpose: {
    name: 'Transpose',
    arity: 1,
    derive(_args, inputs) {
      const a = matrixInput(inputs, 0, 'transpose');
      if (a.rows === null) throw new ShapeError('transpose', `the row count of ${inputs[0].kind} is only known at run time; transpose needs it while planning (use crossprod for XᵀX)`);
      // Transposing back restores the original column names, so (Xᵀ)ᵀ and X print and collect alike.
      const twice = inputs[0].kind === 'transpose' ? matrixInput(inputs[0].inputs, 0, 'transpose') : undefined;
      return matrix(a.cols, a.rows, a.dtype, twice?.columnNames);
    },
    label: none,
    digest: noArgs,
  },
  elementwise: {
    name: 'Elementwise',
    arity: 2,
    derive({ op }, inputs) {
      const a = matrixInput(inputs, 0, op);
      broadcast(a, matrixInput(inputs, 1, op), op);
      return matrix(a.rows, a.cols, resultType(a, matrixInput(inputs, 1, op)), a.columnNames, a.rowOrigin);
    },
    label: ({ op }) => op,
    digest: ({ op }) => [op],
  },
  map: {
    name: 'Map',
    arity: 1,
    derive({ fn, a, b }, inputs) {
      const m = matrixInput(inputs, 0, fn);
      const needsA = ['pow', 'scale', 'shift', 'rsub', 'rdiv', 'clip'].includes(fn) || isComparisonFn(fn);
      if (needsA && (a === undefined || Number.isNaN(a))) throw new PlanError(fn, 'expected a numeric parameter');
      if (fn === 'clip' && (b === undefined || Number.isNaN(b) || b < a!)) throw new PlanError('clip', `expected lower ≤ upper bounds, got ${a} and ${b}`);
      return matrix(m.rows, m.cols, m.dtype, m.columnNames, m.rowOrigin);
    },
    label: ({ fn, a, b }) => (a === undefined ? fn : b === undefined ? `${fn}(${numberText(a)})` : `${fn}(${numberText(a)}, ${numberText(b)})`),
    digest: ({ fn, a, b }) => [fn, a, b],
  },
  reduce: {
    name: 'Reduce',
    arity: 1,
    derive({ op, axis }, inputs) {
      const m = matrixInput(inputs, 0, 'reduce');
      if (axis === 'rows') return matrix(m.rows, 1, m.dtype, [op], m.rowOrigin);
      if (axis === 'cols') return matrix(1, m.cols, m.dtype, m.columnNames);
      return matrix(1, 1, m.dtype);
    },
    label: ({ op, axis }) => (axis === 'all' ? op : `${axis === 'rows' ? 'row' : 'col'}${op === 'sum' ? 'Sums' : op === 'mean' ? 'Means' : 'Counts'}`),
    digest: ({ op, axis }) => [op, axis],
  },
  crossprod: {
    name: 'CrossProd',
    arity: 'any',
    derive(_args, inputs) {
      if (inputs.length < 1 || inputs.length > 2) throw new PlanError('crossprod', `expected 1 or 2 inputs, got ${inputs.length}`);
      const a = matrixInput(inputs, 0, 'crossprod');
      const b = inputs.length === 2 ? matrixInput(inputs, 1, 'crossprod') : a;
      if (!sameRows(a.rows, b.rows)) throw new ShapeError('crossprod', `${inputs[0].kind} (${shapeText(a)}) and ${inputs[1].kind} (${shapeText(b)}) have different row counts`);
      return matrix(a.cols, b.cols, resultType(a, b), b.columnNames);
    },
    label: none,
    digest: noArgs,
  },
  solve: {
    name: 'Solve',
    arity: 2,
    derive(_args, inputs) {
      const a = matrixInput(inputs, 0, 'solve');
      const b = matrixInput(inputs, 1, 'solve');
      const n = square(a, 'solve');
      if (b.rows !== null && b.rows !== n) throw new ShapeError('solve', `cannot solve ${shapeText(a)} · X = ${shapeText(b)}: right-hand side must have ${n} rows`);
      return matrix(n, b.cols, resultType(a, b), b.columnNames);
    },
    label: ({ method }) => method,
    digest: ({ method, singularHint }) => [method, singularHint ?? null],
  },
  lstsq: {
    name: 'LeastSquares',
    arity: 2,
    derive({ ridge }, inputs) {
      const x = matrixInput(inputs, 0, 'lstsq');
      const y = matrixInput(inputs, 1, 'lstsq');
      if (typeof ridge !== 'number' || !Number.isFinite(ridge) || ridge < 0) throw new PlanError('lstsq', `expected a finite, non-negative ridge penalty, got ${String(ridge)}`);
      if (!sameRows(x.rows, y.rows)) throw new ShapeError('lstsq', `X (${shapeText(x)}) and y (${shapeText(y)}) have different row counts`);
      return matrix(x.cols, y.cols, resultType(x, y), y.columnNames);
    },
    label: ({ ridge }) => (ridge ? `ridge=${ridge}` : ''),
    digest: ({ ridge }) => [ridge],
  },
  inverse: {
    name: 'Inverse',
    arity: 1,
    derive(_args, inputs) {
      const a = matrixInput(inputs, 0, 'inverse');
      const n = square(a, 'inverse');
      return matrix(n, n, a.dtype);
    },
    label: none,
    digest: noArgs,
  },
  diag: {
    name: 'Diag',
    arity: 1,
    derive(_args, inputs) {
      const v = matrixInput(inputs, 0, 'diag');
      if (v.cols !== 1 || v.rows === null) throw new ShapeError('diag', `expected a column vector with a known length, got ${shapeText(v)}`);
      return matrix(v.rows, v.rows, v.dtype);
    },
    label: none,
    digest: noArgs,
  },
  selectCols: {
    name: 'SelectCols',
    arity: 1,
    derive({ indices }, inputs) {
      const m = matrixInput(inputs, 0, 'selectCols');
      for (const j of indices) {
        if (!Number.isInteger(j) || j < 0 || j >= m.cols) throw new ShapeError('selectCols', `column index ${j} is outside 0..${m.cols - 1} of ${inputs[0].kind} (${shapeText(m)})`);
      }
      return matrix(
        m.rows,
        indices.length,
        m.dtype,
        indices.map((j) => m.columnNames[j]),
        m.rowOrigin,
      );
    },
    label: ({ indices }) => `[${indices.join(', ')}]`,
    digest: ({ indices }) => [indices],
  },
  filterRows: {
    name: 'FilterRows',
    arity: 2,
    derive(_args, inputs) {
      const m = matrixInput(inputs, 0, 'filterRows');
      const mask = matrixInput(inputs, 1, 'filterRows');
      if (mask.cols !== 1 || !sameRows(m.rows, mask.rows)) throw new ShapeError('filterRows', `mask must be a ${m.rows ?? '?'}×1 column, got ${shapeText(mask)}`);
      return matrix(null, m.cols, m.dtype, m.columnNames);
    },
    label: none,
    digest: noArgs,
  },
  sampleRows: {
    name: 'SampleRows',
    arity: 1,
    derive({ count, seed }, inputs) {
      const m = matrixInput(inputs, 0, 'sampleRows');
      if (!Number.isInteger(count) || count < 1) throw new PlanError('sampleRows', `expected a positive integer count, got ${count}`);
      if (!Number.isInteger(seed)) throw new PlanError('sampleRows', `expected an integer seed, got ${seed}`);
      if (m.rows !== null && count > m.rows) throw new ShapeError('sampleRows', `cannot draw ${count} distinct rows from ${inputs[0].kind} (${shapeText(m)})`);
      return matrix(count, m.cols, m.dtype, m.columnNames);
    },
    label: ({ count, seed, by }) => `${count} rows, seed ${seed}${by ? `, for ${by}` : ''}`,
    digest: ({ count, seed, by }) => [count, seed, by],
  },
  guard: {
    name: 'Guard',
    arity: 2,
    derive({ operator }, inputs) {
      const value = matrixInput(inputs, 0, operator);
      const rows = matrixInput(inputs, 1, operator);
      if (rows.rows !== 1 || rows.cols !== 1) throw new ShapeError(operator, `the guard's row count must be 1×1, got ${shapeText(rows)}`);
      return matrix(value.rows, value.cols, value.dtype, value.columnNames, value.rowOrigin);
    },
    label: ({ operator, values }) => `${operator}: ≥ 1 row, ${values === 'binary' ? 'values 0 or 1' : 'finite'}`,
    digest: ({ operator, state, expected, values }) => [operator, state, expected, values],
  },
  nearest: {
    name: 'Nearest',
    arity: 1,
    derive(_args, inputs) {
      const d = matrixInput(inputs, 0, 'nearest');
      return matrix(d.rows, d.cols, d.dtype, d.columnNames, d.rowOrigin);
    },
    label: none,
    digest: noArgs,
  },
  hstack: {
    name: 'HStack',
    arity: 'any',
    derive(_args, inputs) {
      if (inputs.length === 0) throw new PlanError('hstack', 'expected at least one matrix');
      const ms = inputs.map((_, i) => matrixInput(inputs, i, 'hstack'));
      const rows = ms.find((m) => m.rows !== null)?.rows ?? null;
      for (const m of ms) if (!sameRows(rows, m.rows)) throw new ShapeError('hstack', `row counts differ: ${ms.map(shapeText).join(', ')}`);
      return matrix(rows, ms.reduce((s, m) => s + m.cols, 0), resultType(...ms), ms.flatMap((m) => m.columnNames), ms[0].rowOrigin);
    },
    label: none,
    digest: noArgs,
  },
  vstack: {
    name: 'VStack',
    arity: 'any',
    derive(_args, inputs) {
      if (inputs.length === 0) throw new PlanError('vstack', 'expected at least one matrix');
      const ms = inputs.map((_, i) => matrixInput(inputs, i, 'vstack'));
      if (ms.some((m) => m.cols !== ms[0].cols)) throw new ShapeError('vstack', `column counts differ: ${ms.map(shapeText).join(', ')}`);
      const rows = ms.every((m) => m.rows !== null) ? ms.reduce((s, m) => s + m.rows!, 0) : null;
      return matrix(rows, ms[0].cols, resultType(...ms), ms[0].columnNames);
    },
    label: none,
    digest: noArgs,
  },
  sliceRows: {
    name: 'SliceRows',
    arity: 1,
    derive({ start, end }, inputs) {
      const m = matrixInput(inputs, 0, 'sliceRows');
      if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start) throw new PlanError('sliceRows', `expected rows 0 ≤ start ≤ end, got ${start}..${end}`);
      if (m.rows === null || end > m.rows) throw new ShapeError('sliceRows', `rows ${start}..${end - 1} are outside ${inputs[0].kind} (${shapeText(m)})`);
      return matrix(end - start, m.cols, m.dtype, m.columnNames);
    },
    label: ({ start, end }) => `${start}..${end - 1}`,
    digest: ({ start, end }) => [start, end],
  },
};
