import type { OperatorStats } from '../exec/execute.js';
import { type OutputType, type PlanNode, nodeLabel } from '../plan/node.js';
import { type Estimate, type PlanEstimate, estimatePlan } from '../optimizer/cost.js';
import type { PlanDecision } from '../optimizer/pass.js';
import { formatColumnType } from '../types/dtype.js';
import type { ExplainReport } from './explain.js';
import { type PhysicalJson, physicalJson } from './physical.js';
import { sharedNodes } from './text.js';

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
    const visit = (n: PlanNode): ExplainJsonNode => ({
      id: idOf(n),
      operator: n.kind,
      label: nodeLabel(n),
      output: outputJson(n.output),
      estimate: estimates.nodes.get(n) ?? null,
      inputs: n.inputs.map(visit),
      ...(n.kind === 'loop' ? { body: visit(n.args.body), iterations: n.args.iterations } : {}),
      ...(shared.has(n) ? { shared: true as const } : {}),
      ...(withActual && stats ? { actual: stats.get(n) ?? null } : {}),
    });
    return visit(root);
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
