/**
 * Relation ⇄ matrix bridges: toMatrix encodings (numeric, one-hot, hashing,
 * standardize, intercept), their run-time forms (dense, CSR, hybrid dense + CSR),
 * column names, null handling, withMatrixColumns and toRelation, and explain
 * output across the boundary.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ExecutionError, type Matrix, PlanError, fromColumns, linearRegression, logisticRegression, matrix, predictProbabilities } from '../../src/index.js';
import { execute } from '../../src/exec/execute.js';
import { isCsr, isHybrid } from '../../src/exec/operators/matrix.js';
import * as ref from './reference.js';
import { collect } from './run.js';
import { type Rows, expectRowsClose, gaussian, rng, rowsOf, uniform } from './reference.js';

const CITIES = ['Paris', 'Berlin', 'Paris', null, 'Austin', 'Rome', 'Berlin', 'Paris'];

function oneHotRef(values: readonly (string | null)[], categories: readonly string[]): Rows {
  return values.map((v) => categories.map((c) => (v === c ? 1 : 0)));
}

describe('toMatrix: numeric features', () => {
  it('ints, int64, float32 and bools become float64 values', async () => {
    const rel = fromColumns(
      {
        i: Int32Array.from([1, -2, 3, 2147483647]),
        big: [2 ** 40, -5, 0, 7],
        f: Float32Array.from([0.5, -1.25, 3.75, 1e-3]),
        b: [true, false, true, false],
        x: [0.1, 0.2, 0.3, 0.4],
      },
      { types: { big: 'int64' } },
    );
    const X = rel.toMatrix(['i', 'big', 'f', 'b', 'x']);
    expect(X.columnNames).toEqual(['i', 'big', 'f', 'b', 'x']);
    expect(X.dtype).toBe('float64');
    expect(X.shape).toEqual({ rows: 4, cols: 5 });
    const out = await collect(X);
    expect(out.data).toBeInstanceOf(Float64Array);
    expectRowsClose(
      out,
      [
        [1, 2 ** 40, 0.5, 1, 0.1],
        [-2, -5, -1.25, 0, 0.2],
        [3, 0, 3.75, 1, 0.3],
        [2147483647, 7, Math.fround(1e-3), 0, 0.4],
      ],
      0,
    );
  });

  it('intercept is a last column of ones named intercept', async () => {
    const rel = fromColumns({ a: [3, 4, 5], b: [6, 7, 8] });
    const X = rel.toMatrix(['b', 'a'], { intercept: true });
    expect(X.columnNames).toEqual(['b', 'a', 'intercept']);
    expectRowsClose(await collect(X), [[6, 3, 1], [7, 4, 1], [8, 5, 1]], 0);
    // An intercept alone is allowed.
    expectRowsClose(await collect(rel.toMatrix([], { intercept: true })), [[1], [1], [1]], 0);
  });

  it('a null in a numeric or standardized feature is a typed ExecutionError naming the column', async () => {
    const rel = fromColumns({ ok: [1, 2, 3], price: [1.5, null, 2] });
    // TypeScript rejects nullable numeric features; JavaScript callers get the run-time error.
    const numeric = () =>
      // @ts-expect-error 'price' is nullable
      rel.toMatrix(['ok', 'price']);
    const standardized = () =>
      // @ts-expect-error 'price' is nullable
      rel.toMatrix([{ standardize: 'price' }]);
    for (const plan of [numeric(), standardized()]) {
      const run = plan.collect();
      await expect(run).rejects.toBeInstanceOf(ExecutionError);
      await expect(run).rejects.toThrow(/'price'/);
    }
    // Dropping the nulls first works, and types 'price' non-null.
    const clean = rel.dropNulls('price').toMatrix(['ok', 'price']);
    expectRowsClose(await collect(clean), [[1, 1.5], [3, 2]], 0);
  });

  it('a string column as a numeric feature is rejected while planning', () => {
    const rel = fromColumns({ s: ['a', 'b'] });
    expect(() => rel.toMatrix(['s' as never])).toThrow(PlanError);
    expect(() => rel.toMatrix(['nope' as never])).toThrow(/nope/);
  });
});

describe('toMatrix: one-hot', () => {
  it('categories come from the source, sorted', async () => {
    const rel = fromColumns({ city: CITIES });
    const X = rel.toMatrix([{ onehot: 'city' }]);
    expect(X.columnNames).toEqual(['city=Austin', 'city=Berlin', 'city=Paris', 'city=Rome']);
    expectRowsClose(await collect(X), oneHotRef(CITIES, ['Austin', 'Berlin', 'Paris', 'Rome']), 0);
  });

  it('explicit categories keep their order; unknown values and nulls give zero rows', async () => {
    const rel = fromColumns({ x: CITIES.map((_, i) => i + 0.5), city: CITIES });
    const categories = ['Rome', 'Paris', 'Lisbon'];
    const X = rel.toMatrix(['x', { onehot: 'city', categories }], { intercept: true });
    expect(X.columnNames).toEqual(['x', 'city=Rome', 'city=Paris', 'city=Lisbon', 'intercept']);
    expect(X.shape).toEqual({ rows: CITIES.length, cols: 5 });
    const expected = oneHotRef(CITIES, categories).map((r, i) => [i + 0.5, ...r, 1]);
    expectRowsClose(await collect(X), expected, 0);
  });

  it('float32 one-hot (dense and all-one-hot) is float32', async () => {
    const rel = fromColumns({ x: CITIES.map((_, i) => i), city: CITIES });
    const categories = ['Austin', 'Berlin', 'Paris', 'Rome'];
    for (const X of [rel.toMatrix([{ onehot: 'city', categories }], { dtype: 'float32' }), rel.toMatrix(['x', { onehot: 'city', categories }], { dtype: 'float32' })]) {
      expect(X.dtype).toBe('float32');
      const out = await collect(X);
      expect(out.data).toBeInstanceOf(Float32Array);
      const w = matrix(Array.from({ length: X.shape.cols }, (_, j) => [j + 1]), { dtype: 'float32' });
      const p = await collect(X.matmul(w));
      expect(p.data).toBeInstanceOf(Float32Array);
      expectRowsClose(p, ref.matmul(rowsOf(out), Array.from({ length: X.shape.cols }, (_, j) => [j + 1])), 0);
    }
  });

  describe('all-one-hot features are CSR internally, and products with them are right', () => {
    const rand = rng(404);
    const n = 57;
    const colors = ['red', 'green', 'blue'];
    const sizes = ['S', 'M', 'L', 'XL'];
    const color = Array.from({ length: n }, () => (rand() < 0.1 ? null : colors[Math.floor(rand() * 3)]));
    // 'XXL' is not a listed category: those rows are zero in the size block.
    const size = Array.from({ length: n }, () => (rand() < 0.1 ? 'XXL' : sizes[Math.floor(rand() * 4)]));
    const rel = fromColumns({ color, size, y: uniform(n, 1, rand).map((r) => r[0]) });
    const X = rel.toMatrix([
      { onehot: 'color', categories: colors },
      { onehot: 'size', categories: sizes },
    ]);
    const Xd = oneHotRef(color, colors).map((r, i) => [...r, ...oneHotRef([size[i]], sizes)[0]]);
    const B = uniform(7, 3, rand);
    const Yd = uniform(n, 2, rand);

    it('is CSR at run time and dense when collected', async () => {
      const { result } = await execute(X.plan);
      expect(result.kind === 'matrix' && isCsr(result.value)).toBe(true);
      expect(X.columnNames).toEqual(['color=red', 'color=green', 'color=blue', 'size=S', 'size=M', 'size=L', 'size=XL']);
      expectRowsClose(await collect(X), Xd, 0);
    });

    it('X·B, XᵀX, XᵀY, YᵀX, Xᵀ, X+1, sums, solve on XᵀX + I', async () => {
      const Y = matrix(Yd);
      const checks: [string, Matrix<number, number>, Rows][] = [
        ['X·B', X.matmul(matrix(B)), ref.matmul(Xd, B)],
        ['XᵀX', X.crossprod(), ref.crossprod(Xd)],
        ['XᵀY', X.crossprod(Y), ref.crossprod(Xd, Yd)],
        ['YᵀX', Y.crossprod(X), ref.crossprod(Yd, Xd)],
        ['Xᵀ', X.transpose(), ref.transpose(Xd)],
        ['Xᵀ·Y', X.transpose().matmul(Y), ref.crossprod(Xd, Yd)],
        ['Bᵀ·Xᵀ', matrix(ref.transpose(B)).matmul(X.transpose()), ref.transpose(ref.matmul(Xd, B))],
        ['X + 1', X.add(1), ref.elementwise('add', Xd, 1)],
        ['X ⊙ row', X.mul(matrix([[1, 2, 3, 4, 5, 6, 7]])), ref.elementwise('mul', Xd, [[1, 2, 3, 4, 5, 6, 7]])],
        ['colSums', X.colSums(), ref.colSums(Xd)],
        ['rowSums', X.rowSums(), ref.rowSums(Xd)],
        ['select', X.select('size=L', 'color=red'), Xd.map((r) => [r[5], r[0]])],
        ['hstack', X.hstack(Y), ref.hstack(Xd, Yd)],
        ['solve', X.crossprod().add(matrix(ref.identity(7))).solve(X.crossprod(Y)), ref.solve(ref.elementwise('add', ref.crossprod(Xd), ref.identity(7)), ref.crossprod(Xd, Yd))],
      ];
      for (const [name, plan, expected] of checks) expectRowsClose(await collect(plan), expected, 1e-12 * n, name);
    });

    it('NaN and Infinity in the dense operand propagate as in the dense product (0·NaN = NaN)', async () => {
      for (const bad of [NaN, Infinity]) {
        const Bn = B.map((r) => [...r]);
        Bn[1][0] = bad; // weight of color=green
        const Yn = Yd.map((r) => [...r]);
        Yn[3][1] = bad;
        const dense = X.select(0, 1, 2, 3, 4, 5, 6); // the same values, held dense
        for (const [name, plan, densePlan, expected] of [
          ['X·B', X.matmul(matrix(Bn)), dense.matmul(matrix(Bn)), ref.matmul(Xd, Bn)],
          ['XᵀY', X.crossprod(matrix(Yn)), dense.crossprod(matrix(Yn)), ref.crossprod(Xd, Yn)],
        ] as const) {
          const got = rowsOf(await collect(plan));
          expect(got, `${name} with ${bad}`).toEqual(rowsOf(await collect(densePlan)));
          got.forEach((r, i) => r.forEach((v, j) => expect(Number.isNaN(v), `${name} (${i}, ${j}) with ${bad}`).toBe(Number.isNaN(expected[i][j]))));
        }
      }
    });

    it('linear regression on one-hot features (ridge) equals the closed form', async () => {
      const y = rel.toMatrix(['y']);
      const beta = await collect(linearRegression(X, y, { ridge: 0.5 }));
      const yd = rowsOf(await collect(y));
      expectRowsClose(beta, ref.ridgeClosedForm(Xd, yd, 0.5), 1e-12);
    });
  });
});

describe('numeric features next to many one-hot/hash columns: dense + CSR blocks (hybrid) internally', () => {
  const rand = rng(2718);
  const n = 500;
  const categories = Array.from({ length: 60 }, (_, i) => `c${i}`);
  const cat = Array.from({ length: n }, () => (rand() < 0.05 ? null : rand() < 0.03 ? 'zz' : categories[Math.floor(rand() * 60)]));
  const w = Array.from({ length: n }, () => (rand() < 0.05 ? null : `w${Math.floor(rand() * 200)}`));
  const x1 = Array.from({ length: n }, () => gaussian(rand));
  const x2 = Array.from({ length: n }, () => 3 * gaussian(rand) - 1);
  const x3 = Array.from({ length: n }, () => 5 + 10 * rand());
  const catEffect = categories.map(() => 2 * gaussian(rand));
  const y = x1.map((v, i) => 1.5 * v - 0.5 * x2[i] + (cat[i] && cat[i] !== 'zz' ? catEffect[Number(cat[i]!.slice(1))] : 0) + 0.1 * gaussian(rand));
  const label = y.map((v) => (v > 0 ? 1 : 0));
  const id = Int32Array.from({ length: n }, (_, i) => i);
  const rel = fromColumns({ id, x1, x2, x3, cat, w, y, label });
  const features = ['x1', { onehot: 'cat', categories }, 'x2', { standardize: 'x3' }, { hash: 'w', buckets: 16 }] as const;
  // 60 + 16 sparse columns of 80: the numeric ones, the standardized one and the intercept form the dense block.
  const X = rel.toMatrix([...features], { intercept: true });
  const cols = X.shape.cols;

  /** The hybrid pipeline's result equals the same pipeline over a dense literal of X's values, within 1e-12 relative. */
  async function expectSameAsDense(name: string, hybrid: Matrix<number, number>, dense: Matrix<number, number>): Promise<Rows> {
    const want = rowsOf(await collect(dense));
    expectRowsClose(await collect(hybrid), want, 1e-12 * Math.max(1, ref.maxAbs(want)), name);
    return want;
  }

  it('is hybrid at run time; CSR when all one-hot, dense below the threshold or in float32', async () => {
    const kind = async (m: Matrix<number, number>) => {
      const { result } = await execute(m.plan);
      if (result.kind !== 'matrix') throw new Error('expected a matrix');
      return isHybrid(result.value) ? 'hybrid' : isCsr(result.value) ? 'csr' : 'dense';
    };
    expect(cols).toBe(80);
    expect(await kind(X)).toBe('hybrid');
    expect(await kind(rel.toMatrix([{ onehot: 'cat', categories }]))).toBe('csr');
    expect(await kind(rel.toMatrix([{ hash: 'w', buckets: 16 }]))).toBe('csr');
    expect(await kind(rel.toMatrix(['x1', { onehot: 'cat', categories: categories.slice(0, 15) }]))).toBe('dense');
    expect(await kind(rel.toMatrix(['x1', 'x2', 'x3', { hash: 'w', buckets: 3 }], { intercept: true }))).toBe('dense');
    expect(await kind(rel.toMatrix([...features], { intercept: true, dtype: 'float32' }))).toBe('dense');
  });

  it('collects to the encoded values, in the planned column order', async () => {
    const hashed = rowsOf(await collect(rel.toMatrix([{ hash: 'w', buckets: 16 }], { dtype: 'float32' })));
    const mean = x3.reduce((s, v) => s + v, 0) / n;
    const sd = Math.sqrt(x3.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
    const expected = x1.map((v, i) => [v, ...oneHotRef([cat[i]], categories)[0], x2[i], (x3[i] - mean) / sd, ...hashed[i], 1]);
    expect(X.columnNames.slice(0, 3)).toEqual(['x1', 'cat=c0', 'cat=c1']);
    expect(X.columnNames.slice(-4)).toEqual(['w#13', 'w#14', 'w#15', 'intercept']);
    expectRowsClose(await collect(X), expected, 1e-12);
  });

  describe('products, reductions, selections and models equal the dense path', () => {
    let Xd: Matrix<number, number>;
    let Xc: Rows;
    const B = uniform(80, 3, rand);
    const Yd = uniform(n, 2, rand);
    const Y = matrix(Yd);
    /** Column indices by X's names (the dense literal has default names). */
    const at = (...names: string[]) => names.map((c) => X.columnNames.indexOf(c));
    beforeAll(async () => {
      Xc = rowsOf(await collect(X));
      Xd = matrix(Xc);
    });

    it('matmul, crossprod (one and two inputs, either side), reductions, select, densified ops', async () => {
      const w1 = matrix(uniform(80, 1, rand));
      const pairs: [string, (m: Matrix<number, number>) => Matrix<number, number>][] = [
        ['X·B', (m) => m.matmul(matrix(B))],
        ['X·w', (m) => m.matmul(w1)],
        ['XᵀX', (m) => m.crossprod()],
        ['XᵀY', (m) => m.crossprod(Y)],
        ['YᵀX', (m) => Y.crossprod(m)],
        ['XᵀX (both inputs X)', (m) => m.crossprod(m)],
        ['Xᵀ·Y', (m) => m.transpose().matmul(Y)],
        ['colSums', (m) => m.colSums()],
        ['rowSums', (m) => m.rowSums()],
        ['colMeans', (m) => m.colMeans()],
        ['rowMeans', (m) => m.rowMeans()],
        ['sum', (m) => m.sum()],
        ['mean', (m) => m.mean()],
        ['count', (m) => m.count()],
        ['select dense columns', (m) => m.select(...at('intercept', 'x2', 'x3'))],
        ['select one-hot columns', (m) => m.select(...at('cat=c7', 'cat=c3', 'cat=c7', 'w#2'))],
        ['select mixed', (m) => m.select(...at('x1', 'cat=c1', 'w#3', 'intercept', 'x1'))],
        ['select then matmul', (m) => m.select(...at('cat=c7', 'cat=c3', 'w#2')).matmul(matrix([[1], [2], [3]]))],
        ['X + 1', (m) => m.add(1)],
        ['hstack', (m) => m.hstack(Y)],
        ['filterRows', (m) => m.filterRows(Y.select(0).gt(0))],
      ];
      for (const [name, f] of pairs) await expectSameAsDense(name, f(X), f(Xd));
      expectRowsClose(await collect(X.crossprod()), ref.crossprod(Xc), 1e-12 * n, 'XᵀX vs reference');
      expectRowsClose(await collect(X.matmul(matrix(B))), ref.matmul(Xc, B), 1e-12 * 80, 'X·B vs reference');
    });

    it('linear regression (ridge), its predictions appended to the relation, and logistic regression', async () => {
      const yv = rel.toMatrix(['y']);
      const beta = linearRegression(X, yv, { ridge: 0.5 });
      const betaDense = await expectSameAsDense('β', beta, linearRegression(Xd, matrix(y.map((v): [number] => [v])), { ridge: 0.5 }));
      expectRowsClose(betaDense, ref.ridgeClosedForm(Xc, y.map((v) => [v]), 0.5), 1e-10);
      const rows = await rel.withMatrixColumns(X.matmul(beta), ['prediction']).collectRows();
      expect(rows.length).toBe(n);
      const want = ref.matmul(Xc, betaDense);
      const scale = ref.maxAbs(want);
      for (const r of rows) expect(Math.abs((r.prediction as number) - want[r.id as number][0])).toBeLessThanOrEqual(1e-12 * scale);
      const labels = rel.toMatrix(['label']);
      const logit = logisticRegression(X, labels, { steps: 5, learningRate: 0.5 });
      await expectSameAsDense('logistic w', logit, logisticRegression(Xd, matrix(label.map((v): [number] => [v])), { steps: 5, learningRate: 0.5 }));
      await expectSameAsDense('probabilities', predictProbabilities(X, logit), predictProbabilities(Xd, logit));
    });

    it('NaN and Infinity propagate as in the dense products', async () => {
      for (const bad of [NaN, Infinity]) {
        const Bn = B.map((r) => [...r]);
        Bn[5][0] = bad; // weight of cat=c4 (sparse block)
        Bn[61][2] = bad; // weight of x2 (dense block)
        const Yn = Yd.map((r) => [...r]);
        Yn[3][1] = bad;
        for (const [name, plan, densePlan, expected] of [
          ['X·B', X.matmul(matrix(Bn)), Xd.matmul(matrix(Bn)), ref.matmul(Xc, Bn)],
          ['XᵀY', X.crossprod(matrix(Yn)), Xd.crossprod(matrix(Yn)), ref.crossprod(Xc, Yn)],
          ['YᵀX', matrix(Yn).crossprod(X), matrix(Yn).crossprod(Xd), ref.crossprod(Yn, Xc)],
        ] as const) {
          const got = rowsOf(await collect(plan));
          expect(got, `${name} with ${bad}`).toEqual(rowsOf(await collect(densePlan)));
          got.forEach((r, i) => r.forEach((v, j) => expect(Number.isNaN(v), `${name} (${i}, ${j}) with ${bad}`).toBe(Number.isNaN(expected[i][j]))));
        }
        // A non-finite value in a numeric feature: the dense block itself (the DᵀS operand of XᵀX).
        const xb = [...x1];
        xb[7] = bad;
        const Xb = fromColumns({ x1: xb, x2, x3, cat, w }).toMatrix([...features], { intercept: true });
        const Xbc = rowsOf(await collect(Xb));
        const Xbd = matrix(Xbc);
        expect(rowsOf(await collect(Xb.crossprod())), `XᵀX with ${bad}`).toEqual(rowsOf(await collect(Xbd.crossprod())));
        for (const [name, f] of [
          ['X·B', (m: Matrix<number, number>) => m.matmul(matrix(B))],
          ['XᵀY', (m: Matrix<number, number>) => m.crossprod(Y)],
          ['YᵀX', (m: Matrix<number, number>) => Y.crossprod(m)],
          ['colSums', (m: Matrix<number, number>) => m.colSums()],
        ] as const) {
          const got = rowsOf(await collect(f(Xb)));
          const want = rowsOf(await collect(f(Xbd)));
          got.forEach((r, i) => r.forEach((v, j) => expect(Number.isNaN(v), `${name} (${i}, ${j}) with ${bad}`).toBe(Number.isNaN(want[i][j]))));
          const finite = (rows: Rows) => rows.map((r) => r.map((v) => (Number.isFinite(v) ? v : 0)));
          expectRowsClose(finite(got), finite(want), 1e-12 * Math.max(1, ref.maxAbs(finite(want))), `${name} with ${bad}`);
        }
      }
    });
  });
});

