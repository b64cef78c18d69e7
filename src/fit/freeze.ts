import { concatBatches } from '../data/batch.js';
import { type Column, nullCount } from '../data/column.js';
import { ExecutionError, PlanError } from '../errors.js';
import { execute } from '../exec/execute.js';
import { standardizeParams } from '../exec/operators/bridge.js';
import { resolverFor } from '../exec/operators/relational.js';
import type { DenseMatrix } from '../kernels/matrix/dense.js';
import { type RunOptions, collectMatrix, executeOptions, planToRun } from '../dsl/run.js';
import type { Feature } from '../plan/bridge-operators.js';
import { columnsOf } from '../plan/expr.js';
import { type MatrixNode, type PlanNode, type RelationNode, childPlans, makeNode, nodeLabel, withInputs } from '../plan/node.js';
import type { TableSource } from '../plan/source.js';
import { postOrderOf } from '../plan/walk.js';
import type { Field, RelationSchema } from '../types/schema.js';
import { type FeatureStats, featureStats } from './stats.js';
import { literalId } from './literal.js';

/**
 * Fitting: which part of a pipeline is served row by row, and which part was learned
 * from the training rows and becomes a constant.
 *
 * Walking down from the pipeline's output, a node is *served* when its output has one
 * row per input row (a matrix with a rowOrigin, or a relation on the way to the raw
 * input): toMatrix, products by a constant, element-wise maps, row sums, nearest,
 * column selections, hstack, appended prediction columns, projections and filters.
 * Every other input of a served node (coefficients, centroids, the statistics of a
 * broadcast row) is *frozen*: run once over the training data and replaced by a
 * matrix literal holding exactly the values the run gave. Standardized features get
 * the mean and deviation of their training rows, computed by the encoder's own code
 * (standardizeParams). One-hot categories and hash parameters are constants of the
 * plan already.
 */

/** Where a frozen constant came from. */
export interface Provenance {
  /** The plan step that computed it (e.g. `Loop L3 × 20`, `Solve auto`). */
  readonly step: string;
  /** The learner whose loop produced it, when one did (e.g. `logisticRegression`). */
  readonly learner?: string;
  /** The served step that reads it (e.g. `MatMul`, `ToMatrix standardize(x)`). */
  readonly usedBy: string;
  /** Rows of training data it was fitted over (the encoder's input), when known. */
  readonly trainingRows?: number;
}

export type FrozenConstant =
  | { readonly kind: 'matrix'; readonly name: string; readonly id: string; readonly value: DenseMatrix; readonly provenance: Provenance }
  | { readonly kind: 'standardize'; readonly name: string; readonly column: string; readonly mean: number; readonly sd: number; readonly provenance: Provenance };

export interface Frozen {
  /** The served plan over `inputSource`, every learned value a constant. */
  readonly plan: PlanNode;
  /** The raw columns one input row must have. */
  readonly input: RelationSchema;
  readonly constants: readonly FrozenConstant[];
  /** The training plan's sources, in first-read order (lineage fingerprints them). */
  readonly sources: readonly TableSource[];
  /** Rows that reached the encoders (toMatrix's input) while fitting. */
  readonly trainingRows: number | null;
  /** Per encoded feature: training statistics, for input checks attached later (src/validate). */
  readonly trainingStats: readonly FeatureStats[];
  /** The training rows as the served part reads them (the source's scan): what fit() profiles. */
  readonly trainingInput: RelationNode;
}

/** The input placeholder of a fitted plan: its schema is the raw input; it holds no rows. */
export function inputSource(schema: RelationSchema): TableSource {
  return {
    id: 'fitted-input',
    name: 'input',
    schema,
    stats: {},
    load: () => Promise.reject(new ExecutionError('predict', 'a fitted pipeline has no rows of its own: pass rows to predict()')),
  };
}

