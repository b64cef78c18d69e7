/**
 * Learners checked against known answers: planted coefficients and the closed
 * form for linear regression, monotone loss and a Newton optimum for logistic
 * regression, well-separated blobs and a reference Lloyd iteration for k-means.
 */
import { describe, expect, it } from 'vitest';
import {
  type Matrix,
  PlanError,
  ShapeError,
  clusterIds,
  fromColumns,
  iterate,
  kmeans,
  kmeansAssignment,
  linearRegression,
  logisticRegression,
  matrix,
  predictProbabilities,
} from '../../src/index.js';
import * as ref from './reference.js';
import { type Rows, expectRowsClose, gaussian, maxAbs, rng, rowsOf } from './reference.js';
import { collect } from './run.js';

describe('linearRegression', () => {
  const n = 500;
  const planted = [2, -1, 0.5, 3];
  const b0 = 1.5;
  const rand = rng(2024);
  const cols = planted.map(() => Array.from({ length: n }, () => gaussian(rand)));
  const y = Array.from({ length: n }, (_, i) => b0 + planted.reduce((s, b, j) => s + b * cols[j][i], 0) + 0.01 * gaussian(rand));
  const rel = fromColumns({ x0: cols[0], x1: cols[1], x2: cols[2], x3: cols[3], y });
  const X = rel.toMatrix(['x0', 'x1', 'x2', 'x3'], { intercept: true });
  const Y = rel.toMatrix(['y']);
  const Xr: Rows = Array.from({ length: n }, (_, i) => [...cols.map((c) => c[i]), 1]);
  const Yr: Rows = y.map((v) => [v]);

  it('recovers planted coefficients (n=500, d=4 + intercept, noise sd 0.01)', async () => {
    const beta = await collect(linearRegression(X, Y));
    expect([beta.rows, beta.cols]).toEqual([5, 1]);
    // Standard error ≈ 0.01/√500 ≈ 5e-4 per coefficient; 5e-3 is 10 standard errors.
    expectRowsClose(beta, [...planted, b0].map((b) => [b]), 5e-3);
  });

  it('equals the closed form (XᵀX + λI)⁻¹Xᵀy computed by the reference, and lstsq', async () => {
    for (const ridge of [0, 0.5, 25]) {
      const expected = ref.ridgeClosedForm(Xr, Yr, ridge);
      const tol = 1e-10 * maxAbs(expected) * 5;
      expectRowsClose(await collect(linearRegression(X, Y, { ridge })), expected, tol, `ridge ${ridge}`);
      expectRowsClose(await collect(X.lstsq(Y, ridge)), expected, tol, `lstsq ridge ${ridge}`);
    }
  });

  it('works on float32 features and after a relational filter', async () => {
    const X32 = rel.toMatrix(['x0', 'x1', 'x2', 'x3'], { intercept: true, dtype: 'float32' });
    const Y32 = rel.toMatrix(['y'], { dtype: 'float32' });
    const beta32 = linearRegression(X32, Y32);
    expect(beta32.dtype).toBe('float32');
    const b = await collect(beta32);
    expect(b.data).toBeInstanceOf(Float32Array);
    expectRowsClose(b, ref.ridgeClosedForm(ref.fround(Xr), ref.fround(Yr)), 1e-4 * 3);

    const kept = rel.filter((r) => r.x0.gt(0));
    const idx = cols[0].map((v, i) => (v > 0 ? i : -1)).filter((i) => i >= 0);
    const beta = await collect(linearRegression(kept.toMatrix(['x0', 'x1', 'x2', 'x3'], { intercept: true }), kept.toMatrix(['y'])));
    expectRowsClose(beta, ref.ridgeClosedForm(idx.map((i) => Xr[i]), idx.map((i) => Yr[i])), 1e-9);
  });

  it('predictions next to their rows match Xβ', async () => {
    const beta = linearRegression(X, Y);
    const b = rowsOf(await collect(beta));
    const rows = await rel.withMatrixColumns(X.matmul(beta), ['prediction']).collectRows();
    rows.forEach((r, i) => expect(r.prediction as number).toBeCloseTo(ref.matmul([Xr[i]], b)[0][0], 10));
  });
});

