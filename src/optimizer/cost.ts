import type { ExprNode } from '../plan/expr.js';
import type { PlanNode } from '../plan/node.js';
import { sourceColumnStats } from '../plan/provenance.js';
import { toMatrixDensity, toMatrixLayout } from '../plan/bridge-operators.js';
import { type Task, call, trampoline } from '../plan/walk.js';

/**
 * The cost model: estimated rows, columns, floating-point operations and bytes per
 * operator, from source statistics (row counts, distinct counts, min/max, declared
 * keys). Cost is in units of one value touched in order (read or written by a column
 * or matrix kernel, 2–3 ns on this project's machines): relational work counts the
 * values it touches, matrix products their FLOPs at FLOP_COST each, so the two algebras
 * compare on one scale. The measurements behind the constants: docs/architecture.md#costs.
 */

export interface Estimate {
  /** Output rows (relation rows or matrix rows). */
  readonly rows: number;
  /** Output columns. */
  readonly cols: number;
  /** Floating-point operations of this operator alone. */
  readonly flops: number;
  /** Bytes of this operator's output. */
  readonly bytes: number;
  /** Cost of this operator alone. */
  readonly cost: number;
  /** Expected fraction of non-zero entries of a matrix output (1 for relations and dense results). */
  readonly density: number;
}

export interface PlanEstimate {
  readonly nodes: ReadonlyMap<PlanNode, Estimate>;
  /** Sums over the plan (each shared node once; loop bodies times their iterations). */
  readonly total: { readonly flops: number; readonly bytes: number; readonly cost: number; readonly operatorRuns: number };
}

/**
 * Cost of one floating-point operation of a dense product kernel, relative to a value
 * touched in order: products keep their operands in registers and cache tiles, so a
 * FLOP costs a small fraction of a memory access. Measured: a 100K × 40 XᵀX (164
 * MFLOP) takes 12 ms on ONNX Runtime and about 30 ms on the JS kernels, 0.07–0.2 ns a
 * FLOP, against 2–3 ns a value for a sequential encode.
 */
export const FLOP_COST = 0.05;

/**
 * Cost of a value read from or written to a row found through a key (gathers and
 * scatters by key), relative to a value touched in order: a likely cache miss per row
 * and no vector loads. Measured on this project's 2-core machines: a 1M × 20 scatter
 * takes 8 ns a value, a sequential encode 2–3 ns.
 */
const RANDOM_ACCESS = 4;

/**
 * Cost of a join output value taken from the right side's columns (the dimension's
 * columns of a key join), relative to a value touched in order, when those columns
 * outgrow the cache: the joined rows visit the right rows in key order, not storage
 * order, and each column is its own array, so every value is a cache miss of its own
 * (a row-major gather shares one miss among a row's values: RANDOM_ACCESS). Measured:
 * 100K joined rows reading 20 columns of a shuffled 100K-row dimension spend 40 ns a
 * value (laying the columns out by key, then reading them through the join index).
 */
const COLUMN_GATHER = 16;

/** Bytes of right-side columns that stay in cache while a join reads them at random (the L2 of this project's machines). */
const CACHE_BYTES = 1 << 20;

/** Cost of finding one joined row's dimension row by its key (KeyMap): about 57 ns a row for 1M rows into 100K keys, ~20 sequential values. */
const KEY_LOOKUP = 20;

/** Row count assumed for a source without statistics. */
export const DEFAULT_ROWS = 1000;

function colsOf(node: PlanNode): number {
  return node.output.kind === 'relation' ? node.output.schema.fields.length : node.output.cols;
}

/** Distinct values of a column, from its source's statistics, when known. */
function distinctOf(node: PlanNode, column: string): number | undefined {
  return sourceColumnStats(node, column)?.distinct;
}

/** Fraction of rows a predicate keeps: textbook defaults, refined by distinct counts and min/max. */
export function selectivity(e: ExprNode, input: PlanNode): number {
  return trampoline(selectivityOf(e, input));
}

