import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type Expr,
  ExecutionError,
  PlanError,
  type Relation,
  type SchemaSpec,
  TypeMismatchError,
  fromColumns,
  lit,
  when,
} from '../../src/index.js';
import { formatColumnType } from '../../src/types/dtype.js';

/**
 * The DSL's compile-time types against the run-time schema and results: every case
 * states the type (`expectTypeOf`, `@ts-expect-error`, enforced by the type-check that
 * `npm test` runs) and checks that the plan has the same schema, or fails with a typed
 * error where the type rejects the statement.
 */

type SchemaOf<R> = R extends Relation<infer S> ? S : never;
type SpecOfExpr<E> = E extends Expr<infer C> ? C : never;

/** The run-time schema as ColSpecs. */
const runtimeSchema = (rel: Relation<any>): Record<string, string> => Object.fromEntries(rel.schema.fields.map((f) => [f.name, formatColumnType(f)]));
const rowsOf = async (rel: Relation<any>) => rel.collectRows();

const ints = fromColumns({ x: Int32Array.from([1, 2, 3]), n: [1, null, 3], c: ['a', 'b', 'c'] }, { types: { n: 'int32?' } });
/** An int64 column (Uint32Array is read as int64). */
const wide = fromColumns({ y: Uint32Array.from([1, 4_000_000_000]) });
const floats = fromColumns({ f: Float32Array.from([0.1, 0.25, 0.5]), d: [0.1, 0.25, 0.5] });

