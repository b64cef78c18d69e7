import type { OperatorStats } from '../exec/execute.js';
import { type OutputType, type PlanNode, nodeLabel } from '../plan/node.js';
import { type Estimate, type PlanEstimate, estimatePlan } from '../optimizer/cost.js';
import type { PlanDecision } from '../optimizer/pass.js';
import { formatColumnType } from '../types/dtype.js';
import type { ExplainReport } from './explain.js';
import { type PhysicalJson, physicalJson } from './physical.js';
import { loopCost, sharedNodes } from './text.js';
import { type Task, call, trampoline } from '../plan/walk.js';

/**
 * EXPLAIN as a JSON document for tools. Plans are trees of nodes; a subplan read by
 * several operators (a DAG after CSE) is repeated under each reader with the same
 * `id` and `shared: true`. Ids are stable within one document: an operator the
 * optimizer left untouched has the same id in `logical` and `optimized`.
 */

export type ExplainJsonOutput =
  | { readonly kind: 'relation'; readonly columns: readonly { readonly name: string; readonly type: string }[]; readonly primaryKey?: readonly string[] }
  | { readonly kind: 'matrix'; readonly rows: number | null; readonly cols: number; readonly dtype: string; readonly columnNames: readonly string[] };

export interface ExplainJsonNode {
  readonly id: number;
  /** The node kind, e.g. `filter`, `matmul`. */
  readonly operator: string;
  /** Display name and key arguments, e.g. `Filter (price > 10)`. */
  readonly label: string;
  readonly output: ExplainJsonOutput;
  /** Cost-model estimate (per iteration inside a loop body); JSON writes an infinite figure as null. */
  readonly estimate: Estimate | null;
  readonly inputs: readonly ExplainJsonNode[];
  /** Loops: the body plan, run `iterations` times. */
  readonly body?: ExplainJsonNode;
  readonly iterations?: number;
  /** Loops: estimated cost of the whole loop, body included (the loop's `estimate` is its own). */
  readonly loopCost?: number;
  /** Read by more than one operator. */
  readonly shared?: true;
  /** With analyze: what the operator did (null when it never ran); a loop's timeMs includes its body. */
  readonly actual?: OperatorStats | null;
}

export interface ExplainJson {
  readonly version: 1;
  readonly output: ExplainJsonOutput;
  readonly logical: ExplainJsonNode;
  readonly optimized: ExplainJsonNode;
  readonly optimizer: { readonly enabled: boolean; readonly passes: number; readonly rulesTried: readonly string[]; readonly rulesDisabled: readonly string[] };
  /** Names of the rules that changed the plan, in the order they fired. */
  readonly rulesFired: readonly string[];
  /** Each firing: the rule, the operators it rewrote, the estimated total cost after it (and with verbose, the whole plan after it). */
  readonly trace: readonly { readonly rule: string; readonly matched: readonly string[]; readonly costAfter: number; readonly plan?: ExplainJsonNode }[];
  /** Choices between whole-plan alternatives, each with every alternative's estimated cost. */
  readonly decisions: readonly PlanDecision[];
  /** Estimated total cost of the plan as built and optimized (cost-model units). */
  readonly cost: { readonly before: number; readonly after: number };
  readonly estimate: { readonly before: PlanEstimate['total']; readonly after: PlanEstimate['total'] };
  /** How the optimized plan runs: provider, device, layout, algorithm and reason per physical operator (with analyze, what each did). */
  readonly physical: PhysicalJson;
  readonly analyze?: { readonly totalMs: number; readonly peakBytes: number };
}

export function outputJson(output: OutputType): ExplainJsonOutput {
  if (output.kind === 'relation') {
    const columns = output.schema.fields.map((f) => ({ name: f.name, type: formatColumnType(f) }));
    return output.schema.primaryKey ? { kind: 'relation', columns, primaryKey: output.schema.primaryKey } : { kind: 'relation', columns };
  }
  return { kind: 'matrix', rows: output.rows, cols: output.cols, dtype: output.dtype, columnNames: output.columnNames };
}

