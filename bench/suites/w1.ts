import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { mulberry32 } from '../../src/data/random.js';
import { type Matrix, type MatrixResultValue, type RunOptions, fromColumns, fromDense, linearRegression, logisticRegression } from '../../src/index.js';
import type { BenchCase, BenchRecord, Suite } from '../harness.js';

/**
 * W1 (docs/workloads.md, after the Morpheus evaluation): linear algebra over the feature
 * matrix T of a primary-key/foreign-key join S ⋈ R.
 *
 * Data, per grid point (tuple ratio TR, feature ratio FR), from a seeded mulberry32:
 *  - R: n_R rows, key `rid` (int32, a shuffled permutation of 0..n_R−1, the declared
 *    primary key), d_R = 20·FR float64 features r1..r{d_R}, uniform in [−1, 1);
 *  - S: n_S = TR·n_R rows, 20 float64 features s1..s20 uniform in [−1, 1), a foreign key
 *    `rid` that is a shuffled repetition of 0..n_R−1 TR times (uniform, covers every key),
 *    a target y = z + noise and a label (float64 0/1) drawn with P(1) = σ(z), where
 *    z = [s, r]·β for a fixed random β.
 * T = [s1..s20, r1..r{d_R}] of S ⋈ R, in S's row order (d = 20 + d_R columns).
 * Full grid: n_R = 100,000, TR ∈ {1, 5, 10, 20}, FR ∈ {1, 2, 4};
 * --quick: n_R = 20,000, TR ∈ {1, 10}, FR ∈ {1, 2}; W1_GRID picks other points (gridOf).
 *
 * Workloads, one case each per grid point: `TtT` (TᵀT), `T·w` (w a fixed d×1 literal),
 * `linreg` (normal equations), `logreg` (20 full-batch gradient steps).
 *
 * Systems (the first is the reference):
 *  - `tessera`: `collect()` with defaults (the planner picks factorized, join → blocks
 *    or materialized execution);
 *  - `tessera-materialized`: `collect({ materializeJoins: true })`: the join is
 *    materialized as a table, then encoded (factorization and join → blocks off);
 *  - `duckdb+js`: the glue a TypeScript developer writes today: DuckDB (2 threads)
 *    runs `SELECT s1.., r1.. [, y | label] FROM S JOIN R USING (rid) ORDER BY sid`
 *    (`sid` is S's row number, so rows line up with Tessera's), the materialized result
 *    is copied chunk by chunk, column by column (`getChunk` / `getColumnVector` /
 *    `getItem`, the fastest public reader of @duckdb/node-api measured) into a row-major
 *    Float64Array, and the same operation runs on that literal with Tessera's kernels
 *    (`fromDense(...)`, `collect(GLUE_RUN)`). Query, copy and compute are all timed.
 *
 * Data generation, DuckDB loading (appenders) and plan building happen in each grid
 * point's first `setup`, outside timed regions; the point's last case frees them.
 * `check`: float64 results within 1e-6 of the reference relative to its largest |entry|
 * (1e-3 where either side is float32); logistic regression weights within 1e-6
 * absolute. The T·w result (n_S × 1) is compared entry by entry, in full.
 * Peak memory per system is measured in separate processes (bench/memory.ts).
 */

interface Grid {
  readonly nR: number;
  readonly TR: readonly number[];
  readonly FR: readonly number[];
}

const FULL: Grid = { nR: 100_000, TR: [1, 5, 10, 20], FR: [1, 2, 4] };
const QUICK: Grid = { nR: 20_000, TR: [1, 10], FR: [1, 2] };

/**
 * W1_GRID="nR;TR,TR;FR,FR" (e.g. "100000;1,10;2") runs that grid instead, for single
 * points of the full grid; unset, `--quick` picks QUICK and otherwise FULL.
 */
function gridOf(quick: boolean): Grid {
  const spec = process.env.W1_GRID;
  if (!spec) return quick ? QUICK : FULL;
  const [nR, TR, FR] = spec.split(';');
  const list = (s: string | undefined) => (s ?? '').split(',').map(Number).filter((x) => Number.isInteger(x) && x > 0);
  const grid = { nR: Number(nR), TR: list(TR), FR: list(FR) };
  if (!(grid.nR > 0) || grid.TR.length === 0 || grid.FR.length === 0) throw new Error(`W1_GRID: expected "nR;TR,…;FR,…", got '${spec}'`);
  return grid;
}
const D_S = 20;
const LOGREG_STEPS = 20;
const OPS = ['TtT', 'T·w', 'linreg', 'logreg'] as const;
type Op = (typeof OPS)[number];
/** How the glue runs its matrix work: Tessera's kernels on a literal, the plan as written. */
const GLUE_RUN: RunOptions = { optimize: false };