describe('1. integer literals do not overflow', () => {
  it('an integer literal outside int32 next to an int32 column is int64', async () => {
    const kept = ints.filter((r) => r.x.lt(3_000_000_000));
    expect(await rowsOf(kept)).toHaveLength(3);
    expect(ints.columns.x.lt(3_000_000_000).node).toMatchObject({ right: { kind: 'literal', type: { dtype: 'int64' } } });
    expect(ints.columns.x.lt(2_147_483_647).node).toMatchObject({ right: { kind: 'literal', type: { dtype: 'int32' } } });
    expect(ints.columns.x.gt(-2_147_483_648).node).toMatchObject({ right: { kind: 'literal', type: { dtype: 'int32' } } });
    expect(ints.columns.x.gt(-2_147_483_649).node).toMatchObject({ right: { kind: 'literal', type: { dtype: 'int64' } } });

    const p = ints.select((r) => ({ sum: r.x.add(3e9), rem: r.x.mod(3_000_000_000), small: r.x.mod(2), far: r.x.coalesce(3e9) }));
    expectTypeOf<SchemaOf<typeof p>>().toEqualTypeOf<{ sum: 'int64'; rem: 'int64?'; small: 'int32?'; far: 'int64' }>();
    expect(runtimeSchema(p)).toEqual({ sum: 'int64', rem: 'int64?', small: 'int32?', far: 'int64' });
    expect((await rowsOf(p)).map((row) => row.sum)).toEqual([3_000_000_001, 3_000_000_002, 3_000_000_003]);
  });

  it('an integer literal beyond ±2^53 next to an integer column is a TypeMismatchError naming the operation and the literal', () => {
    expect(() =>
      // @ts-expect-error beyond the exact range of int64
      wide.filter((r) => r.y.lt(9_007_199_254_740_994)),
    ).toThrow(TypeMismatchError);
    expect(() =>
      // @ts-expect-error beyond the exact range of int64
      ints.select((r) => ({ v: r.x.add(1e22) })),
    ).toThrow(/^add: literal 1e\+22/);
    expect(() =>
      // @ts-expect-error beyond the exact range of int64
      ints.select((r) => ({ v: r.x.coalesce(0, 1e300) })),
    ).toThrow(/^coalesce: literal 1e\+300/);
    expect(() =>
      // @ts-expect-error beyond the exact range of int64
      ints.select((r) => ({ v: when(r.x.gt(1), r.x).when(r.x.gt(2), -1e300).otherwise(0) })),
    ).toThrow(/^when: literal -1e\+300/);
    // A computed (wide `number`) value is only checked at run time.
    const computed: number = 2 ** 60;
    expect(() => wide.filter((r) => r.y.lt(computed))).toThrow(/^lt: literal 1152921504606847000 next to an operand of type int64 is beyond ±2\^53/);
    // As a float64 literal it compares fine.
    expect(() => wide.filter((r) => r.y.lt(lit(2 ** 60, 'float64')))).not.toThrow();
    // 2^53 itself is an int64.
    expect(wide.columns.y.lt(9_007_199_254_740_992).node).toMatchObject({ right: { type: { dtype: 'int64' } } });
  });

  it('lit rejects values its dtype cannot hold; lit(null, dtype) is a nullable literal', () => {
    expect(() =>
      // @ts-expect-error 2.5 is not an int32
      lit(2.5, 'int32'),
    ).toThrow(TypeMismatchError);
    expect(() =>
      // @ts-expect-error 3e9 is out of the int32 range
      lit(3e9, 'int32'),
    ).toThrow(/^lit: literal 3000000000 does not fit int32/);
    expect(() =>
      // @ts-expect-error beyond ±2^53
      lit(36_028_797_018_963_970, 'int64'),
    ).toThrow(TypeMismatchError);
    expect(() =>
      // @ts-expect-error beyond the float32 range
      lit(1e39, 'float32'),
    ).toThrow(TypeMismatchError);
    // Non-finite values are not literal types: rejected at run time.
    expect(() => lit(Infinity, 'int32')).toThrow(TypeMismatchError);
    expect(() => lit(NaN, 'int64')).toThrow(TypeMismatchError);
    expect(() => lit(new Date(Number.NaN), 'date')).toThrow(TypeMismatchError);
    expect(() => lit('x' as never, 'int32')).toThrow(TypeMismatchError);
    // What the dtypes hold is accepted.
    expectTypeOf(lit(3e9, 'int64')).toEqualTypeOf<Expr<'int64'>>();
    expectTypeOf(lit(-2_147_483_648, 'int32')).toEqualTypeOf<Expr<'int32'>>();
    expectTypeOf(lit(Infinity, 'float64')).toEqualTypeOf<Expr<'float64'>>();
    expect(lit(0.1, 'float32').node).toMatchObject({ value: Math.fround(0.1), type: { dtype: 'float32', nullable: false } });

    const nul = lit(null, 'int32');
    expectTypeOf(nul).toEqualTypeOf<Expr<'int32?'>>();
    expect(nul.node.type).toEqual({ dtype: 'int32', nullable: true });
    const maybe = (v: number | null) => lit(v, 'int32');
    expectTypeOf(maybe).returns.toEqualTypeOf<Expr<'int32' | 'int32?'>>();
    const p = ints.select((r) => ({ z: lit(null, 'string'), k: lit(7, 'int32'), sum: r.x.add(lit(null, 'int64')) }));
    expectTypeOf<SchemaOf<typeof p>>().toEqualTypeOf<{ z: 'string?'; k: 'int32'; sum: 'int64?' }>();
    expect(runtimeSchema(p)).toEqual({ z: 'string?', k: 'int32', sum: 'int64?' });
  });
});

describe('2. number operands next to float32 columns are float32', () => {
  it('compares and computes in float32, as SQL engines cast a literal to the column type', async () => {
    // 0.1 as float32 is 0.100000001490116...: a float64 literal would match no row.
    expect(await rowsOf(floats.filter((r) => r.f.eq(0.1)))).toHaveLength(1);
    expect(floats.columns.f.eq(0.1).node).toMatchObject({ right: { kind: 'literal', value: Math.fround(0.1), type: { dtype: 'float32' } } });
    // A float64 expression still widens.
    expect(await rowsOf(floats.filter((r) => r.f.eq(r.d)))).toHaveLength(2);

    const p = floats.select((r) => ({ plus: r.f.add(1), half: r.f.div(2), filled: r.f.coalesce(0.5), chosen: when(r.f.gt(0.2), r.f).otherwise(0), wider: r.f.add(r.d) }));
    expectTypeOf<SchemaOf<typeof p>>().toEqualTypeOf<{ plus: 'float32'; half: 'float32'; filled: 'float32'; chosen: 'float32'; wider: 'float64' }>();
    expect(runtimeSchema(p)).toEqual({ plus: 'float32', half: 'float32', filled: 'float32', chosen: 'float32', wider: 'float64' });
    expect((await rowsOf(p)).map((row) => row.plus)).toEqual([Math.fround(Math.fround(0.1) + 1), 1.25, 1.5]);
  });

  it('a number beyond the float32 range is a TypeMismatchError', () => {
    expect(() =>
      // @ts-expect-error beyond the float32 range
      floats.filter((r) => r.f.lt(1e39)),
    ).toThrow(/^lt: literal 1e\+39 next to an operand of type float32/);
  });
});