/** Served inputs of a served node (indices), or a PlanError saying why the node cannot be served. */
function servedInputs(node: PlanNode, isRoot: boolean): { served: number[]; frozen: number[] } {
  const notPerRow = (why: string) => new PlanError('fit', `${nodeLabel(node)} ${why}, so the pipeline cannot be served row by row; fit a pipeline that ends in per-row predictions, scores or cluster ids`);
  switch (node.kind) {
    case 'scan':
      return { served: [], frozen: [] };
    case 'project':
    case 'filter':
    case 'toMatrix':
    case 'matrixToRelation':
    case 'map':
    case 'nearest':
    case 'selectCols':
      return { served: [0], frozen: [] };
    case 'appendColumns':
      return { served: [0, 1], frozen: [] };
    case 'matmul':
      return { served: [0], frozen: [1] };
    case 'reduce':
      if (node.args.axis !== 'rows') throw notPerRow(`reduces over ${node.args.axis === 'cols' ? 'the rows' : 'all elements'}`);
      return { served: [0], frozen: [] };
    case 'elementwise': {
      const right = node.inputs[1].output;
      if (right.kind === 'matrix' && right.rowOrigin) return { served: [0, 1], frozen: [] };
      if (right.kind === 'matrix' && right.rows !== 1) {
        throw new PlanError('fit', `${nodeLabel(node)}: its right operand (${right.rows ?? '?'}×${right.cols}) is neither computed row by row nor a single row to broadcast`);
      }
      return { served: [0], frozen: [1] };
    }
    case 'hstack':
      return { served: node.inputs.map((_, i) => i), frozen: [] };
    default:
      if (node.output.kind === 'relation' && !isRoot) throw notRowWise(node);
      throw notPerRow('does not compute one output row per input row');
  }
}

/** Why a relation step cannot be on the served rows' path, and what to do instead. */
const NOT_ROW_WISE: Partial<Record<PlanNode['kind'], string>> = {
  sort: 'orders the rows by each other: sort the scored rows instead',
  limit: 'keeps rows by their position among the others: limit the scored rows instead',
  distinct: 'drops rows equal to other rows: deduplicate the data before fitting or scoring',
  join: 'reads a second relation: join the rows before scoring them, so the fitted pipeline reads the joined columns',
  union: 'adds the rows of a second relation: score each relation on its own',
  aggregate: 'combines rows: aggregate before fitting, or fit a pipeline over the aggregated rows',
  validate: 'checks expectations over all rows (uniqueness and row counts among them): fit over the validated rows once collected, and check serving inputs with fitted.checkRow and fitted.checkBatch',
};

/**
 * A relation step other than a projection or a filter between the raw input and the
 * pipeline's output: the single-row path scores each row on its own, so the step's
 * result for one row cannot be the batch's. A PlanError naming the step, at fit time.
 */
function notRowWise(node: PlanNode): PlanError {
  const why = NOT_ROW_WISE[node.kind] ?? 'does not compute each row from that row alone';
  return new PlanError(
    'fit',
    `${nodeLabel(node)} lies between the raw input rows and the pipeline's output, and ${why}. A fitted pipeline scores each row on its own: only projections (select, withColumn: any row-wise expression, casts, date parts and string functions included) and filters (filter, dropNulls) may come there`,
  );
}

/** Whether the value reads data (a scan), i.e. was learned rather than given. */
function readsData(node: PlanNode): boolean {
  return postOrderOf(node, childPlans).some((n) => n.kind === 'scan');
}

function learnerOf(node: PlanNode): string | undefined {
  const names = new Set<string>();
  for (const n of postOrderOf(node, childPlans)) {
    if (n.kind === 'loop' && n.args.guard) names.add(n.args.guard.operator);
    if (n.kind === 'solve' || n.kind === 'lstsq') names.add('least squares (normal equations)');
  }
  return names.size > 0 ? [...names].join(', ') : undefined;
}

/**
 * Splits `root` into its served part and frozen constants, runs the frozen parts over
 * the training data, and returns the served plan over an input placeholder.
 */
