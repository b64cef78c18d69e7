/**
 * The project's fuzzer: `npm run fuzz -- --cases N --seed S [--mode relational|rewrites]`
 * (entry point bench/fuzz.ts; test/fuzz/slice.test.ts runs a slice of it in `npm test`).
 *
 * - relational: the differential generator (test/differential/generate.ts, every family:
 *   the seed picks it) against DuckDB, Tessera optimized and as built;
 * - rewrites: the whole-optimizer generator (test/optimizer/whole/generate.ts: mixed
 *   relational/matrix pipelines, and every third seed a matrix over primary-key joins)
 *   optimized against as built, on the JS kernels and on every other provider that loads,
 *   factorized whatever the cost where a matrix is over keyed joins (test/optimizer/whole/check.ts).
 *
 * Cases are seeds S, S+1, ..., S+N-1. Progress goes to stderr; a failure prints its seed,
 * the command that reruns it alone, and a minimized repro (the smallest pipeline and
 * tables still failing the same way: pipeline, SQL, plan, tables; for rewrites, the
 * smallest plan). The last line is exactly `N passed, M failed`.
 */
import { allProviders } from '../../src/providers/registry.js';
import type { ProviderName } from '../../src/providers/provider.js';
import { genAny } from '../differential/generate.js';
import { minimizeCase } from '../differential/minimize.js';
import { type CaseFailure, type DiffCase, Duck, runCaseDetailed } from '../differential/run.js';
import { RewriteFailure, type RewriteStats, checkRewrites, minimizeRewrite, newStats } from '../optimizer/whole/check.js';
import { type GeneratedCase, generateCase, generateJoinMatrixCase } from '../optimizer/whole/generate.js';
import { planText } from '../support/plans.js';

export type FuzzMode = 'relational' | 'rewrites';

export interface FuzzOptions {
  readonly mode: FuzzMode;
  readonly cases: number;
  readonly seed: number;
  /** Rewrites: also each rule off in turn and each rule alone, every `perRuleEvery`-th seed (0: never). */
  readonly perRuleEvery?: number;
  /** Checks the minimizer may run per failure. */
  readonly minimizeBudget?: number;
  /** Lines of output (progress, failures, summary); default: stdout/stderr. */
  readonly out?: (line: string) => void;
  readonly progress?: (line: string) => void;
  /** Seconds between progress lines (default 5). */
  readonly progressEvery?: number;
}

export interface FuzzFailure {
  readonly seed: number;
  readonly report: string;
  /** DuckDB's own optimizer disagrees with its unoptimized plan on this case (relational). */
  readonly duckdb?: boolean;
}

export interface FuzzResult {
  readonly passed: number;
  readonly failed: number;
  readonly failures: readonly FuzzFailure[];
  readonly seconds: number;
  readonly stats?: RewriteStats;
}

const RELATIONAL_FILE = 'test/differential (via npm run fuzz)';
export const rerunCommand = (mode: FuzzMode, seed: number) => `npm run fuzz -- --mode ${mode} --seed ${seed} --cases 1`;

