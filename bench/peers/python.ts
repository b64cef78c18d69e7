import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Bool, Table, Utf8, makeVector, tableToIPC, vectorFromArray } from 'apache-arrow';
import type { BenchSystem } from '../harness.js';

/**
 * The `pandas+numpy` peer: a persistent Python worker (bench/peers/worker.py), started
 * once per suite, that reads the suite's data from Arrow IPC files (dense matrices from
 * .npy files, tables with nulls from JSON) and runs the workloads of
 * bench/peers/pandas_workloads.py (or of bench/peers/sklearn_workloads.py: the
 * scikit-learn peer of w5), timing itself. JSON lines over stdin/stdout: one request,
 * one response.
 *
 * Python: $TESSERA_PYTHON, then `python3`, then `/usr/bin/python3`; the first that
 * imports numpy and pandas (and whatever else the peer needs). The worker runs without OPENBLAS_CORETYPE and
 * OPENBLAS_L2_SIZE (set on some machines for old OpenBLAS builds, they slow a current
 * numpy's GEMM several times); nothing else sees that change.
 */

const peersDir = dirname(fileURLToPath(import.meta.url));
export const INSTALL_HINT = 'no Python with numpy and pandas (set TESSERA_PYTHON, or on Debian: apt-get install python3-numpy python3-pandas)';

