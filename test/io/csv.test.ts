import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { columnToArray } from '../../src/data/column.js';
import { SourceError } from '../../src/errors.js';
import { csvSource } from '../../src/io/index.js';
import type { TableSource } from '../../src/plan/source.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
function csvFile(text: string, name = `f${++fileNo}.csv`): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function loadAll(source: TableSource): Promise<Record<string, unknown[]>> {
  const cols = source.schema.fields.map((f) => f.name);
  const batches = await source.load(cols);
  return Object.fromEntries(cols.map((c, i) => [c, batches.flatMap((b) => columnToArray(b.columns[i]))]));
}
const types = (s: TableSource) => Object.fromEntries(s.schema.fields.map((f) => [f.name, f.nullable ? `${f.dtype}?` : f.dtype]));
const day = (s: string) => new Date(`${s}T00:00:00Z`);

/** The SourceError `fn` throws (synchronously or from a load). */
async function sourceError(fn: () => unknown): Promise<SourceError> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SourceError);
    return e as SourceError;
  }
  throw new Error('expected a SourceError');
}

describe('csvSource', () => {
  it('infers int32, int64, float64, bool, date and string columns, nullable where a value is empty', async () => {
    const path = csvFile(
      'i,big,f,b,d,s,mixed,n\n' +
        '1,3000000000,1.5,true,2024-01-31,x,1,\n' +
        '-2,4,2,FALSE,2024-02-29,y,true,\n' +
        '3,-5,1e3,false,1999-12-31,,2024-01-01,\n',
    );
    const source = csvSource(path);
    expect(source.name).toBe(path.split('/').pop());
    expect(source.stats.rowCount).toBe(3);
    expect(types(source)).toEqual({
      i: 'int32', big: 'int64', f: 'float64', b: 'bool', d: 'date', s: 'string?', mixed: 'string', n: 'string?',
    });
    expect(await loadAll(source)).toEqual({
      i: [1, -2, 3],
      big: [3_000_000_000, 4, -5],
      f: [1.5, 2, 1000],
      b: [true, false, false],
      d: [day('2024-01-31'), day('2024-02-29'), day('1999-12-31')],
      s: ['x', 'y', null],
      mixed: ['1', 'true', '2024-01-01'],
      n: [null, null, null],
    });
  });

  it('accepts only calendar dates as dates, in any year', async () => {
    expect(types(csvSource(csvFile('d\n2023-02-29\n')))).toEqual({ d: 'string' });
    const source = csvSource(csvFile('d\n0024-03-01\n1900-02-28\n2400-02-29\n'));
    expect((await loadAll(source)).d).toEqual([day('0024-03-01'), day('1900-02-28'), day('2400-02-29')]);
  });

  it('parses quoted fields, escaped quotes, embedded newlines and CRLF line ends', async () => {
    const path = csvFile('id,text,note\r\n1,"a, b","say ""hi"""\r\n2,"line1\r\nline2",plain\r\n3,"",x\r\n');
    const source = csvSource(path);
    expect(types(source)).toEqual({ id: 'int32', text: 'string', note: 'string' });
    expect(await loadAll(source)).toEqual({
      id: [1, 2, 3],
      text: ['a, b', 'line1\r\nline2', ''], // a quoted empty field is an empty string, not null
      note: ['say "hi"', 'plain', 'x'],
    });
  });

  it('honours delimiter, header: false, nullValues and a missing final newline', async () => {
    const path = csvFile('1;NA;a\n2;3.5;NA');
    const source = csvSource(path, { delimiter: ';', header: false, nullValues: ['NA'] });
    expect(types(source)).toEqual({ column0: 'int32', column1: 'float64?', column2: 'string?' });
    expect(await loadAll(source)).toEqual({ column0: [1, 2], column1: [null, 3.5], column2: ['a', null] });
  });

  it('reads declared schemas by header name, building only the requested columns', async () => {
    const path = csvFile('a,b,c\n1,x,2024-05-01\n2,,2024-05-02\n');
    const source = csvSource(path, { schema: { c: 'date', a: 'float64', b: 'string?' }, primaryKey: ['a'] });
    expect(types(source)).toEqual({ c: 'date', a: 'float64', b: 'string?' });
    expect(source.schema.primaryKey).toEqual(['a']);
    const [batch] = await source.load(['b', 'a']);
    expect(batch.columns.map(columnToArray)).toEqual([['x', null], [1, 2]]);
    expect(batch.columns[1].values).toBeInstanceOf(Float64Array);
    const err = await sourceError(() => csvSource(path, { schema: { z: 'int32' } }));
    expect(err.message).toMatch(/declared column 'z' is not in the file/);
  });

  it('gives 0 rows for a header-only file', async () => {
    const source = csvSource(csvFile('a,b\n'));
    expect(source.stats.rowCount).toBe(0);
    expect(source.schema.fields.map((f) => f.name)).toEqual(['a', 'b']);
    expect(await source.load(['a', 'b'])).toEqual([]);
  });

  it('reports a row with the wrong number of fields, with file, line and column', async () => {
    const path = csvFile('a,b,c\n1,2,3\n\n4,5\n', 'short.csv');
    const err = await sourceError(() => csvSource(path));
    expect(err.message).toContain('short.csv');
    expect(err.message).toMatch(/line 4: expected 3 fields, found 2 \(column 'c' is missing\)/);
    const long = await sourceError(() => csvSource(csvFile('a,b\n1,2,3\n')));
    expect(long.message).toMatch(/line 2: expected 2 fields, found 3 \(extra field after column 'b'\)/);
  });

  it('reports an unparsable value of a declared type, with file, line and column', async () => {
    const path = csvFile('id,price\n1,2.5\n2,"multi\nline"\n3,abc\n', 'prices.csv');
    const source = csvSource(path, { schema: { id: 'int32', price: 'string' } });
    expect(source.stats.rowCount).toBe(3);
    const bad = csvSource(csvFile('id,price\n1,2.5\n2,3\n3,abc\n', 'bad.csv'), { schema: { id: 'int32', price: 'float64' } });
    const err = await sourceError(() => bad.load(['price']));
    expect(err.message).toMatch(/bad\.csv: line 4, column 'price': cannot parse 'abc' as float64/);
    // In a one-column file a blank line is a null row, which a non-nullable column refuses.
    const notNull = csvSource(csvFile('id\n1\n\n', 'nn.csv'), { schema: { id: 'int32' }, header: true });
    expect(notNull.stats.rowCount).toBe(2);
    expect((await sourceError(() => notNull.load(['id']))).message).toMatch(/nn\.csv: column 'id' is declared int32 \(not nullable\), but row 1 \(line 3\) is null/);
    const nullErr = await sourceError(() => csvSource(csvFile('id,x\n1,\n', 'nn2.csv'), { schema: { id: 'int32', x: 'int32' } }).load(['x']));
    expect(nullErr).toMatchObject({ name: 'NullValueError', column: 'x', row: 0, line: 2 });
    const int32 = await sourceError(() => csvSource(csvFile('n\n3000000000\n', 'i.csv'), { schema: { n: 'int32' } }).load(['n']));
    expect(int32.message).toMatch(/i\.csv: line 2, column 'n': cannot parse '3000000000' as int32 \(outside the int32 range\)/);
  });

  it('reports an unterminated quote, with file, line and column', async () => {
    const path = csvFile('a,b\n1,x\n2,"open\nmore\n', 'quote.csv');
    const err = await sourceError(() => csvSource(path));
    expect(err.message).toMatch(/quote\.csv: line 3, column 'b': unterminated quoted field/);
    const after = await sourceError(() => csvSource(csvFile('a,b\n"x"y,1\n', 'after.csv')));
    expect(after.message).toMatch(/after\.csv: line 2, column 'a': unexpected character after a closing quote/);
  });

  it('reports a missing file and a duplicate header name', async () => {
    expect((await sourceError(() => csvSource(join(dir, 'missing.csv')))).message).toMatch(/missing\.csv: cannot read file/);
    expect((await sourceError(() => csvSource(csvFile('a,a\n1,2\n', 'dup.csv')))).message).toMatch(/dup\.csv: line 1: duplicate column name 'a'/);
  });
});