describe('3. number operands take their type from the literal', () => {
  it('integral literals keep an integer column type; non-integral ones are float64', async () => {
    const p = ints.select((r) => ({
      plusInt: r.x.add(2),
      plusFrac: r.x.add(2.5),
      modInt: r.x.mod(2),
      modFrac: r.x.mod(2.5),
      coalesceInt: r.n.coalesce(0),
      coalesceFrac: r.n.coalesce(0.5),
      caseInt: when(r.x.gt(1), r.x).otherwise(0),
      caseFrac: when(r.x.gt(1), r.x).when(r.x.lt(0), 1).otherwise(0.5),
      caseBig: when(r.x.gt(1), r.x).when(r.x.lt(0), 3e9).otherwise(0),
      cmp: r.x.lt(2.5),
    }));
    const want = {
      plusInt: 'int64',
      plusFrac: 'float64',
      modInt: 'int32?',
      modFrac: 'float64?',
      coalesceInt: 'int32',
      coalesceFrac: 'float64',
      caseInt: 'int32',
      caseFrac: 'float64',
      caseBig: 'int64',
      cmp: 'bool',
    } as const;
    expectTypeOf<SchemaOf<typeof p>>().toEqualTypeOf<{ -readonly [K in keyof typeof want]: (typeof want)[K] }>();
    expect(runtimeSchema(p)).toEqual(want);
    expect((await rowsOf(p)).map((row) => row.plusFrac)).toEqual([3.5, 4.5, 5.5]);
    expect((await rowsOf(ints.filter((r) => r.x.lt(2.5))))).toHaveLength(2);
  });

  it('a computed number keeps the column type; lit(x, "float64") says the type of a non-integral one', () => {
    const k: number = 2.5;
    const typedAsColumn = ints.columns.x.add(k);
    expectTypeOf<SpecOfExpr<typeof typedAsColumn>>().toEqualTypeOf<'int64'>();
    const p = ints.select((r) => ({ v: r.x.add(lit(k, 'float64')) }));
    expectTypeOf<SchemaOf<typeof p>>().toEqualTypeOf<{ v: 'float64' }>();
    expect(runtimeSchema(p)).toEqual({ v: 'float64' });
  });

  it('coalesce unifies with Expr operands of other numeric types', () => {
    const p = ints.select((r) => ({ a: r.n.coalesce(r.x), b: r.n.coalesce(r.x.add(r.x)), c: r.n.coalesce(r.x.div(2)), d: r.c.coalesce('z') }));
    expectTypeOf<SchemaOf<typeof p>>().toEqualTypeOf<{ a: 'int32'; b: 'int64'; c: 'float64'; d: 'string' }>();
    expect(runtimeSchema(p)).toEqual({ a: 'int32', b: 'int64', c: 'float64', d: 'string' });
  });
});

