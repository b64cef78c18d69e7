import { PlanError, ShapeError, TypeMismatchError } from '../errors.js';
import { isInteger } from '../types/dtype.js';
import { requireField } from '../types/schema.js';
import { type MatrixDType, matrix, matrixInput, shapeText } from './matrix-operators.js';
import { type OperatorDefs, type PlanNode, makeNode, relationSchema } from './node.js';
import { staticRowCount } from './bridge-operators.js';
import { sourceColumn, sourceColumnStats } from './provenance.js';

/**
 * Keyed operators: linear algebra over a primary-key/foreign-key join without the
 * joined table (docs/factorized.md). For a join J = F ⋈ D on a key unique in D,
 * K is the |J|×|D| indicator matrix of the key: row i of K has one 1, in the column of
 * the D row that J's row i was joined with. Then a matrix built from D's columns,
 * repeated per joined row, is K·M_D, and sums of joined rows grouped by D's rows are
 * Kᵀ·G; neither needs J's D columns.
 *
 *   keyMap(J, D)        K, stored as CSR with one entry per row (16 bytes per joined row)
 *   gatherByKey(K, M)   K·M: row i is row K[i] of M (a gather, no arithmetic)
 *   scatterByKey(K, G)  Kᵀ·G: a group-by-sum of G's rows on the key (|D| rows)
 *   keyCounts(K)        Kᵀ·1: how many joined rows each D row has (|D|×1)
 *   referencedRows(K, M) M with the rows no joined row refers to as zeros: what a
 *                       product weighted by the key (Mᵀ·Kᵀ·G, Mᵀ·diag(Kᵀ·1)·M) may read,
 *                       so a NaN or infinity in a row the join never reaches stays out
 *                       of the result, as it does when the join is materialized
 */

export interface KeyedArgs {
  /** `factKeys` are columns of the joined relation, `dimKeys` the dimension's unique key. */
  keyMap: { readonly factKeys: readonly string[]; readonly dimKeys: readonly string[] };
  gatherByKey: Record<string, never>;
  scatterByKey: Record<string, never>;
  keyCounts: { readonly dtype: MatrixDType };
  referencedRows: Record<string, never>;
}

/** How a key is known to be unique in a relation: declared, or proved from source statistics; null when it is not known. */
export function uniqueKeyProof(rel: PlanNode, keys: readonly string[]): 'primary key' | 'statistics' | null {
  if (rel.output.kind !== 'relation') return null;
  const pk = rel.output.schema.primaryKey;
  if (pk && pk.length > 0 && pk.every((k) => keys.includes(k))) return 'primary key';
  if (keys.length !== 1) return null;
  // A single column whose source says it has as many distinct values as the source has rows.
  const origin = sourceColumn(rel, keys[0]);
  const distinct = sourceColumnStats(rel, keys[0])?.distinct;
  const rows = origin?.source.stats.rowCount;
  const field = rel.output.schema.fields.find((f) => f.name === keys[0]);
  return distinct !== undefined && rows !== undefined && rows > 0 && distinct === rows && field !== undefined && !field.nullable ? 'statistics' : null;
}

/**
 * Whether `node` is a key map: a KeyMap, sampled rows of one (still one entry per row),
 * or a loop input (a key map hoisted out of a learner's loop; its value is checked when
 * the loop runs).
 */
export function isKeyMap(node: PlanNode): boolean {
  if (node.kind === 'loopInput') return node.args.dtype === 'float64';
  return node.kind === 'keyMap' || (node.kind === 'sampleRows' && isKeyMap(node.inputs[0]));
}

/** The key operand K of a gather/scatter/count. */
function keyInput(inputs: readonly PlanNode[], operator: string) {
  const k = matrixInput(inputs, 0, operator);
  if (!isKeyMap(inputs[0])) throw new PlanError(operator, `input 1 must be a KeyMap, got ${inputs[0].kind}`);
  return k;
}

/** K and a matrix over the dimension's rows (M of K·M), checked to match. */
function dimensionOperands(inputs: readonly PlanNode[], operator: string) {
  const k = keyInput(inputs, operator);
  const m = matrixInput(inputs, 1, operator);
  if (m.rows !== null && m.rows !== k.cols) throw new ShapeError(operator, `the key map indexes ${k.cols} rows but ${inputs[1].kind} has ${shapeText(m)}`);
  return { k, m };
}

const none = () => '';
const noArgs = () => [];

