import { TesseraError } from '../errors.js';
import { type ExecuteOptions, type OperatorStats, type PhysicalStats, executePhysical } from '../exec/execute.js';
import type { PhysicalNode, PhysicalPlan } from '../physical/plan.js';
import { PHYSICAL_OPTIONS, type PhysicalOptions, planPhysical } from '../physical/planner.js';
import { PROGRESS_OPTIONS, type ProgressOptions } from '../exec/progress.js';
import type { OptionKeys } from '../options.js';
import { physicalText } from './physical.js';
import { type PlanNode } from '../plan/node.js';
import { postOrderOf } from '../plan/walk.js';
import { type PlanEstimate, estimatePlan } from '../optimizer/cost.js';
import { type OptimizeOptions, type PlanDecision, type RuleFiring, DEFAULT_RULES, optimize } from '../optimizer/index.js';
import type { Rule } from '../optimizer/rule.js';
import { explainDot } from './dot.js';
import { explainHtml } from './html.js';
import { explainJson, writeJson } from './json.js';
import { type TreeGutter, loopCost, selfTimeMs, formatBytes, formatCount, formatFlops, formatMs, formatOutput, formatRatio, formatShape, formatTree } from './text.js';

/**
 * EXPLAIN for a pipeline: the plan as built, the optimized plan with estimates per
 * operator, the rules that fired, and (analyze) what each operator actually did.
 * As text for terminals, JSON for tools, a DOT graph or an HTML page for people.
 */

export interface ExplainOptions extends PhysicalOptions, ProgressOptions {
  /** Also prints every operator's output type, the whole plan after each rule that changed it, and the rules that did not fire. */
  readonly verbose?: boolean;
  /** Runs the optimized plan and shows actual rows/shapes, times and bytes per operator (explain() then returns a Promise). */
  readonly analyze?: boolean;
  /** 'text' (default), 'json', 'dot', or 'html' (one self-contained page: trees, the rule steps, bars after analyze). */
  readonly format?: 'text' | 'json' | 'dot' | 'html';
  /** false explains the plan as built, unoptimized; an object switches rules off (`{ disabled: [...] }`). */
  readonly optimize?: boolean | OptimizeOptions;
  /** The optimizer's rules (default: DEFAULT_RULES). */
  readonly rules?: readonly Rule[];
}

export const EXPLAIN_OPTIONS: OptionKeys<ExplainOptions> = { ...PHYSICAL_OPTIONS, ...PROGRESS_OPTIONS, verbose: true, analyze: true, format: true, optimize: true, rules: true };

/** What the optimizer and (with analyze) a run found out about a plan: the input of every format. */
export interface ExplainReport {
  readonly logical: PlanNode;
  readonly optimized: PlanNode;
  /** False when explaining with `optimize: false`: `optimized` is then the plan as built. */
  readonly optimizerEnabled: boolean;
  readonly trace: readonly RuleFiring[];
  /** Choices between whole-plan alternatives (e.g. factorized or not), with their estimated costs. */
  readonly decisions: readonly PlanDecision[];
  readonly passes: number;
  /** Names of the rules the optimizer tried, in order. */
  readonly rulesTried: readonly string[];
  readonly rulesDisabled: readonly string[];
  readonly estimates: { readonly logical: PlanEstimate; readonly optimized: PlanEstimate };
  /** How the optimized plan runs: provider, device, layout and algorithm per operator. */
  readonly physical: PhysicalPlan;
  readonly analysis?: ExplainAnalysis;
}

export interface ExplainAnalysis {
  /** Per operator of the optimized plan that ran; a Loop's time includes its body's. */
  readonly stats: ReadonlyMap<PlanNode, OperatorStats>;
  /** Per physical operator: time, transfer time, compiles and the variant that ran. */
  readonly physicalStats: ReadonlyMap<PhysicalNode, PhysicalStats>;
  /** Highest bytes of intermediate results held at once. */
  readonly peakBytes: number;
  /** Wall time of the whole run, in milliseconds. */
  readonly totalMs: number;
}

