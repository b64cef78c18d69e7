/**
 * The matrix half of the `duckdb+tfjs` peer: TensorFlow.js on its WebAssembly backend
 * (XNNPACK, SIMD), the backend a TypeScript program uses where tfjs-node's native
 * bindings are not installed. TF.js computes in float32 (its WASM matmul has no float64):
 * results are checked with float32 tolerances. Loaded on first use, so suites import
 * this module without paying for it.
 */
import { fromDense } from '../../src/index.js';
import type { SharedDuckDB } from './duckdb.js';

type TF = typeof import('@tensorflow/tfjs-core');

let loading: Promise<TF> | null = null;

export function tfjs(): Promise<TF> {
  return (loading ??= (async () => {
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs: the wasm backend did not initialize');
    await tf.ready();
    return tf;
  })());
}

/** XᵀX of a tensor, as the fastest spelling measured on the WASM backend: matMul(transpose(X), X) (matMul's transposeA flag runs several times slower). */
export function gramOf(tf: TF, X: ReturnType<TF['tensor2d']>): ReturnType<TF['matMul']> {
  return tf.tidy(() => tf.matMul(tf.transpose(X), X));
}

/**
 * β of (G + λI)·β = b for TF.js's float32 G (d × d) and b (d × 1), solved in float64 by
 * Tessera's solver (TF.js has no linear solver); float32 out, as the rest of the peer.
 */
export async function solveRidge(G: Float32Array, b: Float32Array, d: number, ridge: number): Promise<Float32Array> {
  const lhs = Float64Array.from(G);
  for (let i = 0; i < d; i++) lhs[i * d + i] += ridge;
  const beta = await fromDense({ rows: d, cols: d, data: lhs }).solve(fromDense({ rows: d, cols: 1, data: Float64Array.from(b) })).collect({ optimize: false });
  return Float32Array.from(beta.data);
}

/** The `load` of a `duckdb+tfjs` system: its DuckDB copy (shared with `duckdb+js`: see sharedDuckDB), then TF.js; seconds of both. */
export async function loadDuckDBAndTfjs(duck: SharedDuckDB): Promise<number> {
  const { seconds } = await duck.load();
  const start = performance.now();
  await tfjs();
  return seconds + (performance.now() - start) / 1000;
}
