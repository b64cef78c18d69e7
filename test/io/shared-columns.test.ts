/**
 * Source columns in shared memory (src/data/column-memory.ts): every reader allocates
 * the arrays it builds in SharedArrayBuffers (an Arrow IPC file is read into one, and
 * its columns are views of it), so a parallel pipeline hands them to its worker
 * threads as they are (src/exec/pipeline/morsels.ts `shared` copies nothing). Columns a
 * caller passes as typed arrays stay the caller's arrays, in whatever memory they are;
 * a pipeline copies those once.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import * as arrow from 'apache-arrow';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeBatch } from '../../src/data/batch.js';
import { columnFromValues } from '../../src/data/column.js';
import { SHARED_MIN_BYTES } from '../../src/data/column-memory.js';
import { mulberry32 } from '../../src/data/random.js';
import { closeWorkerPool } from '../../src/exec/pipeline/worker-pool.js';
import { MORSEL_ROWS, sharedCopyBytes } from '../../src/exec/pipeline/morsels.js';
import { columnsSource, csvSource, ipcSource, parquetSource } from '../../src/io/index.js';
import { duckdbSource } from '../../src/io/duckdb.js';
import { writeCsvFile } from '../../src/io/write-csv.js';
import { writeParquetFile } from '../../src/io/write-parquet.js';
import { type Relation, count, fromColumns, readArrowFile, readCsv, readParquet } from '../../src/index.js';
import type { TableSource } from '../../src/plan/source.js';
import type { RelationSchema } from '../../src/types/schema.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-shared-'));
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await closeWorkerPool();
});

/** Three morsels and a bit: a pipeline over it runs on several threads. */
const ROWS = 3 * MORSEL_ROWS + 4321;
const rand = mulberry32(5);
const key = Array.from({ length: ROWS }, () => Math.floor(rand() * 100));
const x = Array.from({ length: ROWS }, () => (rand() < 0.05 ? null : Math.round(rand() * 2000) / 100 - 10));
const cat = Array.from({ length: ROWS }, () => `c${Math.floor(rand() * 7)}`);
const schema: RelationSchema = {
  fields: [
    { name: 'key', dtype: 'int32', nullable: false },
    { name: 'x', dtype: 'float64', nullable: true },
    { name: 'cat', dtype: 'string', nullable: false },
  ],
};
const batch = makeBatch([columnFromValues('int32', key), columnFromValues('float64', x), columnFromValues('string', cat)], ROWS);
const NAMES = ['key', 'x', 'cat'];

const csvPath = join(dir, 'facts.csv');
writeCsvFile(csvPath, schema, [batch]);
const parquetPath = join(dir, 'facts.parquet');
await writeParquetFile(parquetPath, schema, [batch]);
const table = new arrow.Table({
  key: arrow.vectorFromArray(key, new arrow.Int32()),
  x: arrow.vectorFromArray(x, new arrow.Float64()),
  cat: arrow.vectorFromArray(cat, new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())),
});
const ipcFilePath = join(dir, 'facts.arrow');
writeFileSync(ipcFilePath, arrow.tableToIPC(table, 'file'));
const ipcStreamPath = join(dir, 'facts.arrows');
writeFileSync(ipcStreamPath, arrow.tableToIPC(table, 'stream'));

/** The memory each array of each column of a source's first batch lives in. */
async function memoryOf(source: TableSource): Promise<string[]> {
  const [first] = await source.load(NAMES);
  return first.columns.flatMap((c, k) => [
    `${NAMES[k]}.values: ${c.values.buffer.constructor.name}`,
    ...(c.validity ? [`${NAMES[k]}.validity: ${c.validity.buffer.constructor.name}`] : []),
  ]);
}

const allShared = ['key.values: SharedArrayBuffer', 'x.values: SharedArrayBuffer', 'x.validity: SharedArrayBuffer', 'cat.values: SharedArrayBuffer'];

