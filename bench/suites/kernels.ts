/**
 * Matrix kernel benchmarks: GEMM (n = 256, 1024, 2048; float32 and float64)
 * and the cross-product XᵀX of a tall-skinny 2,000,000×32 float64 matrix.
 *
 * Systems, all on the same inputs in the same run:
 * - `tessera`: `collect()` of the plan, on whatever the physical planner picks;
 * - `tessera-js`, `tessera-ort`, `tessera-tfjs`: the same plan with its matrix work
 *   forced onto one provider (`collect({ provider })`); tfjs computes in float32 only,
 *   so it runs the float32 cases, and the case names its backend;
 * - `numpy` (its BLAS, default threading) when a Python with numpy is found, driven
 *   through one persistent python process per suite over a JSON-lines protocol. The
 *   OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE variables that some machines set for old
 *   OpenBLAS builds (they slow a current numpy 4–5×) are unset for that process alone,
 *   and the BLAS kernel numpy used is printed (threadpoolctl, else numpy.show_config()).
 * Inputs come from a seeded PRNG and reach python as raw little-endian files written
 * before timing starts; numpy's result is read back the same way for `check`.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { BenchCase, Suite } from '../harness.js';
import { type Matrix, type RunOptions, fromDense } from '../../src/index.js';
import type { DenseMatrix, Dtype, FloatArray } from '../../src/kernels/matrix/index.js';
import { zeros } from '../../src/kernels/matrix/index.js';
import { onnxruntimeProvider } from '../../src/providers/onnxruntime/index.js';
import { tfjsProvider } from '../../src/providers/tfjs/index.js';

const PYTHON_WORKER = String.raw`
import json, sys, time
import numpy as np

state = {}

def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()

def compute():
    a = state["a"]
    if state["op"] == "gemm":
        return a @ state["b"]
    return a.T @ a  # numpy routes this pattern to BLAS syrk

for line in sys.stdin:
    msg = json.loads(line)
    cmd = msg["cmd"]
    try:
        if cmd == "load":
            state.clear()
            state.update(op=msg["op"], times=[], out=None)
            state["a"] = np.fromfile(msg["a"], dtype=msg["dtype"]).reshape(msg["aShape"])
            if "b" in msg:
                state["b"] = np.fromfile(msg["b"], dtype=msg["dtype"]).reshape(msg["bShape"])
            reply({"ok": True})
        elif cmd == "run":
            t0 = time.perf_counter()
            out = compute()
            dt = time.perf_counter() - t0
            state["out"] = out
            state["times"].append(dt)
            reply({"seconds": dt})
        elif cmd == "result":
            out = state["out"] if state["out"] is not None else compute()
            np.ascontiguousarray(out).tofile(msg["path"])
            reply({"rows": out.shape[0], "cols": out.shape[1], "dtype": str(out.dtype)})
        elif cmd == "stats":
            t = sorted(state.get("times", []))
            reply({"runs": len(t), "median": t[len(t) // 2] if t else None})
        elif cmd == "blas":
            try:
                from threadpoolctl import threadpool_info
                info = [f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')} ({i.get('num_threads')} threads)" for i in threadpool_info() if i.get("user_api") == "blas"]
                reply({"blas": "; ".join(info) or "unknown"})
            except ImportError:
                cfg = np.show_config(mode="dicts") if hasattr(np, "show_config") else {}
                blas = cfg.get("Build Dependencies", {}).get("blas", {}) if isinstance(cfg, dict) else {}
                reply({"blas": f"{blas.get('name', 'unknown')} {blas.get('version', '')} (threadpoolctl missing: kernel unknown)"})
        elif cmd == "clear":
            state.clear()
            reply({"ok": True})
        else:
            reply({"error": "unknown command " + cmd})
    except Exception as e:
        reply({"error": repr(e)})
`;

interface PyReply {
  error?: string;
  seconds?: number;
  rows?: number;
  cols?: number;
  dtype?: string;
  runs?: number;
  median?: number | null;
  blas?: string;
}

/** One python3 process per suite; requests are answered strictly in order. */
class NumpyWorker {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending: { resolve: (r: PyReply) => void; reject: (e: Error) => void }[] = [];

