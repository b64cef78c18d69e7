import { PlanError, ShapeError, TypeMismatchError } from '../errors.js';
import { isNumeric } from '../types/dtype.js';
import { type Field, fieldNames, requireField, requireUniqueNames } from '../types/schema.js';
import { type MatrixDType, matrix, matrixInput } from './matrix-operators.js';
import { type OperatorDefs, type PlanNode, planDigest, relationSchema } from './node.js';
import { numberText } from './expr.js';
import { listText } from './text.js';

/**
 * Bridges between relations and matrices. `toMatrix` encodes chosen columns of a
 * relation as matrix columns and keeps the link to the relation's rows (rowOrigin),
 * which is what lets row filters and column projections cross the boundary later.
 */

/** How one relation column becomes matrix columns. */
export type Feature =
  | { readonly column: string; readonly encoding: 'numeric' }
  /**
   * Mean and standard deviation fitted from the rows being encoded, or frozen: a fitted
   * pipeline (src/fit) carries the values its training rows gave, so new rows are
   * scaled as the training rows were.
   */
  | { readonly column: string; readonly encoding: 'standardize'; readonly frozen?: { readonly mean: number; readonly sd: number } }
  /** One column per category, named `column=value`; categories are fixed when the plan is built. */
  | { readonly column: string; readonly encoding: 'onehot'; readonly categories: readonly string[] }
  /** Feature hashing of the value's text into `buckets` columns. */
  | { readonly column: string; readonly encoding: 'hash'; readonly buckets: number };

export interface BridgeArgs {
  toMatrix: { readonly features: readonly Feature[]; readonly intercept: boolean; readonly dtype: MatrixDType };
  /** The matrix's columns appended, as float64, to the relation rows they came from. */
  appendColumns: { readonly names: readonly string[] };
  /** A new relation with one float64 column per matrix column. */
  matrixToRelation: { readonly names: readonly string[] };
}

export type SparseFeature = Extract<Feature, { encoding: 'onehot' | 'hash' }>;

/** One-hot and hashed features: one non-zero per row in a block of columns. */
export function isSparseFeature(f: Feature): f is SparseFeature {
  return f.encoding === 'onehot' || f.encoding === 'hash';
}

/** How many matrix columns a feature becomes. */
export function featureWidth(f: Feature): number {
  return f.encoding === 'onehot' ? f.categories.length : f.encoding === 'hash' ? f.buckets : 1;
}

/** One-hot/hash columns (also more than half the width) before they stay CSR beside a dense block: fewer zeros do not repay the split. */
const HYBRID_MIN_SPARSE_COLS = 16;

/**
 * The layout `toMatrix` encodes into: CSR when every feature is one-hot or hashed, a
 * dense block beside a CSR block (hybrid) when such columns dominate the width, dense
 * otherwise. CSR values are float64 only, so a float32 encoding stays dense.
 */
export function toMatrixLayout(args: BridgeArgs['toMatrix']): 'dense' | 'csr' | 'hybrid' {
  const { features, intercept, dtype } = args;
  if (dtype !== 'float64') return 'dense';
  const width = features.reduce((s, f) => s + featureWidth(f), 0) + (intercept ? 1 : 0);
  const sparseWidth = features.reduce((s, f) => s + (isSparseFeature(f) ? featureWidth(f) : 0), 0);
  const allSparse = !intercept && features.every(isSparseFeature);
  if (!intercept && features.every((f) => f.encoding === 'onehot')) return 'csr';
  if (sparseWidth >= HYBRID_MIN_SPARSE_COLS && 2 * sparseWidth > width) return allSparse ? 'csr' : 'hybrid';
  return 'dense';
}

/** Expected fraction of non-zero entries of a toMatrix result (one per row in each sparse block). */
export function toMatrixDensity(args: BridgeArgs['toMatrix']): number {
  const width = args.features.reduce((s, f) => s + featureWidth(f), 0) + (args.intercept ? 1 : 0);
  if (width === 0) return 1;
  const nonZeroPerRow = args.features.reduce((s, f) => s + (isSparseFeature(f) ? Math.min(1, featureWidth(f)) : 1), 0) + (args.intercept ? 1 : 0);
  return nonZeroPerRow / width;
}

export function featureColumnNames(f: Feature): string[] {
  switch (f.encoding) {
    case 'numeric':
    case 'standardize':
      return [f.column];
    case 'onehot':
      return f.categories.map((c) => `${f.column}=${c}`);
    case 'hash':
      return Array.from({ length: f.buckets }, (_, i) => `${f.column}#${i}`);
  }
}

