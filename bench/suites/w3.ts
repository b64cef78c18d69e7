import { buildParts as buildHybrid, FULL, type HybridSize } from '../../examples/hybrid.js';
import { type Relation, type RunOptions, fromDense } from '../../src/index.js';
import type { BenchCase, BenchSystem, Suite } from '../harness.js';
import { appendTable, type DuckDB, forEachChunk, openDuckDB } from '../peers/duckdb.js';
import { type ArrowColumn, PandasPeer, writeArrowFile, writeNpy } from '../peers/python.js';
import { tfjs } from '../peers/tfjs.js';
import { type Columns, compareRelations } from '../workloads/check.js';
import { relationColumns } from '../workloads/columns.js';

/**
 * W3 (docs/workloads.md), a hybrid expression: score = rowSums(M·W) + M·P·Q·v next to the
 * ids of A ⋈ B where active (M = f1..f100 of the joined rows; W, P: 100 × wide, Q: wide
 * × 100, v: 100 × 1). The Tessera pipeline is examples/hybrid.ts; the optimizer turns
 * rowSums(M·W) into M·rowSums(W) and orders the chain as M·(P·(Q·v)).
 *
 * Systems (the reference first): `tessera`; `tessera-unoptimized` (`{ optimize: false }`);
 * `duckdb+tfjs`: DuckDB runs `SELECT id, f1.. FROM A JOIN B USING (id) WHERE active`,
 * the result is copied into a row-major Float32Array, TF.js (WASM) evaluates the formula
 * as written; `duckdb+js`: the same query copied into a Float64Array, the formula as
 * written on Tessera's kernels (`{ optimize: false }` on a literal); `pandas+numpy`:
 * merge, boolean mask, `(M @ W).sum(axis=1) + M @ P @ Q @ v` (bench/peers/pandas_workloads.py).
 * W, P, Q and v are loaded into each peer with its data (load_s), not in the timed run.
 * Check: id and score, as multisets of rows (every id once), score within tolerance.
 *
 * Sizes: docs/workloads.md's full size (50,000 rows, wide 5,000); --quick: 4,000 rows, wide 1,000.
 */

const QUICK: HybridSize = { rows: 4_000, features: 100, wide: 1_000 };
const GLUE_RUN: RunOptions = { optimize: false };
const python = new PandasPeer('w3');

interface Loaded {
  readonly names: readonly string[];
  readonly A: Record<string, ArrowColumn>;
  readonly B: Record<string, ArrowColumn>;
  readonly matrices: Record<'W' | 'P' | 'Q' | 'v', { rows: number; cols: number; data: Float64Array }>;
}

/** The query's ids and features: ids as int32, M row-major in `M` (Float32Array or Float64Array). */
async function queryFeatures<A extends Float32Array | Float64Array>(duck: DuckDB, features: readonly string[], make: (n: number) => A): Promise<{ ids: Int32Array; M: A; m: number }> {
  const result = await duck.db.run(`SELECT id, ${features.join(', ')} FROM A JOIN B USING (id) WHERE active`);
  const m = result.rowCount;
  const d = features.length;
  const ids = new Int32Array(m);
  const M = make(m * d);
  forEachChunk(result, (chunk, base) => {
    const idColumn = chunk.getColumnVector(0);
    for (let i = 0; i < chunk.rowCount; i++) ids[base + i] = idColumn.getItem(i) as number;
    for (let j = 0; j < d; j++) {
      const col = chunk.getColumnVector(j + 1);
      for (let i = 0, at = base * d + j; i < chunk.rowCount; i++, at += d) M[at] = col.getItem(i) as number;
    }
  });
  return { ids, M, m };
}

