import { FEATURES, KEPT, OUTPUTS, buildParts as buildProjection } from '../../examples/projection.js';
import { type Relation, type RunOptions, fromDense } from '../../src/index.js';
import type { BenchCase, BenchSystem, Suite } from '../harness.js';
import { appendTable, type DuckDB, forEachChunk, openDuckDB } from '../peers/duckdb.js';
import { type ArrowColumn, PandasPeer, writeArrowFile, writeNpy } from '../peers/python.js';
import { tfjs } from '../peers/tfjs.js';
import { type Columns, compareRelations } from '../workloads/check.js';
import { relationColumns } from '../workloads/columns.js';

/**
 * W4 (docs/workloads.md), projection through a product: scores X·W (X: customers × 64,
 * W: 64 × 512), of which the pipeline keeps 4 columns, for the customers of segment
 * seg3. The Tessera pipeline is examples/projection.ts; the optimizer multiplies only
 * W's 4 columns and only seg3's rows.
 *
 * Systems (the reference first): `tessera`; `tessera-unoptimized` (`{ optimize: false }`);
 * `duckdb+tfjs`: DuckDB returns `id, segment, f1..f64` of every customer, copied into
 * typed arrays (X row-major, float32), TF.js (WASM) computes X·W and gathers the 4
 * columns, the segment filter runs in JS; `duckdb+js`: the same with a Float64Array and
 * Tessera's kernels (`{ optimize: false }` on a literal); `pandas+numpy`:
 * `X @ W`, 4 columns assigned, a boolean mask (bench/peers/pandas_workloads.py). Every
 * peer runs the pipeline as written: the product first, the selections after it.
 * Check: id and s1..s4, as multisets of rows, scores within tolerance.
 *
 * Sizes: docs/workloads.md has 1,000,000 customers; the full run uses 250,000 (every
 * other dimension as there): at 250,000 duckdb+js took 5.7 s per run on a 2-core machine
 * (the unoptimized plan 3.8 s), so about 23 s at 1,000,000, with a 4 GB n × 512 float64
 * product in three systems at once. Every system's work is linear in the row count.
 * --quick: 4,000.
 */

const FULL_ROWS = 250_000;
const QUICK_ROWS = 4_000;
const SEGMENT = 'seg3';
const SCORE_NAMES = ['s1', 's2', 's3', 's4'];
const GLUE_RUN: RunOptions = { optimize: false };
const python = new PandasPeer('w4');

interface Loaded {
  readonly customers: Record<string, ArrowColumn>;
  readonly W: { rows: number; cols: number; data: Float64Array };
}

const featureNames = Array.from({ length: FEATURES }, (_, j) => `f${j + 1}`);

/** Every customer's id, segment and features (X row-major in a Float32Array or Float64Array). */
async function queryCustomers<A extends Float32Array | Float64Array>(duck: DuckDB, make: (n: number) => A) {
  const result = await duck.db.run(`SELECT id, segment, ${featureNames.join(', ')} FROM customers`);
  const n = result.rowCount;
  const ids = new Int32Array(n);
  const segments = new Array<string>(n);
  const X = make(n * FEATURES);
  forEachChunk(result, (chunk, base) => {
    const id = chunk.getColumnVector(0);
    const segment = chunk.getColumnVector(1);
    for (let i = 0; i < chunk.rowCount; i++) {
      ids[base + i] = id.getItem(i) as number;
      segments[base + i] = segment.getItem(i) as string;
    }
    for (let j = 0; j < FEATURES; j++) {
      const col = chunk.getColumnVector(j + 2);
      for (let i = 0, at = base * FEATURES + j; i < chunk.rowCount; i++, at += FEATURES) X[at] = col.getItem(i) as number;
    }
  });
  return { ids, segments, X, n };
}

/** The glue's last step: the rows of SEGMENT, with the 4 score columns (row-major n × 4 in `kept`). */
function keepSegment(ids: Int32Array, segments: readonly string[], kept: Float32Array | Float64Array): Columns {
  const rows: number[] = [];
  for (let i = 0; i < ids.length; i++) if (segments[i] === SEGMENT) rows.push(i);
  const make = (n: number) => (kept instanceof Float32Array ? new Float32Array(n) : new Float64Array(n));
  const scores = SCORE_NAMES.map((_, j) => {
    const out = make(rows.length);
    rows.forEach((i, r) => (out[r] = kept[i * SCORE_NAMES.length + j]));
    return out;
  });
  return { names: ['id', ...SCORE_NAMES], columns: [Int32Array.from(rows, (i) => ids[i]), ...scores] };
}

