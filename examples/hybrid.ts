/**
 * W3 — a hybrid expression (after the HADAD hybrid queries), docs/workloads.md.
 *
 *   M      = toMatrix(f1..f100) over A ⋈ B where active        (m × 100, m ≈ rows / 2)
 *   score  = rowSums(M·W) + M·P·Q·v                            (m × 1, next to the ids)
 *
 * with dense parameters W, P (100 × wide), Q (wide × 100) and v (100 × 1). As written,
 * it builds three m × wide products; the optimizer turns it into matrix-vector
 * products: R4 (rowSums(M·W) = M·rowSums(W)) and R7 (M·(P·(Q·v))).
 *
 * The default export is the pipeline at a small size (fast in tests); `build` scales it:
 * the benchmark size is `build({ rows: 50_000, features: 100, wide: 5_000 })`.
 */
import { type Matrix, fromColumns, fromDense, seededRandom } from 'tessera';

export interface HybridSize {
  /** Rows of A and of B (ids 0..rows−1 on both sides; about half are active). */
  readonly rows: number;
  /** Feature columns f1..f<features> of A (the inner dimension of the products). */
  readonly features: number;
  /** Columns of W and P, rows of Q. */
  readonly wide: number;
  readonly seed?: number;
}

export const SMALL: HybridSize = { rows: 2_000, features: 100, wide: 500 };
export const FULL: HybridSize = { rows: 50_000, features: 100, wide: 5_000 };

type Feature = `f${number}`;

function uniform(n: number, next: () => number, lo = -1, hi = 1): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * next();
  return out;
}

function dense(rows: number, cols: number, next: () => number, name: string): Matrix<number, number> {
  return fromDense({ rows, cols, data: uniform(rows * cols, next) }, name);
}

/** The parts of W3, for tests and benchmarks that look inside. */
export function buildParts(size: Partial<HybridSize> = {}) {
  const { rows, features, wide, seed = 3 } = { ...SMALL, ...size };
  const next = seededRandom(seed);
  const featureNames = Array.from({ length: features }, (_, j) => `f${j + 1}` as Feature);

  const featureColumns: Record<Feature, Float64Array> = Object.fromEntries(featureNames.map((f) => [f, uniform(rows, next)]));
  const A = fromColumns(Object.assign({ id: Int32Array.from({ length: rows }, (_, i) => i) }, featureColumns), { name: 'A', primaryKey: ['id'] });

  // B lists the ids in a shuffled order; region is one of 8, active about half the rows.
  const ids = Int32Array.from({ length: rows }, (_, i) => i);
  for (let i = rows - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [ids[i], ids[j]] = [ids[j], ids[i]];
  }
  const B = fromColumns(
    {
      id: ids,
      region: Array.from({ length: rows }, () => `r${Math.floor(next() * 8)}`),
      active: Array.from({ length: rows }, () => next() < 0.5),
    },
    { name: 'B', primaryKey: ['id'] },
  );

  const joined = A.join(B, 'id').filter((r) => r.active);
  const M = joined.toMatrix(featureNames);
  const W = dense(features, wide, next, 'W');
  const P = dense(features, wide, next, 'P');
  const Q = dense(wide, features, next, 'Q');
  const v = dense(features, 1, next, 'v');

  const result = M.matmul(W).rowSums().add(M.matmul(P).matmul(Q).matmul(v));
  const pipeline = joined.withMatrixColumns(result, ['score']);
  return { A, B, joined, M, W, P, Q, v, result, pipeline };
}

/** The W3 pipeline: the filtered join with a `score` column. */
export function build(size: Partial<HybridSize> = {}) {
  return buildParts(size).pipeline;
}

export default build();