/** Optimizes (unless told not to) and estimates a plan. */
export function explainReport(plan: PlanNode, options: ExplainOptions = {}): ExplainReport {
  const enabled = options.optimize !== false;
  const opt: OptimizeOptions = typeof options.optimize === 'object' ? options.optimize : {};
  const rules = options.rules ?? DEFAULT_RULES;
  const disabled = new Set(opt.disabled ?? []);
  const result = enabled ? optimize(plan, { ...opt, rules }) : { plan, trace: [], passes: 0, decisions: [] };
  const logical = estimatePlan(plan);
  return {
    logical: plan,
    optimized: result.plan,
    optimizerEnabled: enabled,
    trace: result.trace,
    decisions: result.decisions,
    passes: result.passes,
    rulesTried: enabled ? rules.filter((r) => !disabled.has(r.name)).map((r) => r.name) : [],
    rulesDisabled: enabled ? rules.filter((r) => disabled.has(r.name)).map((r) => r.name) : [],
    estimates: { logical, optimized: result.plan === plan ? logical : estimatePlan(result.plan) },
    physical: planPhysical(result.plan, options),
  };
}

/** Runs the report's optimized plan and adds what each operator did. */
export async function analyzeReport(report: ExplainReport, options: ExecuteOptions = {}): Promise<ExplainReport> {
  const start = performance.now();
  const { stats, physicalStats, peakBytes } = await executePhysical(report.physical, options);
  return { ...report, analysis: { stats, physicalStats, peakBytes, totalMs: performance.now() - start } };
}

/** Explains a plan; with `analyze: true` it runs the optimized plan first. */
export async function explain(plan: PlanNode, options: ExplainOptions = {}): Promise<string> {
  const report = explainReport(plan, options);
  return renderReport(options.analyze ? await analyzeReport(report, options) : report, options);
}

/** Explains a plan without running it (`analyze` needs the asynchronous `explain`). */
export function explainSync(plan: PlanNode, options: ExplainOptions = {}): string {
  if (options.analyze) throw new TesseraError('explain: analyze runs the plan, so it returns a Promise; call explain(plan, { analyze: true }) and await it');
  return renderReport(explainReport(plan, options), options);
}

export function renderReport(report: ExplainReport, options: ExplainOptions = {}): string {
  switch (options.format ?? 'text') {
    case 'json':
      return writeJson(explainJson(report, { verbose: options.verbose === true }));
    case 'dot':
      return explainDot(report);
    case 'html':
      return explainHtml(report);
    case 'text':
      return explainText(report, { verbose: options.verbose === true });
    default:
      throw new TesseraError(`explain: unknown format '${String(options.format)}'; expected 'text', 'json', 'dot' or 'html'`);
  }
}

// ---------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------

function estimateCells(node: PlanNode, estimates: PlanEstimate): string[] {
  const e = estimates.nodes.get(node);
  if (!e) return ['', ''];
  const cost = node.kind === 'loop' ? `Σ ${formatCount(loopCost(node))}` : formatCount(e.cost);
  return [formatShape(e.rows, node.output.kind === 'matrix' ? e.cols : undefined), cost];
}

function planGutter(estimates: PlanEstimate, analysis: ExplainAnalysis | undefined): TreeGutter {
  if (!analysis) return { header: ['est. rows', 'est. cost'], cells: (n) => estimateCells(n, estimates) };
  const { stats, totalMs } = analysis;
  const loops = [...stats.values()].some((s) => s.runs > 1);
  return {
    header: ['est. rows', 'actual', 'est. cost', 'time', '%', 'bytes', ...(loops ? ['runs'] : [])],
    cells: (n) => {
      const [rows, cost] = estimateCells(n, estimates);
      const s = stats.get(n);
      if (!s) return [rows, 'not run', cost, '', '', '', ...(loops ? [''] : [])];
      // Operators show their own time; a Loop shows its whole time (Σ), body included.
      const sigma = n.kind === 'loop' ? 'Σ ' : '';
      const pct = totalMs > 0 ? `${sigma}${Math.round((100 * s.timeMs) / totalMs)}%` : '';
      const runs = loops ? [s.runs > 1 ? `×${s.runs}` : ''] : [];
      return [rows, formatShape(s.rows, n.output.kind === 'matrix' ? s.cols : undefined), cost, `${sigma}${formatMs(s.timeMs)}`, pct, formatBytes(s.bytes), ...runs];
    },
  };
}

