/**
 * Odd but valid column names, end to end. Columns named like Object.prototype members
 * (`toString`, `constructor`, `hasOwnProperty`, `valueOf`, `__proto__`) go through every
 * source, select/withColumn/filter, group-by (as keys and as aggregate names), join (as
 * keys and as other columns), orderBy, distinct, toMatrix and both collects like any other
 * name: no lookup finds Object.prototype's member instead of the column (or of its
 * absence). Two columns of one name in an Arrow table or file are a SourceError naming
 * the column (as a repeated CSV header is), not an untyped error or an unreachable column.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import * as arrow from 'apache-arrow';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceError, UnknownColumnError } from '../../src/errors.js';
import { fromArrow, fromColumns, readArrowFile, readCsv, readParquet } from '../../src/index.js';

const NAMES = ['toString', 'constructor', 'hasOwnProperty', 'valueOf', '__proto__'] as const;
const dir = mkdtempSync(join(tmpdir(), 'tessera-odd-names-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An object with exactly these own enumerable properties (a literal's `__proto__:` would set the prototype instead). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function record(entries: readonly (readonly [string, unknown])[]): Record<string, any> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

/** An Arrow table with these fields (arrow's own builders take a plain object, which loses `__proto__`, and cannot repeat a name). */
function arrowTable(fields: readonly (readonly [string, Int32Array | string[]])[]): arrow.Table {
  const schema = new arrow.Schema(fields.map(([name, v]) => new arrow.Field(name, v instanceof Int32Array ? new arrow.Int32() : new arrow.Utf8(), false)));
  const children = fields.map(([, v]) => (v instanceof Int32Array ? arrow.vectorFromArray(v) : arrow.vectorFromArray(v, new arrow.Utf8())).data[0]);
  const data = arrow.makeData({ type: new arrow.Struct(schema.fields), length: children[0].length, nullCount: 0, children });
  return new arrow.Table(schema, [new arrow.RecordBatch(schema, data)]);
}

const parquet = join(dir, 'names.parquet');
beforeAll(async () => {
  const instance = await DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  try {
    const cols = NAMES.map((n, i) => `(i + ${i})::INTEGER AS "${n}"`).join(', ');
    await con.run(`COPY (SELECT ${cols}, CASE WHEN i % 2 = 0 THEN 'a' ELSE 'b' END AS s FROM range(3) t(i)) TO '${parquet}' (FORMAT parquet)`);
  } finally {
    con.closeSync();
    instance.closeSync();
  }
});

