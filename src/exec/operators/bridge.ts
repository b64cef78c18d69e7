import { type Batch, concatBatches, makeBatch } from '../../data/batch.js';
import { type Column, makeColumn, nullCount } from '../../data/column.js';
import { ExecutionError } from '../../errors.js';
import { type CsrMatrix } from '../../kernels/matrix/csr.js';
import { type DenseMatrix, allocate } from '../../kernels/matrix/dense.js';
import { type HybridMatrix, hybridMatrix } from '../../kernels/matrix/hybrid.js';
import { type Feature, type SparseFeature, featureWidth, isSparseFeature as isSparse } from '../../plan/bridge-operators.js';
import { type Node, relationSchema } from '../../plan/node.js';
import { resolverFor } from './relational.js';

/**
 * Encodes the chosen relation columns into a matrix, one matrix row per relation row,
 * in the layout the physical planner chose (`toMatrixLayout`): CSR, dense and CSR
 * blocks side by side (HybridMatrix), or dense.
 */
export function runToMatrix(node: Node<'toMatrix'>, input: readonly Batch[], layout: 'dense' | 'csr' | 'hybrid'): DenseMatrix | CsrMatrix | HybridMatrix {
  const schema = relationSchema(node.inputs[0], node.kind);
  const batch = concatBatches(schema, input);
  const resolve = resolverFor(schema, 'toMatrix');
  const { features, intercept, dtype } = node.args;
  const columns = features.map((f) => batch.columns[resolve(f.column)]);
  const width = node.output.kind === 'matrix' ? node.output.cols : 0;
  if (layout !== 'dense') return splitEncoding(features, intercept, columns, batch.length, width);
  const out = allocate(dtype, batch.length * width);
  let at = 0;
  features.forEach((f, k) => {
    at += encodeInto(f, columns[k], out, width, at);
  });
  if (intercept) for (let i = 0; i < batch.length; i++) out[i * width + at] = 1;
  return { rows: batch.length, cols: width, data: out };
}

/**
 * Numeric, standardized and intercept columns into a dense block, one-hot and hash
 * columns into a CSR block at their own column indices (one entry per row and feature);
 * just the CSR block when there is no dense column.
 */
function splitEncoding(features: readonly Feature[], intercept: boolean, columns: readonly Column[], rows: number, width: number): CsrMatrix | HybridMatrix {
  const denseCols: number[] = [];
  const sparse: { slots: Int32Array; offset: number }[] = [];
  let at = 0;
  features.forEach((f, k) => {
    if (isSparse(f)) sparse.push({ slots: rowSlots(f, columns[k]), offset: at });
    else denseCols.push(at);
    at += featureWidth(f);
  });
  if (intercept) denseCols.push(at);
  const indptr = new Int32Array(rows + 1);
  const indices = new Int32Array(rows * sparse.length);
  let p = 0;
  for (let i = 0; i < rows; i++) {
    for (const { slots, offset } of sparse) if (slots[i] >= 0) indices[p++] = offset + slots[i];
    indptr[i + 1] = p;
  }
  const S: CsrMatrix = { rows, cols: width, indptr, indices: indices.slice(0, p), values: new Float64Array(p).fill(1) };
  if (denseCols.length === 0) return S;
  const d = denseCols.length;
  const D = allocate('float64', rows * d);
  let local = 0;
  features.forEach((f, k) => {
    if (!isSparse(f)) local += encodeInto(f, columns[k], D, d, local);
  });
  if (intercept) for (let i = 0; i < rows; i++) D[i * d + local] = 1;
  return hybridMatrix({ rows, cols: d, data: D }, Int32Array.from(denseCols), S);
}

function requireNoNulls(f: Feature, col: Column): void {
  const nulls = nullCount(col);
  if (nulls > 0) {
    throw new ExecutionError('toMatrix', `column '${f.column}' has ${nulls} null value(s); ${f.encoding} encoding needs values (filter the rows or coalesce the column first)`);
  }
}

/** Writes one feature's columns at column offset `at` of a row-major matrix; returns how many it wrote. */
function encodeInto(f: Feature, col: Column, out: Float64Array | Float32Array, width: number, at: number): number {
  const n = col.length;
  const v = col.values;
  switch (f.encoding) {
    case 'numeric':
      requireNoNulls(f, col);
      for (let i = 0; i < n; i++) out[i * width + at] = v[i];
      return 1;
    case 'standardize': {
      requireNoNulls(f, col);
      let mean = 0;
      for (let i = 0; i < n; i++) mean += v[i];
      mean /= n || 1;
      let ss = 0;
      for (let i = 0; i < n; i++) ss += (v[i] - mean) ** 2;
      // Population standard deviation; a constant column is centred but not scaled.
      const sd = Math.sqrt(ss / (n || 1)) || 1;
      for (let i = 0; i < n; i++) out[i * width + at] = (v[i] - mean) / sd;
      return 1;
    }
    case 'onehot':
    case 'hash': {
      const slots = rowSlots(f, col);
      for (let i = 0; i < n; i++) if (slots[i] >= 0) out[i * width + at + slots[i]] = 1;
      return featureWidth(f);
    }
  }
}

/** Each row's column within a one-hot or hash feature's block, or -1 (null, or a value outside the fitted categories). */
function rowSlots(f: SparseFeature, col: Column): Int32Array {
  const n = col.length;
  const v = col.values;
  const out = new Int32Array(n);
  const onehot = f.encoding === 'onehot' ? categorySlots(f.categories, col) : undefined;
  const buckets = f.encoding === 'hash' ? f.buckets : 1;
  const hashed = !onehot && col.dtype === 'string' ? Int32Array.from(col.dictionary ?? [], (s) => hashText(s) % buckets) : undefined;
  for (let i = 0; i < n; i++) {
    if (col.validity && !col.validity[i]) out[i] = -1;
    else out[i] = onehot ? onehot[v[i]] : hashed ? hashed[v[i]] : hashText(String(v[i])) % buckets;
  }
  return out;
}

/** For each dictionary code of `col`, the category's slot, or -1 for a value outside the fitted categories. */
function categorySlots(categories: readonly string[], col: Column): Int32Array {
  const index = new Map(categories.map((c, i) => [c, i]));
  return Int32Array.from(col.dictionary ?? [], (s) => index.get(s) ?? -1);
}

/** FNV-1a over UTF-16 code units: stable across runs and platforms. */
function hashText(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Each matrix column as a float64 relation column. */
function matrixColumns(m: DenseMatrix): Column[] {
  return Array.from({ length: m.cols }, (_, j) => {
    const values = new Float64Array(m.rows);
    for (let i = 0; i < m.rows; i++) values[i] = m.data[i * m.cols + j];
    return makeColumn('float64', values, null);
  });
}

/** The relation's rows with the matrix's columns appended (row i of the matrix is row i of the relation). */
export function runAppendColumns(node: Node<'appendColumns'>, input: readonly Batch[], m: DenseMatrix): Batch[] {
  const batch = concatBatches(relationSchema(node.inputs[0], node.kind), input);
  if (batch.length !== m.rows) {
    throw new ExecutionError('appendColumns', `the relation has ${batch.length} rows but the matrix has ${m.rows}`);
  }
  return [makeBatch([...batch.columns, ...matrixColumns(m)], batch.length)];
}

export function runMatrixToRelation(m: DenseMatrix): Batch[] {
  return [makeBatch(matrixColumns(m), m.rows)];
}
