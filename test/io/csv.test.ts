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
    const notNull = csvSource(csvFile('id\n1\n\n', 'nn.csv'), { schema: { id: 'int32' }, header: true });
    expect(await notNull.load(['id'])).toHaveLength(1); // blank lines are skipped, not null rows
    const nullErr = await sourceError(() => csvSource(csvFile('id,x\n1,\n', 'nn2.csv'), { schema: { id: 'int32', x: 'int32' } }).load(['x']));
    expect(nullErr.message).toMatch(/nn2\.csv: line 2, column 'x': null value/);
    const int32 = await sourceError(() => csvSource(csvFile('n\n3000000000\n', 'i.csv'), { schema: { n: 'int32' } }).load(['n']));
    expect(int32.message).toMatch(/i\.csv: line 2, column 'n': cannot parse '3000000000' as int32/);
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
