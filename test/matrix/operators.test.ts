/**
 * Every matrix operator of the plan, built with the public DSL and run with
 * collect(), against the naive float64 reference in ./reference.ts on seeded
 * random inputs of odd shapes. Tolerances scale with the inner dimension k and the
 * magnitude of the terms (1e-10·k·scale for float64, ~1e-4 relative for float32).
 */
import { describe, expect, it } from 'vitest';
import { type Matrix, NotPositiveDefiniteError, fromColumns, identity, matrix } from '../../src/index.js';
import * as ref from './reference.js';
import { collect } from './run.js';
import { type Rows, expectRowsClose, fround, maxAbs, rng, rowsOf, tolF32, tolF64, uniform } from './reference.js';

type Dt = 'float64' | 'float32';
const DTYPES: readonly Dt[] = ['float64', 'float32'];

/** A literal matrix; float32 inputs are rounded first so the reference sees the same values. */
function lit(a: Rows, dtype: Dt = 'float64'): { m: Matrix<number, number>; a: Rows } {
  const values = dtype === 'float32' ? fround(a) : a;
  return { m: matrix(values, { dtype }), a: values };
}

function tol(dtype: Dt, k: number, scale: number): number {
  return dtype === 'float32' ? tolF32(k, scale) : tolF64(k, scale);
}

function expectDtype(data: ArrayLike<number>, dtype: Dt): void {
  expect(data).toBeInstanceOf(dtype === 'float32' ? Float32Array : Float64Array);
}

// [m, k, n]: scalars, vectors, odd sizes, and sizes crossing the gemm blocking (KC = 256, NC = 512).
const PRODUCT_SHAPES: [number, number, number][] = [
  [1, 1, 1], [1, 7, 1], [3, 1, 5], [1, 9, 4], [6, 5, 1], [7, 13, 5], [65, 33, 17], [5, 300, 6], [9, 2, 530],
];

describe('matmul', () => {
  for (const [m, k, n] of PRODUCT_SHAPES) {
    for (const dtype of DTYPES) {
      it(`${m}×${k} · ${k}×${n} ${dtype}`, async () => {
        const rand = rng(m * 1009 + k * 101 + n);
        const A = lit(uniform(m, k, rand, -2, 3), dtype);
        const B = lit(uniform(k, n, rand, -1, 1), dtype);
        const product = A.m.matmul(B.m);
        expect(product.shape).toEqual({ rows: m, cols: n });
        expect(product.dtype).toBe(dtype);
        const out = await collect(product);
        expectDtype(out.data, dtype);
        expectRowsClose(out, ref.matmul(A.a, B.a), tol(dtype, k, maxAbs(A.a) * maxAbs(B.a)));
      });
    }
  }

  it('float32 · float64 is float64', async () => {
    const rand = rng(3);
    const A = lit(uniform(4, 3, rand), 'float32');
    const B = lit(uniform(3, 2, rand), 'float64');
    const product = A.m.matmul(B.m);
    expect(product.dtype).toBe('float64');
    const out = await collect(product);
    expectDtype(out.data, 'float64');
    expectRowsClose(out, ref.matmul(A.a, B.a), tolF64(3, 1));
  });

  it('a chain (AB)C keeps the column names of the last operand', async () => {
    const rand = rng(4);
    const A = lit(uniform(5, 4, rand)), B = lit(uniform(4, 3, rand)), C = lit(uniform(3, 2, rand));
    const out = await collect(A.m.matmul(B.m).matmul(C.m));
    expectRowsClose(out, ref.matmul(ref.matmul(A.a, B.a), C.a), tolF64(12, 1));
    expect(out.columnNames).toEqual(['c0', 'c1']);
  });
});

describe('transpose', () => {
  for (const [m, n] of [[1, 1], [1, 6], [7, 1], [5, 3], [33, 65]] as const) {
    for (const dtype of DTYPES) {
      it(`${m}×${n} ${dtype}`, async () => {
        const A = lit(uniform(m, n, rng(m * 31 + n)), dtype);
        const t = A.m.transpose();
        expect(t.shape).toEqual({ rows: n, cols: m });
        const out = await collect(t);
        expectDtype(out.data, dtype);
        expectRowsClose(out, ref.transpose(A.a), 0);
      });
    }
  }
});

