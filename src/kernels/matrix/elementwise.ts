/**
 * Element-wise arithmetic with broadcasting, element maps and reductions over dense
 * row-major matrices. Results are float32 only when every operand is.
 */
import { type DenseMatrix, type Dtype, type FloatArray, allocate, resultDtype, shapeOf } from './dense.js';
import { ShapeMismatchError } from './errors.js';

export type BinaryFn = 'add' | 'sub' | 'mul' | 'div' | 'min' | 'max';

/**
 * a ⊙ b where b has a's shape, is a 1×cols row, a rows×1 column or a 1×1 scalar.
 * The stride trick (rowStep, colStep ∈ {0, 1}) keeps one loop for all four cases.
 * `into` (rows·cols long, of the result dtype, aliasing neither input) receives the
 * result instead of a new array: the single-row scorer of a fitted pipeline reuses one.
 */
export function broadcastBinary(op: BinaryFn, a: DenseMatrix, b: DenseMatrix, into?: FloatArray): DenseMatrix {
  const { rows, cols } = a;
  const colStep = b.cols === cols ? 1 : b.cols === 1 ? 0 : -1;
  const rowStep = b.rows === rows ? b.cols : b.rows === 1 ? 0 : -1;
  if (colStep < 0 || rowStep < 0) throw new ShapeMismatchError(`${op}: cannot broadcast ${shapeOf(b)} onto ${shapeOf(a)}`);
  const out = into ?? allocate(resultDtype(a, b), rows * cols);
  const x = a.data;
  const y = b.data;
  for (let i = 0; i < rows; i++) {
    const ao = i * cols;
    const bo = i * rowStep;
    switch (op) {
      case 'add':
        for (let j = 0; j < cols; j++) out[ao + j] = x[ao + j] + y[bo + j * colStep];
        break;
      case 'sub':
        for (let j = 0; j < cols; j++) out[ao + j] = x[ao + j] - y[bo + j * colStep];
        break;
      case 'mul':
        for (let j = 0; j < cols; j++) out[ao + j] = x[ao + j] * y[bo + j * colStep];
        break;
      case 'div':
        for (let j = 0; j < cols; j++) out[ao + j] = x[ao + j] / y[bo + j * colStep];
        break;
      case 'min':
        for (let j = 0; j < cols; j++) out[ao + j] = Math.min(x[ao + j], y[bo + j * colStep]);
        break;
      case 'max':
        for (let j = 0; j < cols; j++) out[ao + j] = Math.max(x[ao + j], y[bo + j * colStep]);
        break;
    }
  }
  return { rows, cols, data: out };
}

export type UnaryFn = 'exp' | 'log' | 'sqrt' | 'abs' | 'neg' | 'sigmoid' | 'pow' | 'clip' | 'scale' | 'shift' | 'rsub' | 'rdiv' | 'gt' | 'ge' | 'lt' | 'le' | 'eq' | 'ne';

/** f applied to every element; `a`, `b` are f's scalar parameters (see MapFn in the plan); `into` as for broadcastBinary. */
export function mapElements(fn: UnaryFn, m: DenseMatrix, a = 0, b = 0, into?: FloatArray): DenseMatrix {
  const x = m.data;
  const n = x.length;
  const out = into ?? allocate(resultDtype(m), n);
  switch (fn) {
    case 'exp':
      for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]);
      break;
    case 'log':
      for (let i = 0; i < n; i++) out[i] = Math.log(x[i]);
      break;
    case 'sqrt':
      for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]);
      break;
    case 'abs':
      for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]);
      break;
    case 'neg':
      for (let i = 0; i < n; i++) out[i] = -x[i];
      break;
    case 'sigmoid':
      // Two branches keep exp's argument non-positive, so neither overflows.
      for (let i = 0; i < n; i++) {
        const v = x[i];
        if (v >= 0) out[i] = 1 / (1 + Math.exp(-v));
        else {
          const e = Math.exp(v);
          out[i] = e / (1 + e);
        }
      }
      break;
    case 'pow':
      for (let i = 0; i < n; i++) out[i] = x[i] ** a;
      break;
    case 'clip':
      for (let i = 0; i < n; i++) out[i] = x[i] < a ? a : x[i] > b ? b : x[i];
      break;
    case 'scale':
      for (let i = 0; i < n; i++) out[i] = x[i] * a;
      break;
    case 'shift':
      for (let i = 0; i < n; i++) out[i] = x[i] + a;
      break;
    case 'rsub':
      for (let i = 0; i < n; i++) out[i] = a - x[i];
      break;
    case 'rdiv':
      for (let i = 0; i < n; i++) out[i] = a / x[i];
      break;
    // Comparisons give 1/0 masks, with JavaScript's (IEEE) semantics: NaN compares false except under `ne`.
    case 'gt':
      for (let i = 0; i < n; i++) out[i] = x[i] > a ? 1 : 0;
      break;
    case 'ge':
      for (let i = 0; i < n; i++) out[i] = x[i] >= a ? 1 : 0;
      break;
    case 'lt':
      for (let i = 0; i < n; i++) out[i] = x[i] < a ? 1 : 0;
      break;
    case 'le':
      for (let i = 0; i < n; i++) out[i] = x[i] <= a ? 1 : 0;
      break;
    case 'eq':
      for (let i = 0; i < n; i++) out[i] = x[i] === a ? 1 : 0;
      break;
    case 'ne':
      for (let i = 0; i < n; i++) out[i] = x[i] !== a ? 1 : 0;
      break;
  }
  return { rows: m.rows, cols: m.cols, data: out };
}

