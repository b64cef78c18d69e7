/**
 * Steps between the raw input and the encoders. Row-wise ones (withColumn and select
 * with casts, date parts, string functions, conditionals, coalesce; filter, dropNulls)
 * run in the single-row path and give the batch's bits, also after a save and load, on
 * rows with nulls, unseen categories and extreme values; an error one path raises the
 * other raises too. Steps that read other rows (sort, limit, distinct, join, union,
 * aggregate, validate) are refused at fit time by a PlanError naming the step.
 */
import { describe, expect, it } from 'vitest';
import { FittedPipeline, OverflowError, PlanError, type InputRow, checks, fit, fromColumns, linearRegression, when } from '../../src/index.js';
import { expectBitIdentical, rng, tableColumns } from './support.js';

const N = 300;
const rand = rng(31);
const fruits = ['apple', 'banana', 'cherry', 'avocado'];
const columns = {
  x: Array.from({ length: N }, () => rand() * 100 - 50),
  k: Array.from({ length: N }, (_, i) => BigInt(i % 17) * 3n),
  i: Array.from({ length: N }, (_, i) => (i * 7) % 23),
  b: Array.from({ length: N }, (_, i) => i % 3 === 0),
  d: Array.from({ length: N }, (_, i) => new Date(Date.UTC(2000 + (i % 20), i % 12, 1 + (i % 28)))),
  s: Array.from({ length: N }, (_, i) => (i % 5 === 0 ? null : fruits[Math.floor(rand() * 4)])),
  f: Float32Array.from({ length: N }, () => rand() * 3),
  y: Array.from({ length: N }, () => rand() * 10),
};
const rel = fromColumns(columns as never, { types: { k: 'int64', i: 'int32', s: 'string?', f: 'float32' } as never }) as any;
const trainingRows: InputRow[] = Array.from({ length: N }, (_, i) => Object.fromEntries(Object.entries(columns).map(([name, v]) => [name, (v as ArrayLike<unknown>)[i]])));

/** Rows unlike the training rows: unseen strings, null strings, far dates, extreme and special numbers. */
const servingRows: InputRow[] = Array.from({ length: 40 }, (_, i) => ({
  x: [1e308, -1e308, 5e-324, -0, Infinity, -Infinity, NaN, 12.5][i % 8],
  k: [0n, 3n, -(2n ** 40n), 2n ** 40n][i % 4],
  i: [0, -2147483648, 2147483647, 5][i % 4],
  b: i % 2 === 0,
  d: new Date(Date.UTC([1900, 2099, 1970, 2024][i % 4], i % 12, 1 + (i % 28))),
  s: [null, 'durian', 'apple', 'banana', 'ANAN'][i % 5],
  f: [Math.fround(1e30), -0, 0.1, 3][i % 4],
  y: 0,
}));

/** Computed columns of every row-wise kind, a filter and dropNulls between the input and the encoder. */
function pipeline() {
  const base = rel
    .dropNulls('d')
    .filter((r: any) => r.i.lt(22))
    .withColumn('ratio', (r: any) => r.x.div(r.k.cast('float64').add(1)))
    .withColumn('yr', (r: any) => r.d.year())
    .withColumn('mo', (r: any) => r.d.month().cast('float64'))
    .withColumn('dow', (r: any) => r.d.dayOfWeek())
    .withColumn('startsA', (r: any) => r.s.startsWith('a').coalesce(false).cast('int32'))
    .withColumn('kind', (r: any) => when(r.s.like('%an%'), 'an').when(r.s.isIn(['cherry']), 'ch').otherwise(r.s.coalesce('none')))
    .withColumn('bi', (r: any) => r.b.cast('int32'))
    .withColumn('kk', (r: any) => r.k.mul(2))
    .withColumn('ff', (r: any) => r.f.mul(2))
    .select('ratio', 'yr', 'mo', 'dow', 'startsA', 'kind', 'bi', 'kk', 'ff', 'i', 'b', 's');
  const X = base.toMatrix(
    ['ratio', { standardize: 'yr' }, 'mo', 'dow', 'startsA', { onehot: 'kind', categories: ['an', 'ch', 'apple', 'avocado', 'none'] }, 'bi', 'kk', 'ff', { hash: 'yr', buckets: 5 }, { hash: 's', buckets: 3 }, 'i', 'b'],
    { intercept: true },
  );
  const labels = rel.dropNulls('d').filter((r: any) => r.i.lt(22)).toMatrix(['y']);
  return X.matmul(linearRegression(X, labels, { ridge: 1 }));
}

