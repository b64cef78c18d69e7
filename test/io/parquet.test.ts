import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { columnToArray } from '../../src/data/column.js';
import { SourceError } from '../../src/errors.js';
import { parquetSource } from '../../src/io/index.js';
import { duckdbColumns } from '../support/duckdb.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-parquet-'));
const file = join(dir, 'all.parquet');
const required = join(dir, 'required.parquet');
const hugeFile = join(dir, 'huge.parquet');
const tsFile = join(dir, 'ts.parquet');
let duck: Record<string, unknown[]>;
const ROWS = 5000;


beforeAll(async () => {
  // Several row groups, nulls in every column, and every supported Parquet type.
  await duckdbColumns(`COPY (
    SELECT
      CASE WHEN i % 7 = 0 THEN NULL ELSE i::INTEGER - 2500 END AS i32,
      CASE WHEN i % 11 = 0 THEN NULL ELSE i::BIGINT * 1000000007 END AS i64,
      CASE WHEN i % 5 = 0 THEN NULL ELSE i / 3 END::DOUBLE AS f64,
      (i / 4)::REAL AS f32,
      CASE WHEN i % 3 = 0 THEN NULL ELSE i % 2 = 0 END AS b,
      CASE WHEN i % 13 = 0 THEN NULL ELSE 'city' || (i % 17) || 'é' END AS s,
      CASE WHEN i % 9 = 0 THEN NULL ELSE DATE '1960-01-01' + i::INTEGER * 7 END AS d,
      (i % 200)::UTINYINT AS u8,
      (i % 30000)::SMALLINT AS i16,
      (i * 800000)::UINTEGER AS u32,
      i::UBIGINT AS u64
    FROM range(${ROWS}) t(i)
  ) TO '${file}' (FORMAT PARQUET, ROW_GROUP_SIZE 2048)`);
  duck = await duckdbColumns(`SELECT * FROM '${file}'`);
  await duckdbColumns(`COPY (SELECT 1.5::DOUBLE AS x, 'a' AS s) TO '${required}' (FORMAT PARQUET)`);
  await duckdbColumns(`COPY (SELECT 9007199254740993::BIGINT AS big) TO '${hugeFile}' (FORMAT PARQUET)`);
  await duckdbColumns(`COPY (SELECT TIMESTAMP '2024-01-01 10:00:00' AS at) TO '${tsFile}' (FORMAT PARQUET)`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** DuckDB's JS values in the form columnToArray gives ours (DuckDB already gives dates as Date). */
const normalize = (v: unknown): unknown => (typeof v === 'bigint' ? Number(v) : v);

describe('parquetSource', () => {
  it('maps the Parquet schema to dtypes at construction', () => {
    const source = parquetSource(file, { primaryKey: ['u64'] });
    expect(source.name).toBe('all.parquet');
    expect(source.stats.rowCount).toBe(ROWS);
    expect(source.schema.primaryKey).toEqual(['u64']);
    expect(Object.fromEntries(source.schema.fields.map((f) => [f.name, f.dtype]))).toEqual({
      i32: 'int32', i64: 'int64', f64: 'float64', f32: 'float32', b: 'bool', s: 'string', d: 'date',
      u8: 'int32', i16: 'int32', u32: 'int64', u64: 'int64',
    });
    expect(source.schema.fields.every((f) => f.nullable)).toBe(true); // DuckDB writes OPTIONAL columns
  });

  it('reads every column value-by-value as DuckDB does', async () => {
    const source = parquetSource(file);
    const names = source.schema.fields.map((f) => f.name);
    const batches = await source.load(names);
    for (const [i, name] of names.entries()) {
      const ours = batches.flatMap((b) => columnToArray(b.columns[i]));
      expect(ours, name).toEqual(duck[name].map(normalize));
    }
    expect(batches[0].columns[names.indexOf('i32')].validity).not.toBeNull();
  });

  it('decodes only the requested columns', async () => {
    const source = parquetSource(file);
    const [batch] = await source.load(['s', 'i32']);
    expect(batch.columns.map((c) => c.dtype)).toEqual(['string', 'int32']);
    expect(batch.length).toBe(ROWS);
    expect(columnToArray(batch.columns[0])).toEqual(duck.s);
  });

  it('reads REQUIRED columns without validity', async () => {
    const source = parquetSource(required);
    const [batch] = await source.load(['x', 's']);
    expect(batch.columns.map(columnToArray)).toEqual([[1.5], ['a']]);
  });

  it('rejects non-Parquet files, unsupported types and int64 beyond 2^53', async () => {
    const csv = join(dir, 'data.csv');
    writeFileSync(csv, 'a,b\n1,2\n');
    expect(() => parquetSource(csv)).toThrow(SourceError);
    expect(() => parquetSource(csv)).toThrow(/data\.csv: not a Parquet file/);
    const empty = join(dir, 'empty.parquet');
    writeFileSync(empty, '');
    expect(() => parquetSource(empty)).toThrow(/empty\.parquet: not a Parquet file/);
    expect(() => parquetSource(tsFile)).toThrow(/ts\.parquet: column 'at' has unsupported Parquet type INT64/);
    await expect(parquetSource(hugeFile).load(['big'])).rejects.toThrow(/huge\.parquet: column 'big'.*2\^53/);
  });
});