describe('4. nullability of case and literals', () => {
  const t = fromColumns({ x: Int32Array.from([1, 2, 3]), n: [1.5, null, 3], s: ['a', null, 'c'], t: ['u', 'v', 'w'] });

  it('otherwise with a nullable expression, and a nullable later branch, make the result nullable', async () => {
    const p = t.select((r) => ({
      lastNull: when(r.x.gt(1), r.x).otherwise(r.n),
      midNull: when(r.x.gt(2), 1).when(r.x.gt(1), r.n).otherwise(2),
      nullLit: when(r.x.gt(2), r.t).when(r.x.gt(1), null).otherwise('b'),
      otherwiseNull: when(r.x.gt(2), r.t).otherwise(null),
      none: when(r.x.gt(2), r.t).when(r.x.gt(1), 'm').otherwise('b'),
      firstNull: when(r.x.gt(2), r.s).otherwise('b'),
    }));
    const want = { lastNull: 'float64?', midNull: 'float64?', nullLit: 'string?', otherwiseNull: 'string?', none: 'string', firstNull: 'string?' } as const;
    expectTypeOf<SchemaOf<typeof p>>().toEqualTypeOf<{ -readonly [K in keyof typeof want]: (typeof want)[K] }>();
    expect(runtimeSchema(p)).toEqual(want);
    expect((await rowsOf(p)).map((row) => row.lastNull)).toEqual([1.5, 2, 3]);
  });

  it('coalesce is nullable only when every argument is', () => {
    const p = t.select((r) => ({ a: r.s.coalesce(null), b: r.s.coalesce(r.t), c: r.s.coalesce(lit(null, 'string')), d: r.n.coalesce(r.n, 1) }));
    expectTypeOf<SchemaOf<typeof p>>().toEqualTypeOf<{ a: 'string?'; b: 'string'; c: 'string?'; d: 'float64' }>();
    expect(runtimeSchema(p)).toEqual({ a: 'string?', b: 'string', c: 'string?', d: 'float64' });
  });
});

describe('5. fromColumns types typed arrays as columns.ts reads them', () => {
  it('Uint32 and 64-bit arrays are int64, the narrower ones int32', async () => {
    const rel = fromColumns({
      i8: Int8Array.from([-1, 1]),
      i16: Int16Array.from([-1, 1]),
      u8: Uint8Array.from([255, 1]),
      u8c: Uint8ClampedArray.from([255, 1]),
      u16: Uint16Array.from([65535, 1]),
      u32: Uint32Array.from([4_000_000_000, 1]),
      i64: BigInt64Array.from([-(2n ** 40n), 1n]),
      u64: BigUint64Array.from([2n ** 40n, 1n]),
      big: [1n, 2n],
      bigNull: [null, 5n] as (bigint | null)[],
    });
    const want = { i8: 'int32', i16: 'int32', u8: 'int32', u8c: 'int32', u16: 'int32', u32: 'int64', i64: 'int64', u64: 'int64', big: 'int64', bigNull: 'int64?' } as const;
    expectTypeOf<SchemaOf<typeof rel>>().toEqualTypeOf<{ -readonly [K in keyof typeof want]: (typeof want)[K] }>();
    expect(runtimeSchema(rel)).toEqual(want);
    const [row] = await rowsOf(rel.select('u32', 'i64', 'u64'));
    expect(row).toEqual({ u32: 4_000_000_000, i64: -(2 ** 40), u64: 2 ** 40 });
  });
});

