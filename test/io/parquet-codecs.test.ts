import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { columnToArray } from '../../src/data/column.js';
import { readParquet } from '../../src/dsl/sources.js';
import { SourceError } from '../../src/errors.js';
import { parquetSource } from '../../src/io/index.js';
import { duckdbColumns } from '../support/duckdb.js';

// Files written by DuckDB with each compression codec, and binary (BLOB) columns, read
// back by Tessera and compared with DuckDB's own read of the same file.

const dir = mkdtempSync(join(tmpdir(), 'tessera-parquet-codecs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ROWS = 20_000;


/** DuckDB's JS values in the form Tessera's rows have (DuckDB already gives dates as Date). */
const normalize = (v: unknown): unknown => (typeof v === 'bigint' ? Number(v) : v);

// Several row groups and pages; nulls in every column; a low-cardinality string column
// (dictionary pages) and a high-cardinality one (dictionary overflow into plain pages).
const DATA = `
  SELECT
    CASE WHEN i % 7 = 0 THEN NULL ELSE i::INTEGER - 10000 END AS i32,
    CASE WHEN i % 11 = 0 THEN NULL ELSE i::BIGINT * 1000003 END AS i64,
    CASE WHEN i % 5 = 0 THEN NULL ELSE i / 7 END::DOUBLE AS f64,
    CASE WHEN i % 13 = 0 THEN NULL ELSE 'name-' || (i % 97) || '-é' END AS s,
    CASE WHEN i % 3 = 0 THEN NULL ELSE md5(i::VARCHAR) END AS u,
    CASE WHEN i % 9 = 0 THEN NULL ELSE DATE '1960-01-01' + i::INTEGER END AS d
  FROM range(${ROWS}) t(i)`;

// DuckDB's name for the codec, and the codec it records in the file's metadata.
const CODECS: [string, string][] = [
  ['uncompressed', 'UNCOMPRESSED'],
  ['snappy', 'SNAPPY'],
  ['gzip', 'GZIP'],
  ['zstd', 'ZSTD'],
  ['brotli', 'BROTLI'],
  ['lz4_raw', 'LZ4_RAW'],
];

describe('Parquet compression codecs', () => {
  it.each(CODECS)('reads %s pages value-by-value as DuckDB does', async (codec, recorded) => {
    const file = join(dir, `${codec}.parquet`);
    await duckdbColumns(`COPY (${DATA}) TO '${file}' (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE 8192)`);
    const meta = await duckdbColumns(`SELECT DISTINCT compression FROM parquet_metadata('${file}')`);
    expect(meta.compression).toEqual([recorded]);
    const duck = await duckdbColumns(`SELECT * FROM '${file}'`);

    const rows = await readParquet(file).collectRows();
    expect(rows).toHaveLength(ROWS);
    for (const name of Object.keys(duck)) {
      expect(rows.map((r) => r[name]), `${codec}: ${name}`).toEqual(duck[name].map(normalize));
    }
    expect(rows.filter((r) => r.s === null)).toHaveLength(duck.s.filter((v) => v === null).length);
  });
});

describe('Parquet binary columns', () => {
  const blobs = join(dir, 'blobs.parquet');
  const written = (async () => {
    await duckdbColumns(`COPY (
      SELECT i::INTEGER AS id,
        CASE i WHEN 0 THEN '\\xAA\\xBB'::BLOB WHEN 1 THEN NULL WHEN 2 THEN ''::BLOB ELSE 'h\\xC3\\xA9llo'::BLOB END AS b,
        'text' AS s
      FROM range(4) t(i)
    ) TO '${blobs}' (FORMAT parquet, COMPRESSION zstd)`);
    return duckdbColumns(`SELECT b FROM '${blobs}'`);
  })();

  it('rejects a BLOB column with a typed error naming it and the supported types', async () => {
    await written;
    expect(() => parquetSource(blobs)).toThrow(SourceError);
    expect(() => parquetSource(blobs)).toThrow(/blobs\.parquet: column 'b' is binary \(Parquet BYTE_ARRAY without a STRING\/UTF8 annotation/);
    expect(() => parquetSource(blobs)).toThrow(/supported: float64, .*string, date\); pass binaryAs: 'hex' or 'base64'/);
    expect(() => readParquet(blobs)).toThrow(SourceError);
  });

  it('reads the bytes as hex or base64 strings, or as UTF-8 text, when asked', async () => {
    const duck = await written;
    const bytes = duck.b.map((v) => (v === null ? null : Buffer.from(v as Uint8Array)));
    expect(bytes[0]).toEqual(Buffer.from([0xaa, 0xbb]));

    const read = async (binaryAs: 'hex' | 'base64' | 'utf8') => {
      const source = parquetSource(blobs, { binaryAs });
      expect(source.schema.fields.map((f) => f.dtype)).toEqual(['int32', 'string', 'string']);
      const [batch] = await source.load(['b', 's']);
      expect(columnToArray(batch.columns[1])).toEqual(['text', 'text', 'text', 'text']);
      return columnToArray(batch.columns[0]);
    };
    expect(await read('hex')).toEqual(bytes.map((b) => b && b.toString('hex')));
    expect(await read('hex')).toEqual(['aabb', null, '', '68c3a96c6c6f']);
    expect(await read('base64')).toEqual(bytes.map((b) => b && b.toString('base64')));
    // Row 0 is not UTF-8: no replacement characters, an error naming the column and row.
    await expect(read('utf8')).rejects.toThrow(/blobs\.parquet: column 'b': the bytes at row 0 are not valid UTF-8/);
  });

  it("reads valid UTF-8 bytes as text with binaryAs: 'utf8'", async () => {
    const file = join(dir, 'legacy.parquet');
    await duckdbColumns(`COPY (SELECT encode('café' || i) AS name FROM range(3) t(i)) TO '${file}' (FORMAT parquet)`);
    expect(() => parquetSource(file)).toThrow(/column 'name' is binary/);
    const [batch] = await parquetSource(file, { binaryAs: 'utf8' }).load(['name']);
    expect(columnToArray(batch.columns[0])).toEqual(['café0', 'café1', 'café2']);
  });
});