describe('readers allocate columns in shared memory', () => {
  it('CSV, Parquet, Arrow IPC (file and stream), a DuckDB result and converted JS arrays', async () => {
    expect(await memoryOf(csvSource(csvPath))).toEqual(allShared);
    expect(await memoryOf(parquetSource(parquetPath))).toEqual(allShared);
    expect(await memoryOf(ipcSource(ipcFilePath))).toEqual(allShared);
    expect(await memoryOf(ipcSource(ipcStreamPath))).toEqual(allShared);
    expect(await memoryOf(columnsSource({ key, x, cat }))).toEqual(allShared);
    const instance = await DuckDBInstance.create(':memory:');
    const con = await instance.connect();
    try {
      const sql = `SELECT (i % 100)::INTEGER AS key, CASE WHEN i % 20 = 0 THEN NULL ELSE i / 7 END::DOUBLE AS x, 'c' || (i % 7) AS cat FROM range(${ROWS}) t(i)`;
      expect(await memoryOf(await duckdbSource(con, sql))).toEqual(allShared);
    } finally {
      con.closeSync();
      instance.closeSync();
    }
  });

  it('keeps a caller’s typed arrays as they are (zero-copy), in ordinary memory', async () => {
    const keys = Int32Array.from(key);
    const [first] = await columnsSource({ key: keys }).load(['key']);
    expect(first.columns[0].values).toBe(keys);
    expect(first.columns[0].values.buffer).toBeInstanceOf(ArrayBuffer);
  });
});

describe('a parallel pipeline reads them in place', () => {
  const dims = fromColumns(
    { key: Int32Array.from({ length: 100 }, (_, i) => i), grp: Array.from({ length: 100 }, (_, i) => `g${i % 9}`) },
    { name: 'dims', primaryKey: ['key'] },
  );
  // Build sides and lookup tables this small stay on the heap: a pipeline copies those (microseconds).
  const SMALL = SHARED_MIN_BYTES;
  const query = (facts: Relation<any>) =>
    facts
      .filter((r) => r.x.gt(-5))
      .join(dims, 'key')
      .groupBy('grp', 'cat')
      .agg((r) => ({ n: count(), total: r.x.sum() }));
  const rowsOf = async (facts: Relation<any>) =>
    (await query(facts).collect({ workers: 2 })).toArray().map((r) => JSON.stringify(r, (_, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)));
  let expectedRows: Promise<string[]> | undefined;
  const expected = () => (expectedRows ??= rowsOf(fromColumns({ key: Int32Array.from(key), x, cat }, { name: 'facts' })));

  for (const [format, read] of [
    ['CSV', () => readCsv(csvPath)],
    ['Parquet', () => readParquet(parquetPath)],
    ['Arrow IPC', () => readArrowFile(ipcFilePath)],
  ] as const) {
    it(`copies none of the columns of a ${format} file, on 2 threads`, async () => {
      const want = await expected();
      const facts = read() as Relation<any>;
      // The source's first run: a copy would be made now (and kept for later runs).
      const before = sharedCopyBytes();
      const plan = await query(facts).explain({ analyze: true, workers: 2 });
      expect(sharedCopyBytes() - before).toBeLessThan(SMALL);
      expect(plan).toMatch(/Pipeline[\s\S]*on 2 threads/);
      expect(await rowsOf(facts)).toEqual(want);
    });
  }

  it('copies a caller’s typed array in ordinary memory once, on its first parallel run', async () => {
    const want = await expected();
    const keys = Int32Array.from(key);
    const facts = fromColumns({ key: keys, x, cat }, { name: 'facts' });
    const before = sharedCopyBytes();
    await rowsOf(facts);
    expect(sharedCopyBytes() - before).toBeGreaterThanOrEqual(keys.byteLength);
    const again = sharedCopyBytes();
    expect(await rowsOf(facts)).toEqual(want);
    expect(sharedCopyBytes() - again).toBeLessThan(SMALL);
  });
});
