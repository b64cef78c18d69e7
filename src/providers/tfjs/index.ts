/**
 * The TensorFlow.js kernel provider: runs float32 dense programs on the best TF.js
 * backend that loads (CUDA through tfjs-node-gpu, native TensorFlow, WebGPU, else
 * WebAssembly; see backend.ts), with the reference semantics (see ops.ts). TF.js
 * computes in float32 only, so float64 steps are never supported. Every tensor a run
 * creates is disposed before it returns, whether it succeeds or throws.
 */
import type * as TF from '@tensorflow/tfjs-core';
import { ExecutionError, TesseraError } from '../../errors.js';
import type { DenseMatrix } from '../../kernels/matrix/dense.js';
import { throwIfAborted } from '../abort.js';
import { runDenseProgramJs } from '../js.js';
import { type DenseProgram, type ProgramRun, copyAs, stepOperands } from '../program.js';
import type { MatrixProvider, ProviderProfile, ProviderStatus, RunProgramOptions } from '../provider.js';
import { type BackendReport, type Tf, currentReport, isLoaded, loadBackend, releaseBackend } from './backend.js';
import { applyStep, checkProgram, stepSupported } from './ops.js';

export type { BackendReport } from './backend.js';

/** What initialised and why (initialising it if needed): for `tessera doctor`. Never throws. */
export async function tfjsBackendReport(): Promise<BackendReport> {
  try {
    const { result } = await loadBackend();
    return isLoaded(result) ? result.report : result;
  } catch (e) {
    return { available: false, loaded: false, device: 'cpu', detail: `TF.js failed to initialise: ${String(e)}`, attempts: [], initMs: 0 };
  }
}

function status(): ProviderStatus {
  try {
    const r = currentReport();
    return { name: 'tfjs', available: r.available, version: r.version, device: r.device, backend: r.backend, detail: r.detail, dtypes: ['float32'] };
  } catch (e) {
    return { name: 'tfjs', available: false, device: 'cpu', detail: `TF.js detection failed: ${String(e)}`, dtypes: ['float32'] };
  }
}

/** The outputs with every buffer that appeared earlier in the list copied: a value listed twice gives two arrays. */
function distinct(outputs: DenseMatrix[]): DenseMatrix[] {
  const seen = new Set<DenseMatrix['data']>();
  return outputs.map((m) => {
    if (!seen.has(m.data)) {
      seen.add(m.data);
      return m;
    }
    return { ...m, data: m.data.slice() };
  });
}

/** Zero-size values: TF.js reduces and multiplies them into uninitialised memory, so the reference runs them. */
function runOnJs(program: DenseProgram, inputs: readonly DenseMatrix[], signal?: AbortSignal): ProgramRun {
  const start = performance.now();
  const values = runDenseProgramJs(program, inputs, signal);
  const outputs = program.outputs.map((v, k) => (v < inputs.length ? copyAs(values[k], program.inputs[v]) : values[k]));
  return { outputs: distinct(outputs), transferMs: 0, computeMs: performance.now() - start, compiled: false };
}

async function run(program: DenseProgram, inputs: readonly DenseMatrix[], options: RunProgramOptions = {}): Promise<ProgramRun> {
  const { signal } = options;
  throwIfAborted(signal, 'tfjs');
  const unsupported = program.steps.find((s) => !stepSupported(s));
  if (unsupported) throw new ExecutionError(`tfjs ${unsupported.op}`, `TF.js cannot run this ${unsupported.dtype} step with the reference semantics`);
  const shapes = checkProgram(program, inputs);
  if (shapes.some((s) => s.rows === 0 || s.cols === 0)) return runOnJs(program, inputs, signal);

  const { result, first } = await loadBackend();
  if (!isLoaded(result)) throw new ExecutionError('tfjs', result.detail);
  const { tf, name } = result;
  // The engine is process-wide: other code may have switched it to another backend.
  if (tf.getBackend() !== name && !(await tf.setBackend(name))) throw new ExecutionError('tfjs', `the ${name} backend could not be made active again`);
  throwIfAborted(signal, 'tfjs');
  return execute(tf, program, inputs, first, signal);
}

async function execute(tf: Tf, program: DenseProgram, inputs: readonly DenseMatrix[], compiled: boolean, signal?: AbortSignal): Promise<ProgramRun> {
  const nIn = inputs.length;
  const used = new Set(program.steps.flatMap(stepOperands));
  const held: TF.Tensor[] = [];
  let op = 'run';
  try {
    let t = performance.now();
    const tensors = inputs.map((m, i) => {
      if (!used.has(i)) return undefined;
      const data = m.data instanceof Float32Array ? m.data : Float32Array.from(m.data);
      const x = tf.tensor2d(data, [m.rows, m.cols], 'float32');
      held.push(x);
      return x;
    });
    let transferMs = performance.now() - t;

    t = performance.now();
    const stepOutputs = [...new Set(program.outputs.filter((v) => v >= nIn))];
    const results = tf.tidy(() => {
      const values: (TF.Tensor | undefined)[] = [...tensors];
      for (const step of program.steps) {
        op = step.op;
        throwIfAborted(signal, step.op);
        values.push(applyStep(tf, step, (i) => values[i]!));
      }
      op = 'run';
      return stepOutputs.map((v) => values[v]!);
    });
    held.push(...results);
    const computeMs = performance.now() - t;

    // Async reads: WebGPU finishes its queued work here; the CPU backends already have.
    t = performance.now();
    const read = await Promise.all(results.map((r) => r.data<'float32'>()));
    const outputs = program.outputs.map((v): DenseMatrix => {
      if (v < nIn) return copyAs(inputs[v], program.inputs[v]);
      const k = stepOutputs.indexOf(v);
      const [rows, cols] = results[k].shape;
      return { rows, cols, data: read[k] };
    });
    transferMs += performance.now() - t;
    return { outputs: distinct(outputs), transferMs, computeMs, compiled };
  } catch (e) {
    if (e instanceof TesseraError) throw e;
    throw new ExecutionError(`tfjs ${op}`, e instanceof Error ? e.message : String(e));
  } finally {
    for (const x of held) x.dispose();
  }
}

/**
 * Measured through `run` on the development machine (2 shared cores; wasm backend, SIMD,
 * one thread), medians of 5, then rounded down. GEMM 1024 f32: 82–84 ms per run, i.e.
 * ≈26 GFLOP/s with transfers and 32 without (256: 13–18 GFLOP/s). Element-wise work on
 * 10⁶ values: add 0.3 ms, column sums 2 ms, a comparison 5 ms, exp 8–10 ms, max 25 ms
 * (its NaN fix-up), so 4·10⁴ to 3·10⁶ elements/ms. A tiny program: 0.03–0.05 ms.
 * Tensors in and out: ≈10 GB/s. compileMs is the one-off backend start (≈225 ms,
 * compiling the wasm binary). float64 is 0: TF.js does not compute in float64. CUDA and
 * WebGPU are far faster, but these are the safe defaults.
 */
const PROFILE: ProviderProfile = {
  flopsPerMs: { float64: 0, float32: 1.5e7 },
  elementsPerMs: 1e5,
  callMs: 0.05,
  compileMs: 250,
  transferBytesPerMs: 2e6,
};

export const tfjsProvider: MatrixProvider = {
  name: 'tfjs',
  status,
  profile: PROFILE,
  supports: stepSupported,
  run,
  async prepare() {
    await tfjsBackendReport();
  },
  dispose: releaseBackend,
};
