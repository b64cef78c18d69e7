import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { SourceError, fromColumns, readArrowFile, readCsv, readParquet } from '../../src/index.js';
import { duckdbColumns } from '../support/duckdb.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-write-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const N = 3000;
/** Every dtype, nulls in each nullable column, special floats, strings that need quoting. */
function sample(offset = 0) {
  const tricky = ['plain', 'with,comma', 'with "quote"', 'line\nbreak', '', 'é ünïcode', ' spaced ', 'NULL'];
  return fromColumns({
    id: Int32Array.from({ length: N }, (_, i) => i + offset),
    i32: Array.from({ length: N }, (_, i) => (i % 7 === 0 ? null : i - 1500)),
    i64: Array.from({ length: N }, (_, i) => (i % 11 === 0 ? null : BigInt(i) * 1_000_000_007n)),
    f64: Array.from({ length: N }, (_, i) => (i % 5 === 0 ? null : i === 1 ? NaN : i === 2 ? Infinity : i === 3 ? -Infinity : i === 4 ? -0 : i / 3)),
    f32: Float32Array.from({ length: N }, (_, i) => i / 4 + 0.1),
    b: Array.from({ length: N }, (_, i) => (i % 3 === 0 ? null : i % 2 === 0)),
    s: Array.from({ length: N }, (_, i) => (i % 13 === 0 ? null : tricky[i % tricky.length])),
    d: Array.from({ length: N }, (_, i) => (i % 9 === 0 ? null : new Date(Date.UTC(1960, 0, 1 + i * 7)))),
  }, { types: { i32: 'int32?' } });
}
// Two parts with their own string dictionaries: the result has several batches.
const rel = sample().unionAll(sample(N));

/** Values as plain comparable JS: bigints and Dates normalized, as DuckDB and Tessera give them. */
function norm(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  return v;
}
function normColumns(cols: Record<string, unknown[]>): Record<string, unknown[]> {
  return Object.fromEntries(Object.entries(cols).map(([k, vs]) => [k, vs.map(norm)]));
}
async function expected(): Promise<Record<string, unknown[]>> {
  const rows = await rel.orderBy('id').collectRows();
  const out: Record<string, unknown[]> = {};
  for (const row of rows) for (const [k, v] of Object.entries(row)) (out[k] ??= []).push(norm(v));
  // float32 values as DuckDB's FLOAT gives them back (the same float32, widened).
  return out;
}

