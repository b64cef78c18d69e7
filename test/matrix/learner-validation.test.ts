/**
 * Learners never return NaN weights: zero rows or a non-finite learning rate are a
 * typed error naming the learner and what it expected. Checked when the plan is built
 * where the value is known then (hyper-parameters; X's row count when it is known), and
 * when the plan runs where it is not (X after a filter that keeps no row).
 */
import { describe, expect, it } from 'vitest';
import { ExecutionError, NonFiniteInputError, PlanError, fromColumns, identity, kmeans, linearRegression, logisticRegression } from '../../src/index.js';

const full = fromColumns({ a: [1, 2, 3, 4], b: [0, 1, 0, 1], y: [0, 1, 1, 0] });
const X = full.toMatrix(['a', 'b']);
const Y = full.toMatrix(['y']);
const empty = fromColumns({ a: new Float64Array(0), b: new Float64Array(0), y: new Float64Array(0) });
const filtered = full.filter((r) => r.a.gt(100));

describe('learners: checks while planning', () => {
  it('a non-finite or non-positive learning rate is a PlanError naming logisticRegression', () => {
    for (const learningRate of [Infinity, -Infinity, NaN, 0, -0.1]) {
      expect(() => logisticRegression(X, Y, { learningRate }), String(learningRate)).toThrow(PlanError);
      expect(() => logisticRegression(X, Y, { learningRate }), String(learningRate)).toThrow(/^logisticRegression: expected a finite, positive learning rate/);
    }
    expect(() => logisticRegression(X, Y, { learningRate: 1e300 })).not.toThrow();
  });

  it('X with zero rows (known while planning) is a PlanError naming the learner', () => {
    const E = empty.toMatrix(['a', 'b']);
    const EY = empty.toMatrix(['y']);
    expect(E.shape.rows).toBe(0);
    const cases: [string, () => unknown][] = [
      ['linearRegression', () => linearRegression(E, EY)],
      ['linearRegression', () => linearRegression(E, EY, { ridge: 1 })],
      ['logisticRegression', () => logisticRegression(E, EY)],
      ['kmeans', () => kmeans(E, { k: 2 })],
    ];
    for (const [learner, build] of cases) {
      expect(build).toThrow(PlanError);
      expect(build).toThrow(new RegExp(`^${learner}: expected X with at least one row, got 0×2`));
    }
  });
});

describe('learners: checks while running', () => {
  const FX = filtered.toMatrix(['a', 'b']);
  const FY = filtered.toMatrix(['y']);

  it('the row count is unknown while planning, so the plans build', () => {
    expect(FX.shape.rows).toBeNull();
    expect(() => logisticRegression(FX, FY)).not.toThrow();
  });

  for (const options of [{}, { optimize: false }]) {
    it(`logisticRegression over zero rows is an ExecutionError naming it, not NaN weights (${JSON.stringify(options)})`, async () => {
      const run = logisticRegression(FX, FY, { steps: 5 }).collect(options);
      await expect(run).rejects.toThrow(ExecutionError);
      await expect(logisticRegression(FX, FY, { steps: 5 }).collect(options)).rejects.toThrow(/^logisticRegression: fitted from 0 rows; expected at least one row/);
    });

    it(`logisticRegression takes labels 0 or 1 only: an ExecutionError naming the row (${JSON.stringify(options)})`, async () => {
      for (const [labels, bad, row] of [[[0, 1, 2, 0], 2, 3], [[0, -1, 1, 1], -1, 2], [[0, 1, 1, 0.5], 0.5, 4], [[1, NaN, 0, 0], NaN, 2]] as const) {
        const t = fromColumns({ a: [1, 2, 3, 4], y: [...labels] });
        await expect(logisticRegression(t.toMatrix(['a']), t.toMatrix(['y'])).collect(options)).rejects.toThrow(
          new RegExp(`^logisticRegression: the labels y must be 0 or 1, got ${bad} at row ${row}; expected labels 0 or 1`),
        );
      }
    });

    it(`logisticRegression whose data poison the weights fails the same way (${JSON.stringify(options)})`, async () => {
      const bad = fromColumns({ a: [1, NaN, 3], y: [0, 1, 1] });
      await expect(logisticRegression(bad.toMatrix(['a']), bad.toMatrix(['y'])).collect(options)).rejects.toThrow(/^logisticRegression: the weights are not finite/);
    });

    it(`kmeans over zero rows fails drawing its centroids, an ExecutionError naming kmeans (${JSON.stringify(options)})`, async () => {
      await expect(kmeans(FX, { k: 2 }).collect(options)).rejects.toThrow(ExecutionError);
      await expect(kmeans(FX, { k: 2 }).collect(options)).rejects.toThrow(/^kmeans: cannot draw 2 initial rows from 0 rows; expected X with at least 2 rows/);
    });

    it(`linearRegression over zero rows is an ExecutionError naming it, with or without ridge (${JSON.stringify(options)})`, async () => {
      // Without the guard the ridge solve of 0·β = 0 returns zero coefficients with no error.
      await expect(linearRegression(FX, FY, { ridge: 1 }).collect(options)).rejects.toThrow(ExecutionError);
      await expect(linearRegression(FX, FY, { ridge: 1 }).collect(options)).rejects.toThrow(/^linearRegression: fitted from 0 rows; expected at least one row/);
      await expect(linearRegression(FX, FY).collect(options)).rejects.toThrow(/^linearRegression: fitted from 0 rows/);
    });

    it(`linearRegression over non-finite features or labels is a NonFiniteInputError naming it (${JSON.stringify(options)})`, async () => {
      for (const bad of [fromColumns({ a: [1, 2, 3, 4], y: [0, NaN, 1, 0] }), fromColumns({ a: [1, Infinity, 3, 4], y: [0, 1, 1, 0] })]) {
        await expect(linearRegression(bad.toMatrix(['a']), bad.toMatrix(['y'])).collect(options)).rejects.toThrow(NonFiniteInputError);
        await expect(linearRegression(bad.toMatrix(['a']), bad.toMatrix(['y']), { ridge: 1 }).collect(options)).rejects.toThrow(
          /^linearRegression: the values of Xᵀy are not finite \((NaN|Infinity) at flat index 0\); expected X and y with at least one row and finite values/,
        );
      }
    });

    it(`kmeans over non-finite features is an ExecutionError naming it (${JSON.stringify(options)})`, async () => {
      const bad = fromColumns({ a: [1, NaN, 3, 4], b: [0, 1, 0, 1] });
      await expect(kmeans(bad.toMatrix(['a', 'b']), { k: 4, iterations: 2 }).collect(options)).rejects.toThrow(/^kmeans: the centroids are not finite .*; expected X with finite values/);
    });
  }

  it('healthy fits still run (and the guard does not change their results)', async () => {
    const w = await logisticRegression(X, Y, { steps: 5 }).collect();
    expect(Array.from(w.data).every(Number.isFinite)).toBe(true);
    const c = await kmeans(X, { k: 2, iterations: 3 }).collect();
    expect([c.rows, c.cols]).toEqual([2, 2]);
    const beta = await linearRegression(X, Y, { ridge: 0.5 }).collect();
    const unguarded = await X.crossprod().add(identity(2).scale(0.5)).solve(X.crossprod(Y)).collect();
    expect(Array.from(beta.data)).toEqual(Array.from(unguarded.data));
  });
});