describe('logisticRegression', () => {
  /** n points in d features plus intercept; labels from a logistic model (so: noisy, not separable). */
  function dataset(n: number, w: number[], seed: number, flip = 0) {
    const rand = rng(seed);
    const feats = w.slice(0, -1).map(() => Array.from({ length: n }, () => gaussian(rand)));
    const label = Array.from({ length: n }, (_, i) => {
      const z = w[w.length - 1] + feats.reduce((s, f, j) => s + w[j] * f[i], 0);
      const clean = z > 0 ? 1 : 0;
      return rand() < flip ? 1 - clean : clean;
    });
    const columns: Record<string, number[]> = { label };
    feats.forEach((f, j) => (columns[`f${j}`] = f));
    const rel = fromColumns(columns);
    const names = feats.map((_, j) => `f${j}`);
    const X: Matrix<number, number> = rel.toMatrix(names, { intercept: true });
    const y: Matrix<number, 1> = rel.toMatrix(['label']);
    const Xr: Rows = Array.from({ length: n }, (_, i) => [...feats.map((f) => f[i]), 1]);
    const yr: Rows = label.map((v) => [v]);
    return { X, y, Xr, yr };
  }

  it('the mean log-loss decreases at every step for a small step size, and each step is the reference step', async () => {
    const { X, y, Xr, yr } = dataset(200, [1.5, -2, 0.5, 0.3], 11, 0.1);
    const rate = 0.1;
    let previous = Infinity;
    let w: Rows = Xr[0].map(() => [0]);
    for (let s = 0; s <= 10; s++) {
      const ws = await collect(logisticRegression(X, y, { steps: s, learningRate: rate }));
      expect([ws.rows, ws.cols]).toEqual([4, 1]);
      if (s > 0) w = ref.logisticStep(Xr, yr, w, rate);
      expectRowsClose(ws, w, 1e-12, `weights after ${s} steps`);
      const loss = ref.logLoss(Xr, yr, rowsOf(ws));
      if (s === 0) expect(loss).toBeCloseTo(Math.log(2), 14);
      expect(loss, `loss after ${s} steps`).toBeLessThan(previous);
      previous = loss;
    }
  });

  it('the default step count and rate are 20 steps of 0.1', async () => {
    const { X, y, Xr, yr } = dataset(50, [1, 0.2], 3, 0.2);
    let w: Rows = [[0], [0]];
    for (let s = 0; s < 20; s++) w = ref.logisticStep(Xr, yr, w, 0.1);
    expectRowsClose(await collect(logisticRegression(X, y)), w, 1e-12);
  });

  it('weights are float32 only when X and y both are', async () => {
    const { Xr, yr } = dataset(60, [1, -0.5, 0.2], 21, 0.1);
    const cols = { a: Xr.map((r) => r[0]), b: Xr.map((r) => r[1]), label: yr.map((r) => r[0]) };
    const rel = fromColumns(cols);
    let w: Rows = [[0], [0], [0]];
    for (let s = 0; s < 5; s++) w = ref.logisticStep(Xr, yr, w, 0.5);
    for (const [xd, yd] of [['float32', 'float32'], ['float32', 'float64'], ['float64', 'float32'], ['float64', 'float64']] as const) {
      const plan = logisticRegression(rel.toMatrix(['a', 'b'], { intercept: true, dtype: xd }), rel.toMatrix(['label'], { dtype: yd }), { steps: 5, learningRate: 0.5 });
      const want = xd === 'float32' && yd === 'float32' ? 'float32' : 'float64';
      expect(plan.dtype, `${xd} X, ${yd} y`).toBe(want);
      const out = await collect(plan);
      expect(out.data, `${xd} X, ${yd} y`).toBeInstanceOf(want === 'float32' ? Float32Array : Float64Array);
      expectRowsClose(out, w, xd === 'float32' ? 1e-5 : 1e-12, `${xd} X, ${yd} y`);
    }
  });

  it('on separable-with-noise data it reaches the optimum found by a reference Newton method', async () => {
    const { X, y, Xr, yr } = dataset(400, [2, -3, 0.5], 7, 0.1);
    const optimum = ref.logisticNewton(Xr, yr, 40);
    const best = ref.logLoss(Xr, yr, optimum);
    // Newton converged: its gradient vanishes.
    const residual = ref.matmul(Xr, optimum).map((r, i) => [ref.sigmoid(r[0]) - yr[i][0]]);
    expect(maxAbs(ref.crossprod(Xr, residual))).toBeLessThan(1e-9);

    const w = await collect(logisticRegression(X, y, { steps: 1500, learningRate: 2 }));
    const loss = ref.logLoss(Xr, yr, rowsOf(w));
    expect(loss - best).toBeGreaterThanOrEqual(-1e-12);
    expect(loss - best).toBeLessThan(1e-8);
    expectRowsClose(w, optimum, 1e-3 * maxAbs(optimum));

    // Probabilities from the fitted weights.
    const p = rowsOf(await collect(predictProbabilities(X, matrix(rowsOf(w)) as Matrix<number, 1>)));
    p.forEach((r, i) => expect(r[0]).toBeCloseTo(ref.sigmoid(ref.matmul([Xr[i]], optimum)[0][0]), 4));
  });
});

