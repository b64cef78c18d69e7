/**
 * The buffer pool (src/data/buffer-pool.ts) and the executor's use of it: buffers come
 * back zeroed, only pooled buffers are taken back, a run's result is never handed out
 * again, and results computed from reused buffers equal those from fresh ones.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bufferPoolBytes, disownBuffer, recycleBuffer, setBufferPoolLimit, takeFloatArray } from '../../src/data/buffer-pool.js';
import { fromColumns, fromDense } from '../../src/index.js';

const MB = 1 << 20;
const defaultLimit = setBufferPoolLimit(64 * MB);
setBufferPoolLimit(defaultLimit);

afterEach(() => {
  setBufferPoolLimit(0);
  setBufferPoolLimit(defaultLimit);
});

describe('buffer pool', () => {
  it('hands a given-back buffer out again, zeroed', () => {
    setBufferPoolLimit(64 * MB);
    const a = takeFloatArray('float64', MB / 4);
    a.fill(7);
    recycleBuffer(a.buffer);
    expect(bufferPoolBytes()).toBe(2 * MB);
    const b = takeFloatArray('float64', MB / 4);
    expect(b.buffer).toBe(a.buffer);
    expect(b.every((v) => v === 0)).toBe(true);
    expect(bufferPoolBytes()).toBe(0);
  });

  it('keeps small arrays out of the pool, and never takes foreign or disowned buffers', () => {
    setBufferPoolLimit(64 * MB);
    const small = takeFloatArray('float64', 16);
    recycleBuffer(small.buffer);
    recycleBuffer(new Float64Array(MB).buffer);
    const big = takeFloatArray('float32', MB);
    disownBuffer(big.buffer);
    recycleBuffer(big.buffer);
    expect(bufferPoolBytes()).toBe(0);
  });

  it('drops the oldest buffers beyond its limit; 0 switches pooling off', () => {
    setBufferPoolLimit(3 * MB);
    const xs = [1, 2, 3].map(() => takeFloatArray('float64', MB / 8));
    for (const x of xs) recycleBuffer(x.buffer);
    expect(bufferPoolBytes()).toBe(3 * MB);
    recycleBuffer(takeFloatArray('float64', MB / 4).buffer);
    expect(bufferPoolBytes()).toBe(3 * MB);
    expect(takeFloatArray('float64', MB / 8).buffer).not.toBe(xs[0].buffer);
    setBufferPoolLimit(0);
    expect(bufferPoolBytes()).toBe(0);
    expect(() => setBufferPoolLimit(-1)).toThrow(RangeError);
  });
});

describe('executor and pool', () => {
  const n = 200_000;
  const x = Float64Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 100 - 5);
  const y = Float64Array.from({ length: n }, (_, i) => ((i * 104729) % 997) / 50 - 10);
  const rel = fromColumns({ x, y }, { name: 'points' });
  // X (n×2, 3.2 MB) and X ⊙ 2 are large enough to come from the pool.
  const X = rel.toMatrix(['x', 'y']);
  const doubled = () => X.mul(fromDense<1, 1>({ rows: 1, cols: 1, data: Float64Array.of(2) }));

  it('never hands out a buffer a caller holds, even when it comes back as an input', async () => {
    setBufferPoolLimit(256 * MB);
    const js = { provider: 'js' as const };
    const first = await doubled().collect(js);
    const copy = Float64Array.from(first.data);
    // The result goes back in as a literal: when the run drops it, it must not be pooled.
    const again = fromDense({ rows: first.rows, cols: first.cols, data: first.data as Float64Array });
    await again.mul(fromDense<1, 1>({ rows: 1, cols: 1, data: Float64Array.of(1) })).collect(js);
    for (let i = 0; i < 3; i++) await X.mul(fromDense<1, 1>({ rows: 1, cols: 1, data: Float64Array.of(-3) })).collect(js);
    // (compared by index: a diff of 400,000 numbers would take minutes to print)
    expect(first.data.findIndex((v, i) => v !== copy[i])).toBe(-1);
  });

  it('gives the same results with reused buffers as with fresh ones', async () => {
    setBufferPoolLimit(0);
    const js = { provider: 'js' as const };
    const fresh = await doubled().crossprod().collect(js);
    setBufferPoolLimit(256 * MB);
    await doubled().crossprod().collect(js);
    expect(bufferPoolBytes()).toBeGreaterThan(0);
    const reused = await doubled().crossprod().collect(js);
    expect(reused.data.findIndex((v, i) => v !== fresh.data[i])).toBe(-1);
  });
});
