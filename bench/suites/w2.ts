import { fromDense, linearRegression, type MatrixResultValue, type RunOptions } from '../../src/index.js';
import type { BenchCase, BenchSystem, Suite } from '../harness.js';
import { appendTable, type DuckDB, forEachChunk, queryColumns, sharedDuckDB } from '../peers/duckdb.js';
import { PandasPeer, writeArrowFile } from '../peers/python.js';
import { gramOf, loadDuckDBAndTfjs, solveRidge, tfjs } from '../peers/tfjs.js';
import { type Columns, type MatrixLike, compareMatrices, compareParts, compareRelations } from '../workloads/check.js';
import { NUMERIC_FEATURES, ONEHOT_FEATURES, RETAIL_D, RETAIL_FULL, RETAIL_QUICK, RIDGE, type RetailData, generateRetail, retailPipeline } from '../workloads/retail.js';

/**
 * W2 (docs/workloads.md), the whole retail-star pipeline: Sales ⋈ Items ⋈ Stores ⋈ Dates,
 * T = [promotion, perishable, oil_price, one-hot family/type/cluster/holiday_type,
 * intercept] (65 columns), and three outputs: TᵀT, the ridge regression of units on T
 * (λ = 1) and total units per family × store type. Data: bench/workloads/retail.ts.
 *
 * Systems (the reference first), each producing all three outputs per run:
 *  - `tessera`: three `collect()`s of one pipeline (TᵀT, the ridge fit, the group-by);
 *  - `tessera-unoptimized`: the same with `{ optimize: false }`;
 *  - `duckdb+tfjs`: DuckDB runs the star join (the feature columns and units) and the
 *    group-by; the join's result is copied into a row-major Float32Array T with the
 *    one-hots (a Map per category column) and y; TF.js (WASM) computes TᵀT and Tᵀy; the
 *    65 × 65 system (TᵀT + λI)β = Tᵀy is solved by Tessera's solver on the downloaded
 *    values (TF.js has no linear solver);
 *  - `duckdb+js`: the same copy into Float64Arrays, TᵀT and the ridge fit on Tessera's
 *    kernels (`{ optimize: false }` on literals);
 *  - `pandas+numpy`: three merges, `pd.get_dummies` over fixed categories, `np.hstack`,
 *    `T.T @ T`, `np.linalg.solve`, `groupby().sum()` (bench/peers/pandas_workloads.py).
 * Check: TᵀT within 1e-6 of its largest entry (1e-3 where float32), β within 1e-6 of its
 * largest |entry| (float32: see compareRidge), the groups exactly, their sums within 1e-9
 * of the largest (1e-3 where float32).
 *
 * Sizes: Sales 1,000,000 (docs/workloads.md has 5,000,000: see RETAIL_FULL); --quick: 200,000.
 */

const GLUE_RUN: RunOptions = { optimize: false };
const python = new PandasPeer('w2');
const STAR_SQL = 'FROM sales s JOIN items i ON s.item = i.item JOIN stores st ON s.store = st.store JOIN dates d ON s.date = d.date';
const FEATURE_SQL = `SELECT s.promotion, i.perishable, d.oil_price, ${ONEHOT_FEATURES.map((f) => f.column).join(', ')}, s.units ${STAR_SQL}`;
const GROUP_SQL = `SELECT i.family, st.type, sum(s.units) AS units ${STAR_SQL} GROUP BY i.family, st.type`;

interface W2Result {
  readonly gram: MatrixLike;
  readonly ridge: MatrixLike;
  readonly groups: unknown;
}

