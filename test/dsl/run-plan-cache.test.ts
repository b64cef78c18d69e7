/**
 * collect() plans once per pipeline and optimizer options (src/dsl/run.ts): the same plan
 * object runs again, and other options get their own plan.
 */
import { describe, expect, it } from 'vitest';
import { planToRun } from '../../src/dsl/run.js';
import { fromColumns } from '../../src/index.js';

describe('optimized plan cache', () => {
  const rel = fromColumns({ x: Float64Array.of(1, 2, 3), y: Float64Array.of(4, 5, 6) }, { name: 't' });
  const m = rel.toMatrix(['x', 'y']).matmul(rel.toMatrix(['x', 'y']).crossprod()).colSums();

  it('returns the same optimized plan for the same options, a separate one for others', () => {
    const first = planToRun(m.plan);
    expect(planToRun(m.plan)).toBe(first);
    expect(planToRun(m.plan, { optimize: {} })).toBe(first);
    const without = planToRun(m.plan, { optimize: { disabled: ['r4-sums-through-products'] } });
    expect(without).not.toBe(first);
    expect(planToRun(m.plan, { optimize: { disabled: ['r4-sums-through-products'] } })).toBe(without);
    expect(planToRun(m.plan, { optimize: false })).toBe(m.plan);
  });

  it('gives the same result from the cached plan', async () => {
    const a = await m.collect();
    const b = await m.collect();
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
  });
});
