import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureSystemMemory } from './memory.js';
import { settle } from './settle.js';
import { mulberry32, shuffle } from '../src/data/random.js';

/**
 * The benchmark harness. A suite yields cases; each case lists the systems to time
 * on the same data in the same run. Data generation and loading happen while a case is
 * being built (or in its `setup`), outside the timed `run`. The first system is the
 * reference: every other system's result is checked against it. Suites that ask for it
 * (`measurePeakMemory`) also get each system's peak memory, measured in a separate
 * process per system (bench/memory.ts).
 */

export interface BenchSystem {
  name: string;
  /** The timed work. */
  run: () => unknown | Promise<unknown>;
  /** The value compared for "check"; defaults to what the last `run` returned. */
  result?: () => unknown | Promise<unknown>;
  /**
   * Loading this system's copy of the data (into DuckDB, into a Python process), awaited
   * once per case before its first round and by a memory child before its baseline;
   * resolves to the seconds it took (reported as `load_s`, apart from the run's time).
   */
  load?: () => Promise<number>;
  /**
   * Read after each run. `seconds` replaces the harness's wall time for systems that time
   * themselves in another process (the Python worker); `phases` splits the run (query,
   * copy into typed arrays, compute), reported as medians beside the total.
   */
  timing?: () => { seconds?: number; phases?: Record<string, number> };
  /** Peak memory measured by the system itself in a process of its own (instead of a Node child). */
  measureMemory?: () => Promise<{ peakRssMb: number; runPeakGrowthMb: number }>;
  /**
   * Read after each run by systems that time many small calls themselves (single-row
   * scoring): that run's latency percentiles, reported as medians over the rounds.
   */
  latency?: () => { p50_s: number; p99_s: number };
  /** Set when the system cannot run here (e.g. no Python with numpy and pandas): recorded as skipped, with this reason. */
  unavailable?: string;
}

export interface BenchCase {
  workload: string;
  case: Record<string, string | number | boolean>;
  systems: BenchSystem[];
  /** "ok" or a short mismatch message, given the reference system's result and another's. */
  check?: (reference: unknown, other: unknown) => string;
  /**
   * Preparation awaited before the case's first round (not timed): generating and loading
   * data here rather than before yielding lets a memory-measurement child skip the cases
   * before the one it measures cheaply (it never sets them up, and calls their teardown).
   */
  setup?: () => void | Promise<void>;
  teardown?: () => void | Promise<void>;
}

export interface Suite {
  name: string;
  description: string;
  /** The same cases, in the same order, for the same `quick` (memory children rebuild case i by its index). */
  cases(opts: { quick: boolean }): AsyncIterable<BenchCase> | Iterable<BenchCase>;
  /** Measure each system's peak memory in a child process of its own (opt-in; `--no-memory` skips it). */
  measurePeakMemory?: boolean;
  /**
   * A peer every system's throughput is compared with, case by case: records get
   * `throughput_vs_baseline` (the baseline's median time ÷ the system's: > 1 is faster)
   * and, for the systems named in `targets`, the ratio the suite aims at.
   */
  baseline?: { readonly system: string; readonly targets?: Readonly<Record<string, number>> };
  /** Called with all of the suite's records after its last case (e.g. to print ratios). */
  summarize?: (records: readonly BenchRecord[]) => void;
  /** Called once after the suite's last case (and after a failure), e.g. to stop a worker process. */
  finish?: () => void | Promise<void>;
}

export interface BenchRecord {
  suite: string;
  workload: string;
  case: Record<string, string | number | boolean>;
  system: string;
  median_s: number;
  min_s: number;
  runs: number;
  check: string;
  /** Seconds to load this system's copy of the data (BenchSystem.load), once per case. */
  load_s?: number;
  /** Median over the rounds of each run's 50th and 99th percentile call latency (BenchSystem.latency). */
  p50_s?: number;
  p99_s?: number;
  /** Median seconds of each phase of the run (BenchSystem.timing). */
  phases_median_s?: Record<string, number>;
  /** High-water RSS (MiB) of a process that built the case and ran this system once (bench/memory.ts). */
  peak_rss_mb?: number;
  /** Growth of the high-water RSS (MiB) during that run, over the loaded case. */
  run_peak_growth_mb?: number;
  /** The suite's baseline system (Suite.baseline), and this system's throughput over the baseline's (its median time ÷ this one's). */
  baseline?: string;
  throughput_vs_baseline?: number;
  /** The throughput ratio over the baseline this system aims at (Suite.baseline.targets). */
  target_vs_baseline?: number;
}

export interface RunOptions {
  quick: boolean;
  /** Timed rounds (at least 5); each round runs every system once. */
  iterations?: number;
  /** false skips peak-memory measurement even where the suite asks for it (default true). */
  memory?: boolean;
  /** URL of the module whose default export is the suite: memory children import it. */
  suiteModule?: string;
}

