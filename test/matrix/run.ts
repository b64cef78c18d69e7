/**
 * Runs a matrix plan the way users do (`collect()`, optimizer on) and also as
 * built (`{ optimize: false }`), and checks the two agree: every reference
 * comparison in these tests then covers both the operators and the rewrites.
 */
import { expect } from 'vitest';
import type { Matrix, MatrixResultValue } from '../../src/index.js';

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i])) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** The optimized result, after checking the unoptimized plan gives the same shape, dtype and (within rounding) values. */
export async function collect(m: Matrix<number, number>): Promise<MatrixResultValue> {
  const optimized = await m.collect();
  const plain = await m.collect({ optimize: false });
  expect([optimized.rows, optimized.cols], 'optimized vs as-built shape').toEqual([plain.rows, plain.cols]);
  expect(optimized.data.constructor, 'optimized vs as-built dtype').toBe(plain.data.constructor);
  expect(optimized.columnNames, 'optimized vs as-built column names').toEqual(plain.columnNames);
  const tol = (plain.data instanceof Float32Array ? 1e-4 : 1e-9) * Math.max(1, maxAbs(plain.data));
  for (let i = 0; i < plain.data.length; i++) {
    const a = optimized.data[i];
    const b = plain.data[i];
    if (Number.isNaN(b) || !Number.isFinite(b)) expect(a, `optimized vs as-built at flat index ${i}`).toBe(b);
    else if (!(Math.abs(a - b) <= tol)) expect.fail(`optimized vs as-built differ at flat index ${i}: ${a} vs ${b} (tol ${tol})`);
  }
  return optimized;
}