describe('crossprod', () => {
  for (const [n, d, t] of [[1, 1, 1], [7, 3, 2], [50, 13, 1], [300, 5, 4], [9, 17, 6]] as const) {
    for (const dtype of DTYPES) {
      it(`XᵀX and XᵀY for X ${n}×${d}, Y ${n}×${t} ${dtype}`, async () => {
        const rand = rng(n * 7 + d * 3 + t);
        const X = lit(uniform(n, d, rand, -3, 2), dtype);
        const Y = lit(uniform(n, t, rand), dtype);
        const xtx = await collect(X.m.crossprod());
        expectDtype(xtx.data, dtype);
        expectRowsClose(xtx, ref.crossprod(X.a), tol(dtype, n, maxAbs(X.a) ** 2));
        // XᵀX is exactly symmetric.
        const g = rowsOf(xtx);
        for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) expect(g[i][j]).toBe(g[j][i]);
        const xty = await collect(X.m.crossprod(Y.m));
        expectDtype(xty.data, dtype);
        expectRowsClose(xty, ref.crossprod(X.a, Y.a), tol(dtype, n, maxAbs(X.a) * maxAbs(Y.a)));
        // Same as the explicit transpose product.
        expectRowsClose(await collect(X.m.transpose().matmul(Y.m)), ref.crossprod(X.a, Y.a), tol(dtype, n, maxAbs(X.a) * maxAbs(Y.a)));
      });
    }
  }
});

describe('element-wise with broadcasting', () => {
  const OPS = ['add', 'sub', 'mul', 'div', 'min', 'max'] as const;
  const method = { add: 'add', sub: 'sub', mul: 'mul', div: 'div', min: 'minimum', max: 'maximum' } as const;
  const [m, n] = [5, 7];
  for (const dtype of DTYPES) {
    for (const op of OPS) {
      it(`${op} ${dtype}: same shape, 1×n row, m×1 column, 1×1, plain number`, async () => {
        const rand = rng(OPS.indexOf(op) * 17 + (dtype === 'float32' ? 1 : 0));
        const A = lit(uniform(m, n, rand, -3, 3), dtype);
        // Divisors kept away from zero (either sign).
        const operand = (r: number, c: number) => lit(uniform(r, c, rand, 0.5, 2).map((row) => row.map((v, j) => (j % 2 ? -v : v))), dtype);
        const cases: [string, ReturnType<typeof lit> | number][] = [
          ['same', operand(m, n)],
          ['row', operand(1, n)],
          ['column', operand(m, 1)],
          ['1×1', operand(1, 1)],
          ['number', -1.37],
        ];
        for (const [what, b] of cases) {
          const result = (A.m[method[op]] as (o: Matrix<number, number> | number) => Matrix<number, number>).call(A.m, typeof b === 'number' ? b : b.m);
          expect(result.shape, what).toEqual({ rows: m, cols: n });
          expect(result.dtype, what).toBe(dtype);
          const out = await collect(result);
          expectDtype(out.data, dtype);
          const bRef = typeof b === 'number' ? (dtype === 'float32' ? Math.fround(b) : b) : b.a;
          const expected = ref.elementwise(op, A.a, bRef);
          expectRowsClose(out, expected, dtype === 'float32' ? 1e-6 * maxAbs(expected) : 1e-15 * maxAbs(expected), `${op} ${what}`);
        }
      });
    }
  }

  it('a column vector broadcasts onto itself and a 1×1 onto a column', async () => {
    const v = lit([[1], [2], [3]]);
    expectRowsClose(await collect(v.m.mul(v.m)), [[1], [4], [9]], 0);
    expectRowsClose(await collect(v.m.sub(matrix([[1]]))), [[0], [1], [2]], 0);
  });

  it('keeps the left operand’s column names and row link', async () => {
    const rel = fromColumns({ a: [1, 2, 3], b: [4, 5, 6] });
    const X = rel.toMatrix(['a', 'b']);
    const shifted = X.sub(X.colMeans());
    expect(shifted.columnNames).toEqual(['a', 'b']);
    expectRowsClose(await collect(shifted), [[-1, -1], [0, 0], [1, 1]], 1e-15);
    const rows = await rel.withMatrixColumns(shifted, ['a0', 'b0']).collectRows();
    expect(rows.map((r) => r.a0)).toEqual([-1, 0, 1]);
  });
});

