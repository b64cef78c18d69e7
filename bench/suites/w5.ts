import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Table, tableFromArrays } from 'apache-arrow';
import { mulberry32 } from '../../src/data/random.js';
import { type FittedPipeline, type InputRow, fit, fromColumns, linearRegression, logisticRegression, predictProbabilities } from '../../src/index.js';
import type { BenchCase, BenchRecord, BenchSystem, Suite } from '../harness.js';
import { PandasPeer } from '../peers/python.js';
import { postOrder } from '../../src/plan/node.js';

/**
 * W5: train once, serve the same (docs/serving.md). A pipeline of standardize (40
 * numeric features) + one-hot (10 categorical features, 8 categories each, 5% nulls)
 * + intercept, then linear (ridge) or logistic regression (20 steps), fitted once on
 * TRAIN rows; then scored.
 *
 * Systems, per workload (`linear`, `logistic`):
 *  - `tessera-batch` (the reference): `fitted.predict(rows)` over a pool of POOL row
 *    objects: the fitted plan collected by the engine (rows → columns → plan → Arrow);
 *    its median gives batch throughput;
 *  - `tessera-batch-arrow`: the same rows as an Arrow table (columns read in place);
 *  - `tessera-row`: CALLS calls of `fitted.predictValue(row)` cycling through the pool,
 *    each timed with performance.now() (its ~0.05 µs overhead is included); the records
 *    carry `p50_s` and `p99_s` (medians over rounds), `median_s` is all calls together;
 *  - `hand-written`: the lower bound: a scorer written by hand over typed arrays with
 *    the fitted constants (means, deviations, categories, coefficients), timed the same way;
 *  - `sklearn-row`: scikit-learn's Pipeline.predict on one row (predict_proba's positive
 *    class for the logistic model), `sklearn_calls` calls cycling through the pool, each
 *    timed in the Python worker (bench/peers/worker.py, sklearn_workloads.py), p50/p99
 *    as for tessera-row; `sklearn-batch`: the Pipeline over the whole pool (from a
 *    DataFrame already loaded). The Pipeline (ColumnTransformer of StandardScaler and
 *    OneHotEncoder, then LinearRegression or LogisticRegression) holds Tessera's fitted
 *    constants: the means, deviations, categories and coefficients are loaded into it,
 *    not fitted again (see sklearn_workloads.py). The first Python that has scikit-learn
 *    and pandas runs it ($TESSERA_PYTHON, python3, /usr/bin/python3), without
 *    OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE; without one both are skipped with a notice.
 *
 * `check` is "ok" only when every output of a system (all CALLS of them for the
 * single-row systems) equals the batch result for that row bit for bit; scikit-learn's
 * outputs, summed by numpy in another order, within SKLEARN_TOLERANCE. The pool holds
 * rows like the training rows, rows with unseen categories and nulls. Training, fitting
 * and generating the pool happen in `setup`, outside the timed runs.
 */

const NUM = 40;
const CAT = 10;
const LEVELS = 8;

interface Sizes {
  readonly train: number;
  readonly pool: number;
  readonly calls: number;
  /** scikit-learn's single-row calls: fewer, as one takes about a millisecond. */
  readonly sklearnCalls: number;
}
const FULL: Sizes = { train: 50_000, pool: 10_000, calls: 100_000, sklearnCalls: 10_000 };
const QUICK: Sizes = { train: 5_000, pool: 2_000, calls: 20_000, sklearnCalls: 2_000 };

/** |sklearn − Tessera| ≤ SKLEARN_TOLERANCE · (1 + |Tessera|): the same constants, summed in another order. */
const SKLEARN_TOLERANCE = 1e-9;

const sklearn = new PandasPeer('w5', {
  modules: ['sklearn', 'pandas', 'numpy'],
  installHint: 'no Python with scikit-learn and pandas (set TESSERA_PYTHON, or on Debian: apt-get install python3-sklearn)',
});

