/**
 * Hand-written plans at the places where SQL's own semantics differ from Tessera's
 * (division and modulo by zero, integer widening, casts and their ranges and text forms,
 * date parts, IN lists, LIKE escapes, count(x), the deviations, outer-join keys, null
 * keys, row order through a sort): `rel.toSQL()` run on DuckDB over the same data (copied
 * there with `toDuckDB`) and a run with DuckDB as the relational engine must both give
 * Tessera's own result.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Relation, count, fromColumns, lit, when } from '../../src/index.js';
import type { Order } from '../differential/pair.js';
import { SqlDuck, agreeOnDuckDB } from './support.js';

let duck: SqlDuck;
beforeAll(async () => {
  duck = await SqlDuck.open();
});
afterAll(() => duck?.close());

const NONE: Order = { kind: 'none' };
const TOTAL: Order = { kind: 'total' };
const day = (iso: string) => new Date(`${iso}T00:00:00Z`);

const agree = (rel: Relation<any>, sources: Record<string, Relation<any>>, order: Order = NONE) => agreeOnDuckDB(duck, rel, sources, order);

const T: Relation<any> = fromColumns(
  {
    i: [3, -7, 0, null, 5, 1_000_000],
    j: [0, 2, 0, 4, null, -1],
    l: [9007199254740000, -12, 0, 7, null, 1],
    f: [1.5, Number.NaN, -0, Number.POSITIVE_INFINITY, null, -2.5],
    g: [0.1, 2.5, -3, 1e30, null, 0],
    s: ["it's", 'x"y', '\u00a0-12.5e1\u2003', '9007199254740993', null, ' 42\t'],
    t: ['2024-02-29', '2024-02-30', ' 2024-1-5 10:30:00+02:00', 'infinity', null, '\ufeff2024-01-05\u00a0'],
    d: [day('2024-02-29'), day('1969-12-31'), day('0001-01-01'), day('9999-12-31'), null, day('2000-03-05')],
    b: [true, false, true, null, false, true],
  },
  { name: 'T', types: { i: 'int32?', j: 'int32?', l: 'int64?', f: 'float64?', g: 'float32?', s: 'string?', t: 'string?', d: 'date?', b: 'bool?' } },
) as unknown as Relation<any>;

describe('expressions', () => {
  it('arithmetic: widening, division and modulo by zero, float32, neg and abs of int32', async () => {
    const rel = T.select((r: any) => ({
      sum: r.i.add(r.j),
      prod: r.l.mul(r.j),
      quotient: r.f.div(r.j),
      intQuotient: r.i.div(r.j),
      intMod: r.i.mod(r.j),
      floatMod: r.f.mod(lit(0, 'float64')),
      mixedMod: r.l.mod(r.f),
      f32: r.g.add(r.g),
      f32div: r.g.div(r.g),
      neg: r.i.neg(),
      abs: r.i.abs(),
    }));
    const sql = await agree(rel, { T });
    expect(sql).toContain('NULLIF');
  });

  it('comparisons in the common type, three-valued logic, coalesce and case', async () => {
    const rel = T.select((r: any) => ({
      a: r.i.lt(r.f),
      b: r.g.eq(0.1),
      c: r.b.and(r.i.gt(0)).or(r.j.isNull()),
      d: r.i.coalesce(r.l, 0),
      e: when(r.f.gt(0), r.i).when(r.b, r.l).otherwise(lit(null, 'int64')),
      f: r.s.ge('x'),
      g: r.b.not(),
    }));
    await agree(rel, { T });
  });

  it('casts with Tessera ranges and text forms', async () => {
    const rel = T.select((r: any) => ({
      fs: r.f.cast('string'),
      gs: r.g.cast('string'),
      ds: r.d.cast('string'),
      di: r.d.cast('int32'),
      id: r.i.cast('date'),
      sl: r.s.cast('int64'),
      si: r.s.cast('int32'),
      sf: r.s.cast('float64'),
      sf32: r.s.cast('float32'),
      sb: r.s.cast('bool'),
      td: r.t.cast('date'),
      fl: r.f.cast('int64'),
      fi: r.f.cast('int32'),
      f32: r.f.mul(1e300).cast('float32'),
      bi: r.b.cast('int32'),
      fb: r.f.cast('bool'),
    }));
    await agree(rel, { T });
  });

  it('date parts, IN lists (empty, with a null), LIKE with an escape, substring tests', async () => {
    const rel = T.select((r: any) => ({
      y: r.d.year(),
      m: r.d.month(),
      dd: r.d.day(),
      w: r.d.dayOfWeek(),
      none: r.i.isIn([]),
      some: r.i.isIn([3, 5, null]),
      floats: r.f.isIn([1.5, Number.NaN]),
      dates: r.d.isIn([day('2024-02-29')]),
      like: r.s.like("%'%"),
      escaped: r.t.like('2024-02-3!%', { escape: '!' }),
      starts: r.s.startsWith('it'),
      ends: r.s.endsWith('y'),
      has: r.s.contains(''),
    }));
    await agree(rel, { T });
  });
});

describe('aggregates', () => {
  const G = fromColumns(
    { k: ['a', 'a', 'b', 'b', 'b', 'c', null], x: [1, null, 2, 2, 5, 7, 3], y: [0.5, 1.5, null, 2.25, -1, 3, 4] },
    { name: 'G', types: { k: 'string?', x: 'int32?', y: 'float64?' } },
  ) as unknown as Relation<any>;

  it('every aggregate function, grouped and global', async () => {
    const aggs = (r: any) => ({
      n: count(),
      nx: r.x.count(),
      dx: r.x.countDistinct(),
      sx: r.x.sum(),
      sy: r.y.sum(),
      mx: r.x.mean(),
      lo: r.k.min(),
      hi: r.y.max(),
      sd: r.y.stddev(),
      v: r.x.variance(),
      sdp: r.y.stddevPop(),
      vp: r.x.variancePop(),
    });
    await agree(G.groupBy('k').agg(aggs), { G });
    await agree(G.aggregate(aggs), { G });
    await agree(G.filter((r: any) => r.x.gt(100)).aggregate(aggs), { G });
  });

  it('min, max, sum and mean over NaN, ±Infinity, -0, float32, dates and booleans', async () => {
    const rel = T.aggregate((r: any) => ({
      lo: r.f.min(),
      hi: r.f.max(),
      s: r.f.sum(),
      m: r.f.mean(),
      g: r.g.sum(),
      gm: r.g.max(),
      d0: r.d.min(),
      d1: r.d.max(),
      b0: r.b.min(),
      b1: r.b.max(),
      l: r.l.mean(),
    }));
    await agree(rel, { T });
  });
});

describe('joins, set operations, order', () => {
  const L = fromColumns({ k: [1, 2, 2, null, 5], v: ['a', 'b', 'c', 'd', 'e'] }, { name: 'L', types: { k: 'int32?', v: 'string' } }) as unknown as Relation<any>;
  const R = fromColumns({ k: [2, 3, null, 5, 5], w: [0.5, 1.5, 2.5, 3.5, 4.5] }, { name: 'R', types: { k: 'int64?', w: 'float64' } }) as unknown as Relation<any>;

  for (const how of ['inner', 'left', 'right', 'full', 'semi', 'anti'] as const) {
    it(`${how} join on an int32 key against an int64 key, with null keys`, async () => {
      await agree((L as any).join(R, 'k', how), { L, R });
    });
  }

  it('joinOn with differently named keys, full', async () => {
    const R2 = R.select((r: any) => ({ rk: r.k, w: r.w }));
    await agree((L as any).joinOn(R2, { left: ['k'], right: ['rk'] }, 'full'), { L, R });
  });

  it('union, unionAll and distinct', async () => {
    const a = L.select((r: any) => ({ k: r.k }));
    const b = R.select((r: any) => ({ k: r.k.cast('int32') }));
    await agree(a.unionAll(b), { L, R });
    await agree(a.union(b), { L, R });
    await agree(a.unionAll(a).distinct(), { L });
  });

  it('a sort keeps its order through the filters and projections above it, and limits over a total sort', async () => {
    const sorted = R.orderBy((r: any) => [r.k.desc({ nulls: 'first' }), r.w.asc()]);
    await agree(sorted, { R }, TOTAL);
    await agree(sorted.select((r: any) => ({ w2: r.w.mul(2), k: r.k })).filter((r: any) => r.w2.gt(1)), { R }, TOTAL);
    const sql = await agree(sorted.limit(3, 1), { R }, TOTAL);
    expect(sql).toMatch(/ORDER BY .* LIMIT 3 OFFSET 1$/);
    await agree(sorted.limit(3).limit(1, 1), { R }, TOTAL);
    await agree(sorted.limit(0), { R }, TOTAL);
  });
});
