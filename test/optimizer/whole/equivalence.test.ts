/**
 * Whole-optimizer equivalence over generated mixed relational/matrix pipelines
 * (docs/workloads.md, correctness oracles: optimized plan ≡ plan as built, per rule and for the whole optimizer).
 *
 * For every seed 1..N: the plan as built and `optimize(plan).plan` give the same result
 * (relations as multisets, or in order when the plan ends in a total sort; matrices
 * element by element, within a tolerance scaled to the computation); optimizing again
 * gives the same plan (by digest); matrix column names survive. For a subset of seeds,
 * also with each rule of DEFAULT_RULES switched off in turn, with each rule alone, and
 * with the optimized plan's matrix work forced onto every other provider that loads.
 *
 * Knobs (environment):
 *   TESSERA_FUZZ_CASES=n     number of seeds (default 400)
 *   TESSERA_FUZZ_SEED=s      run that seed only (to reproduce a failure)
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { execute } from '../../../src/exec/execute.js';
import { DEFAULT_RULES, type OptimizeResult, type PlanNode, type Rule, optimize, planDigest } from '../../../src/index.js';
import type { ProviderName } from '../../../src/providers/provider.js';
import { OTHER_PROVIDERS } from '../../support/providers.js';
import { expectSameResult, planText } from '../../support/plans.js';
import { type CaseShape, type GeneratedCase, generateCase } from './generate.js';

const CASES = Number(process.env.TESSERA_FUZZ_CASES ?? 400);
const ONLY_SEED = process.env.TESSERA_FUZZ_SEED ? Number(process.env.TESSERA_FUZZ_SEED) : undefined;
/** Seeds that are also run with each rule off, and with each rule alone. */
const isSubsetSeed = (seed: number) => seed % 4 === 0 || ONLY_SEED !== undefined;

const seeds = ONLY_SEED !== undefined ? [ONLY_SEED] : Array.from({ length: CASES }, (_, i) => i + 1);
const cases: GeneratedCase[] = seeds.map(generateCase);

/** Every Rule exported by a module under src/optimizer/rules/, by name. */
async function rulesInDirectory(): Promise<Map<string, Rule>> {
  const dir = fileURLToPath(new URL('../../../src/optimizer/rules/', import.meta.url));
  const found = new Map<string, Rule>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()) {
    const mod = (await import(new URL(`../../../src/optimizer/rules/${file.replace(/\.ts$/, '.js')}`, import.meta.url).href)) as Record<string, unknown>;
    for (const value of Object.values(mod)) {
      const r = value as Partial<Rule> | null;
      if (r && typeof r === 'object' && typeof r.name === 'string' && typeof r.apply === 'function') found.set(r.name, r as Rule);
    }
  }
  return found;
}

// ----------------------------------------------------------------------- bookkeeping

const fired = new Map<string, number>();
const shapes = new Map<CaseShape, number>();
let runtimeErrors = 0;
let secondPassFirings = 0;
let comparisons = 0;
/** Comparisons run with matrix work forced onto each other provider. */
const providerRuns = new Map<string, number>();
/** Matrix results whose column names the rewrite changed (collected, checked once at the end). */
const renamed: string[] = [];
const bump = <K>(m: Map<K, number>, k: K) => m.set(k, (m.get(k) ?? 0) + 1);

