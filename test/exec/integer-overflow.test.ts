/**
 * Integer arithmetic never wraps or rounds silently, and integers never hold -0.
 *
 * Tessera's integer + - * compute in int64, which holds integers within ±2^53 (a
 * float64 holds them exactly); a result beyond that is an OverflowError naming the
 * operator and the expression, as DuckDB raises "Overflow in multiplication of INT64"
 * (DuckDB's BIGINT reaches 2^63, so the range differs, not the policy). An integer sum
 * is exact or an OverflowError naming the aggregate (DuckDB sums BIGINT into HUGEINT:
 * where its exact result fits ±2^53, Tessera returns the same). Checked through the
 * fused aggregation loop and the column-at-a-time path, optimized and as built.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutionError, OverflowError, fromArrow, fromColumns, lit } from '../../src/index.js';
import type { Relation } from '../../src/index.js';

const MAX_INT32 = 2 ** 31 - 1;
const P53 = 2 ** 53;

let conn: DuckDBConnection;
let instance: DuckDBInstance;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  conn = await instance.connect();
});
afterAll(() => {
  conn?.closeSync();
  instance?.closeSync();
});

async function duckRows(sql: string): Promise<unknown[][]> {
  return (await conn.runAndReadAll(sql)).getRowsJS();
}

const MODES = [{}, { optimize: false }] as const;

/** Runs through both result paths and both optimizer modes; returns the collectRows() rows of the last. */
async function rowsEverywhere(rel: Relation<any>): Promise<Record<string, unknown>[]> {
  let rows: Record<string, unknown>[] = [];
  for (const options of MODES) {
    await rel.collect(options);
    rows = await rel.collectRows(options);
  }
  return rows;
}

async function expectOverflow(rel: Relation<any>, pattern: RegExp): Promise<OverflowError> {
  let last: unknown;
  for (const options of MODES) {
    for (const run of [() => rel.collect(options), () => rel.collectRows(options)]) {
      const error = await run().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error, `no error with ${JSON.stringify(options)}`).toBeInstanceOf(OverflowError);
      expect(error).toBeInstanceOf(ExecutionError);
      expect((error as Error).message).toMatch(pattern);
      last = error;
    }
  }
  return last as OverflowError;
}

describe('integer arithmetic overflow', () => {
  it('x*x*x for x = 2^31-1 is an OverflowError (DuckDB: Overflow in multiplication), not a wrapped int64', async () => {
    await expect(duckRows(`SELECT x * x * x FROM (VALUES (${MAX_INT32}::BIGINT)) t(x)`)).rejects.toThrow(/Overflow in multiplication/);
    const t = fromColumns({ x: Int32Array.of(1, MAX_INT32) });
    const e = await expectOverflow(
      t.select((r) => ({ cube: r.x.mul(r.x).mul(r.x) })),
      /mul: \(\(x \* x\) \* x\)|mul: \(x \* x\)/,
    );
    expect(e.message).toContain(`${MAX_INT32} * ${MAX_INT32} = ${BigInt(MAX_INT32) ** 2n}`);
    expect(e.message).toContain('±2^53');
    // In a filter, and in a fused sum's argument.
    await expectOverflow(
      t.filter((r) => r.x.mul(r.x).mul(r.x).gt(0)),
      /integer overflow/,
    );
    await expectOverflow(
      t.aggregate((r) => ({ s: r.x.mul(r.x).mul(r.x).sum() })),
      /mul: .*integer overflow/,
    );
  });

  it('add and sub beyond ±2^53, including results that float64 rounds back to 2^53', async () => {
    const t = fromColumns({ x: [P53, -P53, 5] }, { types: { x: 'int64' } });
    await expectOverflow(
      t.select((r) => ({ y: r.x.add(1) })),
      new RegExp(`add: \\(x \\+ 1\\): integer overflow: ${P53} \\+ 1 = ${BigInt(P53) + 1n}`),
    );
    await expectOverflow(
      t.select((r) => ({ y: r.x.sub(1) })),
      new RegExp(`sub: .*-${P53} - 1 = -${BigInt(P53) + 1n}`),
    );
  });

  it('results within ±2^53 are exact, 2^53 itself included', async () => {
    const t = fromColumns({ a: [2 ** 26, 94906265, -3, 0], b: [2 ** 27, 94906265, 7, -5] }, { types: { a: 'int64', b: 'int64' } });
    const rows = await rowsEverywhere(t.select((r) => ({ p: r.a.mul(r.b), s: r.a.add(r.b), d: r.a.sub(r.b) })));
    expect(rows.map((r) => r.p)).toEqual([P53, 94906265 ** 2, -21, 0]);
    expect(Object.is(rows[3].p, 0)).toBe(true);
  });

  it('a null row does not overflow: values under nulls are not checked', async () => {
    // An Arrow int64 column whose null slot holds 2^62 (Arrow leaves it undefined).
    const values = BigInt64Array.of(3n, 2n ** 62n);
    const data = arrow.makeData({ type: new arrow.Int64(), length: 2, nullCount: 1, nullBitmap: Uint8Array.of(0b01), data: values });
    const table = new arrow.Table({ x: arrow.makeVector(data) });
    const rows = await rowsEverywhere(fromArrow(table).select((r) => ({ sq: (r.x as any).mul(r.x) })));
    expect(rows).toEqual([{ sq: 9 }, { sq: null }]);
  });
});

