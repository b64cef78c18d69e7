/**
 * W4 — projection and selection through a product, docs/workloads.md.
 *
 *   X      = toMatrix(f1..f64) over customers                  (n × 64)
 *   scores = (X·W)[:, 4 columns] next to each customer, for the customers of segment seg3
 *
 * with a dense W (64 × 512). As written, it builds the n × 512 product and keeps 4 of its
 * columns for 1/8 of the rows. The optimizer multiplies only W's 4 columns (R5, columns:
 * (X·W)[:, c] = X·W[:, c]) and only the rows of seg3 (R5, rows: the segment filter moves
 * below the appended scores, onto the relation the matrix is built from), which cuts the
 * plan's cost to well under 1% of the naive plan.
 *
 * The default export is the pipeline at a small size (fast in tests); `build` scales it:
 * the benchmark size is `build(FULL_ROWS)` (1,000,000 customers).
 */
import { fromColumns, fromDense, seededRandom } from 'tessera';

export const SMALL_ROWS = 4_000;
export const FULL_ROWS = 1_000_000;
export const FEATURES = 64;
export const OUTPUTS = 512;
/** The output columns of X·W the pipeline keeps. */
export const KEPT = [3, 97, 256, 511] as const;
export const SEGMENTS = Array.from({ length: 8 }, (_, i) => `seg${i}`);

type Feature = `f${number}`;

function uniform(n: number, next: () => number, lo = -1, hi = 1): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * next();
  return out;
}

/** The parts of W4, for tests and benchmarks that look inside. */
export function buildParts(rows: number = SMALL_ROWS, seed = 4) {
  const next = seededRandom(seed);
  const featureNames = Array.from({ length: FEATURES }, (_, j) => `f${j + 1}` as Feature);
  const id = Int32Array.from({ length: rows }, (_, i) => i);
  const segment = Array.from({ length: rows }, () => SEGMENTS[Math.floor(next() * SEGMENTS.length)]);
  const features: Record<Feature, Float64Array> = Object.fromEntries(featureNames.map((f) => [f, uniform(rows, next)]));
  const customers = fromColumns(Object.assign({ id, segment }, features), { name: 'customers', primaryKey: ['id'] });

  const X = customers.toMatrix(featureNames);
  const W = fromDense({ rows: FEATURES, cols: OUTPUTS, data: uniform(FEATURES * OUTPUTS, next) }, 'W');
  const kept = X.matmul(W).select(...KEPT);
  const scores = customers.withMatrixColumns(kept, ['s1', 's2', 's3', 's4']).filter((r) => r.segment.eq('seg3'));
  return { customers, X, W, kept, scores };
}

/** The W4 pipeline over `rows` seeded customers: id, segment, f1..f64, s1..s4 for segment seg3. */
export function build(rows: number = SMALL_ROWS, seed = 4) {
  return buildParts(rows, seed).scores;
}

export default build();
