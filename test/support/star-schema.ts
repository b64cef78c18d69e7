/**
 * Seeded star and snowflake schemas for the factorized-join tests
 * (test/optimizer/factorized/): a fact table F with foreign keys into 1–3 dimension
 * tables (a star: F → D1, F → D2, F → D3), or a chain F → D1 → D2 (a snowflake: D1
 * holds D2's key), every dimension with a declared primary key; the matrix T over
 * their inner join; and T built by hand from the data (the oracle for the join itself).
 *
 * Also the two ways to run a plan that these tests compare besides `collect()`'s:
 * `forceFactorized` (R14 with a cost that always prefers more key maps, so a matrix is
 * factorized even where the cost model would keep the joined one: empty tables, tuple
 * ratio 1), and `keyedOperators` (what the factorized plan is made of).
 */
import { mulberry32, shuffle } from '../../src/data/random.js';
import { type FeatureInput, type Matrix, type PlanNode, type Relation, type SchemaSpec, fromColumns, fromDense, optimize } from '../../src/index.js';
import type { PlanPass } from '../../src/optimizer/pass.js';
import { factorizeJoins } from '../../src/optimizer/passes/r14-factorize-joins.js';
import { planDigest, postOrder } from '../../src/plan/node.js';

export interface StarOptions {
  readonly seed: number;
  /** Dimension tables, 1–3. */
  readonly dims: 1 | 2 | 3;
  /** F → D1 → D2 (→ D3): each dimension after the first is keyed from the one before it. */
  readonly snowflake?: boolean;
  /** Rows of each dimension (default 40). */
  readonly dimRows?: number;
  /** Fact rows per referenced dimension-1 row (default 12); 0 gives an empty fact table. */
  readonly tupleRatio?: number;
  /** Fact rows, instead of tupleRatio × D1's referable rows (e.g. facts over an empty dimension). */
  readonly factRows?: number;
  /** Share of foreign keys (in F, and in the chain's dimensions) with no partner (default 0). */
  readonly unmatched?: number;
  /** Share of null foreign keys (default 0). */
  readonly nullKeys?: number;
  /** Share of dimension rows no row refers to (default 0). */
  readonly orphans?: number;
  readonly keyType?: 'int' | 'string';
  /** Numeric features of the fact table, and of each dimension (defaults 2 and 6). */
  readonly factFeatures?: number;
  readonly dimFeatures?: number;
  /** A one-hot feature of D1's string column `city` (5 categories, some rows null). */
  readonly onehot?: boolean;
  /** A hashed feature of D1's `city` (3 buckets). */
  readonly hash?: boolean;
  /** Standardize D1's first feature and F's first feature. */
  readonly standardize?: boolean;
  /** Fact features between dimension blocks instead of first (more blocks, out of order). */
  readonly interleave?: boolean;
  /** D1's first feature gets a null: in a row that some fact row refers to, or in an orphan row. */
  readonly nullFeature?: 'referenced' | 'orphan';
  readonly intercept?: boolean;
  /** T's dtype (default float64; y and labels stay float64). */
  readonly dtype?: 'float64' | 'float32';
}

export interface StarSchema {
  readonly fact: AnyRelation;
  readonly dims: readonly AnyRelation[];
  /** The inner join of the fact table with every dimension. */
  readonly joined: AnyRelation;
  readonly features: readonly Feature[];
  /** toMatrix(joined)[features]. */
  readonly T: Matrix<number, number>;
  /** n×1 matrices over the joined rows: a float target and 0/1 labels. */
  readonly y: Matrix<number, 1>;
  readonly label: Matrix<number, 1>;
  /** d×1 and d×3 literals, for products. */
  readonly w: Matrix<number, 1>;
  readonly W: Matrix<number, number>;
  /** Joined rows, matrix columns. */
  readonly n: number;
  readonly d: number;
  /** T built from the data in JavaScript (fact row order), or null where it has standardized or hashed features. */
  readonly reference: { readonly rows: number; readonly cols: number; readonly data: Float64Array | Float32Array } | null;
}

/** Relations of these schemas are untyped (any column name): the generator decides their columns at run time. */
export type AnyRelation = Relation<SchemaSpec>;
type Feature = FeatureInput<SchemaSpec>;

const CITIES = ['ams', 'ber', 'cph', 'dub', 'edi'];

type Key = number | null;

/** A column of keys as fromColumns takes it: int32 (nullable where needed) or string. */
function keyColumn(keys: readonly Key[], type: 'int' | 'string'): { values: unknown[] | Int32Array; spec: string } {
  const nullable = keys.some((k) => k === null);
  if (type === 'string') return { values: keys.map((k) => (k === null ? null : `k${k}`)), spec: nullable ? 'string?' : 'string' };
  return nullable ? { values: [...keys], spec: 'int32?' } : { values: Int32Array.from(keys as number[]), spec: 'int32' };
}

