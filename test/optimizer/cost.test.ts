/**
 * Unit tests of the cost model (src/optimizer/cost.ts): row estimates from source
 * statistics (row counts, distinct counts, min/max, declared keys), FLOP counts of the
 * matrix operators, and how a plan's total adds up (shared nodes once, loop bodies times
 * their iterations). Rules that choose by cost (R5, R7, R14) are only as good as these.
 */
import { describe, expect, it } from 'vitest';
import { type Matrix, type PlanNode, count, estimatePlan, fromColumns, identity, iterate, optimize, zeros } from '../../src/index.js';
import { loopInvariantHoisting } from '../../src/optimizer/rules/r11-loop-invariant-hoisting.js';
import { DEFAULT_ROWS, FLOP_COST, selectivity } from '../../src/optimizer/cost.js';
import { makeNode } from '../../src/plan/node.js';
import { binary, columnRef, literal } from '../../src/plan/expr.js';
import type { TableSource } from '../../src/plan/source.js';

type Mat = Matrix<number, number>;

/** The estimate of the plan's root. */
const est = (plan: PlanNode) => estimatePlan(plan).nodes.get(plan)!;
const rowsOf = (plan: PlanNode) => est(plan).rows;
const flopsOf = (plan: PlanNode) => est(plan).flops;
const total = (plan: PlanNode) => estimatePlan(plan).total;

// A fact table of 1000 rows: k has 10 distinct values (0..9), u is uniform on [0, 100],
// fk references the 50-row dimension (every key used), s is a string with 4 values.
const N = 1000;
const fact = fromColumns(
  {
    id: Int32Array.from({ length: N }, (_, i) => i),
    k: Int32Array.from({ length: N }, (_, i) => i % 10),
    u: Float64Array.from({ length: N }, (_, i) => (i * 100) / (N - 1)),
    fk: Int32Array.from({ length: N }, (_, i) => (i * 7) % 50),
    s: Array.from({ length: N }, (_, i) => ['a', 'b', 'c', 'd'][i % 4]),
    v: Float64Array.from({ length: N }, (_, i) => Math.sin(i)),
  },
  { name: 'fact', primaryKey: ['id'] },
);
const dim = fromColumns(
  {
    dk: Int32Array.from({ length: 50 }, (_, i) => i),
    w: Float64Array.from({ length: 50 }, (_, i) => i / 10),
  },
  { name: 'dim', primaryKey: ['dk'] },
);
// The same dimension rows, without a declared key.
const dimNoKey = fromColumns({ dk: Int32Array.from({ length: 50 }, (_, i) => i), w: Float64Array.from({ length: 50 }, (_, i) => i / 10) }, { name: 'dimNoKey' });

/** A scan of a source that knows nothing (no statistics at all). */
function blindScan(): PlanNode {
  const source: TableSource = {
    id: 'blind#1',
    name: 'blind',
    schema: { fields: [{ name: 'a', dtype: 'float64', nullable: false }] },
    stats: {},
    load: async () => [],
  };
  return makeNode('scan', { source, columns: null }, []);
}

/** A scan of a user source whose statistics are a parsed JSON object with odd column names. */
function oddStatsScan(): PlanNode {
  const names = ['__proto__', 'constructor', 'toString'];
  const source: TableSource = {
    id: 'odd#1',
    name: 'odd',
    schema: { fields: names.map((name) => ({ name, dtype: 'float64' as const, nullable: false })) },
    stats: { rowCount: 1000, columns: JSON.parse('{"__proto__": {"distinct": 4}, "toString": {"min": 0, "max": 100}}') },
    load: async () => [],
  };
  return makeNode('scan', { source, columns: null }, []);
}