describe('maps', () => {
  const [m, n] = [4, 9];
  const cases: { name: string; build: (x: Matrix<number, number>) => Matrix<number, number>; f: (x: number) => number; lo: number; hi: number }[] = [
    { name: 'exp', build: (x) => x.exp(), f: Math.exp, lo: -5, hi: 5 },
    { name: 'log', build: (x) => x.log(), f: Math.log, lo: 1e-3, hi: 50 },
    { name: 'sqrt', build: (x) => x.sqrt(), f: Math.sqrt, lo: 0, hi: 50 },
    { name: 'abs', build: (x) => x.abs(), f: Math.abs, lo: -5, hi: 5 },
    { name: 'neg', build: (x) => x.neg(), f: (v) => -v, lo: -5, hi: 5 },
    { name: 'sigmoid', build: (x) => x.sigmoid(), f: ref.sigmoid, lo: -20, hi: 20 },
    { name: 'pow(3)', build: (x) => x.pow(3), f: (v) => v ** 3, lo: -3, hi: 3 },
    { name: 'pow(0.5)', build: (x) => x.pow(0.5), f: (v) => v ** 0.5, lo: 0, hi: 9 },
    { name: 'pow(-1)', build: (x) => x.pow(-1), f: (v) => 1 / v, lo: 0.5, hi: 9 },
    { name: 'clip(-0.3, 0.4)', build: (x) => x.clip(-0.3, 0.4), f: (v) => Math.min(0.4, Math.max(-0.3, v)), lo: -1, hi: 1 },
    { name: 'scale(2.5)', build: (x) => x.scale(2.5), f: (v) => 2.5 * v, lo: -5, hi: 5 },
  ];
  for (const dtype of DTYPES) {
    for (const c of cases) {
      it(`${c.name} ${dtype}`, async () => {
        const A = lit(uniform(m, n, rng(c.name.length * 13 + n), c.lo, c.hi), dtype);
        const out = await collect(c.build(A.m));
        expectDtype(out.data, dtype);
        const expected = ref.map(A.a, c.f);
        // The same Math functions: float64 is exact up to the last ulp; float32 is rounded once.
        const relTol = dtype === 'float32' ? 1e-6 : 1e-15;
        const a = rowsOf(out);
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) expect(Math.abs(a[i][j] - expected[i][j])).toBeLessThanOrEqual(relTol * Math.max(Math.abs(expected[i][j]), 1e-300));
        }
      });
    }
  }

  it('sigmoid is finite and accurate for large |x| (no overflow to NaN)', async () => {
    const xs = [-1e308, -1000, -745, -710, -40, -1e-9, 0, 1e-9, 40, 710, 745, 1000, 1e308, -Infinity, Infinity];
    for (const dtype of DTYPES) {
      const out = await collect(matrix([xs], { dtype }).sigmoid());
      xs.forEach((x, j) => {
        const y = out.get(0, j);
        expect(Number.isNaN(y), `sigmoid(${x})`).toBe(false);
        expect(y).toBeGreaterThanOrEqual(0);
        expect(y).toBeLessThanOrEqual(1);
        const xr = dtype === 'float32' ? Math.fround(x) : x;
        const e = dtype === 'float32' ? Math.fround(ref.sigmoid(xr)) : ref.sigmoid(xr);
        expect(Math.abs(y - e), `sigmoid(${x}) ${dtype}`).toBeLessThanOrEqual(1e-15 * e + (dtype === 'float32' ? 1e-7 * e : 0));
      });
      // Far tails: relative accuracy, not just 0 and 1.
      expect(out.get(0, 4) / Math.exp(-40)).toBeCloseTo(1, 5);
    }
  });

  it('comparisons gt ge lt le eq ne give 0/1 masks (NaN only satisfies ne) that filterRows takes', async () => {
    const a = [[-1, 0, 0.5, NaN, 2, Infinity, -Infinity]];
    const cmp = {
      gt: (x: number, t: number) => x > t,
      ge: (x: number, t: number) => x >= t,
      lt: (x: number, t: number) => x < t,
      le: (x: number, t: number) => x <= t,
      eq: (x: number, t: number) => x === t,
      ne: (x: number, t: number) => x !== t,
    } as const;
    for (const dtype of DTYPES) {
      for (const [name, f] of Object.entries(cmp) as [keyof typeof cmp, (x: number, t: number) => boolean][]) {
        for (const t of [0, 0.5, -Infinity]) {
          const out = await collect(matrix(a, { dtype })[name](t));
          expectDtype(out.data, dtype);
          expectRowsClose(out, ref.map(a, (x) => (f(x, t) ? 1 : 0)), 0, `${name}(${t}) ${dtype}`);
        }
      }
    }
    const A = lit(uniform(19, 3, rng(14)));
    expectRowsClose(await collect(A.m.filterRows(A.m.select(1).gt(0.25))), A.a.filter((r) => r[1] > 0.25), 0);
  });

  it('clip with lower = upper and bounds given in the other order', async () => {
    expectRowsClose(await collect(matrix([[-1, 0, 2]]).clip(0.5, 0.5)), [[0.5, 0.5, 0.5]], 0);
    expect(() => matrix([[1]]).clip(1, 0)).toThrow(/clip/);
  });
});

