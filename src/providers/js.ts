import { crossProduct, crossProductWith } from '../kernels/matrix/crossprod.js';
import { type DenseMatrix, transpose } from '../kernels/matrix/dense.js';
import { broadcastBinary, mapElements, reduceMatrix, selectColumns } from '../kernels/matrix/elementwise.js';
import { gemm } from '../kernels/matrix/gemm.js';
import { type DenseProgram, type DenseStep, type ProgramRun, castTo } from './program.js';
import type { MatrixProvider, ProviderStatus, RunProgramOptions } from './provider.js';
import { throwIfAborted } from './abort.js';

/**
 * Tessera's own kernels as a provider: always available, float64 everywhere, and the
 * reference every other provider is tested against. Inside a plan the executor calls
 * these kernels operator by operator (they also take CSR and hybrid operands); this
 * interpreter runs a whole dense program, for tests and for the benchmark's
 * `tessera-js` system.
 */

/** One step on the JS kernels; operands are cast to the step's dtype first. */
export function runDenseStepJs(step: DenseStep, values: readonly DenseMatrix[]): DenseMatrix {
  const v = (i: number) => castTo(values[i], step.dtype);
  switch (step.op) {
    case 'matmul':
      return gemm(v(step.a), v(step.b));
    case 'crossprod':
      return step.b === undefined ? crossProduct(v(step.a)) : crossProductWith(v(step.a), v(step.b));
    case 'transpose':
      return transpose(v(step.a));
    case 'elementwise':
      return broadcastBinary(step.fn, v(step.a), v(step.b));
    case 'map':
      return mapElements(step.fn, v(step.a), step.p1, step.p2);
    case 'reduce':
      return reduceMatrix(step.fn, step.axis, v(step.a));
    case 'selectCols':
      return selectColumns(v(step.a), step.indices);
  }
}

/** Runs a dense program on the JS kernels: the reference semantics of every provider. */
export function runDenseProgramJs(program: DenseProgram, inputs: readonly DenseMatrix[], signal?: AbortSignal): DenseMatrix[] {
  const values: DenseMatrix[] = inputs.map((m, i) => castTo(m, program.inputs[i]));
  for (const step of program.steps) {
    throwIfAborted(signal, step.op);
    values.push(runDenseStepJs(step, values));
  }
  return program.outputs.map((i) => values[i]);
}

const STATUS: ProviderStatus = {
  name: 'js',
  available: true,
  device: 'cpu',
  backend: 'typed arrays',
  detail: "Tessera's own kernels over typed arrays: always available, float64 and float32, one thread.",
  dtypes: ['float64', 'float32'],
};

export const jsProvider: MatrixProvider = {
  name: 'js',
  status: () => STATUS,
  // Packed register-tiled GEMM reaches about 5–6 GFLOP/s here in either dtype (it accumulates in float64).
  profile: { flopsPerMs: { float64: 5e6, float32: 5e6 }, elementsPerMs: 2e5, callMs: 0, compileMs: 0, transferBytesPerMs: Infinity },
  supports: () => true,
  async run(program: DenseProgram, inputs: readonly DenseMatrix[], options: RunProgramOptions = {}): Promise<ProgramRun> {
    const start = performance.now();
    const outputs = runDenseProgramJs(program, inputs, options.signal);
    return { outputs, transferMs: 0, computeMs: performance.now() - start, compiled: false };
  },
};
