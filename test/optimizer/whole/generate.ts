/**
 * A seeded generator of random mixed relational / matrix pipelines, for whole-optimizer
 * equivalence tests (optimized plan ≡ plan as built, docs/workloads.md, correctness oracles).
 *
 * Each seed builds three small tables with nulls (a fact table with a foreign key, a
 * dimension with a declared primary key, and a many-to-many side table), then:
 *   1. a relational chain: filters (and/or/not/isNull, literal-only parts for constant
 *      folding), projections with arithmetic (CASE, coalesce, casts), withColumn,
 *      inner/left/semi/anti joins (PK-FK, many-to-many, USING keys of mixed integer
 *      widths, self joins), group-by aggregates with HAVING filters, total sorts with
 *      limits, limits/offsets where the order is defined, distinct, unionAll (also of
 *      sides whose nullability differs, and of twins differing only in a ±0 literal);
 *   2. a bridge into a matrix (`toMatrix` with numeric, one-hot, hash and standardized
 *      features, maybe an intercept; nullable numeric columns are coalesced or filtered
 *      on isNotNull first, since toMatrix rejects nulls by design);
 *   3. matrix expressions: product chains of 2–4 factors with varied dimensions, transposes
 *      and cross-products, element-wise operators with broadcasts, maps, reductions,
 *      selections by name, comparison masks with filterRows, small loops (`iterate`,
 *      logistic regression, k-means);
 *   4. back to a relation (`withMatrixColumns` next to the rows the matrix came from, then
 *      maybe a filter, a projection, a total sort, an aggregate), or `toRelation`, or a
 *      matrix result.
 *
 * Every emitted plan builds: a choice that the builder rejects (a PlanError: unknown
 * column after a projection, a name clash in a join, a transpose of a matrix whose row
 * count is only known at run time, ...) is retried with another choice. Results are
 * deterministic: row order is only relied on (kmeans' sampled rows, row-shaped matrix
 * results, ordered comparison) where the relation's order is defined by the plan
 * (scans, then order-preserving operators, or a total sort).
 */
import {
  type Expr,
  type Matrix,
  type PlanNode,
  PlanError,
  type Relation,
  clusterIds,
  count,
  fromColumns,
  iterate,
  kmeans,
  kmeansAssignment,
  linearRegression,
  lit,
  logisticRegression,
  matrix,
  predictProbabilities,
  when,
  zeros,
} from '../../../src/index.js';
import { mulberry32 } from '../../../src/data/random.js';
import { nodeLabel } from '../../../src/plan/node.js';
import type { Field } from '../../../src/types/schema.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Rel = Relation<any>;
type Mat = Matrix<number, number>;
type Col = Matrix<number, 1>;
type Row = { readonly [name: string]: Expr<any> };
type BoolExpr = Expr<any>;

