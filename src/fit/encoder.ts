import { type Batch, makeBatch } from '../data/batch.js';
import { allocValues, makeColumn } from '../data/column.js';
import { ExecutionError, PlanError } from '../errors.js';
import { hashText } from '../exec/operators/bridge.js';
import type { MatrixValue } from '../exec/operators/matrix.js';
import { runFilter, runProject } from '../exec/operators/relational.js';
import type { CsrMatrix } from '../kernels/matrix/csr.js';
import { type DenseMatrix, allocate } from '../kernels/matrix/dense.js';
import type { HybridMatrix } from '../kernels/matrix/hybrid.js';
import { featureWidth, isSparseFeature, toMatrixLayout } from '../plan/bridge-operators.js';
import { type PlanNode, nodeLabel } from '../plan/node.js';
import { RowSlots } from './row-input.js';

/**
 * The encoder of the single-row path (src/fit/scorer.ts): toMatrix over one input row,
 * writing what the batch encoder writes in the same layout, over buffers reused from
 * call to call. Features read the input row's slots directly, or, behind projections
 * and filters, the one-row batch the executor's own operators compute.
 */

/** Set by an encoder whose input row a filter dropped; the other steps then compute on zeros, and the result is discarded. */
export interface RowState {
  dropped: boolean;
}

/** One compiled plan step: computes its value for the current row. */
export type Step = () => MatrixValue;

/** The input slot a relation column reads: through plain column renames down to the input scan. */
function slotOf(node: PlanNode, column: string, slots: RowSlots): number {
  for (;;) {
    if (node.kind === 'scan') {
      const k = slots.fields.findIndex((f) => f.name === column);
      if (k < 0) throw new PlanError('predict', `column '${column}' is not an input column of the fitted pipeline`);
      return k;
    }
    if (node.kind === 'project') {
      const c = node.args.columns.find((x) => x.name === column);
      if (c?.expr.kind === 'column') {
        column = c.expr.name;
        node = node.inputs[0];
        continue;
      }
    }
    return -1;
  }
}

/**
 * A relation over the one input row, through projections and filters, by the
 * executor's own operators (runProject, runFilter) on a one-row batch: no batch when a
 * filter drops the row.
 */
function compileRelation(node: PlanNode, slots: RowSlots): () => readonly Batch[] {
  switch (node.kind) {
    case 'scan':
      return () => [slotBatch(slots)];
    case 'project': {
      const input = compileRelation(node.inputs[0], slots);
      return () => runProject(node, input());
    }
    case 'filter': {
      const input = compileRelation(node.inputs[0], slots);
      return () => runFilter(node, input());
    }
    default:
      throw new PlanError('predict', `single-row scoring does not run ${nodeLabel(node)}; score batches with predict(rows)`);
  }
}

/** The input row as a one-row batch of the input's columns. */
function slotBatch(slots: RowSlots): Batch {
  const columns = slots.fields.map((f, k) => {
    const validity = slots.nulls[k] ? Uint8Array.of(0) : null;
    if (f.dtype === 'string') return makeColumn('string', Int32Array.of(0), validity, [slots.strings[k] ?? '']);
    const values = allocValues(f.dtype, 1);
    values[0] = slots.numbers[k];
    return makeColumn(f.dtype, values, validity);
  });
  return makeBatch(columns, 1);
}

/**
 * For an encoder over computed or filtered columns: slots of its input relation's
 * columns, filled per row from that relation's one-row batch before encoding.
 */
function relationSlots(node: PlanNode, slots: RowSlots, state: RowState): { slots: RowSlots; fill: () => void } {
  const rel = compileRelation(node, slots);
  const fields = node.output.kind === 'relation' ? node.output.schema.fields : [];
  const own = new RowSlots(fields);
  return {
    slots: own,
    fill: () => {
      const batches = rel();
      const batch = batches.find((b) => b.length > 0);
      if (!batch) {
        state.dropped = true;
        own.nulls.fill(0);
        own.numbers.fill(0);
        own.strings.fill('');
        return;
      }
      batch.columns.forEach((col, k) => {
        const valid = col.validity === null || col.validity[0] === 1;
        own.nulls[k] = valid ? 0 : 1;
        if (col.dtype === 'string') own.strings[k] = valid ? col.dictionary![col.values[0]] : null;
        else own.numbers[k] = col.values[0];
      });
    },
  };
}

const enum Enc {
  Numeric,
  Standardize,
  OneHot,
  Hash,
}

interface FeatureCode {
  readonly enc: Enc;
  readonly column: string;
  readonly slot: number;
  readonly isString: boolean;
  /** Dense features: column within the dense buffer; sparse ones: first column of the block. */
  readonly at: number;
  readonly mean: number;
  readonly sd: number;
  readonly categories: Map<string, number> | null;
  readonly buckets: number;
}

