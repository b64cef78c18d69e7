/**
 * The checks of one generated pipeline (./generate.ts) against the optimizer, shared by
 * the vitest suite (./equivalence.test.ts) and the fuzz command (bench/fuzz.ts, rewrites
 * mode): the plan as built, run on the JS kernels, is the reference; the optimized plan
 * must give the same result (or, when the plan as built fails at run time, fail the same
 * way), optimizing twice must change nothing, and, as asked:
 *   - the optimized plan with its matrix work placed on each other provider that loads;
 *   - each rule of DEFAULT_RULES off in turn, and each rule alone;
 *   - for matrices over primary-key joins: factorized whatever the cost (R14 with a cost
 *     that prefers key maps), on the JS kernels and on each other provider, and with the
 *     joins materialized (R14 off).
 * A failure is an Error whose message names the seed, the check, the rerun command, the
 * generator's steps, the plans before and after, and the rules that fired.
 */
import { execute } from '../../../src/exec/execute.js';
import { DEFAULT_RULES, type OptimizeResult, type PlanNode, optimize, planDigest } from '../../../src/index.js';
import { withInputs } from '../../../src/plan/node.js';
import type { ProviderName } from '../../../src/providers/provider.js';
import { expectSameResult, planText } from '../../support/plans.js';
import { forceFactorized, keyedOperators } from '../../support/star-schema.js';
import type { GeneratedCase } from './generate.js';

/** What the checks saw, across cases (the suite prints it; the fuzz command sums it). */
export interface RewriteStats {
  /** Cases in which each rule fired. */
  readonly fired: Map<string, number>;
  /** Comparisons run with matrix work forced onto each other provider. */
  readonly providerRuns: Map<string, number>;
  /** Matrix results whose column names the rewrite changed (the suite checks them once at the end). */
  readonly renamed: string[];
  comparisons: number;
  /** Plans that fail at run time as built, and the same way optimized. */
  runtimeErrors: number;
  secondPassFirings: number;
  /** Cases whose forced-factorized plan holds keyed operators (the factorized path ran). */
  factorized: number;
  /** Rules that fired while optimizing the forced-factorized plans (cases). */
  readonly firedFactorized: Map<string, number>;
}

export function newStats(): RewriteStats {
  return { fired: new Map(), providerRuns: new Map(), renamed: [], comparisons: 0, runtimeErrors: 0, secondPassFirings: 0, factorized: 0, firedFactorized: new Map() };
}

export const bump = <K>(m: Map<K, number>, k: K) => m.set(k, (m.get(k) ?? 0) + 1);

/** A check that failed: `label` names it ('optimize', 'optimized on tfjs', 'factorized', ...), so a smaller plan can be held to the same one. */
export class RewriteFailure extends Error {
  constructor(
    readonly label: string,
    message: string,
  ) {
    super(message);
    this.name = 'RewriteFailure';
  }
}

/** How to rerun one case: the suite sets the vitest command, the fuzz command its own. */
export type ReproLine = (c: GeneratedCase) => string;
export const vitestRepro: ReproLine = (c) => `TESSERA_FUZZ_SEED=${c.seed} npx vitest run test/optimizer/whole`;

function failure(c: GeneratedCase, label: string, after: OptimizeResult, cause: unknown, repro: ReproLine): RewriteFailure {
  const message = cause instanceof Error ? cause.message : String(cause);
  return new RewriteFailure(
    label,
    [
      `${label}: seed ${c.seed} (${c.shape}) — ${message}`,
      `reproduce: ${repro(c)}`,
      `steps:\n  ${c.steps.join('\n  ')}`,
      `before:\n${planText(c.plan)}`,
      `after:\n${planText(after.plan)}`,
      `rules fired: ${after.trace.map((t) => `${t.rule} [${t.matched.join('; ')}]`).join(', ') || '(none)'}`,
    ].join('\n'),
  );
}

/** undefined when the plan runs, else what it threw. */
async function runs(plan: PlanNode, options?: Parameters<typeof execute>[1]): Promise<unknown> {
  try {
    await execute(plan, options);
    return undefined;
  } catch (e) {
    return e ?? new Error('thrown undefined');
  }
}

