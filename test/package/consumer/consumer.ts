// A user's strict TypeScript file: what the packed package must compile and run.
import { count, formatTable, fromColumns, readParquet, type Relation, TesseraError } from 'tessera';

const sales = fromColumns({ store: Int32Array.from([0, 1, 1]), units: [3, 5, 2], price: [9.5, 4, 7.25] });
const stores = fromColumns({ store: Int32Array.from([0, 1]), city: ['Paris', 'Lyon'] }, { primaryKey: ['store'] });
const perCity: Relation<{ city: 'string'; n: 'int64'; revenue: 'float64?' }> = sales
  .join(stores, 'store')
  .filter((r) => r.units.gt(2))
  .groupBy('city')
  .agg((r) => ({ n: count(), revenue: r.units.mul(r.price).sum() }))
  .orderBy('city');

// Compile-time only: a column the relation does not have must not compile.
// @ts-expect-error unknown column
const typo = () => sales.filter((r) => r.unitz.gt(2));
void typo;

const written = await perCity.writeParquet('per-city.parquet');
const rows = await readParquet('per-city.parquet', { schema: { city: 'string', n: 'int64', revenue: 'float64' } }).collectRows();
console.log(JSON.stringify({ written: written.rows, rows }));
console.log(formatTable(await perCity.collect()));
console.log(`errors are TesseraErrors: ${new TesseraError('x') instanceof Error}`);