function hasLoop(plan: PlanNode): boolean {
  return postOrderOf(plan, (n) => n.inputs).some((n) => n.kind === 'loop');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** What a rule matched, in one line: repeated labels counted, long lists cut (unless verbose). */
function matchedText(matched: readonly string[], verbose: boolean): string {
  const counts = new Map<string, number>();
  for (const m of matched) counts.set(m, (counts.get(m) ?? 0) + 1);
  const items = [...counts].map(([label, n]) => `${verbose ? label : truncate(label, 60)}${n > 1 ? ` (×${n})` : ''}`);
  const shown = verbose ? items : items.slice(0, 3);
  const more = items.length - shown.length;
  return `${shown.join('; ')}${more > 0 ? `; +${more} more` : ''}`;
}

function tree(plan: PlanNode, estimates: PlanEstimate | null, opts: { verbose: boolean; showOutput?: boolean; analysis?: ExplainAnalysis; indent?: string }): string {
  const indent = opts.indent ?? '  ';
  const text = formatTree(plan, {
    indent,
    showOutput: opts.showOutput ?? opts.verbose,
    loopBodies: true,
    markShared: true,
    gutter: estimates ? planGutter(estimates, opts.analysis) : undefined,
    treeHeader: estimates ? 'operator' : undefined,
  });
  if (!estimates || !hasLoop(plan)) return text;
  return `${text}\n${indent}(Σ: the whole loop, body included; body operators: estimates per iteration${opts.analysis ? ', times summed over runs' : ''})`;
}

/** The terminal report: sections separated by blank lines, figures aligned left of each tree. */
export function explainText(report: ExplainReport, { verbose = false }: { verbose?: boolean } = {}): string {
  const { logical, optimized, trace, estimates, analysis } = report;
  const sections: string[] = [];
  sections.push(`Output: ${formatOutput(optimized.output)}`);
  // The plan as built shows each operator's output columns (or shape): what the user wrote, typed.
  sections.push(`Logical plan (as built)\n${tree(logical, verbose ? estimates.logical : null, { verbose, showOutput: true })}`);

  if (verbose && trace.length > 0) {
    let before = estimates.logical.total.cost;
    const steps = trace.map((step, i) => {
      const est = estimatePlan(step.plan);
      const head = `  After ${i + 1}. ${step.rule}  (est. cost ${formatCount(before)} → ${formatCount(est.total.cost)})`;
      before = est.total.cost;
      return `${head}\n${tree(step.plan, est, { verbose: false, indent: '    ' })}`;
    });
    sections.push(`Plan after each rule\n${steps.join('\n\n')}`);
  }

  const title = !report.optimizerEnabled
    ? 'Optimized plan (optimizer off: the plan as built)'
    : optimized === logical
      ? 'Optimized plan (same as built)'
      : 'Optimized plan';
  const ran = analysis ? ` — analyzed, ran in ${formatMs(analysis.totalMs)}` : '';
  sections.push(`${title}${ran}\n${tree(optimized, estimates.optimized, { verbose, analysis })}`);

  sections.push(`Rules fired\n${rulesText(report, verbose)}`);
  if (report.decisions.length > 0) sections.push(`Decisions\n${decisionsText(report.decisions)}`);
  sections.push(physicalText(report.physical, analysis?.physicalStats, analysis?.totalMs));

  const b = estimates.logical.total;
  const a = estimates.optimized.total;
  const ratio = formatRatio(b.cost, a.cost);
  const lines = [`Estimated cost: ${formatCount(b.cost)} as built → ${formatCount(a.cost)} optimized${ratio ? ` (${ratio})` : ''}`];
  if (verbose || a.flops > 0 || b.flops > 0) lines.push(`  floating-point work: ${formatFlops(b.flops)} → ${formatFlops(a.flops)}`);
  if (verbose) lines.push(`  bytes produced: ${formatBytes(b.bytes)} → ${formatBytes(a.bytes)}`);
  if (analysis) lines.push(analysisText(optimized, analysis));
  sections.push(lines.join('\n'));
  return sections.join('\n\n');
}

function rulesText(report: ExplainReport, verbose: boolean): string {
  const { trace } = report;
  if (!report.optimizerEnabled) return '  (none: the optimizer is off)';
  const width = Math.max(0, ...trace.map((t) => t.rule.length));
  const lines = trace.map((t, i) => `  ${String(i + 1).padStart(String(trace.length).length)}. ${t.rule.padEnd(width)}  on ${matchedText(t.matched, verbose)}`);
  if (lines.length === 0) {
    const n = report.rulesTried.length;
    lines.push(`  (none: no rule changed the plan; ${n} rule${n === 1 ? '' : 's'} tried)`);
  }
  if (verbose) {
    const fired = new Set(trace.map((t) => t.rule));
    const idle = report.rulesTried.filter((r) => !fired.has(r));
    lines.push(`  ${report.passes} pass${report.passes === 1 ? '' : 'es'} over ${report.rulesTried.length} rule(s)`);
    if (idle.length > 0) lines.push(`  not fired: ${idle.join(', ')}`);
    if (report.rulesDisabled.length > 0) lines.push(`  disabled: ${report.rulesDisabled.join(', ')}`);
  }
  return lines.join('\n');
}

/**
 * One block per choice: where, what was taken, every alternative's estimated cost,
 * and the figures behind it.
 *
 *   1. r14-factorize-joins at ToMatrix s1, …, r40 over Join inner on rid: factorized
 *        factorized      est. cost 10.6M  ← chosen
 *        join → blocks   est. cost 38.1M
 *        tuple ratio ≈ 10 · feature ratio 2.0 (…) · Scan R: key unique by primary key
 */
function decisionsText(decisions: readonly PlanDecision[]): string {
  const number = (i: number) => `${String(i + 1).padStart(String(decisions.length).length)}. `;
  return decisions
    .map((d, i) => {
      const head = `  ${number(i)}${d.pass} at ${truncate(d.site, 100)}: ${d.chosen}`;
      const pad = ' '.repeat(2 + number(i).length + 2);
      const width = Math.max(0, ...d.alternatives.map((a) => a.name.length));
      const alternatives = d.alternatives.map((a) => `${pad}${a.name.padEnd(width)}  ${a.cost === undefined ? 'not a valid plan here' : `est. cost ${formatCount(a.cost)}`}${a.name === d.chosen ? '  ← chosen' : ''}`);
      return [head, ...alternatives, ...(d.why.length > 0 ? [`${pad}${d.why.join(' · ')}`] : [])].join('\n');
    })
    .join('\n');
}

function analysisText(root: PlanNode, analysis: ExplainAnalysis): string {
  const s = analysis.stats.get(root);
  const result = s ? `${formatShape(s.rows, s.cols)} ${root.output.kind === 'matrix' ? 'matrix' : 'rows'}, ${formatBytes(s.bytes)}` : 'none';
  let operators = 0;
  for (const n of analysis.stats.keys()) operators += selfTimeMs(n, analysis.stats);
  let transfer = 0;
  for (const p of analysis.physicalStats.values()) transfer += p.transferMs;
  const moved = transfer > 0 ? `, moving data to and from providers ${formatMs(transfer)}` : '';
  return `Actual: ran in ${formatMs(analysis.totalMs)} (operators ${formatMs(operators)}${moved}); result ${result}; peak intermediates ${formatBytes(analysis.peakBytes)}`;
}
