import { type Batch, concatBatches, makeBatch } from '../../data/batch.js';
import { type Column, makeColumn, nullCount } from '../../data/column.js';
import { ExecutionError } from '../../errors.js';
import { type CsrMatrix } from '../../kernels/matrix/csr.js';
import { type DenseMatrix, allocate } from '../../kernels/matrix/dense.js';
import type { Feature } from '../../plan/bridge-operators.js';
import type { Node } from '../../plan/node.js';
import type { RelationSchema } from '../../types/schema.js';
import { resolverFor } from './relational.js';

/** Encodes the chosen relation columns into a matrix, one matrix row per relation row. */
export function runToMatrix(node: Node<'toMatrix'>, input: readonly Batch[]): DenseMatrix | CsrMatrix {
  const schema = inputSchema(node);
  const batch = concatBatches(schema, input);
  const resolve = resolverFor(schema, 'toMatrix');
  const { features, intercept, dtype } = node.args;
  const columns = features.map((f) => batch.columns[resolve(f.column)]);
  // CSR values are float64 only (kernels/matrix/csr.ts), so a float32 encoding stays dense to keep the planned dtype.
  const sparseOnly = !intercept && dtype === 'float64' && features.every((f) => f.encoding === 'onehot');
  if (sparseOnly) return oneHotCsr(features as Extract<Feature, { encoding: 'onehot' }>[], columns, batch.length);
  const width = node.output.kind === 'matrix' ? node.output.cols : 0;
  const out = allocate(dtype, batch.length * width);
  let at = 0;
  features.forEach((f, k) => {
    at += encodeInto(f, columns[k], out, width, at);
  });
  if (intercept) for (let i = 0; i < batch.length; i++) out[i * width + at] = 1;
  return { rows: batch.length, cols: width, data: out };
}

function inputSchema(node: Node<'toMatrix'> | Node<'appendColumns'>): RelationSchema {
  const out = node.inputs[0].output;
  if (out.kind !== 'relation') throw new ExecutionError(node.kind, 'expected a relation input');
  return out.schema;
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
    case 'onehot': {
      const slot = categorySlots(f.categories, col);
      for (let i = 0; i < n; i++) {
        const s = col.validity && !col.validity[i] ? -1 : slot[v[i]];
        if (s >= 0) out[i * width + at + s] = 1;
      }
      return f.categories.length;
    }
    case 'hash': {
      const dict = col.dictionary ?? [];
      const isString = col.dtype === 'string';
      const bucketOfCode = isString ? Int32Array.from(dict, (s) => hashText(s) % f.buckets) : undefined;
      for (let i = 0; i < n; i++) {
        if (col.validity && !col.validity[i]) continue;
        const b = bucketOfCode ? bucketOfCode[v[i]] : hashText(String(v[i])) % f.buckets;
        out[i * width + at + b] += 1;
      }
      return f.buckets;
    }
  }
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

/** Only one-hot features: a CSR matrix with one entry per (row, feature), the sparse form that pays. */
function oneHotCsr(features: readonly Extract<Feature, { encoding: 'onehot' }>[], columns: readonly Column[], rows: number): CsrMatrix {
  const offsets: number[] = [];
  let width = 0;
  for (const f of features) {
    offsets.push(width);
    width += f.categories.length;
  }
  const slots = features.map((f, k) => categorySlots(f.categories, columns[k]));
  const indptr = new Int32Array(rows + 1);
  const indices = new Int32Array(rows * features.length);
  let p = 0;
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < features.length; k++) {
      const col = columns[k];
      if (col.validity && !col.validity[i]) continue;
      const s = slots[k][col.values[i]];
      if (s >= 0) indices[p++] = offsets[k] + s;
    }
    indptr[i + 1] = p;
  }
  return { rows, cols: width, indptr, indices: indices.slice(0, p), values: new Float64Array(p).fill(1) };
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
  const batch = concatBatches(inputSchema(node), input);
  if (batch.length !== m.rows) {
    throw new ExecutionError('appendColumns', `the relation has ${batch.length} rows but the matrix has ${m.rows}`);
  }
  return [makeBatch([...batch.columns, ...matrixColumns(m)], batch.length)];
}

export function runMatrixToRelation(m: DenseMatrix): Batch[] {
  return [makeBatch(matrixColumns(m), m.rows)];
}