/** A schema per `options`; the same options give the same tables. */
export function starSchema(options: StarOptions): StarSchema {
  const rand = mulberry32(options.seed);
  const dimRows = options.dimRows ?? 40;
  const tupleRatio = options.tupleRatio ?? 12;
  const dF = options.factFeatures ?? 2;
  const dD = options.dimFeatures ?? 6;
  const keyType = options.keyType ?? 'int';
  const unmatched = options.unmatched ?? 0;
  const nullKeys = options.nullKeys ?? 0;
  const orphans = options.orphans ?? 0;
  const u = () => Math.round((rand() * 4 - 2) * 1e6) / 1e6;

  /** Distinct keys 3j+1 in shuffled order; 3j+2 never is a key (an unmatched value). */
  const keysOf = (m: number) => shuffle(Array.from({ length: m }, (_, j) => 3 * j + 1), rand);
  /** Keys of the rows that may be referred to (orphans excluded). */
  const referable = (keys: readonly number[]) => keys.slice(0, Math.max(keys.length === 0 ? 0 : 1, Math.ceil(keys.length * (1 - orphans))));
  const foreignKey = (pool: readonly number[]): Key => {
    const r = rand();
    if (r < nullKeys) return null;
    if (r < nullKeys + unmatched || pool.length === 0) return 3 * Math.floor(rand() * Math.max(pool.length, 1) * 2) + 2;
    return pool[Math.floor(rand() * pool.length)];
  };

  // Dimensions: key, features, (D1) city, (snowflake) the next dimension's key.
  const dimKeys = Array.from({ length: options.dims }, () => keysOf(dimRows));
  const dimFeat = dimKeys.map((keys) => Array.from({ length: dD }, () => keys.map(u)));
  const nullAt = new Map<string, number>();
  const cities = dimKeys[0].map(() => (rand() < 0.1 ? null : CITIES[Math.floor(rand() * CITIES.length)]));
  const chainKeys = options.snowflake ? dimKeys.slice(1).map((next, i) => dimKeys[i].map(() => foreignKey(referable(next)))) : [];

  // Fact rows: each refers to the first dimension's referable rows tupleRatio times on average.
  const nF = options.factRows ?? referable(dimKeys[0]).length * tupleRatio;
  const factKeys = (options.snowflake ? dimKeys.slice(0, 1) : dimKeys).map((keys) => Array.from({ length: nF }, () => foreignKey(referable(keys))));
  const factFeat = Array.from({ length: dF }, () => Array.from({ length: nF }, u));
  const yCol = Array.from({ length: nF }, u);
  const labelCol = Array.from({ length: nF }, () => (rand() < 0.5 ? 1 : 0));

  if (options.nullFeature && dimRows > 0) {
    // The row of D1 that gets the null: one the first fact row refers to, or an orphan.
    const keys = dimKeys[0];
    const target = options.nullFeature === 'orphan' ? keys.length - 1 : keys.indexOf(factKeys[0].find((k) => k !== null && keys.includes(k)) ?? keys[0]);
    nullAt.set('d1x1', target);
  }

  const dims = dimKeys.map((keys, i) => {
    const cols: Record<string, unknown> = {};
    const types: Record<string, string> = {};
    const k = keyColumn(keys, keyType);
    cols[`k${i + 1}`] = k.values;
    types[`k${i + 1}`] = k.spec;
    dimFeat[i].forEach((values, j) => {
      const name = `d${i + 1}x${j + 1}`;
      const at = nullAt.get(name);
      if (at === undefined) cols[name] = Float64Array.from(values);
      else {
        cols[name] = values.map((v, r) => (r === at ? null : v));
        types[name] = 'float64?';
      }
    });
    if (i === 0) {
      cols.city = cities;
      types.city = 'string?';
    }
    if (options.snowflake && i + 1 < options.dims) {
      const next = keyColumn(chainKeys[i], keyType);
      cols[`k${i + 2}`] = next.values;
      types[`k${i + 2}`] = next.spec;
    }
    return fromColumns(cols as never, { name: `D${i + 1}`, primaryKey: [`k${i + 1}`], types: types as never }) as unknown as AnyRelation;
  });

  const factCols: Record<string, unknown> = {};
  const factTypes: Record<string, string> = {};
  factKeys.forEach((keys, i) => {
    const k = keyColumn(keys, keyType);
    factCols[`k${i + 1}`] = k.values;
    factTypes[`k${i + 1}`] = k.spec;
  });
  factFeat.forEach((values, j) => (factCols[`f${j + 1}`] = Float64Array.from(values)));
  factCols.y = Float64Array.from(yCol);
  factCols.label = Float64Array.from(labelCol);
  const fact = fromColumns(factCols as never, { name: 'F', types: factTypes as never }) as unknown as AnyRelation;

  let joined = fact;
  dims.forEach((dim, i) => (joined = joined.join(dim, `k${i + 1}`)));

  // Features: F's, then each dimension's (D1's with the one-hot city); interleaved: F's between the dimensions'.
  const factNames: Feature[] = factFeat.map((_, j) => (options.standardize && j === 0 ? { standardize: 'f1' } : `f${j + 1}`));
  const dimNames = dimFeat.map((cols, i) => {
    const names: Feature[] = cols.map((_, j) => (options.standardize && i === 0 && j === 0 ? { standardize: 'd1x1' } : `d${i + 1}x${j + 1}`));
    if (i === 0 && options.onehot) names.splice(1, 0, { onehot: 'city' });
    if (i === 0 && options.hash) names.push({ hash: 'city', buckets: 3 });
    return names;
  });
  const features: Feature[] = options.interleave
    ? dimNames.flatMap((names, i) => [...names, ...(i < factNames.length ? [factNames[i]] : [])]).concat(factNames.slice(dimNames.length))
    : [...factNames, ...dimNames.flat()];
  const T = joined.toMatrix(features as never, { intercept: options.intercept === true, dtype: options.dtype ?? 'float64' }) as Matrix<number, number>;
  const d = T.shape.cols;

  // The oracle: fact rows in order, those that find a partner in every dimension.
  const rowOf = dimKeys.map((keys) => new Map(keys.map((k, r) => [k, r])));
  const rows: number[][] = [];
  for (let i = 0; i < nF; i++) {
    const dimRow: number[] = [];
    let key: Key = factKeys[0][i];
    for (let t = 0; t < options.dims; t++) {
      if (!options.snowflake && t > 0) key = factKeys[t][i];
      const r = key === null ? undefined : rowOf[t].get(key);
      if (r === undefined) break;
      dimRow.push(r);
      if (options.snowflake && t + 1 < options.dims) key = chainKeys[t][r];
    }
    if (dimRow.length < options.dims) continue;
    const value = (f: Feature): number[] => {
      if (typeof f !== 'string') {
        if ('onehot' in f) return CITIES.map((c) => (cities[dimRow[0]] === c ? 1 : 0));
        return [NaN];
      }
      if (f.startsWith('f')) return [factFeat[Number(f.slice(1)) - 1][i]];
      const [t, j] = f.slice(1).split('x').map(Number);
      return [dimFeat[t - 1][j - 1][dimRow[t - 1]]];
    };
    rows.push([...features.flatMap(value), ...(options.intercept ? [1] : [])]);
  }
  const reference = options.standardize || options.hash || options.nullFeature ? null : { rows: rows.length, cols: d, data: (options.dtype === 'float32' ? Float32Array : Float64Array).from(rows.flat()) };

  const w = fromDense<number, 1>({ rows: d, cols: 1, data: Float64Array.from({ length: d }, u) }, 'w');
  const W = fromDense({ rows: d, cols: 3, data: Float64Array.from({ length: 3 * d }, u) }, 'W');
  return {
    fact,
    dims,
    joined,
    features,
    T,
    y: joined.toMatrix(['y']) as Matrix<number, 1>,
    label: joined.toMatrix(['label']) as Matrix<number, 1>,
    w,
    W,
    n: rows.length,
    d,
    reference,
  };
}