function trainingColumns(n: number, seed: number) {
  const rand = mulberry32(seed);
  const cols: Record<string, unknown> = {};
  const beta = Array.from({ length: NUM }, () => rand() * 2 - 1);
  const y = new Float64Array(n);
  for (let j = 0; j < NUM; j++) {
    const x = new Float64Array(n);
    const scale = 1 + j;
    for (let i = 0; i < n; i++) {
      x[i] = (rand() - 0.5) * scale + j;
      y[i] += beta[j] * (x[i] - j) / scale;
    }
    cols[`x${j}`] = x;
  }
  for (let j = 0; j < CAT; j++) {
    const c = new Array<string | null>(n);
    for (let i = 0; i < n; i++) {
      const level = Math.floor(rand() * LEVELS);
      c[i] = rand() < 0.05 ? null : `k${level}`;
      y[i] += level === j % LEVELS ? 0.5 : 0;
    }
    cols[`c${j}`] = c;
  }
  const z = Float64Array.from(y, (v) => (v + (rand() - 0.5) > 0 ? 1 : 0));
  return { ...cols, y, z };
}

/** Pool rows: most like the training rows; every 10th with an unseen category, every 7th with a null category. */
function poolRows(count: number, seed: number): InputRow[] {
  const rand = mulberry32(seed);
  return Array.from({ length: count }, (_, i) => {
    const row: Record<string, unknown> = {};
    for (let j = 0; j < NUM; j++) row[`x${j}`] = (rand() - 0.5) * (1 + j) * 1.2 + j;
    for (let j = 0; j < CAT; j++) row[`c${j}`] = i % 10 === 0 && j === 3 ? 'never-seen' : i % 7 === 0 && j === 5 ? null : `k${Math.floor(rand() * LEVELS)}`;
    return row;
  });
}

/**
 * The scorer a developer writes by hand from the constants: standardized numerics and
 * the intercept summed in order, then one coefficient per known category (the order the
 * engine's dense-then-sparse product uses, so the bits agree), then σ for the logistic model.
 */
function handWritten(fitted: FittedPipeline, logistic: boolean): (row: InputRow) => number {
  const means = new Float64Array(NUM);
  const sds = new Float64Array(NUM);
  let beta: Float64Array | undefined;
  for (const c of fitted.constants) {
    if (c.kind === 'standardize') {
      const j = Number(c.column.slice(1));
      means[j] = c.mean;
      sds[j] = c.sd;
    } else beta = Float64Array.from(c.value.data);
  }
  const w = beta!;
  const names = Array.from({ length: NUM }, (_, j) => `x${j}`);
  const catNames = Array.from({ length: CAT }, (_, j) => `c${j}`);
  // Column of each category in the one-hot block (the plan's categories, in their order).
  const cats = catNames.map((_, j) => new Map(Array.from({ length: LEVELS }, (_, l) => [`k${l}`, NUM + j * LEVELS + l])));
  const intercept = NUM + CAT * LEVELS;
  return (row) => {
    let s = 0;
    for (let j = 0; j < NUM; j++) s += ((row[names[j]] as number) - means[j]) / sds[j] * w[j];
    s += w[intercept];
    for (let j = 0; j < CAT; j++) {
      const k = cats[j].get(row[catNames[j]] as string);
      if (k !== undefined) s += w[k];
    }
    if (!logistic) return s;
    if (s >= 0) return 1 / (1 + Math.exp(-s));
    const e = Math.exp(s);
    return e / (1 + e);
  };
}

/** CALLS timed calls of `score` over the pool; outputs kept for the check, latencies for p50/p99. */
function timedCalls(name: string, pool: readonly InputRow[], calls: number, score: (row: InputRow) => number): BenchSystem {
  const out = new Float64Array(calls);
  const lat = new Float64Array(calls);
  return {
    name,
    run: () => {
      for (let i = 0; i < calls; i++) {
        const row = pool[i % pool.length];
        const t0 = performance.now();
        const v = score(row);
        const t1 = performance.now();
        out[i] = v;
        lat[i] = t1 - t0;
      }
    },
    result: () => out,
    latency: () => {
      const sorted = Float64Array.from(lat).sort();
      return { p50_s: sorted[Math.floor(calls * 0.5)] / 1000, p99_s: sorted[Math.floor(calls * 0.99)] / 1000 };
    },
  };
}

/** Outputs of another system's arithmetic (scikit-learn): checked within SKLEARN_TOLERANCE, not bit for bit. */
class Approximate {
  constructor(readonly values: Float64Array) {}
}

/**
 * A system's outputs against the batch result, row i of the pool for call i: bit for bit
 * (Object.is), or within SKLEARN_TOLERANCE for Approximate outputs (NaN only where the batch has NaN).
 */