export interface CheckOptions {
  /** Providers besides JS to rerun the optimized (and factorized) plans on. */
  readonly providers: readonly ProviderName[];
  /** Also each rule off in turn and each rule alone. */
  readonly perRule: boolean;
  readonly stats: RewriteStats;
  readonly repro?: ReproLine;
}

/**
 * Same result as the plan as built (or, when that fails at run time, the same kind of
 * failure), and the same matrix column names. `runAfter` places the second plan's work.
 */
async function expectEquivalent(c: GeneratedCase, after: OptimizeResult, label: string, o: CheckOptions, runAfter?: { provider: ProviderName }): Promise<void> {
  const repro = o.repro ?? vitestRepro;
  o.stats.comparisons++;
  if (runAfter) bump(o.stats.providerRuns, runAfter.provider);
  if (!runAfter && c.plan.output.kind === 'matrix' && after.plan.output.kind === 'matrix') {
    const [a, b] = [c.plan.output.columnNames.join(', '), after.plan.output.columnNames.join(', ')];
    if (a !== b) o.stats.renamed.push(`seed ${c.seed}, ${label} (${after.trace.map((t) => t.rule).join(', ')}): [${a}] became [${b}]`);
  }
  // Native kernels sum in another order, TF.js in float32: a tolerance to match.
  const tolerance = runAfter ? Math.max(c.tolerance, runAfter.provider === 'tfjs' ? 1e-3 : 1e-8) : c.tolerance;
  try {
    await expectSameResult(c.plan, after.plan, { tolerance, ordered: c.ordered, runB: runAfter });
  } catch (e) {
    const before = await runs(c.plan);
    if (before !== undefined) {
      const optimized = await runs(after.plan, runAfter);
      if (optimized !== undefined && (optimized as object).constructor === (before as object).constructor) {
        o.stats.runtimeErrors++;
        return;
      }
      throw failure(c, label, after, `the plan as built fails at run time (${(before as Error).message}) but the ${label} plan ${optimized === undefined ? 'runs' : `fails differently (${(optimized as Error).message})`}`, repro);
    }
    throw failure(c, label, after, e, repro);
  }
}

function optimizeOrFail(c: GeneratedCase, label: string, run: () => OptimizeResult, repro: ReproLine): OptimizeResult {
  try {
    return run();
  } catch (e) {
    throw failure(c, label, { plan: c.plan, trace: [], passes: 0 }, e, repro);
  }
}

function expectStable(c: GeneratedCase, first: OptimizeResult, label: string, o: CheckOptions): void {
  const again = optimize(first.plan);
  if (planDigest(again.plan) !== planDigest(first.plan)) {
    throw failure(c, `${label}: optimizing twice changes the plan (second pass fired ${again.trace.map((t) => t.rule).join(', ')})\nsecond:\n${planText(again.plan)}\nfirst`, first, 'not a fixed point', o.repro ?? vitestRepro);
  }
  if (again.trace.length > 0) o.stats.secondPassFirings++;
}