/** Parses `--cases N --seed S --mode M [--per-rule-every K]` (also `--cases=N`). */
export function parseArgs(argv: readonly string[]): FuzzOptions {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument '${a}'`);
    const eq = a.indexOf('=');
    if (eq >= 0) values.set(a.slice(2, eq), a.slice(eq + 1));
    else values.set(a.slice(2), argv[++i] ?? '');
  }
  const known = new Set(['cases', 'seed', 'mode', 'per-rule-every', 'minimize-budget']);
  for (const k of values.keys()) if (!known.has(k)) throw new Error(`unknown option --${k} (options: --cases N, --seed S, --mode relational|rewrites, --per-rule-every K, --minimize-budget B)`);
  const int = (k: string, d: number) => {
    const v = values.get(k);
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || (k !== 'seed' && n < 0)) throw new Error(`--${k} expects an integer, got '${v}'`);
    return n;
  };
  const mode = values.get('mode') ?? 'relational';
  if (mode !== 'relational' && mode !== 'rewrites') throw new Error(`--mode expects relational or rewrites, got '${mode}'`);
  return { mode, cases: int('cases', 1000), seed: int('seed', 1), perRuleEvery: int('per-rule-every', 4), minimizeBudget: int('minimize-budget', 300) };
}

/** Providers besides JS that load here, and one line on each provider's status. */
export function providersHere(): { others: ProviderName[]; lines: string[] } {
  const statuses = allProviders().map((p) => p.status());
  return {
    others: statuses.filter((s) => s.name !== 'js' && s.available).map((s) => s.name),
    lines: statuses.map((s) => `  ${s.name}: ${s.available ? `loaded${s.version ? ` (${s.version})` : ''}` : 'not loaded'} — ${s.detail}`),
  };
}

/** Whether a smaller case fails the same way as the first: one of the same kinds of problem (never a generator bug). */
function sameKind(first: CaseFailure, f: CaseFailure | null): boolean {
  return f !== null && f.kinds.some((k) => k !== 'sql' && k !== 'files' && first.kinds.includes(k)) && f.duckdbDisagrees === first.duckdbDisagrees;
}

async function relationalCase(duck: Duck, seed: number, o: FuzzOptions): Promise<FuzzFailure | null> {
  const repro = rerunCommand('relational', seed);
  let c: DiffCase;
  try {
    c = genAny(seed, RELATIONAL_FILE, repro);
  } catch (e) {
    return { seed, report: `seed ${seed}: building the pipeline failed (rerun: ${repro}):\n${(e as Error).stack ?? String(e)}` };
  }
  const first = await runCaseDetailed(duck, c);
  if (first === null) return null;
  if (first.kinds.every((k) => k === 'sql')) return { seed, report: first.report };
  const min = await minimizeCase(c, async (x) => sameKind(first, await runCaseDetailed(duck, x)), o.minimizeBudget ?? 300);
  const again = min.c === c ? null : await runCaseDetailed(duck, min.c, { maxRows: 40 });
  const minimized = again ? `--- minimized repro (${min.tries} tries; rerun the original with: ${repro}) ---\n${again.report}` : '--- (no smaller case fails the same way) ---';
  return { seed, report: `${first.report}\n${minimized}`, duckdb: first.duckdbDisagrees };
}

function rewriteCaseOf(seed: number): GeneratedCase {
  return seed % 3 === 0 ? generateJoinMatrixCase(seed) : generateCase(seed);
}

async function rewritesCase(seed: number, providers: readonly ProviderName[], stats: RewriteStats, o: FuzzOptions): Promise<FuzzFailure | null> {
  const repro = () => rerunCommand('rewrites', seed);
  let c: GeneratedCase;
  try {
    c = rewriteCaseOf(seed);
  } catch (e) {
    return { seed, report: `seed ${seed}: building the pipeline failed (rerun: ${repro()}):\n${(e as Error).stack ?? String(e)}` };
  }
  const every = o.perRuleEvery ?? 4;
  const options = { providers, perRule: every > 0 && seed % every === 0, stats, repro };
  try {
    await checkRewrites(c, options);
    return null;
  } catch (e) {
    if (!(e instanceof RewriteFailure)) return { seed, report: `seed ${seed}: the check threw (rerun: ${repro()}):\n${(e as Error).stack ?? String(e)}` };
    const min = await minimizeRewrite(c, e, options, Math.min(o.minimizeBudget ?? 300, 150));
    const minimized =
      min.c.plan === c.plan
        ? '--- (no smaller plan fails the same way) ---'
        : `--- minimized repro (${min.tries} tries; the smallest plan that still fails '${e.label}') ---\n${planText(min.c.plan)}\n${min.failure.message.split('\n')[0]}`;
    return { seed, report: `${e.message}\n${minimized}` };
  }
}

function rate(n: number, seconds: number): string {
  return seconds > 0 ? `${(n / seconds).toFixed(1)}/s` : '-';
}

/** Runs the cases; prints progress, each failure (with its repro) and the summary line. */
export async function runFuzz(o: FuzzOptions): Promise<FuzzResult> {
  const out = o.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  const progress = o.progress ?? ((l: string) => process.stderr.write(`${l}\n`));
  const every = (o.progressEvery ?? 5) * 1000;
  const start = Date.now();
  let lastProgress = start;
  const failures: FuzzFailure[] = [];
  let passed = 0;
  const stats = newStats();
  let duck: Duck | undefined;
  let providers: ProviderName[] = [];
  if (o.mode === 'relational') duck = await Duck.open();
  else {
    const here = providersHere();
    providers = here.others;
    progress(`[fuzz rewrites] providers:\n${here.lines.join('\n')}`);
  }
  progress(`[fuzz ${o.mode}] seeds ${o.seed}..${o.seed + o.cases - 1} (${o.cases} cases)`);
  try {
    for (let i = 0; i < o.cases; i++) {
      const seed = o.seed + i;
      const f = o.mode === 'relational' ? await relationalCase(duck!, seed, o) : await rewritesCase(seed, providers, stats, o);
      if (f === null) passed++;
      else {
        failures.push(f);
        out(`\n=== FAILED: ${o.mode} seed ${seed}${f.duckdb ? ' (DuckDB disagrees with itself: suspect DuckDB)' : ''} — rerun: ${rerunCommand(o.mode, seed)}\n${f.report}\n`);
      }
      const now = Date.now();
      if (now - lastProgress >= every || i === o.cases - 1) {
        lastProgress = now;
        const s = (now - start) / 1000;
        progress(`[fuzz ${o.mode}] ${i + 1}/${o.cases} cases, ${failures.length} failed, ${s.toFixed(0)} s, ${rate(i + 1, s)}`);
      }
    }
  } finally {
    duck?.close();
  }
  const seconds = (Date.now() - start) / 1000;
  if (o.mode === 'rewrites') {
    const list = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ×${v}`).join(', ') || '(none)';
    progress(
      [
        `[fuzz rewrites] ${stats.comparisons} plan comparisons; rules fired (cases): ${list(stats.fired)}`,
        `[fuzz rewrites] reruns on other providers: ${list(stats.providerRuns)}; factorized plans with keyed operators: ${stats.factorized}; rules fired on them: ${list(stats.firedFactorized)}`,
        `[fuzz rewrites] plans failing at run time as built and the same way rewritten: ${stats.runtimeErrors}; matrix column names changed: ${stats.renamed.length}`,
      ].join('\n'),
    );
    for (const r of stats.renamed) out(`renamed: ${r}`);
  }
  const duckdbOnes = failures.filter((f) => f.duckdb).length;
  if (duckdbOnes > 0) out(`(${duckdbOnes} of the failures are DuckDB disagreeing with itself: optimizer on vs off)`);
  out(`[fuzz ${o.mode}] seeds ${o.seed}..${o.seed + o.cases - 1}: ${seconds.toFixed(1)} s, ${rate(o.cases, seconds)}`);
  const failed = failures.length + (stats.renamed.length > 0 ? 1 : 0);
  out(`${passed} passed, ${failed} failed`);
  return { passed, failed, failures, seconds, stats: o.mode === 'rewrites' ? stats : undefined };
}