describe('reductions', () => {
  for (const [m, n] of [[1, 1], [1, 9], [9, 1], [7, 13], [300, 3]] as const) {
    for (const dtype of DTYPES) {
      it(`${m}×${n} ${dtype}: rowSums colSums sum rowMeans colMeans mean count`, async () => {
        const A = lit(uniform(m, n, rng(m * 13 + n), -2, 4), dtype);
        const s = maxAbs(A.a);
        const t = (k: number) => tol(dtype, k, s);
        const checks: [string, Matrix<number, number>, Rows, number, [number, number]][] = [
          ['rowSums', A.m.rowSums(), ref.rowSums(A.a), t(n), [m, 1]],
          ['colSums', A.m.colSums(), ref.colSums(A.a), t(m), [1, n]],
          ['sum', A.m.sum(), [[ref.total(A.a)]], t(m * n), [1, 1]],
          ['rowMeans', A.m.rowMeans(), ref.rowSums(A.a).map((r) => [r[0] / n]), t(n), [m, 1]],
          ['colMeans', A.m.colMeans(), ref.colSums(A.a).map((r) => r.map((v) => v / m)), t(m), [1, n]],
          ['mean', A.m.mean(), [[ref.total(A.a) / (m * n)]], t(m * n), [1, 1]],
          ['count', A.m.count(), [[m * n]], 0, [1, 1]],
        ];
        for (const [name, plan, expected, tl, shape] of checks) {
          expect(plan.shape, name).toEqual({ rows: shape[0], cols: shape[1] });
          const out = await collect(plan);
          expectDtype(out.data, dtype);
          expectRowsClose(out, expected, tl, name);
        }
      });
    }
  }

  it('count of a column vector is its row count, also when only known at run time', async () => {
    const rel = fromColumns({ x: [1, -2, 3, -4, 5] });
    const y = rel.filter((r) => r.x.gt(0)).toMatrix(['x']);
    expect(y.shape.rows).toBeNull();
    expectRowsClose(await collect(y.count()), [[3]], 0);
    expectRowsClose(await collect(y.mean()), [[3]], 1e-15);
  });
});

describe('solve', () => {
  for (const n of [1, 2, 5, 13, 40]) {
    for (const method of ['auto', 'cholesky', 'lu'] as const) {
      it(`n=${n} SPD system, 3 right-hand sides, method ${method}`, async () => {
        const rand = rng(n * 3 + method.length);
        const A = spdLit(n, rand);
        const B = lit(uniform(n, 3, rand));
        const X = A.m.solve(B.m, method);
        expect(X.shape).toEqual({ rows: n, cols: 3 });
        const out = await collect(X);
        expectRowsClose(out, ref.solve(A.a, B.a), tolF64(n, 1));
        // Residual check, independent of the reference solver.
        expectRowsClose(ref.matmul(A.a, rowsOf(out)), B.a, tolF64(n, maxAbs(A.a)));
      });
    }
    for (const method of ['auto', 'lu'] as const) {
      it(`n=${n} non-symmetric system, method ${method}`, async () => {
        const rand = rng(100 + n);
        const A = lit(ref.general(n, rand));
        const B = lit(uniform(n, 2, rand));
        const out = await collect(A.m.solve(B.m, method));
        expectRowsClose(out, ref.solve(A.a, B.a), tolF64(n, 1));
      });
    }
  }

  it('cholesky on a symmetric indefinite matrix throws NotPositiveDefiniteError; auto and lu solve it', async () => {
    const a = [[2, 1, 0], [1, -3, 1], [0, 1, 4]];
    const b = [[1], [2], [3]];
    await expect(matrix(a).solve(matrix(b), 'cholesky').collect()).rejects.toThrow(NotPositiveDefiniteError);
    for (const method of ['auto', 'lu'] as const) expectRowsClose(await collect(matrix(a).solve(matrix(b), method)), ref.solve(a, b), 1e-14);
  });

  it('float32 systems give float32 results', async () => {
    const rand = rng(77);
    const A = lit(ref.spd(6, rand), 'float32');
    const B = lit(uniform(6, 2, rand), 'float32');
    for (const method of ['auto', 'cholesky', 'lu'] as const) {
      const out = await collect(A.m.solve(B.m, method));
      expectDtype(out.data, 'float32');
      expectRowsClose(out, ref.solve(A.a, B.a), 1e-5, method);
    }
  });
});