interface Data {
  readonly nR: number;
  readonly nS: number;
  readonly rid: Int32Array;
  readonly r: readonly Float64Array[];
  readonly fk: Int32Array;
  readonly s: readonly Float64Array[];
  readonly y: Float64Array;
  readonly label: Float64Array;
  /** The d × 1 vector of T·w. */
  readonly w: Float64Array;
}

function shuffle(a: Int32Array, rand: () => number): Int32Array {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

function uniformColumn(n: number, rand: () => number): Float64Array {
  const c = new Float64Array(n);
  for (let i = 0; i < n; i++) c[i] = rand() * 2 - 1;
  return c;
}

function generate(nR: number, TR: number, FR: number): Data {
  const rand = mulberry32(1_000 * TR + FR);
  const nS = TR * nR;
  const dR = 20 * FR;
  const rid = shuffle(Int32Array.from({ length: nR }, (_, i) => i), rand);
  const r = Array.from({ length: dR }, () => uniformColumn(nR, rand));
  const fk = new Int32Array(nS);
  for (let i = 0; i < nS; i++) fk[i] = i % nR;
  shuffle(fk, rand);
  const s = Array.from({ length: D_S }, () => uniformColumn(nS, rand));
  const beta = uniformColumn(D_S + dR, rand);
  const rowOf = new Int32Array(nR);
  for (let i = 0; i < nR; i++) rowOf[rid[i]] = i;
  const y = new Float64Array(nS);
  const label = new Float64Array(nS);
  for (let i = 0; i < nS; i++) {
    const p = rowOf[fk[i]];
    let z = 0;
    for (let j = 0; j < D_S; j++) z += s[j][i] * beta[j];
    for (let k = 0; k < dR; k++) z += r[k][p] * beta[D_S + k];
    y[i] = z + 0.1 * (rand() + rand() + rand() - 1.5);
    label[i] = rand() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { nR, nS, rid, r, fk, s, y, label, w: uniformColumn(D_S + dR, rand) };
}

const sNames = Array.from({ length: D_S }, (_, j) => `s${j + 1}`);
const rNamesOf = (data: Data) => data.r.map((_, k) => `r${k + 1}`);

/** The four Tessera plans over S ⋈ R. */
function tesseraPlans(data: Data): Record<Op, Matrix<number, number>> {
  const rNames = rNamesOf(data);
  const rColumns: Record<string, Int32Array | Float64Array> = { rid: data.rid };
  rNames.forEach((n, k) => (rColumns[n] = data.r[k]));
  const sColumns: Record<string, Int32Array | Float64Array> = { rid: data.fk };
  sNames.forEach((n, j) => (sColumns[n] = data.s[j]));
  sColumns.y = data.y;
  sColumns.label = data.label;
  const R = fromColumns(rColumns, { name: 'R', primaryKey: ['rid'] });
  const S = fromColumns(sColumns, { name: 'S' });
  const J = S.join(R, 'rid');
  const T = J.toMatrix([...sNames, ...rNames]);
  const w = fromDense<number, 1>({ rows: data.w.length, cols: 1, data: data.w }, 'w');
  return {
    TtT: T.crossprod(),
    'T·w': T.matmul(w),
    linreg: linearRegression(T, J.toMatrix(['y'])),
    logreg: logisticRegression(T, J.toMatrix(['label']), { steps: LOGREG_STEPS }),
  };
}

/** S gets its row number `sid`, so DuckDB can return the join in S's order. */
async function loadDuckDB(data: Data) {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const db = await instance.connect();
  const rNames = rNamesOf(data);
  await db.run(`CREATE TABLE R (rid INTEGER, ${rNames.map((n) => `${n} DOUBLE`).join(', ')})`);
  await db.run(`CREATE TABLE S (sid INTEGER, rid INTEGER, ${sNames.map((n) => `${n} DOUBLE`).join(', ')}, y DOUBLE, label DOUBLE)`);
  const R = await db.createAppender('R');
  for (let i = 0; i < data.nR; i++) {
    R.appendInteger(data.rid[i]);
    for (const c of data.r) R.appendDouble(c[i]);
    R.endRow();
  }
  R.closeSync();
  const S = await db.createAppender('S');
  for (let i = 0; i < data.nS; i++) {
    S.appendInteger(i);
    S.appendInteger(data.fk[i]);
    for (const c of data.s) S.appendDouble(c[i]);
    S.appendDouble(data.y[i]);
    S.appendDouble(data.label[i]);
    S.endRow();
  }
  S.closeSync();
  return { instance, db };
}

/**
 * Runs the query and copies its first d columns into a row-major n × d Float64Array and
 * the column after them (if `withTarget`) into an n-vector.
 */
async function queryToDense(db: DuckDBConnection, sql: string, d: number, withTarget: boolean): Promise<{ X: Float64Array; n: number; v: Float64Array | null }> {
  const result = await db.run(sql);
  const n = result.rowCount;
  const X = new Float64Array(n * d);
  const v = withTarget ? new Float64Array(n) : null;
  let base = 0;
  for (let c = 0; c < result.chunkCount; c++) {
    const chunk = result.getChunk(c);
    const m = chunk.rowCount;
    for (let j = 0; j < d; j++) {
      const col = chunk.getColumnVector(j);
      for (let i = 0, at = base * d + j; i < m; i++, at += d) X[at] = (col.getItem(i) as number | null) ?? NaN;
    }
    if (v !== null) {
      const col = chunk.getColumnVector(d);
      for (let i = 0; i < m; i++) v[base + i] = (col.getItem(i) as number | null) ?? NaN;
    }
    base += m;
  }
  return { X, n, v };
}

/** The duckdb+js glue for one operation. */
function glue(db: DuckDBConnection, data: Data, op: Op): () => Promise<MatrixResultValue> {
  const features = [...sNames, ...rNamesOf(data)];
  const d = features.length;
  const target = op === 'linreg' ? 'y' : op === 'logreg' ? 'label' : null;
  const sql = `SELECT ${features.join(', ')}${target ? `, ${target}` : ''} FROM S JOIN R USING (rid) ORDER BY sid`;
  const w = data.w;
  return async () => {
    const { X, n, v } = await queryToDense(db, sql, d, target !== null);
    const T = fromDense({ rows: n, cols: d, data: X });
    const column = () => fromDense<number, 1>({ rows: n, cols: 1, data: v! });
    switch (op) {
      case 'TtT':
        return T.crossprod().collect(GLUE_RUN);
      case 'T·w':
        return T.matmul(fromDense<number, 1>({ rows: d, cols: 1, data: w })).collect(GLUE_RUN);
      case 'linreg':
        return linearRegression(T, column()).collect(GLUE_RUN);
      case 'logreg':
        return logisticRegression(T, column(), { steps: LOGREG_STEPS }).collect(GLUE_RUN);
    }
  };
}

/**
 * check(): same shape; every entry within tol, where tol is 1e-6 (1e-3 if either side is
 * float32) times the reference's largest |entry| (`relative`) or times 1 (`absolute`).
 */
function compareMatrices(scale: 'relative' | 'absolute') {
  return (reference: unknown, other: unknown): string => {
    const a = reference as MatrixResultValue;
    const b = other as MatrixResultValue;
    if (a?.data === undefined || b?.data === undefined) return 'result is not a matrix';
    if (a.rows !== b.rows || a.cols !== b.cols) return `shape ${a.rows}×${a.cols} vs ${b.rows}×${b.cols}`;
    let maxAbs = 0;
    for (let i = 0; i < a.data.length; i++) maxAbs = Math.max(maxAbs, Math.abs(a.data[i]));
    const rel = a.data instanceof Float32Array || b.data instanceof Float32Array ? 1e-3 : 1e-6;
    const tol = rel * (scale === 'relative' ? Math.max(maxAbs, Number.MIN_VALUE) : 1);
    let worst = 0;
    let at = 0;
    for (let i = 0; i < a.data.length; i++) {
      const diff = Math.abs(a.data[i] - b.data[i]);
      if (!(diff <= worst)) {
        worst = diff;
        at = i;
        if (Number.isNaN(diff)) break;
      }
    }
    if (worst <= tol) return 'ok';
    return `|diff| ${worst.toExponential(2)} at (${Math.floor(at / a.cols)}, ${at % a.cols}) exceeds ${tol.toExponential(2)} (${scale})`;
  };
}

interface Point {
  readonly data: Data;
  readonly plans: Record<Op, Matrix<number, number>>;
  readonly db: DuckDBConnection;
  close(): void;
}

async function buildPoint(nR: number, TR: number, FR: number): Promise<Point> {
  const data = generate(nR, TR, FR);
  const { instance, db } = await loadDuckDB(data);
  return {
    data,
    plans: tesseraPlans(data),
    db,
    close: () => {
      db.closeSync();
      instance.closeSync();
    },
  };
}

/** The geometric mean of the positive finite values. */
function geomean(xs: readonly number[]): number {
  const ok = xs.filter((x) => Number.isFinite(x) && x > 0);
  return ok.length === 0 ? NaN : Math.exp(ok.reduce((s, x) => s + Math.log(x), 0) / ok.length);
}

/** Per (TR, FR): the geometric mean over the operations of each system's median time over tessera's. */
function summarize(records: readonly BenchRecord[]): void {
  const points = new Map<string, BenchRecord[]>();
  for (const r of records) {
    const key = `${r.case.TR},${r.case.FR}`;
    points.set(key, [...(points.get(key) ?? []), r]);
  }
  const rows = [...points.values()].map((rs) => {
    const ratio = (system: string) => {
      const xs = OPS.map((op) => {
        const ref = rs.find((r) => r.workload === op && r.system === 'tessera');
        const other = rs.find((r) => r.workload === op && r.system === system);
        return ref && other ? other.median_s / ref.median_s : NaN;
      });
      const n = xs.filter((x) => Number.isFinite(x) && x > 0).length;
      const g = geomean(xs);
      return n === OPS.length ? Number(g.toPrecision(3)) : `${Number.isNaN(g) ? 'n/a' : g.toPrecision(3)} (${n}/${OPS.length} ops)`;
    };
    return {
      TR: rs[0].case.TR,
      FR: rs[0].case.FR,
      n_S: rs[0].case.n_S,
      d: rs[0].case.d,
      'duckdb+js / tessera': ratio('duckdb+js'),
      'tessera-materialized / tessera': ratio('tessera-materialized'),
    };
  });
  console.log(`\nW1 summary: geometric mean over ${OPS.join(', ')} of median time ÷ tessera's median (> 1: tessera is faster)`);
  console.table(rows);
}

const suite: Suite = {
  name: 'w1',
  description: 'W1: TᵀT, T·w, linear and logistic regression over T = features of S ⋈ R (PK-FK), grid over tuple ratio TR and feature ratio FR; tessera vs tessera-materialized vs duckdb+js',
  measurePeakMemory: true,
  summarize,
  async *cases({ quick }): AsyncIterable<BenchCase> {
    const grid = gridOf(quick);
    for (const TR of grid.TR) {
      for (const FR of grid.FR) {
        // Built by the first setup of the grid point's cases, freed by its last case.
        let point: Point | null = null;
        const setup = async () => {
          point ??= await buildPoint(grid.nR, TR, FR);
        };
        for (const [k, op] of OPS.entries()) {
          const run = (options?: RunOptions) => () => point!.plans[op].collect(options);
          let glueRun: (() => Promise<MatrixResultValue>) | null = null;
          yield {
            workload: op,
            case: { TR, FR, n_R: grid.nR, n_S: TR * grid.nR, d_R: 20 * FR, d: D_S + 20 * FR },
            systems: [
              { name: 'tessera', run: run() },
              { name: 'tessera-materialized', run: run({ materializeJoins: true }) },
              { name: 'duckdb+js', run: () => (glueRun ??= glue(point!.db, point!.data, op))() },
            ],
            check: compareMatrices(op === 'logreg' ? 'absolute' : 'relative'),
            setup,
            teardown:
              k === OPS.length - 1
                ? () => {
                    point?.close();
                    point = null;
                  }
                : undefined,
          };
        }
      }
    }
  },
};

export default suite;