function peers(data: () => Loaded): { systems: BenchSystem[]; close: () => Promise<void> } {
  let duck: Promise<{ duck: DuckDB; seconds: number }> | null = null;
  const loadDuck = () =>
    (duck ??= (async () => {
      const start = performance.now();
      const d = await openDuckDB();
      await appendTable(d.db, 'customers', data().customers);
      return { duck: d, seconds: (performance.now() - start) / 1000 };
    })());
  let tfW: { tf: Awaited<ReturnType<typeof tfjs>>; W: ReturnType<Awaited<ReturnType<typeof tfjs>>['tensor2d']> } | null = null;
  const phases: Record<string, Record<string, number>> = {};
  const systems: BenchSystem[] = [
    {
      name: 'duckdb+tfjs',
      load: async () => {
        const start = performance.now();
        const { seconds } = await loadDuck();
        const tf = await tfjs();
        tfW = { tf, W: tf.tensor2d(Float32Array.from(data().W.data), [FEATURES, OUTPUTS]) };
        return seconds + (performance.now() - start) / 1000;
      },
      run: async () => {
        const { tf, W } = tfW!;
        const t0 = performance.now();
        const { ids, segments, X, n } = await queryCustomers((await loadDuck()).duck, (k) => new Float32Array(k));
        const t1 = performance.now();
        const kept = tf.tidy(() => tf.gather(tf.matMul(tf.tensor2d(X, [n, FEATURES]), W), Array.from(KEPT), 1));
        const values = (await kept.data()) as Float32Array;
        kept.dispose();
        const t2 = performance.now();
        const out = keepSegment(ids, segments, values);
        phases['duckdb+tfjs'] = { query_copy_s: (t1 - t0) / 1000, matrix_s: (t2 - t1) / 1000, filter_s: (performance.now() - t2) / 1000 };
        return out;
      },
      timing: () => ({ phases: phases['duckdb+tfjs'] }),
    },
    {
      name: 'duckdb+js',
      load: async () => (await loadDuck()).seconds,
      run: async () => {
        const t0 = performance.now();
        const { ids, segments, X, n } = await queryCustomers((await loadDuck()).duck, (k) => new Float64Array(k));
        const t1 = performance.now();
        const kept = await fromDense({ rows: n, cols: FEATURES, data: X })
          .matmul(fromDense(data().W))
          .select(...KEPT)
          .collect(GLUE_RUN);
        const t2 = performance.now();
        const out = keepSegment(ids, segments, kept.data as Float64Array);
        phases['duckdb+js'] = { query_copy_s: (t1 - t0) / 1000, matrix_s: (t2 - t1) / 1000, filter_s: (performance.now() - t2) / 1000 };
        return out;
      },
      timing: () => ({ phases: phases['duckdb+js'] }),
    },
    python.system<Columns>({
      workload: 'w4',
      files: (dir) => {
        const files = { customers: `${dir}/customers.arrow`, W: `${dir}/W.npy` };
        writeArrowFile(files.customers, data().customers);
        writeNpy(files.W, data().W.rows, data().W.cols, data().W.data);
        return files;
      },
      params: () => ({ features: featureNames, kept: Array.from(KEPT), names: SCORE_NAMES, segment: SEGMENT }),
      toResult: (json) => json as Columns,
    }),
  ];
  return {
    systems,
    close: async () => {
      if (duck) (await duck).duck.close();
      duck = null;
      tfW?.W.dispose();
      tfW = null;
    },
  };
}

const suite: Suite = {
  name: 'w4',
  description: 'W4 projection through a product: (X·W)[:, 4 columns] for one segment; tessera vs tessera-unoptimized vs duckdb+tfjs vs duckdb+js vs pandas+numpy',
  measurePeakMemory: true,
  finish: () => python.finish(),
  *cases({ quick }): Iterable<BenchCase> {
    const rows = quick ? QUICK_ROWS : FULL_ROWS;
    const { customers, W, scores } = buildProjection(rows);
    let loaded: Loaded | null = null;
    const { systems, close } = peers(() => loaded!);
    yield {
      workload: 'W4-projection',
      case: { rows, features: FEATURES, outputs: OUTPUTS, kept: KEPT.length },
      systems: [{ name: 'tessera', run: () => scores.collect() }, { name: 'tessera-unoptimized', run: () => scores.collect({ optimize: false }) }, ...systems],
      check: compareRelations(['id', ...SCORE_NAMES]),
      setup: async () => {
        const w = await W.collect();
        loaded = { customers: await relationColumns(customers as unknown as Relation<never>), W: { rows: w.rows, cols: w.cols, data: Float64Array.from(w.data) } };
      },
      teardown: close,
    };
  },
};

export default suite;