/** The star join's rows as T (row-major n × RETAIL_D, one-hots and intercept) and y. */
async function queryDesign<A extends Float32Array | Float64Array>(duck: DuckDB, make: (n: number) => A): Promise<{ T: A; y: A; n: number }> {
  const result = await duck.db.run(FEATURE_SQL);
  const n = result.rowCount;
  const d = RETAIL_D;
  const T = make(n * d);
  const y = make(n);
  const offsets: number[] = [];
  let next = NUMERIC_FEATURES.length;
  const indexOf = ONEHOT_FEATURES.map((f) => {
    offsets.push(next);
    next += f.categories.length;
    return new Map(f.categories.map((c, k) => [c, k]));
  });
  forEachChunk(result, (chunk, base) => {
    const m = chunk.rowCount;
    for (let j = 0; j < NUMERIC_FEATURES.length; j++) {
      const col = chunk.getColumnVector(j);
      for (let i = 0, at = base * d + j; i < m; i++, at += d) T[at] = Number(col.getItem(i));
    }
    ONEHOT_FEATURES.forEach((_, f) => {
      const col = chunk.getColumnVector(NUMERIC_FEATURES.length + f);
      for (let i = 0; i < m; i++) {
        const k = indexOf[f].get(col.getItem(i) as string);
        if (k !== undefined) T[(base + i) * d + offsets[f] + k] = 1;
      }
    });
    for (let i = 0; i < m; i++) T[(base + i) * d + d - 1] = 1;
    const units = chunk.getColumnVector(NUMERIC_FEATURES.length + ONEHOT_FEATURES.length);
    for (let i = 0; i < m; i++) y[base + i] = units.getItem(i) as number;
  });
  return { T, y, n };
}

/** G·β for the reference's G (row-major d × d) and a d × 1 β, in float64. */
function gramTimes(G: MatrixLike, beta: MatrixLike): MatrixLike {
  const out = new Float64Array(G.rows);
  for (let i = 0; i < G.rows; i++) {
    let s = 0;
    for (let k = 0; k < G.cols; k++) s += G.data[i * G.cols + k] * beta.data[k];
    out[i] = s;
  }
  return { rows: G.rows, cols: 1, data: beta.data instanceof Float32Array ? Float32Array.from(out) : out };
}

/**
 * β compared entry by entry in float64. Where either side is float32, the one-hot blocks
 * and the intercept being collinear, float32 sums cannot pin β's component along their
 * null space (only the ridge penalty does, at an eigenvalue of λ against the row count),
 * so β is compared through the reference's TᵀT: TᵀT·β = Tᵀ·(fitted values), which that
 * component does not change, within 1e-3 of its largest entry.
 */
function compareRidge(referenceGram: MatrixLike) {
  return (reference: unknown, other: unknown): string => {
    const a = reference as MatrixLike;
    const b = other as MatrixLike;
    if (!(b?.data instanceof Float32Array)) return compareMatrices('relative')(a, b);
    if (b.rows !== a.rows || b.cols !== 1) return `shape ${a.rows}×${a.cols} vs ${b.rows}×${b.cols}`;
    const verdict = compareMatrices('relative')(gramTimes(referenceGram, a), gramTimes(referenceGram, b));
    return verdict === 'ok' ? 'ok' : `TᵀT·β: ${verdict}`;
  };
}