function checkOutputs(reference: unknown, other: unknown): string {
  const ref = reference as Float64Array;
  const approximate = other instanceof Approximate;
  const got = approximate ? other.values : (other as Float64Array);
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    const want = ref[i % ref.length];
    const v = got[i];
    const ok = approximate ? (Number.isNaN(want) ? Number.isNaN(v) : Math.abs(v - want) <= SKLEARN_TOLERANCE * (1 + Math.abs(want))) : Object.is(v, want);
    if (!ok) return `call ${i} (pool row ${i % ref.length}): ${v}, batch ${want}${approximate ? ` (beyond the tolerance ${SKLEARN_TOLERANCE})` : ''}`;
    if (approximate) worst = Math.max(worst, Math.abs(v - want) / (1 + Math.abs(want)));
  }
  if (approximate) console.log(`w5: scikit-learn's ${got.length} outputs agree with the batch within ${worst.toExponential(2)} (relative; tolerance ${SKLEARN_TOLERANCE})`);
  return 'ok';
}

/** The fitted model as sklearn_workloads.py builds its Pipeline: features in column order, coefficients, link. */
function sklearnModel(fitted: FittedPipeline, logistic: boolean): Record<string, unknown> {
  const encoder = postOrder(fitted.plan).find((n) => n.kind === 'toMatrix');
  if (encoder?.kind !== 'toMatrix') throw new Error('w5: the fitted plan has no toMatrix');
  const beta = fitted.constants.find((c) => c.kind === 'matrix');
  if (beta?.kind !== 'matrix') throw new Error('w5: the fitted pipeline has no coefficients');
  const features = encoder.args.features.map((f) => {
    if (f.encoding === 'standardize') return { column: f.column, encoding: f.encoding, mean: f.frozen!.mean, sd: f.frozen!.sd };
    if (f.encoding === 'onehot') return { column: f.column, encoding: f.encoding, categories: f.categories };
    return { column: f.column, encoding: f.encoding };
  });
  return { features, intercept: encoder.args.intercept, coef: Array.from(beta.value.data), link: logistic ? 'logistic' : 'identity' };
}