export async function freezePlan(root: PlanNode, options: RunOptions = {}): Promise<Frozen> {
  if (root.output.kind === 'matrix' && !root.output.rowOrigin) {
    throw new PlanError('fit', `${nodeLabel(root)} (${root.output.rows ?? '?'}×${root.output.cols}) is not computed row by row from a relation; fit a pipeline that ends in per-row predictions, scores or cluster ids (e.g. X.matmul(beta), not beta)`);
  }
  // Top-down: which nodes are served, which inputs are frozen.
  const served = new Set<PlanNode>([root]);
  const frozenRoots: { node: PlanNode; usedBy: PlanNode }[] = [];
  const frozenSeen = new Set<PlanNode>();
  const stack: PlanNode[] = [root];
  let scan: Extract<PlanNode, { kind: 'scan' }> | undefined;
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.kind === 'scan') {
      if (scan && scan.args.source.id !== node.args.source.id) {
        throw new PlanError('fit', `the served rows come from two sources (${scan.args.source.name} and ${node.args.source.name}); a fitted pipeline reads one row of one input`);
      }
      scan = node;
    }
    const { served: s, frozen: f } = servedInputs(node, node === root);
    for (const i of s) {
      const child = node.inputs[i];
      if (child.output.kind === 'matrix' && !child.output.rowOrigin) {
        throw new PlanError('fit', `${nodeLabel(node)} reads ${nodeLabel(child)}, which is not computed row by row`);
      }
      if (!served.has(child)) {
        served.add(child);
        stack.push(child);
      }
    }
    for (const i of f) {
      const child = node.inputs[i];
      if (child.kind === 'matrixLiteral' || frozenSeen.has(child)) continue;
      frozenSeen.add(child);
      frozenRoots.push({ node: child, usedBy: node });
    }
  }
  if (!scan) throw new PlanError('fit', 'the pipeline reads no source rows');
  const sources = trainingSources(root);

  // Frozen matrices: each run once over the training data (their values as the run gives
  // them). A learner several of them read (k-means' centroids, read by X·Cᵀ and by ‖c‖²)
  // runs once first, and they read its result.
  const shared = await runSharedLearners(frozenRoots.map((r) => r.node), options);
  const constants: FrozenConstant[] = [];
  const replacement = new Map<PlanNode, PlanNode>();
  for (const { node, usedBy } of frozenRoots) {
    const m = await collectMatrix(substitute(node, shared) as MatrixNode, options);
    const value: DenseMatrix = { rows: m.rows, cols: m.cols, data: m.data };
    const name = `param${constants.length}`;
    const id = literalId(value);
    const learner = readsData(node) ? learnerOf(node) : undefined;
    constants.push({ kind: 'matrix', name, id, value, provenance: { step: nodeLabel(node), ...(learner ? { learner } : {}), usedBy: nodeLabel(usedBy) } });
    replacement.set(node, makeNode('matrixLiteral', { value, name, id }, []));
  }

  // Encoders: standardize statistics and the training statistics from each toMatrix's input rows.
  const frozenFeatures = new Map<PlanNode, Feature[]>();
  const trainingStats: FeatureStats[] = [];
  let trainingRows: number | null = null;
  for (const node of served) {
    if (node.kind !== 'toMatrix') continue;
    const rel = node.inputs[0] as RelationNode;
    const schema = rel.output.schema;
    const { result } = await execute(planToRun(rel, options), executeOptions(options));
    if (result.kind !== 'relation') throw new ExecutionError('fit', 'expected the rows of toMatrix’s input');
    const batch = concatBatches(schema, result.batches);
    trainingRows ??= batch.length;
    const resolve = resolverFor(schema, 'toMatrix');
    const features = node.args.features.map((f): Feature => {
      const col: Column = batch.columns[resolve(f.column)];
      trainingStats.push(featureStats(f, col));
      if (f.encoding !== 'standardize' || f.frozen) return f;
      const nulls = nullCount(col);
      if (nulls > 0) throw new ExecutionError('toMatrix', `column '${f.column}' has ${nulls} null value(s); standardize encoding needs values (filter the rows or coalesce the column first)`);
      const { mean, sd } = standardizeParams(col.values, null, batch.length);
      const step = `standardize(${f.column}): mean and population deviation of its training rows`;
      constants.push({ kind: 'standardize', name: `standardize(${f.column})`, column: f.column, mean, sd, provenance: { step, usedBy: 'ToMatrix', trainingRows: batch.length } });
      return { column: f.column, encoding: 'standardize', frozen: { mean, sd } };
    });
    frozenFeatures.set(node, features);
  }

  const { plan, input } = rebuildServed(root, served, replacement, frozenFeatures, scan);
  return { plan, input, constants, sources, trainingRows, trainingStats, trainingInput: scan as RelationNode };
}

/** Loops and solves (learners) reachable from more than one of `roots`, each run once: their values as literals. */
async function runSharedLearners(roots: readonly PlanNode[], options: RunOptions): Promise<Map<PlanNode, PlanNode>> {
  const readers = new Map<PlanNode, number>();
  for (const root of roots) {
    for (const n of postOrderOf(root, (x) => x.inputs)) {
      if (n.kind === 'loop' || n.kind === 'solve' || n.kind === 'lstsq') readers.set(n, (readers.get(n) ?? 0) + 1);
    }
  }
  const values = new Map<PlanNode, PlanNode>();
  for (const [node, count] of readers) {
    if (count < 2) continue;
    const m = await collectMatrix(substitute(node, values) as MatrixNode, options);
    const value: DenseMatrix = { rows: m.rows, cols: m.cols, data: m.data };
    values.set(node, makeNode('matrixLiteral', { value, name: nodeLabel(node), id: literalId(value) }, []));
  }
  return values;
}