function* selectivityOf(e: ExprNode, input: PlanNode): Task<number> {
  const of = (x: ExprNode) => call(selectivityOf(x, input));
  if (e.kind === 'literal') return e.value === true ? 1 : 0;
  if (e.kind === 'unary') {
    if (e.op === 'not') return 1 - (yield* of(e.arg));
    if (e.op === 'isNull') return 0.05;
    if (e.op === 'isNotNull') return 0.95;
  }
  if (e.kind !== 'binary') return 0.5;
  switch (e.op) {
    case 'and': {
      const a = yield* of(e.left);
      return a * (yield* of(e.right));
    }
    case 'or': {
      const a = yield* of(e.left);
      const b = yield* of(e.right);
      return a + b - a * b;
    }
    case 'eq': {
      const col = e.left.kind === 'column' ? e.left : e.right.kind === 'column' ? e.right : undefined;
      const ndv = col && distinctOf(input, col.name);
      return ndv ? 1 / ndv : 0.1;
    }
    case 'ne':
      return 0.9;
    case 'lt':
    case 'le':
    case 'gt':
    case 'ge':
      return rangeSelectivity(e, input);
    default:
      return 0.5;
  }
}

function rangeSelectivity(e: Extract<ExprNode, { kind: 'binary' }>, input: PlanNode): number {
  if (e.left.kind !== 'column' || e.right.kind !== 'literal' || typeof e.right.value !== 'number') return 1 / 3;
  const stats = sourceColumnStats(input, e.left.name);
  if (stats?.min === undefined || stats.max === undefined || stats.max <= stats.min) return 1 / 3;
  const below = Math.min(Math.max((e.right.value - stats.min) / (stats.max - stats.min), 0), 1);
  return e.op === 'lt' || e.op === 'le' ? below : 1 - below;
}

/** Estimates every node of a plan. */
export function estimatePlan(root: PlanNode): PlanEstimate {
  const nodes = new Map<PlanNode, Estimate>();
  let flops = 0;
  let bytes = 0;
  let cost = 0;
  let operatorRuns = 0;

  /** A plan, or a loop body: a shared node is counted once per run of its scope, `weight` times. */
  interface Scope {
    readonly memo: Map<PlanNode, Estimate>;
    readonly loopInputs: readonly Estimate[];
    readonly weight: number;
  }

  // Inputs first, then a loop's body (its own scope), then the node: on the trampoline, as plans may be MAX_PLAN_DEPTH deep.
  function* visit(node: PlanNode, scope: Scope): Task<Estimate> {
    const known = scope.memo.get(node);
    if (known) return known;
    const inputs: Estimate[] = [];
    for (const c of node.inputs) inputs.push(scope.memo.get(c) ?? (yield* call(visit(c, scope))));
    let est: Estimate;
    if (node.kind === 'loop') {
      const body = yield* call(visit(node.args.body, { memo: new Map(), loopInputs: inputs, weight: scope.weight * node.args.iterations }));
      est = make(body.rows, body.cols, 0, 0);
    } else if (node.kind === 'loopInput') {
      const bound = scope.loopInputs[node.args.index];
      est = make(bound?.rows ?? node.args.rows ?? DEFAULT_ROWS, node.args.cols, 0, 0);
    } else {
      est = withDtype(node, estimateNode(node, inputs));
      operatorRuns += scope.weight;
    }
    flops += est.flops * scope.weight;
    bytes += est.bytes * scope.weight;
    cost += est.cost * scope.weight;
    scope.memo.set(node, est);
    if (!nodes.has(node)) nodes.set(node, est);
    return est;
  }
  trampoline(visit(root, { memo: nodes, loopInputs: [], weight: 1 }));
  return { nodes, total: { flops, bytes, cost, operatorRuns } };
}

function make(rows: number, cols: number, flops: number, touched: number, density = 1): Estimate {
  // A sparse layout stores a value and a column index per non-zero (CSR).
  const bytes = density < 1 ? rows * cols * density * 12 + rows * 4 : rows * cols * 8;
  return { rows, cols, flops, bytes, cost: flops * FLOP_COST + touched, density };
}

/** The values an operator touches, its cost less its FLOPs' share (what `make` adds up). */
export function valuesTouched(e: Estimate): number {
  return e.cost - e.flops * FLOP_COST;
}

/** float32 matrices hold half the bytes. */
function withDtype(node: PlanNode, est: Estimate): Estimate {
  return node.output.kind === 'matrix' && node.output.dtype === 'float32' ? { ...est, bytes: est.bytes / 2 } : est;
}