// ------------------------------------------------------------------ plans to compare

/** Every node of a plan, loop bodies included. */
export function allNodes(plan: PlanNode): PlanNode[] {
  const out: PlanNode[] = [];
  const visit = (root: PlanNode) => {
    for (const n of postOrder(root)) {
      out.push(n);
      if (n.kind === 'loop') visit(n.args.body);
    }
  };
  visit(plan);
  return out;
}

/** How many keyed operators (KeyMap, GatherByKey, ScatterByKey, KeyCounts) a plan holds. */
export function keyedOperators(plan: PlanNode): number {
  return allNodes(plan).filter((n) => n.kind === 'keyMap' || n.kind === 'gatherByKey' || n.kind === 'scatterByKey' || n.kind === 'keyCounts').length;
}

/** R14 with a cost that prefers any plan with more key maps: it factorizes every matrix it can. */
const alwaysFactorize: PlanPass = {
  name: factorizeJoins.name,
  description: `${factorizeJoins.description} (tests: whatever the cost)`,
  run: (plan, context) =>
    factorizeJoins.run(plan, {
      ...context,
      cost: (p) => -new Set(allNodes(p).filter((n) => n.kind === 'keyMap').map(planDigest)).size,
    }),
};

/** The optimized plan with every matrix over keyed joins in factorized form. */
export function forceFactorized(plan: PlanNode): ReturnType<typeof optimize> {
  return optimize(plan, { passes: [alwaysFactorize] });
}

/** What R14 chose for each matrix over a join of `plan` ('factorized', 'join → blocks', 'not applicable'). */
export function choices(plan: PlanNode): string[] {
  return optimize(plan).decisions.map((d) => d.chosen);
}
