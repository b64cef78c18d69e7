/**
 * Names and constants survive the trip through SQL text: identifiers with quotes,
 * spaces, keywords and non-ASCII characters; strings with quotes and backslashes; floats
 * whose shortest text SQL would read as a DECIMAL or could not read at all (NaN,
 * ±Infinity, -0, subnormals); int64 at ±2^53; dates at the ends of the calendar.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Relation, fromColumns, lit } from '../../src/index.js';
import { SqlDuck, agreeOnDuckDB } from './support.js';

let duck: SqlDuck;
beforeAll(async () => {
  duck = await SqlDuck.open();
});
afterAll(() => duck?.close());

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);

describe('quoting', () => {
  const odd = fromColumns(
    {
      'a"b': [1, 2, 3],
      select: ["it's", 'say "hi"', 'back\\slash'],
      'x y': [0.5, 1.5, 2.5],
      "'q'": [true, false, true],
      'é😀': ['%', '_', 'ok'],
    },
    { name: 'my "table"', types: { 'a"b': 'int32', select: 'string', 'x y': 'float64', "'q'": 'bool', 'é😀': 'string' } },
  ) as unknown as Relation<any>;

  it('identifiers and string constants round-trip', async () => {
    const rel = odd
      .filter((r: any) => r.select.eq("it's").or(r.select.eq('say "hi"')).or(r.select.eq('back\\slash')))
      .select((r: any) => ({ 'a"b': r['a"b'], 'new "name"': r['x y'].mul(2), select: r.select, "'q'": r["'q'"], 'é😀': r['é😀'] }))
      .groupBy('select')
      .agg((r: any) => ({ 'sum "a"': r['a"b'].sum(), 'n\'': r['é😀'].countDistinct() }));
    const sql = await agreeOnDuckDB(duck, rel, { 'my "table"': odd }, { kind: 'none' });
    expect(sql).toContain('FROM "my ""table"""');
    expect(sql).toContain(`'it''s'`);
    expect(sql).toContain('"sum ""a"""');
  });

  it('float, int64 and date constants round-trip', async () => {
    const one = fromColumns({ k: [1] }, { name: 'one', types: { k: 'int32' } }) as unknown as Relation<any>;
    const rel = one.select(() => ({
      nan: lit(Number.NaN, 'float64'),
      inf: lit(Number.POSITIVE_INFINITY, 'float64'),
      ninf: lit(Number.NEGATIVE_INFINITY, 'float64'),
      negZeroText: lit(-0, 'float64').cast('string'),
      tenth: lit(0.1, 'float64'),
      third: lit(0.30000000000000004, 'float64'),
      tiny: lit(5e-324, 'float64'),
      huge: lit(1.7976931348623157e308, 'float64'),
      f32: lit(0.1, 'float32'),
      maxLong: lit(2 ** 53, 'int64'),
      minLong: lit(-(2 ** 53), 'int64'),
      first: lit(day('0001-01-01'), 'date'),
      last: lit(day('9999-12-31'), 'date'),
      epoch: lit(day('1970-01-01'), 'date'),
      nullDate: lit(null, 'date'),
      quote: lit("''", 'string'),
    }));
    const sql = await agreeOnDuckDB(duck, rel, { one }, { kind: 'none' });
    expect(sql).toContain(`CAST('0.30000000000000004' AS DOUBLE)`);
    expect(sql).toContain(`DATE '0001-01-01'`);
  });

  it('a date beyond year 9999 is written as days from the epoch', async () => {
    const one = fromColumns({ k: [1] }, { name: 'one', types: { k: 'int32' } }) as unknown as Relation<any>;
    const rel = one.select((r: any) => ({ later: r.k.add(3_000_000).cast('int32').cast('date').gt(lit(day('9999-12-31'), 'date')) }));
    await agreeOnDuckDB(duck, rel, { one }, { kind: 'none' });
    const far = one.filter(() => lit(1, 'int32').cast('date').lt(lit(new Date(Date.UTC(12000, 0, 1)), 'date')));
    expect(far.toSQL()).toContain(`(DATE '1970-01-01' + CAST(`);
    await agreeOnDuckDB(duck, far, { one }, { kind: 'none' });
  });
});