describe('solve with mixed dtypes', () => {
  it('a float32 matrix with a float64 right-hand side is solved to float64 accuracy by every method', async () => {
    const rand = rng(78);
    for (const [name, a] of [['spd', ref.spd(7, rand)], ['general', ref.general(7, rand)]] as const) {
      const A = lit(a, 'float32');
      const B = lit(uniform(7, 2, rand));
      const expected = ref.solve(A.a, B.a);
      for (const method of name === 'spd' ? (['auto', 'cholesky', 'lu'] as const) : (['auto', 'lu'] as const)) {
        const X = A.m.solve(B.m, method);
        expect(X.dtype).toBe('float64');
        const out = await collect(X);
        expectDtype(out.data, 'float64');
        expectRowsClose(out, expected, tolF64(7, 1), `${name} ${method}`);
      }
    }
  });
});

function spdLit(n: number, rand: () => number) {
  return lit(ref.spd(n, rand));
}

describe('lstsq', () => {
  for (const [n, p, t] of [[1, 1, 1], [9, 3, 1], [40, 5, 2], [301, 7, 3]] as const) {
    for (const ridge of [0, 0.1, 10]) {
      it(`X ${n}×${p}, Y ${n}×${t}, ridge ${ridge}`, async () => {
        const rand = rng(n + p * 10 + t * 100 + ridge);
        const X = lit(uniform(n, p, rand));
        const Y = lit(uniform(n, t, rand));
        const beta = X.m.lstsq(Y.m, ridge);
        expect(beta.shape).toEqual({ rows: p, cols: t });
        const out = await collect(beta);
        const expected = ref.ridgeClosedForm(X.a, Y.a, ridge);
        expectRowsClose(out, expected, 1e-9 * Math.max(1, maxAbs(expected)));
      });
    }
  }

  it('ridge makes an underdetermined system solvable', async () => {
    const rand = rng(5);
    const X = lit(uniform(3, 6, rand));
    const Y = lit(uniform(3, 1, rand));
    expectRowsClose(await collect(X.m.lstsq(Y.m, 0.5)), ref.ridgeClosedForm(X.a, Y.a, 0.5), 1e-10);
  });

  it('an ill-conditioned (but full-rank) design is solved to normal-equation accuracy (κ(X)²·eps)', async () => {
    const rand = rng(6);
    const x = uniform(60, 3, rand);
    // Third column ≈ first + tiny perturbation: cond(XᵀX) ≈ 1e10.
    const X = x.map((r) => [r[0], r[1], r[0] + 1e-5 * r[2]]);
    const y = X.map((r) => [r[0] - 2 * r[1] + 3 * r[2]]);
    // κ(X) ≈ 1e5, so the normal equations lose ≈ 10 digits: 1e-3 leaves a wide margin but catches garbage.
    expectRowsClose(await collect(matrix(X).lstsq(matrix(y))), [[1], [-2], [3]], 1e-3);
  });
});

