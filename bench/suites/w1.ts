import type { Matrix, RunOptions } from '../../src/index.js';
import type { BenchCase, BenchRecord, Suite } from '../harness.js';
import { PandasPeer } from '../peers/python.js';
import { w1Peers } from '../peers/w1-peers.js';
import { compareMatrices } from '../workloads/check.js';
import { D_S, type Data, OPS, type Op, generate, tesseraPlans } from '../workloads/w1-data.js';

/**
 * W1 (docs/workloads.md, after the Morpheus evaluation): linear algebra over the feature
 * matrix T of a primary-key/foreign-key join S ⋈ R.
 *
 * Data, per grid point (tuple ratio TR, feature ratio FR): bench/workloads/w1-data.ts;
 * T = [s1..s20, r1..r{d_R}] of S ⋈ R, in S's row order (d = 20 + 20·FR columns).
 * Full grid: n_R = 100,000, TR ∈ {1, 5, 10, 20}, FR ∈ {1, 2, 4};
 * --quick: n_R = 5,000, TR ∈ {1, 10}, FR = 2; W1_GRID picks other points (gridOf).
 *
 * Workloads, one case each per grid point: `TtT` (TᵀT), `T·w` (w a fixed d×1 literal),
 * `linreg` (normal equations), `logreg` (20 full-batch gradient steps).
 *
 * Systems (the first is the reference):
 *  - `tessera`: `collect()` with defaults (the planner picks factorized, join → blocks
 *    or materialized execution);
 *  - `tessera-materialized`: `collect({ materializeJoins: true })`: the join is
 *    materialized as a table, then encoded (factorization and join → blocks off);
 *  - `tessera-unoptimized`: `collect({ optimize: false })`, the plan as built;
 *  - `duckdb+js`, `duckdb+tfjs`, `pandas+numpy`: the glued peers, bench/peers/w1-peers.ts.
 *
 * Data generation and plan building happen in each grid point's first `setup`; each
 * peer loads its own copy (DuckDB appenders, an Arrow IPC file for the Python worker)
 * once per case, outside timed regions (load_s); the point's last case frees them.
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
const QUICK: Grid = { nR: 5_000, TR: [1, 10], FR: [2] };

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
const python = new PandasPeer('w1');

interface Point {
  readonly data: Data;
  readonly plans: Record<Op, Matrix<number, number>>;
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
      'duckdb+tfjs / tessera': ratio('duckdb+tfjs'),
      'pandas+numpy / tessera': ratio('pandas+numpy'),
      'tessera-materialized / tessera': ratio('tessera-materialized'),
      'tessera-unoptimized / tessera': ratio('tessera-unoptimized'),
    };
  });
  console.log(`\nW1 summary: geometric mean over ${OPS.join(', ')} of median time ÷ tessera's median (> 1: tessera is faster)`);
  console.table(rows);
}

const suite: Suite = {
  name: 'w1',
  description: 'W1: TᵀT, T·w, linear and logistic regression over T = features of S ⋈ R (PK-FK), grid over tuple ratio TR and feature ratio FR; tessera vs tessera-materialized, tessera-unoptimized, duckdb+js, duckdb+tfjs, pandas+numpy',
  finish: () => python.finish(),
  measurePeakMemory: true,
  summarize,
  async *cases({ quick }): AsyncIterable<BenchCase> {
    const grid = gridOf(quick);
    for (const TR of grid.TR) {
      for (const FR of grid.FR) {
        // Built by the first setup of the grid point's cases, freed by its last case.
        let point: Point | null = null;
        const peers = w1Peers(() => point!.data, python);
        const setup = () => {
          if (point) return;
          const data = generate(grid.nR, TR, FR);
          point = { data, plans: tesseraPlans(data) };
        };
        for (const [k, op] of OPS.entries()) {
          const run = (options?: RunOptions) => () => point!.plans[op].collect(options);
          yield {
            workload: op,
            case: { TR, FR, n_R: grid.nR, n_S: TR * grid.nR, d_R: 20 * FR, d: D_S + 20 * FR },
            systems: [
              { name: 'tessera', run: run() },
              { name: 'tessera-materialized', run: run({ materializeJoins: true }) },
              { name: 'tessera-unoptimized', run: run({ optimize: false }) },
              ...peers.systems(op),
            ],
            check: compareMatrices(op === 'logreg' ? 'absolute' : 'relative'),
            setup,
            teardown:
              k === OPS.length - 1
                ? async () => {
                    await peers.close();
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
