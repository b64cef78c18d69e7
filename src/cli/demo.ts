import { count, fromColumns, linearRegression } from '../index.js';
import { mulberry32 } from '../data/random.js';

/** A small retail star schema: sales facts and a store dimension. */
export function demoData(sales = 20_000, stores = 50) {
  const rand = mulberry32(42);
  const cities = ['Paris', 'Lyon', 'Lille', 'Nantes', 'Nice'];
  const storeId = Int32Array.from({ length: stores }, (_, i) => i);
  const city = Array.from({ length: stores }, (_, i) => cities[i % cities.length]);
  const size = Float64Array.from({ length: stores }, () => 100 + Math.round(rand() * 900));
  const store = Int32Array.from({ length: sales }, () => Math.floor(rand() * stores));
  const price = Float64Array.from({ length: sales }, () => Math.round(rand() * 10_000) / 100);
  const promo = Array.from({ length: sales }, () => (rand() < 0.05 ? null : rand() < 0.3));
  // Units sold rise with store size and promotions and fall with price, plus noise: something for the model to find.
  const units = Float64Array.from({ length: sales }, (_, i) =>
    Math.max(0, Math.round(4 + 0.01 * size[store[i]] - 0.05 * price[i] + (promo[i] ? 3 : 0) + (rand() - 0.5) * 4)),
  );
  return {
    sales: fromColumns({ store, units, price, promo }, { name: 'sales' }),
    stores: fromColumns({ store: storeId, city, size }, { name: 'stores', primaryKey: ['store'] }),
  };
}

/** The demo pipeline: revenue per city for promoted sales in large stores. */
export function demoPipeline() {
  const { sales, stores } = demoData();
  return sales
    .join(stores, 'store')
    .filter((r) => r.size.gt(300).and(r.promo))
    .withColumn('revenue', (r) => r.units.mul(r.price))
    .groupBy('city')
    .agg((r) => ({ sales: count(), units: r.units.sum(), revenue: r.revenue.sum(), avg_price: r.price.mean() }))
    .orderBy((r) => r.revenue.desc());
}

/**
 * The model half of the demo, in the same plan: a ridge regression of units on price,
 * store size, promotion and city (one-hot), trained on the joined rows, and its
 * predictions next to the rows they came from.
 */
export function demoModel() {
  const { sales, stores } = demoData();
  const rows = sales.join(stores, 'store').withColumn('promoted', (r) => r.promo.coalesce(false));
  const X = rows.toMatrix(['price', 'size', 'promoted', { onehot: 'city' }], { intercept: true });
  const coefficients = linearRegression(X, rows.toMatrix(['units']), { ridge: 1 });
  const predictions = rows.withMatrixColumns(X.matmul(coefficients), ['predicted_units']).filter((r) => r.city.eq('Paris')).limit(5);
  return { X, coefficients, predictions };
}
