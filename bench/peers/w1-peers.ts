import type { DuckDBConnection } from '@duckdb/node-api';
import { type MatrixResultValue, type RunOptions, fromDense, linearRegression, logisticRegression } from '../../src/index.js';
import type { BenchSystem } from '../harness.js';
import type { MatrixLike } from '../workloads/check.js';
import { type Data, LOGREG_STEPS, type Op, rNamesOf, sNames } from '../workloads/w1-data.js';
import { appendTable, forEachChunk, sharedDuckDB } from './duckdb.js';
import { type PandasPeer, writeArrowFile } from './python.js';
import { gramOf, loadDuckDBAndTfjs, solveRidge, tfjs } from './tfjs.js';

/**
 * W1's peers for one grid point (bench/suites/w1.ts), sharing the point's loaded copies:
 *  - `duckdb+js`: DuckDB (2 threads) runs `SELECT s1.., r1.. [, y | label] FROM S JOIN R
 *    USING (rid) ORDER BY sid` (`sid` is S's row number, so rows line up with Tessera's),
 *    the result is copied chunk by chunk into a row-major Float64Array and the operation
 *    runs on that literal with Tessera's kernels (`{ optimize: false }`);
 *  - `duckdb+tfjs`: the same query copied into a Float32Array, the operation in TF.js
 *    (WASM): XᵀX, X·w, the normal equations (XᵀX and Xᵀy in TF.js, the d × d solve on
 *    Tessera's solver: TF.js has none), 20 gradient steps;
 *  - `pandas+numpy`: `S.merge(R)`, `to_numpy()`, numpy (bench/peers/pandas_workloads.py).
 * Query, copy and compute are all timed (phases: query_copy, matrix); loading is not.
 */

const GLUE_RUN: RunOptions = { optimize: false };
const LEARNING_RATE = 0.1;

async function fillDuckDB(db: DuckDBConnection, data: Data): Promise<void> {
  const rColumns: Record<string, Int32Array | Float64Array> = { rid: data.rid };
  rNamesOf(data).forEach((n, k) => (rColumns[n] = data.r[k]));
  const sColumns: Record<string, Int32Array | Float64Array> = { sid: Int32Array.from({ length: data.nS }, (_, i) => i), rid: data.fk };
  sNames.forEach((n, j) => (sColumns[n] = data.s[j]));
  sColumns.y = data.y;
  sColumns.label = data.label;
  await appendTable(db, 'R', rColumns);
  await appendTable(db, 'S', sColumns);
}

/** Runs the query; its first d columns into a row-major n × d array, the column after them (if `withTarget`) into an n-vector. */
async function queryToDense<A extends Float32Array | Float64Array>(db: DuckDBConnection, sql: string, d: number, withTarget: boolean, make: (n: number) => A): Promise<{ X: A; n: number; v: A | null }> {
  const result = await db.run(sql);
  const n = result.rowCount;
  const X = make(n * d);
  const v = withTarget ? make(n) : null;
  forEachChunk(result, (chunk, base) => {
    const m = chunk.rowCount;
    for (let j = 0; j < d; j++) {
      const col = chunk.getColumnVector(j);
      for (let i = 0, at = base * d + j; i < m; i++, at += d) X[at] = (col.getItem(i) as number | null) ?? NaN;
    }
    if (v !== null) {
      const col = chunk.getColumnVector(d);
      for (let i = 0; i < m; i++) v[base + i] = (col.getItem(i) as number | null) ?? NaN;
    }
  });
  return { X, n, v };
}

