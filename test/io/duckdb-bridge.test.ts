import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceError, count, fromColumns, fromDuckDB, toDuckDB } from '../../src/index.js';

let instance: DuckDBInstance;
let con: DuckDBConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  con = await instance.connect();
  await con.run(`CREATE TABLE sales AS SELECT
      i::INTEGER AS sale_id,
      (i % 5)::TINYINT AS store,
      CASE WHEN i % 7 = 0 THEN NULL ELSE i * 1000000007 END::BIGINT AS big,
      (i / 8)::FLOAT AS f32,
      CASE WHEN i % 3 = 0 THEN NULL ELSE i / 3 END::DOUBLE AS price,
      i % 2 = 0 AS even,
      CASE WHEN i % 11 = 0 THEN NULL ELSE 'city' || (i % 4) END AS city,
      DATE '2020-01-01' + i::INTEGER AS day,
      (['a', 'b'])[1 + i % 2]::ENUM('a', 'b') AS kind
    FROM range(5000) t(i)`);
});
afterAll(() => {
  con.closeSync();
  instance.closeSync();
});

const plain = (rows: Record<string, unknown>[]) => rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v instanceof Date ? v.toISOString().slice(0, 10) : v])));

describe('fromDuckDB', () => {
  it('reads a query result with its types mapped, nulls kept, over several chunks', async () => {
    const rel = await fromDuckDB(con, 'SELECT * FROM sales ORDER BY sale_id', { name: 'sales' });
    expect(rel.schema.fields.map((f) => `${f.name}:${f.dtype}${f.nullable ? '?' : ''}`)).toEqual([
      'sale_id:int32',
      'store:int32',
      'big:int64?',
      'f32:float32',
      'price:float64?',
      'even:bool',
      'city:string?',
      'day:date',
      'kind:string',
    ]);
    const duck = plain((await con.runAndReadAll('SELECT * FROM sales ORDER BY sale_id')).getRowObjectsJS());
    expect(plain(await rel.collectRows())).toEqual(duck);
  });

  it('a relation from DuckDB joins and aggregates like any other, as DuckDB computes it', async () => {
    const stores = fromColumns({ store: Int32Array.from([0, 1, 2, 3, 4]), region: ['n', 'n', 's', 's', 'w'] });
    const rel = await fromDuckDB(con, 'SELECT store, price FROM sales', { schema: { store: 'int32', price: 'float64?' } });
    const mine = await rel.join(stores, 'store').groupBy('region').agg((r) => ({ n: count(), s: r.price.sum() })).orderBy('region').collectRows();
    const regions = "CASE WHEN store < 2 THEN 'n' WHEN store < 4 THEN 's' ELSE 'w' END";
    const duck = plain((await con.runAndReadAll(`SELECT ${regions} AS region, count(*) AS n, sum(price) AS s FROM sales GROUP BY 1 ORDER BY 1`)).getRowObjectsJS());
    expect(mine.map((r) => [r.region, r.n])).toEqual(duck.map((r) => [r.region, r.n]));
    mine.forEach((r, i) => expect(r.s as number).toBeCloseTo(duck[i].s as number, 6));
  });

  it('refuses a type Tessera has no type for, naming the column and suggesting a CAST', async () => {
    await expect(fromDuckDB(con, 'SELECT 1.25::DECIMAL(5, 2) AS amount')).rejects.toThrow(/column 'amount' has DuckDB type DECIMAL\(5,2\), which Tessera has no type for.*CAST it/);
    await expect(fromDuckDB(con, "SELECT TIMESTAMP '2024-01-01' AS at")).rejects.toThrow(SourceError);
    await expect(fromDuckDB(con, 'SELECT 9007199254740993::BIGINT AS big')).rejects.toThrow(/value 9007199254740993 at row 0 is beyond ±2\^53/);
    await expect(fromDuckDB(con, 'SELECT * FROM no_such_table')).rejects.toThrow(/the query failed in DuckDB/);
  });

  it('an empty result has the columns and no rows', async () => {
    const rel = await fromDuckDB(con, 'SELECT sale_id, city FROM sales WHERE false');
    expect(rel.schema.fields.map((f) => f.name)).toEqual(['sale_id', 'city']);
    expect(await rel.collectRows()).toEqual([]);
  });
});

describe('toDuckDB', () => {
  it('writes a relation into a new table with its types, NOT NULL where not nullable, nulls as NULL', async () => {
    const rel = await fromDuckDB(con, 'SELECT * FROM sales');
    const per = rel.filter((r) => r.even).select((r) => ({ sale_id: r.sale_id, big: r.big, f32: r.f32, price: r.price, city: r.city, day: r.day, even: r.even }));
    expect(await toDuckDB(con, 'even sales', per)).toEqual({ path: 'even sales', rows: 2500 });
    const cols = (await con.runAndReadAll(`SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = 'even sales' ORDER BY ordinal_position`)).getRowsJS();
    expect(cols).toEqual([
      ['sale_id', 'INTEGER', 'NO'],
      ['big', 'BIGINT', 'YES'],
      ['f32', 'FLOAT', 'NO'],
      ['price', 'DOUBLE', 'YES'],
      ['city', 'VARCHAR', 'YES'],
      ['day', 'DATE', 'NO'],
      ['even', 'BOOLEAN', 'NO'],
    ]);
    const back = (await con.runAndReadAll('SELECT * FROM "even sales" ORDER BY sale_id')).getRowObjectsJS();
    const want = (await con.runAndReadAll('SELECT sale_id, big, f32, price, city, day, even FROM sales WHERE even ORDER BY sale_id')).getRowObjectsJS();
    expect(plain(back)).toEqual(plain(want));
  });

  it("creates, refuses an existing table, replaces it, and appends with mode 'append'", async () => {
    const rel = fromColumns({ x: [1, 2, 3] });
    await toDuckDB(con, 't', rel);
    await expect(toDuckDB(con, 't', rel)).rejects.toThrow(/cannot create the table/);
    await toDuckDB(con, 't', rel, { mode: 'append' });
    expect((await con.runAndReadAll('SELECT count(*)::INTEGER AS n FROM t')).getRowsJS()).toEqual([[6]]);
    await toDuckDB(con, 't', rel.filter((r) => r.x.gt(2)), { mode: 'replace' });
    expect((await con.runAndReadAll('SELECT x FROM t')).getRowsJS()).toEqual([[3]]);
  });
});