/** The glued and Python peers of one case; `close` frees their copies of the data. */
function peers(size: HybridSize, data: () => Loaded): { systems: BenchSystem[]; close: () => Promise<void> } {
  let duck: Promise<{ duck: DuckDB; seconds: number }> | null = null;
  const loadDuck = () =>
    (duck ??= (async () => {
      const start = performance.now();
      const d = await openDuckDB();
      await appendTable(d.db, 'A', data().A);
      await appendTable(d.db, 'B', data().B);
      return { duck: d, seconds: (performance.now() - start) / 1000 };
    })());
  let phases: Record<string, number> = {};
  const tfParams = async () => {
    const tf = await tfjs();
    const m = data().matrices;
    const t = (k: keyof Loaded['matrices']) => tf.tensor2d(Float32Array.from(m[k].data), [m[k].rows, m[k].cols]);
    return { tf, W: t('W'), P: t('P'), Q: t('Q'), v: t('v') };
  };
  let tfLoaded: Awaited<ReturnType<typeof tfParams>> | null = null;
  let jsPhases: Record<string, number> = {};
  const systems: BenchSystem[] = [
    {
      name: 'duckdb+tfjs',
      load: async () => {
        const start = performance.now();
        const { seconds } = await loadDuck();
        tfLoaded = await tfParams();
        return seconds + (performance.now() - start) / 1000;
      },
      run: async () => {
        const { duck: d } = await loadDuck();
        const { tf, W, P, Q, v } = tfLoaded!;
        const t0 = performance.now();
        const { ids, M, m } = await queryFeatures(d, data().names, (n) => new Float32Array(n));
        const t1 = performance.now();
        const score = tf.tidy(() => {
          const Mt = tf.tensor2d(M, [m, size.features]);
          return tf.add(tf.sum(tf.matMul(Mt, W), 1), tf.reshape(tf.matMul(tf.matMul(tf.matMul(Mt, P), Q), v), [m]));
        });
        const values = (await score.data()) as Float32Array;
        score.dispose();
        phases = { query_copy_s: (t1 - t0) / 1000, matrix_s: (performance.now() - t1) / 1000 };
        return { names: ['id', 'score'], columns: [ids, values] } satisfies Columns;
      },
      timing: () => ({ phases }),
    },
    {
      name: 'duckdb+js',
      load: async () => (await loadDuck()).seconds,
      run: async () => {
        const { duck: d } = await loadDuck();
        const t0 = performance.now();
        const { ids, M, m } = await queryFeatures(d, data().names, (n) => new Float64Array(n));
        const t1 = performance.now();
        const mats = data().matrices;
        const lit = (k: keyof Loaded['matrices']) => fromDense(mats[k]);
        const Mx = fromDense({ rows: m, cols: size.features, data: M });
        const score = await Mx.matmul(lit('W')).rowSums().add(Mx.matmul(lit('P')).matmul(lit('Q')).matmul(lit('v'))).collect(GLUE_RUN);
        jsPhases = { query_copy_s: (t1 - t0) / 1000, matrix_s: (performance.now() - t1) / 1000 };
        return { names: ['id', 'score'], columns: [ids, score.data] } satisfies Columns;
      },
      timing: () => ({ phases: jsPhases }),
    },
    python.system<Columns>({
      workload: 'w3',
      files: (dir) => {
        const files: Record<string, string> = { A: `${dir}/A.arrow`, B: `${dir}/B.arrow` };
        writeArrowFile(files.A, data().A);
        writeArrowFile(files.B, data().B);
        for (const [k, m] of Object.entries(data().matrices)) writeNpy((files[k] = `${dir}/${k}.npy`), m.rows, m.cols, m.data);
        return files;
      },
      params: () => ({ features: Array.from({ length: size.features }, (_, j) => `f${j + 1}`) }),
      toResult: (json) => json as Columns,
    }),
  ];
  return {
    systems,
    close: async () => {
      if (duck) (await duck).duck.close();
      duck = null;
      tfLoaded?.tf.dispose([tfLoaded.W, tfLoaded.P, tfLoaded.Q, tfLoaded.v]);
      tfLoaded = null;
    },
  };
}

const suite: Suite = {
  name: 'w3',
  description: 'W3 hybrid expression: rowSums(M·W) + M·P·Q·v over A ⋈ B where active; tessera vs tessera-unoptimized vs duckdb+tfjs vs duckdb+js vs pandas+numpy',
  measurePeakMemory: true,
  finish: () => python.finish(),
  *cases({ quick }): Iterable<BenchCase> {
    const size = quick ? QUICK : FULL;
    const { pipeline, A, B, W, P, Q, v } = buildHybrid(size);
    let loaded: Loaded | null = null;
    const data = () => loaded!;
    const { systems, close } = peers(size, data);
    yield {
      workload: 'W3-hybrid',
      case: { rows: size.rows, features: size.features, wide: size.wide },
      systems: [
        { name: 'tessera', run: () => pipeline.collect() },
        { name: 'tessera-unoptimized', run: () => pipeline.collect({ optimize: false }) },
        ...systems,
      ],
      check: compareRelations(['id', 'score']),
      setup: async () => {
        const dense = async (m: typeof W) => {
          const r = await m.collect();
          return { rows: r.rows, cols: r.cols, data: Float64Array.from(r.data) };
        };
        loaded = {
          names: Array.from({ length: size.features }, (_, j) => `f${j + 1}`),
          A: await relationColumns(A as unknown as Relation<never>),
          B: await relationColumns(B as unknown as Relation<never>),
          matrices: { W: await dense(W), P: await dense(P), Q: await dense(Q), v: await dense(v) },
        };
      },
      teardown: close,
    };
  },
};

export default suite;
