import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Suite } from './harness.js';

/**
 * Peak memory per system, each measured in a process of its own (the fairness rule: a
 * high-water mark only says something about one system when nothing else ran in that
 * process). For every system of a case the harness starts a child Node process
 * (`node --expose-gc --import tsx bench/memory-child.ts ...`, as `npm run bench` runs
 * TypeScript) that
 *
 *  1. imports the suite module and walks `suite.cases({ quick })` to the same case index,
 *     calling `teardown` (never `setup`) for the cases before it;
 *  2. builds the case (`setup`) and the system's own copy of the data (its `load`), runs
 *     the garbage collector, and reads the process's high-water RSS: the loaded peak;
 *  3. resets the kernel's high-water mark to the current RSS where Linux allows it
 *     (`echo 5 > /proc/self/clear_refs`), so that a transient peak while the data was
 *     generated or loaded does not hide the run's own peak; the baseline is then the
 *     current RSS, otherwise the loaded peak;
 *  4. runs that one system once and reads the high-water RSS again.
 *
 * The high-water RSS is the kernel's VmHWM (/proc/self/status), not
 * `process.resourceUsage().maxRSS`: getrusage's ru_maxrss of a spawned child starts at
 * the parent's RSS at the time of the fork (exec keeps the old address space's high
 * water in the process's maxrss, and clear_refs does not reset that), so a parent that
 * holds a loaded case would lift every child's figure to its own size. Where /proc is
 * missing (not Linux) maxRSS is used, with that caveat.
 *
 * Reported per system (MiB = 2^20 bytes):
 *  - `peak_rss_mb`: the whole child's high-water RSS, max(loaded peak, peak during the run):
 *    Node + tsx + the case's data as every system of the case loads it (e.g. the typed
 *    arrays and the DuckDB tables) + what the run added;
 *  - `run_peak_growth_mb`: the high-water growth during the run, over the baseline: what
 *    the system itself needed on top of the loaded data (its intermediates, result
 *    copies, the materialized join, ...). Without the reset it is a lower bound; memory
 *    the allocators keep after the setup freed it (and reuse in the run) is not counted.
 */

export interface MemoryRequest {
  /** URL of the module whose default export is the suite. */
  readonly suiteModule: string;
  readonly quick: boolean;
  readonly caseIndex: number;
  readonly systemIndex: number;
  /** Checked by the child against the system it finds at systemIndex. */
  readonly systemName: string;
  /** Default 30 minutes. */
  readonly timeoutMs?: number;
}

/** What a child reports; sizes in bytes. */
export interface MemoryReport {
  readonly loadedPeakBytes: number;
  readonly baselineBytes: number;
  readonly afterBytes: number;
  /** Whether the high-water mark was reset before the run. */
  readonly reset: boolean;
  /** Where the high-water figures come from. */
  readonly source: 'VmHWM' | 'maxRSS';
}

export interface MemoryFigures {
  readonly peakRssMb: number;
  readonly runPeakGrowthMb: number;
  readonly report: MemoryReport;
}

type ChildMessage = { ok: true; report: MemoryReport } | { ok: false; error: string };

const MIB = 2 ** 20;
let warnedNoReset = false;
const benchDir = dirname(fileURLToPath(import.meta.url));
const childEntry = join(benchDir, 'memory-child.ts');

/** Runs one system of one case in a fresh child process; rejects when the child fails. */
export function measureSystemMemory(request: MemoryRequest): Promise<MemoryFigures> {
  const args = ['--expose-gc', '--import', 'tsx', childEntry, request.suiteModule, request.quick ? 'quick' : 'full', String(request.caseIndex), String(request.systemIndex), request.systemName];
  // cwd: the repository root, where `--import tsx` resolves (as for `npm run bench`).
  const child = spawn(process.execPath, args, { cwd: dirname(benchDir), stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  return new Promise((resolve, reject) => {
    let message: ChildMessage | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), request.timeoutMs ?? 30 * 60_000);
    child.on('message', (m) => {
      message = m as ChildMessage;
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (message?.ok) {
        const r = message.report;
        if (!r.reset && !warnedNoReset) {
          warnedNoReset = true;
          process.stderr.write(`[memory] the high-water mark cannot be reset here (${r.source === 'maxRSS' ? 'no /proc/self/status: maxRSS, which includes the parent\'s RSS at spawn' : 'no /proc/self/clear_refs'}): run_peak_growth_mb is a lower bound\n`);
        }
        resolve({ peakRssMb: Math.max(r.loadedPeakBytes, r.afterBytes) / MIB, runPeakGrowthMb: Math.max(0, r.afterBytes - r.baselineBytes) / MIB, report: r });
      } else {
        const why = message?.ok === false ? message.error : `exited with ${signal ?? `code ${code}`}`;
        reject(new Error(`memory child: ${why}${stderr.trim() ? `\n${stderr.trim().split('\n').slice(-5).join('\n')}` : ''}`));
      }
    });
  });
}

/** VmHWM of /proc/self/status in bytes, or null where there is none. */
function vmHwmBytes(): number | null {
  try {
    const kib = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return kib ? Number(kib[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** The process's high-water RSS in bytes: VmHWM, else maxRSS (KiB on Linux, inflated by the parent's RSS, see above). */
function highWaterBytes(source: MemoryReport['source']): number {
  return source === 'VmHWM' ? vmHwmBytes()! : process.resourceUsage().maxRSS * 1024;
}

/** Resets VmHWM to the current RSS (Linux ≥ 4.0); false where that is not allowed. */
function resetHighWater(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
}

/** The child's side: argv is [suiteModule, 'quick' | 'full', caseIndex, systemIndex, systemName]. */
export async function runMemoryChild(argv: readonly string[]): Promise<never> {
  const [suiteModule, mode, caseArg, systemArg, systemName] = argv;
  const send = (m: ChildMessage) => new Promise<void>((resolve) => (process.send ? process.send(m, () => resolve()) : resolve()));
  try {
    const suite = ((await import(suiteModule)) as { default: Suite }).default;
    const caseIndex = Number(caseArg);
    let index = -1;
    for await (const c of suite.cases({ quick: mode === 'quick' })) {
      if (++index < caseIndex) {
        await c.teardown?.();
        continue;
      }
      await c.setup?.();
      const system = c.systems[Number(systemArg)];
      if (system?.name !== systemName) throw new Error(`case ${caseIndex} has no system '${systemName}' at index ${systemArg}`);
      // The system's own copy of the data (BenchSystem.load) belongs to the loaded case, not to the run.
      await system.load?.();
      collectGarbage();
      const source = vmHwmBytes() === null ? 'maxRSS' : 'VmHWM';
      const loadedPeakBytes = highWaterBytes(source);
      const reset = source === 'VmHWM' && resetHighWater();
      const baselineBytes = reset ? highWaterBytes(source) : loadedPeakBytes;
      await system.run();
      const afterBytes = highWaterBytes(source);
      await send({ ok: true, report: { loadedPeakBytes, baselineBytes, afterBytes, reset, source } });
      process.exit(0);
    }
    throw new Error(`suite ${suite.name} has no case ${caseIndex}`);
  } catch (e) {
    await send({ ok: false, error: e instanceof Error ? e.message : String(e) });
    process.exit(1);
  }
}
