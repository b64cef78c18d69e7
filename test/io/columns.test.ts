import { describe, expect, it } from 'vitest';
import { columnToArray } from '../../src/data/column.js';
import { SourceError, UnknownColumnError } from '../../src/errors.js';
import { columnsSource } from '../../src/io/index.js';
import type { TableSource } from '../../src/plan/source.js';

async function loadAll(source: TableSource): Promise<Record<string, unknown[]>> {
  const cols = source.schema.fields.map((f) => f.name);
  const batches = await source.load(cols);
  return Object.fromEntries(cols.map((c, i) => [c, batches.flatMap((b) => columnToArray(b.columns[i]))]));
}

const types = (s: TableSource) => Object.fromEntries(s.schema.fields.map((f) => [f.name, f.nullable ? `${f.dtype}?` : f.dtype]));

describe('columnsSource', () => {
  it('infers dtypes and nullability from plain columns', async () => {
    const d = [new Date('2024-01-01'), new Date('2024-02-29')];
    const source = columnsSource({
      price: Float64Array.of(1.5, 2.5),
      f: Float32Array.of(0.5, 1),
      n: Int32Array.of(1, 2),
      small: Int16Array.of(-3, 4),
      u: Uint32Array.of(1, 4_000_000_000),
      big: BigInt64Array.of(-5n, 2n ** 40n),
      city: ['Paris', 'Oslo'],
      flag: [true, false],
      d,
      x: [1, null],
      y: [undefined, 'a'],
    });
    expect(types(source)).toEqual({
      price: 'float64', f: 'float32', n: 'int32', small: 'int32', u: 'int64', big: 'int64',
      city: 'string', flag: 'bool', d: 'date', x: 'float64?', y: 'string?',
    });
    expect(source.stats.rowCount).toBe(2);
    expect(source.name).toBe('columns');
    expect(await loadAll(source)).toEqual({
      price: [1.5, 2.5], f: [0.5, 1], n: [1, 2], small: [-3, 4], u: [1, 4_000_000_000], big: [-5, 2 ** 40],
      city: ['Paris', 'Oslo'], flag: [true, false], d, x: [1, null], y: [null, 'a'],
    });
  });

  it('uses Float64Array, Float32Array and Int32Array without copying', async () => {
    const price = Float64Array.of(1, 2, 3);
    const n = Int32Array.of(4, 5, 6);
    const f = Float32Array.of(7, 8, 9);
    const [batch] = await columnsSource({ price, n, f }).load(['price', 'n', 'f']);
    expect(batch.columns[0].values).toBe(price);
    expect(batch.columns[1].values).toBe(n);
    expect(batch.columns[2].values).toBe(f);
  });

  it('applies declared types', async () => {
    const source = columnsSource(
      { id: [1, 2, 3], n: [10, null, 30], days: [0, 1, 2], empty: [null, null, null], v: Float64Array.of(1, 2, 3) },
      { name: 'ids', primaryKey: ['id'], types: { id: 'int32', n: 'int64?', days: 'date', empty: 'string?', v: 'int64' } },
    );
    expect(types(source)).toEqual({ id: 'int32', n: 'int64?', days: 'date', empty: 'string?', v: 'int64' });
    expect(source.schema.primaryKey).toEqual(['id']);
    const got = await loadAll(source);
    expect(got.n).toEqual([10, null, 30]);
    expect(got.days).toEqual([new Date(0), new Date(86_400_000), new Date(2 * 86_400_000)]);
    expect(got.empty).toEqual([null, null, null]);
  });

  it('reports columns of different lengths, with both lengths', () => {
    expect(() => columnsSource({ a: [1, 2, 3], b: ['x'] })).toThrow(SourceError);
    expect(() => columnsSource({ a: [1, 2, 3], b: ['x'] })).toThrow(/column 'b' has 1 rows but column 'a' has 3/);
  });

  it('reports a column that mixes types, naming the column and the first offending row', () => {
    expect(() => columnsSource({ a: [1, 2, 'three', 4] })).toThrow(/column 'a', row 2: expected number.*found string/);
    expect(() => columnsSource({ ok: [1], b: [true, null, 1] as unknown[] })).toThrow(SourceError);
  });

  it('rejects values that do not fit a declared type', () => {
    expect(() => columnsSource({ a: [1, 2.5] }, { types: { a: 'int32' } })).toThrow(/column 'a', row 1: 2.5 is not a valid int32/);
    expect(() => columnsSource({ a: [1, null] }, { types: { a: 'float64' } })).toThrow(/column 'a'.*not nullable.*row 1/);
    expect(() => columnsSource({ a: [2n ** 60n] })).toThrow(/beyond ±2\^53/);
    expect(() => columnsSource({ a: [null, null] })).toThrow(/column 'a' has no non-null value/);
    expect(() => columnsSource({ a: [1] }, { types: { b: 'int32' } })).toThrow(UnknownColumnError);
    expect(() => columnsSource({ a: [1] }, { primaryKey: ['id'] })).toThrow(UnknownColumnError);
  });
});