/** One operator, given its inputs' estimates. */
function estimateNode(node: PlanNode, inputs: readonly Estimate[]): Estimate {
  const cols = colsOf(node);
  const [a, b] = inputs;
  const rowsOr = (fallback: number) => (node.output.kind === 'matrix' && node.output.rows !== null ? node.output.rows : fallback);
  switch (node.kind) {
    case 'scan': {
      const rows = node.args.source.stats.rowCount ?? DEFAULT_ROWS;
      return make(rows, cols, 0, rows * cols);
    }
    case 'filter':
      return make(a.rows * selectivity(node.args.predicate, node.inputs[0]), cols, 0, a.rows);
    case 'project':
      return make(a.rows, cols, 0, a.rows * cols);
    case 'join': {
      const rows = joinRows(node, a.rows, b.rows);
      const rightCols = Math.max(0, cols - colsOf(node.inputs[0]));
      return make(rows, cols, 0, a.rows + b.rows + rows * cols + rows * rightCols * rightGatherExtra(b.rows, rightCols));
    }
    case 'aggregate': {
      const groups = node.args.groupBy.reduce((p, g) => p * (distinctOf(node.inputs[0], g) ?? Math.sqrt(a.rows)), 1);
      const rows = node.args.groupBy.length === 0 ? 1 : Math.min(groups, a.rows);
      return make(rows, cols, 0, a.rows * (1 + node.args.aggregates.length));
    }
    case 'sort':
      return make(a.rows, cols, 0, a.rows * Math.log2(a.rows + 2) + a.rows * cols);
    case 'limit': {
      const rows = Math.min(Math.max(a.rows - node.args.offset, 0), node.args.limit ?? Infinity);
      return make(rows, cols, 0, rows * cols);
    }
    case 'distinct':
      return make(a.rows, cols, 0, a.rows * cols);
    case 'validate':
      // Every row is read once per expectation; the rows a failure removes are not known while planning.
      return make(a.rows, cols, 0, a.rows * (cols + node.args.expectations.length));
    case 'union':
      return make(a.rows + b.rows, cols, 0, (a.rows + b.rows) * cols);
    case 'toMatrix': {
      // A CSR or hybrid layout writes its stored entries only (one per row and one-hot/hash feature).
      const density = toMatrixLayout(node.args) === 'dense' ? 1 : toMatrixDensity(node.args);
      return make(a.rows, cols, 0, a.rows * cols * density, density);
    }
    case 'appendColumns':
      return make(a.rows, cols, 0, a.rows * cols);
    case 'matrixToRelation':
      return make(a.rows, cols, 0, a.rows * cols);
    case 'matrixLiteral':
    case 'identity':
    case 'loopState':
      return make(rowsOr(DEFAULT_ROWS), cols, 0, 0);
    case 'matmul': {
      // Sparse kernels skip A's zeros.
      const rows = rowsOr(a.rows);
      const flops = 2 * rows * a.cols * a.density * cols;
      return make(rows, cols, flops, scatteredUpdates(a, flops));
    }
    case 'crossprod': {
      const other = b ?? a;
      // The symmetric kernel computes one triangle of XᵀX; sparse kernels skip zeros.
      const flops = b ? 2 * a.rows * a.cols * a.density * other.cols : a.rows * a.cols * a.density * (a.cols * a.density + 1);
      return make(a.cols, other.cols, flops, scatteredUpdates(a, flops));
    }
    case 'transpose':
      return make(a.cols, a.rows, 0, a.rows * a.cols);
    // Element-wise work is bound by memory: every input value is touched once.
    case 'elementwise':
    case 'map':
    case 'nearest':
    case 'guard':
    case 'loopLoss':
      return make(rowsOr(a.rows), cols, a.rows * a.cols, a.rows * a.cols);
    case 'reduce': {
      const rows = node.args.axis === 'rows' ? a.rows : 1;
      return make(rows, cols, a.rows * a.cols, a.rows * a.cols);
    }
    case 'solve': {
      const n = a.cols;
      return make(n, cols, (2 / 3) * n ** 3 + 2 * n * n * cols, 0);
    }
    case 'lstsq':
      return make(a.cols, cols, a.rows * a.cols * (a.cols + cols) + (a.cols ** 3) / 3, 0);
    case 'inverse':
      return make(a.cols, a.cols, 2 * a.cols ** 3, 0);
    case 'diag':
      return make(a.rows, a.rows, 0, a.rows * a.rows);
    case 'selectCols':
      return make(rowsOr(a.rows), cols, 0, a.rows * cols);
    case 'filterRows':
      return make(a.rows * 0.5, cols, 0, a.rows * (cols + 1));
    case 'sampleRows':
      return make(node.args.count, cols, 0, a.rows);
    case 'hstack': {
      const rows = rowsOr(a.rows);
      return make(rows, cols, 0, rows * cols);
    }
    case 'vstack': {
      const rows = inputs.reduce((s, e) => s + e.rows, 0);
      return make(rows, cols, 0, rows * cols);
    }
    case 'sliceRows':
      return make(node.args.end - node.args.start, cols, 0, (node.args.end - node.args.start) * cols);
    case 'keyMap':
      // Build a table of the dimension's keys, look every joined row's key up: K in CSR, one entry per row.
      return make(a.rows, cols, 0, a.rows * KEY_LOOKUP + b.rows, 1 / Math.max(cols, 1));
    case 'gatherByKey':
      return make(a.rows, cols, 0, a.rows * cols * RANDOM_ACCESS);
    case 'scatterByKey':
      return make(a.cols, cols, 0, b.rows * cols * RANDOM_ACCESS);
    case 'keyCounts':
      return make(a.cols, 1, 0, a.rows * RANDOM_ACCESS);
    case 'referencedRows':
      return make(a.cols, cols, 0, a.rows * RANDOM_ACCESS + b.rows * cols);
    case 'loop':
    case 'loopInput':
      return make(rowsOr(DEFAULT_ROWS), cols, 0, 0);
  }
}

