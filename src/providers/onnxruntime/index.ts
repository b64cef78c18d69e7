/**
 * The ONNX Runtime provider: a DenseProgram runs as one ONNX graph on ONNX Runtime's
 * native CPU kernels (MLAS GEMM on every core, vectorized element-wise kernels).
 * onnxruntime-node is optional and loads on first use (load.ts); programs compile to
 * models with symbolic dimensions (model.ts) and their sessions are cached by
 * fingerprint (sessions.ts), so loops and repeated plans never rebuild one.
 */
import type * as Ort from 'onnxruntime-node';
import { ExecutionError } from '../../errors.js';
import type { DenseMatrix, FloatArray } from '../../kernels/matrix/dense.js';
import type { MatrixDType } from '../../plan/matrix-operators.js';
import { throwIfAborted } from '../abort.js';
import { type DenseProgram, type ProgramRun, castTo, copyAs, programFingerprint, programShapes, stepOperands } from '../program.js';
import type { MatrixProvider, ProviderProfile, ProviderStatus, RunProgramOptions } from '../provider.js';
import { type OrtModules, THREADS, loadOrt } from './load.js';
import { type CompiledModel, compilable, compileModel } from './model.js';
import { type CompiledSession, SessionCache } from './sessions.js';

const OP = 'onnxruntime';

const SESSION_OPTIONS: Ort.InferenceSession.SessionOptions = {
  executionProviders: ['cpu'],
  intraOpNumThreads: THREADS,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
  // The arena reuses memory across runs and nodes: without it, a 3-step element-wise chain
  // over 8·10⁶ values took 344 ms instead of 56, GEMM 2048 f64 500 instead of 258 (fresh pages
  // are slow here). What it keeps is bounded by the cache's byte budget (sessions.ts).
  enableCpuMemArena: true,
  // Memory patterns are planned per input shape and kept: with symbolic dimensions, one per size seen.
  enableMemPattern: false,
  extra: {
    // Pool threads sleep between runs instead of spinning, leaving both cores to JavaScript.
    session: { intra_op: { allow_spinning: '0' } },
    // MatMulScaleFusion folds a scalar Mul next to a MatMul (a 'scale' map) into FusedMatMul's
    // alpha, a float32 attribute: a float64 x·0.047 came out as x·fround(0.047), 3e-8 off
    // (found by `npm run fuzz -- --mode rewrites`, seed 1000028).
    optimization: { disable_specified_optimizers: 'MatMulScaleFusion' },
  },
};

/** At most 64 sessions, whose arenas hold at most about 1 GiB between runs. */
const sessions = new SessionCache(64, 2 ** 30);

let status: ProviderStatus | undefined;