/** Pause before each run (not timed; bench/settle.ts): at least `minMs`, then until the CPUs are idle, at most `maxMs`; shorter, with a coarser look at the CPUs, at --quick sizes, whose figures are not published. */
const SETTLE = { minMs: 150, maxMs: 3000 };
const QUICK_SETTLE = { minMs: 20, maxMs: 300, window: 30 };

/** Median of a non-empty list. */
function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Times every system of every case of a suite; prints a table and writes
 * bench/results/<suite>.json. Systems run interleaved: a warm-up round of every
 * system, then rounds in which each system runs once, so machine noise (another
 * process, thermal state, the garbage collector) falls on all alike. Each timed round
 * runs the systems in its own order (a shuffle seeded by the round's number, the same
 * in every run of the suite), so that what a run pays for the one before it falls on
 * every system in turn: caches another system flushed (W1 at TR 1: the first of
 * Tessera's systems after the peers took 40–50 ms longer, measured by explain analyze
 * in its join, which is memory-bound), memory it freed that the kernel must fault in
 * again. Rotating the first system of a fixed order did not do that: whatever follows
 * a given system in the list always follows it.
 */
export async function runSuite(suite: Suite, options: RunOptions): Promise<BenchRecord[]> {
  const records: BenchRecord[] = [];
  const rounds = Math.max(options.iterations ?? 5, 5);
  const measureMemory = suite.measurePeakMemory === true && options.memory !== false;
  if (measureMemory && options.suiteModule === undefined) throw new Error(`${suite.name}: peak memory needs options.suiteModule`);
  console.log(`# ${suite.name}${options.quick ? ' (quick)' : ''}: ${suite.description}`);
  let caseIndex = -1;
  try {
    for await (const c of suite.cases({ quick: options.quick })) {
      caseIndex++;
      // --quick checks the memory path on a suite's first case only, to stay within minutes.
      records.push(...(await runCase(suite, c, caseIndex, rounds, measureMemory && (!options.quick || caseIndex === 0), options)));
    }
    suite.summarize?.(records);
  } finally {
    await suite.finish?.();
  }
  writeResults(suite.name, records, options.quick);
  return records;
}

/** "[w2] W2 {sales: 200000} round 2/5: duckdb+tfjs" on one line of stderr, rewritten as the run goes. */
function progress(line: string): void {
  process.stderr.write(`\r${line.padEnd(110).slice(0, 160)}`);
}