/** `root` with the nodes of `values` replaced (inputs first; loop bodies are left as they are). */
function substitute(root: PlanNode, values: ReadonlyMap<PlanNode, PlanNode>): PlanNode {
  if (values.size === 0) return root;
  const out = new Map<PlanNode, PlanNode>();
  for (const n of postOrderOf(root, (x) => (values.has(x) ? [] : x.inputs))) out.set(n, values.get(n) ?? withInputs(n, n.inputs.map((c) => out.get(c)!)));
  return out.get(root)!;
}

/** Every source the training plan scans, loop bodies included, in first-read order. */
export function trainingSources(root: PlanNode): TableSource[] {
  const seen = new Map<string, TableSource>();
  for (const n of postOrderOf(root, childPlans)) if (n.kind === 'scan' && !seen.has(n.args.source.id)) seen.set(n.args.source.id, n.args.source);
  return [...seen.values()];
}

/**
 * The served plan rebuilt over the input placeholder, reading only the raw columns it
 * needs: requested columns flow down (parents first), then nodes are rebuilt inputs first.
 */
function rebuildServed(
  root: PlanNode,
  served: ReadonlySet<PlanNode>,
  replacement: ReadonlyMap<PlanNode, PlanNode>,
  frozenFeatures: ReadonlyMap<PlanNode, Feature[]>,
  scan: Extract<PlanNode, { kind: 'scan' }>,
): { plan: PlanNode; input: RelationSchema } {
  const order = postOrderOf(root, (n) => (served.has(n) ? n.inputs.filter((c) => served.has(c)) : []));
  const requested = new Map<PlanNode, Set<string> | 'all'>([[root, 'all']]);
  const request = (node: PlanNode, cols: Iterable<string> | 'all') => {
    const have = requested.get(node);
    if (have === 'all') return;
    if (cols === 'all') requested.set(node, 'all');
    else requested.set(node, new Set([...(have ?? []), ...cols]));
  };
  const namesOf = (node: PlanNode): string[] => (node.output.kind === 'relation' ? node.output.schema.fields.map((f) => f.name) : []);
  for (let k = order.length - 1; k >= 0; k--) {
    const node = order[k];
    const want = requested.get(node) ?? 'all';
    const cols = want === 'all' ? namesOf(node) : [...want];
    switch (node.kind) {
      case 'appendColumns':
        request(node.inputs[0], 'all');
        break;
      case 'toMatrix':
        request(node.inputs[0], node.args.features.map((f) => f.column));
        break;
      case 'project': {
        const used = new Set<string>();
        for (const c of node.args.columns) if (cols.includes(c.name)) columnsOf(c.expr, used);
        request(node.inputs[0], used);
        break;
      }
      case 'filter':
        request(node.inputs[0], columnsOf(node.args.predicate, new Set(cols)));
        break;
      default:
        break;
    }
  }
  const scanWant = new Set<string>();
  for (const n of order) {
    if (n.kind !== 'scan') continue;
    const w = requested.get(n) ?? 'all';
    for (const c of w === 'all' ? namesOf(n) : w) scanWant.add(c);
  }
  const fields: Field[] = scan.args.source.schema.fields.filter((f) => scanWant.has(f.name));
  const input: RelationSchema = { fields };
  const inputScan = makeNode('scan', { source: inputSource(input), columns: null }, []);
  const rebuilt = new Map<PlanNode, PlanNode>();
  const get = (n: PlanNode) => replacement.get(n) ?? rebuilt.get(n) ?? n;
  for (const node of order) {
    let out: PlanNode;
    if (node.kind === 'scan') out = inputScan;
    else if (node.kind === 'project') {
      const want = requested.get(node) ?? 'all';
      const columns = want === 'all' ? node.args.columns : node.args.columns.filter((c) => want.has(c.name));
      out = makeNode('project', { columns }, [get(node.inputs[0])]);
    } else if (node.kind === 'toMatrix') {
      out = makeNode('toMatrix', { ...node.args, features: frozenFeatures.get(node) ?? node.args.features }, [get(node.inputs[0])]);
    } else out = withInputs(node, node.inputs.map(get));
    rebuilt.set(node, out);
  }
  return { plan: get(root), input };
}
