import { ArtefactError, PlanError } from '../errors.js';
import type { DenseMatrix } from '../kernels/matrix/dense.js';
import { type ExprNode, binary, caseWhen, cast, coalesce, columnRef, literal, unary } from '../plan/expr.js';
import { scalarCall } from '../plan/functions.js';
import { type PlanNode, makeNode, nodeLabel } from '../plan/node.js';
import { postOrderOf } from '../plan/walk.js';
import type { ColumnType } from '../types/dtype.js';
import type { Field, RelationSchema } from '../types/schema.js';
import { float64Bytes, readFloat64 } from './literal.js';
import type { FrozenConstant, Provenance } from './freeze.js';
import { inputSource } from './freeze.js';
import type { Lineage } from './lineage.js';
import type { FeatureStats } from './stats.js';

/**
 * The artefact of a fitted pipeline: one self-describing JSON document.
 *
 *   format, version   "tessera.fitted-pipeline", FORMAT_VERSION
 *   input             the raw columns one row must have (name, dtype, nullable)
 *   plan              the served plan: nodes (kind, args, inputs by index), inputs first
 *   constants         frozen values and their provenance; matrices point into `data`
 *   trainingStats     per encoded feature: what the training rows looked like
 *   attachments       JSON other modules store with the pipeline (an input profile)
 *   lineage           where the fit came from
 *   data              every matrix's values as little-endian float64, base64
 *
 * Numbers JSON cannot write (NaN, ±Infinity, -0) are written as {"$number": "NaN"}.
 * Float64 bytes make matrices round-trip bit for bit (float32 matrices widen exactly
 * and are narrowed again on load).
 */
export const ARTEFACT_FORMAT = 'tessera.fitted-pipeline';
export const FORMAT_VERSION = 1;

export interface FittedParts {
  readonly plan: PlanNode;
  readonly input: RelationSchema;
  readonly constants: readonly FrozenConstant[];
  readonly trainingStats: readonly FeatureStats[];
  readonly lineage: Lineage;
  /** JSON values stored with the pipeline by name (FittedPipeline.attach). */
  readonly attachments?: Readonly<Record<string, unknown>>;
}

/** Plan nodes a fitted plan may hold (what freezePlan builds). */
const SERVED_KINDS = new Set(['scan', 'project', 'filter', 'toMatrix', 'matmul', 'elementwise', 'map', 'reduce', 'nearest', 'selectCols', 'hstack', 'matrixLiteral', 'appendColumns', 'matrixToRelation']);

interface MatrixRef {
  readonly rows: number;
  readonly cols: number;
  readonly dtype: 'float64' | 'float32';
  /** Position in `data`, in float64 values. */
  readonly offset: number;
}

/** NaN, ±Infinity and -0 as tagged objects; everything else as is, recursively. */
function encodeNumbers(v: unknown): unknown {
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0) ? v : { $number: Object.is(v, -0) ? '-0' : String(v) };
  if (Array.isArray(v)) return v.map(encodeNumbers);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encodeNumbers(x)]));
  return v;
}

function decodeNumbers(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decodeNumbers);
  if (v !== null && typeof v === 'object') {
    const tag = (v as { $number?: unknown }).$number;
    if (typeof tag === 'string' && Object.keys(v).length === 1) return tag === '-0' ? -0 : Number(tag);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decodeNumbers(x)]));
  }
  return v;
}

