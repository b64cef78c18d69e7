import { type Batch, concatBatches, makeBatch } from '../../data/batch.js';
import { type Column, composeIndices, makeColumn, nullCount, pendingGather } from '../../data/column.js';
import { ExecutionError } from '../../errors.js';
import { checkArrayLength } from '../../data/limits.js';
import { type CsrMatrix, type OneHotBlock, csrFromOneHotBlocks } from '../../kernels/matrix/csr.js';
import { type DenseMatrix, allocate } from '../../kernels/matrix/dense.js';
import { type HybridMatrix, hybridMatrix } from '../../kernels/matrix/hybrid.js';
import { type Feature, type SparseFeature, featureWidth, isSparseFeature as isSparse } from '../../plan/bridge-operators.js';
import { type Node, relationSchema } from '../../plan/node.js';
import { resolverFor } from './relational.js';

/**
 * Encodes the chosen relation columns into a matrix, one matrix row per relation row,
 * in the layout the physical planner chose (`toMatrixLayout`): CSR, dense and CSR
 * blocks side by side (HybridMatrix), or dense. `throughJoin` (the JoinToMatrix
 * operator, R10) reads a join's lazy output columns through the join's row index
 * instead of gathering each into a full-length column first: the join writes straight
 * into the matrix, and a one-hot column is encoded once per dimension row.
 */
export function runToMatrix(node: Node<'toMatrix'>, input: readonly Batch[], layout: 'dense' | 'csr' | 'hybrid', throughJoin = false): DenseMatrix | CsrMatrix | HybridMatrix {
  const schema = relationSchema(node.inputs[0], node.kind);
  const batch = concatBatches(schema, input);
  const resolve = resolverFor(schema, 'toMatrix');
  const { features, intercept, dtype } = node.args;
  const columns = features.map((f) => rowSource(batch.columns[resolve(f.column)], throughJoin));
  const width = node.output.kind === 'matrix' ? node.output.cols : 0;
  if (layout !== 'dense') return splitEncoding(features, intercept, columns, batch.length, width);
  checkArrayLength('toMatrix', `a dense ${batch.length}×${width} matrix`, batch.length * width, dtype === 'float32' ? 4 : 8);
  const out = allocate(dtype, batch.length * width);
  encodeDense(features.map((f, k) => denseWriter(f, columns[k])), intercept, out, batch.length, width);
  return { rows: batch.length, cols: width, data: out };
}

/**
 * Writes rows lo..hi−1 of one feature's columns at column offset `at` of a row-major
 * matrix `width` wide; null checks and per-column statistics are done before.
 */
type DenseWriter = (out: Float64Array | Float32Array, width: number, at: number, lo: number, hi: number) => void;

/** Rows per tile of the row-major output: a tile of every column stays in cache while the features fill it. */
const TILE_ROWS = 512;

/**
 * Fills a row-major matrix tile by tile: writing a whole column at a time would stream
 * the whole output through the cache once per column (a 1M × 20 block: 20 passes over 160 MB).
 */
function encodeDense(writers: readonly { write: DenseWriter; width: number }[], intercept: boolean, out: Float64Array | Float32Array, rows: number, width: number): void {
  for (let lo = 0; lo < rows; lo += TILE_ROWS) {
    const hi = Math.min(rows, lo + TILE_ROWS);
    let at = 0;
    for (const w of writers) {
      w.write(out, width, at, lo, hi);
      at += w.width;
    }
    if (intercept) for (let i = lo; i < hi; i++) out[i * width + at] = 1;
  }
}

/** A column's values as read by the encoders: row i is `column[rows[i]]` (-1: null), or row i itself when `rows` is null. */
interface RowSource {
  readonly column: Column;
  readonly rows: Int32Array | null;
  readonly length: number;
}

function rowSource(col: Column, throughJoin: boolean): RowSource {
  const pending = throughJoin ? pendingGather(col) : null;
  return pending !== null ? { column: pending.source, rows: pending.indices, length: col.length } : { column: col, rows: null, length: col.length };
}

/**
 * Numeric, standardized and intercept columns into a dense block, one-hot and hash
 * columns into a CSR block at their own column indices (one entry per row and feature);
 * just the CSR block when there is no dense column.
 */