describe('integer sum aggregates', () => {
  const ways = {
    // count/sum/mean only: the fused, generated loop.
    fused: (t: Relation<any>) => t.aggregate((r) => ({ total: r.x.sum(), n: r.x.count() })),
    // max forces the column-at-a-time path.
    'column at a time': (t: Relation<any>) => t.aggregate((r) => ({ total: r.x.sum(), n: r.x.max() })),
    grouped: (t: Relation<any>) => t.groupBy('g').agg((r) => ({ total: r.x.sum(), n: r.x.count() })),
    'grouped, column at a time': (t: Relation<any>) => t.groupBy('g').agg((r) => ({ total: r.x.sum(), n: r.x.max() })),
  };

  for (const [way, build] of Object.entries(ways)) {
    it(`sum of [2^53, 1, 1] is an OverflowError naming the aggregate (${way})`, async () => {
      expect(await duckRows(`SELECT sum(x)::VARCHAR FROM (VALUES (${P53}::BIGINT), (1::BIGINT), (1::BIGINT)) t(x)`)).toEqual([[`${BigInt(P53) + 2n}`]]);
      const t = fromColumns({ g: Int32Array.of(1, 1, 1), x: [P53, 1, 1] }, { types: { x: 'int64' } });
      const e = await expectOverflow(build(t), new RegExp(`sum: sum\\(x\\) AS total: integer overflow: the exact sum is ${BigInt(P53) + 2n}`));
      expect(e.expression).toBe('sum(x) AS total');
    });

    it(`a running sum beyond 2^53 that ends within it is exact, whatever the row order (${way})`, async () => {
      for (const xs of [
        [P53, 1, -1],
        [1, P53, -1],
        [-1, 1, P53],
        [P53 - 1, 2, -2, 1],
      ]) {
        const expected = xs.reduce((s, v) => s + BigInt(v), 0n);
        const sql = `SELECT sum(x)::VARCHAR FROM (VALUES ${xs.map((v) => `(${v}::BIGINT)`).join(', ')}) t(x)`;
        expect(await duckRows(sql)).toEqual([[`${expected}`]]);
        const t = fromColumns({ g: new Int32Array(xs.length), x: xs }, { types: { x: 'int64' } });
        const rows = await rowsEverywhere(build(t));
        expect(rows.map((r) => r.total), xs.join(', ')).toEqual([Number(expected)]);
      }
    });
  }

  it('sums of int32 columns stay exact far from the limit (no false alarms), and a group without values is null', async () => {
    const t = fromColumns({ g: Int32Array.of(1, 2, 1, 3), x: [MAX_INT32, null, MAX_INT32, -5] }, { types: { x: 'int32?' } });
    const rows = await rowsEverywhere(t.groupBy('g').agg((r) => ({ total: r.x.sum() })));
    expect(rows).toEqual([
      { g: 1, total: 2 * MAX_INT32 },
      { g: 2, total: null },
      { g: 3, total: -5 },
    ]);
  });
});

