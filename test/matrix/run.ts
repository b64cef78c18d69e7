/**
 * Runs a matrix plan the way users do (`collect()`, optimizer on) and also as
 * built (`{ optimize: false }`), and checks the two agree: every reference
 * comparison in these tests then covers both the operators and the rewrites. The
 * optimized plan also runs with its matrix work forced onto every other provider that
 * loads here (ONNX Runtime, TF.js), which must agree within its dtype's tolerance.
 */
import { expect } from 'vitest';
import type { Matrix, MatrixResultValue } from '../../src/index.js';
import { OTHER_PROVIDERS } from '../support/providers.js';

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i])) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function expectAgree(label: string, got: MatrixResultValue, want: MatrixResultValue, relTol: number): void {
  expect([got.rows, got.cols], `${label} shape`).toEqual([want.rows, want.cols]);
  expect(got.data.constructor, `${label} dtype`).toBe(want.data.constructor);
  expect(got.columnNames, `${label} column names`).toEqual(want.columnNames);
  const tol = relTol * Math.max(1, maxAbs(want.data));
  for (let i = 0; i < want.data.length; i++) {
    const a = got.data[i];
    const b = want.data[i];
    if (Number.isNaN(b) || !Number.isFinite(b)) expect(a, `${label} at flat index ${i}`).toBe(b);
    else if (!(Math.abs(a - b) <= tol)) expect.fail(`${label} differ at flat index ${i}: ${a} vs ${b} (tol ${tol})`);
  }
}

/** The optimized result, after checking the unoptimized plan and every other provider give the same shape, dtype and (within rounding) values. */
export async function collect(m: Matrix<number, number>): Promise<MatrixResultValue> {
  const optimized = await m.collect();
  const plain = await m.collect({ optimize: false });
  const f32 = plain.data instanceof Float32Array;
  expectAgree('optimized vs as-built', optimized, plain, f32 ? 1e-4 : 1e-9);
  for (const provider of OTHER_PROVIDERS) {
    // Native kernels sum in another order (and in float32 for float32 data): the tolerance follows the dtype.
    expectAgree(`${provider} vs js`, await m.collect({ provider }), plain, f32 ? 2e-3 : 1e-8);
  }
  return optimized;
}