describe('row estimates', () => {
  it('a scan has its source row count, and DEFAULT_ROWS without statistics', () => {
    expect(rowsOf(fact.plan)).toBe(N);
    expect(rowsOf(dim.plan)).toBe(50);
    expect(est(fact.plan).cols).toBe(6);
    expect(rowsOf(blindScan())).toBe(DEFAULT_ROWS);
  });

  it("reads a user source's statistics by own property only, whatever the column's name", () => {
    const scan = oddStatsScan();
    const filter = (column: string, op: 'eq' | 'lt', value: number) =>
      makeNode('filter', { predicate: binary(op, columnRef(column, { dtype: 'float64', nullable: false }), literal(value, 'float64')) }, [scan]);
    // An own '__proto__' entry is found (indexing would give Object.prototype); 'constructor' has none (indexing would give Object).
    expect(rowsOf(filter('__proto__', 'eq', 1))).toBeCloseTo(250, 6);
    expect(rowsOf(filter('constructor', 'eq', 1))).toBeCloseTo(rowsOf(filter('constructor', 'eq', 2)), 6);
    expect(rowsOf(filter('toString', 'lt', 25))).toBeCloseTo(250, 6);
  });

  it('an equality filter keeps 1/distinct of the rows', () => {
    expect(rowsOf(fact.filter((r) => r.k.eq(3)).plan)).toBeCloseTo(N / 10, 6);
    expect(rowsOf(fact.filter((r) => r.s.eq('b')).plan)).toBeCloseTo(N / 4, 6);
    expect(rowsOf(fact.filter((r) => r.id.eq(17)).plan)).toBeCloseTo(1, 6);
    // Through a pass-through projection and a sort, the column still traces to its source statistics.
    expect(rowsOf(fact.select('k', 'u').orderBy('u').filter((r) => r.k.eq(3)).plan)).toBeCloseTo(N / 10, 6);
    // A computed column has no statistics: the textbook default.
    expect(rowsOf(fact.withColumn('k2', (r) => r.k.add(1)).filter((r) => r.k2.eq(3)).plan)).toBeCloseTo(N * 0.1, 6);
  });

  it('a range filter keeps the fraction of [min, max] it selects, clamped to [0, 1]', () => {
    expect(rowsOf(fact.filter((r) => r.u.lt(25)).plan)).toBeCloseTo(250, 6);
    expect(rowsOf(fact.filter((r) => r.u.le(25)).plan)).toBeCloseTo(250, 6);
    expect(rowsOf(fact.filter((r) => r.u.gt(25)).plan)).toBeCloseTo(750, 6);
    expect(rowsOf(fact.filter((r) => r.u.ge(90)).plan)).toBeCloseTo(100, 6);
    expect(rowsOf(fact.filter((r) => r.u.lt(-5)).plan)).toBe(0);
    expect(rowsOf(fact.filter((r) => r.u.lt(500)).plan)).toBe(N);
    // Integer columns use their min/max too: k in [0, 9].
    expect(rowsOf(fact.filter((r) => r.k.ge(9)).plan)).toBeCloseTo(0, 6);
    // A column compared with a column: the textbook third.
    expect(rowsOf(fact.filter((r) => r.u.lt(r.v)).plan)).toBeCloseTo(N / 3, 6);
  });

  it('combines selectivities: and multiplies, or adds less the overlap, not complements, null tests are 5%/95%', () => {
    const a = 0.25; // u < 25
    const b = 0.1; // k = 3
    expect(rowsOf(fact.filter((r) => r.u.lt(25).and(r.k.eq(3))).plan)).toBeCloseTo(N * a * b, 6);
    expect(rowsOf(fact.filter((r) => r.u.lt(25).or(r.k.eq(3))).plan)).toBeCloseTo(N * (a + b - a * b), 6);
    expect(rowsOf(fact.filter((r) => r.u.lt(25).not()).plan)).toBeCloseTo(N * (1 - a), 6);
    expect(rowsOf(fact.filter((r) => r.v.isNull()).plan)).toBeCloseTo(N * 0.05, 6);
    expect(rowsOf(fact.filter((r) => r.v.isNotNull()).plan)).toBeCloseTo(N * 0.95, 6);
    expect(rowsOf(fact.filter((r) => r.k.ne(3)).plan)).toBeCloseTo(N * 0.9, 6);
    // Stacked filters multiply as well.
    expect(rowsOf(fact.filter((r) => r.u.lt(25)).filter((r) => r.k.eq(3)).plan)).toBeCloseTo(N * a * b, 6);
  });

  it('selectivity is a fraction in [0, 1] for every predicate shape', () => {
    const preds = [
      fact.filter((r) => r.u.lt(25).or(r.u.gt(75)).not().and(r.k.ne(2).or(r.s.eq('a')))),
      fact.filter((r) => r.u.gt(1e9).or(r.u.lt(-1e9))),
      fact.filter((r) => r.k.eq(r.fk)),
    ];
    for (const rel of preds) {
      const node = rel.plan;
      if (node.kind !== 'filter') throw new Error('expected a filter');
      const sel = selectivity(node.args.predicate, node.inputs[0]);
      expect(sel).toBeGreaterThanOrEqual(0);
      expect(sel).toBeLessThanOrEqual(1);
    }
  });

  it('a PK-FK join keeps about the left rows; other joins use distinct counts', () => {
    // fk → dk, the dimension's declared primary key: each fact row matches at most once.
    expect(rowsOf(fact.joinOn(dim, { left: ['fk'], right: ['dk'] }).plan)).toBeCloseTo(N, 6);
    expect(rowsOf(fact.joinOn(dim, { left: ['fk'], right: ['dk'] }, 'left').plan)).toBeCloseTo(N, 6);
    // After a filter on the fact side the join follows the (estimated) left rows.
    expect(rowsOf(fact.filter((r) => r.u.lt(25)).joinOn(dim, { left: ['fk'], right: ['dk'] }).plan)).toBeCloseTo(250, 6);
    // Without the declared key: |L|·|R| / max(ndv) = 1000·50/50.
    expect(rowsOf(fact.joinOn(dimNoKey, { left: ['fk'], right: ['dk'] }).plan)).toBeCloseTo((N * 50) / 50, 6);
    // A many-to-many join on k (10 values each side): 1000·1000/10.
    const other = fact.select((r) => ({ k: r.k, u2: r.u }));
    expect(rowsOf(fact.join(other, 'k').plan)).toBeCloseTo((N * N) / 10, 6);
    // A left join keeps at least the left rows; semi and anti keep a part of them.
    expect(rowsOf(fact.select('id', 'k').join(fact.select((r) => ({ k: r.k, z: r.u })).filter((r) => r.z.lt(1)), 'k', 'left').plan)).toBeGreaterThanOrEqual(N);
    expect(rowsOf(fact.joinOn(dim, { left: ['fk'], right: ['dk'] }, 'semi').plan)).toBeLessThanOrEqual(N);
    expect(rowsOf(fact.joinOn(dim, { left: ['fk'], right: ['dk'] }, 'anti').plan)).toBeLessThanOrEqual(N);
  });

  it('an aggregate has about one row per distinct key, one row without keys', () => {
    expect(rowsOf(fact.groupBy('k').agg((r) => ({ n: count(), t: r.u.sum() })).plan)).toBe(10);
    expect(rowsOf(fact.groupBy('fk').agg(() => ({ n: count() })).plan)).toBe(50);
    expect(rowsOf(fact.groupBy('s').agg(() => ({ n: count() })).plan)).toBe(4);
    expect(rowsOf(fact.groupBy('k', 's').agg(() => ({ n: count() })).plan)).toBe(40);
    expect(rowsOf(fact.aggregate((r) => ({ t: r.u.sum() })).plan)).toBe(1);
    // Never more groups than input rows: the primary key has 1000 distinct values, the input ~100 rows.
    expect(rowsOf(fact.filter((r) => r.k.eq(3)).groupBy('id').agg(() => ({ n: count() })).plan)).toBeCloseTo(100, 6);
    // A key of unknown distinct count (computed): about √rows.
    expect(rowsOf(fact.withColumn('h', (r) => r.k.mul(2)).groupBy('h').agg(() => ({ n: count() })).plan)).toBeCloseTo(Math.sqrt(N), 6);
  });

  it('limit, union and projections', () => {
    expect(rowsOf(fact.limit(10).plan)).toBe(10);
    expect(rowsOf(fact.limit(10, 995).plan)).toBe(5);
    expect(rowsOf(fact.offset(200).plan)).toBe(800);
    expect(rowsOf(fact.unionAll(fact).plan)).toBe(2 * N);
    expect(rowsOf(fact.select('k').plan)).toBe(N);
    expect(est(fact.select('k').plan).cols).toBe(1);
  });
});