const python = '/usr/bin/python3';
function pythonHas(module: string): boolean {
  if (!existsSync(python)) return false;
  try {
    execFileSync(python, ['-c', `import ${module}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const hasPandas = pythonHas('pandas');
const hasPyarrow = hasPandas && pythonHas('pyarrow');
if (!hasPandas) console.warn(`writers.test: ${python} has no pandas; the pandas read-back checks are skipped`);
else if (!hasPyarrow) console.warn(`writers.test: ${python} has pandas but no pyarrow; pandas reads back the CSV only (Parquet and Arrow need pyarrow)`);

/** pandas' reading of a file, as JSON columns (dates as YYYY-MM-DD, NaN/inf as strings so JSON keeps them). */
function pandasColumns(code: string): Record<string, unknown[]> {
  const script = `
import json, math, sys
import pandas as pd
df = ${code}
def cell(v):
    if v is None or (not isinstance(v, (str, bool)) and pd.isna(v)): return None
    if hasattr(v, 'strftime'): return v.strftime('%Y-%m-%d')
    if isinstance(v, float) and math.isinf(v): return 'inf' if v > 0 else '-inf'
    if hasattr(v, 'item'): return v.item()
    return v
print(json.dumps({c: [cell(v) for v in df[c].tolist()] for c in df.columns}))
`;
  return JSON.parse(execFileSync(python, ['-c', script], { encoding: 'utf8', maxBuffer: 1 << 28 })) as Record<string, unknown[]>;
}

describe('writeParquet', () => {
  it('writes every dtype with nulls, in several row groups, and DuckDB reads it back', async () => {
    const path = join(dir, 'all.parquet');
    const written = await rel.writeParquet(path, { rowGroupSize: 1000 });
    expect(written).toEqual({ path, rows: 2 * N });
    const want = await expected();
    const duck = normColumns(await duckdbColumns(`SELECT * FROM read_parquet('${path}') ORDER BY id`));
    expect(duck).toEqual(want);
    const meta = await duckdbColumns(`SELECT path_in_schema AS c, type, count(DISTINCT row_group_id)::INTEGER AS groups FROM parquet_metadata('${path}') GROUP BY ALL ORDER BY c`);
    expect(meta.groups.every((g) => g === 6)).toBe(true);
    const schema = await duckdbColumns(`SELECT name, type, logical_type, repetition_type FROM parquet_schema('${path}') WHERE name <> 'duckdb_schema' ORDER BY name`);
    expect(schema.repetition_type[schema.name.indexOf('id')]).toBe('REQUIRED');
    expect(schema.repetition_type[schema.name.indexOf('s')]).toBe('OPTIONAL');
    // Tessera reads its own file back, with the same schema.
    const back = readParquet(path);
    expect(back.schema).toEqual(rel.schema);
    expect((await back.orderBy('id').collectRows()).map((r) => norm(r.s))).toEqual(want.s);
  });

  it('writes an empty result as a valid file with the schema', async () => {
    const path = join(dir, 'empty.parquet');
    expect((await rel.filter((r) => r.id.lt(0)).writeParquet(path)).rows).toBe(0);
    const duck = await duckdbColumns(`SELECT count(*)::INTEGER AS n FROM read_parquet('${path}')`);
    expect(duck.n).toEqual([0]);
    expect(readParquet(path).schema).toEqual(rel.schema);
  });

  it.skipIf(!hasPyarrow)('pandas reads it back', async () => {
    const path = join(dir, 'all.parquet');
    await rel.writeParquet(path);
    const pd = pandasColumns(`pd.read_parquet('${path}').sort_values('id')`);
    expect(pd.s).toEqual((await expected()).s);
  });
});

describe('writeCsv', () => {
  it('writes every dtype with nulls; DuckDB reads back the same values, empty strings apart from nulls', async () => {
    const path = join(dir, 'all.csv');
    expect((await rel.writeCsv(path)).rows).toBe(2 * N);
    const text = readFileSync(path, 'utf8');
    expect(text.split('\n')[0]).toBe('id,i32,i64,f64,f32,b,s,d');
    const want = await expected();
    const types = "{'id': 'INTEGER', 'i32': 'INTEGER', 'i64': 'BIGINT', 'f64': 'DOUBLE', 'f32': 'FLOAT', 'b': 'BOOLEAN', 's': 'VARCHAR', 'd': 'DATE'}";
    // allow_quoted_nulls = false: a quoted "" is an empty string, an unquoted empty field a null.
    const duck = normColumns(await duckdbColumns(`SELECT * FROM read_csv('${path}', header = true, columns = ${types}, allow_quoted_nulls = false) ORDER BY id`));
    expect(duck).toEqual(want);
    // Tessera's reader reads its own file back with the declared types.
    const back = readCsv(path, { schema: { id: 'int32', i32: 'int32?', i64: 'int64?', f64: 'float64?', f32: 'float32', b: 'bool?', s: 'string?', d: 'date?' } });
    const rows = await back.orderBy('id').collectRows();
    expect(rows.map((r) => norm(r.s))).toEqual(want.s);
    expect(rows.map((r) => r.f64)).toEqual(want.f64);
  });

  it('streams a result longer than one write, with a one-column file of nulls read back as nulls', async () => {
    const path = join(dir, 'long.csv');
    const n = 70_000;
    const long = fromColumns({ x: Array.from({ length: n }, (_, i) => (i % 4 === 0 ? null : i)) });
    expect((await long.writeCsv(path)).rows).toBe(n);
    const duck = await duckdbColumns(`SELECT count(*)::INTEGER AS n, count(x)::INTEGER AS valid, sum(x)::DOUBLE AS s FROM read_csv('${path}', columns = {'x': 'DOUBLE'})`);
    const sum = Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 0 : i)).reduce((a, b) => a + b, 0);
    expect(duck).toEqual({ n: [n], valid: [n - n / 4], s: [sum] });
  });

  it('takes a delimiter, a header switch and a null text, and refuses ambiguous ones', async () => {
    const path = join(dir, 'semi.csv');
    await fromColumns({ a: ['x;y', null], b: [1, 2] }).writeCsv(path, { delimiter: ';', header: false, nullValue: 'NA' });
    expect(readFileSync(path, 'utf8')).toBe('"x;y";1.0\nNA;2.0\n');
    await expect(fromColumns({ a: [1] }).writeCsv(path, { delimiter: '"' })).rejects.toThrow(SourceError);
    await expect(fromColumns({ a: [1] }).writeCsv(path, { nullValue: 'a,b' })).rejects.toThrow(/nullValue must not hold/);
  });

  it.skipIf(!hasPandas)('pandas reads it back', async () => {
    const path = join(dir, 'pandas.csv');
    // pandas reads a quoted empty string as missing too, so this sample has none.
    const plain = rel.filter((r) => r.s.ne('').or(r.s.isNull()));
    await plain.writeCsv(path);
    const pd = pandasColumns(`pd.read_csv('${path}', keep_default_na=False, na_values={'i32': [''], 'i64': [''], 'f64': ['', 'nan'], 'b': [''], 's': [''], 'd': ['']}, dtype={'s': str}, parse_dates=['d'], float_precision='round_trip').sort_values('id')`);
    const rows = await plain.orderBy('id').collectRows();
    expect(pd.s).toEqual(rows.map((r) => r.s));
    expect(pd.i64).toEqual(rows.map((r) => r.i64));
    expect(pd.d).toEqual(rows.map((r) => (r.d === null ? null : norm(r.d))));
    expect(pd.f64).toEqual(rows.map((r) => (r.f64 === null || Number.isNaN(r.f64) ? null : r.f64 === Infinity ? 'inf' : r.f64 === -Infinity ? '-inf' : r.f64)));
  });
});

describe('writeArrow', () => {
  it('writes an IPC file that apache-arrow and Tessera read back, strings as Utf8', async () => {
    const path = join(dir, 'all.arrow');
    expect((await rel.writeArrow(path)).rows).toBe(2 * N);
    const bytes = readFileSync(path);
    expect(bytes.toString('latin1', 0, 6)).toBe('ARROW1');
    const table = tableFromIPC(bytes);
    expect(table.numRows).toBe(2 * N);
    expect(String(table.schema.fields.find((f) => f.name === 's')!.type)).toBe('Utf8');
    expect(table.schema.fields.find((f) => f.name === 'id')!.nullable).toBe(false);
    const want = await expected();
    const ids = [...table.getChild('id')!].map(Number);
    const order = ids.map((_, k) => k).sort((p, q) => ids[p] - ids[q]);
    for (const name of ['s', 'i64', 'b', 'f64', 'i32']) {
      const col = [...table.getChild(name)!];
      expect(order.map((k) => norm(col[k])), name).toEqual(want[name]);
    }
    const days = [...table.getChild('d')!];
    expect(order.map((k) => (days[k] === null ? null : new Date(days[k] as number).toISOString().slice(0, 10)))).toEqual(want.d);
    const back = readArrowFile(path, { schema: { id: 'int32', s: 'string?' } });
    expect((await back.orderBy('id').collectRows()).map((r) => r.s)).toEqual(want.s);
  });

  it.skipIf(!hasPyarrow)('pandas reads it back', async () => {
    const path = join(dir, 'all.arrow');
    await rel.writeArrow(path);
    const pd = pandasColumns(`pd.read_feather('${path}').sort_values('id')`);
    expect(pd.s).toEqual((await expected()).s);
  });
});

describe('write errors', () => {
  it('a path that cannot be written is a SourceError naming it, for every format', async () => {
    const path = join(dir, 'no-such-dir', 'out');
    for (const write of [() => rel.writeParquet(path), () => rel.writeCsv(path), () => rel.writeArrow(path)]) {
      const e = await write().then(() => undefined, (err: unknown) => err);
      expect(e).toBeInstanceOf(SourceError);
      expect((e as Error).message).toMatch(/no-such-dir\/out: write(Parquet|Csv|Arrow): cannot open the file for writing/);
    }
  });
});
