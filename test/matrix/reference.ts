/**
 * Obviously-correct float64 reference implementations for the matrix-plan tests:
 * naive loops over number[][] (row-major arrays of rows), no blocking, no tricks.
 * The seeded generator and the textbook Gauss–Jordan solve are shared with the
 * kernel tests (test/kernels/matrix/reference.ts).
 */
import { expect } from 'vitest';
import type { DenseMatrix, MatrixResultValue } from '../../src/index.js';
import { refSolve, rng } from '../kernels/matrix/reference.js';

export { rng };

export type Rows = number[][];

// ---------------------------------------------------------------- inputs

/** Uniform entries in [lo, hi). */
export function uniform(rows: number, cols: number, rand: () => number, lo = -1, hi = 1): Rows {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => lo + (hi - lo) * rand()));
}

/** Standard normal by Box–Muller. */
export function gaussian(rand: () => number): number {
  const u = 1 - rand();
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export function normal(rows: number, cols: number, rand: () => number, sd = 1): Rows {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => sd * gaussian(rand)));
}

/** Each entry rounded to float32, so float32 plans and the float64 reference see the same inputs. */
export function fround(a: Rows): Rows {
  return a.map((r) => r.map((v) => Math.fround(v)));
}

/** Random symmetric positive definite n×n: MᵀM + n·I (well conditioned). */
export function spd(n: number, rand: () => number): Rows {
  const m = uniform(n, n, rand);
  const a = crossprod(m);
  for (let i = 0; i < n; i++) a[i][i] += n;
  return a;
}

/** Random non-symmetric, diagonally dominated (so well conditioned) n×n. */
export function general(n: number, rand: () => number): Rows {
  const a = uniform(n, n, rand);
  for (let i = 0; i < n; i++) a[i][i] += n * (i % 2 === 0 ? 1 : -1);
  return a;
}

// ---------------------------------------------------------------- conversions

export function shapeOf(a: Rows): [number, number] {
  return [a.length, a[0]?.length ?? 0];
}

/** A collected plan result as rows. */
export function rowsOf(m: MatrixResultValue): Rows {
  return Array.from({ length: m.rows }, (_, i) => Array.from({ length: m.cols }, (_, j) => m.get(i, j)));
}

function toDense(a: Rows): DenseMatrix {
  const [r, c] = shapeOf(a);
  const data = new Float64Array(r * c);
  a.forEach((row, i) => data.set(row, i * c));
  return { rows: r, cols: c, data };
}

function fromDense(m: DenseMatrix): Rows {
  return Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
}

// ---------------------------------------------------------------- products

export function matmul(a: Rows, b: Rows): Rows {
  const [m, k] = shapeOf(a);
  const n = shapeOf(b)[1];
  if (b.length !== k) throw new Error(`reference matmul: ${m}×${k} by ${b.length}×${n}`);
  const c: Rows = [];
  for (let i = 0; i < m; i++) {
    c.push([]);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i][p] * b[p][j];
      c[i].push(s);
    }
  }
  return c;
}

export function transpose(a: Rows): Rows {
  const [m, n] = shapeOf(a);
  return Array.from({ length: n }, (_, j) => Array.from({ length: m }, (_, i) => a[i][j]));
}

/** AᵀB (AᵀA without b). */
export function crossprod(a: Rows, b: Rows = a): Rows {
  return matmul(transpose(a), b);
}

export function identity(n: number): Rows {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
}

// ---------------------------------------------------------------- element-wise

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'min' | 'max';

export const BINARY: Record<BinaryOp, (x: number, y: number) => number> = {
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => x * y,
  div: (x, y) => x / y,
  min: (x, y) => Math.min(x, y),
  max: (x, y) => Math.max(x, y),
};

/** a ⊙ b with b of a's shape, 1×n, m×1, 1×1, or a plain number. */
export function elementwise(op: BinaryOp, a: Rows, b: Rows | number): Rows {
  const f = BINARY[op];
  return a.map((row, i) =>
    row.map((x, j) => {
      if (typeof b === 'number') return f(x, b);
      const bi = b.length === 1 ? 0 : i;
      const bj = b[0].length === 1 ? 0 : j;
      return f(x, b[bi][bj]);
    }),
  );
}

export function map(a: Rows, f: (x: number) => number): Rows {
  return a.map((r) => r.map(f));
}

/** Numerically naive but exact-in-float64 logistic; the reference for sigmoid. */
export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

// ---------------------------------------------------------------- reductions

export function rowSums(a: Rows): Rows {
  return a.map((r) => [r.reduce((s, v) => s + v, 0)]);
}

export function colSums(a: Rows): Rows {
  const [m, n] = shapeOf(a);
  const out = new Array<number>(n).fill(0);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j] += a[i][j];
  return [out];
}

export function total(a: Rows): number {
  return a.reduce((s, r) => s + r.reduce((t, v) => t + v, 0), 0);
}

// ---------------------------------------------------------------- linear algebra

/** X with A·X = B by textbook Gauss–Jordan with partial pivoting (shared with the kernel tests). */
export function solve(a: Rows, b: Rows): Rows {
  return fromDense(refSolve(toDense(a), toDense(b)));
}

