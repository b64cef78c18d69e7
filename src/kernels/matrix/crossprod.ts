/**
 * Cross-products: crossProduct(X) = XᵀX and crossProductWith(X, Y) = XᵀY.
 *
 * XᵀX is symmetric, so only upper-triangle 4×4 tiles are computed and then
 * mirrored (≈ half the flops of a general product). Rows are streamed in
 * chunks small enough to stay in cache; for each chunk every upper tile (I, J)
 * walks the chunk once with 16 register accumulators, reading the 4-column
 * panels I and J straight from the row-major rows (8 loads per 32 flops), so
 * a tall-skinny X is read from memory once. Per-chunk partial sums are added
 * into a float64 accumulator, which also limits rounding growth over millions
 * of rows.
 */
import type { DenseMatrix } from './dense.js';
import { dtypeOf, resultMatrix, shapeOf } from './dense.js';
import { gemm } from './gemm.js';
import { ShapeMismatchError } from './errors.js';

/** Chunk budget in float64 elements (64 KiB): the chunk stays in L1/L2 while all tiles sweep it. */
const CHUNK_ELEMS = 8192;

export interface CrossProductOptions {
  /** Destination (overwritten); must not alias the inputs. Its dtype wins over the inputs'. */
  out?: DenseMatrix;
}

/**
 * G = XᵀX (cols×cols), exactly symmetric. Result dtype follows X unless `out`
 * is given (pass a float64 `out` to keep full precision for float32 X).
 * NaN/Inf propagate.
 */
export function crossProduct(X: DenseMatrix, opts: CrossProductOptions = {}): DenseMatrix {
  const { rows: n, cols: d } = X;
  const G = resultMatrix('crossProduct', d, d, dtypeOf(X), opts.out, [X]);
  const acc = G.data instanceof Float64Array ? G.data : new Float64Array(d * d);
  acc.fill(0);
  const chunkRows = Math.max(16, Math.min(256, Math.floor(CHUNK_ELEMS / Math.max(d, 1))));
  // float32 rows are widened chunk-by-chunk so the tile kernel only ever sees a Float64Array.
  const widen = X.data instanceof Float32Array ? new Float64Array(chunkRows * d) : null;
  const d4 = d - (d % 4);
  for (let r0 = 0; r0 < n; r0 += chunkRows) {
    const rl = Math.min(chunkRows, n - r0);
    let src: Float64Array, base: number;
    if (widen === null) {
      src = X.data as Float64Array;
      base = r0 * d;
    } else {
      widen.set(X.data.subarray(r0 * d, (r0 + rl) * d));
      src = widen;
      base = 0;
    }
    for (let I = 0; I < d4; I += 4) {
      for (let J = I; J < d4; J += 4) tileUpper(src, base, rl, d, I, J, acc);
    }
    if (d4 < d) tailColumns(src, base, rl, d, d4, acc);
  }
  // Mirror the upper triangle into the lower one.
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) acc[j * d + i] = acc[i * d + j];
  }
  if (acc !== G.data) G.data.set(acc);
  return G;
}

/** acc[I..I+3, J..J+3] += Σ_r X[r, I..]ᵀ·X[r, J..] over `rl` rows starting at flat offset `base`. */
function tileUpper(x: Float64Array, base: number, rl: number, d: number, I: number, J: number, acc: Float64Array): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  const end = base + rl * d;
  for (let o = base; o < end; o += d) {
    const b0 = x[o + J], b1 = x[o + J + 1], b2 = x[o + J + 2], b3 = x[o + J + 3];
    let a = x[o + I];
    c00 += a * b0; c01 += a * b1; c02 += a * b2; c03 += a * b3;
    a = x[o + I + 1];
    c10 += a * b0; c11 += a * b1; c12 += a * b2; c13 += a * b3;
    a = x[o + I + 2];
    c20 += a * b0; c21 += a * b1; c22 += a * b2; c23 += a * b3;
    a = x[o + I + 3];
    c30 += a * b0; c31 += a * b1; c32 += a * b2; c33 += a * b3;
  }
  let g = I * d + J;
  acc[g] += c00; acc[g + 1] += c01; acc[g + 2] += c02; acc[g + 3] += c03;
  g += d;
  acc[g] += c10; acc[g + 1] += c11; acc[g + 2] += c12; acc[g + 3] += c13;
  g += d;
  acc[g] += c20; acc[g + 1] += c21; acc[g + 2] += c22; acc[g + 3] += c23;
  g += d;
  acc[g] += c30; acc[g + 1] += c31; acc[g + 2] += c32; acc[g + 3] += c33;
}

/** Upper-triangle entries of the last d mod 4 columns (j ≥ d4, i ≤ j), which do not fill a 4-wide tile. */
function tailColumns(x: Float64Array, base: number, rl: number, d: number, d4: number, acc: Float64Array): void {
  const end = base + rl * d;
  for (let j = d4; j < d; j++) {
    for (let i = 0; i <= j; i++) {
      let s = 0;
      for (let o = base; o < end; o += d) s += x[o + i] * x[o + j];
      acc[i * d + j] += s;
    }
  }
}

/** XᵀY (X.cols × Y.cols) via gemm with transA: Xᵀ is read through packing, never materialized. */
export function crossProductWith(X: DenseMatrix, Y: DenseMatrix, opts: CrossProductOptions = {}): DenseMatrix {
  if (X.rows !== Y.rows) {
    throw new ShapeMismatchError(
      `crossProductWith: cannot form XᵀY for X ${shapeOf(X)} and Y ${shapeOf(Y)}: row counts ${X.rows} and ${Y.rows} differ`,
    );
  }
  return gemm(X, Y, { transA: true, out: opts.out });
}