/** The first Python that imports `modules` (default numpy and pandas), or why there is none (`hint` says what to install). */
export function findPython(modules: readonly string[] = ['numpy', 'pandas'], hint = INSTALL_HINT): { exe: string } | { missing: string } {
  const candidates = [process.env.TESSERA_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  for (const exe of candidates) {
    const probe = spawnSync(exe, ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore', timeout: 60_000 });
    if (probe.status === 0) return { exe };
  }
  return { missing: `${hint}; tried ${candidates.join(', ')}` };
}

function workerEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

type Response = { ok: true; [key: string]: unknown } | { ok: false; error: string; trace?: string };

/** One worker process; requests are answered in order. */
export class PythonWorker {
  private readonly pending: { resolve: (r: Response) => void; reject: (e: Error) => void }[] = [];
  private stderr = '';
  private exited: Error | null = null;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const waiter = this.pending.shift();
      if (!waiter) return;
      try {
        waiter.resolve(JSON.parse(line) as Response);
      } catch {
        waiter.reject(new Error(`python worker: not a JSON response: ${line.slice(0, 200)}`));
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-2000);
    });
    child.on('exit', (code, signal) => {
      this.exited = new Error(`python worker exited with ${signal ?? `code ${code}`}${this.stderr.trim() ? `: ${this.stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`);
      for (const waiter of this.pending.splice(0)) waiter.reject(this.exited);
    });
  }

  static start(exe: string): PythonWorker {
    return new PythonWorker(spawn(exe, [join(peersDir, 'worker.py')], { cwd: peersDir, env: workerEnv(), stdio: ['pipe', 'pipe', 'pipe'] }));
  }

  /** Sends one request; resolves to the response's fields, rejects with the worker's error. */
  request<T>(message: Record<string, unknown>): Promise<T> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise<Response>((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.child.stdin.write(`${JSON.stringify(message)}\n`);
    }).then((r) => {
      if (!r.ok) throw new Error(`python ${String(message.op)}: ${r.error}`);
      return r as T;
    });
  }

  close(): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.stdin.end();
    });
  }
}

/** A column written to an Arrow IPC file: typed arrays as they are, strings as utf8, booleans as bool. */
export type ArrowColumn = Int32Array | Float64Array | readonly string[] | readonly boolean[];

export function writeArrowFile(path: string, columns: Record<string, ArrowColumn>): void {
  const vectors = Object.fromEntries(
    Object.entries(columns).map(([name, c]) => {
      if (c instanceof Int32Array || c instanceof Float64Array) return [name, makeVector(c)];
      return [name, typeof c[0] === 'boolean' ? vectorFromArray(c as boolean[], new Bool()) : vectorFromArray(c as string[], new Utf8())];
    }),
  );
  writeFileSync(path, tableToIPC(new Table(vectors), 'file'));
}

/** A row-major float64 matrix as a .npy file (format 1.0), which numpy.load reads as it is. */
export function writeNpy(path: string, rows: number, cols: number, data: Float64Array): void {
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix.writeUInt8(1, 6);
  prefix.writeUInt8(0, 7);
  prefix.writeUInt16LE(header.length, 8);
  writeFileSync(path, Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

export interface PythonInfo {
  readonly python: string;
  readonly numpy: string;
  readonly pandas: string;
  /** scikit-learn's version, null when that Python does not have it. */
  readonly sklearn: string | null;
  readonly blas: Record<string, unknown>;
}

export interface PandasCase<R> {
  /** The system's name (default `pandas+numpy`; `pandas` where the workload is relational only). */
  readonly name?: string;
  /** The function of bench/peers/pandas_workloads.py (or of `module`). */
  readonly workload: string;
  /** The Python module of peers/ that holds `workload` (default pandas_workloads; the worker accepts the ones it lists). */
  readonly module?: string;
  /** Writes the case's input files into `dir` (once per case), returning name → path. */
  readonly files: (dir: string) => Record<string, string>;
  /** The workload's parameters, read when the system runs (after the case's setup). */
  readonly params: () => Record<string, unknown>;
  /** The worker's JSON result as the case's `check` takes it. */
  readonly toResult: (json: unknown) => R;
  /** For workloads that time many single-row calls themselves: the last run's latency percentiles, from its JSON result. */
  readonly latency?: (json: unknown) => { p50_s: number; p99_s: number };
}

export interface PeerOptions {
  /** Python modules the peer needs (default numpy and pandas): the first Python that imports them all runs the worker. */
  readonly modules?: readonly string[];
  /** What to install when no Python has them (printed when the peer is skipped). */
  readonly installHint?: string;
}

/**
 * The pandas+numpy peer of one suite: the worker starts on first use (memory children
 * that import the suite never start it), `finish` stops it and removes the data files.
 */
export class PandasPeer {
  private python: { exe: string } | { missing: string } | null = null;
  private worker: PythonWorker | null = null;
  private dir: string | null = null;

  constructor(
    private readonly suite: string,
    private readonly options: PeerOptions = {},
  ) {}

  private exe(): { exe: string } | { missing: string } {
    return (this.python ??= findPython(this.options.modules, this.options.installHint));
  }

  /** The peer's Python and its versions (starting the worker), or why there is none. */
  async info(): Promise<(PythonInfo & { exe: string }) | { missing: string }> {
    const found = this.exe();
    if ('missing' in found) return found;
    this.worker ??= PythonWorker.start(found.exe);
    return { exe: found.exe, ...(await this.worker.request<PythonInfo>({ op: 'info' })) };
  }

  private dataDir(): string {
    return (this.dir ??= mkdtempSync(join(tmpdir(), `tessera-bench-${this.suite}-`)));
  }

  /** The `pandas+numpy` system of one case; files are written on its first load. */
  system<R>(spec: PandasCase<R>): BenchSystem {
    const name = spec.name ?? 'pandas+numpy';
    const found = this.exe();
    if ('missing' in found) {
      process.stderr.write(`[${this.suite}] ${name} skipped: ${found.missing}\n`);
      return { name, run: () => undefined, unavailable: found.missing };
    }
    let files: Record<string, string> | null = null;
    const writeFiles = () => (files ??= spec.files(this.dataDir()));
    let last: { seconds: number; phases: Record<string, number>; result: unknown } | null = null;
    return {
      name,
      load: async () => {
        this.worker ??= PythonWorker.start(found.exe);
        return (await this.worker.request<{ load_s: number }>({ op: 'load', files: writeFiles() })).load_s;
      },
      run: async () => {
        last = await this.worker!.request({ op: 'run', workload: spec.workload, module: spec.module, params: spec.params() });
        return spec.toResult(last!.result);
      },
      timing: () => ({ seconds: last?.seconds, phases: last?.phases }),
      ...(spec.latency ? { latency: () => spec.latency!(last!.result) } : {}),
      measureMemory: async () => {
        const fresh = PythonWorker.start(found.exe);
        try {
          const m = await fresh.request<{ peak_rss_mb: number; run_peak_growth_mb: number }>({ op: 'memory', workload: spec.workload, module: spec.module, files: writeFiles(), params: spec.params() });
          return { peakRssMb: m.peak_rss_mb, runPeakGrowthMb: m.run_peak_growth_mb };
        } finally {
          await fresh.close();
        }
      },
    };
  }

  async finish(): Promise<void> {
    await this.worker?.close();
    this.worker = null;
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
  }
}
