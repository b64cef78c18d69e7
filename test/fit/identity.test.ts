/**
 * Same answers: a fitted pipeline's single-row path gives, bit for bit, what the batch
 * plan gives, for every encoder (numeric, standardize, one-hot, hash; dense, CSR and
 * hybrid layouts; float32) and learner (linear and logistic regression, k-means): on
 * the training rows against the training-time plan's collect(), and on rows with
 * unseen categories, nulls and extreme values against the fitted plan's batch run.
 * Each pipeline also round-trips through its JSON artefact.
 */
import { describe, expect, it } from 'vitest';
import {
  type Matrix,
  FittedPipeline,
  clusterIds,
  fit,
  fromColumns,
  kmeans,
  kmeansAssignment,
  linearRegression,
  logisticRegression,
  predictProbabilities,
} from '../../src/index.js';
import { expectBitIdentical, servingRows, tableColumns, trainingData } from './support.js';

const N = 400;
const NUM = 5;
const CAT = 3;
const data = trainingData(N, NUM, CAT);
const serving = servingRows(60, NUM, CAT);
/** Serving rows without NaN/±Infinity features: learners whose training-time products skip zeros need finite rows to agree. */
const rel = fromColumns(data.columns as never, { types: { c0: 'string?', c1: 'string?', c2: 'string?' } as never }) as any;

/** Columns of a collected matrix. */
async function matrixColumns(m: Matrix<number, number>): Promise<Float64Array[]> {
  const r = await m.collect();
  return Array.from({ length: r.cols }, (_, j) => Float64Array.from({ length: r.rows }, (_, i) => r.get(i, j)));
}

async function checkPipeline(pipeline: Matrix<number, number>): Promise<FittedPipeline> {
  const fitted = await fit(pipeline);
  // Training rows: the single-row path and the fitted batch agree with the training-time plan.
  const training = await matrixColumns(pipeline);
  expectBitIdentical(fitted, data.rows, training);
  const batch = await fitted.predict(data.rows);
  const names = batch.schema.fields.map((f) => f.name);
  expect(tableColumns(batch, names)).toEqual(training);
  // New rows: unseen categories, nulls, extremes.
  const served = await fitted.predict(serving);
  expectBitIdentical(fitted, serving, tableColumns(served, names));
  // Save → load → score, bit for bit.
  const loaded = FittedPipeline.load(JSON.parse(JSON.stringify(fitted.toJSON())));
  expectBitIdentical(loaded, [...data.rows.slice(0, 50), ...serving], tableColumns(await fitted.predict([...data.rows.slice(0, 50), ...serving]), names));
  return fitted;
}

