import { describe, expect, expectTypeOf, it } from 'vitest';
import { type Relation, TesseraError, count, fromColumns, lit, readCsv, when } from '../../src/index.js';

/**
 * Type-level tests: column names and types flow through TypeScript. `npm test` runs
 * the type-check, so every `@ts-expect-error` below must really be an error; the same
 * statements also fail at plan-build time with a typed error, for JavaScript callers.
 */

const sales = fromColumns({
  store: Int32Array.from([1, 2]),
  units: Float64Array.from([3, 4]),
  promo: [true, null],
  note: ['a', null],
});
const stores = fromColumns({ store: Int32Array.from([1]), city: ['Paris'], size: [120] });

type SchemaOf<R> = R extends Relation<infer S> ? S : never;

describe('relation types', () => {
  it('infers column types from plain columns', () => {
    expectTypeOf<SchemaOf<typeof sales>>().toEqualTypeOf<{ store: 'int32'; units: 'float64'; promo: 'bool?'; note: 'string?' }>();
  });

  it('rejects misspelt columns and mixed-type comparisons', () => {
    expect(() =>
      // @ts-expect-error no column 'unitz'
      sales.filter((r) => r.unitz.gt(1)),
    ).toThrow(TesseraError);
    expect(() =>
      // @ts-expect-error a string compared with a number
      sales.filter((r) => r.note.eq(3)),
    ).toThrow(TesseraError);
    expect(() =>
      // @ts-expect-error arithmetic on a string
      sales.select((r) => ({ x: r.note.add(1) })),
    ).toThrow(TesseraError);
    expect(() =>
      // @ts-expect-error a filter needs a boolean
      sales.filter((r) => r.units),
    ).toThrow(TesseraError);
    expect(() =>
      // @ts-expect-error select of an unknown column
      sales.select('city'),
    ).toThrow(TesseraError);
    sales.filter((r) => r.units.gt(1).and(r.note.eq('a')));
  });

  it('derives expression types', () => {
    const p = sales.select((r) => ({
      total: r.units.mul(r.store),
      half: r.store.div(2),
      wide: r.store.add(r.store),
      big: r.units.gt(3),
      flag: r.promo.and(r.units.gt(1)),
      filled: r.note.coalesce('none'),
      asText: r.store.cast('string'),
      parsed: r.note.cast('int32'),
      bucket: when(r.units.gt(3), lit('big', 'string')).otherwise('small'),
    }));
    expectTypeOf<SchemaOf<typeof p>>().toEqualTypeOf<{
      total: 'float64';
      half: 'float64';
      wide: 'int64';
      big: 'bool';
      flag: 'bool?';
      filled: 'string';
      asText: 'string';
      parsed: 'int32?';
      bucket: 'string';
    }>();
  });

  it('gives exact join result types, nullable on the outer side', () => {
    const inner = sales.join(stores, 'store');
    expectTypeOf<SchemaOf<typeof inner>>().toEqualTypeOf<{ store: 'int32'; units: 'float64'; promo: 'bool?'; note: 'string?'; city: 'string'; size: 'float64' }>();
    const left = sales.join(stores, 'store', 'left');
    expectTypeOf<SchemaOf<typeof left>>().toEqualTypeOf<{ store: 'int32'; units: 'float64'; promo: 'bool?'; note: 'string?'; city: 'string?'; size: 'float64?' }>();
    const semi = sales.join(stores, 'store', 'semi');
    expectTypeOf<SchemaOf<typeof semi>>().toEqualTypeOf<SchemaOf<typeof sales>>();
  });

  it('rejects joins with colliding columns or mismatched key types', () => {
    const other = fromColumns({ store: ['x'], units: [1] });
    expect(() =>
      // @ts-expect-error 'units' exists on both sides
      sales.join(fromColumns({ store: Int32Array.from([1]), units: [1] }), 'store'),
    ).toThrow(TesseraError);
    expect(() =>
      // @ts-expect-error key 'store' is int32 on the left and string on the right
      sales.join(fromColumns({ store: ['x'], extra: [1] }), 'store'),
    ).toThrow(TesseraError);
    expect(() =>
      // @ts-expect-error no common column 'city'
      sales.join(stores, 'city'),
    ).toThrow(TesseraError);
    void other;
  });

  it('gives exact aggregate result types', () => {
    const g = sales.groupBy('store').agg((r) => ({ n: count(), total: r.units.sum(), avg: r.units.mean(), lo: r.note.min(), kinds: r.note.countDistinct(), ints: r.store.sum() }));
    expectTypeOf<SchemaOf<typeof g>>().toEqualTypeOf<{ store: 'int32'; n: 'int64'; total: 'float64?'; avg: 'float64?'; lo: 'string?'; kinds: 'int64'; ints: 'int64?' }>();
    expect(() =>
      // @ts-expect-error mean of a string
      sales.groupBy('store').agg((r) => ({ m: r.note.mean() })),
    ).toThrow(TesseraError);
    expect(() =>
      // @ts-expect-error group by an unknown column
      sales.groupBy('nope'),
    ).toThrow(TesseraError);
  });

  it('dropNulls types the named columns non-null, and its rows hold no null there', async () => {
    const clean = sales.dropNulls('promo', 'note');
    expectTypeOf<SchemaOf<typeof clean>>().toEqualTypeOf<{ store: 'int32'; units: 'float64'; promo: 'bool'; note: 'string' }>();
    expect(await clean.collectRows()).toEqual([{ store: 1, units: 3, promo: true, note: 'a' }]);
    expect(() =>
      // @ts-expect-error no column 'nope'
      sales.dropNulls('nope'),
    ).toThrow(TesseraError);
  });

  it('keeps the schema through sort, limit, distinct and union', () => {
    const s = sales.orderBy((r) => [r.units.desc(), r.note.asc({ nulls: 'first' })]).limit(5).distinct().unionAll(sales);
    expectTypeOf<SchemaOf<typeof s>>().toEqualTypeOf<SchemaOf<typeof sales>>();
    expect(() =>
      // @ts-expect-error union of different schemas
      sales.unionAll(stores),
    ).toThrow(TesseraError);
  });

  it('types files by their declared schema, and accepts any column otherwise', () => {
    const typed = () => readCsv('x.csv', { schema: { id: 'int32', price: 'float64?' } });
    expectTypeOf<SchemaOf<ReturnType<typeof typed>>>().toEqualTypeOf<{ id: 'int32'; price: 'float64?' }>();
    const untyped = () => readCsv('x.csv').filter((r) => r.anything.gt(1));
    expectTypeOf(untyped).returns.toMatchTypeOf<Relation<any>>();
  });
});
