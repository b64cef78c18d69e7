/**
 * Minimal repros of the optimizer bugs the generated pipelines found
 * (test/optimizer/whole/generate.ts), kept as regression tests.
 */
import { describe, expect, it } from 'vitest';
import { type Matrix, fromColumns, lit, optimize, planDigest } from '../../../src/index.js';
import { expectSameResult, planText } from '../../support/plans.js';

type Mat = Matrix<number, number>;

const t = fromColumns({ id: Int32Array.from([1, 2]), x: Float64Array.from([1, 2]) });

describe('plan digests tell -0 from 0 (generator: unionAll of twins, e.g. seeds 539, 905 of TESSERA_FUZZ_CASES=1000)', () => {
  // x / 0 = +∞ and x / −0 = −∞ (x > 0), so q is true on one side and false on the other; but both
  // literals print, and digest, as "0": CSE (R13) and projection pushdown (which rebuilds subplans
  // by digest) make the two sides one.
  const plus = t.select((r) => ({ id: r.id, q: r.x.div(lit(0, 'float64')).gt(0) }));
  const minus = t.select((r) => ({ id: r.id, q: r.x.div(lit(-0, 'float64')).gt(0) }));

  it('relational literals: the two projections have different digests', () => {
    expect(planDigest(minus.plan)).not.toBe(planDigest(plus.plan));
  });

  it('relational literals: (x / 0 > 0) ∪ (x / −0 > 0) keeps its false rows through the optimizer', async () => {
    const plan = plus.unionAll(minus).plan;
    const after = optimize(plan);
    await expectSameResult(plan, after.plan, { tolerance: 0 }).catch((e: Error) => {
      throw new Error(`${e.message}\nbefore:\n${planText(plan)}\nafter (${after.trace.map((f) => f.rule).join(', ')}):\n${planText(after.plan)}`);
    });
  });

  it('matrix map parameters: X / scale(X, 0) next to X / scale(X, −0) keeps its −∞ column', async () => {
    const X = t.toMatrix(['x']) as Mat;
    const m = X.div(X.scale(0)).hstack(X.div(X.scale(-0)));
    expect(planDigest(X.scale(-0).plan)).not.toBe(planDigest(X.scale(0).plan));
    const after = optimize(m.plan);
    await expectSameResult(m.plan, after.plan, { tolerance: 0 }).catch((e: Error) => {
      throw new Error(`${e.message}\nbefore:\n${planText(m.plan)}\nafter (${after.trace.map((f) => f.rule).join(', ')}):\n${planText(after.plan)}`);
    });
  });
});

describe('matrix column names survive the optimizer (generator: seed 150)', () => {
  it('(Xᵀ)ᵀ folded by R12 keeps the names of the plan as built', () => {
    // As built, a transpose names its columns c0, c1, ...; (Xᵀ)ᵀ is c0, c1, and collect()
    // returns those with the optimizer off. R12 returns X itself, named a, b.
    const X = t.toMatrix(['id', 'x']) as Mat;
    const m = X.transpose().transpose();
    const after = optimize(m.plan);
    expect(after.plan.output.kind === 'matrix' && after.plan.output.columnNames).toEqual(m.columnNames);
  });
});
