import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { makeBatch } from '../../src/data/batch.js';
import { columnToArray, makeColumn } from '../../src/data/column.js';
import { SourceError, UnknownColumnError } from '../../src/errors.js';
import { arrowTableSource, batchesToArrow } from '../../src/io/index.js';
import type { TableSource } from '../../src/plan/source.js';

const DAY = 86_400_000;
const N = 20;
const rows = Array.from({ length: N }, (_, i) => i);
const maybe = <T>(i: number, v: T): T | null => (i % 4 === 1 ? null : v);

/** Expected JS values per column (as columnToArray gives them) and the Arrow table holding them. */
const expected: Record<string, unknown[]> = {
  f64: rows.map((i) => maybe(i, i * 1.5)),
  f32: rows.map((i) => i / 4),
  i32: rows.map((i) => maybe(i, i - 10)),
  i8: rows.map((i) => i - 5),
  i16: rows.map((i) => i * 100),
  u8: rows.map((i) => i),
  u16: rows.map((i) => i * 1000),
  u32: rows.map((i) => 4_000_000_000 + i),
  i64: rows.map((i) => maybe(i, 2 ** 52 + i)),
  u64: rows.map((i) => i * 3),
  bool: rows.map((i) => maybe(i, i % 3 === 0)),
  utf8: rows.map((i) => maybe(i, `s${i % 5}é`)),
  large: rows.map((i) => `L${i}`),
  dict: rows.map((i) => maybe(i, ['red', 'green', 'blue'][i % 3])),
  dict8: rows.map((i) => ['x', 'y'][i % 2]),
  day: rows.map((i) => maybe(i, new Date((19000 + i) * DAY))),
  ms: rows.map((i) => new Date((19000 + i) * DAY)),
};

function makeTable(): arrow.Table {
  const big = (xs: unknown[]) => xs.map((x) => (x === null ? null : BigInt(x as number)));
  const v = <T extends arrow.DataType>(xs: unknown[], t: T) => arrow.vectorFromArray(xs as never[], t);
  return new arrow.Table({
    f64: v(expected.f64, new arrow.Float64()),
    f32: v(expected.f32, new arrow.Float32()),
    i32: v(expected.i32, new arrow.Int32()),
    i8: v(expected.i8, new arrow.Int8()),
    i16: v(expected.i16, new arrow.Int16()),
    u8: v(expected.u8, new arrow.Uint8()),
    u16: v(expected.u16, new arrow.Uint16()),
    u32: v(expected.u32, new arrow.Uint32()),
    i64: v(big(expected.i64), new arrow.Int64()),
    u64: v(big(expected.u64), new arrow.Uint64()),
    bool: v(expected.bool, new arrow.Bool()),
    utf8: v(expected.utf8, new arrow.Utf8()),
    large: v(expected.large, new arrow.LargeUtf8()),
    dict: v(expected.dict, new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())),
    dict8: v(expected.dict8, new arrow.Dictionary(new arrow.Utf8(), new arrow.Int8())),
    day: v(expected.day, new arrow.DateDay()),
    ms: v(expected.ms, new arrow.DateMillisecond()),
  });
}

const names = Object.keys(expected);

async function loadAll(source: TableSource, cols = names): Promise<Record<string, unknown[]>> {
  const batches = await source.load(cols);
  const out: Record<string, unknown[]> = {};
  cols.forEach((c, i) => (out[c] = batches.flatMap((b) => columnToArray(b.columns[i]))));
  return out;
}

/** An Arrow table's columns as JS values (dates as Date, 64-bit ints as numbers). */
function arrowValues(table: arrow.Table): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const f of table.schema.fields) {
    const col = table.getChild(f.name)!;
    out[f.name] = Array.from({ length: table.numRows }, (_, i) => {
      const x = col.get(i);
      if (typeof x === 'bigint') return Number(x);
      return arrow.DataType.isDate(f.type) && x !== null ? new Date(x) : x;
    });
  }
  return out;
}