describe.each(NAMES)('a column named %s', (name) => {
  const values = Int32Array.of(1, 2, 1);
  const base = () => fromColumns(record([[name, values], ['s', ['a', 'b', 'a']]])) as any;

  it('is read by every source, with or without declared types', async () => {
    const expected = [record([[name, 1], ['s', 'a']]), record([[name, 2], ['s', 'b']]), record([[name, 1], ['s', 'a']])];
    // Declared types that do not mention the column, and that do.
    expect(await (fromColumns(record([[name, values], ['s', ['a', 'b', 'a']]]), { types: {} } as never) as any).collectRows()).toEqual(expected);
    const typed = fromColumns(record([[name, values], ['s', ['a', 'b', 'a']]]), { types: record([[name, 'int64']]) } as never) as any;
    expect(typed.schema.fields.map((f: { dtype: string }) => f.dtype)).toEqual(['int64', 'string']);
    // Types naming a column that is not there are still an error, even with a prototype member's name.
    expect(() => fromColumns({ x: [1] }, { types: record([[name, 'int32']]) } as never)).toThrow(UnknownColumnError);
    const table = arrowTable([[name, values], ['s', ['a', 'b', 'a']]]);
    expect(await (fromArrow(table) as any).collectRows()).toEqual(expected);
    const ipc = join(dir, `${name}.arrow`);
    writeFileSync(ipc, arrow.tableToIPC(table, 'file'));
    expect(await (readArrowFile(ipc) as any).collectRows()).toEqual(expected);
    const csv = join(dir, `${name}.csv`);
    writeFileSync(csv, `${name},s\n1,a\n2,b\n1,a\n`);
    expect(await (readCsv(csv, { schema: record([[name, 'int32'], ['s', 'string']]) }) as any).collectRows()).toEqual(expected);
    const fromParquet = (await (readParquet(parquet) as any).collectRows()) as Record<string, unknown>[];
    expect(fromParquet.map((r) => r[name])).toEqual([0, 1, 2].map((i) => i + NAMES.indexOf(name)));
  });

  it('goes through select, withColumn, filter, orderBy and distinct', async () => {
    const rel = base();
    const selected = await rel.select(name, 's').collectRows();
    expect(selected.map((r: Record<string, unknown>) => r[name])).toEqual([1, 2, 1]);
    const computed = await rel.select((r: any) => record([[name, r[name].mul(10)]])).collectRows();
    expect(computed).toEqual([10, 20, 10].map((v) => record([[name, v]])));
    const added = await rel.withColumn('y', (r: any) => r[name].add(1)).filter((r: any) => r[name].gt(1)).collectRows();
    expect(added).toEqual([record([[name, 2], ['s', 'b'], ['y', 3]])]);
    const sorted = await rel.orderBy(name).distinct().collectRows();
    expect(sorted.map((r: Record<string, unknown>) => r[name])).toEqual([1, 2]);
  });

  it('is a group-by key and an aggregate name', async () => {
    const byName = await base().groupBy(name).agg((r: any) => ({ n: r.s.count() })).collectRows();
    expect(byName).toEqual([record([[name, 1], ['n', 2]]), record([[name, 2], ['n', 1]])]);
    const named = await base().groupBy('s').agg((r: any) => record([[name, r[name].sum()]])).collectRows();
    expect(named).toEqual([record([['s', 'a'], [name, 2]]), record([['s', 'b'], [name, 2]])]);
  });

  it('is a join key and a joined column, and collects to Arrow', async () => {
    const right = fromColumns(record([[name, Int32Array.of(1, 2)], ['y', [10, 20]]])) as any;
    for (const how of ['inner', 'left'] as const) {
      const joined = await base().join(right, name, how).collectRows();
      expect(joined.map((r: Record<string, unknown>) => [r[name], r.y])).toEqual([
        [1, 10],
        [2, 20],
        [1, 10],
      ]);
    }
    const other = NAMES.find((n) => n !== name)!;
    const dims = fromColumns(record([['s', ['a', 'b']], [other, [7, 8]]])) as any;
    const table = await base().join(dims, 's').collect();
    expect(table.schema.fields.map((f: arrow.Field) => f.name)).toEqual([name, 's', other]);
    expect(table.getChild(other)!.toArray()).toEqual(Float64Array.of(7, 8, 7));
    expect(table.getChild(name)!.toArray()).toEqual(Int32Array.of(1, 2, 1));
  });

  it('is a matrix feature, numeric and one-hot', async () => {
    const strings = fromColumns(record([[name, ['p', 'q', 'p']], ['x', [1, 2, 3]]])) as any;
    const X = await strings.toMatrix([{ onehot: name }, 'x']).collect();
    expect(X.columnNames).toEqual([`${name}=p`, `${name}=q`, 'x']);
    expect(Array.from(X.data)).toEqual([1, 0, 1, 0, 1, 2, 1, 0, 3]);
    const N = await base().toMatrix([name]).collect();
    expect(Array.from(N.data)).toEqual([1, 2, 1]);
  });

  it('is never found on Object.prototype when the relation has no such column', () => {
    const rel = fromColumns({ x: [1] }) as any;
    if (name === 'hasOwnProperty' || name === '__proto__') expect(() => rel.columns[name]).toThrow(UnknownColumnError);
    expect(() => rel.select(name)).toThrow(UnknownColumnError);
    expect(() => rel.groupBy(name)).toThrow(UnknownColumnError);
    expect(() => rel.join(fromColumns({ x: [1] }), name)).toThrow(UnknownColumnError);
  });
});

describe('two Arrow columns of one name', () => {
  const table = arrowTable([
    ['a', Int32Array.of(1, 2)],
    ['b', ['x', 'y']],
    ['a', Int32Array.of(3, 4)],
  ]);

  it('are a SourceError naming the column, from a table and from an IPC file', () => {
    expect(() => fromArrow(table, { name: 'sales' })).toThrow(SourceError);
    expect(() => fromArrow(table, { name: 'sales' })).toThrow("sales: duplicate column name 'a' (columns 1 and 3)");
    const file = join(dir, 'duplicate.arrow');
    writeFileSync(file, arrow.tableToIPC(table, 'file'));
    expect(() => readArrowFile(file)).toThrow(/duplicate column name 'a' \(columns 1 and 3\)/);
  });

  it('including a name like an Object.prototype member', () => {
    const proto = arrowTable([
      ['constructor', Int32Array.of(1)],
      ['constructor', Int32Array.of(2)],
    ]);
    expect(() => fromArrow(proto)).toThrow("arrow: duplicate column name 'constructor' (columns 1 and 2)");
  });
});