describe('toMatrix: feature hashing', () => {
  const words = ['apple', 'banana', null, 'cherry', 'apple', 'durian', 'elderberry', 'fig', 'banana', 'grape', null, 'apple'];
  const rel = fromColumns({ w: words, n: Int32Array.from(words.map((_, i) => i % 4)) });

  it('each non-null row has bucket counts summing to 1, a null row sums to 0; names are column#bucket', async () => {
    for (const buckets of [1, 3, 16]) {
      const X = rel.toMatrix([{ hash: 'w', buckets }]);
      expect(X.columnNames).toEqual(Array.from({ length: buckets }, (_, i) => `w#${i}`));
      const rows = rowsOf(await collect(X));
      rows.forEach((r, i) => {
        expect(r.every((v) => v === 0 || v === 1)).toBe(true);
        expect(r.reduce((s, v) => s + v, 0)).toBe(words[i] === null ? 0 : 1);
      });
      // Equal values share a bucket.
      const bucket = (i: number) => rows[i].indexOf(1);
      expect(bucket(0)).toBe(bucket(4));
      expect(bucket(0)).toBe(bucket(11));
      expect(bucket(1)).toBe(bucket(8));
    }
  });

  it('is deterministic across plans and sources, and hashes numbers too', async () => {
    const a = await collect(rel.toMatrix([{ hash: 'w', buckets: 8 }, { hash: 'n', buckets: 5 }]));
    const other = fromColumns({ n: Int32Array.from(words.map((_, i) => i % 4)), w: words });
    const b = await collect(other.toMatrix([{ hash: 'w', buckets: 8 }, { hash: 'n', buckets: 5 }]));
    expect(rowsOf(a)).toEqual(rowsOf(b));
    for (const r of rowsOf(a)) expect(r.slice(8).reduce((s, v) => s + v, 0)).toBe(1);
    // A different row order of the same values gives the same bucket per value.
    const reversed = fromColumns({ w: [...words].reverse() });
    const c = rowsOf(await collect(reversed.toMatrix([{ hash: 'w', buckets: 8 }]))).reverse();
    expect(c).toEqual(rowsOf(a).map((r) => r.slice(0, 8)));
  });

  it('rejects a non-positive bucket count while planning', () => {
    expect(() => rel.toMatrix([{ hash: 'w', buckets: 0 }])).toThrow(PlanError);
  });
});