describe('FLOP counts', () => {
  it("a join's right-side values cost random reads: more than its left-side values, most once the right side outgrows the cache", () => {
    // Per joined row, the cost of one right-side value over a left-side one.
    const perRightValue = (dimRows: number) => {
      const keys = Int32Array.from({ length: dimRows }, (_, i) => i);
      const dimension = (features: number) =>
        fromColumns({ dk: keys, ...Object.fromEntries(Array.from({ length: features }, (_, j) => [`w${j}`, new Float64Array(dimRows)])) }, { name: 'd', primaryKey: ['dk'] });
      const joined = (features: number) => est(fact.joinOn(dimension(features), { left: ['fk'], right: ['dk'] }).plan).cost;
      // One more right column: N more values, each priced as a right-side read (the right side's size barely moves).
      return (joined(9) - joined(8)) / N;
    };
    const small = perRightValue(50); // 50 × 9 × 8 bytes: in cache
    const large = perRightValue(1_000_000); // 72 MB: far beyond it
    expect(small).toBeGreaterThan(2);
    expect(large).toBeGreaterThan(2 * small);
    expect(large).toBeLessThanOrEqual(17);
    // A semi join outputs no right-side columns and pays no such reads.
    const semi = est(fact.joinOn(dim, { left: ['fk'], right: ['dk'] }, 'semi').plan).cost;
    expect(semi).toBeLessThan(est(fact.joinOn(dim, { left: ['fk'], right: ['dk'] }).plan).cost);
  });

  it('a FLOP of a dense product costs FLOP_COST value-units; element-wise work costs the values it touches', () => {
    const p = (zeros(40, 30) as Mat).matmul(zeros(30, 20) as Mat);
    expect(est(p.plan).cost).toBeCloseTo(2 * 40 * 30 * 20 * FLOP_COST, 6);
    const A = zeros(30, 4) as Mat;
    expect(est(A.sigmoid().plan).cost).toBeCloseTo(120 * (1 + FLOP_COST), 6);
  });

  it('matmul of m×k by k×n costs 2mkn', () => {
    for (const [m, k, n] of [
      [3, 4, 5],
      [10, 1, 7],
      [1, 9, 1],
    ]) {
      const p = (zeros(m, k) as Mat).matmul(zeros(k, n) as Mat);
      expect(flopsOf(p.plan)).toBe(2 * m * k * n);
      expect([rowsOf(p.plan), est(p.plan).cols]).toEqual([m, n]);
    }
    // Rows of a relation's matrix come from the relation estimate: 1000×2 · 2×3.
    const X = fact.toMatrix(['u', 'v']) as Mat;
    expect(flopsOf(X.matmul(zeros(2, 3) as Mat).plan)).toBe(2 * N * 2 * 3);
    const Xf = fact.filter((r) => r.u.lt(25)).toMatrix(['u', 'v']) as Mat;
    expect(flopsOf(Xf.matmul(zeros(2, 3) as Mat).plan)).toBeCloseTo(2 * 250 * 2 * 3, 6);
  });

  it('crossprod XᵀX uses the symmetric kernel: n·d·(d+1), about half of the general product', () => {
    const X = fact.toMatrix(['u', 'v', 'k', 'fk'], { intercept: true }) as Mat; // 1000×5
    const gram = X.crossprod();
    expect(flopsOf(gram.plan)).toBe(N * 5 * 6);
    expect([rowsOf(gram.plan), est(gram.plan).cols]).toEqual([5, 5]);
    const general = X.transpose().matmul(X);
    expect(flopsOf(general.plan)).toBe(2 * 5 * N * 5);
    expect(flopsOf(gram.plan)).toBeLessThan(flopsOf(general.plan) * 0.61);
    // Xᵀ·Y with two inputs: 2·n·d·e.
    const Y = fact.toMatrix(['u', 'v']) as Mat;
    const xy = X.crossprod(Y);
    expect(flopsOf(xy.plan)).toBe(2 * N * 5 * 2);
    expect([rowsOf(xy.plan), est(xy.plan).cols]).toEqual([5, 2]);
  });

  it('solve of an n×n system with k right-hand sides: (2/3)n³ + 2n²k', () => {
    const A = identity(20) as Mat;
    const b = zeros(20, 3) as Mat;
    expect(flopsOf(A.solve(b).plan)).toBeCloseTo((2 / 3) * 20 ** 3 + 2 * 20 * 20 * 3, 6);
    expect(flopsOf(A.solve(zeros(20, 1) as Mat).plan)).toBeCloseTo((2 / 3) * 8000 + 800, 6);
    // Cubic in n: doubling n multiplies the factorization part by 8.
    const f = (n: number) => flopsOf((identity(n) as Mat).solve(zeros(n, 1) as Mat).plan);
    expect(f(80) / f(40)).toBeGreaterThan(7);
  });

  it('element-wise operators and reductions cost one FLOP per element read', () => {
    const A = zeros(30, 4) as Mat;
    expect(flopsOf(A.add(1).plan)).toBe(120);
    expect(flopsOf(A.sigmoid().plan)).toBe(120);
    expect(flopsOf(A.rowSums().plan)).toBe(120);
    expect(flopsOf(A.sum().plan)).toBe(120);
    expect([rowsOf(A.colSums().plan), est(A.colSums().plan).cols]).toEqual([1, 4]);
  });

  it('a chain M·P·Q·v costs more left to right than right to left', () => {
    const M = fact.toMatrix(['u', 'v', 'k', 'fk']) as Mat; // 1000×4
    const P = zeros(4, 200) as Mat;
    const Q = zeros(200, 4) as Mat;
    const v = zeros(4, 1) as Mat;
    const leftToRight = M.matmul(P).matmul(Q).matmul(v);
    const rightToLeft = M.matmul(P.matmul(Q.matmul(v)));
    const l = total(leftToRight.plan).flops;
    const r = total(rightToLeft.plan).flops;
    expect(l).toBe(2 * N * 4 * 200 + 2 * N * 200 * 4 + 2 * N * 4 * 1);
    expect(r).toBe(2 * 200 * 4 * 1 + 2 * 4 * 200 * 1 + 2 * N * 4 * 1);
    expect(l).toBeGreaterThan(100 * r);
    expect(total(leftToRight.plan).cost).toBeGreaterThan(total(rightToLeft.plan).cost);
  });
});