describe('6. toMatrix features and nulls', () => {
  const rel = fromColumns({ ok: [1, 2, 3], price: [1.5, null, 2], city: ['a', null, 'b'], flag: [true, null, false] });

  it('numeric and standardize features need non-nullable columns', async () => {
    const numeric = rel.toMatrix([
      'ok',
      // @ts-expect-error 'price' is nullable
      'price',
    ]);
    await expect(numeric.collect()).rejects.toBeInstanceOf(ExecutionError);
    const standardized = rel.toMatrix([
      // @ts-expect-error 'price' is nullable
      { standardize: 'price' },
    ]);
    await expect(standardized.collect()).rejects.toBeInstanceOf(ExecutionError);
    const bools = rel.toMatrix([
      // @ts-expect-error 'flag' is nullable
      'flag',
    ]);
    await expect(bools.collect()).rejects.toBeInstanceOf(ExecutionError);
    // Coalesced, the column has no nulls in its type or at run time.
    const clean = rel.withColumn('price', (r) => r.price.coalesce(0)).toMatrix(['ok', { standardize: 'price' }]);
    expect((await clean.collect()).cols).toBe(2);
  });

  it('one-hot and hash take nullable string columns: a null is an all-zero row', async () => {
    const X = rel.toMatrix([{ onehot: 'city' }, { hash: 'city', buckets: 4 }, 'ok']);
    const m = await X.collect();
    expect([m.rows, m.cols]).toEqual([3, 7]);
    const row = (i: number) => Array.from(m.data.slice(i * m.cols, (i + 1) * m.cols));
    expect(row(0).slice(0, 2)).toEqual([1, 0]);
    expect(row(1).slice(0, 6)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(() =>
      // @ts-expect-error a one-hot feature needs a string column
      rel.toMatrix([{ onehot: 'ok', categories: ['1'] }]),
    ).toThrow(TypeMismatchError);
  });

  it('untyped sources accept any name', async () => {
    const untyped = rel as unknown as Relation<SchemaSpec>;
    const X = untyped.toMatrix(['ok', { onehot: 'city' }, { hash: 'price', buckets: 2 }]);
    expect((await X.collect()).cols).toBe(5);
  });
});

describe('7. joinOn types follow its run-time output', () => {
  const sales = fromColumns({ store: Int32Array.from([1, 2, 2]), day: Int32Array.from([1, 1, 2]), units: [3, 4, 5] });
  const stores = fromColumns({ id: Int32Array.from([1, 2]), city: ['Paris', 'Rome'] });
  const daily = fromColumns({ store: Int32Array.from([1, 2]), d: Int32Array.from([1, 2]), weather: ['sun', 'rain'] });

  it('keeps both keys when they are named differently', async () => {
    const j = sales.joinOn(stores, { left: ['store'], right: ['id'] });
    const want = { store: 'int32', day: 'int32', units: 'float64', id: 'int32', city: 'string' } as const;
    expectTypeOf<SchemaOf<typeof j>>().toEqualTypeOf<{ -readonly [K in keyof typeof want]: (typeof want)[K] }>();
    expect(runtimeSchema(j)).toEqual(want);
    expect(await rowsOf(j)).toHaveLength(3);
    const left = sales.joinOn(stores, { left: ['store'], right: ['id'] }, 'left');
    expectTypeOf<SchemaOf<typeof left>>().toEqualTypeOf<{ store: 'int32'; day: 'int32'; units: 'float64'; id: 'int32?'; city: 'string?' }>();
    expect(runtimeSchema(left)).toEqual({ store: 'int32', day: 'int32', units: 'float64', id: 'int32?', city: 'string?' });
  });

  it('merges a right key into the left key of the same name at the same position', async () => {
    const j = sales.joinOn(daily, { left: ['store', 'day'], right: ['store', 'd'] });
    const want = { store: 'int32', day: 'int32', units: 'float64', d: 'int32', weather: 'string' } as const;
    expectTypeOf<SchemaOf<typeof j>>().toEqualTypeOf<{ -readonly [K in keyof typeof want]: (typeof want)[K] }>();
    expect(runtimeSchema(j)).toEqual(want);
    expect(await rowsOf(j)).toHaveLength(2);
  });

  it('rejects columns on both sides that are not merged keys', () => {
    expect(() =>
      // @ts-expect-error 'day' exists on both sides
      sales.joinOn(fromColumns({ id: Int32Array.from([1]), day: [1] }), { left: ['store'], right: ['id'] }),
    ).toThrow(PlanError);
    // Pairing is by position: right 'store' is paired with left 'day', so it is not merged.
    const swapped = fromColumns({ day: Int32Array.from([1]), store: Int32Array.from([1]) });
    expect(() =>
      // @ts-expect-error 'store' and 'day' exist on both sides
      sales.joinOn(swapped, { left: ['store', 'day'], right: ['day', 'store'] }),
    ).toThrow(PlanError);
    // A semi join outputs the left side only: overlapping names are fine.
    const semi = sales.joinOn(swapped, { left: ['store', 'day'], right: ['day', 'store'] }, 'semi');
    expectTypeOf<SchemaOf<typeof semi>>().toEqualTypeOf<SchemaOf<typeof sales>>();
    expect(runtimeSchema(semi)).toEqual(runtimeSchema(sales));
  });

  it('rejects mismatched key types and key counts', () => {
    expect(() =>
      // @ts-expect-error int32 key against a string key
      sales.joinOn(stores, { left: ['store'], right: ['city'] }),
    ).toThrow(TypeMismatchError);
    expect(() =>
      // @ts-expect-error two left keys, one right key
      sales.joinOn(stores, { left: ['store', 'day'], right: ['id'] }),
    ).toThrow(PlanError);
  });
});