describe('toMatrix: standardize', () => {
  it('each column gets mean 0 and population sd 1; a constant column becomes 0s', async () => {
    const rand = rng(8);
    const n = 41;
    const a = Array.from({ length: n }, () => 5 + 3 * gaussian(rand));
    const b = Int32Array.from({ length: n }, () => Math.floor(rand() * 100));
    const rel = fromColumns({ a, b, c: new Array<number>(n).fill(2.5) });
    const X = rel.toMatrix([{ standardize: 'a' }, { standardize: 'b' }, { standardize: 'c' }]).hstack(rel.toMatrix(['a']));
    expect(X.columnNames).toEqual(['a', 'b', 'c', 'a']);
    const rows = rowsOf(await collect(X));
    const standardize = (v: ArrayLike<number>) => {
      const xs = Array.from(v);
      const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
      const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
      return xs.map((x) => (x - mean) / sd);
    };
    const expected = standardize(a).map((v, i) => [v, standardize(b)[i], 0, a[i]]);
    expectRowsClose(rows, expected, 1e-12);
    for (const j of [0, 1]) {
      const col = rows.map((r) => r[j]);
      const mean = col.reduce((s, x) => s + x, 0) / n;
      expect(Math.abs(mean)).toBeLessThan(1e-14);
      expect(Math.sqrt(col.reduce((s, x) => s + (x - mean) ** 2, 0) / n)).toBeCloseTo(1, 12);
    }
    expect(rows.map((r) => r[2])).toEqual(new Array(n).fill(0));
  });
});