  /** The first Python with numpy: $TESSERA_PYTHON, then python3 on PATH, then Debian's /usr/bin/python3. */
  static find(): string | null {
    const candidates = [process.env.TESSERA_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
    return candidates.find((py) => spawnSync(py, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0) ?? null;
  }

  constructor(python: string) {
    const env = { ...process.env };
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
    this.child = spawn(python, ['-u', '-c', PYTHON_WORKER], { stdio: ['pipe', 'pipe', 'pipe'], env });
    this.child.stderr.pipe(process.stderr);
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const waiter = this.pending.shift();
      if (waiter === undefined) return;
      const reply = JSON.parse(line) as PyReply;
      if (reply.error !== undefined) waiter.reject(new Error(`numpy worker: ${reply.error}`));
      else waiter.resolve(reply);
    });
    this.child.on('exit', (code) => {
      for (const w of this.pending.splice(0)) w.reject(new Error(`numpy worker exited with code ${code}`));
    });
  }

  request(msg: Record<string, unknown>): Promise<PyReply> {
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.child.stdin.write(`${JSON.stringify(msg)}\n`);
    });
  }

  /** Closing stdin ends python's read loop, so the process exits on its own. */
  close(): void {
    this.child.stdin.end();
  }
}

/** mulberry32, uniform in [-1, 1): same seed, same matrices for every system. */
function randomMatrix(rows: number, cols: number, dtype: Dtype, seed: number): DenseMatrix {
  const m = zeros(rows, cols, dtype);
  let s = seed >>> 0;
  for (let i = 0; i < m.data.length; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    m.data[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return m;
}

function writeRaw(path: string, data: FloatArray): void {
  writeFileSync(path, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

function readRaw(path: string, rows: number, cols: number, dtype: string): DenseMatrix {
  const bytes = readFileSync(path);
  // Copy into a fresh, aligned buffer (Buffer slices may start at any byte offset).
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  const data = dtype === 'float32' ? new Float32Array(copy.buffer) : new Float64Array(copy.buffer);
  return { rows, cols, data };
}

/** check(): max |tessera − other| must be ≤ tol (tol scales with the reduction length). */
function compareWithin(tol: number) {
  return (reference: unknown, other: unknown): string => {
    const a = reference as DenseMatrix, b = other as DenseMatrix;
    if (a?.data === undefined || b?.data === undefined) return 'result is not a matrix';
    if (a.rows !== b.rows || a.cols !== b.cols) return `shape ${a.rows}×${a.cols} vs ${b.rows}×${b.cols}`;
    let worst = 0, at = 0;
    for (let i = 0; i < a.data.length; i++) {
      const d = Math.abs(a.data[i] - b.data[i]);
      if (Number.isNaN(d)) return `NaN mismatch at (${Math.floor(i / a.cols)}, ${i % a.cols})`;
      if (d > worst) { worst = d; at = i; }
    }
    if (worst <= tol) return 'ok';
    return `max |diff| ${worst.toExponential(2)} at (${Math.floor(at / a.cols)}, ${at % a.cols}) exceeds ${tol.toExponential(2)}`;
  };
}

interface CaseSpec {
  workload: string;
  case: Record<string, string | number | boolean>;
  op: 'gemm' | 'crossprod';
  inputs: DenseMatrix[];
  /** The Tessera pipeline computing the case. */
  plan: Matrix<number, number>;
  tol: number;
}

/** Tessera systems: the planner's choice, then each provider forced; tfjs only where it computes the dtype. */
function tesseraSystems(spec: CaseSpec): BenchCase['systems'] {
  const dtype = spec.inputs[0].data instanceof Float32Array ? 'float32' : 'float64';
  const variants: [string, RunOptions][] = [
    ['tessera', {}],
    ['tessera-js', { provider: 'js' }],
  ];
  if (onnxruntimeProvider.status().available) variants.push(['tessera-ort', { provider: 'onnxruntime' }]);
  if (tfjsProvider.status().available && dtype === 'float32') variants.push(['tessera-tfjs', { provider: 'tfjs' }]);
  return variants.map(([name, options]) => {
    let last: DenseMatrix | undefined;
    const run = async () => {
      const m = await spec.plan.collect(options);
      return (last = { rows: m.rows, cols: m.cols, data: m.data });
    };
    return { name, run, result: async () => last ?? (await run()) };
  });
}

async function buildCase(spec: CaseSpec, numpy: NumpyWorker | null, dir: string, id: number): Promise<BenchCase> {
  const systems = tesseraSystems(spec);
  const files: string[] = [];
  if (numpy !== null) {
    const [A, B] = spec.inputs;
    const dtype = A.data instanceof Float32Array ? 'float32' : 'float64';
    const msg: Record<string, unknown> = { cmd: 'load', op: spec.op, dtype, a: join(dir, `${id}-a.bin`), aShape: [A.rows, A.cols] };
    writeRaw(msg.a as string, A.data);
    files.push(msg.a as string);
    if (B !== undefined) {
      msg.b = join(dir, `${id}-b.bin`);
      msg.bShape = [B.rows, B.cols];
      writeRaw(msg.b as string, B.data);
      files.push(msg.b as string);
    }
    await numpy.request(msg);
    const outPath = join(dir, `${id}-out.bin`);
    files.push(outPath);
    systems.push({
      name: 'numpy',
      // One round trip per timed run: python times the op itself (perf_counter) and the
      // pipe round trip adds only tens of microseconds, negligible at these sizes.
      run: async () => (await numpy.request({ cmd: 'run' })).seconds,
      result: async () => {
        const r = await numpy.request({ cmd: 'result', path: outPath });
        return readRaw(outPath, r.rows ?? 0, r.cols ?? 0, r.dtype ?? 'float64');
      },
    });
  }
  return {
    workload: spec.workload,
    case: spec.case,
    systems,
    check: compareWithin(spec.tol),
    teardown: async () => {
      if (numpy !== null) {
        const s = await numpy.request({ cmd: 'stats' });
        if (s.median != null) {
          process.stderr.write(`[kernels] numpy self-timed ${spec.workload} ${JSON.stringify(spec.case)}: ` +
            `median ${(s.median * 1e3).toFixed(2)} ms over ${s.runs} runs\n`);
        }
        await numpy.request({ cmd: 'clear' });
      }
      for (const f of files) rmSync(f, { force: true });
    },
  };
}

function* specs(quick: boolean): Generator<CaseSpec> {
  for (const dtype of ['float64', 'float32'] as const) {
    for (const n of quick ? [256, 1024] : [256, 1024, 2048]) {
      const A = randomMatrix(n, n, dtype, 2 * n + 1), B = randomMatrix(n, n, dtype, 2 * n + 2);
      // Entries are in [-1, 1): per-entry error grows at most linearly with k = n.
      // float32 kernels that accumulate in float32 (ONNX Runtime, TF.js) err by about n·2⁻²⁴ per entry.
      const tol = (dtype === 'float32' ? 1e-5 : 1e-12) * n;
      const tfjs: Record<string, string> = dtype === 'float32' && tfjsProvider.status().available ? { tfjs: tfjsProvider.status().backend ?? 'unknown' } : {};
      yield { workload: 'gemm', case: { n, dtype, ...tfjs }, op: 'gemm', inputs: [A, B], plan: fromDense(A).matmul(fromDense(B)), tol };
    }
  }
  const rows = quick ? 200_000 : 2_000_000, cols = 32;
  const X = randomMatrix(rows, cols, 'float64', 7);
  yield {
    workload: 'crossprod', case: { rows, cols, dtype: 'float64' }, op: 'crossprod', inputs: [X],
    plan: fromDense(X).crossprod(), tol: 1e-12 * rows,
  };
}

const suite: Suite = {
  name: 'kernels',
  description: 'Dense matrix kernels: GEMM n=256/1024/2048 (f32, f64) and XᵀX of 2,000,000×32 f64; tessera (planner), tessera-js/-ort/-tfjs (forced) vs numpy (BLAS).',
  async *cases({ quick }) {
    const python = NumpyWorker.find();
    const numpy = python === null ? null : new NumpyWorker(python);
    if (numpy === null) console.warn('[kernels] no Python with numpy found (tried $TESSERA_PYTHON, python3, /usr/bin/python3): the numpy system is omitted; on Debian: apt-get install python3-numpy python3-threadpoolctl');
    else console.log(`[kernels] numpy (${python}) BLAS: ${(await numpy.request({ cmd: 'blas' })).blas}`);
    for (const p of [onnxruntimeProvider, tfjsProvider]) console.log(`[kernels] ${p.name}: ${p.status().available ? `${p.status().version} · ${p.status().backend}` : p.status().detail}`);
    const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-kernels-'));
    try {
      let id = 0;
      for (const spec of specs(quick)) yield await buildCase(spec, numpy, dir, id++);
    } finally {
      numpy?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default suite;