describe('inverse, diag, identity', () => {
  for (const n of [1, 4, 9]) {
    it(`inverse n=${n}`, async () => {
      const A = lit(ref.general(n, rng(n)));
      const out = await collect(A.m.inverse());
      expectRowsClose(out, ref.inverse(A.a), tolF64(n, 1));
      expectRowsClose(ref.matmul(rowsOf(out), A.a), ref.identity(n), tolF64(n, maxAbs(A.a)));
      // A · A⁻¹ through the plan as well.
      expectRowsClose(await collect(A.m.matmul(A.m.inverse())), ref.identity(n), tolF64(n, maxAbs(A.a)));
    });
  }

  it('inverse of float32 is float32', async () => {
    const A = lit([[4, 1], [2, 3]], 'float32');
    const out = await collect(A.m.inverse());
    expectDtype(out.data, 'float32');
    expectRowsClose(out, [[0.3, -0.1], [-0.2, 0.4]], 1e-7);
  });

  it('diag of a column vector', async () => {
    const v = lit(uniform(5, 1, rng(9)));
    const d = v.m.diag();
    expect(d.shape).toEqual({ rows: 5, cols: 5 });
    expectRowsClose(await collect(d), ref.diag(v.a), 0);
    // diag(v)·A scales the rows of A.
    const A = lit(uniform(5, 3, rng(10)));
    expectRowsClose(await collect(d.matmul(A.m)), ref.elementwise('mul', A.a, v.a), 1e-15);
  });

  it('identity in both dtypes', async () => {
    for (const dtype of DTYPES) {
      for (const n of [1, 3, 7]) {
        const I = identity(n, dtype);
        expect(I.dtype).toBe(dtype);
        const out = await collect(I);
        expectDtype(out.data, dtype);
        expectRowsClose(out, ref.identity(n), 0);
      }
    }
    const A = lit(uniform(3, 3, rng(2)));
    expectRowsClose(await collect(A.m.matmul(identity(3))), A.a, 0);
  });
});

