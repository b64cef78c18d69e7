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
import { DEFAULT_RULES, type PlanNode, type Rule } from '../../../src/index.js';
import { OTHER_PROVIDERS } from '../../support/providers.js';
import { planText } from '../../support/plans.js';
import { bump, checkRewrites, newStats } from './check.js';
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

const stats = newStats();
const shapes = new Map<CaseShape, number>();

afterAll(() => {
  const list = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ×${v}`).join(', ') || '(none)';
  const lines = [
    `[optimizer fuzz] ${cases.length} generated pipelines (${[...shapes.entries()].map(([k, v]) => `${k} ${v}`).join(', ')}), ${stats.comparisons} plan comparisons`,
    `[optimizer fuzz] DEFAULT_RULES: ${DEFAULT_RULES.map((r) => r.name).join(', ')}`,
    `[optimizer fuzz] rules fired (cases): ${list(stats.fired)}`,
    `[optimizer fuzz] optimized plans rerun on other providers: ${list(stats.providerRuns)}`,
    `[optimizer fuzz] plans that fail at run time as built (and the same way optimized): ${stats.runtimeErrors}; second optimize fired but kept the digest: ${stats.secondPassFirings}`,
  ];
  console.log(lines.join('\n'));
});

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
    await checkRewrites(c, { providers: isSubsetSeed(c.seed) ? OTHER_PROVIDERS : [], perRule: isSubsetSeed(c.seed), stats });
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
    expect(stats.renamed, `column names changed by rewrites (as collect() returns them):\n${stats.renamed.join('\n')}`).toEqual([]);
  });
});
