import { mulberry32, shuffle } from '../../src/data/random.js';
import { type Matrix, type Relation, fromColumns, linearRegression } from '../../src/index.js';

/** 0..n−1 in a seeded random order. */
const permutation = (n: number, rand: () => number) => shuffle(Int32Array.from({ length: n }, (_, i) => i), rand);

/**
 * W2 (docs/workloads.md): a retail star schema, seeded (mulberry32), nothing downloaded.
 *
 *  - Sales(date, store, item: int32 foreign keys, uniform over their dimension; units
 *    float64; promotion bool, P = 0.2);
 *  - Items(item PK, family: string of 33 values, class: int32 of 300, perishable bool);
 *  - Stores(store PK, city: string of 22, type: string of 5, cluster: string of 17);
 *  - Dates(date PK, oil_price float64, holiday_type: string of 6).
 *
 * units = 5 + 3·promotion − perishable + oil/50 + family, type, cluster and holiday
 * effects + noise, so the regression has something to find. Dimension keys are shuffled
 * permutations (the join really looks keys up). The pipeline's matrix T has, in order:
 * promotion, perishable, oil_price, one-hot family (33), type (5), cluster (17),
 * holiday_type (6), intercept: d = 65 columns.
 */

export interface RetailSize {
  readonly sales: number;
  readonly items: number;
  readonly stores: number;
  readonly dates: number;
}

/**
 * docs/workloads.md has 5,000,000 sales; at that size every peer ran over 20 s per run on
 * the 2-core machine (duckdb+tfjs 68 s, duckdb+js 40 s, pandas+numpy 25 s: mostly the
 * copy out of DuckDB and pandas' merges and dummies), so the benchmark uses 1,000,000
 * (dimensions unchanged; every system's work grows with the sales).
 */
export const RETAIL_FULL: RetailSize = { sales: 1_000_000, items: 4_100, stores: 54, dates: 1_700 };
export const RETAIL_QUICK: RetailSize = { sales: 200_000, items: 4_100, stores: 54, dates: 1_700 };
export const RIDGE = 1;

const labels = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);
export const FAMILIES = labels('family', 33);
export const CITIES = labels('city', 22);
export const STORE_TYPES = ['A', 'B', 'C', 'D', 'E'];
export const CLUSTERS = labels('cluster', 17);
export const HOLIDAY_TYPES = ['Additional', 'Bridge', 'Event', 'Holiday', 'None', 'Transfer'];
export const CLASSES = 300;

/** The one-hot features of T in order, with their categories (the numeric ones come first). */
export const NUMERIC_FEATURES = ['promotion', 'perishable', 'oil_price'] as const;
export const ONEHOT_FEATURES = [
  { column: 'family', categories: FAMILIES },
  { column: 'type', categories: STORE_TYPES },
  { column: 'cluster', categories: CLUSTERS },
  { column: 'holiday_type', categories: HOLIDAY_TYPES },
] as const;
export const RETAIL_D = NUMERIC_FEATURES.length + ONEHOT_FEATURES.reduce((s, f) => s + f.categories.length, 0) + 1;

export interface RetailData {
  readonly size: RetailSize;
  readonly sales: { date: Int32Array; store: Int32Array; item: Int32Array; units: Float64Array; promotion: boolean[] };
  readonly items: { item: Int32Array; family: string[]; class: Int32Array; perishable: boolean[] };
  readonly stores: { store: Int32Array; city: string[]; type: string[]; cluster: string[] };
  readonly dates: { date: Int32Array; oil_price: Float64Array; holiday_type: string[] };
}

const pick = <T>(values: readonly T[], rand: () => number) => values[Math.floor(rand() * values.length)];