function modules(): OrtModules {
  const loaded = loadOrt();
  if (!loaded.ok) throw new ExecutionError(OP, loaded.detail);
  return loaded.modules;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Throws, naming the step, unless every step is supported and every shape fits as the reference requires. */
function checkProgram(program: DenseProgram, inputs: readonly DenseMatrix[]): { rows: number; cols: number }[] {
  if (inputs.length !== program.inputs.length) throw new ExecutionError(OP, `the program takes ${program.inputs.length} inputs, got ${inputs.length}`);
  for (const [i, m] of inputs.entries()) {
    if (m.data.length !== m.rows * m.cols) throw new ExecutionError(OP, `input ${i} is ${m.rows}×${m.cols} but holds ${m.data.length} values`);
  }
  const shapes = programShapes(program, inputs);
  const dims = (v: number) => `${shapes[v].rows}×${shapes[v].cols}`;
  program.steps.forEach((s, k) => {
    const fail = (detail: string) => new ExecutionError(OP, `step ${k} (${s.op}): ${detail}`);
    if (!compilable(s)) throw fail('not supported by this provider');
    const a = shapes[s.a];
    switch (s.op) {
      case 'matmul':
        if (a.cols !== shapes[s.b].rows) throw fail(`inner dimensions differ: ${dims(s.a)} · ${dims(s.b)}`);
        break;
      case 'crossprod':
        if (s.b !== undefined && a.rows !== shapes[s.b].rows) throw fail(`row counts differ: ${dims(s.a)}ᵀ · ${dims(s.b)}`);
        break;
      case 'elementwise': {
        const b = shapes[s.b];
        if (!((b.rows === a.rows || b.rows === 1) && (b.cols === a.cols || b.cols === 1))) throw fail(`cannot broadcast ${dims(s.b)} onto ${dims(s.a)}`);
        break;
      }
      case 'selectCols':
        if (s.indices.some((i) => i >= a.cols)) throw fail(`column index out of range for ${dims(s.a)}`);
        break;
    }
  });
  return shapes;
}

/** Wraps m without copying (the binding reads typed-array views in place, byteOffset included). */
function tensor(ort: OrtModules['ort'], m: DenseMatrix, dtype: MatrixDType): Ort.Tensor {
  const { data } = castTo(m, dtype);
  return data instanceof Float64Array ? new ort.Tensor(data, [m.rows, m.cols]) : new ort.Tensor(data, [m.rows, m.cols]);
}

/**
 * An upper bound on what one run leaves in its session's arena: each node of a step may
 * allocate a value of the step's size (a product's: its result; others: their largest
 * operand or result), each cast a copy of its operand; the arena's regions grow in powers
 * of two, so up to twice that is reserved.
 */
function arenaBytes(program: DenseProgram, shapes: readonly { rows: number; cols: number }[], model: CompiledModel): number {
  const elements = (v: number) => shapes[v].rows * shapes[v].cols;
  const nInputs = program.inputs.length;
  const dtypeOf = (v: number) => (v < nInputs ? program.inputs[v] : program.steps[v - nInputs].dtype);
  let total = 0;
  program.steps.forEach((s, k) => {
    const operands = stepOperands(s);
    const product = s.op === 'matmul' || s.op === 'crossprod';
    const size = Math.max(elements(nInputs + k), ...(product ? [] : operands.map(elements)));
    const casts = operands.filter((v) => dtypeOf(v) !== s.dtype).reduce((n, v) => n + elements(v), 0);
    total += 8 * (model.nodesPerStep[k] * size + casts);
  });
  return 2 * total;
}

async function compile({ ort, onnx }: OrtModules, program: DenseProgram): Promise<CompiledSession> {
  try {
    const model = compileModel(onnx, program);
    return { model, session: await ort.InferenceSession.create(model.bytes, SESSION_OPTIONS) };
  } catch (e) {
    throw new ExecutionError(OP, `could not compile the program: ${message(e)}`);
  }
}

async function run(program: DenseProgram, inputs: readonly DenseMatrix[], options: RunProgramOptions = {}): Promise<ProgramRun> {
  throwIfAborted(options.signal, OP);
  const mods = modules();
  const shapes = checkProgram(program, inputs);
  const nInputs = program.inputs.length;
  if (program.outputs.every((v) => v < nInputs)) {
    const start = performance.now();
    const outputs = program.outputs.map((v) => copyAs(inputs[v], program.inputs[v]));
    return { outputs, transferMs: performance.now() - start, computeMs: 0, compiled: false };
  }
  return sessions.with(
    programFingerprint(program),
    () => compile(mods, program),
    ({ model }) => arenaBytes(program, shapes, model),
    async ({ session, model }, compiled) => {
      throwIfAborted(options.signal, OP);
      let start = performance.now();
      const feeds: Record<string, Ort.Tensor> = {};
      for (const [i, name] of model.inputs) feeds[name] = tensor(mods.ort, inputs[i], program.inputs[i]);
      let transferMs = performance.now() - start;
      start = performance.now();
      let results: Ort.InferenceSession.ReturnType;
      try {
        results = await session.run(feeds);
      } catch (e) {
        throw new ExecutionError(OP, message(e));
      } finally {
        for (const t of Object.values(feeds)) t.dispose();
      }
      const computeMs = performance.now() - start;
      start = performance.now();
      // The binding copies every output into a fresh typed array: hand it over as it is.
      const outputs = program.outputs.map((v, j): DenseMatrix => {
        if (v < nInputs) return copyAs(inputs[v], program.inputs[v]);
        const { rows, cols } = shapes[v];
        const data = results[model.outputs.get(v) as string].data as FloatArray;
        return { rows, cols, data: program.outputs.indexOf(v) === j ? data : data.slice() };
      });
      for (const t of Object.values(results)) t.dispose();
      transferMs += performance.now() - start;
      return { outputs, transferMs, computeMs, compiled };
    },
  );
}

/**
 * Measured through `run` here (2 shared cores, Node 20, onnxruntime-node 1.30.0, medians
 * of 5), then rounded down. GEMM 2048: 236 ms f64 (73 GFLOP/s), 107 ms f32 (160);
 * XᵀX of 2,000,000×32: 78 ms f64 (52 GFLOP/s), 34 ms f32 (120). Element-wise on 8·10⁵
 * values: a broadcast add 1.5 ms, column sums 5 ms, sigmoid 10 ms, a 3-step chain 2.3 ms,
 * so 8·10⁴ to 10⁶ elements/ms. A tiny program: 0.03 ms. Compiling a 4-step program:
 * 2–5 ms (the first session of a process also starts ONNX Runtime: 60–200 ms, once).
 * Inputs are wrapped in place; each output is copied once by the binding (a memcpy, ≈10 GB/s
 * into warm memory; fresh pages cost extra here, but JavaScript's own results pay that too).
 */
const PROFILE: ProviderProfile = {
  flopsPerMs: { float64: 5e7, float32: 1e8 },
  elementsPerMs: 3e5,
  callMs: 0.05,
  compileMs: 5,
  transferBytesPerMs: 5e6,
};

export const onnxruntimeProvider: MatrixProvider = {
  name: 'onnxruntime',
  status() {
    if (status) return status;
    const loaded = loadOrt();
    status = {
      name: 'onnxruntime',
      available: loaded.ok,
      version: loaded.version,
      device: 'cpu',
      backend: 'CPU execution provider',
      detail: loaded.detail,
      dtypes: ['float64', 'float32'],
    };
    return status;
  },
  profile: PROFILE,
  supports: compilable,
  run,
  dispose: () => sessions.clear(),
};
