/**
 * Pipelines whose relational part runs on DuckDB (`relationalEngine: { duckdb }`) and
 * whose matrix part runs in Tessera give the all-Tessera answer; explain (text, JSON,
 * HTML, analyze) shows which engine runs what, and the SQL; operators SQL cannot compute
 * exactly stay in Tessera, with the reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Relation, fromColumns, linearRegression } from '../../src/index.js';
import { compareResults } from '../differential/compare.js';
import { SqlDuck, tesseraRows } from './support.js';

let duck: SqlDuck;
beforeAll(async () => {
  duck = await SqlDuck.open();
});
afterAll(() => duck?.close());

const engine = () => ({ relationalEngine: { duckdb: duck.connection } });

const n = 500;
const sales = fromColumns(
  {
    store: Int32Array.from({ length: n }, (_, i) => i % 7),
    units: Array.from({ length: n }, (_, i) => (i * 13) % 11),
    price: Array.from({ length: n }, (_, i) => 3 + ((i * 7) % 5) + (i % 7) * 0.5 + ((i * 31) % 17) / 100),
  },
  { name: 'sales' },
);
const stores = fromColumns({ store: Int32Array.from([0, 1, 2, 3, 4, 5, 6]), city: ['Paris', 'Lyon', 'Nice', 'Paris', 'Lyon', 'Nice', 'Lille'] }, { name: 'stores', primaryKey: ['store'] });
const joined = sales.join(stores, 'store').filter((r) => r.units.gt(2));
const X = joined.toMatrix(['units', { onehot: 'city' }], { intercept: true });
const y = joined.toMatrix(['price']);

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>): void {
  expect(b.length).toBe(a.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(a[i])));
}

describe('relational part on DuckDB, matrix part in Tessera', () => {
  it('a linear regression over a join gives the all-Tessera coefficients', async () => {
    const beta = linearRegression(X, y, { ridge: 1 });
    const own = await beta.collect();
    const mixed = await beta.collect(engine());
    expectClose(own.data, mixed.data);
    const text = beta.explain(engine());
    expect(text).toMatch(/DuckDBQuery \(\d operators\)\s+\[duckdb · cpu · columns\]/);
    expect(text).toContain('sql: SELECT');
    // The join ran in DuckDB: the matrix is encoded from its result, not through a join index.
    expect(text).not.toContain('JoinToMatrix');
    expect(beta.explain()).not.toContain('DuckDBQuery');
  });

  it('toMatrix and crossprod give the all-Tessera Gram matrix', async () => {
    const gram = X.crossprod();
    expectClose((await gram.collect()).data, (await gram.collect(engine())).data);
  });

  it('scores stay aligned with the rows DuckDB returned', async () => {
    const beta = linearRegression(X, y, { ridge: 1 });
    const scored = joined.withMatrixColumns(X.matmul(beta), ['predicted']) as unknown as Relation<any>;
    const own = await tesseraRows(scored);
    const mixed = await tesseraRows(scored, engine());
    expect(compareResults(mixed, own, { kind: 'none' })).toBeNull();
  });

  it('explain JSON and HTML name the engine and carry the SQL; analyze counts its rows', async () => {
    const perCity = joined.groupBy('city').agg((r) => ({ revenue: r.units.mul(r.price).sum() }));
    const json = JSON.parse(perCity.explain({ ...engine(), format: 'json' }));
    const root = json.physical.root;
    expect(root).toMatchObject({ operator: 'DuckDBQuery', provider: 'duckdb', engine: 'duckdb' });
    expect(root.sql).toMatch(/^SELECT .* GROUP BY /);
    expect(root.covers).toContain('aggregate');
    expect(root.inputs.map((i: { operator: string; provider: string }) => [i.operator, i.provider])).toEqual([
      ['Scan', 'js'],
      ['Scan', 'js'],
    ]);
    const html = perCity.explain({ ...engine(), format: 'html' });
    expect(html).toContain('"engine":"duckdb"');
    expect(html).toContain('GROUP BY');
    const analyzed = JSON.parse(await perCity.explain({ ...engine(), analyze: true, format: 'json' }));
    // Four cities: the DuckDBQuery's actual output.
    expect(analyzed.physical.root).toMatchObject({ operator: 'DuckDBQuery', actual: { rows: 4, runs: 1 } });
  });

  it('an operator SQL cannot compute exactly runs in Tessera, with the reason, and the rest on DuckDB', async () => {
    // A limit of unsorted rows: SQL may keep any rows; Tessera keeps the first.
    const firstRows = joined.select((r) => ({ store: r.store, city: r.city })).limit(5);
    const text = firstRows.explain(engine());
    expect(text).toMatch(/Limit 5 .*\[js · cpu · columns\]/);
    expect(text).toMatch(/why: .*runs in Tessera, not DuckDB: limit: cannot be compiled to SQL exactly: its input \(\w+\) has no defined row order/);
    expect(text).toContain('DuckDBQuery');
    const rows = await firstRows.collectRows(engine());
    expect(rows).toHaveLength(5);
  });
});