describe('row and column selection', () => {
  it('select by name and by index, in the order asked, repeats allowed', async () => {
    const rel = fromColumns({ a: [1, 2, 3], b: [4, 5, 6], c: [7, 8, 9] });
    const X = rel.toMatrix(['a', 'b', 'c']);
    const byName = X.select('c', 'a');
    expect(byName.columnNames).toEqual(['c', 'a']);
    expectRowsClose(await collect(byName), [[7, 1], [8, 2], [9, 3]], 0);
    const byIndex = X.select(1, 1, 2);
    expect(byIndex.columnNames).toEqual(['b', 'b', 'c']);
    expectRowsClose(await collect(byIndex), [[4, 4, 7], [5, 5, 8], [6, 6, 9]], 0);
    const mixed = X.select('b', 0);
    expectRowsClose(await collect(mixed), [[4, 1], [5, 2], [6, 3]], 0);
  });

  it('select on a random literal matches the reference', async () => {
    for (const dtype of DTYPES) {
      const A = lit(uniform(6, 11, rng(12)), dtype);
      const idx = [10, 0, 5, 5, 3];
      const out = await collect(A.m.select(...idx));
      expectDtype(out.data, dtype);
      expectRowsClose(out, A.a.map((r) => idx.map((j) => r[j])), 0);
      expect(out.columnNames).toEqual(idx.map((j) => `c${j}`));
    }
  });

  it('filterRows keeps rows where the mask is non-zero (NaN counts as zero)', async () => {
    for (const dtype of DTYPES) {
      const A = lit(uniform(23, 4, rng(13), -1, 1), dtype);
      const kept = A.m.filterRows(A.m.select(0).clip(0, 1));
      expect(kept.shape.rows).toBeNull();
      const out = await collect(kept);
      expectDtype(out.data, dtype);
      expectRowsClose(out, A.a.filter((r) => r[0] > 0), 0);
    }
    const mask = matrix([[1], [NaN], [0], [-2]]);
    expectRowsClose(await collect(matrix([[1], [2], [3], [4]]).filterRows(mask)), [[1], [4]], 0);
    // Nothing kept: a 0-row result.
    const none = await collect(matrix([[1, 2]]).filterRows(matrix([[0]])));
    expect([none.rows, none.cols]).toEqual([0, 2]);
  });

  it('sampleRows draws distinct rows, deterministically by seed', async () => {
    const n = 20;
    const A = lit(Array.from({ length: n }, (_, i) => [i, i * i, -i]));
    const draw = async (count: number, seed: number) => rowsOf(await collect(A.m.sampleRows(count, seed)));
    for (const seed of [0, 1, 42, 2024]) {
      const s = await draw(7, seed);
      expect(s.length).toBe(7);
      // Every drawn row is a whole input row, and no row is drawn twice.
      for (const r of s) expect(A.a[r[0]]).toEqual(r);
      expect(new Set(s.map((r) => r[0])).size).toBe(7);
      expect(await draw(7, seed)).toEqual(s);
    }
    expect(await draw(7, 1)).not.toEqual(await draw(7, 2));
    // All rows: a permutation.
    const all = await draw(n, 3);
    expect(all.map((r) => r[0]).sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));
    const s = A.m.sampleRows(5, 1);
    expect(s.shape).toEqual({ rows: 5, cols: 3 });
    expect(s.columnNames).toEqual(['c0', 'c1', 'c2']);
  });

  it('sampleRows of float32 stays float32', async () => {
    const out = await collect(lit(uniform(10, 2, rng(1)), 'float32').m.sampleRows(3, 4));
    expectDtype(out.data, 'float32');
  });

  it('nearest marks the smallest entry per row, the first one on ties', async () => {
    const a = [
      [3, 1, 1],
      [2, 2, 2],
      [5, 4, -1],
      [-7, -7, 0],
      [0, 0, -0],
    ];
    expectRowsClose(await collect(matrix(a).nearest()), ref.nearest(a), 0);
    expectRowsClose(await collect(matrix(a).nearest()), [[0, 1, 0], [1, 0, 0], [0, 0, 1], [1, 0, 0], [1, 0, 0]], 0);
    for (const dtype of DTYPES) {
      // Integers in a small range: plenty of ties.
      const A = lit(uniform(31, 5, rng(21), 0, 4).map((r) => r.map(Math.floor)), dtype);
      const out = await collect(A.m.nearest());
      expectDtype(out.data, dtype);
      expectRowsClose(out, ref.nearest(A.a), 0);
    }
  });

  it('hstack puts columns side by side with their names; float32 only when all are', async () => {
    const rand = rng(31);
    const A = lit(uniform(4, 2, rand)), B = lit(uniform(4, 1, rand)), C = lit(uniform(4, 3, rand));
    const h = A.m.hstack(B.m, C.m);
    expect(h.shape).toEqual({ rows: 4, cols: 6 });
    expect(h.columnNames).toEqual(['c0', 'c1', 'c0', 'c0', 'c1', 'c2']);
    expectRowsClose(await collect(h), ref.hstack(A.a, B.a, C.a), 0);
    const F = lit(uniform(4, 2, rand), 'float32'), G = lit(uniform(4, 2, rand), 'float32');
    const f32 = await collect(F.m.hstack(G.m));
    expectDtype(f32.data, 'float32');
    expectRowsClose(f32, ref.hstack(F.a, G.a), 0);
    const mixed = await collect(F.m.hstack(A.m));
    expectDtype(mixed.data, 'float64');
    expectRowsClose(mixed, ref.hstack(F.a, A.a), 0);
  });
});

describe('float32 on request', () => {
  it('toMatrix(..., { dtype: float32 }) and products of float32 operands stay float32', async () => {
    const rand = rng(55);
    const n = 37;
    const x = uniform(n, 3, rand);
    const rel = fromColumns({ a: x.map((r) => r[0]), b: x.map((r) => r[1]), c: x.map((r) => r[2]) });
    const X = rel.toMatrix(['a', 'b', 'c'], { dtype: 'float32', intercept: true });
    expect(X.dtype).toBe('float32');
    const Xa = fround(x.map((r) => [...r, 1]));
    const xm = await collect(X);
    expectDtype(xm.data, 'float32');
    expectRowsClose(xm, Xa, 0);
    const w = lit([[0.5], [-1], [2], [0.25]], 'float32');
    for (const [name, plan, expected] of [
      ['matmul', X.matmul(w.m), ref.matmul(Xa, w.a)],
      ['crossprod', X.crossprod(), ref.crossprod(Xa)],
      ['sigmoid', X.matmul(w.m).sigmoid(), ref.map(ref.matmul(Xa, w.a), ref.sigmoid)],
      ['colMeans', X.colMeans(), ref.colSums(Xa).map((r) => r.map((v) => v / n))],
    ] as const) {
      expect(plan.dtype, name).toBe('float32');
      const out = await collect(plan);
      expectDtype(out.data, 'float32');
      expectRowsClose(out, expected as Rows, tolF32(n, 4), name);
    }
  });
});