describe('integers never hold -0', () => {
  // DuckDB: 1.0 / -(0::INT), 1.0 / (0 * -1), 1.0 / (-4 % 2), 1.0 / CAST(-0.4 AS BIGINT) are all +Infinity.
  it('neg, mul, mod and float → int casts give +0 (1.0 / that is +Infinity, as DuckDB)', async () => {
    await conn.run('CREATE OR REPLACE TABLE negzero(x INTEGER, y BIGINT, f DOUBLE, s VARCHAR); INSERT INTO negzero VALUES (0, -4, -0.4, \'-0\')');
    const duck = await duckRows(
      `SELECT 1.0::DOUBLE / CAST(-CAST(x AS BIGINT) AS DOUBLE), 1.0::DOUBLE / CAST(CAST(x AS BIGINT) * -1 AS DOUBLE), 1.0::DOUBLE / CAST(y % 2 AS DOUBLE),
              1.0::DOUBLE / CAST(TRY_CAST(f AS BIGINT) AS DOUBLE), 1.0::DOUBLE / CAST(TRY_CAST(s AS BIGINT) AS DOUBLE), 1.0::DOUBLE / CAST(TRY_CAST(f AS INTEGER) AS DOUBLE) FROM negzero`,
    );
    expect(duck).toEqual([[Infinity, Infinity, Infinity, Infinity, Infinity, Infinity]]);
    const t = fromColumns({ x: Int32Array.of(0), y: [-4], f: [-0.4], s: ['-0'] }, { types: { y: 'int64' } });
    const one = lit(1, 'float64');
    const rel = t.select((r) => ({
      neg: one.div(r.x.neg()),
      mul: one.div(r.x.mul(-1)),
      mod: one.div(r.y.mod(2)),
      castF: one.div(r.f.cast('int64')),
      castS: one.div(r.s.cast('int64')),
      castF32: one.div(r.f.cast('int32')),
    }));
    expect(await rowsEverywhere(rel)).toEqual([{ neg: Infinity, mul: Infinity, mod: Infinity, castF: Infinity, castS: Infinity, castF32: Infinity }]);
    // The integer values themselves are +0.
    const ints = await rowsEverywhere(t.select((r) => ({ neg: r.x.neg(), mul: r.x.mul(-1), mod: r.y.mod(2), cast: r.f.cast('int64') })));
    for (const v of Object.values(ints[0])) expect(Object.is(v, 0), String(v)).toBe(true);
    // Through the fused aggregation loop: sum(1.0 / -(x)).
    const fused = await rowsEverywhere(t.aggregate((r) => ({ a: one.div(r.x.neg()).sum(), b: one.div(r.x.mul(-1)).sum(), c: one.div(r.y.mod(2)).sum() })));
    expect(fused).toEqual([{ a: Infinity, b: Infinity, c: Infinity }]);
  });

  it('a -0 given to an integer column by a source is stored as +0', async () => {
    const t = fromColumns({ x: [-0, 1] }, { types: { x: 'int64' } });
    const rows = await t.select((r) => ({ inv: lit(1, 'float64').div(r.x) })).collectRows();
    expect(rows[0].inv).toBe(Infinity);
  });

  it('floats keep -0.0: only integers are normalized', async () => {
    const t = fromColumns({ f: [0] });
    const rows = await rowsEverywhere(t.select((r) => ({ q: lit(1, 'float64').div(r.f.neg()) })));
    expect(rows).toEqual([{ q: -Infinity }]);
  });
});

describe('casts to int64 agree with the sources on the exact range (±2^53 inclusive)', () => {
  it('floats and integer text at ±2^53 cast exactly; beyond it, null (TRY_CAST)', async () => {
    const t = fromColumns({ f: [P53, -P53, P53 + 2, 2 ** 60], s: ['9007199254740992', '-9007199254740992', '9007199254740993', '0x20000000000001'] });
    const rows = await rowsEverywhere(t.select((r) => ({ f: r.f.cast('int64'), s: r.s.cast('int64') })));
    expect(rows).toEqual([
      { f: P53, s: P53 },
      { f: -P53, s: -P53 },
      // 2^53 + 2 is a float64 but not an int64 Tessera holds; '…993' and 0x2^53+1 read as 2^53 in floating point.
      { f: null, s: null },
      { f: null, s: null },
    ]);
  });

  it('a source value of 2^53 survives a cast to int64 and back (what was read is what is cast)', async () => {
    const t = fromColumns({ x: [P53] }, { types: { x: 'int64' } });
    const rows = await rowsEverywhere(t.select((r) => ({ y: r.x.cast('float64').cast('int64') })));
    expect(rows).toEqual([{ y: P53 }]);
  });
});
