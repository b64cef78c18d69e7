import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Field, Float64, Int32, Schema, Table, tableToIPC, vectorFromArray } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NullValueError, SourceError, fromArrow, readArrowFile, readCsv, readParquet } from '../../src/index.js';
import { duckdbColumns } from '../support/duckdb.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-nonnull-'));
const clean = join(dir, 'clean.parquet');
const holed = join(dir, 'holed.parquet');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  // DuckDB flags every column of a query's result OPTIONAL (nullable), whatever the data holds.
  await duckdbColumns(`COPY (SELECT i::BIGINT AS sale_id, (i * 1.5)::DOUBLE AS amount FROM range(5000) t(i)) TO '${clean}' (FORMAT PARQUET, ROW_GROUP_SIZE 1024)`);
  await duckdbColumns(`COPY (SELECT CASE WHEN i = 3100 THEN NULL ELSE i::BIGINT END AS sale_id, (i * 1.5)::DOUBLE AS amount FROM range(5000) t(i)) TO '${holed}' (FORMAT PARQUET, ROW_GROUP_SIZE 1024)`);
});

async function nullError(run: () => Promise<unknown>): Promise<NullValueError> {
  const e = await run().then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(NullValueError);
  expect(e).toBeInstanceOf(SourceError);
  return e as NullValueError;
}

describe('a declared non-null schema over a file whose columns are flagged nullable', () => {
  it('Parquet written by DuckDB: reads when the data has no null, typed non-null', async () => {
    const rel = readParquet(clean, { schema: { sale_id: 'int64', amount: 'float64' } });
    expect(rel.schema.fields.map((f) => f.nullable)).toEqual([false, false]);
    const [row] = await rel.aggregate((r) => ({ n: r.sale_id.count(), s: r.sale_id.sum() })).collectRows();
    expect(row).toEqual({ n: 5000, s: (4999 * 5000) / 2 });
  });

  it('Parquet: a null is a NullValueError naming the column and its row (across row groups)', async () => {
    const rel = readParquet(holed, { schema: { sale_id: 'int64', amount: 'float64' } });
    const e = await nullError(() => rel.collect());
    expect(e).toMatchObject({ column: 'sale_id', row: 3100 });
    expect(e.message).toMatch(/holed\.parquet: column 'sale_id' is declared int64 \(not nullable\), but row 3100 is null; declare it 'int64\?'/);
    // Declared nullable, the same file reads; a column that is not read is not checked.
    expect((await readParquet(holed, { schema: { sale_id: 'int64?' } }).collectRows()).length).toBe(5000);
    expect((await readParquet(holed, { schema: { sale_id: 'int64', amount: 'float64' } }).select((r) => ({ amount: r.amount })).collectRows()).length).toBe(5000);
  });

  it('a dtype that differs is still refused when the relation is built', () => {
    expect(() => readParquet(clean, { schema: { sale_id: 'int32' } })).toThrow(/column 'sale_id' is int64\? in the source, but the schema declares int32/);
  });

  it('Arrow IPC with nullable fields: reads without nulls, NullValueError with one', async () => {
    const write = (name: string, ids: (number | null)[]) => {
      const schema = new Schema([new Field('id', new Int32(), true), new Field('x', new Float64(), true)]);
      const table = new Table(schema, { id: vectorFromArray(ids, new Int32()), x: vectorFromArray(ids.map((v) => (v ?? 0) / 2), new Float64()) });
      const path = join(dir, name);
      writeFileSync(path, tableToIPC(table, 'file'));
      return path;
    };
    const ok = readArrowFile(write('ok.arrow', [1, 2, 3]), { schema: { id: 'int32', x: 'float64' } });
    expect(await ok.collectRows()).toEqual([{ id: 1, x: 0.5 }, { id: 2, x: 1 }, { id: 3, x: 1.5 }]);
    const bad = readArrowFile(write('bad.arrow', [1, null, 3]), { schema: { id: 'int32', x: 'float64' } });
    expect(await nullError(() => bad.collectRows())).toMatchObject({ column: 'id', row: 1 });
  });

  it('Arrow tables given to fromArrow are checked the same way', async () => {
    const table = new Table({ v: vectorFromArray([1.5, null], new Float64()) });
    expect(await nullError(() => fromArrow(table, { schema: { v: 'float64' } }).collect())).toMatchObject({ column: 'v', row: 1 });
  });

  it('CSV: a declared non-null column reads without nulls, and names row and line with one', async () => {
    const path = join(dir, 'sales.csv');
    writeFileSync(path, 'sale_id,amount\n1,2.5\n2,\n3,4\n');
    expect(await readCsv(path, { schema: { sale_id: 'int64', amount: 'float64?' } }).collectRows()).toHaveLength(3);
    const e = await nullError(() => readCsv(path, { schema: { sale_id: 'int64', amount: 'float64' } }).collectRows());
    expect(e).toMatchObject({ column: 'amount', row: 1, line: 3 });
  });
});