export function inverse(a: Rows): Rows {
  return solve(a, identity(a.length));
}

/** argmin ‖Xβ − Y‖² + λ‖β‖² in closed form: (XᵀX + λI)⁻¹ XᵀY. */
export function ridgeClosedForm(x: Rows, y: Rows, lambda = 0): Rows {
  const g = crossprod(x);
  for (let i = 0; i < g.length; i++) g[i][i] += lambda;
  return matmul(inverse(g), crossprod(x, y));
}

export function diag(v: Rows): Rows {
  return v.map((_, i) => v.map((__, j) => (i === j ? v[i][0] : 0)));
}

/** Per row, 1 at the first smallest entry; NaN is never the smallest (an all-NaN row marks column 0). */
export function nearest(a: Rows): Rows {
  return a.map((row) => {
    const finiteOrInf = row.map((v, j) => [v, j] as const).filter(([v]) => !Number.isNaN(v));
    let best = finiteOrInf.length > 0 ? finiteOrInf[0][1] : 0;
    for (const [v, j] of finiteOrInf) if (v < row[best]) best = j;
    return row.map((_, j) => (j === best ? 1 : 0));
  });
}

export function hstack(...ms: Rows[]): Rows {
  return ms[0].map((_, i) => ms.flatMap((m) => m[i]));
}

// ---------------------------------------------------------------- learners

/** Mean logistic loss of weights w on X (n×d), y (n×1 of 0/1). */
export function logLoss(x: Rows, y: Rows, w: Rows): number {
  let s = 0;
  const z = matmul(x, w);
  for (let i = 0; i < x.length; i++) {
    const t = z[i][0];
    // log(1 + e^t) − y·t, stable for large |t|.
    s += Math.max(t, 0) + Math.log1p(Math.exp(-Math.abs(t))) - y[i][0] * t;
  }
  return s / x.length;
}

/** The gradient step of logisticRegression, in plain loops: w − rate·Xᵀ(σ(Xw) − y)/n. */
export function logisticStep(x: Rows, y: Rows, w: Rows, rate: number): Rows {
  const residual = matmul(x, w).map((r, i) => [sigmoid(r[0]) - y[i][0]]);
  const g = crossprod(x, residual);
  return w.map((r, j) => [r[0] - (rate * g[j][0]) / x.length]);
}

/** Newton's method for (optionally L2-regularized) logistic regression: the reference optimum. */
export function logisticNewton(x: Rows, y: Rows, iterations = 30, l2 = 0): Rows {
  const n = x.length;
  const d = x[0].length;
  let w: Rows = Array.from({ length: d }, () => [0]);
  for (let it = 0; it < iterations; it++) {
    const p = matmul(x, w).map((r) => sigmoid(r[0]));
    const grad: Rows = Array.from({ length: d }, (_, j) => [x.reduce((s, row, i) => s + row[j] * (p[i] - y[i][0]), 0) / n + l2 * w[j][0]]);
    const h: Rows = Array.from({ length: d }, (_, a) => Array.from({ length: d }, (_, b) => x.reduce((s, row, i) => s + row[a] * row[b] * p[i] * (1 - p[i]), 0) / n + (a === b ? l2 : 0)));
    const step = solve(h, grad);
    w = w.map((r, j) => [r[0] - step[j][0]]);
  }
  return w;
}

// ---------------------------------------------------------------- assertions

export function maxAbs(a: Rows | readonly number[]): number {
  let m = 0;
  for (const v of (a as unknown[]).flat(2) as number[]) m = Math.max(m, Math.abs(v));
  return m;
}

/**
 * Same shape, and max |actual − expected| ≤ tol, reporting the worst entry. NaN
 * must sit where the reference has NaN, and ±Infinity must match exactly.
 */
export function expectRowsClose(actual: Rows | MatrixResultValue, expected: Rows, tol: number, what = ''): void {
  const a = Array.isArray(actual) ? actual : rowsOf(actual as MatrixResultValue);
  expect(shapeOf(a), `${what} shape`).toEqual(shapeOf(expected));
  let worst = 0;
  let at = '';
  for (let i = 0; i < expected.length; i++) {
    for (let j = 0; j < expected[i].length; j++) {
      const x = a[i][j];
      const e = expected[i][j];
      if (Number.isNaN(e) || !Number.isFinite(e)) {
        expect(x, `${what} (${i}, ${j})`).toBe(e);
        continue;
      }
      const d = Math.abs(x - e);
      if (!(d <= worst)) {
        worst = Number.isNaN(d) ? Infinity : d;
        at = `(${i}, ${j}): ${x} vs ${e}`;
      }
    }
  }
  expect(worst, `${what} max |diff| at ${at} (tol ${tol})`).toBeLessThanOrEqual(tol);
}

/** Tolerance for a float64 result built from k-term sums of products of magnitude `scale`. */
export function tolF64(k: number, scale: number): number {
  return 1e-10 * Math.max(k, 1) * Math.max(scale, 1e-300);
}

/** Tolerance for a float32 result: ~1e-4 relative of the largest term. */
export function tolF32(k: number, scale: number): number {
  return 1e-4 * Math.max(1, Math.sqrt(k)) * Math.max(scale, 1e-30);
}
