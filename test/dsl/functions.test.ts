/**
 * The expressions of issue 13 through the DSL: compile-time types equal to the plan's
 * run-time types, SQL's null semantics on small hand-checked cases, the errors a wrong
 * argument gives, and their text and digests. Their agreement with DuckDB on random
 * data is in test/differential (functions.test.ts and every other family).
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { type Relation, TypeMismatchError, count, fromColumns, lit } from '../../src/index.js';
import { civilFromDays, dayOfWeek } from '../../src/exec/functions.js';
import { exprDigest, exprToString } from '../../src/plan/expr.js';
import { fold } from '../../src/optimizer/rules/constant-folding.js';
import { formatColumnType } from '../../src/types/dtype.js';

type SchemaOf<R> = R extends Relation<infer S> ? S : never;
const runtimeSchema = (r: Relation<any>) => Object.fromEntries(r.schema.fields.map((f) => [f.name, formatColumnType(f)]));
const day = (iso: string) => new Date(`${iso}T00:00:00Z`);

const t = fromColumns(
  {
    k: [1, 2, null, 4],
    s: ['apple', 'a%b', null, 'banana😀'],
    d: [day('2024-02-25'), day('1900-01-01'), null, day('1969-12-31')],
    x: [1.5, 2.5, null, 4],
  },
  { name: 't', types: { k: 'int32?', s: 'string?', d: 'date?', x: 'float64?' } },
);

describe('isIn', () => {
  it('follows three-valued logic: nulls in the column and in the list', async () => {
    const q = t.select((r) => ({ plain: r.k.isIn([1, 4]), withNull: r.k.isIn([1, null]), empty: r.k.isIn([]), wider: r.k.isIn([2.5, 4]) }));
    expectTypeOf<SchemaOf<typeof q>>().toEqualTypeOf<{ plain: 'bool?'; withNull: 'bool?'; empty: 'bool?'; wider: 'bool?' }>();
    expect(runtimeSchema(q)).toEqual({ plain: 'bool?', withNull: 'bool?', empty: 'bool?', wider: 'bool?' });
    expect(await q.collectRows()).toEqual([
      { plain: true, withNull: true, empty: false, wider: false },
      { plain: false, withNull: null, empty: false, wider: false },
      { plain: null, withNull: null, empty: false, wider: null },
      { plain: true, withNull: null, empty: false, wider: true },
    ]);
  });

  it('is non-null over a non-null column and list; NaN equals NaN, -0 equals 0', async () => {
    const f = fromColumns({ v: [0, -0, NaN, 1] }, { types: { v: 'float64' } });
    const q = f.select((r) => ({ zero: r.v.isIn([0]), nan: r.v.isIn([NaN]) }));
    expectTypeOf<SchemaOf<typeof q>>().toEqualTypeOf<{ zero: 'bool'; nan: 'bool' }>();
    expect(runtimeSchema(q)).toEqual({ zero: 'bool', nan: 'bool' });
    expect(await q.collectRows()).toEqual([
      { zero: true, nan: false },
      { zero: true, nan: false },
      { zero: false, nan: true },
      { zero: false, nan: false },
    ]);
  });

  it('rejects values of another kind and non-arrays', () => {
    expect(() => t.select((r) => ({ a: (r.s as any).isIn([1]) }))).toThrow(TypeMismatchError);
    expect(() => t.select((r) => ({ a: (r.s as any).isIn([1]) }))).toThrow(/isIn: cannot compare s \(string\?\) with 1 \(float64\)/);
    expect(() => t.select((r) => ({ a: (r.k as any).isIn(1) }))).toThrow(/isIn: expected an array of values, got 1/);
  });
});

describe('like, startsWith, endsWith, contains', () => {
  it('match as SQL LIKE: % any run, _ one code point, no escape unless given', async () => {
    const q = t.select((r) => ({
      prefix: r.s.like('a%'),
      one: r.s.like('banana_'),
      percent: r.s.like('a!%b', { escape: '!' }),
      literalBackslash: r.s.like('a\\%'),
      starts: r.s.startsWith('ban'),
      ends: r.s.endsWith('😀'),
      has: r.s.contains('%'),
      empty: r.s.contains(''),
    }));
    expectTypeOf<SchemaOf<typeof q>['prefix']>().toEqualTypeOf<'bool?'>();
    expect(runtimeSchema(q).prefix).toBe('bool?');
    expect(await q.collectRows()).toEqual([
      { prefix: true, one: false, percent: false, literalBackslash: false, starts: false, ends: false, has: false, empty: true },
      { prefix: true, one: false, percent: true, literalBackslash: false, starts: false, ends: false, has: true, empty: true },
      { prefix: null, one: null, percent: null, literalBackslash: null, starts: null, ends: null, has: null, empty: null },
      { prefix: false, one: true, percent: false, literalBackslash: false, starts: true, ends: true, has: false, empty: true },
    ]);
  });

  it('takes a pattern from a column, per row', async () => {
    const p = fromColumns({ s: ['abc', 'abc', 'x'], p: ['a%', '_b', null] }, { types: { s: 'string', p: 'string?' } });
    expect(await p.select((r) => ({ m: r.s.like(r.p) })).collectRows()).toEqual([{ m: true }, { m: false }, { m: null }]);
  });

  it('names what is wrong with an argument', () => {
    expect(() => t.select((r) => ({ a: r.s.like('a!', { escape: '!' }) }))).toThrow(/like: pattern 'a!' ends with the escape character '!'/);
    expect(() => t.select((r) => ({ a: r.s.like('a%', { escape: '!!' }) }))).toThrow(/like: expected the escape to be one character/);
    expect(() => t.select((r) => ({ a: (r.k as any).like('a%') }))).toThrow(/like: expected a string of type string, got k \(int32\?\)/);
    expect(() => t.select((r) => ({ a: (r.s as any).startsWith(3) }))).toThrow(/startsWith: expected a string or a string expression, got number/);
  });
});

describe('date parts', () => {
  it('year, month, day and dayOfWeek (Sunday = 0), int32', async () => {
    const q = t.select((r) => ({ y: r.d.year(), m: r.d.month(), dd: r.d.day(), w: r.d.dayOfWeek() }));
    expectTypeOf<SchemaOf<typeof q>>().toEqualTypeOf<{ y: 'int32?'; m: 'int32?'; dd: 'int32?'; w: 'int32?' }>();
    expect(runtimeSchema(q)).toEqual({ y: 'int32?', m: 'int32?', dd: 'int32?', w: 'int32?' });
    expect(await q.collectRows()).toEqual([
      { y: 2024, m: 2, dd: 25, w: 0 },
      { y: 1900, m: 1, dd: 1, w: 1 },
      { y: null, m: null, dd: null, w: null },
      { y: 1969, m: 12, dd: 31, w: 3 },
    ]);
  });

  it('agree with JavaScript Date over ±270,000 years', () => {
    for (let days = -100_000_000; days <= 100_000_000; days += 99_991) {
      const date = new Date(days * 86_400_000);
      expect(civilFromDays(days)).toEqual({ year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() });
      expect(dayOfWeek(days)).toBe(date.getUTCDay());
    }
  });

  it('need a date', () => {
    expect(() => t.select((r) => ({ y: (r.s as any).year() }))).toThrow(/year: expected a date of type date, got s \(string\?\)/);
  });
});

describe('deviations and counts', () => {
  const g = fromColumns({ k: [1, 1, 1, 2, 3, 3], x: [1, 2, 4, 5, null, 7] }, { types: { k: 'int32', x: 'float64?' } });

  it('sample and population forms; null for too few values', async () => {
    const q = g.groupBy('k').agg((r) => ({ sd: r.x.stddev(), v: r.x.variance(), sp: r.x.stddevPop(), vp: r.x.variancePop() }));
    expectTypeOf<SchemaOf<typeof q>>().toEqualTypeOf<{ k: 'int32'; sd: 'float64?'; v: 'float64?'; sp: 'float64?'; vp: 'float64?' }>();
    const rows = await q.collectRows();
    expect(rows[0].v).toBeCloseTo(7 / 3, 12);
    expect(rows[0].sd).toBeCloseTo(Math.sqrt(7 / 3), 12);
    expect(rows[0].vp).toBeCloseTo(14 / 9, 12);
    expect(rows[1]).toEqual({ k: 2, sd: null, v: null, sp: 0, vp: 0 });
    expect(rows[2]).toEqual({ k: 3, sd: null, v: null, sp: 0, vp: 0 });
  });

  it('stay exact for a small spread around a large mean (two passes, no cancellation)', async () => {
    const big = fromColumns({ x: [1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16] }, { types: { x: 'float64' } });
    const [row] = await big.aggregate((r) => ({ v: r.x.variance() })).collectRows();
    expect(row.v).toBe(30);
  });

  it('count(expr) counts non-null values, count() rows, on the fused and the column-at-a-time path', async () => {
    const q = g.groupBy('k').agg((r) => ({ rows: count(), values: count(r.x), method: r.x.count() }));
    expect(q.explain()).toContain('FusedAggregate');
    // A deviation is never fused: the whole aggregate runs column at a time.
    const withDeviation = g.groupBy('k').agg((r) => ({ rows: count(), values: count(r.x), method: r.x.count(), sd: r.x.stddev() }));
    expect(withDeviation.explain()).toContain('HashAggregate');
    for (const rel of [q, withDeviation]) {
      const rows = await rel.collectRows();
      expect(rows.map((r) => [r.k, r.rows, r.values, r.method])).toEqual([
        [1, 3, 3, 3],
        [2, 1, 1, 1],
        [3, 2, 1, 1],
      ]);
    }
  });

  it('counts the null-padded rows of a left join as nulls (the fused loop reads through the join)', async () => {
    const dim = fromColumns({ k: [1, 3], name: ['one', 'three'] }, { types: { k: 'int32', name: 'string' } });
    const [row] = await g.join(dim, 'k', 'left').aggregate((r) => ({ rows: count(), named: count(r.name) })).collectRows();
    expect(row).toEqual({ rows: 6, named: 5 });
  });

  it('deviations need numbers', () => {
    expect(() => t.aggregate((r) => ({ v: (r.s as any).variance() }))).toThrow(/variance: expected a numeric argument/);
  });
});

describe('text, digests and folding', () => {
  it('prints as SQL', () => {
    const r = t.columns;
    expect(exprToString(r.k.isIn([1, null]).node)).toBe('(k IN (1, NULL))');
    expect(exprToString(r.s.like('a!%', { escape: '!' }).node)).toBe("(s LIKE 'a!%' ESCAPE '!')");
    expect(exprToString(r.d.dayOfWeek().node)).toBe('dayofweek(d)');
  });

  it('digests tell lists, escapes and functions apart', () => {
    const r = t.columns;
    const digests = [r.k.isIn([1, 2]), r.k.isIn([1, 3]), r.k.isIn([1, 2, null]), r.s.like('a%'), r.s.like('a%', { escape: '!' }), r.s.startsWith('a%'), r.d.year(), r.d.month()].map((e) => exprDigest(e.node));
    expect(new Set(digests).size).toBe(digests.length);
    expect(exprDigest(r.k.isIn([1, 2]).node)).toBe(exprDigest(t.columns.k.isIn([1, 2]).node));
  });

  it('fold over literals to what running them gives', () => {
    expect(fold(lit('abc', 'string').like('a%').node)).toMatchObject({ kind: 'literal', value: true });
    expect(fold(lit(day('2024-02-29'), 'date').month().node)).toMatchObject({ kind: 'literal', value: 2, type: { dtype: 'int32' } });
    expect(fold(lit(3, 'int32').isIn([1, null]).node)).toMatchObject({ kind: 'literal', value: null });
  });
});