export const KEYED_OPERATORS: OperatorDefs<KeyedArgs> = {
  keyMap: {
    name: 'KeyMap',
    arity: 2,
    derive({ factKeys, dimKeys }, inputs) {
      const fact = relationSchema(inputs[0], 'keyMap');
      const dim = relationSchema(inputs[1], 'keyMap');
      if (factKeys.length === 0 || factKeys.length !== dimKeys.length) {
        throw new PlanError('keyMap', `expected the same non-zero number of keys on both sides, got [${factKeys.join(', ')}] and [${dimKeys.join(', ')}]`);
      }
      factKeys.forEach((fk, i) => {
        const f = requireField(fact, fk, 'keyMap (joined rows)');
        const d = requireField(dim, dimKeys[i], 'keyMap (dimension)');
        const same = isInteger(f.dtype) ? isInteger(d.dtype) : f.dtype === d.dtype;
        if (!same) throw new TypeMismatchError('keyMap', `key '${fk}' is ${f.dtype} but the dimension's '${d.name}' is ${d.dtype}`);
      });
      if (uniqueKeyProof(inputs[1], dimKeys) === null) {
        throw new PlanError('keyMap', `[${dimKeys.join(', ')}] is not known to be unique in the dimension (declare it as the primary key)`);
      }
      const dimRows = staticRowCount(inputs[1]);
      if (dimRows === null) throw new PlanError('keyMap', `the dimension's row count must be known while planning (a scan with statistics, optionally projected)`);
      // The rows of K are the rows of the relation the keys are read from, one to one.
      return matrix(staticRowCount(inputs[0]), dimRows, 'float64', undefined, inputs[0]);
    },
    label: ({ factKeys, dimKeys }) => factKeys.map((k, i) => (k === dimKeys[i] ? k : `${k} → ${dimKeys[i]}`)).join(', '),
    digest: ({ factKeys, dimKeys }) => [factKeys, dimKeys],
  },
  gatherByKey: {
    name: 'GatherByKey',
    arity: 2,
    derive(_args, inputs) {
      const { k, m } = dimensionOperands(inputs, 'gatherByKey');
      return matrix(k.rows, m.cols, m.dtype, m.columnNames, k.rowOrigin);
    },
    label: none,
    digest: noArgs,
  },
  scatterByKey: {
    name: 'ScatterByKey',
    arity: 2,
    derive(_args, inputs) {
      const k = keyInput(inputs, 'scatterByKey');
      const g = matrixInput(inputs, 1, 'scatterByKey');
      if (k.rows !== null && g.rows !== null && k.rows !== g.rows) throw new ShapeError('scatterByKey', `the key map has ${k.rows} rows but ${inputs[1].kind} has ${shapeText(g)}`);
      return matrix(k.cols, g.cols, g.dtype, g.columnNames);
    },
    label: none,
    digest: noArgs,
  },
  keyCounts: {
    name: 'KeyCounts',
    arity: 1,
    derive({ dtype }, inputs) {
      const k = keyInput(inputs, 'keyCounts');
      return matrix(k.cols, 1, dtype, ['count']);
    },
    label: ({ dtype }) => (dtype === 'float64' ? '' : dtype),
    digest: ({ dtype }) => [dtype],
  },
  referencedRows: {
    name: 'ReferencedRows',
    arity: 2,
    derive(_args, inputs) {
      const { k, m } = dimensionOperands(inputs, 'referencedRows');
      return matrix(k.cols, m.cols, m.dtype, m.columnNames);
    },
    label: none,
    digest: noArgs,
  },
};

/** K·M. */
export function gatherByKey(k: PlanNode, m: PlanNode): PlanNode {
  return makeNode('gatherByKey', {}, [k, m]);
}

/** Kᵀ·G. */
export function scatterByKey(k: PlanNode, g: PlanNode): PlanNode {
  return makeNode('scatterByKey', {}, [k, g]);
}

/** Kᵀ·1, in the dtype of the matrix it will weigh. */
export function keyCounts(k: PlanNode, dtype: MatrixDType = 'float64'): PlanNode {
  return makeNode('keyCounts', { dtype }, [k]);
}

/** M's rows, zero where no row of K refers to them. */
export function referencedRows(k: PlanNode, m: PlanNode): PlanNode {
  return makeNode('referencedRows', {}, [k, m]);
}

/** The dtype of a matrix node. */
export function dtypeOfNode(m: PlanNode): MatrixDType {
  return m.output.kind === 'matrix' ? m.output.dtype : 'float64';
}