/** The artefact document of a fitted pipeline. */
export function artefactDocument(parts: FittedParts): Record<string, unknown> {
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const refs = new Map<string, MatrixRef>();
  const store = (id: string, m: DenseMatrix): MatrixRef => {
    let ref = refs.get(id);
    if (!ref) {
      ref = { rows: m.rows, cols: m.cols, dtype: m.data instanceof Float32Array ? 'float32' : 'float64', offset };
      chunks.push(float64Bytes(m.data));
      offset += m.data.length;
      refs.set(id, ref);
    }
    return ref;
  };
  const order = postOrderOf(parts.plan, (n) => n.inputs);
  const index = new Map(order.map((n, i) => [n, i]));
  const nodes = order.map((n) => {
    if (!SERVED_KINDS.has(n.kind)) throw new PlanError('save', `${nodeLabel(n)} is not part of a fitted plan`);
    let args: unknown;
    if (n.kind === 'scan') args = {};
    else if (n.kind === 'matrixLiteral') args = { name: n.args.name, id: n.args.id, ...store(n.args.id, n.args.value) };
    else args = n.args;
    return { kind: n.kind, args, inputs: n.inputs.map((c) => index.get(c)!) };
  });
  const constants = parts.constants.map((c) => (c.kind === 'matrix' ? { kind: c.kind, name: c.name, id: c.id, ...store(c.id, c.value), provenance: c.provenance } : c));
  const bytes = Buffer.concat(chunks);
  return encodeNumbers({
    format: ARTEFACT_FORMAT,
    version: FORMAT_VERSION,
    input: { fields: parts.input.fields },
    plan: { nodes, root: index.get(parts.plan) },
    constants,
    trainingStats: parts.trainingStats,
    lineage: parts.lineage,
    attachments: parts.attachments ?? {},
    data: { encoding: 'base64', layout: 'float64-le', values: offset, base64: bytes.toString('base64') },
  }) as Record<string, unknown>;
}