export function explainJson(report: ExplainReport, { verbose = false }: { verbose?: boolean } = {}): ExplainJson {
  const ids = new Map<PlanNode, number>();
  const idOf = (n: PlanNode) => {
    let id = ids.get(n);
    if (id === undefined) ids.set(n, (id = ids.size + 1));
    return id;
  };
  const stats = report.analysis?.stats;
  const tree = (root: PlanNode, estimates: PlanEstimate, withActual: boolean): ExplainJsonNode => {
    const shared = sharedNodes(root);
    // On the trampoline (src/plan/walk.ts): plans may be MAX_PLAN_DEPTH deep. Ids are given
    // before the inputs are visited (a node's id is smaller than its inputs' when first met).
    function* visit(n: PlanNode): Task<ExplainJsonNode> {
      const id = idOf(n);
      const inputs: ExplainJsonNode[] = [];
      for (const c of n.inputs) inputs.push(yield* call(visit(c)));
      const body = n.kind === 'loop' ? yield* call(visit(n.args.body)) : undefined;
      return {
        id,
        operator: n.kind,
        label: nodeLabel(n),
        output: outputJson(n.output),
        estimate: estimates.nodes.get(n) ?? null,
        inputs,
        ...(n.kind === 'loop' ? { body: body!, iterations: n.args.iterations, loopCost: loopCost(n) } : {}),
        ...(shared.has(n) ? { shared: true as const } : {}),
        ...(withActual && stats ? { actual: stats.get(n) ?? null } : {}),
      };
    }
    return trampoline(visit(root));
  };

  const { logical, optimized, estimates } = report;
  return {
    version: 1,
    output: outputJson(optimized.output),
    logical: tree(logical, estimates.logical, false),
    optimized: tree(optimized, estimates.optimized, true),
    optimizer: { enabled: report.optimizerEnabled, passes: report.passes, rulesTried: report.rulesTried, rulesDisabled: report.rulesDisabled },
    rulesFired: report.trace.map((t) => t.rule),
    trace: report.trace.map((t) => {
      const est = t.plan === optimized ? estimates.optimized : estimatePlan(t.plan);
      return { rule: t.rule, matched: t.matched, costAfter: est.total.cost, ...(verbose ? { plan: tree(t.plan, est, false) } : {}) };
    }),
    decisions: report.decisions,
    cost: { before: estimates.logical.total.cost, after: estimates.optimized.total.cost },
    estimate: { before: estimates.logical.total, after: estimates.optimized.total },
    physical: physicalJson(report.physical, report.analysis?.physicalStats),
    ...(report.analysis ? { analyze: { totalMs: report.analysis.totalMs, peakBytes: report.analysis.peakBytes } } : {}),
  };
}

/**
 * JSON text of an explain document, as `JSON.stringify(doc, null, indent)` writes it,
 * except that values nested more than `indentedDepth` levels deep are written compactly
 * (on one line). Written from an explicit stack: a plan MAX_PLAN_DEPTH operators deep
 * nests twice as many JSON levels, more than JSON.stringify's recursion takes, and with
 * every level indented the text would grow with the square of the depth.
 */
export function writeJson(doc: unknown, { indent = 2, indentedDepth = 100 }: { indent?: number; indentedDepth?: number } = {}): string {
  const out: string[] = [];
  // Work items: a value at a depth, or text to write as it is.
  const work: ({ value: unknown; depth: number } | string)[] = [{ value: doc, depth: 0 }];
  while (work.length > 0) {
    const item = work.pop()!;
    if (typeof item === 'string') {
      out.push(item);
      continue;
    }
    const { value, depth } = item;
    if (value === null || value === undefined || typeof value === 'function' || typeof value === 'symbol') {
      out.push('null');
      continue;
    }
    if (typeof value === 'number') {
      out.push(Number.isFinite(value) ? JSON.stringify(value) : 'null');
      continue;
    }
    if (typeof value !== 'object') {
      // strings, booleans (and bigints, which JSON.stringify rejects as well)
      out.push(JSON.stringify(value));
      continue;
    }
    const pretty = indent > 0 && depth < indentedDepth;
    const inner = pretty ? `\n${' '.repeat(indent * (depth + 1))}` : '';
    const outer = pretty ? `\n${' '.repeat(indent * depth)}` : '';
    if (Array.isArray(value)) {
      if (value.length === 0) {
        out.push('[]');
        continue;
      }
      out.push('[');
      work.push(`${outer}]`);
      for (let i = value.length - 1; i >= 0; i--) {
        work.push({ value: jsonValue(value[i], String(i)) ?? null, depth: depth + 1 });
        work.push(`${i > 0 ? ',' : ''}${inner}`);
      }
      continue;
    }
    const record = value as Record<string, unknown>;
    const entries = Object.keys(record)
      .map((k) => [k, jsonValue(record[k], k)] as const)
      .filter(([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol');
    if (entries.length === 0) {
      out.push('{}');
      continue;
    }
    out.push('{');
    work.push(`${outer}}`);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, v] = entries[i];
      work.push({ value: v, depth: depth + 1 });
      work.push(`${i > 0 ? ',' : ''}${inner}${JSON.stringify(k)}${pretty ? ': ' : ':'}`);
    }
  }
  return out.join('');
}

/** A value as JSON.stringify sees it: through its toJSON method when it has one. */
function jsonValue(value: unknown, key: string): unknown {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return (value as { toJSON(key: string): unknown }).toJSON(key);
  }
  return value;
}