describe('withMatrixColumns and toRelation', () => {
  const rand = rng(17);
  const n = 30;
  const x1 = Array.from({ length: n }, () => gaussian(rand));
  const x2 = Array.from({ length: n }, () => gaussian(rand));
  const id = Int32Array.from({ length: n }, (_, i) => 100 + i);
  const rel = fromColumns({ id, x1, x2, y: x1.map((v, i) => 2 * v - x2[i] + 0.5) });
  const w = [[1.5], [-2], [0.25]];
  const predict = (i: number) => 1.5 * x1[i] - 2 * x2[i] + 0.25;

  it('puts predictions next to the ids they belong to', async () => {
    const X = rel.toMatrix(['x1', 'x2'], { intercept: true });
    const scored = rel.withMatrixColumns(X.matmul(matrix(w)), ['prediction']);
    expect(scored.schema.fields.map((f) => `${f.name}:${f.dtype}`)).toEqual(['id:int32', 'x1:float64', 'x2:float64', 'y:float64', 'prediction:float64']);
    const rows = await scored.collectRows();
    expect(rows.length).toBe(n);
    for (const r of rows) expect(r.prediction as number).toBeCloseTo(predict((r.id as number) - 100), 12);
  });

  it('after a relational filter, each kept row gets its own prediction', async () => {
    const kept = rel.filter((r) => r.x1.gt(0));
    const X = kept.toMatrix(['x1', 'x2'], { intercept: true });
    expect(X.shape.rows).toBeNull();
    const scored = kept.withMatrixColumns(X.matmul(matrix(w)).hstack(X.select('x1')), ['prediction', 'x1_again']);
    const rows = await scored.collectRows();
    expect(rows.length).toBe(x1.filter((v) => v > 0).length);
    for (const r of rows) {
      const i = (r.id as number) - 100;
      expect(x1[i]).toBeGreaterThan(0);
      expect(r.prediction as number).toBeCloseTo(predict(i), 12);
      expect(r.x1_again).toBe(x1[i]);
    }
  });

  it('after a sort, row order follows the relation', async () => {
    const sorted = rel.orderBy((r) => r.x2.desc());
    const X = sorted.toMatrix(['x1', 'x2'], { intercept: true });
    const rows = await sorted.withMatrixColumns(X.matmul(matrix(w)).sigmoid(), ['p']).collectRows();
    for (let k = 1; k < rows.length; k++) expect(rows[k - 1].x2 as number).toBeGreaterThanOrEqual(rows[k].x2 as number);
    for (const r of rows) expect(r.p as number).toBeCloseTo(ref.sigmoid(predict((r.id as number) - 100)), 12);
  });

  it('rejects a matrix not computed row by row from that relation (PlanError, at build time)', () => {
    const X = rel.toMatrix(['x1', 'x2']);
    const other = fromColumns({ x1, x2 });
    const filtered = rel.filter((r) => r.x1.gt(0));
    const cases: Matrix<number, number>[] = [
      matrix(uniform(n, 1, rand)), // a literal: no row link at all
      other.toMatrix(['x1', 'x2']).select(0), // same values, another relation
      filtered.toMatrix(['x1']), // a filtered version of the relation
      X.filterRows(X.select(0)), // rows filtered on the matrix side
      X.crossprod(), // not row by row
      X.transpose().transpose(), // the row link is lost through a transpose
    ];
    for (const m of cases) expect(() => rel.withMatrixColumns(m, m.shape.cols === 1 ? ['p'] : ['p', 'q'])).toThrow(PlanError);
    expect(() => rel.withMatrixColumns(X, ['only_one'])).toThrow(PlanError);
    expect(() => rel.withMatrixColumns(X.select(0), ['id'])).toThrow(/duplicate column name 'id'/);
  });

  it('toRelation gives one float64 column per matrix column', async () => {
    const m = matrix([[1, 2], [3, 4], [5, 6]]).matmul(matrix([[1, 0, 1], [0, 1, 1]]));
    const r = m.toRelation(['a', 'b', 'sum']);
    expect(r.schema.fields.map((f) => `${f.name}:${f.dtype}`)).toEqual(['a:float64', 'b:float64', 'sum:float64']);
    expect(await r.collectRows()).toEqual([
      { a: 1, b: 2, sum: 3 },
      { a: 3, b: 4, sum: 7 },
      { a: 5, b: 6, sum: 11 },
    ]);
    // And back: relational operators work on it, and it can be turned into a matrix again.
    const big = r.filter((row) => row.sum.gt(5));
    expectRowsClose(await collect(big.toMatrix(['sum', 'a'])), [[7, 3], [11, 5]], 0);
    expect(() => m.toRelation(['a', 'b'])).toThrow(PlanError);
    // float32 matrices become float64 columns.
    const f = await matrix([[0.1]], { dtype: 'float32' }).toRelation(['v']).collectRows();
    expect(f).toEqual([{ v: Math.fround(0.1) }]);
  });
});

