import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';

/**
 * The benchmark harness. A suite yields cases; each case lists the systems to time
 * on the same data in the same run. Data generation and loading happen while a case is
 * being built, outside the timed `run`. The first system is the reference: every
 * other system's result is checked against it.
 */

export interface BenchSystem {
  name: string;
  /** The timed work. */
  run: () => unknown | Promise<unknown>;
  /** The value compared for "check"; defaults to what the last `run` returned. */
  result?: () => unknown | Promise<unknown>;
}

export interface BenchCase {
  workload: string;
  case: Record<string, string | number | boolean>;
  systems: BenchSystem[];
  /** "ok" or a short mismatch message, given the reference system's result and another's. */
  check?: (reference: unknown, other: unknown) => string;
  teardown?: () => void | Promise<void>;
}

export interface Suite {
  name: string;
  description: string;
  cases(opts: { quick: boolean }): AsyncIterable<BenchCase> | Iterable<BenchCase>;
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
}

export interface RunOptions {
  quick: boolean;
  /** Minimum timed iterations and minimum time per system. */
  iterations?: number;
  timeMs?: number;
}

/** Times every system of every case of a suite; prints a table and writes bench/results/<suite>.json. */
export async function runSuite(suite: Suite, options: RunOptions): Promise<BenchRecord[]> {
  const records: BenchRecord[] = [];
  console.log(`# ${suite.name}${options.quick ? ' (quick)' : ''}: ${suite.description}`);
  for await (const c of suite.cases({ quick: options.quick })) {
    const lastResult = new Map<string, unknown>();
    const bench = new Bench({
      iterations: options.iterations ?? (options.quick ? 3 : 5),
      time: options.timeMs ?? 0,
      warmupIterations: 1,
      warmupTime: 0,
      retainSamples: true,
    });
    for (const system of c.systems) {
      bench.add(system.name, async () => {
        lastResult.set(system.name, await system.run());
      });
    }
    await bench.run();
    const reference = c.systems[0];
    const refValue = reference.result ? await reference.result() : lastResult.get(reference.name);
    for (const [i, system] of c.systems.entries()) {
      const task = bench.getTask(system.name);
      const result = task?.result;
      if (!result || !('latency' in result)) {
        const error = result && 'error' in result ? String(result.error) : 'no result';
        throw new Error(`${suite.name}/${c.workload}: ${system.name} produced no timings (${error})`);
      }
      const samples = result.latency.samples ?? [];
      const value = system.result ? await system.result() : lastResult.get(system.name);
      const check = i === 0 ? 'ok' : c.check ? c.check(refValue, value) : 'unchecked';
      records.push({
        suite: suite.name,
        workload: c.workload,
        case: c.case,
        system: system.name,
        median_s: result.latency.p50 / 1000,
        min_s: result.latency.min / 1000,
        runs: samples.length,
        check,
      });
    }
    await c.teardown?.();
    printCase(records.filter((r) => r.workload === c.workload && JSON.stringify(r.case) === JSON.stringify(c.case)));
  }
  writeResults(suite.name, records);
  return records;
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
      [`× ${ref.system}`]: Number((r.median_s / ref.median_s).toPrecision(3)),
      check: r.check,
    })),
  );
}

const resultsDir = join(dirname(fileURLToPath(import.meta.url)), 'results');

function writeResults(suite: string, records: readonly BenchRecord[]): void {
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${suite}.json`);
  writeFileSync(file, `${JSON.stringify(records, null, 2)}\n`);
  console.log(`\nwrote ${file}`);
}