afterAll(() => {
  const list = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ×${v}`).join(', ') || '(none)';
  const lines = [
    `[optimizer fuzz] ${cases.length} generated pipelines (${[...shapes.entries()].map(([k, v]) => `${k} ${v}`).join(', ')}), ${comparisons} plan comparisons`,
    `[optimizer fuzz] DEFAULT_RULES: ${DEFAULT_RULES.map((r) => r.name).join(', ')}`,
    `[optimizer fuzz] rules fired (cases): ${list(fired)}`,
    `[optimizer fuzz] optimized plans rerun on other providers: ${list(providerRuns)}`,
    `[optimizer fuzz] plans that fail at run time as built (and the same way optimized): ${runtimeErrors}; second optimize fired but kept the digest: ${secondPassFirings}`,
  ];
  console.log(lines.join('\n'));
});

// ------------------------------------------------------------------------- checks

function failure(c: GeneratedCase, label: string, after: OptimizeResult, cause: unknown): Error {
  const message = cause instanceof Error ? cause.message : String(cause);
  return new Error(
    [
      `${label}: seed ${c.seed} (${c.shape}) — ${message}`,
      `reproduce: TESSERA_FUZZ_SEED=${c.seed} npx vitest run test/optimizer/whole`,
      `steps:\n  ${c.steps.join('\n  ')}`,
      `before:\n${planText(c.plan)}`,
      `after:\n${planText(after.plan)}`,
      `rules fired: ${after.trace.map((t) => `${t.rule} [${t.matched.join('; ')}]`).join(', ') || '(none)'}`,
    ].join('\n'),
  );
}

async function runs(plan: PlanNode): Promise<unknown> {
  try {
    await execute(plan);
    return undefined;
  } catch (e) {
    return e ?? new Error('thrown undefined');
  }
}

/** Same result (or, when the plan as built fails at run time, the same kind of failure), and the same matrix column names. */
async function expectEquivalent(c: GeneratedCase, after: OptimizeResult, label: string): Promise<void> {
  comparisons++;
  if (c.plan.output.kind === 'matrix' && after.plan.output.kind === 'matrix') {
    const [a, b] = [c.plan.output.columnNames.join(', '), after.plan.output.columnNames.join(', ')];
    if (a !== b) renamed.push(`seed ${c.seed}, ${label} (${after.trace.map((t) => t.rule).join(', ')}): [${a}] became [${b}]`);
  }
  try {
    await expectSameResult(c.plan, after.plan, { tolerance: c.tolerance, ordered: c.ordered });
  } catch (e) {
    const before = await runs(c.plan);
    if (before !== undefined) {
      const optimized = await runs(after.plan);
      if (optimized !== undefined && (optimized as object).constructor === (before as object).constructor) {
        runtimeErrors++;
        return;
      }
      throw failure(c, label, after, `the plan as built fails at run time (${(before as Error).message}) but the optimized plan ${optimized === undefined ? 'runs' : `fails differently (${(optimized as Error).message})`}`);
    }
    throw failure(c, label, after, e);
  }
}

/** The optimized plan with its matrix work forced onto `provider` gives the as-built plan's result on the JS kernels. */
async function expectOnProvider(c: GeneratedCase, after: OptimizeResult, provider: ProviderName): Promise<void> {
  if ((await runs(c.plan)) !== undefined) return;
  comparisons++;
  providerRuns.set(provider, (providerRuns.get(provider) ?? 0) + 1);
  try {
    // Native kernels sum in another order, TF.js in float32: a tolerance to match.
    await expectSameResult(c.plan, after.plan, { tolerance: Math.max(c.tolerance, provider === 'tfjs' ? 1e-3 : 1e-8), ordered: c.ordered, runB: { provider } });
  } catch (e) {
    throw failure(c, `optimized on ${provider}`, after, e);
  }
}

function optimizeOrFail(c: GeneratedCase, label: string, options: Parameters<typeof optimize>[1]): OptimizeResult {
  try {
    return optimize(c.plan, options);
  } catch (e) {
    throw failure(c, label, { plan: c.plan, trace: [], passes: 0 }, e);
  }
}

function expectStable(c: GeneratedCase, first: OptimizeResult, label: string, options: Parameters<typeof optimize>[1] = {}): void {
  const again = optimize(first.plan, options);
  if (planDigest(again.plan) !== planDigest(first.plan)) {
    throw failure(c, `${label}: optimizing twice changes the plan (second pass fired ${again.trace.map((t) => t.rule).join(', ')})\nsecond:\n${planText(again.plan)}\nfirst`, first, 'not a fixed point');
  }
  if (again.trace.length > 0) secondPassFirings++;
}

// -------------------------------------------------------------------------- tests

describe('generated pipelines', () => {
  it('are deterministic per seed and cover every shape of pipeline', () => {
    for (const c of cases) bump(shapes, c.shape);
    const again = generateCase(cases[0].seed);
    expect(planText(again.plan)).toBe(planText(cases[0].plan));
    if (ONLY_SEED === undefined && cases.length >= 100) {
      for (const shape of ['append', 'predict', 'summary', 'rows', 'filterRows', 'loop', 'kmeans', 'relational'] as const) {
        expect(shapes.get(shape) ?? 0, `cases of shape ${shape}`).toBeGreaterThan(0);
      }
      const kinds = new Set(cases.flatMap((c) => collectKinds(c.plan)));
      for (const k of ['matmul', 'crossprod', 'transpose', 'elementwise', 'map', 'reduce', 'selectCols', 'filterRows', 'loop', 'appendColumns', 'matrixToRelation', 'join', 'aggregate', 'sort', 'limit', 'distinct', 'union', 'filter', 'project', 'toMatrix', 'solve', 'lstsq', 'hstack', 'nearest', 'sampleRows'] as const) {
        expect(kinds.has(k), `some generated plan uses ${k}`).toBe(true);
      }
    }
  });
});

function collectKinds(plan: PlanNode, out = new Set<string>()): string[] {
  const seen = new Set<PlanNode>();
  const walk = (n: PlanNode) => {
    if (seen.has(n)) return;
    seen.add(n);
    out.add(n.kind);
    if (n.kind === 'loop') walk(n.args.body);
    n.inputs.forEach(walk);
  };
  walk(plan);
  return [...out];
}

describe('optimize(plan) ≡ plan, with DEFAULT_RULES', () => {
  it.each(cases.map((c) => [c.seed, c.shape, c] as const))('seed %i (%s)', async (_seed, _shape, c) => {
    const result = optimizeOrFail(c, 'optimize', {});
    for (const name of new Set(result.trace.map((t) => t.rule))) bump(fired, name);
    await expectEquivalent(c, result, 'optimize');
    expectStable(c, result, 'optimize');

    if (!isSubsetSeed(c.seed)) return;
    for (const provider of OTHER_PROVIDERS) await expectOnProvider(c, result, provider);
    const full = planDigest(result.plan);
    const built = planDigest(c.plan);
    for (const rule of DEFAULT_RULES) {
      for (const [label, options] of [
        [`optimize without ${rule.name}`, { disabled: [rule.name] }],
        [`${rule.name} alone`, { rules: [rule] }],
      ] as const) {
        const r = optimizeOrFail(c, label, options);
        const d = planDigest(r.plan);
        if (d !== full && d !== built) await expectEquivalent(c, r, label);
      }
    }
  });
});

describe('the default rule list', () => {
  it('holds every rule under src/optimizer/rules', async () => {
    const inDirectory = [...(await rulesInDirectory()).keys()].sort();
    expect(DEFAULT_RULES.map((r) => r.name).sort()).toEqual(inDirectory);
  });
});

describe('matrix results keep their column names through the optimizer', () => {
  // Last in the file (tests of a file run in order): reports every case at once.
  it('in every case above', () => {
    expect(renamed, `column names changed by rewrites (as collect() returns them):\n${renamed.join('\n')}`).toEqual([]);
  });
});