export type ReduceFn = 'sum' | 'mean' | 'count';

/** Reduces along 'rows' (→ rows×1), 'cols' (→ 1×cols) or 'all' (→ 1×1); sums accumulate in float64. */
export function reduceMatrix(fn: ReduceFn, axis: 'rows' | 'cols' | 'all', m: DenseMatrix): DenseMatrix {
  const { rows, cols, data } = m;
  const dtype: Dtype = resultDtype(m);
  const scaleBy = (count: number) => (fn === 'mean' ? 1 / count : 1);
  if (axis === 'rows') {
    const out = allocate(dtype, rows);
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let j = 0, o = i * cols; j < cols; j++) s += data[o + j];
      out[i] = fn === 'count' ? cols : s * scaleBy(cols);
    }
    return { rows, cols: 1, data: out };
  }
  if (axis === 'cols') {
    const acc = new Float64Array(cols);
    for (let i = 0; i < rows; i++) for (let j = 0, o = i * cols; j < cols; j++) acc[j] += data[o + j];
    const out = allocate(dtype, cols);
    for (let j = 0; j < cols; j++) out[j] = fn === 'count' ? rows : acc[j] * scaleBy(rows);
    return { rows: 1, cols, data: out };
  }
  let s = 0;
  for (let i = 0; i < data.length; i++) s += data[i];
  const out = allocate(dtype, 1);
  out[0] = fn === 'count' ? data.length : s * scaleBy(data.length);
  return { rows: 1, cols: 1, data: out };
}

/**
 * Per row, 1 at the column of the smallest value (the first one on ties), 0 elsewhere.
 * NaN entries are never the smallest (a leading NaN must not win every comparison);
 * a row of only NaN marks its first column.
 */
export function nearestIndicator(m: DenseMatrix): DenseMatrix {
  const { rows, cols, data } = m;
  const out = allocate(resultDtype(m), rows * cols);
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    let best = -1;
    for (let j = 0; j < cols; j++) {
      const v = data[o + j];
      if (v === v && (best < 0 || v < data[o + best])) best = j;
    }
    if (cols > 0) out[o + Math.max(best, 0)] = 1;
  }
  return { rows, cols, data: out };
}

/** The columns `indices` of m, in that order. */
export function selectColumns(m: DenseMatrix, indices: readonly number[]): DenseMatrix {
  const k = indices.length;
  const out = allocate(resultDtype(m), m.rows * k);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < k; j++) out[i * k + j] = m.data[i * m.cols + indices[j]];
  return { rows: m.rows, cols: k, data: out };
}

/** The rows `indices` of m, in that order. */
export function selectRows(m: DenseMatrix, indices: ArrayLike<number>): DenseMatrix {
  const out = allocate(resultDtype(m), indices.length * m.cols);
  for (let i = 0; i < indices.length; i++) out.set(m.data.subarray(indices[i] * m.cols, (indices[i] + 1) * m.cols), i * m.cols);
  return { rows: indices.length, cols: m.cols, data: out };
}

/** Columns of each matrix side by side (same row count). */
export function hstackMatrices(ms: readonly DenseMatrix[]): DenseMatrix {
  const rows = ms[0].rows;
  for (const m of ms) if (m.rows !== rows) throw new ShapeMismatchError(`hstack: row counts differ: ${ms.map(shapeOf).join(', ')}`);
  const cols = ms.reduce((s, m) => s + m.cols, 0);
  const out: FloatArray = allocate(resultDtype(...ms), rows * cols);
  let at = 0;
  for (const m of ms) {
    for (let i = 0; i < rows; i++) out.set(m.data.subarray(i * m.cols, (i + 1) * m.cols), i * cols + at);
    at += m.cols;
  }
  return { rows, cols, data: out };
}

/** Rows of each matrix one under the other (same column count). */
export function vstackMatrices(ms: readonly DenseMatrix[]): DenseMatrix {
  const cols = ms[0].cols;
  for (const m of ms) if (m.cols !== cols) throw new ShapeMismatchError(`vstack: column counts differ: ${ms.map(shapeOf).join(', ')}`);
  const rows = ms.reduce((s, m) => s + m.rows, 0);
  const out: FloatArray = allocate(resultDtype(...ms), rows * cols);
  let at = 0;
  for (const m of ms) {
    out.set(m.data, at);
    at += m.data.length;
  }
  return { rows, cols, data: out };
}

/** A diagonal matrix with v's entries. */
export function diagonal(v: DenseMatrix): DenseMatrix {
  const n = v.data.length;
  const out = allocate(resultDtype(v), n * n);
  for (let i = 0; i < n; i++) out[i * n + i] = v.data[i];
  return { rows: n, cols: n, data: out };
}