/** Every check of one case; throws a RewriteFailure at the first that fails. */
export async function checkRewrites(c: GeneratedCase, o: CheckOptions): Promise<void> {
  const repro = o.repro ?? vitestRepro;
  const result = optimizeOrFail(c, 'optimize', () => optimize(c.plan), repro);
  for (const name of new Set(result.trace.map((t) => t.rule))) bump(o.stats.fired, name);
  await expectEquivalent(c, result, 'optimize', o);
  expectStable(c, result, 'optimize', o);
  const builtFails = (await runs(c.plan)) !== undefined;
  if (!builtFails) for (const provider of o.providers) await expectEquivalent(c, result, `optimized on ${provider}`, o, { provider });

  if (c.factorize) {
    const forced = optimizeOrFail(c, 'factorized', () => forceFactorized(c.plan), repro);
    if (keyedOperators(forced.plan) > 0) o.stats.factorized++;
    for (const name of new Set(forced.trace.map((t) => t.rule))) bump(o.stats.firedFactorized, name);
    await expectEquivalent(c, forced, 'factorized', o);
    if (!builtFails) for (const provider of o.providers) await expectEquivalent(c, forced, `factorized on ${provider}`, o, { provider });
    const materialized = optimizeOrFail(c, 'joins materialized', () => optimize(c.plan, { disabled: ['r14-factorize-joins'] }), repro);
    if (planDigest(materialized.plan) !== planDigest(result.plan)) await expectEquivalent(c, materialized, 'joins materialized', o);
  }

  if (!o.perRule) return;
  const full = planDigest(result.plan);
  const built = planDigest(c.plan);
  for (const rule of DEFAULT_RULES) {
    for (const [label, options] of [
      [`optimize without ${rule.name}`, { disabled: [rule.name] }],
      [`${rule.name} alone`, { rules: [rule] }],
    ] as const) {
      const r = optimizeOrFail(c, label, () => optimize(c.plan, options), repro);
      const d = planDigest(r.plan);
      if (d !== full && d !== built) await expectEquivalent(c, r, label, o);
    }
  }
}

/**
 * A smaller plan that fails the same check (same label): greedily, a subplan as the
 * whole plan, or a node replaced by one of its inputs (the plan rebuilt and re-checked
 * by the DSL's rules; a replacement that does not fit is skipped), until nothing smaller
 * fails or `budget` checks have run. Returns the smallest failing case and its failure.
 */
export async function minimizeRewrite(c: GeneratedCase, first: RewriteFailure, o: CheckOptions, budget = 150): Promise<{ c: GeneratedCase; failure: RewriteFailure; tries: number }> {
  const quiet: CheckOptions = { ...o, stats: newStats() };
  let best = c;
  let bestFailure = first;
  let tries = 0;
  const size = (p: PlanNode) => new Set(allPlanNodes(p)).size;
  const fails = async (plan: PlanNode): Promise<RewriteFailure | null> => {
    tries++;
    const candidate: GeneratedCase = { ...best, plan, steps: [...best.steps, '(minimized: see the plan)'] };
    try {
      await checkRewrites(candidate, quiet);
      return null;
    } catch (e) {
      return e instanceof RewriteFailure && e.label === first.label ? e : null;
    }
  };
  let progress = true;
  while (progress && tries < budget) {
    progress = false;
    const nodes = allPlanNodes(best.plan).filter((n) => n !== best.plan);
    // Candidates from the smallest: subplans as roots, then single nodes skipped.
    const candidates: PlanNode[] = [...nodes].sort((a, b) => size(a) - size(b));
    for (const n of nodes) {
      for (const input of n.inputs) {
        if (input.output.kind !== n.output.kind) continue;
        const replaced = replaceNode(best.plan, n, input);
        if (replaced) candidates.push(replaced);
      }
    }
    for (const plan of candidates) {
      if (tries >= budget) break;
      if (size(plan) >= size(best.plan)) continue;
      const f = await fails(plan);
      if (f) {
        best = { ...best, plan, steps: [...c.steps, '(minimized: see the plan)'] };
        bestFailure = f;
        progress = true;
        break;
      }
    }
  }
  return { c: best, failure: bestFailure, tries };
}

function allPlanNodes(plan: PlanNode): PlanNode[] {
  const out: PlanNode[] = [];
  const seen = new Set<PlanNode>();
  const walk = (n: PlanNode) => {
    if (seen.has(n)) return;
    seen.add(n);
    n.inputs.forEach(walk);
    out.push(n);
  };
  walk(plan);
  return out;
}

/** `plan` with `target` replaced by `by` (every use), or undefined when a node above rejects the change. */
function replaceNode(plan: PlanNode, target: PlanNode, by: PlanNode): PlanNode | undefined {
  const memo = new Map<PlanNode, PlanNode>();
  const go = (n: PlanNode): PlanNode => {
    if (n === target) return by;
    const hit = memo.get(n);
    if (hit) return hit;
    const out = withInputs(n, n.inputs.map(go));
    memo.set(n, out);
    return out;
  };
  try {
    return go(plan);
  } catch {
    return undefined;
  }
}