export function w1Peers(data: () => Data, python: PandasPeer) {
  const duck = sharedDuckDB((db) => fillDuckDB(db, data()));
  let files: Record<string, string> | null = null;

  const query = (op: Op) => {
    const features = [...sNames, ...rNamesOf(data())];
    const target = op === 'linreg' ? 'y' : op === 'logreg' ? 'label' : null;
    return { d: features.length, target, sql: `SELECT ${features.join(', ')}${target ? `, ${target}` : ''} FROM S JOIN R USING (rid) ORDER BY sid` };
  };

  function duckdbJs(op: Op): BenchSystem {
    let phases: Record<string, number> = {};
    return {
      name: 'duckdb+js',
      load: async () => (await duck.load()).seconds,
      run: async (): Promise<MatrixResultValue> => {
        const { d, target, sql } = query(op);
        const t0 = performance.now();
        const { X, n, v } = await queryToDense((await duck.load()).duck.db, sql, d, target !== null, (k) => new Float64Array(k));
        const t1 = performance.now();
        const T = fromDense({ rows: n, cols: d, data: X });
        const column = () => fromDense<number, 1>({ rows: n, cols: 1, data: v! });
        const result = await (op === 'TtT'
          ? T.crossprod()
          : op === 'T·w'
            ? T.matmul(fromDense<number, 1>({ rows: d, cols: 1, data: data().w }))
            : op === 'linreg'
              ? linearRegression(T, column())
              : logisticRegression(T, column(), { steps: LOGREG_STEPS, learningRate: LEARNING_RATE })
        ).collect(GLUE_RUN);
        phases = { query_copy_s: (t1 - t0) / 1000, matrix_s: (performance.now() - t1) / 1000 };
        return result;
      },
      timing: () => ({ phases }),
    };
  }

  function duckdbTfjs(op: Op): BenchSystem {
    let phases: Record<string, number> = {};
    return {
      name: 'duckdb+tfjs',
      load: () => loadDuckDBAndTfjs(duck),
      run: async (): Promise<MatrixLike> => {
        const tf = await tfjs();
        const { d, target, sql } = query(op);
        const t0 = performance.now();
        const { X, n, v } = await queryToDense((await duck.load()).duck.db, sql, d, target !== null, (k) => new Float32Array(k));
        const t1 = performance.now();
        let out: MatrixLike;
        if (op === 'linreg') {
          const [G, b] = tf.tidy(() => {
            const T = tf.tensor2d(X, [n, d]);
            return [gramOf(tf, T), tf.matMul(tf.transpose(T), tf.tensor2d(v!, [n, 1]))];
          });
          out = { rows: d, cols: 1, data: await solveRidge((await G.data()) as Float32Array, (await b.data()) as Float32Array, d, 0) };
          tf.dispose([G, b]);
        } else {
          const result = tf.tidy(() => {
            const T = tf.tensor2d(X, [n, d]);
            if (op === 'TtT') return gramOf(tf, T);
            if (op === 'T·w') return tf.matMul(T, tf.tensor2d(Float32Array.from(data().w), [d, 1]));
            const Tt = tf.transpose(T);
            const y = tf.tensor2d(v!, [n, 1]);
            let w = tf.zeros([d, 1]);
            for (let step = 0; step < LOGREG_STEPS; step++) w = tf.sub(w, tf.mul(tf.matMul(Tt, tf.sub(tf.sigmoid(tf.matMul(T, w)), y)), LEARNING_RATE / n));
            return w;
          });
          out = { rows: result.shape[0], cols: result.shape[1] ?? 1, data: (await result.data()) as Float32Array };
          result.dispose();
        }
        phases = { query_copy_s: (t1 - t0) / 1000, matrix_s: (performance.now() - t1) / 1000 };
        return out;
      },
      timing: () => ({ phases }),
    };
  }

  function pandas(op: Op): BenchSystem {
    return python.system<MatrixLike>({
      workload: 'w1',
      files: (dir) => {
        if (files) return files;
        const d = data();
        const tag = `${d.nS}-${d.r.length}`;
        files = { S: `${dir}/S-${tag}.arrow`, R: `${dir}/R-${tag}.arrow` };
        const rColumns: Record<string, Int32Array | Float64Array> = { rid: d.rid };
        rNamesOf(d).forEach((n, k) => (rColumns[n] = d.r[k]));
        const sColumns: Record<string, Int32Array | Float64Array> = { rid: d.fk, y: d.y, label: d.label };
        sNames.forEach((n, j) => (sColumns[n] = d.s[j]));
        writeArrowFile(files.R, rColumns);
        writeArrowFile(files.S, sColumns);
        return files;
      },
      params: () => ({ op, features: [...sNames, ...rNamesOf(data())], w: Array.from(data().w), steps: LOGREG_STEPS, rate: LEARNING_RATE }),
      toResult: (json) => {
        const m = json as { rows: number; cols: number; data: number[] };
        return { rows: m.rows, cols: m.cols, data: Float64Array.from(m.data) };
      },
    });
  }

  return {
    systems: (op: Op): BenchSystem[] => [duckdbJs(op), duckdbTfjs(op), pandas(op)],
    close: () => duck.close(),
  };
}
