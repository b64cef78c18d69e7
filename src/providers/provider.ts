import type { DenseMatrix } from '../kernels/matrix/dense.js';
import type { MatrixDType } from '../plan/matrix-operators.js';
import type { DenseProgram, DenseStep, ProgramRun } from './program.js';

/**
 * Kernel providers: who computes a dense program. Tessera's own kernels (`js`) are
 * always there and are the reference; `onnxruntime` runs programs compiled to ONNX
 * graphs on ONNX Runtime's native CPU kernels; `tfjs` runs them through TensorFlow.js
 * on the best backend that loads (CUDA through tfjs-node-gpu, native TensorFlow through
 * tfjs-node, else WebAssembly). Optional packages are detected without running
 * anything heavy: `status()` answers synchronously, so planning and explain never wait.
 */

export type ProviderName = 'js' | 'onnxruntime' | 'tfjs';
export const PROVIDER_NAMES: readonly ProviderName[] = ['js', 'onnxruntime', 'tfjs'];

export type Device = 'cpu' | 'gpu';

/** What a provider is on this machine, and why. */
export interface ProviderStatus {
  readonly name: ProviderName;
  readonly available: boolean;
  /** Package version(s), e.g. `onnxruntime-node 1.30.0`. */
  readonly version?: string;
  readonly device: Device;
  /** The engine underneath: ONNX Runtime's execution provider, TF.js's backend name. */
  readonly backend?: string;
  /** One sentence: what loaded, or why it did not and how to get it. */
  readonly detail: string;
  /** The dtypes it computes in (TF.js: float32 only). */
  readonly dtypes: readonly MatrixDType[];
}

/**
 * Figures the cost model prices a provider with. They are conservative defaults
 * measured on the development machines (2 cores); placement only needs their ratios.
 */
export interface ProviderProfile {
  /** Sustained dense floating-point throughput of large products, in FLOP per millisecond. */
  readonly flopsPerMs: { readonly float64: number; readonly float32: number };
  /** Element-wise work (maps, broadcasts, reductions), in elements per millisecond. */
  readonly elementsPerMs: number;
  /** Fixed cost of one `run` call (dispatch, session lookup), in ms. */
  readonly callMs: number;
  /** Extra cost of the first run of a program (compiling a session or graph), in ms. */
  readonly compileMs: number;
  /** Copying into and out of the provider, in bytes per millisecond (Infinity: no copy). */
  readonly transferBytesPerMs: number;
}

export interface RunProgramOptions {
  /** Checked before starting; a provider that can stop mid-way checks it there too. */
  readonly signal?: AbortSignal;
}

export interface MatrixProvider {
  readonly name: ProviderName;
  status(): ProviderStatus;
  readonly profile: ProviderProfile;
  /** Whether this provider can run `step` computing in `dtype` with exactly the reference semantics. */
  supports(step: DenseStep): boolean;
  /**
   * Runs a program on dense row-major inputs (which it must not modify) and returns
   * fresh outputs in each output value's dtype. Throws a TesseraError when the
   * provider fails; releases every native resource it allocated for the run.
   */
  run(program: DenseProgram, inputs: readonly DenseMatrix[], options?: RunProgramOptions): Promise<ProgramRun>;
  /**
   * Finishes lazy initialisation (a TF.js backend starts asynchronously), so that
   * `status()` then reports what actually loaded rather than what is expected to.
   */
  prepare?(): Promise<void>;
  /** Frees cached sessions or graphs (idempotent). */
  dispose?(): Promise<void>;
}