/** mulberry32 (from a scrambled seed), with the draws the generator needs. */
export class Rng {
  private readonly uniform: () => number;
  constructor(seed: number) {
    this.uniform = mulberry32((seed * 0x9e3779b1) >>> 0 || 0x6d2b79f5);
  }
  /** Uniform in [0, 1). */
  next(): number {
    return this.uniform();
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  float(lo: number, hi: number): number {
    return lo + this.next() * (hi - lo);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error('pick from an empty list');
    return xs[Math.floor(this.next() * xs.length)];
  }
  /** Choice by weight: `[[w, value], ...]`. */
  weighted<T>(options: readonly (readonly [number, T])[]): T {
    const total = options.reduce((s, [w]) => s + w, 0);
    let r = this.next() * total;
    for (const [w, v] of options) {
      r -= w;
      if (r < 0) return v;
    }
    return options[options.length - 1][1];
  }
  shuffle<T>(xs: readonly T[]): T[] {
    const out = [...xs];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
  /** A random subset of size in [min, max] (clamped), in original order. */
  subset<T>(xs: readonly T[], min: number, max: number): T[] {
    const k = Math.min(xs.length, this.int(Math.min(min, xs.length), Math.min(max, xs.length)));
    const chosen = new Set(this.shuffle(xs.map((_, i) => i)).slice(0, k));
    return xs.filter((_, i) => chosen.has(i));
  }
}

/** The kind of pipeline a case ends in. */
export type CaseShape = 'append' | 'predict' | 'summary' | 'rows' | 'filterRows' | 'loop' | 'kmeans' | 'relational' | 'joinMatrix';

export interface GeneratedCase {
  readonly seed: number;
  readonly shape: CaseShape;
  /** The plan as built (unoptimized). */
  readonly plan: PlanNode;
  /** The steps the generator took, one short line each (for failure messages). */
  readonly steps: readonly string[];
  /** The result's row order is defined by the plan (it ends in a total sort, then order-preserving operators). */
  readonly ordered: boolean;
  /** Relative tolerance for comparing results, scaled to the computation. */
  readonly tolerance: number;
  /** Choices the generator had to retry because the builder rejected them. */
  readonly retries: number;
  /** A matrix over primary-key joins: also checked factorized whatever the cost, and with the joins materialized. */
  readonly factorize?: boolean;
}

interface Tables {
  readonly fact: Rel;
  readonly dim: Rel;
  readonly other: Rel;
  /** Category domains of the string columns, for explicit one-hot categories. */
  readonly domains: Readonly<Record<string, readonly string[]>>;
}

const CAT = ['a', 'b', 'c', 'd'] as const;
const DCAT = ['p', 'q', 'r'] as const;
const ECAT = ['u', 'v'] as const;

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function makeTables(rng: Rng): Tables {
  const nDim = rng.int(4, 9);
  const nFact = rng.int(12, 36);
  const nOther = rng.int(3, 10);
  const dangling = rng.chance(0.3); // some foreign keys without a matching dimension row
  const factIds = rng.chance(0.5) ? rng.shuffle(Array.from({ length: nFact }, (_, i) => i)) : Array.from({ length: nFact }, (_, i) => i);
  const fact = fromColumns(
    {
      id: Int32Array.from(factIds),
      fk: Int32Array.from({ length: nFact }, () => rng.int(0, nDim - 1 + (dangling ? 2 : 0))),
      g: Array.from({ length: nFact }, () => (rng.chance(0.15) ? null : rng.int(0, 3))),
      x1: Float64Array.from({ length: nFact }, () => round3(rng.float(-5, 5))),
      x2: Float64Array.from({ length: nFact }, () => round3(rng.float(0, 10))),
      x3: Array.from({ length: nFact }, () => (rng.chance(0.2) ? null : round3(rng.float(-3, 3)))),
      cat: Array.from({ length: nFact }, () => (rng.chance(0.1) ? null : rng.pick(CAT))),
      flag: Array.from({ length: nFact }, () => rng.chance(0.5)),
    },
    { name: 'fact', primaryKey: ['id'], types: { g: 'int32?', x3: 'float64?', cat: 'string?' } },
  ) as Rel;
  const dimKeys = rng.shuffle(Array.from({ length: nDim }, (_, i) => i));
  const dim = fromColumns(
    {
      dk: Int32Array.from(dimKeys),
      d1: Float64Array.from({ length: nDim }, () => round3(rng.float(-2, 2))),
      d2: Float64Array.from({ length: nDim }, () => round3(rng.float(1, 4))),
      dcat: Array.from({ length: nDim }, () => rng.pick(DCAT)),
      dn: Array.from({ length: nDim }, () => (rng.chance(0.25) ? null : round3(rng.float(-1, 1)))),
    },
    { name: 'dim', primaryKey: ['dk'], types: { dn: 'float64?' } },
  ) as Rel;
  const other = fromColumns(
    {
      ek: Int32Array.from({ length: nOther }, () => rng.int(0, nDim)),
      e1: Float64Array.from({ length: nOther }, () => round3(rng.float(-1, 1))),
      ecat: Array.from({ length: nOther }, () => rng.pick(ECAT)),
    },
    { name: 'other' },
  ) as Rel;
  return { fact, dim, other, domains: { cat: CAT, dcat: DCAT, ecat: ECAT } };
}

/** Value ranges of the source columns (approximate after a withColumn redefines one). */
const RANGES: Readonly<Record<string, readonly [number, number]>> = {
  id: [0, 35],
  fk: [0, 10],
  dk: [0, 8],
  ek: [0, 9],
  g: [0, 3],
  x1: [-5, 5],
  x2: [0, 10],
  x3: [-3, 3],
  d1: [-2, 4],
  d2: [1, 4],
  dn: [-1, 1],
  e1: [-1, 1],
};

const NUMERIC = new Set(['float64', 'float32', 'int32', 'int64']);
const isNumericField = (f: Field) => NUMERIC.has(f.dtype);
const isIntField = (f: Field) => f.dtype === 'int32' || f.dtype === 'int64';

/** Relation state: the relation, whether its row order is defined, whether it ends in a total sort. */
interface RelState {
  readonly rel: Rel;
  /** Row order defined by the plan (scan order through order-preserving operators, or a sort). */
  readonly ordered: boolean;
  /** Ends in a total sort followed only by order-preserving operators. */
  readonly sorted: boolean;
}

class Retry extends Error {}

/** One pipeline's worth of random choices. */
class Builder {
  readonly steps: string[] = [];
  retries = 0;
  private fresh = 0;
  tolerance = 1e-8;
  /** The relation the last toMatrix read, and its null-free numeric columns (for more matrices over the same rows). */
  private bridgeRel: Rel | undefined;
  private bridgeNumeric: string[] = [];

  constructor(
    readonly rng: Rng,
    readonly t: Tables,
  ) {}

  name(prefix: string): string {
    this.fresh += 1;
    return `${prefix}${this.fresh}`;
  }

  /** Tries `f` up to `tries` times; a builder rejection (PlanError) or a Retry means "choose again". */
  attempt<T>(tries: number, f: () => T): T | undefined {
    for (let i = 0; i < tries; i++) {
      const mark = this.steps.length;
      try {
        return f();
      } catch (e) {
        if (!(e instanceof PlanError || e instanceof Retry)) throw e;
        this.retries++;
        this.steps.length = mark;
      }
    }
    return undefined;
  }

  // ---------------------------------------------------------------- expressions

  private numLiteral(f: Field | undefined): number {
    // Within the column's range where the generator knows it (source columns), so that
    // filters keep some rows and drop some. Integers for integer columns (exact
    // comparisons); full-precision floats otherwise, so no value of the (3-decimal) data
    // or of a product of 2-decimal literals sits exactly on it.
    const range = f ? RANGES[f.name] : undefined;
    if (f && isIntField(f)) return range ? this.rng.int(range[0] - 1, range[1] + 1) : this.rng.int(-1, 8);
    return range ? this.rng.float(range[0] - 0.5, range[1] + 0.5) : this.rng.float(-4, 6);
  }

  predicate(rel: Rel, r: Row, depth: number): BoolExpr {
    const fields = rel.schema.fields;
    if (depth > 0 && this.rng.chance(0.4)) {
      const op = this.rng.weighted([
        [2, 'and'],
        [3, 'or'],
        [2, 'not'],
        [1, 'andconst'],
        [1, 'orconst'],
      ] as const);
      const a = this.predicate(rel, r, depth - 1);
      if (op === 'not') return a.not();
      // Boolean simplification candidates: x AND true/false, x OR true/false.
      if (op === 'andconst') return this.rng.chance(0.5) ? a.and(this.rng.chance(0.7)) : this.constPredicate().and(a);
      if (op === 'orconst') return this.rng.chance(0.5) ? a.or(this.rng.chance(0.7) ? false : true) : this.constPredicate().or(a);
      const b = this.predicate(rel, r, depth - 1);
      return op === 'and' ? a.and(b) : a.or(b);
    }
    if (this.rng.chance(0.04)) return this.constPredicate();
    const numeric = fields.filter(isNumericField);
    const strings = fields.filter((f) => f.dtype === 'string');
    const bools = fields.filter((f) => f.dtype === 'bool');
    const nullable = fields.filter((f) => f.nullable);
    const kinds: [number, string][] = [];
    if (numeric.length > 0) kinds.push([5, 'cmp']);
    if (numeric.length > 1) kinds.push([1, 'cmpcols']);
    if (nullable.length > 0) kinds.push([2, 'null']);
    if (strings.length > 0) kinds.push([2, 'str']);
    if (bools.length > 0) kinds.push([1, 'bool']);
    if (kinds.length === 0) throw new Retry('no column to filter on');
    const kind = this.rng.weighted(kinds);
    const cmp = this.rng.pick(['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const);
    switch (kind) {
      case 'cmp': {
        const f = this.rng.pick(numeric);
        const op = isIntField(f) ? cmp : this.rng.pick(['lt', 'le', 'gt', 'ge', 'ne'] as const);
        return r[f.name][op](this.numLiteral(f));
      }
      case 'cmpcols': {
        const [f, g] = this.rng.shuffle(numeric);
        return r[f.name][this.rng.pick(['lt', 'le', 'gt', 'ge', 'ne'] as const)](r[g.name]);
      }
      case 'null': {
        const f = this.rng.pick(nullable);
        return this.rng.chance(0.5) ? r[f.name].isNull() : r[f.name].isNotNull();
      }
      case 'str': {
        const f = this.rng.pick(strings);
        const domain = this.t.domains[f.name] ?? ['a'];
        const value = this.rng.chance(0.1) ? 'zz' : this.rng.pick(domain);
        return this.rng.chance(0.7) ? r[f.name].eq(value) : r[f.name].ne(value);
      }
      default: {
        const f = this.rng.pick(bools);
        return this.rng.chance(0.5) ? r[f.name] : r[f.name].not();
      }
    }
  }

  /** A predicate over literals only (true, false or NULL once folded). */
  constPredicate(): BoolExpr {
    return this.rng.pick([
      () => lit(true, 'bool'),
      () => lit(false, 'bool'),
      () => lit(2, 'int32').gt(1),
      () => lit(2, 'int32').le(1),
      () => lit(1.5, 'float64').lt(lit(null, 'float64')),
      () => lit(null, 'bool'),
      () => lit(true, 'bool').and(lit(null, 'bool')),
      () => lit(false, 'bool').and(lit(null, 'bool')),
      () => lit(true, 'bool').or(lit(null, 'bool')),
      () => lit(7, 'int32').mod(0).isNull(),
      () => lit(1, 'int32').add(1).eq(2).not().not(),
    ])();
  }

  /** A numeric expression over the row (nullable where its inputs are). */
  numericExpr(rel: Rel, r: Row, depth: number): Expr<any> {
    const numeric = rel.schema.fields.filter(isNumericField);
    if (numeric.length === 0) throw new Retry('no numeric column');
    const f = this.rng.pick(numeric);
    const base = r[f.name];
    const choice = this.rng.weighted([
      [3, 'addlit'],
      [3, 'mullit'],
      [2, 'sub'],
      [1, 'div'],
      [1, 'abs'],
      [1, 'neg'],
      [2, 'coalesce'],
      [depth > 0 ? 1 : 0, 'when'],
      [depth > 0 ? 2 : 0, 'nested'],
      [isIntField(f) ? 1 : 0, 'mod'],
      [1, 'constarith'],
      [1, 'nullcoalesce'],
      [depth > 0 ? 1 : 0, 'whenconst'],
      [0.5, 'cast'],
    ] as const);
    switch (choice) {
      case 'addlit':
        return base.add(this.rng.chance(0.5) ? this.rng.int(-3, 3) : round3(this.rng.float(-2, 2)));
      case 'mullit':
        return base.mul(this.rng.chance(0.5) ? this.rng.int(-2, 3) : round3(this.rng.float(-2, 2)));
      case 'sub':
        return base.sub(r[this.rng.pick(numeric).name]);
      case 'div':
        return base.div(this.rng.pick([2, 4, -0.5, 3]));
      case 'abs':
        return base.abs();
      case 'neg':
        return base.neg();
      case 'coalesce':
        return f.nullable ? base.coalesce(this.rng.int(-1, 2)) : base.add(0.5);
      case 'mod':
        return base.mod(this.rng.int(2, 4));
      case 'constarith':
        // Literal-only subtrees, folded while planning: (2·3 − 1)/2, NULL-producing x % 0 under a coalesce.
        return this.rng.chance(0.5) ? base.add(lit(2, 'float64').mul(3).sub(1).div(2)) : base.mul(lit(5, 'int32').mod(0).coalesce(2));
      case 'nullcoalesce':
        return base.coalesce(null, this.rng.int(0, 2), 7);
      case 'whenconst': {
        // CASE with branches that fold away: WHEN false …, WHEN true THEN … (ends the CASE).
        const other = this.numericExpr(rel, r, depth - 1).cast('float64');
        return this.rng.chance(0.5)
          ? when(lit(false, 'bool'), other).when(this.predicate(rel, r, 0), base.cast('float64')).otherwise(other)
          : when(this.predicate(rel, r, 0), other).when(lit(2, 'int32').gt(1), base.cast('float64')).otherwise(lit(null, 'float64'));
      }
      case 'cast':
        return this.rng.chance(0.5) ? base.cast('float64') : base.cast('int64');
      case 'when': {
        const then = this.numericExpr(rel, r, depth - 1);
        const other = this.numericExpr(rel, r, depth - 1);
        return when(this.predicate(rel, r, 0), then.cast('float64')).otherwise(other.cast('float64'));
      }
      default: {
        const inner = this.numericExpr(rel, r, depth - 1);
        return this.rng.chance(0.5) ? inner.add(base) : inner.mul(this.rng.pick([0.5, 2, -1]));
      }
    }
  }

  // ------------------------------------------------------------- relational ops

  filter(s: RelState): RelState {
    const depth = this.rng.weighted([
      [3, 0],
      [3, 1],
      [1, 2],
    ] as const);
    const rel = s.rel.filter((r) => this.predicate(s.rel, r, depth));
    this.steps.push(`filter: ${lastLabel(rel)}`);
    return { ...s, rel };
  }

  project(s: RelState): RelState {
    const fields = s.rel.schema.fields;
    const must = fields.filter((f) => (f.name === 'id' && this.rng.chance(0.8)) || (f.name === 'fk' && this.rng.chance(0.7)));
    const kept = new Set([...must, ...this.rng.subset(fields, 1, fields.length)].map((f) => f.name));
    const computed = this.rng.int(0, 2);
    const rel = s.rel.select((r) => {
      const out: Record<string, Expr<any>> = {};
      for (const f of fields) if (kept.has(f.name)) out[f.name] = r[f.name];
      for (let i = 0; i < computed; i++) out[this.name('p')] = this.numericExpr(s.rel, r, 1);
      return out;
    });
    this.steps.push(`project: ${lastLabel(rel)}`);
    // A projection keeps rows and their order; a total sort stays total only if every column survives.
    return { rel, ordered: s.ordered, sorted: s.sorted && fields.every((f) => kept.has(f.name)) };
  }

  /** Rows in the plan's order, cut by a limit/offset (only where that order is defined); maybe two stacked. */
  limit(s: RelState): RelState {
    if (!s.ordered) throw new Retry('limit without a defined order');
    let rel = this.rng.chance(0.8) ? s.rel.limit(this.rng.chance(0.1) ? 0 : this.rng.int(1, 20), this.rng.chance(0.4) ? this.rng.int(1, 5) : 0) : s.rel.offset(this.rng.int(1, 6));
    if (this.rng.chance(0.35)) rel = rel.limit(this.rng.int(1, 12), this.rng.chance(0.5) ? this.rng.int(1, 3) : 0);
    this.steps.push(`limit: ${lastLabel(rel)}`);
    return { ...s, rel };
  }

  withColumn(s: RelState): RelState {
    const numeric = s.rel.schema.fields.filter((f) => isNumericField(f) && f.name !== 'id' && f.name !== 'fk');
    const replace = numeric.length > 0 && this.rng.chance(0.3);
    const name = replace ? this.rng.pick(numeric).name : this.name('w');
    const rel = s.rel.withColumn(name, (r) => this.numericExpr(s.rel, r, 1));
    this.steps.push(`withColumn: ${lastLabel(rel)}`);
    return { rel, ordered: s.ordered, sorted: s.sorted && !replace };
  }

  join(s: RelState): RelState {
    const { dim, other } = this.t;
    const fields = s.rel.schema.fields;
    const has = (n: string) => fields.some((f) => f.name === n);
    const how = this.rng.weighted([
      [4, 'inner'],
      [3.5, 'left'],
      [1.5, 'semi'],
      [1, 'anti'],
    ] as const);
    const target = this.rng.weighted([
      [has('fk') ? 5 : 0, 'dim'],
      [has('fk') ? 2 : 0, 'otherAgg'],
      [has('fk') || has('g') ? 2 : 0, 'other'],
      [has('fk') ? 1 : 0, 'self'],
    ] as const);
    if (!has('fk') && !has('g')) throw new Retry('no join key');
    let right: Rel;
    let on: { left: string[]; right: string[] };
    if (target === 'dim') {
      right = this.rng.weighted([
        [3, () => dim],
        [2, () => dim.filter((r) => this.predicate(dim, r, 1))],
        [1, () => dim.select('dk', ...this.rng.subset(['d1', 'd2', 'dcat', 'dn'], 1, 3))],
        [1, () => dim.withColumn('d1', (r) => r.d1.mul(2).add(r.d2)) as Rel],
      ] as const)();
      on = { left: ['fk'], right: ['dk'] };
    } else if (target === 'self') {
      // The fact table again, renamed: fk = id (a key, but not declared one after the rename).
      const fact = this.t.fact;
      const side = (this.rng.chance(0.5) ? fact : fact.filter((r) => this.predicate(fact, r, 0))).select((r) => ({ [this.name('sid')]: r.id, [this.name('sx')]: r.x2, [this.name('sc')]: r.cat }));
      const key = side.schema.fields[0].name;
      const rel = s.rel.joinOn(side, { left: ['fk'], right: [key] }, how);
      this.steps.push(`self join ${how} on fk = ${key}`);
      return { rel, ordered: false, sorted: false };
    } else if (target === 'otherAgg' && this.rng.chance(0.3)) {
      // USING join on a key named alike on both sides (merged output column), maybe of another integer width.
      const key = has('fk') ? 'fk' : 'g';
      const side = other.select((r) => ({ [key]: this.rng.chance(0.3) ? r.ek.cast('int64') : r.ek, [this.name('e')]: r.e1 }));
      const rel = s.rel.joinOn(side, { left: [key], right: [key] }, how);
      this.steps.push(`join ${how} USING (${key}) with a renamed side table`);
      return { rel, ordered: false, sorted: false };
    } else if (target === 'otherAgg') {
      right = other.groupBy('ek').agg((r) => ({ [this.name('esum')]: r.e1.sum(), [this.name('ecnt')]: count() }));
      on = { left: ['fk'], right: ['ek'] };
    } else {
      right = this.rng.chance(0.5) ? other : other.filter((r) => this.predicate(other, r, 0));
      on = { left: [has('fk') && this.rng.chance(0.7) ? 'fk' : has('g') ? 'g' : 'fk'], right: ['ek'] };
    }
    const rel = s.rel.joinOn(right, on, how);
    this.steps.push(`join ${how} ${target} on ${on.left[0]} = ${on.right[0]}`);
    // Semi/anti joins keep a subset of the left rows, but the kernel's output order is not a
    // property of the plan: treat every join as leaving the order undefined.
    return { rel, ordered: false, sorted: false };
  }

  aggregate(s: RelState): RelState {
    const fields = s.rel.schema.fields;
    const keyable = fields.filter((f) => isIntField(f) || f.dtype === 'string' || f.dtype === 'bool');
    const keys = this.rng.subset(keyable, 0, 2).map((f) => f.name);
    const numeric = fields.filter(isNumericField);
    const rel = s.rel.groupBy(...keys).agg((r) => {
      const out: Record<string, any> = { [this.name('n')]: count() };
      for (let i = this.rng.int(1, 3); i > 0 && numeric.length > 0; i--) {
        const f = this.rng.pick(numeric);
        const fn = this.rng.pick(['sum', 'mean', 'min', 'max', 'count', 'countDistinct'] as const);
        // Sometimes over an expression (constant folding reaches aggregate arguments).
        const arg = fn !== 'count' && fn !== 'countDistinct' && this.rng.chance(0.3) ? this.numericExpr(s.rel, r, 1) : r[f.name];
        out[this.name(fn)] = arg[fn]();
      }
      return out;
    });
    this.steps.push(`aggregate: ${lastLabel(rel)}`);
    if (this.rng.chance(0.4)) {
      // HAVING: a filter on group keys (pushable when there are keys) and/or aggregate values (not).
      const having = rel.filter((r) => this.predicate(rel, r, 1));
      this.steps.push(`having: ${lastLabel(having)}`);
      return { rel: having, ordered: false, sorted: false };
    }
    return { rel, ordered: false, sorted: false };
  }

  /** A total sort: random leading keys, then every column as a tie-break; maybe a limit. */
  sortLimit(s: RelState, limit = this.rng.chance(0.7)): RelState {
    const fields = s.rel.schema.fields;
    const lead = this.rng.subset(fields, 1, 2);
    let rel = s.rel.orderBy((r) => [
      ...lead.map((f) => {
        // A leading key is a column or an expression (maybe with literal-only parts).
        const key = this.rng.chance(0.25) ? this.numericExpr(s.rel, r, 1) : r[f.name];
        return this.rng.chance(0.5) ? key.asc({ nulls: this.rng.pick(['first', 'last'] as const) }) : key.desc({ nulls: this.rng.pick(['first', 'last'] as const) });
      }),
      ...fields.map((f) => r[f.name]),
    ]);
    if (limit) rel = rel.limit(this.rng.int(1, 15), this.rng.chance(0.3) ? this.rng.int(1, 4) : 0);
    this.steps.push(`sort${limit ? '+limit' : ''}: ${lead.map((f) => f.name).join(', ')} (+ all columns)`);
    return { rel, ordered: true, sorted: true };
  }

  distinct(s: RelState): RelState {
    const fields = s.rel.schema.fields;
    const base = this.rng.chance(0.6) ? s.rel.select(...this.rng.subset(fields, 1, 3).map((f) => f.name)) : s.rel;
    const rel = base.distinct();
    this.steps.push(`distinct over ${rel.schema.fields.map((f) => f.name).join(', ')}`);
    return { rel, ordered: false, sorted: false };
  }

  union(s: RelState): RelState {
    const numeric = s.rel.schema.fields.filter((f) => isNumericField(f) && !f.nullable);
    if (numeric.length > 0 && this.rng.chance(0.12)) {
      // Twin sides that differ only in the sign of a zero literal: (|x|+1)/0 > 0 is true, (|x|+1)/−0 > 0 false.
      const f = this.rng.pick(numeric).name;
      const name = this.name('zq');
      const side = (zero: number) => s.rel.withColumn(name, (r) => r[f].abs().add(1).div(lit(zero, 'float64')).gt(0));
      const rel = side(0).unionAll(side(-0));
      this.steps.push(`unionAll of twins: ${name} := (|${f}| + 1) / ±0 > 0`);
      return { rel, ordered: s.ordered, sorted: false };
    }
    const left = this.rng.chance(0.5) ? s.rel : s.rel.filter((r) => this.predicate(s.rel, r, 1));
    let right = s.rel.filter((r) => this.predicate(s.rel, r, 1));
    const nullable = s.rel.schema.fields.filter((f) => f.nullable && isNumericField(f));
    if (nullable.length > 0 && this.rng.chance(0.4)) {
      // The same columns in the same order, one of them no longer nullable on this side.
      const target = this.rng.pick(nullable).name;
      const fields = s.rel.schema.fields;
      right = right.select((r) => Object.fromEntries(fields.map((f) => [f.name, f.name === target ? r[f.name].coalesce(0) : r[f.name]])));
    }
    const rel = this.rng.chance(0.5) ? left.unionAll(right) : right.unionAll(left);
    this.steps.push('unionAll of two filters of the same input');
    // UNION ALL concatenates its inputs in order: the order stays defined when both sides' is.
    return { rel, ordered: s.ordered, sorted: false };
  }

  relationalChain(s: RelState, ops: number, rowPreserving = false): RelState {
    let state = s;
    for (let i = 0; i < ops; i++) {
      const op = this.rng.weighted([
        [rowPreserving ? 0 : 5, 'filter'],
        [3, 'project'],
        [2, 'withColumn'],
        [rowPreserving ? 0 : 4, 'join'],
        [rowPreserving ? 0 : 1.5, 'aggregate'],
        [2, 'sort'],
        [rowPreserving ? 0 : 1, 'distinct'],
        [rowPreserving ? 0 : 1, 'union'],
        [rowPreserving || !state.ordered ? 0 : 1.5, 'limit'],
      ] as const);
      const before = state;
      state =
        this.attempt(4, () => {
          switch (op) {
            case 'filter':
              return this.filter(before);
            case 'project':
              return this.project(before);
            case 'withColumn':
              return this.withColumn(before);
            case 'join':
              return this.join(before);
            case 'aggregate':
              return this.aggregate(before);
            case 'sort':
              return this.sortLimit(before, rowPreserving ? false : undefined);
            case 'distinct':
              return this.distinct(before);
            case 'limit':
              return this.limit(before);
            default:
              return this.union(before);
          }
        }) ?? before;
    }
    return state;
  }

  // --------------------------------------------------------------------- bridge

  /**
   * toMatrix over the relation. Nullable numeric columns are first coalesced (or filtered
   * on isNotNull: a filter does not change the schema's nullability, so the run-time
   * null check of toMatrix then guards the filter's placement).
   */
  bridge(s: RelState, opts: { numericOnly?: boolean; intercept?: boolean } = {}): { s: RelState; X: Mat; numericCols: string[] } {
    let state = s;
    const numericOf = () => state.rel.schema.fields.filter((f) => (isNumericField(f) || f.dtype === 'bool') && !f.nullable && f.name !== 'id');
    const nullableNumeric = state.rel.schema.fields.filter((f) => isNumericField(f) && f.nullable);
    let extra: string[] = [];
    if (nullableNumeric.length > 0 && (numericOf().length < 2 || this.rng.chance(0.5))) {
      const f = this.rng.pick(nullableNumeric);
      if (opts.numericOnly || this.rng.chance(0.65)) {
        const name = this.name('c');
        state = { ...state, rel: state.rel.withColumn(name, (r) => r[f.name].coalesce(this.rng.int(-1, 1))), sorted: false };
        this.steps.push(`withColumn ${name} := coalesce(${f.name}, ·)`);
      } else {
        state = { ...state, rel: state.rel.filter((r) => r[f.name].isNotNull()) };
        this.steps.push(`filter ${f.name} is not null`);
        extra = [f.name];
      }
    }
    const numeric = [...numericOf().map((f) => f.name), ...extra];
    if (numeric.length === 0) {
      const name = this.name('k');
      state = { ...state, rel: state.rel.withColumn(name, (r) => this.numericExpr(state.rel, r, 0).cast('float64').coalesce(1)), sorted: false };
      numeric.push(name);
      this.steps.push(`withColumn ${name} (a numeric feature)`);
    }
    const chosen = this.rng.subset(numeric, 1, 4);
    const features: any[] = [...chosen];
    const fields = state.rel.schema.fields;
    if (!opts.numericOnly) {
      const strings = fields.filter((f) => f.dtype === 'string');
      if (strings.length > 0 && this.rng.chance(0.45)) {
        const f = this.rng.pick(strings);
        const domain = this.t.domains[f.name];
        const explicit = this.rng.chance(0.4) && domain;
        const categories = this.rng.chance(0.05) ? [] : [...this.rng.subset(domain ?? [], 1, domain?.length ?? 0), ...(this.rng.chance(0.3) ? ['zz'] : [])];
        features.push(explicit ? { onehot: f.name, categories } : { onehot: f.name });
      }
      const hashable = fields.filter((f) => f.dtype === 'string' || isIntField(f));
      if (hashable.length > 0 && this.rng.chance(0.2)) {
        features.push({ hash: this.rng.pick(hashable).name, buckets: this.rng.int(2, 4) });
      }
      const standardizable = chosen.filter((c) => !features.some((x) => typeof x === 'object' && x.standardize === c));
      if (standardizable.length > 0 && this.rng.chance(0.12)) {
        const c = this.rng.pick(standardizable);
        features.splice(features.indexOf(c), 1, { standardize: c });
      }
    }
    const intercept = opts.intercept ?? this.rng.chance(0.5);
    const dtype = this.rng.chance(0.06) ? 'float32' : 'float64';
    if (dtype === 'float32') this.tolerance = Math.max(this.tolerance, 1e-4);
    let X: Mat;
    try {
      X = state.rel.toMatrix(features as never, { intercept, dtype }) as Mat;
    } catch (e) {
      // One-hot categories that cannot be told while planning: give them explicitly.
      if (!(e instanceof PlanError)) throw e;
      const fixed = features.map((f) => (typeof f === 'object' && 'onehot' in f && !f.categories ? { onehot: f.onehot, categories: this.t.domains[f.onehot] ?? ['a'] } : f));
      X = state.rel.toMatrix(fixed as never, { intercept, dtype }) as Mat;
    }
    this.steps.push(`toMatrix: ${X.columnNames.join(', ')} (${X.shape.rows ?? '?'}×${X.shape.cols}${dtype === 'float32' ? ', float32' : ''})`);
    this.bridgeRel = state.rel;
    this.bridgeNumeric = numeric;
    return { s: state, X, numericCols: chosen };
  }

  /** Another toMatrix over the same relation (same rows, another node): numeric columns only. */
  sibling(): Mat {
    if (!this.bridgeRel || this.bridgeNumeric.length === 0) throw new Retry('no relation to encode again');
    const cols = this.rng.subset(this.bridgeNumeric, 1, 3);
    const m = this.bridgeRel.toMatrix(cols as never, { intercept: this.rng.chance(0.3) }) as Mat;
    this.steps.push(`toMatrix again over the same relation: ${m.columnNames.join(', ')}`);
    return m;
  }

  /** A 0/1 row mask over X's rows: comparisons of a column (of X, of another encoding of its relation, or computed), ANDed (·) or ORed (max). */
  mask(X: Mat, depth = 1): Mat {
    if (depth > 0 && this.rng.chance(0.35)) {
      const a = this.mask(X, depth - 1);
      const b = this.mask(X, depth - 1);
      const and = this.rng.chance(0.5);
      this.steps.push(and ? 'mask AND (·)' : 'mask OR (max)');
      return and ? a.mul(b) : a.maximum(b);
    }
    const key = this.rng.weighted([
      [3, () => X],
      [2, () => this.sibling()],
      [1, () => this.rowExpr(X, 1)],
    ] as const)();
    const j = this.rng.int(0, key.shape.cols - 1);
    const cmp = this.rng.pick(['gt', 'ge', 'lt', 'le', 'eq', 'ne'] as const);
    const name = key.columnNames[j];
    // Integer-valued columns (keys, flags, one-hot, intercept) get integer thresholds: eq/ne then select something.
    const integral = /^(fk|g|flag|id|intercept)$|=/.test(name);
    const t = integral ? this.rng.int(0, 3) : this.rng.float(-1.5, 1.5);
    this.steps.push(`mask ${name} ${cmp} ${integral ? t : 't'}`);
    return key.select(j)[cmp](t);
  }

  // ------------------------------------------------------------------- matrices

  literal(rows: number, cols: number): Mat {
    const data = Array.from({ length: rows }, () => Array.from({ length: cols }, () => Math.round(this.rng.float(-1, 1) * 100) / 100));
    return matrix(data) as Mat;
  }

  private dim(): number {
    return this.rng.pick([1, 2, 3, 4, 5, 7, 9, 12]);
  }

  /** E·W₁·…·W_k (k = 1..3 literal factors) in a random parenthesization. */
  chain(E: Mat, factors = this.rng.int(1, 3), last?: number): Mat {
    const dims = [E.shape.cols];
    for (let i = 0; i < factors; i++) dims.push(i === factors - 1 && last !== undefined ? last : this.dim());
    const operands: Mat[] = [E, ...dims.slice(1).map((d, i) => this.literal(dims[i], d))];
    const build = (lo: number, hi: number): Mat => {
      if (lo === hi) return operands[lo];
      const split = this.rng.int(lo, hi - 1);
      return build(lo, split).matmul(build(split + 1, hi));
    };
    const out = build(0, operands.length - 1);
    this.steps.push(`chain of ${operands.length}: ${dims.join('×')}`);
    return out;
  }

  /** A bounded element map. */
  map(E: Mat): Mat {
    const m = this.rng.weighted([
      [3, () => E.sigmoid()],
      [2, () => E.abs()],
      [1, () => E.neg()],
      [2, () => E.scale(round3(this.rng.float(-2, 2)))],
      [2, () => E.clip(-1.5, round3(this.rng.float(-1, 2)))],
      [1, () => E.clip(-3, 3).exp()],
      [1, () => E.abs().add(1).log()],
      [1, () => E.abs().sqrt()],
      [1, () => E.clip(-4, 4).pow(2)],
    ] as const)();
    this.steps.push(`map: ${m.plan.kind === 'map' ? String(m.plan.args.fn) : m.plan.kind}`);
    return m;
  }

  /**
   * A matrix whose rows are X's rows (same relation rows, row-wise or not), so it can be
   * appended to the relation.
   */
  rowExpr(X: Mat, depth: number): Mat {
    if (depth <= 0) return X;
    const choice = this.rng.weighted([
      [5, 'chain'],
      [3, 'ew'],
      [2, 'map'],
      [1.5, 'rowsum'],
      [1.5, 'select'],
      [1, 'hstack'],
      [1.5, 'r4rows'],
      [2, 'r5cols'],
      [0.7, 'nearest'],
      [0.8, 'center'],
      [0.6, 'shared'],
    ] as const);
    const E = (d = depth - 1) => this.rowExpr(X, d);
    switch (choice) {
      case 'chain':
        return this.chain(E(), this.rng.int(1, 3));
      case 'ew': {
        const a = E();
        const { cols } = a.shape;
        const b = this.rng.weighted([
          [2, () => round3(this.rng.float(-2, 2)) as number | Mat],
          [2, () => this.literal(1, cols)],
          [1, () => this.literal(1, 1)],
          [2, () => this.chain(X, 1, 1)],
          [2, () => this.chain(X, this.rng.int(1, 2), cols)],
          [1, () => a.colMeans()],
          [1, () => this.chain(this.sibling(), 1, cols)],
        ] as const)();
        const op = this.rng.pick(['add', 'sub', 'mul', 'minimum', 'maximum', 'div'] as const);
        this.steps.push(`elementwise ${op} with ${typeof b === 'number' ? 'a scalar' : `${b.shape.rows ?? '?'}×${b.shape.cols}`}`);
        if (op === 'div') return a.div(typeof b === 'number' ? Math.abs(b) + 0.5 : b.abs().add(0.5));
        return a[op](b);
      }
      case 'map':
        return this.map(E());
      case 'rowsum': {
        const a = E();
        this.steps.push('rowSums/rowMeans');
        return this.rng.chance(0.6) ? a.rowSums() : a.rowMeans();
      }
      case 'select': {
        const a = E();
        if (this.rng.chance(0.25)) {
          // Any order, repeats allowed (R6's residual form; intercept before features).
          const picks = Array.from({ length: this.rng.int(1, 4) }, () => this.rng.int(0, a.shape.cols - 1));
          this.steps.push(`select [${picks.join(', ')}]`);
          return a.select(...picks);
        }
        const names = this.rng.subset(a.columnNames, 1, 3);
        this.steps.push(`select ${names.join(', ')}`);
        return this.rng.chance(0.8) ? a.select(...names) : a.select(...names.map((n) => a.columnNames.indexOf(n)));
      }
      case 'hstack': {
        const a = E();
        const b = this.rng.weighted([
          [2, () => this.chain(X, 1)],
          [2, () => E()],
          [1, () => this.sibling()],
        ] as const)();
        if (a.shape.cols + b.shape.cols > 16) throw new Retry('too wide');
        this.steps.push('hstack');
        return a.hstack(b);
      }
      case 'r4rows': {
        // R4: rowSums(X·Y) = X·rowSums(Y)
        const p = this.chain(E(), this.rng.int(1, 2));
        this.steps.push('rowSums/rowMeans of a product');
        return this.rng.chance(0.7) ? p.rowSums() : p.rowMeans();
      }
      case 'r5cols': {
        // R5: (X·W)[:, c] = X·W[:, c], also through maps and broadcasts.
        let p = this.chain(E(), this.rng.int(1, 2), this.rng.int(3, 9));
        if (this.rng.chance(0.4)) p = this.rng.chance(0.5) ? this.map(p) : p.add(this.rng.chance(0.5) ? this.literal(1, p.shape.cols) : this.chain(X, 1, 1));
        const keep = this.rng.subset(
          p.columnNames.map((_, j) => j),
          1,
          2,
        );
        this.steps.push(`select columns [${keep.join(', ')}] of a product`);
        return p.select(...keep);
      }
      case 'nearest':
        this.steps.push('nearest');
        return E().nearest();
      case 'center': {
        const a = E();
        this.steps.push('centre columns (not row-wise: depends on every row)');
        return a.sub(a.colMeans());
      }
      default: {
        // A shared subexpression, read twice.
        const a = E();
        this.steps.push('shared subexpression a ⊙ a');
        return a.mul(a).add(a);
      }
    }
  }

  /** A 0/1 label column from X (n×1). */
  labels(X: Mat): Mat {
    const j = this.rng.int(0, X.shape.cols - 1);
    const y = X.select(j).gt(this.rng.float(-1, 1));
    this.steps.push(`labels: ${X.columnNames[j]} > t`);
    return y;
  }

  /** An order-independent summary of row-aligned matrices (no row of the result is a relation row). */
  summary(X: Mat, depth: number): Mat {
    const E = this.rowExpr(X, depth);
    const choice = this.rng.weighted([
      [3, 'crossprod'],
      [2, 'crossprod2'],
      [2, 'tmatmul'],
      [2, 'colsums'],
      [2, 'r4sum'],
      [2, 'gramchain'],
      [1.5, 'ridge'],
      [1, 'lstsq'],
      [1, 'doubleT'],
    ] as const);
    switch (choice) {
      case 'crossprod':
        this.steps.push('crossprod');
        return E.crossprod();
      case 'crossprod2': {
        const F = this.rowExpr(X, 1);
        this.steps.push('crossprod(E, F)');
        return E.crossprod(F);
      }
      case 'tmatmul': {
        // R12: Eᵀ·F = crossprod(E, F); needs E's row count while planning.
        const F = this.rng.chance(0.4) ? E : this.rowExpr(X, 1);
        this.steps.push('transpose(E)·F');
        return E.transpose().matmul(F);
      }
      case 'colsums': {
        this.steps.push('colSums/colMeans/sum/mean');
        return this.rng.pick([() => E.colSums(), () => E.colMeans(), () => E.sum(), () => E.mean(), () => E.count()])();
      }
      case 'r4sum': {
        // R4: sum(X·Y) = colSums(X)·rowSums(Y), colSums(X·Y) = colSums(X)·Y; also through Xᵀ·Y.
        if (this.rng.chance(0.6)) {
          const p = this.chain(E, this.rng.int(1, 3));
          this.steps.push('reduction of a product');
          return this.rng.pick([() => p.sum(), () => p.colSums(), () => p.mean(), () => p.colMeans()])();
        }
        // Eᵀ·F has E's columns as rows: every reduction of it is order-independent.
        const p = E.transpose().matmul(this.rowExpr(X, 1));
        this.steps.push('reduction of a transposed product');
        return this.rng.pick([() => p.sum(), () => p.colSums(), () => p.mean(), () => p.colMeans(), () => p.rowSums(), () => p.rowMeans()])();
      }
      case 'gramchain': {
        // R7 on known dimensions: G·W₁·…·v, G = EᵀE.
        const G = E.crossprod();
        this.steps.push('product chain over a Gram matrix');
        return this.chain(G, this.rng.int(2, 3), this.rng.chance(0.5) ? 1 : undefined);
      }
      case 'ridge': {
        const y = this.rng.chance(0.5) ? this.labels(X) : X.select(this.rng.int(0, X.shape.cols - 1));
        this.steps.push('linearRegression (ridge)');
        return linearRegression(E, y as Col, { ridge: this.rng.pick([0.1, 0.5, 2]) }) as Mat;
      }
      case 'lstsq': {
        const y = this.chain(X, 1, this.rng.int(1, 2));
        this.steps.push('lstsq (ridge)');
        return E.lstsq(y, this.rng.pick([0.25, 1]));
      }
      default: {
        this.steps.push('transpose(transpose(E)) then crossprod');
        return E.transpose().transpose().crossprod();
      }
    }
  }

  /** A fixed-shape matrix maybe post-processed (product by a literal, transpose, map). */
  post(m: Mat): Mat {
    return this.rng.weighted([
      [4, () => m],
      [2, () => this.chain(m, this.rng.int(1, 3))],
      [1, () => m.transpose()],
      [1, () => this.map(m)],
      [1, () => m.add(m.transpose().transpose())],
    ] as const)();
  }

  /** A small loop: gradient steps on a least-squares objective, maybe nested, maybe logistic regression. */
  loop(X: Mat): Mat {
    const E = this.rowExpr(X, this.rng.int(0, 1));
    const d = E.shape.cols;
    const iterations = this.rng.int(1, 4);
    const kind = this.rng.weighted([
      [3, 'logistic'],
      [3, 'gd'],
      [1, 'nested'],
      [1, 'zero'],
    ] as const);
    this.tolerance = Math.max(this.tolerance, 1e-7);
    if (kind === 'logistic') {
      this.steps.push(`logisticRegression × ${iterations}`);
      return logisticRegression(E, this.labels(X) as Col, { steps: iterations, learningRate: this.rng.pick([0.05, 0.1, 0.5]) }) as Mat;
    }
    const y = X.select(this.rng.int(0, X.shape.cols - 1));
    const rate = this.rng.pick([0.001, 0.005, 0.01]);
    if (kind === 'gd' || kind === 'zero') {
      this.steps.push(`gradient steps × ${kind === 'zero' ? 0 : iterations}`);
      return iterate(zeros(d, 1) as Mat, kind === 'zero' ? 0 : iterations, (w) => {
        // w ← clip(w − rate·(EᵀE·w − Eᵀy)); EᵀE and Eᵀy do not read w (R11 hoists them).
        const grad = E.crossprod().matmul(w).sub(E.crossprod(y));
        return w.sub(grad.scale(rate)).clip(-10, 10);
      });
    }
    this.steps.push(`nested loops × ${iterations} × 2`);
    const G = E.crossprod();
    return iterate(zeros(d, 1).add(0.1) as Mat, iterations, (s) =>
      iterate(s, 2, (t) => t.add(s.scale(0.05)).sub(G.matmul(t).scale(rate)).clip(-10, 10)),
    );
  }
}

function lastLabel(rel: Rel): string {
  return nodeLabel(rel.plan);
}

/** A relation result with the matrix's rows appended: filter/project/sort/aggregate above. */
function relationalTail(b: Builder, s: RelState): RelState {
  let state = s;
  if (b.rng.chance(0.65)) {
    // Mostly predicates on relation columns only (R5 row pushdown candidates), sometimes on appended ones.
    state = b.attempt(4, () => b.filter(state)) ?? state;
  }
  if (b.rng.chance(0.3)) state = b.attempt(3, () => b.project(state)) ?? state;
  if (b.rng.chance(0.15)) state = b.attempt(3, () => b.aggregate(state)) ?? state;
  if (b.rng.chance(0.3)) state = b.attempt(3, () => b.sortLimit(state)) ?? state;
  if (state.ordered && b.rng.chance(0.2)) state = b.attempt(3, () => b.limit(state)) ?? state;
  return state;
}

function appendNames(b: Builder, m: Mat): string[] {
  return m.columnNames.map(() => b.name('mc'));
}

interface Built {
  plan: PlanNode;
  ordered: boolean;
  shape: CaseShape;
}

function buildOnce(b: Builder): Built {
  const rng = b.rng;
  const start: RelState = { rel: b.t.fact, ordered: true, sorted: false };
  const shape = rng.weighted([
    [5, 'append'],
    [2, 'predict'],
    [3, 'summary'],
    [1, 'rows'],
    [1.2, 'filterRows'],
    [1.5, 'loop'],
    [0.8, 'kmeans'],
    [0.8, 'relational'],
  ] as const);
  let s = b.relationalChain(start, rng.weighted([
    [1, 0],
    [3, 1],
    [3, 2],
    [2, 3],
    [1, 4],
    [0.5, 5],
    [0.5, 6],
  ] as const), shape === 'kmeans');
  if (shape === 'relational') {
    s = relationalTail(b, s);
    return { plan: s.rel.plan, ordered: s.sorted, shape };
  }
  if ((shape === 'rows' || shape === 'kmeans') && !s.ordered) s = b.sortLimit(s, false);
  const bridged = b.bridge(s, { numericOnly: shape === 'kmeans' });
  s = bridged.s;
  const X = bridged.X;
  switch (shape) {
    case 'append': {
      const E = b.rowExpr(X, rng.int(1, 3));
      let rel = s.rel.withMatrixColumns(E, appendNames(b, E)) as Rel;
      b.steps.push('withMatrixColumns');
      if (rng.chance(0.25)) {
        // Stacked: a second matrix over the relation with the first one's columns, appended again.
        const names = rel.schema.fields.filter((f) => f.name.startsWith('mc')).map((f) => f.name);
        const X2 = rel.toMatrix(rng.subset(names, 1, 3) as never, { intercept: rng.chance(0.5) }) as Mat;
        b.steps.push(`toMatrix over the appended relation: ${X2.columnNames.join(', ')}`);
        const E2 = b.rowExpr(X2, rng.int(1, 2));
        rel = rel.withMatrixColumns(E2, appendNames(b, E2)) as Rel;
        b.steps.push('withMatrixColumns again');
      }
      let state: RelState = { rel, ordered: s.ordered, sorted: s.sorted };
      if (rng.chance(0.2)) state = b.attempt(3, () => b.join(state)) ?? state;
      const out = relationalTail(b, state);
      return { plan: out.rel.plan, ordered: out.sorted, shape };
    }
    case 'predict': {
      const E = b.rowExpr(X, rng.int(0, 1));
      const w = rng.chance(0.5) ? (logisticRegression(E, b.labels(X) as Col, { steps: rng.int(1, 3) }) as Mat) : (linearRegression(E, X.select(0) as Col, { ridge: 0.5 }) as Mat);
      b.tolerance = Math.max(b.tolerance, 1e-7);
      const p = rng.chance(0.5) ? predictProbabilities(E, w as Col) : E.matmul(w);
      b.steps.push('predictions appended (weights fitted on every row: not row-wise)');
      const rel = s.rel.withMatrixColumns(p, appendNames(b, p)) as Rel;
      const out = relationalTail(b, { rel, ordered: s.ordered, sorted: s.sorted });
      return { plan: out.rel.plan, ordered: out.sorted, shape };
    }
    case 'summary': {
      const m = b.post(b.summary(X, rng.int(0, 2)));
      if (rng.chance(0.35)) {
        let r = m.toRelation(appendNames(b, m)) as Rel;
        b.steps.push('toRelation');
        if (rng.chance(0.5)) r = b.attempt(3, () => b.filter({ rel: r, ordered: false, sorted: false }).rel) ?? r;
        return { plan: r.plan, ordered: false, shape };
      }
      return { plan: m.plan, ordered: true, shape };
    }
    case 'rows': {
      // Row-shaped matrix result: only over a relation whose order the plan defines.
      const E = b.rowExpr(X, rng.int(1, 3));
      return { plan: E.plan, ordered: true, shape };
    }
    case 'filterRows': {
      const E = b.rowExpr(X, rng.int(0, 2));
      const F = E.filterRows(b.mask(X));
      b.steps.push('filterRows');
      if (rng.chance(0.4)) {
        const r = (rng.chance(0.5) ? F : b.chain(F, 1)) as Mat;
        const rel = r.toRelation(appendNames(b, r)) as Rel;
        b.steps.push('toRelation of the selected rows');
        return { plan: rel.plan, ordered: false, shape };
      }
      const end = rng.weighted([
        [2, () => F.crossprod()],
        [2, () => F.colSums()],
        [1, () => F.sum()],
        [1, () => F.count()],
        [1, () => b.chain(F, rng.int(1, 2)).colSums()],
      ] as const)();
      return { plan: end.plan, ordered: true, shape };
    }
    case 'loop': {
      const m = b.post(b.loop(X));
      return { plan: m.plan, ordered: true, shape };
    }
    default: {
      // k-means: sampled initial rows depend on row order, so the relation's order is defined here.
      const rows = X.shape.rows;
      if (rows === null || rows < 3) throw new Retry('kmeans needs a row count known while planning');
      const E = rng.chance(0.5) ? X : X.scale(0.5);
      const k = rng.int(2, 3);
      const C = kmeans(E, { k, iterations: rng.int(1, 3), seed: rng.int(0, 9) }) as Mat;
      b.steps.push(`kmeans k=${k}`);
      b.tolerance = Math.max(b.tolerance, 1e-7);
      if (rng.chance(0.5)) {
        const ids = clusterIds(kmeansAssignment(E, C)) as Mat;
        const rel = s.rel.withMatrixColumns(ids, [b.name('cluster')]) as Rel;
        b.steps.push('cluster ids appended');
        const out = relationalTail(b, { rel, ordered: s.ordered, sorted: s.sorted });
        return { plan: out.rel.plan, ordered: out.sorted, shape };
      }
      return { plan: C.plan, ordered: true, shape };
    }
  }
}

/**
 * The pipeline of one seed. Deterministic: the same seed gives the same plan text (source
 * and literal ids aside), and the same data.
 */
export function generateCase(seed: number): GeneratedCase {
  const rng = new Rng(seed);
  const tables = makeTables(rng);
  let retries = 0;
  for (let attempt = 0; attempt < 20; attempt++) {
    const b = new Builder(rng, tables);
    try {
      const built = buildOnce(b);
      return {
        seed,
        shape: built.shape,
        plan: built.plan,
        steps: b.steps,
        ordered: built.ordered,
        tolerance: b.tolerance,
        retries: retries + b.retries,
      };
    } catch (e) {
      if (!(e instanceof PlanError || e instanceof Retry)) throw e;
      retries += 1 + b.retries;
    }
  }
  throw new Error(`seed ${seed}: no pipeline built in 20 attempts`);
}

// ------------------------------------------------------------------ matrices over joins

const GCAT = ['m', 'n', 'o'] as const;

/**
 * A star around a fact table: `dim` keyed by the fact's fk (declared primary key dk, maybe
 * with dangling or null foreign keys), `dim2` keyed by gk (primary key) from the fact's g
 * (a star) or from dim's dg (a snowflake). Tuple ratios run from 0 (an empty fact table)
 * to about 100, so R14 chooses either way by cost.
 */
function makeStar(rng: Rng): Tables {
  const nDim = rng.int(1, 12);
  const nDim2 = rng.int(1, 5);
  const nFact = rng.weighted([
    [1, () => 0],
    [3, () => rng.int(1, 30)],
    [4, () => rng.int(30, 150)],
    [2, () => rng.int(200, 600)],
  ] as const)();
  const dangling = rng.chance(0.3) ? 2 : 0;
  const nullKeys = rng.chance(0.25) ? rng.pick([0.05, 0.2]) : 0;
  const key = (n: number) => (nullKeys > 0 && rng.chance(nullKeys) ? null : rng.int(0, n - 1 + dangling));
  const fact = fromColumns(
    {
      id: Int32Array.from({ length: nFact }, (_, i) => i),
      fk: Array.from({ length: nFact }, () => key(nDim)),
      g: Array.from({ length: nFact }, () => key(nDim2)),
      x1: Float64Array.from({ length: nFact }, () => round3(rng.float(-5, 5))),
      x2: Float64Array.from({ length: nFact }, () => round3(rng.float(0, 10))),
      x3: Array.from({ length: nFact }, () => (rng.chance(0.2) ? null : round3(rng.float(-3, 3)))),
      cat: Array.from({ length: nFact }, () => (rng.chance(0.1) ? null : rng.pick(CAT))),
      flag: Array.from({ length: nFact }, () => rng.chance(0.5)),
    },
    // Types declared: the fact table may be empty.
    { name: 'fact', primaryKey: ['id'], types: { fk: 'int32?', g: 'int32?', x1: 'float64', x2: 'float64', x3: 'float64?', cat: 'string?', flag: 'bool' } },
  ) as Rel;
  const dim = fromColumns(
    {
      dk: Int32Array.from(rng.shuffle(Array.from({ length: nDim }, (_, i) => i))),
      d1: Float64Array.from({ length: nDim }, () => round3(rng.float(-2, 2))),
      d2: Float64Array.from({ length: nDim }, () => round3(rng.float(1, 4))),
      dcat: Array.from({ length: nDim }, () => rng.pick(DCAT)),
      dn: Array.from({ length: nDim }, () => (rng.chance(0.25) ? null : round3(rng.float(-1, 1)))),
      dg: Int32Array.from({ length: nDim }, () => rng.int(0, nDim2 - 1 + (dangling ? 1 : 0))),
    },
    { name: 'dim', primaryKey: ['dk'], types: { dn: 'float64?' } },
  ) as Rel;
  const dim2 = fromColumns(
    {
      gk: Int32Array.from(rng.shuffle(Array.from({ length: nDim2 }, (_, i) => i))),
      g1: Float64Array.from({ length: nDim2 }, () => round3(rng.float(-3, 3))),
      g2: Float64Array.from({ length: nDim2 }, () => round3(rng.float(0, 2))),
      gcat: Array.from({ length: nDim2 }, () => rng.pick(GCAT)),
    },
    { name: 'dim2', primaryKey: ['gk'] },
  ) as Rel;
  return { fact, dim, other: dim2, domains: { cat: CAT, dcat: DCAT, gcat: GCAT } };
}

/** Keys and ids: never features (they would only add large, meaningless columns). */
const KEY_COLUMNS = new Set(['id', 'fk', 'g', 'dk', 'dg', 'gk']);

function buildJoinMatrix(b: Builder): Built {
  const rng = b.rng;
  const { fact, dim, other: dim2 } = b.t;
  let F = fact;
  if (rng.chance(0.3)) F = b.attempt(3, () => fact.filter((r) => b.predicate(fact, r, 1))) ?? F;
  if (rng.chance(0.2)) {
    const base = F;
    const name = b.name('w');
    F = base.withColumn(name, (r) => b.numericExpr(base, r, 1).cast('float64').coalesce(0)) as Rel;
  }
  if (F !== fact) b.steps.push(`fact: ${nodeLabel(F.plan)}`);
  // The dimension as is, or through operators that keep its rows (still a keyed join), or filtered (not).
  const D = rng.weighted([
    [4, () => dim],
    [1, () => dim.withColumn('d1', (r) => r.d1.mul(2).add(r.d2)) as Rel],
    [1, () => dim.withColumn('dn', (r) => r.dn.coalesce(0)) as Rel],
    [1, () => dim.select('dk', 'dg', ...rng.subset(['d1', 'd2', 'dcat', 'dn'], 1, 3))],
    [0.7, () => dim.filter((r) => b.predicate(dim, r, 0))],
  ] as const)();
  if (D !== dim) b.steps.push(`dim: ${nodeLabel(D.plan)}`);
  const how = rng.weighted([
    [6, 'inner'],
    [1, 'left'],
  ] as const);
  let J = F.joinOn(D, { left: ['fk'], right: ['dk'] }, how);
  b.steps.push(`${how} join fact ⋈ dim on fk = dk`);
  if (rng.chance(0.45)) {
    const snowflake = rng.chance(0.5) && J.schema.fields.some((f) => f.name === 'dg');
    J = J.joinOn(dim2, { left: [snowflake ? 'dg' : 'g'], right: ['gk'] }, 'inner');
    b.steps.push(`inner join ⋈ dim2 on ${snowflake ? 'dg (snowflake)' : 'g (star)'} = gk`);
  }
  if (rng.chance(0.12)) {
    const base = J;
    J = base.filter((r) => b.predicate(base, r, 0));
    b.steps.push(`filter above the joins: ${nodeLabel(J.plan)}`);
  }
  const fields = J.schema.fields;
  const numeric = fields.filter((f) => (isNumericField(f) || f.dtype === 'bool') && !f.nullable && !KEY_COLUMNS.has(f.name)).map((f) => f.name);
  if (numeric.length === 0) throw new Retry('no feature');
  // Features from both sides where it can: dimension columns make the factorized blocks.
  const features: any[] = rng.subset(numeric, 1, 4);
  const strings = fields.filter((f) => f.dtype === 'string' && !f.nullable && f.name !== 'cat');
  if (strings.length > 0 && rng.chance(0.35)) features.push({ onehot: rng.pick(strings).name });
  const plain = features.filter((f): f is string => typeof f === 'string');
  if (plain.length > 1 && rng.chance(0.1)) features.splice(features.indexOf(plain[0]), 1, { standardize: plain[0] });
  let X: Mat;
  try {
    X = J.toMatrix(features as never, { intercept: rng.chance(0.4) }) as Mat;
  } catch (e) {
    if (!(e instanceof PlanError)) throw e;
    const fixed = features.map((f) => (typeof f === 'object' && 'onehot' in f ? { onehot: f.onehot, categories: b.t.domains[f.onehot] ?? ['a'] } : f));
    X = J.toMatrix(fixed as never, { intercept: rng.chance(0.4) }) as Mat;
  }
  b.steps.push(`toMatrix: ${X.columnNames.join(', ')} (${X.shape.rows ?? '?'}×${X.shape.cols})`);
  const d = X.shape.cols;
  const end = rng.weighted([
    [3, 'crossprod'],
    [3, 'matmulLit'],
    [2, 'sums'],
    [2, 'cross'],
    [1.5, 'map'],
    [2, 'append'],
    [1, 'linreg'],
    [1, 'logreg'],
    [1, 'gram'],
  ] as const);
  b.steps.push(`end: ${end}`);
  switch (end) {
    case 'crossprod':
      return { plan: b.post(X.crossprod()).plan, ordered: true, shape: 'joinMatrix' };
    case 'matmulLit': {
      // T·W by a literal, then an order-independent reduction.
      const P = X.matmul(b.literal(d, rng.pick([1, 2, 3])));
      return { plan: rng.pick([() => P.colSums(), () => P.sum(), () => P.colMeans(), () => P.rowSums().sum()])().plan, ordered: true, shape: 'joinMatrix' };
    }
    case 'sums':
      return { plan: rng.pick([() => X.colSums(), () => X.colMeans(), () => X.sum(), () => X.mean(), () => X.rowSums().colSums(), () => X.count()])().plan, ordered: true, shape: 'joinMatrix' };
    case 'cross': {
      // Tᵀy with y a column of T (R2), or T's columns against another encoding.
      const y = X.select(rng.int(0, d - 1));
      return { plan: X.crossprod(y).plan, ordered: true, shape: 'joinMatrix' };
    }
    case 'map': {
      const M = b.map(X);
      return { plan: (rng.chance(0.5) ? M.colSums() : M.rowSums().sum()).plan, ordered: true, shape: 'joinMatrix' };
    }
    case 'append': {
      // T·w next to the joined rows: a relation, compared as a multiset.
      const P = rng.chance(0.7) ? X.matmul(b.literal(d, rng.pick([1, 2]))) : X.rowSums();
      const rel = J.withMatrixColumns(P, P.columnNames.map(() => b.name('mc'))) as Rel;
      return { plan: rel.plan, ordered: false, shape: 'joinMatrix' };
    }
    case 'linreg': {
      b.tolerance = Math.max(b.tolerance, 1e-7);
      const y = X.select(rng.int(0, d - 1));
      return { plan: (linearRegression(X, y as Col, { ridge: rng.pick([0.1, 0.5, 2]) }) as Mat).plan, ordered: true, shape: 'joinMatrix' };
    }
    case 'logreg': {
      b.tolerance = Math.max(b.tolerance, 1e-7);
      return { plan: (logisticRegression(X, b.labels(X) as Col, { steps: rng.int(1, 3), learningRate: 0.1 }) as Mat).plan, ordered: true, shape: 'joinMatrix' };
    }
    default:
      return { plan: b.chain(X.crossprod(), rng.int(1, 2), rng.chance(0.5) ? 1 : undefined).plan, ordered: true, shape: 'joinMatrix' };
  }
}

/**
 * A matrix pipeline over primary-key joins (fact ⋈ dim, maybe ⋈ dim2 as a star or a
 * snowflake): toMatrix over the join, then a cross-product, a product by a literal, sums,
 * T'y, maps, T·w appended to the joined rows, or a regression. The case asks to be checked
 * factorized whatever the cost too (see ./check.ts), so that R1–R3, R5 and R8 run.
 */
export function generateJoinMatrixCase(seed: number): GeneratedCase {
  const rng = new Rng(seed);
  const tables = makeStar(rng);
  let retries = 0;
  for (let attempt = 0; attempt < 20; attempt++) {
    const b = new Builder(rng, tables);
    try {
      const built = buildJoinMatrix(b);
      return { seed, shape: built.shape, plan: built.plan, steps: b.steps, ordered: built.ordered, tolerance: b.tolerance, retries: retries + b.retries, factorize: true };
    } catch (e) {
      if (!(e instanceof PlanError || e instanceof Retry)) throw e;
      retries += 1 + b.retries;
    }
  }
  throw new Error(`seed ${seed}: no join-matrix pipeline built in 20 attempts`);
}