function splitEncoding(features: readonly Feature[], intercept: boolean, columns: readonly RowSource[], rows: number, width: number): CsrMatrix | HybridMatrix {
  const denseCols: number[] = [];
  const sparse: OneHotBlock[] = [];
  let at = 0;
  features.forEach((f, k) => {
    if (isSparse(f)) sparse.push({ codes: sourceSlots(f, columns[k].column), rows: columns[k].rows, offset: at, width: featureWidth(f) });
    else denseCols.push(at);
    at += featureWidth(f);
  });
  if (intercept) denseCols.push(at);
  // CSR holds one entry per row and sparse feature, whatever the features' widths (a
  // hash into 2^24 buckets costs what a hash into 16 does); the dense block rows × d.
  checkArrayLength('toMatrix', `the non-zeros of a sparse ${rows}×${width} matrix`, rows * sparse.length, 8);
  checkArrayLength('toMatrix', `the dense block of a ${rows}×${width} matrix`, rows * denseCols.length, 8);
  const S = csrFromOneHotBlocks(rows, width, sparse, 'toMatrix');
  if (denseCols.length === 0) return S;
  const d = denseCols.length;
  const D = allocate('float64', rows * d);
  encodeDense(features.flatMap((f, k) => (isSparse(f) ? [] : [denseWriter(f, columns[k])])), intercept, D, rows, d);
  return hybridMatrix({ rows, cols: d, data: D }, Int32Array.from(denseCols), S);
}

function requireNoNulls(f: Feature, src: RowSource): void {
  const { column, rows, length } = src;
  const valid = column.validity;
  let nulls = 0;
  if (rows === null) nulls = nullCount(column);
  else for (let i = 0; i < length; i++) nulls += rows[i] < 0 || (valid !== null && valid[rows[i]] === 0) ? 1 : 0;
  if (nulls > 0) {
    throw new ExecutionError('toMatrix', `column '${f.column}' has ${nulls} null value(s); ${f.encoding} encoding needs values (filter the rows or coalesce the column first)`);
  }
}

/** The writer of one feature's columns, after its null check and (standardize) its mean and deviation. */
function denseWriter(f: Feature, src: RowSource): { write: DenseWriter; width: number } {
  const n = src.length;
  const v = src.column.values;
  const rows = src.rows;
  switch (f.encoding) {
    case 'numeric':
      requireNoNulls(f, src);
      return {
        width: 1,
        write: rows === null ? (out, width, at, lo, hi) => {
          for (let i = lo; i < hi; i++) out[i * width + at] = v[i];
        } : (out, width, at, lo, hi) => {
          for (let i = lo; i < hi; i++) out[i * width + at] = v[rows[i]];
        },
      };
    case 'standardize': {
      requireNoNulls(f, src);
      const { mean, sd } = f.frozen ?? standardizeParams(v, rows, n);
      return {
        width: 1,
        write: (out, width, at, lo, hi) => {
          for (let i = lo; i < hi; i++) out[i * width + at] = (v[rows === null ? i : rows[i]] - mean) / sd;
        },
      };
    }
    case 'onehot':
    case 'hash': {
      const slots = rowSlots(f, src);
      return {
        width: featureWidth(f),
        write: (out, width, at, lo, hi) => {
          for (let i = lo; i < hi; i++) if (slots[i] >= 0) out[i * width + at + slots[i]] = 1;
        },
      };
    }
  }
}

/**
 * The mean and standard deviation `standardize` scales by, from the n values v[i] (or
 * v[rows[i]]): the population deviation, and 1 for a constant column (centred, not
 * scaled). Fitting a pipeline (src/fit) freezes exactly these values.
 */
export function standardizeParams(v: ArrayLike<number>, rows: Int32Array | null, n: number): { mean: number; sd: number } {
  let mean = 0;
  for (let i = 0; i < n; i++) mean += v[rows === null ? i : rows[i]];
  mean /= n || 1;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (v[rows === null ? i : rows[i]] - mean) ** 2;
  const sd = Math.sqrt(ss / (n || 1)) || 1;
  return { mean, sd };
}

/**
 * Each row's column within a one-hot or hash feature's block, or -1 (null, or a value
 * outside the fitted categories). Read through a join, the slot is found once per
 * source row and then gathered.
 */
function rowSlots(f: SparseFeature, src: RowSource): Int32Array {
  const slots = sourceSlots(f, src.column);
  return src.rows === null ? slots : composeIndices(slots, src.rows);
}

/** The slot of each of the column's own rows (rowSlots before the gather through a join). */
function sourceSlots(f: SparseFeature, col: Column): Int32Array {
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
export function hashText(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Bytes a toMatrix result holds, known from its row count before it is encoded: rows ×
 * width for the dense layout; for CSR one index and one value per row and one-hot/hash
 * feature (never width-proportional) plus the row pointers, and the dense block of a
 * hybrid.
 */
export function toMatrixBytes(args: { readonly features: readonly Feature[]; readonly intercept: boolean; readonly dtype: 'float64' | 'float32' }, rows: number, layout: 'dense' | 'csr' | 'hybrid'): number {
  const { features, intercept, dtype } = args;
  const width = features.reduce((s, f) => s + featureWidth(f), 0) + (intercept ? 1 : 0);
  if (layout === 'dense') return rows * width * (dtype === 'float32' ? 4 : 8);
  const sparse = features.filter(isSparse).length;
  const dense = features.length - sparse + (intercept ? 1 : 0);
  return rows * (4 + sparse * 12 + dense * 8);
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