/**
 * What a product over a sparse operand costs beyond its FLOPs: each stored entry adds
 * its products into an output row or entry found through its column index, not in
 * order as the dense kernels' register tiles do; priced as random access. Measured
 * with the W2 matrix (1M × 65, one-hot and 4 dense columns): the hybrid XᵀX runs at
 * about 1 FLOP/ns, the dense kernels at 3–5.
 */
function scatteredUpdates(a: Estimate, flops: number): number {
  return a.density < 1 ? flops * FLOP_COST * (RANDOM_ACCESS - 1) : 0;
}

/**
 * What each right-side value of a join's output costs beyond a value touched in order:
 * two random accesses while the right side's columns fit in cache (the join lays the
 * values out by key, its reader reads them through the join's row index), rising to
 * COLUMN_GATHER as they outgrow it. Measured: 40K joined rows over a 2,000-row
 * dimension of 12 columns spend 18 ns a right-side value, 7 value-units.
 */
function rightGatherExtra(rightRows: number, rightCols: number): number {
  const inCache = 2 * RANDOM_ACCESS - 1;
  const share = Math.min(1, (rightRows * rightCols * 8) / CACHE_BYTES);
  return inCache - 1 + (COLUMN_GATHER - inCache) * share;
}

/** Join output rows: a join on the right side's primary key keeps at most the left rows. */
function joinRows(node: Extract<PlanNode, { kind: 'join' }>, left: number, right: number): number {
  const { how, rightKeys, leftKeys } = node.args;
  if (how === 'semi' || how === 'anti') return left * 0.5;
  const rightOut = node.inputs[1].output;
  const pk = rightOut.kind === 'relation' ? rightOut.schema.primaryKey : undefined;
  const onPk = !!pk && pk.every((k) => rightKeys.includes(k));
  const ndv = Math.max(
    distinctOf(node.inputs[0], leftKeys[0]) ?? left,
    distinctOf(node.inputs[1], rightKeys[0]) ?? right,
    1,
  );
  // On the right side's key every left row finds at most one partner; when the right side
  // was filtered, only its share of the key's values is left to find.
  const keyValues = distinctOf(node.inputs[1], rightKeys[0]);
  const inner = onPk ? left * Math.min(1, keyValues ? right / keyValues : 1) : (left * right) / ndv;
  // Outer joins keep every row of their preserved side(s) at least once.
  if (how === 'left') return Math.max(inner, left);
  if (how === 'right') return Math.max(inner, right);
  if (how === 'full') return Math.max(inner, left, right);
  return inner;
}