describe('iterate', () => {
  it('runs the body the given number of times, from the initial state (0 times: the initial state)', async () => {
    const init = matrix([[1, -2], [0.5, 3]]);
    for (const n of [0, 1, 2, 7]) {
      const out = await collect(iterate(init, n, (s) => s.scale(2).add(1)));
      let expected: Rows = [[1, -2], [0.5, 3]];
      for (let i = 0; i < n; i++) expected = ref.map(expected, (v) => 2 * v + 1);
      expectRowsClose(out, expected, 0, `${n} iterations`);
    }
  });

  it('closes over other matrices and nests', async () => {
    const A = [[0.5, 0.1], [0.2, 0.3]];
    const b = [[1], [2]];
    // Outer: x ← A·x + b, with an inner loop adding 0.25 twice per outer step.
    const start: Matrix<number, 1> = matrix([[0], [0]]);
    const plan = iterate(start, 4, (x) => iterate(matrix(A).matmul(x).add(matrix(b)), 2, (z) => z.add(0.25)));
    let x: Rows = [[0], [0]];
    for (let i = 0; i < 4; i++) x = ref.map(ref.elementwise('add', ref.matmul(A, x), b), (v) => v + 0.5);
    expectRowsClose(await collect(plan), x, 1e-14);
  });

  it('a body that changes the state’s shape or dtype is rejected while planning', () => {
    const init = matrix([[1, 2]]);
    expect(() => iterate(init, 2, (s) => s.matmul(matrix([[1], [1]])) as never)).toThrow(ShapeError);
    expect(() => iterate(matrix([[1, 2]], { dtype: 'float32' }), 2, (s) => s.add(matrix([[1, 1]])))).toThrow(ShapeError);
    expect(() => iterate(init, -1, (s) => s)).toThrow(PlanError);
  });
});