function checkFeature(f: Feature, field: Field): void {
  const numeric = isNumeric(field.dtype) || field.dtype === 'bool';
  if ((f.encoding === 'numeric' || f.encoding === 'standardize') && !numeric) {
    throw new TypeMismatchError('toMatrix', `column '${f.column}' is ${field.dtype}; ${f.encoding} encoding expects a numeric or bool column (use onehot or hash for categories)`);
  }
  if (f.encoding === 'onehot' && field.dtype !== 'string') {
    throw new TypeMismatchError('toMatrix', `column '${f.column}' is ${field.dtype}; onehot encoding expects a string column (cast it to string first)`);
  }
  if (f.encoding === 'hash' && (!Number.isInteger(f.buckets) || f.buckets < 1)) {
    throw new PlanError('toMatrix', `hash encoding of '${f.column}' expects a positive integer bucket count, got ${f.buckets}`);
  }
  if (f.encoding === 'hash' && f.buckets > MAX_HASH_BUCKETS) {
    throw new PlanError(
      'toMatrix',
      `hash encoding of '${f.column}' into ${f.buckets} buckets: at most ${MAX_HASH_BUCKETS} (2^24) buckets are supported, since every bucket is a named column of the matrix (its plan holds one name per column); use fewer buckets`,
    );
  }
}

/**
 * The most buckets a hash feature may have. Encoding costs nothing per bucket (the CSR
 * result holds one entry per row), but the plan names every matrix column (`col#17`),
 * so 10^9 buckets would exhaust the heap while the plan is being built.
 */
export const MAX_HASH_BUCKETS = 2 ** 24;

/** The widest matrix toMatrix builds: column indices of its CSR form are int32. */
const MAX_MATRIX_COLS = 2 ** 31 - 1;

/** The row count of a relation when it is known before running (a scan with statistics, and row-preserving operators above it). */
export function staticRowCount(node: PlanNode): number | null {
  // Down the chain in a loop: plans may be MAX_PLAN_DEPTH deep.
  while (node.kind === 'project' || node.kind === 'sort') node = node.inputs[0];
  return node.kind === 'scan' ? (node.args.source.stats.rowCount ?? null) : null;
}

export const BRIDGE_OPERATORS: OperatorDefs<BridgeArgs> = {
  toMatrix: {
    name: 'ToMatrix',
    arity: 1,
    derive({ features, intercept, dtype }, inputs) {
      const schema = relationSchema(inputs[0], 'toMatrix');
      if (features.length === 0 && !intercept) throw new PlanError('toMatrix', 'expected at least one feature column');
      for (const f of features) checkFeature(f, requireField(schema, f.column, 'toMatrix'));
      const width = features.reduce((s, f) => s + featureWidth(f), 0) + (intercept ? 1 : 0);
      if (width > MAX_MATRIX_COLS) throw new ShapeError('toMatrix', `the features make ${width} matrix columns, more than ${MAX_MATRIX_COLS} (2^31 - 1, the column indices of a sparse matrix are int32)`);
      const names = [...features.flatMap(featureColumnNames), ...(intercept ? ['intercept'] : [])];
      requireUniqueNames(names, 'toMatrix');
      return matrix(staticRowCount(inputs[0]), names.length, dtype, names, inputs[0]);
    },
    label: ({ features, intercept, dtype }) =>
      `${listText(features.map((f) => (f.encoding === 'numeric' ? f.column : f.encoding === 'onehot' ? `onehot(${f.column}: ${f.categories.length})` : f.encoding === 'hash' ? `hash(${f.column}, ${f.buckets})` : f.frozen ? `standardize(${f.column}: mean ${numberText(f.frozen.mean)}, sd ${numberText(f.frozen.sd)})` : `standardize(${f.column})`)))}${intercept ? ', intercept' : ''}${dtype === 'float32' ? ' float32' : ''}`,
    digest: ({ features, intercept, dtype }) => [features, intercept, dtype],
  },
  appendColumns: {
    name: 'AppendColumns',
    arity: 2,
    derive({ names }, inputs) {
      const schema = relationSchema(inputs[0], 'appendColumns');
      const m = matrixInput(inputs, 1, 'appendColumns');
      if (!m.rowOrigin || planDigest(m.rowOrigin) !== planDigest(inputs[0])) {
        throw new PlanError('appendColumns', `the matrix (${inputs[1].kind}) was not computed row by row from this relation, so its rows cannot be matched to the relation's rows`);
      }
      if (names.length !== m.cols) throw new PlanError('appendColumns', `expected ${m.cols} column names for a ${m.cols}-column matrix, got ${names.length}`);
      requireUniqueNames([...fieldNames(schema), ...names], 'appendColumns');
      const fields: Field[] = [...schema.fields, ...names.map((name) => ({ name, dtype: 'float64', nullable: false }) as const)];
      return { kind: 'relation', schema: { fields, primaryKey: schema.primaryKey } };
    },
    label: ({ names }) => listText(names),
    digest: ({ names }) => [names],
  },
  matrixToRelation: {
    name: 'MatrixToRelation',
    arity: 1,
    derive({ names }, inputs) {
      const m = matrixInput(inputs, 0, 'matrixToRelation');
      if (names.length !== m.cols) throw new PlanError('matrixToRelation', `expected ${m.cols} column names for a ${m.cols}-column matrix, got ${names.length}`);
      requireUniqueNames(names, 'matrixToRelation');
      return { kind: 'relation', schema: { fields: names.map((name) => ({ name, dtype: 'float64', nullable: false })) } };
    },
    label: ({ names }) => listText(names),
    digest: ({ names }) => [names],
  },
};

