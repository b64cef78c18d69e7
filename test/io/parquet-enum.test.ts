import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { columnToArray } from '../../src/data/column.js';
import { parquetSource } from '../../src/io/index.js';

// DuckDB writes its ENUMs as UTF8 strings, so an ENUM-annotated column (as parquet-mr and
// Avro writers produce) is made here by annotating a DuckDB string column ENUM in the
// metadata hyparquet parses. The reader asks hyparquet for raw bytes of unannotated byte
// arrays (binary columns), which also leaves ENUM values as bytes: they must still be text.
vi.mock('hyparquet', async (importOriginal) => {
  const hyparquet = await importOriginal<typeof import('hyparquet')>();
  return {
    ...hyparquet,
    parquetMetadata: (...args: Parameters<typeof hyparquet.parquetMetadata>) => {
      const metadata = hyparquet.parquetMetadata(...args);
      for (const el of metadata.schema) {
        if (el.name === 'e') {
          el.converted_type = 'ENUM';
          el.logical_type = { type: 'ENUM' };
        }
      }
      return metadata;
    },
  };
});

const dir = mkdtempSync(join(tmpdir(), 'tessera-parquet-enum-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Parquet ENUM columns', () => {
  it('reads ENUM-annotated byte arrays as strings', async () => {
    const file = join(dir, 'enum.parquet');
    const instance = await DuckDBInstance.create(':memory:');
    const con = await instance.connect();
    await con.run(`COPY (SELECT CASE WHEN i = 3 THEN NULL ELSE (['red', 'grün', 'blue'])[i % 3 + 1] END AS e FROM range(5) t(i)) TO '${file}' (FORMAT parquet)`);
    con.closeSync();
    instance.closeSync();

    const source = parquetSource(file);
    expect(source.schema.fields.map((f) => f.dtype)).toEqual(['string']);
    const [batch] = await source.load(['e']);
    expect(columnToArray(batch.columns[0])).toEqual(['red', 'grün', 'blue', null, 'grün']);
  });
});