describe('plan totals', () => {
  it('sum the operators, each shared node once', () => {
    const A = zeros(50, 8) as Mat;
    const W = zeros(8, 6) as Mat;
    const P = A.matmul(W); // 2·50·8·6 = 4800
    const once = P.add(1);
    const twice = P.add(P); // P read twice, computed once
    expect(total(once.plan).flops).toBe(4800 + 300);
    expect(total(twice.plan).flops).toBe(4800 + 300);
    // Two equal but distinct product nodes are two computations.
    const twin = A.matmul(W).add(A.matmul(W));
    expect(total(twin.plan).flops).toBe(2 * 4800 + 300);
  });

  it('a loop body counts once per iteration', () => {
    const G = zeros(10, 10) as Mat;
    const step = (s: Mat) => G.matmul(s).add(s); // 2·10·10·1 + 10 per iteration
    const perIteration = 2 * 10 * 10 + 10;
    for (const iterations of [0, 1, 5, 20]) {
      const loop = iterate(zeros(10, 1) as Mat, iterations, step);
      expect(total(loop.plan).flops, `${iterations} iterations`).toBe(iterations * perIteration);
    }
    // A matrix the body closes over is part of the body: recomputed, and counted, every
    // iteration; hoisted into a loop input (R11) it counts once.
    const X = fact.toMatrix(['u', 'v']) as Mat;
    const gram = X.crossprod(); // N·2·3 FLOPs
    const loop = iterate(zeros(2, 1) as Mat, 4, (w) => gram.matmul(w).sub(w.scale(0.1)));
    const gramFlops = N * 2 * 3;
    const body = 2 * 2 * 2 * 1 + 2 + 2;
    expect(total(loop.plan).flops).toBe(4 * (gramFlops + body));
    const hoisted = optimize(loop.plan, { rules: [loopInvariantHoisting] });
    expect(hoisted.trace.length).toBeGreaterThan(0);
    expect(total(hoisted.plan).flops).toBe(gramFlops + 4 * body);
    expect([rowsOf(loop.plan), est(loop.plan).cols]).toEqual([2, 1]);
  });

  it('a subplan read twice inside a loop body counts once per iteration', () => {
    const A = zeros(10, 10) as Mat;
    const loop = iterate(zeros(10, 1) as Mat, 3, (s) => {
      const p = A.matmul(s); // 200 FLOPs, read twice
      return p.add(p); // 10
    });
    expect(total(loop.plan).flops).toBe(3 * (200 + 10));
  });

  it('costs grow with the input: more rows never make a plan cheaper', () => {
    const small = fromColumns({ a: Float64Array.from({ length: 100 }, (_, i) => i) });
    const large = fromColumns({ a: Float64Array.from({ length: 10_000 }, (_, i) => i) });
    const pipeline = (rel: typeof small) => (rel.filter((r) => r.a.gt(10)).toMatrix(['a'], { intercept: true }) as Mat).crossprod();
    expect(total(pipeline(large).plan).cost).toBeGreaterThan(total(pipeline(small).plan).cost);
  });
});