/** Reads an artefact document (parsed JSON) back into the parts of a fitted pipeline; `source` names it in errors. */
export function readArtefact(doc: unknown, source: string): FittedParts {
  const malformed = (detail: string) => new ArtefactError(source, 'malformed', `not a valid fitted-pipeline artefact: ${detail}`);
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new ArtefactError(source, 'foreign', `expected a JSON object written by FittedPipeline.save, got ${Array.isArray(doc) ? 'an array' : doc === null ? 'null' : typeof doc}`);
  const d = decodeNumbers(doc) as Record<string, any>;
  if (d.format !== ARTEFACT_FORMAT) throw new ArtefactError(source, 'foreign', `not a Tessera fitted pipeline (format is ${JSON.stringify(d.format) ?? 'missing'}, expected "${ARTEFACT_FORMAT}")`);
  if (!Number.isInteger(d.version) || d.version < 1) throw malformed(`version ${JSON.stringify(d.version)} is not a positive integer`);
  if (d.version > FORMAT_VERSION) throw new ArtefactError(source, 'newer-version', `written in format version ${d.version}; this Tessera reads versions up to ${FORMAT_VERSION}: upgrade Tessera to load it`);
  for (const part of ['input', 'plan', 'constants', 'lineage', 'data']) if (d[part] === null || typeof d[part] !== 'object') throw malformed(`'${part}' is missing`);
  const data = d.data;
  if (data.encoding !== 'base64' || data.layout !== 'float64-le' || typeof data.base64 !== 'string' || !Number.isInteger(data.values)) throw malformed("'data' is not a base64 block of little-endian float64 values");
  const bytes = Buffer.from(data.base64, 'base64');
  if (bytes.length !== data.values * 8) throw malformed(`'data' holds ${bytes.length} bytes, expected ${data.values * 8} (${data.values} float64 values)`);
  const matrixAt = (ref: Partial<MatrixRef>, what: string): DenseMatrix => {
    const { rows, cols, dtype, offset } = ref;
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || !Number.isInteger(offset) || (dtype !== 'float64' && dtype !== 'float32')) throw malformed(`${what}: expected rows, cols, dtype and offset`);
    const n = rows! * cols!;
    if (offset! < 0 || offset! + n > data.values) throw malformed(`${what}: values ${offset}..${offset! + n} lie outside 'data'`);
    const values = readFloat64(bytes, offset!, n);
    return { rows: rows!, cols: cols!, data: dtype === 'float32' ? Float32Array.from(values) : values };
  };
  try {
    const fields = d.input.fields as Field[];
    if (!Array.isArray(fields)) throw malformed("'input.fields' is not a list");
    const input: RelationSchema = { fields };
    const scan = inputSource(input);
    const built: PlanNode[] = [];
    const nodes = d.plan.nodes;
    if (!Array.isArray(nodes)) throw malformed("'plan.nodes' is not a list");
    nodes.forEach((n: { kind: string; args: any; inputs: number[] }, i: number) => {
      if (!SERVED_KINDS.has(n?.kind)) throw malformed(`plan node ${i} has kind ${JSON.stringify(n?.kind)}, not one a fitted plan holds`);
      if (!Array.isArray(n.inputs) || n.inputs.some((k) => !Number.isInteger(k) || k < 0 || k >= i)) throw malformed(`plan node ${i} (${n.kind}) reads inputs that are not earlier nodes`);
      const inputs = n.inputs.map((k) => built[k]);
      let args: any = n.args;
      if (n.kind === 'scan') args = { source: scan, columns: null };
      else if (n.kind === 'matrixLiteral') args = { name: String(args.name), id: String(args.id), value: matrixAt(args, `plan node ${i}`) };
      else if (n.kind === 'project') args = { columns: args.columns.map((c: { name: string; expr: unknown }) => ({ name: c.name, expr: rebuildExpr(c.expr) })) };
      else if (n.kind === 'filter') args = { predicate: rebuildExpr(args.predicate) };
      built.push(makeNode(n.kind as PlanNode["kind"], args as never, inputs) as PlanNode);
    });
    const plan = built[d.plan.root];
    if (!plan) throw malformed(`'plan.root' ${JSON.stringify(d.plan.root)} is not a node`);
    const constants: FrozenConstant[] = (d.constants as any[]).map((c, i) => {
      const provenance = c.provenance as Provenance;
      if (c.kind === 'matrix') return { kind: 'matrix', name: c.name, id: c.id, value: matrixAt(c, `constant ${i}`), provenance };
      if (c.kind === 'standardize') return { kind: 'standardize', name: c.name, column: c.column, mean: c.mean, sd: c.sd, provenance };
      throw malformed(`constant ${i} has kind ${JSON.stringify(c.kind)}`);
    });
    return { plan, input, constants, trainingStats: Array.isArray(d.trainingStats) ? d.trainingStats : [], lineage: d.lineage as Lineage, attachments: d.attachments !== null && typeof d.attachments === 'object' ? d.attachments : {} };
  } catch (e) {
    if (e instanceof ArtefactError) throw e;
    // A plan that does not rebuild (bad arguments, unknown columns) is a damaged artefact.
    throw malformed(e instanceof Error ? e.message : String(e));
  }
}

/**
 * An expression rebuilt by the constructors, which check and derive its types again:
 * from its JSON form, or over new column types (`typeOf`: a batch whose columns are
 * nullable where the training columns were not).
 */
export function rebuildExpr(e: any, typeOf?: (name: string) => ColumnType | undefined): ExprNode {
  const go = (x: any): ExprNode => {
    switch (x?.kind) {
      case 'column':
        return columnRef(x.name, typeOf?.(x.name) ?? x.type);
      case 'literal':
        return literal(x.value, x.type.dtype);
      case 'binary':
        return binary(x.op, go(x.left), go(x.right));
      case 'unary':
        return unary(x.op, go(x.arg));
      case 'coalesce':
        return coalesce(x.args.map(go));
      case 'cast':
        return cast(go(x.arg), x.type.dtype);
      case 'case':
        return caseWhen(
          x.branches.map((b: { when: unknown; then: unknown }) => ({ when: go(b.when), then: go(b.then) })),
          go(x.otherwise),
        );
      case 'call':
        return scalarCall(x.fn, x.args.map(go));
      default:
        throw new Error(`an expression of kind ${JSON.stringify(x?.kind)}`);
    }
  };
  return go(e);
}