/** DuckDB's read_csv of `path` (sniffed dialect and types), as JS values with BIGINTs as numbers. */
async function duckRead(path: string, options = ''): Promise<Record<string, unknown[]>> {
  const instance = await DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  try {
    const cols = (await con.runAndReadAll(`SELECT * FROM read_csv('${path}'${options})`)).getColumnsObjectJS() as Record<string, unknown[]>;
    return Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, v.map((x) => (typeof x === 'bigint' ? Number(x) : x))]));
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

/** DuckDB's own error for `path`, or null when it reads it. */
async function duckError(path: string): Promise<string | null> {
  try {
    await duckRead(path);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

describe('csvSource blank lines (as DuckDB reads them)', () => {
  it('reads a blank line of a one-column file as a null row, and a final line end as no row', async () => {
    const texts = [
      'a\n1\n\n3\n',
      'a\n1\n\n3', // no final line end
      'a\n1\n\n\n3\n',
      'a\n\n1\n3\n', // right after the header
      'a\n1\n3\n\n', // a blank last line, then the final line end
      'a\r\n1\r\n\r\n3\r\n',
      'a\r1\r\r3\r',
      '\na\n1\n\n3\n', // a blank line before the header is skipped
    ];
    for (const text of texts) {
      const path = csvFile(text);
      const ours = await loadAll(csvSource(path));
      expect(ours, JSON.stringify(text)).toEqual(await duckRead(path));
    }
    expect(await loadAll(csvSource(csvFile('a\n1\n\n3\n')))).toEqual({ a: [1, null, 3] });
    expect(types(csvSource(csvFile('a\n1\n\n3\n')))).toEqual({ a: 'int32?' });
    expect(await loadAll(csvSource(csvFile('a\n\n')))).toEqual({ a: [null] });
    expect(csvSource(csvFile('a\n')).stats.rowCount).toBe(0);
    // Without a header too, after the first row.
    const headless = csvFile('\n1\n\n2\n');
    expect(await loadAll(csvSource(headless, { header: false }))).toEqual({ column0: [1, null, 2] });
    expect((await duckRead(headless, ', header=false')).column0).toEqual([1, null, 2]);
    // An empty line is an empty field: null only while '' is a null value.
    expect(await loadAll(csvSource(csvFile('s\nx\n\ny\n'), { nullValues: ['NA'] }))).toEqual({ s: ['x', '', 'y'] });
  });

  it('round-trips the nulls of a one-column file that DuckDB writes', async () => {
    const path = join(dir, 'duck-written.csv');
    const instance = await DuckDBInstance.create(':memory:');
    const con = await instance.connect();
    await con.run(`COPY (SELECT CASE WHEN i % 3 = 1 THEN NULL ELSE i END AS v FROM range(7) t(i)) TO '${path}' (HEADER)`);
    con.closeSync();
    instance.closeSync();
    expect(await loadAll(csvSource(path))).toEqual({ v: [0, null, 2, 3, null, 5, 6] });
  });

  it('skips blank lines in a file of several columns, as DuckDB does', async () => {
    for (const text of ['a,b\n1,2\n\n3,4\n', 'a,b\n1,2\n\n3,4\n\n', 'a,b\n\n1,2\n', 'a,b\r\n1,2\r\n\r\n3,4\r\n', 'a,b\n1,2\n,\n3,4\n']) {
      const path = csvFile(text);
      expect(await loadAll(csvSource(path)), JSON.stringify(text)).toEqual(await duckRead(path));
    }
    expect(await loadAll(csvSource(csvFile('a,b\n1,2\n\n3,4\n')))).toEqual({ a: [1, 3], b: [2, 4] });
  });
});

describe('csvSource line ends', () => {
  it('reads a file whose lines end in CR alone as rows, as DuckDB does', async () => {
    const path = csvFile('a,b\r1,2\r3,4\r');
    const source = csvSource(path);
    expect(types(source)).toEqual({ a: 'int32', b: 'int32' });
    expect(await loadAll(source)).toEqual({ a: [1, 3], b: [2, 4] });
    expect(await loadAll(source)).toEqual(await duckRead(path));
    expect(await loadAll(csvSource(csvFile('a,b\r1,2\r3,4')))).toEqual({ a: [1, 3], b: [2, 4] });
    // A quoted field keeps its line ends, and error lines count CRs.
    expect(await loadAll(csvSource(csvFile('a,b\r1,"x\ry"\r2,"p\nq"\r')))).toEqual({ a: [1, 2], b: ['x\ry', 'p\nq'] });
    const err = await sourceError(() => csvSource(csvFile('a,b\r1,"x\ry"\r2\r', 'cr.csv')));
    expect(err.message).toMatch(/cr\.csv: line 4: expected 2 fields, found 1/);
  });

  it('keeps reading LF and CRLF files, and CR inside quoted fields as data', async () => {
    expect(await loadAll(csvSource(csvFile('a,b\r\n1,"x\ry"\r\n3,4\r\n')))).toEqual({ a: [1, 3], b: ['x\ry', '4'] });
    expect(await loadAll(csvSource(csvFile('a,b\n1,2\r\n3,4\n')))).toEqual({ a: [1, 3], b: [2, 4] }); // LF and CRLF may mix
    expect(await loadAll(csvSource(csvFile('a\n1\n2\r')))).toEqual({ a: [1, 2] }); // a CR ends the file's last line
  });

  it('refuses a lone CR in an LF file and an LF in a CR file, rather than guess (DuckDB refuses them too)', async () => {
    const lf = csvFile('a,b\n1,x\ry\n3,z\n', 'lone-cr.csv');
    expect((await sourceError(() => csvSource(lf))).message).toMatch(/lone-cr\.csv: line 2: a carriage return outside quotes in a file whose lines end in LF or CRLF/);
    expect(await duckError(lf)).not.toBeNull();
    const one = csvFile('a\n1\r2\n', 'lone-cr1.csv'); // one column: a guess would add or drop a row
    expect((await sourceError(() => csvSource(one))).message).toMatch(/lone-cr1\.csv: line 2: a carriage return/);
    expect(await duckError(one)).not.toBeNull();
    const cr = csvFile('a,b\r1,x\ny\r', 'lone-lf.csv');
    expect((await sourceError(() => csvSource(cr))).message).toMatch(/lone-lf\.csv: line 2: a line feed outside quotes in a file whose lines end in CR alone/);
    expect(await duckError(cr)).not.toBeNull();
    const crlf = csvFile('a,b\r1,2\r\n3,4\r', 'crlf-in-cr.csv');
    expect((await sourceError(() => csvSource(crlf))).message).toMatch(/crlf-in-cr\.csv: line 2: a CRLF line end in a file whose lines end in CR alone/);
  });
});

describe('csvSource integers beyond ±2^53', () => {
  it('infers int64 for them, not float64, and refuses the load rather than merge two ids', async () => {
    const path = csvFile('id,n\n9007199254740993,1\n9007199254740992,2\n', 'ids.csv');
    // DuckDB reads two distinct BIGINTs; a float64 would make them one value.
    const duck = (await duckRead(path, ', all_varchar=true')).id;
    expect(new Set(duck).size).toBe(2);
    const source = csvSource(path);
    expect(types(source)).toEqual({ id: 'int64', n: 'int32' });
    expect(await loadAll(csvSource(path, { schema: { n: 'int32' } }))).toEqual({ n: [1, 2] }); // other columns still load
    const err = await sourceError(() => source.load(['id']));
    expect(err.message).toMatch(/ids\.csv: line 2, column 'id': cannot parse '9007199254740993' as int64 \(beyond ±2\^53, the exact range of int64/);
    // Beyond the int64 range too (DuckDB would read a rounded DOUBLE there).
    const huge = csvSource(csvFile('id\n1\n99999999999999999999\n', 'huge.csv'));
    expect(types(huge)).toEqual({ id: 'int64' });
    expect((await sourceError(() => huge.load(['id']))).message).toMatch(/huge\.csv: line 3, column 'id': cannot parse '99999999999999999999' as int64/);
    const negative = csvSource(csvFile('id\n-9007199254740993\n', 'neg.csv'));
    expect((await sourceError(() => negative.load(['id']))).message).toMatch(/neg\.csv: line 2, column 'id'/);
  });

  it('keeps ±2^53 itself, and reads such ids exactly as declared strings or, when asked, as rounded float64', async () => {
    const edge = csvSource(csvFile('id\n9007199254740992\n-9007199254740992\n+007\n'));
    expect(types(edge)).toEqual({ id: 'int64' });
    expect((await loadAll(edge)).id).toEqual([2 ** 53, -(2 ** 53), 7]);
    const path = csvFile('id\n9007199254740993\n9007199254740992\n');
    expect((await loadAll(csvSource(path, { schema: { id: 'string' } }))).id).toEqual(['9007199254740993', '9007199254740992']);
    expect((await loadAll(csvSource(path, { schema: { id: 'float64' } }))).id).toEqual([2 ** 53, 2 ** 53]);
    const declared = await sourceError(() => csvSource(path, { schema: { id: 'int64' } }).load(['id']));
    expect(declared.message).toMatch(/line 2, column 'id': cannot parse '9007199254740993' as int64 \(beyond ±2\^53/);
    // A column with a fraction stays float64, as in DuckDB.
    expect(types(csvSource(csvFile('x\n1.5\n9007199254740993\n')))).toEqual({ x: 'float64' });
  });
});