const suite: Suite = {
  name: 'w5',
  description: 'fitted standardize + one-hot + linear/logistic model over 50 raw features: single-row latency (p50/p99) and batch throughput vs a hand-written scorer and scikit-learn Pipeline',
  *cases({ quick }) {
    const sizes = quick ? QUICK : FULL;
    for (const workload of ['linear', 'logistic'] as const) {
      let fitted: FittedPipeline | undefined;
      const pool: InputRow[] = [];
      let batch = new Float64Array(0);
      const systems: BenchSystem[] = [
        {
          name: 'tessera-batch',
          run: async () => {
            const table = await fitted!.predict(pool);
            batch = Float64Array.from(table.getChild(fitted!.outputNames[0])!.toArray() as ArrayLike<number>);
          },
          result: () => batch,
        },
        {
          name: 'tessera-batch-arrow',
          run: async () => {
            const table = await fitted!.predict(poolTable!);
            return Float64Array.from(table.getChild(fitted!.outputNames[0])!.toArray() as ArrayLike<number>);
          },
        },
        timedCalls('tessera-row', pool, sizes.calls, (row) => fitted!.predictValue(row) ?? NaN),
        timedCalls('hand-written', pool, sizes.calls, (row) => hand!(row)),
        sklearn.system({
          name: 'sklearn-row',
          module: 'sklearn_workloads',
          workload: 'sklearn_row',
          files: (dir) => ({ pool: poolFile(dir) }),
          params: () => ({ model: sklearnConstants!, calls: sizes.sklearnCalls }),
          toResult: (json) => new Approximate(Float64Array.from((json as { outputs: number[] }).outputs)),
          latency: (json) => json as { p50_s: number; p99_s: number },
        }),
        sklearn.system({
          name: 'sklearn-batch',
          module: 'sklearn_workloads',
          workload: 'sklearn_batch',
          files: (dir) => ({ pool: poolFile(dir) }),
          params: () => ({ model: sklearnConstants! }),
          toResult: (json) => new Approximate(Float64Array.from((json as { outputs: number[] }).outputs)),
        }),
      ];
      let sklearnConstants: Record<string, unknown> | undefined;
      let poolPath: string | undefined;
      /** The pool as JSON columns (nulls as null) for the Python worker; written once per case. */
      const poolFile = (dir: string): string => {
        if (poolPath) return poolPath;
        poolPath = join(dir, `${workload}-pool.json`);
        writeFileSync(poolPath, JSON.stringify(Object.fromEntries(Object.keys(pool[0]).map((k) => [k, pool.map((r) => r[k])]))));
        return poolPath;
      };
      let hand: ((row: InputRow) => number) | undefined;
      let poolTable: Table | undefined;
      const c: BenchCase = {
        workload,
        case: { train_rows: sizes.train, features: NUM + CAT, pool_rows: sizes.pool, calls: sizes.calls, sklearn_calls: sizes.sklearnCalls },
        systems,
        check: checkOutputs,
        setup: async () => {
          const rel = fromColumns(trainingColumns(sizes.train, 5) as never, { types: Object.fromEntries(Array.from({ length: CAT }, (_, j) => [`c${j}`, 'string?'])) as never }) as any;
          const features = [...Array.from({ length: NUM }, (_, j) => ({ standardize: `x${j}` })), ...Array.from({ length: CAT }, (_, j) => ({ onehot: `c${j}` }))];
          const X = rel.toMatrix(features, { intercept: true });
          const model =
            workload === 'linear' ? X.matmul(linearRegression(X, rel.toMatrix(['y']), { ridge: 1 })) : predictProbabilities(X, logisticRegression(X, rel.toMatrix(['z']), { steps: 20 }));
          fitted = await fit(model);
          hand = handWritten(fitted, workload === 'logistic');
          sklearnConstants = sklearnModel(fitted, workload === 'logistic');
          if (workload === 'linear') {
            const info = await sklearn.info();
            if (!('missing' in info)) console.log(`w5: scikit-learn ${info.sklearn} (numpy ${info.numpy}, pandas ${info.pandas}, Python ${info.python}: ${info.exe})`);
          }
          pool.push(...poolRows(sizes.pool, 17));
          poolTable = tableFromArrays(Object.fromEntries(Object.keys(pool[0]).map((k) => [k, k.startsWith('x') ? Float64Array.from(pool, (r) => r[k] as number) : pool.map((r) => r[k] as string | null)])) as never) as unknown as Table;
        },
        teardown: () => {
          fitted = undefined;
          sklearnConstants = undefined;
          poolPath = undefined;
          poolTable = undefined;
          pool.length = 0;
        },
      };
      yield c;
    }
  },
  summarize(records: readonly BenchRecord[]) {
    for (const workload of ['linear', 'logistic']) {
      const row = records.find((r) => r.workload === workload && r.system === 'tessera-row');
      const hand = records.find((r) => r.workload === workload && r.system === 'hand-written');
      const batch = records.find((r) => r.workload === workload && r.system === 'tessera-batch');
      if (!row?.p50_s || !hand?.p50_s || !batch) continue;
      const rows = Number(batch.case.pool_rows);
      const arrow = records.find((r) => r.workload === workload && r.system === 'tessera-batch-arrow');
      console.log(
        `${workload}: single row p50 ${(row.p50_s * 1e6).toFixed(2)} µs (target ≤ 5), p99 ${(row.p99_s! * 1e6).toFixed(2)} µs (target ≤ 50), ` +
          `${(row.p50_s / hand.p50_s).toFixed(2)}× the hand-written scorer's p50 (target ≤ 2); batch ${(rows / batch.median_s / 1e3).toFixed(0)}k rows/s from row objects` +
          (arrow ? `, ${(rows / arrow.median_s / 1e3).toFixed(0)}k rows/s from Arrow` : ''),
      );
      const skRow = records.find((r) => r.workload === workload && r.system === 'sklearn-row');
      const skBatch = records.find((r) => r.workload === workload && r.system === 'sklearn-batch');
      if (skRow?.p50_s && skBatch?.median_s) {
        console.log(
          `${workload}: scikit-learn Pipeline.predict, one row p50 ${(skRow.p50_s * 1e6).toFixed(0)} µs, p99 ${(skRow.p99_s! * 1e6).toFixed(0)} µs ` +
            `(${(skRow.p50_s / row.p50_s).toFixed(0)}× Tessera's p50); batch ${(rows / skBatch.median_s / 1e3).toFixed(0)}k rows/s`,
        );
      }
    }
  },
  finish: () => sklearn.finish(),
};

export default suite;