export function generateRetail(size: RetailSize, seed = 2): RetailData {
  const rand = mulberry32(seed);
  const effect = (n: number) => Float64Array.from({ length: n }, () => rand() * 4 - 2);
  const familyEffect = effect(FAMILIES.length);
  const typeEffect = effect(STORE_TYPES.length);
  const clusterEffect = effect(CLUSTERS.length);
  const holidayEffect = effect(HOLIDAY_TYPES.length);

  const itemKey = permutation(size.items, rand);
  const familyOf = Int32Array.from({ length: size.items }, () => Math.floor(rand() * FAMILIES.length));
  const items = {
    item: itemKey,
    family: Array.from(familyOf, (f) => FAMILIES[f]),
    class: Int32Array.from({ length: size.items }, () => Math.floor(rand() * CLASSES)),
    perishable: Array.from({ length: size.items }, () => rand() < 0.3),
  };
  const storeKey = permutation(size.stores, rand);
  const typeOf = Int32Array.from({ length: size.stores }, () => Math.floor(rand() * STORE_TYPES.length));
  const clusterOf = Int32Array.from({ length: size.stores }, () => Math.floor(rand() * CLUSTERS.length));
  const stores = {
    store: storeKey,
    city: Array.from({ length: size.stores }, () => pick(CITIES, rand)),
    type: Array.from(typeOf, (t) => STORE_TYPES[t]),
    cluster: Array.from(clusterOf, (c) => CLUSTERS[c]),
  };
  const dateKey = permutation(size.dates, rand);
  // Most days are ordinary; the other five holiday types share 20%.
  const ordinary = HOLIDAY_TYPES.indexOf('None');
  const holidayOf = Int32Array.from({ length: size.dates }, () => (rand() < 0.8 ? ordinary : (ordinary + 1 + Math.floor(rand() * 5)) % HOLIDAY_TYPES.length));
  const dates = {
    date: dateKey,
    oil_price: Float64Array.from({ length: size.dates }, () => 40 + rand() * 70),
    holiday_type: Array.from(holidayOf, (h) => HOLIDAY_TYPES[h]),
  };

  const n = size.sales;
  const sales = { date: new Int32Array(n), store: new Int32Array(n), item: new Int32Array(n), units: new Float64Array(n), promotion: new Array<boolean>(n) };
  for (let i = 0; i < n; i++) {
    const d = Math.floor(rand() * size.dates);
    const s = Math.floor(rand() * size.stores);
    const it = Math.floor(rand() * size.items);
    const promo = rand() < 0.2;
    sales.date[i] = dateKey[d];
    sales.store[i] = storeKey[s];
    sales.item[i] = itemKey[it];
    sales.promotion[i] = promo;
    const mean =
      5 + (promo ? 3 : 0) - (items.perishable[it] ? 1 : 0) + dates.oil_price[d] / 50 + familyEffect[familyOf[it]] + typeEffect[typeOf[s]] + clusterEffect[clusterOf[s]] + holidayEffect[holidayOf[d]];
    sales.units[i] = mean + 2 * (rand() + rand() + rand() - 1.5);
  }
  return { size, sales, items, stores, dates };
}

/** The W2 pipeline in Tessera: the star join, T, TᵀT, the ridge fit and the group-by. */
export function retailPipeline(data: RetailData): {
  readonly star: Relation<never>;
  readonly gram: Matrix<number, number>;
  readonly ridge: Matrix<number, 1>;
  readonly unitsByFamilyType: Relation<never>;
} {
  const sales = fromColumns(data.sales, { name: 'sales' });
  const items = fromColumns(data.items, { name: 'items', primaryKey: ['item'] });
  const stores = fromColumns(data.stores, { name: 'stores', primaryKey: ['store'] });
  const dates = fromColumns(data.dates, { name: 'dates', primaryKey: ['date'] });
  const star = sales.join(items, 'item').join(stores, 'store').join(dates, 'date');
  const T = star.toMatrix([...NUMERIC_FEATURES, ...ONEHOT_FEATURES.map((f) => ({ onehot: f.column, categories: f.categories }))], { intercept: true });
  const y = star.toMatrix(['units']);
  const unitsByFamilyType = star.groupBy('family', 'type').agg((r) => ({ units: r.units.sum() }));
  return { star: star as never, gram: T.crossprod(), ridge: linearRegression(T, y, { ridge: RIDGE }), unitsByFamilyType: unitsByFamilyType as never };
}
