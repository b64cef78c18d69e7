/**
 * A loop's state lives across iterations: the buffer pool (src/data/buffer-pool.ts)
 * must never take it back while the loop still reads it (the tolerance test compares
 * it with the next state). States of 64 KiB or more are pooled; the executor never
 * gives back the buffers of a leaf's output (a loop's state or input, a literal, a
 * source: BufferHolders.protect). These runs check pooled loops against the same loops
 * with the pool off: same steps, same last change, same values; and a literal built
 * with `zeros` (pooled memory) stays as it was across runs.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { fromColumns, fromDense, identity, kmeans, logisticRegression, setBufferPoolLimit } from '../../src/index.js';
import { zeros as kernelZeros } from '../../src/kernels/matrix/index.js';
import { mulberry32 } from '../../src/data/random.js';

const previousLimit = setBufferPoolLimit(256 << 20);
afterAll(() => {
  setBufferPoolLimit(previousLimit);
});

describe('loop states and the buffer pool', () => {
  // 40 rows × 9,000 features: the weights (9,000 × 1, 72 KB) are a pooled buffer.
  const rand = mulberry32(11);
  const features = 9000;
  const columns: Record<string, Float64Array> = {};
  for (let j = 0; j < features; j++) columns[`f${j}`] = Float64Array.from({ length: 40 }, () => rand() - 0.5);
  columns.label = Float64Array.from({ length: 40 }, (_, i) => (columns.f0[i] + columns.f1[i] > 0 ? 1 : 0));
  const rel = fromColumns(columns);
  const X = rel.toMatrix(Object.keys(columns).filter((c) => c !== 'label'));
  const y = rel.toMatrix(['label']);
  const model = logisticRegression(X, y, { steps: 12, learningRate: 0.05, tolerance: 1e-9 });

  it('a pooled state is compared with the next one, not with itself: the same steps and weights as without the pool', async () => {
    const pooled = await model.collect();
    const again = await model.collect();
    setBufferPoolLimit(0);
    const unpooled = await model.collect();
    setBufferPoolLimit(256 << 20);
    expect(unpooled.loops[0].steps).toBe(12);
    expect(unpooled.loops[0].converged).toBe(false);
    for (const run of [pooled, again]) {
      expect(run.loops[0].steps).toBe(12);
      expect(run.loops[0].change).toBe(unpooled.loops[0].change);
      expect(Array.from(run.data)).toEqual(Array.from(unpooled.data));
    }
  });

  it('k-means, whose body computes the next centroids after its last read of the state: the same steps and centroids as without the pool', async () => {
    // 300 rows × 1,000 features, k = 10: the centroids (10 × 1,000, 80 KB) are a pooled buffer.
    const r = mulberry32(12);
    const cols: Record<string, Float64Array> = {};
    for (let j = 0; j < 1000; j++) cols[`x${j}`] = Float64Array.from({ length: 300 }, (_, i) => (i % 3) * 2 + r());
    const points = fromColumns(cols).toMatrix(Object.keys(cols));
    const centroids = kmeans(points, { k: 10, iterations: 15, seed: 3, tolerance: 1e-12 });
    const pooled = await centroids.collect();
    setBufferPoolLimit(0);
    const unpooled = await centroids.collect();
    setBufferPoolLimit(256 << 20);
    expect(unpooled.loops[0].steps).toBeGreaterThan(1);
    expect(pooled.loops[0].steps).toBe(unpooled.loops[0].steps);
    expect(pooled.loops[0].change).toBe(unpooled.loops[0].change);
    expect(Array.from(pooled.data)).toEqual(Array.from(unpooled.data));
  });

  it('a literal in pooled memory (a kernel-made constant, as constant folding makes) is read, never given back: the same result run after run, the literal unchanged', async () => {
    const n = 128; // 128 × 128 float64: 128 KB, a pooled size
    const pooled = kernelZeros(n, n);
    (pooled.data as Float64Array).fill(2);
    const before = Array.from(pooled.data);
    const product = fromDense(pooled).matmul(identity(n)).mul(3);
    const first = Array.from((await product.collect({ provider: 'js' })).data);
    for (let k = 0; k < 3; k++) {
      // Other runs of the same sizes take whatever the pool holds.
      await fromDense(kernelZeros(n, n)).add(identity(n)).collect({ provider: 'js' });
      expect(Array.from((await product.collect({ provider: 'js' })).data)).toEqual(first);
    }
    expect(first.every((v) => v === 6)).toBe(true);
    expect(Array.from(pooled.data)).toEqual(before);
  });
});