function peers(data: () => RetailData): { systems: BenchSystem[]; close: () => Promise<void> } {
  const duck = sharedDuckDB(async (db) => {
    const { sales, items, stores, dates } = data();
    await appendTable(db, 'sales', sales);
    await appendTable(db, 'items', items);
    await appendTable(db, 'stores', stores);
    await appendTable(db, 'dates', dates);
  });
  const phases: Record<string, Record<string, number>> = {};
  const systems: BenchSystem[] = [
    {
      name: 'duckdb+tfjs',
      load: () => loadDuckDBAndTfjs(duck),
      run: async (): Promise<W2Result> => {
        const tf = await tfjs();
        const d = (await duck.load()).duck;
        const t0 = performance.now();
        const { T, y, n } = await queryDesign(d, (k) => new Float32Array(k));
        const groups = await queryColumns(d.db, GROUP_SQL);
        const t1 = performance.now();
        const [G, b] = tf.tidy(() => {
          const Tt = tf.tensor2d(T, [n, RETAIL_D]);
          return [gramOf(tf, Tt), tf.matMul(tf.transpose(Tt), tf.tensor2d(y, [n, 1]))];
        });
        const gram = (await G.data()) as Float32Array;
        const beta = await solveRidge(gram, (await b.data()) as Float32Array, RETAIL_D, RIDGE);
        tf.dispose([G, b]);
        phases['duckdb+tfjs'] = { query_copy_s: (t1 - t0) / 1000, matrix_s: (performance.now() - t1) / 1000 };
        return { gram: { rows: RETAIL_D, cols: RETAIL_D, data: gram }, ridge: { rows: RETAIL_D, cols: 1, data: beta }, groups };
      },
      timing: () => ({ phases: phases['duckdb+tfjs'] }),
    },
    {
      name: 'duckdb+js',
      load: async () => (await duck.load()).seconds,
      run: async (): Promise<W2Result> => {
        const d = (await duck.load()).duck;
        const t0 = performance.now();
        const { T, y, n } = await queryDesign(d, (k) => new Float64Array(k));
        const groups = await queryColumns(d.db, GROUP_SQL);
        const t1 = performance.now();
        const X = fromDense({ rows: n, cols: RETAIL_D, data: T });
        const gram = await X.crossprod().collect(GLUE_RUN);
        const ridge = await linearRegression(X, fromDense<number, 1>({ rows: n, cols: 1, data: y }), { ridge: RIDGE }).collect(GLUE_RUN);
        phases['duckdb+js'] = { query_copy_s: (t1 - t0) / 1000, matrix_s: (performance.now() - t1) / 1000 };
        return { gram, ridge, groups };
      },
      timing: () => ({ phases: phases['duckdb+js'] }),
    },
    python.system<W2Result>({
      workload: 'w2',
      files: (dir) => {
        const files = { sales: `${dir}/sales.arrow`, items: `${dir}/items.arrow`, stores: `${dir}/stores.arrow`, dates: `${dir}/dates.arrow` };
        for (const [name, path] of Object.entries(files)) writeArrowFile(path, data()[name as keyof typeof files]);
        return files;
      },
      params: () => ({ numeric: NUMERIC_FEATURES, onehot: ONEHOT_FEATURES, ridge: RIDGE }),
      toResult: (json) => {
        const r = json as { gram: { rows: number; cols: number; data: number[] }; ridge: { rows: number; cols: number; data: number[] }; groups: Columns };
        const m = (x: typeof r.gram) => ({ rows: x.rows, cols: x.cols, data: Float64Array.from(x.data) });
        return { gram: m(r.gram), ridge: m(r.ridge), groups: r.groups };
      },
    }),
  ];
  return {
    systems,
    close: () => duck.close(),
  };
}

const suite: Suite = {
  name: 'w2',
  description: 'W2 retail star: Sales ⋈ Items ⋈ Stores ⋈ Dates, TᵀT, ridge regression (λ = 1) and units per family × store type in one pipeline; tessera vs tessera-unoptimized vs duckdb+tfjs vs duckdb+js vs pandas+numpy',
  measurePeakMemory: true,
  finish: () => python.finish(),
  *cases({ quick }): Iterable<BenchCase> {
    const size = quick ? RETAIL_QUICK : RETAIL_FULL;
    let data: RetailData | null = null;
    let pipeline: ReturnType<typeof retailPipeline> | null = null;
    const { systems, close } = peers(() => data!);
    const tessera = (options?: RunOptions) => async (): Promise<W2Result> => {
      const p = pipeline!;
      const gram: MatrixResultValue = await p.gram.collect(options);
      const ridge: MatrixResultValue = await p.ridge.collect(options);
      return { gram, ridge, groups: await p.unitsByFamilyType.collect(options) };
    };
    yield {
      workload: 'W2-retail',
      case: { sales: size.sales, items: size.items, stores: size.stores, dates: size.dates, d: RETAIL_D },
      systems: [{ name: 'tessera', run: tessera() }, { name: 'tessera-unoptimized', run: tessera({ optimize: false }) }, ...systems],
      check: (reference, other) =>
        compareParts({ gram: compareMatrices('relative'), ridge: compareRidge((reference as W2Result).gram), groups: compareRelations(['family', 'type', 'units']) })(reference, other),
      setup: () => {
        data = generateRetail(size);
        pipeline = retailPipeline(data);
      },
      teardown: async () => {
        await close();
        data = null;
        pipeline = null;
      },
    };
  },
};

export default suite;
