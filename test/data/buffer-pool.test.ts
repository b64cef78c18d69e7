/**
 * The buffer pool (src/data/buffer-pool.ts) and the executor's use of it: buffers come
 * back zeroed, only pooled buffers are taken back, a run's result is never handed out
 * again, and results computed from reused buffers equal those from fresh ones.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bufferPoolBytes, disownBuffer, recycleBuffer, setBufferPoolLimit, takeFloatArray, takeInt32Array } from '../../src/data/buffer-pool.js';
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

  it('hands a float buffer out again as int32 indices of the same bytes, zeroed', () => {
    setBufferPoolLimit(64 * MB);
    const a = takeFloatArray('float64', MB / 8);
    a.fill(-1);
    recycleBuffer(a.buffer);
    const b = takeInt32Array(MB / 4);
    expect(b.buffer).toBe(a.buffer);
    expect(b.every((v) => v === 0)).toBe(true);
    expect(takeInt32Array(16).buffer).not.toBe(a.buffer);
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

  it('reuses the sparse blocks of a one-hot matrix encoded through a join, with the same results', async () => {
    // 300,000 rows × 2 one-hot features (18 columns: a hybrid matrix): row pointers, indices and values each over 1 MiB.
    const m = 300_000;
    const facts = fromColumns({ key: Int32Array.from({ length: m }, (_, i) => (i * 7) % 50), w: Float64Array.from({ length: m }, (_, i) => (i % 13) / 4) }, { name: 'facts' });
    const dims = fromColumns(
      { key: Int32Array.from({ length: 50 }, (_, i) => i), kind: Array.from({ length: 50 }, (_, i) => `k${i % 13}`), grade: Array.from({ length: 50 }, (_, i) => `g${i % 6}`) },
      { name: 'dims', primaryKey: ['key'] },
    );
    const kinds = Array.from({ length: 12 }, (_, i) => `k${i}`);
    const grades = Array.from({ length: 6 }, (_, i) => `g${i}`);
    const T = facts.join(dims, 'key').toMatrix(['w', { onehot: 'kind', categories: kinds }, { onehot: 'grade', categories: grades }], { intercept: true });
    // The plan as built, so that the joined matrix is encoded (JoinToMatrix) rather than factorized.
    const js = { provider: 'js' as const, optimize: false };
    setBufferPoolLimit(0);
    const fresh = await T.crossprod().collect(js);
    setBufferPoolLimit(256 * MB);
    await T.crossprod().collect(js);
    // k12 is outside the categories: those rows have no kind entry; every row has a grade.
    const kindRows = Array.from({ length: m }, (_, i) => ((i * 7) % 50) % 13).filter((k) => k < 12).length;
    const nonZeros = kindRows + m;
    // Given back: the dense block (w, intercept), the row pointers, and an index and a value per entry.
    expect(bufferPoolBytes()).toBe(m * 2 * 8 + (m + 1) * 4 + nonZeros * 12);
    const reused = await T.crossprod().collect(js);
    expect(reused.data.findIndex((v, i) => v !== fresh.data[i])).toBe(-1);
    expect(reused.get(19, 19)).toBe(m);
    expect(Array.from({ length: 12 }, (_, k) => reused.get(1 + k, 1 + k)).reduce((a, b) => a + b, 0)).toBe(kindRows);
  });
});