async function runCase(suite: Suite, c: BenchCase, caseIndex: number, rounds: number, measureMemory: boolean, options: RunOptions): Promise<BenchRecord[]> {
  const label = `[${suite.name}] ${c.workload} ${JSON.stringify(c.case)}`;
  progress(`${label}: setup`);
  await c.setup?.();
  const lastResult = new Map<string, unknown>();
  const times = new Map<string, number[]>(c.systems.map((s) => [s.name, []]));
  const phases = new Map<string, Record<string, number>[]>(c.systems.map((s) => [s.name, []]));
  const latencies = new Map<string, { p50_s: number; p99_s: number }[]>(c.systems.map((s) => [s.name, []]));
  const loads = new Map<string, number>();
  const failed = new Map<string, string>();
  const running = c.systems.filter((s) => s.unavailable === undefined);
  let busyStarts = 0;
  for (const system of running) {
    if (!system.load) continue;
    progress(`${label}: loading ${system.name}`);
    try {
      loads.set(system.name, await system.load());
    } catch (e) {
      failed.set(system.name, `load: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  for (let round = 0; round <= rounds; round++) {
    for (const system of round === 0 ? running : shuffle([...running], mulberry32(round))) {
      if (failed.has(system.name)) continue;
      progress(`${label} round ${round}/${rounds}${round === 0 ? ' (warm-up)' : ''}: ${system.name}`);
      // Let the previous system's threads go idle first: BLAS pools spin-wait after a call
      // and would steal a core from whichever system runs next.
      const settled = await settle(options.quick ? QUICK_SETTLE : SETTLE);
      if (!settled.quiet && round > 0) busyStarts++;
      try {
        const start = performance.now();
        lastResult.set(system.name, await system.run());
        const wall = (performance.now() - start) / 1000;
        const own = system.timing?.();
        // Round 0 warms every system up (compiles, caches) and is not counted.
        if (round > 0) {
          times.get(system.name)!.push(own?.seconds ?? wall);
          if (own?.phases) phases.get(system.name)!.push(own.phases);
          const latency = system.latency?.();
          if (latency) latencies.get(system.name)!.push(latency);
        }
      } catch (e) {
        failed.set(system.name, e instanceof Error ? e.message : String(e));
      }
    }
  }
  process.stderr.write('\n');
  if (busyStarts > 0) console.warn(`${label}: ${busyStarts} of ${rounds * running.length} timed runs started while the CPUs were still busy (another process?): their times are less reliable`);
  const reference = c.systems[0];
  if (failed.has(reference.name)) throw new Error(`${suite.name}/${c.workload}: the reference ${reference.name} failed: ${failed.get(reference.name)}`);
  const refValue = reference.result ? await reference.result() : lastResult.get(reference.name);
  const caseRecords: BenchRecord[] = [];
  for (const [i, system] of c.systems.entries()) {
    const error = failed.get(system.name);
    const value = error === undefined && system.unavailable === undefined ? (system.result ? await system.result() : lastResult.get(system.name)) : undefined;
    const check =
      system.unavailable !== undefined ? `skipped: ${system.unavailable}` : error !== undefined ? `failed: ${error}` : i === 0 ? 'ok' : c.check ? c.check(refValue, value) : 'unchecked';
    const samples = times.get(system.name)!;
    // A system whose result is wrong is reported, not timed.
    const timed = check === 'ok' && samples.length > 0;
    const record: BenchRecord = {
      suite: suite.name,
      workload: c.workload,
      case: c.case,
      system: system.name,
      median_s: timed ? median(samples) : NaN,
      min_s: timed ? Math.min(...samples) : NaN,
      runs: timed ? samples.length : 0,
      check,
    };
    if (loads.has(system.name)) record.load_s = loads.get(system.name);
    const lat = latencies.get(system.name)!;
    if (timed && lat.length > 0) {
      record.p50_s = median(lat.map((l) => l.p50_s));
      record.p99_s = median(lat.map((l) => l.p99_s));
    }
    const split = phases.get(system.name)!;
    if (timed && split.length > 0) {
      record.phases_median_s = Object.fromEntries(Object.keys(split[0]).map((k) => [k, median(split.map((p) => p[k] ?? 0))]));
    }
    caseRecords.push(record);
  }
  if (suite.baseline) setBaselineRatios(caseRecords, suite.baseline);
  // After the timed rounds, so the children's work never overlaps a timed run.
  if (measureMemory) {
    for (const [systemIndex, system] of c.systems.entries()) {
      if (failed.has(system.name) || system.unavailable !== undefined) continue;
      progress(`${label}: peak memory of ${system.name} (own process)... `);
      try {
        const m = system.measureMemory
          ? await system.measureMemory()
          : await measureSystemMemory({ suiteModule: options.suiteModule!, quick: options.quick, caseIndex, systemIndex, systemName: system.name });
        caseRecords[systemIndex].peak_rss_mb = m.peakRssMb;
        caseRecords[systemIndex].run_peak_growth_mb = m.runPeakGrowthMb;
        process.stderr.write(`${m.peakRssMb.toFixed(0)} MiB, run +${m.runPeakGrowthMb.toFixed(0)} MiB\n`);
      } catch (e) {
        process.stderr.write(`not measured: ${e instanceof Error ? e.message : String(e)}\n`);
      }
    }
  }
  await c.teardown?.();
  printCase(caseRecords);
  return caseRecords;
}

/** Each record's throughput over the baseline's, where both were timed (NaN otherwise: JSON keeps it as null). */
function setBaselineRatios(records: readonly BenchRecord[], baseline: NonNullable<Suite['baseline']>): void {
  const base = records.find((r) => r.system === baseline.system);
  if (!base) return;
  for (const r of records) {
    r.baseline = baseline.system;
    r.throughput_vs_baseline = base.median_s / r.median_s;
    const target = baseline.targets?.[r.system];
    if (target !== undefined) r.target_vs_baseline = target;
  }
}

function printCase(rows: readonly BenchRecord[]): void {
  if (rows.length === 0) return;
  const ref = rows[0];
  console.log(`\n${ref.workload} ${JSON.stringify(ref.case)}`);
  console.table(
    rows.map((r) => ({
      system: r.system,
      'median s': Number(r.median_s.toPrecision(4)),
      'min s': Number(r.min_s.toPrecision(4)),
      runs: r.runs,
      ...(r.load_s !== undefined ? { 'load s': Number(r.load_s.toPrecision(3)) } : {}),
      ...(r.p50_s !== undefined ? { 'p50 µs': Number((r.p50_s * 1e6).toPrecision(3)), 'p99 µs': Number((r.p99_s! * 1e6).toPrecision(3)) } : {}),
      [`× ${ref.system}`]: Number((r.median_s / ref.median_s).toPrecision(3)),
      ...(r.throughput_vs_baseline !== undefined ? { [`throughput ÷ ${r.baseline}`]: Number(r.throughput_vs_baseline.toPrecision(3)) } : {}),
      ...(r.peak_rss_mb !== undefined ? { 'peak RSS MiB': Math.round(r.peak_rss_mb), 'run +MiB': Math.round(r.run_peak_growth_mb ?? NaN) } : {}),
      check: r.check,
    })),
  );
}

/**
 * Where a run's records go: bench/results (the published figures), or bench/results/quick
 * for `--quick` runs, so that a smoke run never overwrites them.
 */
export function resultsDir(quick: boolean): string {
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
  return quick ? join(dir, 'quick') : dir;
}

function writeResults(suite: string, records: readonly BenchRecord[], quick: boolean): void {
  mkdirSync(resultsDir(quick), { recursive: true });
  const file = join(resultsDir(quick), `${suite}.json`);
  writeFileSync(file, `${JSON.stringify(records, null, 2)}\n`);
  console.log(`\nwrote ${file}`);
}