describe('explain', () => {
  const rel = fromColumns({ id: Int32Array.from([1, 2, 3]), x: [1, 2, 3], city: ['a', 'b', 'a'], y: [0, 1, 1] });
  const kept = rel.filter((r) => r.x.gt(1));
  const X = kept.toMatrix(['x', { onehot: 'city', categories: ['a', 'b'] }], { intercept: true });
  const beta = linearRegression(X, kept.toMatrix(['y']), { ridge: 1 });
  /** Index of the first line containing `s` (−1 when none). */
  const lineOf = (text: string, s: string) => text.split('\n').findIndex((l) => l.includes(s));

  it('shows matrix operators with shapes and dtypes in the same tree as the relational ones', () => {
    const text = X.matmul(beta).explain();
    for (const s of ['MatMul', 'ToMatrix x, onehot(city: 2), intercept', 'Solve', 'CrossProd', 'Identity 4', 'Filter (x > 1)', 'Scan', 'matrix ?×1 float64', '4×4', '4×1']) {
      expect(text).toContain(s);
    }
    // One tree: MatMul above ToMatrix above the relational Filter and Scan.
    expect(lineOf(text, 'MatMul')).toBeGreaterThanOrEqual(0);
    expect(lineOf(text, 'ToMatrix')).toBeGreaterThan(lineOf(text, 'MatMul'));
    expect(lineOf(text, 'Filter')).toBeGreaterThan(lineOf(text, 'ToMatrix'));
    expect(lineOf(text, 'Scan')).toBeGreaterThan(lineOf(text, 'Filter'));
  });

  it('verbose explain prints every operator’s output type, matrix and relation alike', () => {
    const text = X.matmul(beta).explain({ verbose: true });
    for (const s of ['matrix ?×1 float64', 'matrix ?×4 float64', 'matrix 4×4 float64', 'matrix 4×1 float64', '[id: int32, x: float64, city: string, y: float64]']) {
      expect(text).toContain(s);
    }
    // The output type sits right under its operator.
    const lines = text.split('\n');
    const at = lineOf(text, 'ToMatrix x, onehot');
    expect(lines[at + 1]).toContain('matrix ?×4 float64');

    const scored = kept.withMatrixColumns(X.matmul(beta), ['prediction']).explain({ verbose: true });
    expect(scored).toContain('AppendColumns prediction');
    expect(scored).toContain('prediction: float64');
    expect(scored).toContain('matrix ?×1 float64');

    const f32 = rel.toMatrix(['x'], { dtype: 'float32' }).matmul(matrix([[2]], { dtype: 'float32' })).explain({ verbose: true });
    expect(f32).toContain('matrix 3×1 float32');
    expect(f32).toContain('ToMatrix x float32');
  });

  it('explain analyze shows the actual shapes after the filter', async () => {
    const text = await X.matmul(beta).explain({ analyze: true });
    expect(text).toContain('2×4'); // X after the filter keeps 2 of 3 rows
    expect(text).toContain('2×1');
  });
});