describe('kmeans', () => {
  /** Reference Lloyd: nearest centroid by squared distance (first on ties), mean of its rows, an empty cluster keeps its centroid. */
  function lloyd(x: Rows, init: Rows, iterations: number): Rows {
    let c = init.map((r) => [...r]);
    for (let it = 0; it < iterations; it++) {
      const sums = c.map((r) => r.map(() => 0));
      const counts = c.map(() => 0);
      for (const p of x) {
        let best = 0;
        let bestD = Infinity;
        c.forEach((q, k) => {
          const d = q.reduce((s, v, j) => s + (p[j] - v) ** 2, 0);
          if (d < bestD) {
            bestD = d;
            best = k;
          }
        });
        counts[best] += 1;
        p.forEach((v, j) => (sums[best][j] += v));
      }
      c = c.map((q, k) => (counts[k] > 0 ? sums[k].map((s) => s / counts[k]) : q));
    }
    return c;
  }

  const centres = [
    [0, 0],
    [9, 1],
    [2, 10],
  ];
  const sizes = [40, 55, 70];
  const rand = rng(99);
  const points: { blob: number; p: number[] }[] = [];
  centres.forEach((c, b) => {
    for (let i = 0; i < sizes[b]; i++) points.push({ blob: b, p: c.map((v) => v + 0.5 * gaussian(rand)) });
  });
  // Shuffle so blobs are interleaved.
  for (let i = points.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [points[i], points[j]] = [points[j], points[i]];
  }
  const rel = fromColumns({ id: Int32Array.from(points.map((_, i) => i)), a: points.map((q) => q.p[0]), b: points.map((q) => q.p[1]) });
  const X = rel.toMatrix(['a', 'b']);
  const blobMeans = centres.map((_, b) => {
    const mine = points.filter((q) => q.blob === b);
    return [0, 1].map((j) => mine.reduce((s, q) => s + q.p[j], 0) / mine.length);
  });

  it('finds the 3 centres of well-separated blobs (up to permutation), and labels blobs consistently', async () => {
    // k-means from a bad start (two seeds in one blob) may stop in a local optimum; take the
    // first seed whose sampled start has one row per blob, so the known answer is the blob means.
    let seed = -1;
    for (let s = 0; s < 50 && seed < 0; s++) {
      const start = rowsOf(await collect(X.sampleRows(3, s)));
      const blobs = start.map((r) => points.findIndex((q) => q.p[0] === r[0] && q.p[1] === r[1])).map((i) => points[i].blob);
      if (new Set(blobs).size === 3) seed = s;
    }
    expect(seed).toBeGreaterThanOrEqual(0);

    const C = kmeans(X, { k: 3, iterations: 10, seed });
    expect(C.shape).toEqual({ rows: 3, cols: 2 });
    const found = rowsOf(await collect(C));
    const order = blobMeans.map((m) => found.findIndex((f) => Math.hypot(f[0] - m[0], f[1] - m[1]) < 1));
    expect(new Set(order).size).toBe(3);
    expectRowsClose(order.map((k) => found[k]), blobMeans, 1e-9);

    const ids = rowsOf(await collect(clusterIds(kmeansAssignment(X, C))));
    expect(ids.length).toBe(points.length);
    points.forEach((q, i) => expect(ids[i][0], `point ${i} of blob ${q.blob}`).toBe(order[q.blob]));

    // The same labels next to the ids in the relation.
    const labelled = await rel.withMatrixColumns(clusterIds(kmeansAssignment(X, C)), ['cluster']).collectRows();
    labelled.forEach((r) => expect(r.cluster).toBe(order[points[r.id as number].blob]));
  });

  it('matches a reference Lloyd iteration from the same start on unstructured data', async () => {
    const r2 = rng(5);
    const x = Array.from({ length: 61 }, () => [r2() * 4, r2() * 4, r2()]);
    const m = matrix(x);
    for (const [k, iterations, seed] of [[4, 1, 0], [4, 6, 1], [7, 12, 2]] as const) {
      const init = rowsOf(await collect(m.sampleRows(k, seed)));
      const expected = lloyd(x, init, iterations);
      expectRowsClose(await collect(kmeans(m, { k, iterations, seed })), expected, 1e-9, `k=${k}, ${iterations} iterations`);
    }
  });

  it('an empty cluster keeps its centroid', async () => {
    // Three copies of one point: any 3 sampled rows include it twice, and the second copy
    // of that centroid never wins a row (ties go to the first), so it stays empty.
    const x = [
      [5, 5],
      [5, 5],
      [5, 5],
      [20, -3],
    ];
    for (const seed of [0, 1, 2, 3, 4, 5]) {
      const init = rowsOf(await collect(matrix(x).sampleRows(3, seed)));
      const C = rowsOf(await collect(kmeans(matrix(x), { k: 3, iterations: 3, seed })));
      expectRowsClose(C, lloyd(x, init, 3), 1e-12, `seed ${seed}`);
      // Every centroid is a data point: none moved to the origin or to NaN.
      for (const c of C) expect(x.some((p) => p[0] === c[0] && p[1] === c[1]), `centroid ${c}`).toBe(true);
      expect(C.filter((c) => c[0] === 5 && c[1] === 5).length).toBeGreaterThanOrEqual(2);
    }
  });

  it('k larger than the row count is rejected while planning', () => {
    expect(() => kmeans(matrix([[1, 2], [3, 4]]), { k: 3 })).toThrow(/sampleRows/);
  });
});
