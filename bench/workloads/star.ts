import type { DuckDBConnection } from '@duckdb/node-api';
import { mulberry32, shuffle } from '../../src/data/random.js';
import { type Relation, count, fromColumns } from '../../src/index.js';
import { appendTable } from '../peers/duckdb.js';

/**
 * The retail star query of issue 9 (bench/suites/w2-relational.ts), seeded (mulberry32):
 *
 *  - sales(sale_id int32, store_id int32 in [0, 1000), product_id int32 in [0, 50000),
 *    day_id int32 in [0, 1000), units int32 in 1..10, price float64 with 2 decimals in [0, 100]);
 *  - stores(store_id PK, region: string of 8 values, city: string of 97);
 *  - products(product_id PK, category: string of 25 values);
 *  - days(day_id PK, month int32 in 1..12).
 *
 * Dimension rows are in a shuffled key order, so joins really look keys up. The query:
 * sales ⋈ stores ⋈ products ⋈ days, `units > 1 AND region IN (north, south, east,
 * coast)`, revenue = units × price, group by region, category: count, sum(revenue),
 * avg(price), min(units), max(units), ordered by region, category (4 × 25 rows).
 */

export const STAR_STORES = 1_000;
export const STAR_PRODUCTS = 50_000;
export const STAR_DAYS = 1_000;
/** Sales rows: full size and --quick. */
export const STAR_FULL = 5_000_000;
export const STAR_QUICK = 500_000;
export const REGIONS = ['north', 'south', 'east', 'west', 'centre', 'coast', 'hills', 'plains'];
export const CHOSEN_REGIONS = ['north', 'south', 'east', 'coast'];
const CITIES = 97;
const CATEGORIES = 25;

export interface StarData {
  readonly sales: { sale_id: Int32Array; store_id: Int32Array; product_id: Int32Array; day_id: Int32Array; units: Int32Array; price: Float64Array };
  readonly stores: { store_id: Int32Array; region: string[]; city: string[] };
  readonly products: { product_id: Int32Array; category: string[] };
  readonly days: { day_id: Int32Array; month: Int32Array };
}

export function generateStar(salesRows: number, seed = 9): StarData {
  const rand = mulberry32(seed);
  const keys = (n: number) => shuffle(Int32Array.from({ length: n }, (_, i) => i), rand);
  const below = (n: number) => Math.floor(rand() * n);
  const stores = { store_id: keys(STAR_STORES), region: Array.from({ length: STAR_STORES }, () => REGIONS[below(REGIONS.length)]), city: Array.from({ length: STAR_STORES }, () => `city${below(CITIES)}`) };
  const products = { product_id: keys(STAR_PRODUCTS), category: Array.from({ length: STAR_PRODUCTS }, () => `category${below(CATEGORIES)}`) };
  const dayKeys = keys(STAR_DAYS);
  // Day d (its key) falls in month 1 + ⌊d / 30.5⌋ mod 12 (about 2.7 years of days).
  const days = { day_id: dayKeys, month: Int32Array.from(dayKeys, (d) => 1 + (Math.floor(d / 30.5) % 12)) };
  const n = salesRows;
  const sales = { sale_id: new Int32Array(n), store_id: new Int32Array(n), product_id: new Int32Array(n), day_id: new Int32Array(n), units: new Int32Array(n), price: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    sales.sale_id[i] = i;
    sales.store_id[i] = below(STAR_STORES);
    sales.product_id[i] = below(STAR_PRODUCTS);
    sales.day_id[i] = below(STAR_DAYS);
    sales.units[i] = 1 + below(10);
    sales.price[i] = Math.round(rand() * 10_000) / 100;
  }
  return { sales, stores, products, days };
}

/** The query in Tessera's DSL, as a user writes it. */
export function starPipeline(data: StarData): Relation<never> {
  const sales = fromColumns(data.sales, { name: 'sales' });
  const stores = fromColumns(data.stores, { name: 'stores', primaryKey: ['store_id'] });
  const products = fromColumns(data.products, { name: 'products', primaryKey: ['product_id'] });
  const days = fromColumns(data.days, { name: 'days', primaryKey: ['day_id'] });
  return sales
    .join(stores, 'store_id')
    .join(products, 'product_id')
    .join(days, 'day_id')
    .filter((r) => r.units.gt(1).and(r.region.isIn(CHOSEN_REGIONS)))
    .withColumn('revenue', (r) => r.units.mul(r.price))
    .groupBy('region', 'category')
    .agg((r) => ({ n: count(), revenue: r.revenue.sum(), avg_price: r.price.mean(), min_units: r.units.min(), max_units: r.units.max() }))
    .orderBy('region', 'category') as never;
}

export const STAR_SQL = `SELECT region, category, count(*) AS n, sum(units * price) AS revenue, avg(price) AS avg_price, min(units) AS min_units, max(units) AS max_units
FROM sales JOIN stores USING (store_id) JOIN products USING (product_id) JOIN days USING (day_id)
WHERE units > 1 AND region IN (${CHOSEN_REGIONS.map((r) => `'${r}'`).join(', ')})
GROUP BY region, category ORDER BY region, category`;

export async function loadStar(db: DuckDBConnection, data: StarData): Promise<void> {
  await appendTable(db, 'sales', data.sales);
  await appendTable(db, 'stores', data.stores);
  await appendTable(db, 'products', data.products);
  await appendTable(db, 'days', data.days);
}
