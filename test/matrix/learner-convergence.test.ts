/**
 * Iterative learners stop on a tolerance as well as a step cap, report the steps they
 * took (the collected result's `loops`), and their objectives are plans of their own
 * (logisticLoss, kmeansInertia), each checked against a plain-JavaScript reference.
 */
import { describe, expect, it } from 'vitest';
import { PlanError, SingularMatrixError, fromColumns, kmeans, kmeansInertia, linearRegression, logisticLoss, logisticRegression } from '../../src/index.js';
import { gaussian, rng } from './reference.js';

const MODES = [{}, { optimize: false }] as const;

function logisticData(n: number, seed: number) {
  const rand = rng(seed);
  const a = Array.from({ length: n }, () => gaussian(rand));
  const b = Array.from({ length: n }, () => gaussian(rand));
  const label = a.map((x, i) => (x - 0.5 * b[i] + 0.8 * gaussian(rand) > 0 ? 1 : 0));
  const rel = fromColumns({ a, b, label });
  return { rows: a.map((x, i) => [x, b[i], 1]), labels: label, X: rel.toMatrix(['a', 'b'], { intercept: true }), y: rel.toMatrix(['label']) };
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** Gradient descent as the learner documents it, with its stopping rule: the reference. */
function referenceLogistic(rows: number[][], labels: number[], steps: number, rate: number, tolerance: number) {
  let w = new Array<number>(rows[0].length).fill(0);
  let taken = 0;
  let converged = false;
  while (taken < steps && !converged) {
    const gradient = new Array<number>(w.length).fill(0);
    rows.forEach((x, i) => {
      const r = sigmoid(x.reduce((s, v, j) => s + v * w[j], 0)) - labels[i];
      x.forEach((v, j) => (gradient[j] += v * r));
    });
    const next = w.map((v, j) => v - rate * (gradient[j] / rows.length));
    const change = Math.max(...next.map((v, j) => Math.abs(v - w[j]))) / Math.max(1, ...w.map(Math.abs));
    w = next;
    taken += 1;
    converged = change <= tolerance;
  }
  return { w, taken, converged };
}

describe('logisticRegression stops on its tolerance', () => {
  const { rows, labels, X, y } = logisticData(400, 7);

  for (const options of MODES) {
    it(`takes the reference's steps and weights, and reports them (${JSON.stringify(options)})`, async () => {
      const fit = await logisticRegression(X, y, { steps: 2000, learningRate: 0.5, tolerance: 1e-5 }).collect(options);
      const ref = referenceLogistic(rows, labels, 2000, 0.5, 1e-5);
      expect(ref.converged).toBe(true);
      expect(ref.taken).toBeLessThan(2000);
      expect(fit.loops).toHaveLength(1);
      expect(fit.loops[0]).toMatchObject({ operator: 'logisticRegression', steps: ref.taken, maxSteps: 2000, converged: true });
      expect(fit.loops[0].change).toBeLessThanOrEqual(1e-5);
      Array.from(fit.data).forEach((v, j) => expect(v).toBeCloseTo(ref.w[j], 10));
    });
  }

  it('stopping early gives exactly the weights of that many steps without a tolerance to meet', async () => {
    const early = await logisticRegression(X, y, { steps: 2000, learningRate: 0.5, tolerance: 1e-4 }).collect();
    const steps = early.loops[0].steps;
    const capped = await logisticRegression(X, y, { steps, learningRate: 0.5, tolerance: 0 }).collect();
    expect(capped.loops[0]).toMatchObject({ steps, converged: false });
    expect(Array.from(capped.data)).toEqual(Array.from(early.data));
  });

  it('reports the cap when the tolerance is not met', async () => {
    const fit = await logisticRegression(X, y, { steps: 3 }).collect();
    expect(fit.loops[0]).toMatchObject({ steps: 3, maxSteps: 3, converged: false });
    expect(fit.loops[0].change).toBeGreaterThan(1e-6);
  });

  it('rejects a bad tolerance or step cap while planning, naming the learner', () => {
    for (const tolerance of [-1, NaN, Infinity]) {
      expect(() => logisticRegression(X, y, { tolerance })).toThrow(PlanError);
      expect(() => logisticRegression(X, y, { tolerance })).toThrow(/^logisticRegression: expected a finite, non-negative tolerance/);
    }
    expect(() => logisticRegression(X, y, { steps: 2.5 })).toThrow(/^logisticRegression: expected steps to be a non-negative integer, got 2.5/);
    expect(() => kmeans(X, { k: 2, iterations: -1 })).toThrow(/^kmeans: expected iterations to be a non-negative integer, got -1/);
    expect(() => kmeans(X, { k: 2, tolerance: -0.5 })).toThrow(/^kmeans: expected a finite, non-negative tolerance/);
  });

  it('logisticLoss is the mean log-loss of the weights', async () => {
    const w = logisticRegression(X, y, { steps: 50, learningRate: 0.5 });
    const weights = Array.from((await w.collect()).data);
    const loss = (await logisticLoss(X, y, w).collect()).data[0];
    const expected =
      -rows.reduce((s, x, i) => {
        const p = sigmoid(x.reduce((t, v, j) => t + v * weights[j], 0));
        return s + (labels[i] ? Math.log(p) : Math.log(1 - p));
      }, 0) / rows.length;
    expect(loss).toBeCloseTo(expected, 12);
    // A confident wrong prediction costs a large finite loss (probabilities clipped at 1e-15).
    const t = fromColumns({ a: [50], label: [0] });
    const huge = (await logisticLoss(t.toMatrix(['a']), t.toMatrix(['label']), fromColumns({ w: [1] }).toMatrix(['w'])).collect()).data[0];
    expect(huge).toBeCloseTo(-Math.log(1 - (1 - 1e-15)), 9);
  });
});

describe('kmeans stops when its centroids stop moving', () => {
  // Three separated blobs: Lloyd's steps reach a fixpoint within a few iterations.
  const rand = rng(11);
  const centres = [[0, 0], [8, 8], [-8, 6]];
  const points = Array.from({ length: 300 }, (_, i) => centres[i % 3].map((c) => c + gaussian(rand)));
  const rel = fromColumns({ x: points.map((p) => p[0]), y: points.map((p) => p[1]) });
  const X = rel.toMatrix(['x', 'y']);

  for (const options of MODES) {
    it(`reaches a fixpoint before the cap and gives exactly the capped result (${JSON.stringify(options)})`, async () => {
      const fit = await kmeans(X, { k: 3, iterations: 100, seed: 3 }).collect(options);
      expect(fit.loops[0]).toMatchObject({ operator: 'kmeans', maxSteps: 100, converged: true, change: 0 });
      expect(fit.loops[0].steps).toBeLessThan(100);
      const longer = await kmeans(X, { k: 3, iterations: 200, seed: 3 }).collect(options);
      expect(Array.from(longer.data)).toEqual(Array.from(fit.data));
    });
  }

  it('kmeansInertia is the sum of squared distances to the nearest centroid', async () => {
    const C = kmeans(X, { k: 3, iterations: 20, seed: 3 });
    const c = await C.collect();
    const inertia = (await kmeansInertia(X, C).collect()).data[0];
    const centroids = Array.from({ length: 3 }, (_, i) => [c.get(i, 0), c.get(i, 1)]);
    const expected = points.reduce((s, p) => s + Math.min(...centroids.map((q) => (p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2)), 0);
    expect(inertia).toBeCloseTo(expected, 8);
  });
});

describe('one-hot features beside an intercept', () => {
  const rel = fromColumns({ c: ['a', 'b', 'c', 'a', 'b', 'c', 'a', 'b'], x: [1, 2, 3, 4, 5, 6, 7, 9], y: [1, 2, 4, 3, 5, 7, 6, 9] });
  const Y = rel.toMatrix(['y']);

  it('a singular system from collinear one-hot columns says so and suggests the fix', async () => {
    const X = rel.toMatrix(['x', { onehot: 'c', categories: ['a', 'b', 'c'] }], { intercept: true });
    await expect(linearRegression(X, Y).collect()).rejects.toThrow(SingularMatrixError);
    await expect(linearRegression(X, Y).collect()).rejects.toThrow(
      /singular.*X's columns may be collinear: the intercept and the one-hot columns of 'c' each sum to 1 in every row with a listed category; encode one-hot features with dropFirst: true \(or reference: 'value'\), or pass a ridge penalty$/,
    );
  });

  it('dropFirst and reference leave a baseline category out, whose rows encode all-zero', async () => {
    const first = await rel.toMatrix([{ onehot: 'c', categories: ['a', 'b', 'c'], dropFirst: true }]).collect();
    expect(first.columnNames).toEqual(['c=b', 'c=c']);
    expect(Array.from(first.data).slice(0, 6)).toEqual([0, 0, 1, 0, 0, 1]);
    const ref = await rel.toMatrix([{ onehot: 'c', categories: ['a', 'b', 'c'], reference: 'b' }]).collect();
    expect(ref.columnNames).toEqual(['c=a', 'c=c']);
    // The fit then solves: its coefficients are those of a QR least-squares fit (lstsq) of the same columns.
    const X = rel.toMatrix(['x', { onehot: 'c', categories: ['a', 'b', 'c'], dropFirst: true }], { intercept: true });
    const beta = await linearRegression(X, Y).collect();
    const qr = await X.lstsq(Y).collect();
    expect(beta.rows).toBe(4);
    Array.from(beta.data).forEach((v, j) => expect(v).toBeCloseTo(qr.data[j], 9));
  });

  it('a reference that is not a category, or both options, is a PlanError naming the feature', () => {
    expect(() => rel.toMatrix([{ onehot: 'c', categories: ['a', 'b'], reference: 'z' }])).toThrow(/^toMatrix: onehot 'c': the reference category 'z' is not one of its categories \('a', 'b'\)/);
    expect(() => rel.toMatrix([{ onehot: 'c', categories: ['a', 'b'], reference: 'a', dropFirst: true }])).toThrow(/^toMatrix: onehot 'c': pass dropFirst or reference, not both/);
  });
});