describe('fit: single row = batch, bit for bit', () => {
  const Y = rel.toMatrix(['y']);
  const Z = rel.toMatrix(['z']);

  it('linear regression over numeric, standardized, one-hot and hashed features (dense layout)', async () => {
    const X = rel.toMatrix(['x0', { standardize: 'x1' }, { standardize: 'x2' }, { onehot: 'c0' }, { hash: 'c1', buckets: 4 }], { intercept: true });
    const fitted = await checkPipeline(X.matmul(linearRegression(X, Y, { ridge: 0.5 })));
    expect(fitted.constants.map((c) => c.kind)).toEqual(['matrix', 'standardize', 'standardize']);
    expect(fitted.input.fields.map((f) => f.name)).toEqual(['x0', 'x1', 'x2', 'c0', 'c1']);
  });

  it('logistic regression with many one-hot columns (hybrid layout: dense block + CSR)', async () => {
    const X = rel.toMatrix([{ standardize: 'x0' }, 'x3', { onehot: 'c0' }, { onehot: 'c1' }, { onehot: 'c2' }, { hash: 'x4', buckets: 8 }], { intercept: true });
    await checkPipeline(predictProbabilities(X, logisticRegression(X, Z, { steps: 15, learningRate: 0.2 })));
  });

  it('ridge regression over one-hot and hashed features only (CSR layout)', async () => {
    const X = rel.toMatrix([{ onehot: 'c0' }, { onehot: 'c1' }, { hash: 'c2', buckets: 5 }]);
    await checkPipeline(X.matmul(linearRegression(X, Y, { ridge: 1 })));
  });

  it('k-means cluster ids and the assignment indicator (a product with k output columns)', async () => {
    const X = rel.toMatrix([{ standardize: 'x0' }, { standardize: 'x1' }, 'x2', { onehot: 'c0' }]);
    const C = kmeans(X, { k: 4, iterations: 6, seed: 3 });
    await checkPipeline(clusterIds(kmeansAssignment(X, C)));
    await checkPipeline(kmeansAssignment(X, C));
  });

  it('k-means: a batch of one row gives the single-row bits (distances and cluster ids), nulls, unseen categories and extremes included', async () => {
    // A dense block wider than 4 beside one-hot columns (hybrid), and k > 1 output columns:
    // the product a one-row batch runs alone (gemm with one row) must add as a many-row one does.
    const X = rel.toMatrix([{ standardize: 'x0' }, { standardize: 'x1' }, 'x2', 'x3', 'x4', { onehot: 'c0' }, { onehot: 'c1' }]);
    const C = kmeans(X, { k: 5, iterations: 6, seed: 11 });
    const distances = X.matmul(C.transpose()).scale(-2).add(C.mul(C).rowSums().transpose());
    const rows = [...data.rows.slice(0, 120), ...serving];
    for (const pipeline of [distances, clusterIds(kmeansAssignment(X, C))]) {
      const fitted = await checkPipeline(pipeline);
      const mismatches: string[] = [];
      for (const [i, row] of rows.entries()) {
        const single = fitted.predict(row)!;
        const one = await fitted.predict([row]);
        one.schema.fields.forEach((f, j) => {
          const v = one.getChild(f.name)!.get(0) as number;
          if (!Object.is(v, single[j])) mismatches.push(`row ${i}, ${f.name}: one-row batch ${v}, single row ${single[j]}`);
        });
      }
      expect(mismatches.slice(0, 5)).toEqual([]);
    }
  });

  it('float32 features and model', async () => {
    const X = rel.toMatrix(['x0', { standardize: 'x1' }, 'x2'], { intercept: true, dtype: 'float32' });
    const Z32 = rel.toMatrix(['z'], { dtype: 'float32' });
    const fitted = await checkPipeline(X.matmul(logisticRegression(X, Z32, { steps: 5 })).sigmoid());
    expect(fitted.constants.find((c) => c.kind === 'matrix')?.kind === 'matrix' && (fitted.constants[0] as { value: { data: unknown } }).value.data).toBeInstanceOf(Float32Array);
  });

  it('element-wise steps with frozen rows: centring by training column means, clipping, row sums', async () => {
    const X = rel.toMatrix(['x0', 'x1', 'x2']);
    const centred = X.sub(X.colMeans()).div(X.mul(X).colMeans().sqrt());
    await checkPipeline(centred.clip(-2, 2).rowSums().hstack(centred.select('x1').exp()));
  });

  it('filters and computed columns before the encoders: dropped rows are dropped in both paths', async () => {
    const keep = (r: any) => r.c2.isNotNull().and(r.x3.lt(20));
    const base = rel.select('x0', 'x1', 'x2', 'x3', 'c2').filter(keep).withColumn('ratio', (r: any) => r.x0.div(r.x1.abs().add(1)));
    const X = base.toMatrix(['ratio', { standardize: 'x2' }, { onehot: 'c2' }], { intercept: true });
    const labels = rel.filter(keep).toMatrix(['y']);
    const scored = base.withMatrixColumns(X.matmul(linearRegression(X, labels, { ridge: 0.1 })), ['predicted']);
    const fitted = await fit(scored);
    for (const rows of [data.rows, serving]) {
      const batch = tableColumns(await fitted.predict(rows), ['predicted'])[0];
      const single = rows.map((r) => fitted.predict(r)).filter((v) => v !== null).map((v) => v![0]);
      expect(single.length).toBe(batch.length);
      expect(single.every((v, i) => Object.is(v, batch[i]))).toBe(true);
      expect(single.length).toBeLessThan(rows.length);
    }
    const training = tableColumns(await scored.collect(), ['predicted'])[0];
    expect(tableColumns(await fitted.predict(data.rows), ['predicted'])[0]).toEqual(training);
  });

  it('predictions appended to the input rows (a relation pipeline)', async () => {
    const base = rel.select('x0', 'x1', 'c0');
    const X = base.toMatrix(['x0', { standardize: 'x1' }, { onehot: 'c0' }], { intercept: true });
    const scored = base.withMatrixColumns(X.matmul(linearRegression(X, Y)), ['predicted']);
    const fitted = await fit(scored);
    const training = tableColumns(await scored.collect(), ['predicted']);
    expectBitIdentical(fitted, data.rows, training);
    const batch = await fitted.predict(serving);
    expect(batch.schema.fields.map((f) => f.name)).toEqual(['x0', 'x1', 'c0', 'predicted']);
    expectBitIdentical(fitted, serving, tableColumns(batch, ['predicted']));
  });
});