describe('fit: steps between the raw input and the encoders', () => {
  it('casts, date parts, string functions, conditionals, filters: single row = batch = training plan, bit for bit', async () => {
    const p = pipeline();
    const fitted = await fit(p);
    expect(fitted.input.fields.map((f) => f.name).sort()).toEqual(['b', 'd', 'f', 'i', 'k', 's', 'x']);
    // Training rows: the single-row path gives the training-time plan's values; rows the filter drops give null.
    const training = await p.collect();
    const kept = trainingRows.filter((r) => (r.i as number) < 22);
    expect(training.rows).toBe(kept.length);
    expectBitIdentical(fitted, kept, [Float64Array.from({ length: training.rows }, (_, i) => training.get(i, 0))]);
    expect(trainingRows.filter((r) => (r.i as number) >= 22).every((r) => fitted.predict(r) === null)).toBe(true);
    // Serving rows, before and after a save and load.
    for (const f of [fitted, FittedPipeline.load(JSON.parse(JSON.stringify(fitted.toJSON())))]) {
      const served = servingRows.filter((r) => (r.i as number) < 22);
      const batch = await f.predict(served);
      expect(batch.numRows).toBe(served.length);
      expectBitIdentical(f, served, tableColumns(batch, [batch.schema.fields[0].name]));
      expect(f.predict(servingRows.find((r) => (r.i as number) >= 22)!)).toBeNull();
    }
  });

  it('an int64 overflow in a computed column is an OverflowError in both paths; a null date dropNulls drops is dropped in both', async () => {
    const fitted = await fit(pipeline());
    const row = { ...servingRows[3], k: 2n ** 53n - 1n };
    expect(() => fitted.predict(row)).toThrow(OverflowError);
    await expect(fitted.predict([row])).rejects.toThrow(OverflowError);
    expect(fitted.predict({ ...servingRows[3], d: null })).toBeNull();
    expect((await fitted.predict([{ ...servingRows[3], d: null }])).numRows).toBe(0);
  });

  const dim = fromColumns({ s: ['apple', 'banana'], w: [0.5, 1.5] }) as any;
  const refused: [string, () => any, RegExp][] = [
    ['orderBy', () => rel.orderBy('x'), /Sort x ASC lies between the raw input rows.*sort the scored rows instead/],
    ['limit', () => rel.limit(100), /Limit 100 .*by their position/],
    ['distinct', () => rel.distinct(), /Distinct .*drops rows equal to other rows/],
    ['join', () => rel.join(dim, 's'), /Join inner on s .*reads a second relation/],
    ['unionAll', () => rel.unionAll(rel), /UnionAll .*adds the rows of a second relation/],
    ['groupBy', () => rel.groupBy('s').agg((r: any) => ({ x: r.x.sum(), y: r.y.mean() })), /Aggregate by \[s\].*combines rows/],
    ['validate', () => rel.validate([checks.range('x', { min: -60, max: 60 })], { policy: 'drop' }).relation, /Validate policy=drop: range\(x.*fitted\.checkRow/],
  ];
  for (const [name, build, message] of refused) {
    it(`${name} before the encoders is refused at fit time by a PlanError naming it`, async () => {
      const r = build();
      const X = r.toMatrix(['x'], { intercept: true });
      const error = await fit(X.matmul(linearRegression(X, r.toMatrix(['y']), { ridge: 1 }))).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PlanError);
      expect((error as PlanError).operator).toBe('fit');
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).toMatch(/only projections \(select, withColumn.*\) and filters \(filter, dropNulls\)/);
    });
  }
});