describe('arrowTableSource', () => {
  it('maps every supported Arrow type to a dtype and reads the values', async () => {
    const source = arrowTableSource(makeTable(), { name: 't', primaryKey: ['u8'] });
    expect(source.stats.rowCount).toBe(N);
    expect(source.schema.primaryKey).toEqual(['u8']);
    expect(Object.fromEntries(source.schema.fields.map((f) => [f.name, f.dtype]))).toEqual({
      f64: 'float64', f32: 'float32', i32: 'int32', i8: 'int32', i16: 'int32', u8: 'int32', u16: 'int32',
      u32: 'int64', i64: 'int64', u64: 'int64', bool: 'bool', utf8: 'string', large: 'string', dict: 'string',
      dict8: 'string', day: 'date', ms: 'date',
    });
    expect(source.schema.fields.find((f) => f.name === 'f64')!.nullable).toBe(true);
    expect(await loadAll(source)).toEqual(expected);
  });

  it('loads only the requested columns, in the requested order', async () => {
    const source = arrowTableSource(makeTable());
    const [batch] = await source.load(['dict', 'f64']);
    expect(batch.columns.map((c) => c.dtype)).toEqual(['string', 'float64']);
    await expect(source.load(['nope'])).rejects.toThrow(UnknownColumnError);
  });

  it('shares the Arrow buffers of float64, int32, date and dictionary-index columns (zero-copy)', async () => {
    const table = makeTable();
    const [batch] = await arrowTableSource(table).load(['f64', 'i32', 'day', 'dict']);
    for (const [i, name] of ['f64', 'i32', 'day', 'dict'].entries()) {
      expect(batch.columns[i].values.buffer).toBe(table.getChild(name)!.data[0].values.buffer);
    }
  });

  it('honours the offsets of a sliced table (values, validity bitmaps and bools)', async () => {
    const sliced = makeTable().slice(3, 10);
    const source = arrowTableSource(sliced);
    expect(source.stats.rowCount).toBe(7);
    const want = Object.fromEntries(names.map((n) => [n, expected[n].slice(3, 10)]));
    expect(await loadAll(source)).toEqual(want);
    expect(arrowValues(batchesToArrow(source.schema, await source.load(names)))).toEqual(want);
  });

  it('gives one batch per record batch of a multi-chunk table', async () => {
    const t = makeTable();
    const table = t.concat(t.slice(5, 9));
    const source = arrowTableSource(table);
    const batches = await source.load(names);
    expect(batches.map((b) => b.length)).toEqual([N, 4]);
    const want = Object.fromEntries(names.map((n) => [n, [...expected[n], ...expected[n].slice(5, 9)]]));
    expect(await loadAll(source)).toEqual(want);
  });

  it('rejects unsupported types, 64-bit values beyond 2^53 and unknown primary keys', async () => {
    const ts = new arrow.Table({ when: arrow.vectorFromArray([1n], new arrow.TimestampMillisecond()) });
    expect(() => arrowTableSource(ts)).toThrow(SourceError);
    expect(() => arrowTableSource(ts)).toThrow(/column 'when'.*Timestamp.*unsupported/);
    const list = arrow.tableFromArrays({ ok: Float64Array.of(1) });
    expect(() => arrowTableSource(list, { primaryKey: ['id'] })).toThrow(UnknownColumnError);
    const huge = new arrow.Table({ big: arrow.vectorFromArray([1n, 2n ** 60n], new arrow.Int64()) });
    await expect(arrowTableSource(huge).load(['big'])).rejects.toThrow(/column 'big'.*2\^53/);
    const edge = new arrow.Table({ e: arrow.vectorFromArray([2n ** 53n, -(2n ** 53n)], new arrow.Int64()) });
    expect(columnToArray((await arrowTableSource(edge).load(['e']))[0].columns[0])).toEqual([2 ** 53, -(2 ** 53)]);
  });
});

describe('batchesToArrow', () => {
  it('round-trips arrow → source → arrow, with nulls, for every type', async () => {
    const source = arrowTableSource(makeTable());
    const out = batchesToArrow(source.schema, await source.load(names));
    expect(out.numRows).toBe(N);
    expect(out.batches.length).toBe(1);
    expect(String(out.schema.fields.find((f) => f.name === 'utf8')!.type)).toBe('Dictionary<Int32, Utf8>');
    expect(String(out.schema.fields.find((f) => f.name === 'i64')!.type)).toBe('Int64');
    expect(out.getChild('f64')!.nullCount).toBe(5);
    expect(arrowValues(out)).toEqual(expected);
    // float64 columns go back out without a copy.
    const [batch] = await source.load(['f64']);
    const again = batchesToArrow({ fields: [source.schema.fields[0]] }, [batch]);
    expect(again.getChild('f64')!.data[0].values.buffer).toBe(batch.columns[0].values.buffer);
  });

  it('writes one record batch per non-empty batch, with one dictionary per string column', async () => {
    const schema = { fields: [{ name: 's', dtype: 'string' as const, nullable: true }, { name: 'n', dtype: 'int32' as const, nullable: false }] };
    const b1 = makeBatch([makeColumn('string', Int32Array.of(0, 1, 99), Uint8Array.of(1, 1, 0), ['a', 'b']), makeColumn('int32', Int32Array.of(1, 2, 3))]);
    const empty = makeBatch([makeColumn('string', new Int32Array(0), null, []), makeColumn('int32', new Int32Array(0))]);
    const b2 = makeBatch([makeColumn('string', Int32Array.of(1, 0), null, ['c', 'a']), makeColumn('int32', Int32Array.of(4, 5))]);
    const table = batchesToArrow(schema, [b1, empty, b2]);
    expect(table.batches.length).toBe(2);
    expect(table.getChild('s')!.data[0].dictionary).toBe(table.getChild('s')!.data[1].dictionary);
    const back = arrow.tableFromIPC(arrow.tableToIPC(table, 'file'));
    expect(arrowValues(back)).toEqual({ s: ['a', 'b', null, 'a', 'c'], n: [1, 2, 3, 4, 5] });
    expect(back.schema.fields.map((f) => f.nullable)).toEqual([true, false]);
  });

  it('gives a 0-row table with the right schema for no batches', () => {
    const schema = { fields: [{ name: 'x', dtype: 'float64' as const, nullable: false }, { name: 'd', dtype: 'date' as const, nullable: true }] };
    const table = batchesToArrow(schema, []);
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.map((f) => [f.name, String(f.type), f.nullable])).toEqual([
      ['x', 'Float64', false],
      ['d', 'Date32<DAY>', true],
    ]);
  });
});
