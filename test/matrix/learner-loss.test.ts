/**
 * `reportLoss`: an iterative learner's final loss comes from the run that fits it. The
 * loss is a plan over the loop's result in the same plan (a LoopLoss operator), so the
 * loop runs once; the report carries the same number a separate logisticLoss /
 * kmeansInertia plan gives, and it equals a plain-JavaScript loss of the returned
 * weights or centroids.
 */
import { describe, expect, it } from 'vitest';
import { execute } from '../../src/exec/execute.js';
import { planToRun } from '../../src/dsl/run.js';
import { type PlanNode, fromColumns, kmeans, kmeansInertia, logisticLoss, logisticRegression } from '../../src/index.js';
import { postOrderOf } from '../../src/plan/walk.js';
import { gaussian, rng } from './reference.js';

const MODES = [{}, { optimize: false }] as const;

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** How many times each loop of the plan that runs under `options` ran, from the executor's own figures. */
async function loopRuns(plan: PlanNode, options: { optimize?: false }): Promise<number[]> {
  const run = planToRun(plan, options);
  const { stats } = await execute(run);
  return postOrderOf(run, (n) => n.inputs)
    .filter((n) => n.kind === 'loop')
    .map((n) => stats.get(n)?.runs ?? 0);
}

describe('logisticRegression({ reportLoss: true })', () => {
  const rand = rng(23);
  const n = 300;
  const a = Array.from({ length: n }, () => gaussian(rand));
  const b = Array.from({ length: n }, () => gaussian(rand));
  const label = a.map((x, i) => (0.7 * x - b[i] + gaussian(rand) > 0 ? 1 : 0));
  const rel = fromColumns({ a, b, label });
  const X = rel.toMatrix(['a', 'b'], { intercept: true });
  const y = rel.toMatrix(['label']);
  const rows = a.map((x, i) => [x, b[i], 1]);
  const options = { steps: 500, learningRate: 0.5, tolerance: 1e-4 };

  for (const mode of MODES) {
    it(`reports the final mean log-loss from the one run of the loop (${JSON.stringify(mode)})`, async () => {
      const fitted = logisticRegression(X, y, { ...options, reportLoss: true });
      const fit = await fitted.collect(mode);
      // One loop, run once: one report, and the executor ran the Loop operator once.
      expect(fit.loops).toHaveLength(1);
      expect(await loopRuns(fitted.plan, mode)).toEqual([1]);
      const report = fit.loops[0];
      expect(report).toMatchObject({ operator: 'logisticRegression', objective: 'mean log-loss', converged: true });
      expect(report.steps).toBeLessThan(500);

      // The reference: the mean log-loss of the returned weights, in plain JavaScript.
      const w = Array.from(fit.data);
      const expected = -rows.reduce((s, x, i) => s + Math.log(label[i] ? sigmoid(x[0] * w[0] + x[1] * w[1] + x[2] * w[2]) : 1 - sigmoid(x[0] * w[0] + x[1] * w[1] + x[2] * w[2])), 0) / n;
      expect(report.loss).toBeCloseTo(expected, 12);

      // The same weights as without reportLoss, and the same loss, bit for bit, as the separate plan of before.
      const plain = logisticRegression(X, y, options);
      expect(Array.from((await plain.collect(mode)).data)).toEqual(w);
      expect(report.loss).toBe((await logisticLoss(X, y, plain).collect(mode)).data[0]);
    });
  }

  it('a separate loss plan beside the fit runs the loop a second time (what reportLoss avoids)', async () => {
    const plain = logisticRegression(X, y, options);
    const fit = await plain.collect();
    const loss = await logisticLoss(X, y, plain).collect();
    expect(fit.loops.length + loss.loops.length).toBe(2);
  });

  it('reports no loss unless asked', async () => {
    const fit = await logisticRegression(X, y, { steps: 3 }).collect();
    expect(fit.loops[0].loss).toBeUndefined();
    expect(fit.loops[0].objective).toBeUndefined();
  });

  it('explain shows the LoopLoss operator over the loop', () => {
    const text = logisticRegression(X, y, { steps: 3, reportLoss: true }).explain();
    expect(text).toMatch(/LoopLoss L\d+: mean log-loss/);
  });
});

describe('kmeans({ reportLoss: true })', () => {
  const rand = rng(31);
  const centres = [[0, 0], [6, 6], [-6, 5]];
  const points = Array.from({ length: 240 }, (_, i) => centres[i % 3].map((c) => c + gaussian(rand)));
  const X = fromColumns({ x: points.map((p) => p[0]), y: points.map((p) => p[1]) }).toMatrix(['x', 'y']);

  for (const mode of MODES) {
    it(`reports the final inertia from the one run of the loop (${JSON.stringify(mode)})`, async () => {
      const fitted = kmeans(X, { k: 3, iterations: 50, seed: 4, reportLoss: true });
      const fit = await fitted.collect(mode);
      expect(fit.loops).toHaveLength(1);
      expect(await loopRuns(fitted.plan, mode)).toEqual([1]);
      expect(fit.loops[0]).toMatchObject({ operator: 'kmeans', objective: 'inertia', converged: true });

      // The reference: each point's squared distance to its nearest returned centroid, summed.
      const C = Array.from({ length: 3 }, (_, i) => [fit.get(i, 0), fit.get(i, 1)]);
      const expected = points.reduce((s, p) => s + Math.min(...C.map((q) => (p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2)), 0);
      expect(fit.loops[0].loss).toBeCloseTo(expected, 8);

      const plain = kmeans(X, { k: 3, iterations: 50, seed: 4 });
      expect(Array.from((await plain.collect(mode)).data)).toEqual(Array.from(fit.data));
      expect(fit.loops[0].loss).toBe((await kmeansInertia(X, plain).collect(mode)).data[0]);
    });
  }

  it("each fit reports its own result's loss: a second Lloyd step never raises the inertia", async () => {
    const fit = await kmeans(X, { k: 3, iterations: 1, seed: 4, reportLoss: true }).collect();
    const longer = await kmeans(X, { k: 3, iterations: 2, seed: 4, reportLoss: true }).collect();
    expect(longer.loops[0].loss).toBeLessThan(fit.loops[0].loss!);
  });
});