/** toMatrix over one row, in the layout the batch encoder uses; buffers are reused across calls. */
export function compileEncoder(node: Extract<PlanNode, { kind: 'toMatrix' }>, inputSlots: RowSlots, state: RowState): Step {
  const { features, intercept, dtype } = node.args;
  // Straight from the input row when the encoder reads input columns (renamed at most); else through its relation.
  const direct = features.every((f) => slotOf(node.inputs[0], f.column, inputSlots) >= 0);
  const computed = direct ? null : relationSlots(node.inputs[0], inputSlots, state);
  const slots = computed ? computed.slots : inputSlots;
  const prepare = computed ? computed.fill : () => {};
  const slotFor = (column: string) => (computed ? slots.fields.findIndex((f) => f.name === column) : slotOf(node.inputs[0], column, slots));
  const layout = toMatrixLayout(node.args);
  const width = features.reduce((s, f) => s + featureWidth(f), 0) + (intercept ? 1 : 0);
  const codes: FeatureCode[] = [];
  let at = 0;
  let denseAt = 0;
  for (const f of features) {
    const slot = slotFor(f.column);
    const sparse = layout !== 'dense' && isSparseFeature(f);
    const enc = f.encoding === 'numeric' ? Enc.Numeric : f.encoding === 'standardize' ? Enc.Standardize : f.encoding === 'onehot' ? Enc.OneHot : Enc.Hash;
    if (f.encoding === 'standardize' && !f.frozen) throw new PlanError('predict', `standardize(${f.column}) has no frozen mean and deviation: fit the pipeline first`);
    codes.push({
      enc,
      column: f.column,
      slot,
      isString: slots.fields[slot].dtype === 'string',
      at: layout === 'dense' ? at : sparse ? at : denseAt,
      mean: f.encoding === 'standardize' ? f.frozen!.mean : 0,
      sd: f.encoding === 'standardize' ? f.frozen!.sd : 1,
      categories: f.encoding === 'onehot' ? new Map(f.categories.map((c, i) => [c, i])) : null,
      buckets: f.encoding === 'hash' ? f.buckets : 1,
    });
    if (!sparse) denseAt += 1;
    at += featureWidth(f);
  }
  const { numbers, strings, nulls } = slots;
  /** The column within a one-hot/hash block, or -1 (null, or a category outside the fitted ones). */
  const slotIn = (c: FeatureCode): number => {
    if (nulls[c.slot]) return -1;
    if (c.enc === Enc.OneHot) return c.categories!.get(strings[c.slot]!) ?? -1;
    return hashText(c.isString ? strings[c.slot]! : String(numbers[c.slot])) % c.buckets;
  };
  const valueOf = (c: FeatureCode): number => {
    if (nulls[c.slot] && !state.dropped) {
      throw new ExecutionError('toMatrix', `column '${c.column}' has 1 null value(s); ${c.enc === Enc.Numeric ? 'numeric' : 'standardize'} encoding needs values (filter the rows or coalesce the column first)`);
    }
    const v = numbers[c.slot];
    return c.enc === Enc.Numeric ? v : (v - c.mean) / c.sd;
  };

  if (layout === 'dense') {
    const data = allocate(dtype, width);
    const value: DenseMatrix = { rows: 1, cols: width, data };
    const anySparse = features.some(isSparseFeature);
    return () => {
      prepare();
      if (anySparse) data.fill(0);
      for (let k = 0; k < codes.length; k++) {
        const c = codes[k];
        if (c.enc === Enc.Numeric || c.enc === Enc.Standardize) data[c.at] = valueOf(c);
        else {
          const s = slotIn(c);
          if (s >= 0) data[c.at + s] = 1;
        }
      }
      if (intercept) data[width - 1] = 1;
      return value;
    };
  }
  // CSR (every feature one-hot/hash) or hybrid (a dense block beside the CSR block).
  const sparseCodes = codes.filter((c) => c.enc === Enc.OneHot || c.enc === Enc.Hash);
  const denseCodes = codes.filter((c) => c.enc === Enc.Numeric || c.enc === Enc.Standardize);
  const indptr = new Int32Array(2);
  const indices = new Int32Array(sparseCodes.length);
  const csr: CsrMatrix = { rows: 1, cols: width, indptr, indices, values: new Float64Array(sparseCodes.length).fill(1) };
  const fillSparse = () => {
    let p = 0;
    for (let k = 0; k < sparseCodes.length; k++) {
      const s = slotIn(sparseCodes[k]);
      if (s >= 0) indices[p++] = sparseCodes[k].at + s;
    }
    indptr[1] = p;
  };
  if (layout === 'csr' && denseCodes.length === 0 && !intercept) {
    return () => {
      prepare();
      fillSparse();
      return csr;
    };
  }
  const denseCols = Int32Array.from([...codes.flatMap((c, k) => (denseCodes.includes(c) ? [features.slice(0, k).reduce((s, f) => s + featureWidth(f), 0)] : [])), ...(intercept ? [width - 1] : [])]);
  const D = new Float64Array(denseCols.length);
  const hybrid: HybridMatrix = { rows: 1, cols: width, dense: { rows: 1, cols: denseCols.length, data: D }, denseCols, sparse: csr };
  return () => {
    prepare();
    for (let k = 0; k < denseCodes.length; k++) D[denseCodes[k].at] = valueOf(denseCodes[k]);
    if (intercept) D[denseCols.length - 1] = 1;
    fillSparse();
    return hybrid;
  };
}

