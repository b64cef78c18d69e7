/**
 * Hand-written differential cases against DuckDB for cast and NaN semantics:
 * - CAST(float AS int32/int64) rounds half to even (2.5 → 2), while decimal strings round
 *   half away from zero ('2.5' → 3);
 * - CAST(float AS string) prints as DuckDB does ('2.0', '1e+20', 'nan', 'inf', '-0.0');
 * - TRY_CAST(string) reads DuckDB's forms: '1_000', 'inf', 'nan', 'yes'/'no'/'y'/'n' (not
 *   'on'/'off', and no spaces around booleans), hexadecimal and binary text for integers
 *   ('0x10', '0b101') but not for DOUBLE, dates 'YYYY-M-D' or 'YYYY/M/D' with any time;
 * - comparisons order NaN above every number (infinity included) and equal to itself.
 * Random generation covers these constructs too; these cases pin the boundary values.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { Fixture } from './fixtures.js';
import { Duck } from './harness.js';
import { X } from './pair.js';

const FILE = 'test/differential/casts-and-nan.test.ts';

let duck: Duck;
beforeAll(async () => {
  duck = await Duck.open();
});
afterAll(() => duck?.close());

const fx = (label: string) => new Fixture(label, FILE);

describe('DuckDB-compatible casts', () => {
  it('CAST(float AS int32/int64) rounds ties to even (2.5 → 2, -2.5 → -2, 3.5 → 4)', async () => {
    const f = fx('cast float to int, ties');
    const q = f.table('T', { x: ['float64', [2.5, -2.5, 0.5, 1.5, 3.5, -0.5, 2.4, 2.6, -3.5, 1e10, NaN, Infinity]] });
    const x = X.col(q, 'x');
    await f.check(duck, f.b.select(q, [{ name: 'x', g: x }, { name: 'i32', g: X.cast(x, 'int32') }, { name: 'i64', g: X.cast(x, 'int64') }]));
  });

  it("CAST(string AS int32/int64) rounds decimal ties away from zero ('2.5' → 3, '-2.5' → -3)", async () => {
    const f = fx('cast decimal string to int, ties');
    const q = f.table('T', { s: ['string', ['2.5', '-2.5', '0.5', '1.5', '3.5', '-0.5', '2.4', '2.6']] });
    const s = X.col(q, 's');
    await f.check(duck, f.b.select(q, [{ name: 's', g: s }, { name: 'i32', g: X.cast(s, 'int32') }, { name: 'i64', g: X.cast(s, 'int64') }]));
  });

  it("CAST(float AS string) prints like DuckDB ('2.0', '1e+20', 'nan', 'inf')", async () => {
    const f = fx('cast float to string');
    const q = f.table('T', { x: ['float64', [2, 0.1, -0.25, 1e20, 100, 0, 1e-5, 123456.789, NaN, Infinity, -Infinity]] });
    const x = X.col(q, 'x');
    await f.check(duck, f.b.select(q, [{ name: 'x', g: x }, { name: 's', g: X.cast(x, 'string') }]));
  });

  it("CAST(-0.0 AS string) keeps the sign ('-0.0'), as DuckDB prints doubles", async () => {
    const f = fx('cast negative zero to string');
    const q = f.table('T', { x: ['float64', [-0, 0, 0]], y: ['float64', [1, -16, 16]] });
    const x = X.col(q, 'x');
    await f.check(duck, f.b.select(q, [{ name: 'x', g: X.cast(x, 'string') }, { name: 'q', g: X.cast(X.arith('div', x, X.col(q, 'y')), 'string') }]));
  });

  it("CAST(0/0 AS string) is 'nan' (DuckDB prints '-nan', normalized in compare.ts)", async () => {
    const f = fx('cast 0/0 to string');
    const q = f.table('T', { a: ['float64', [0, 1, -1, 0]], b: ['float64', [0, 0, 0, 2]] });
    const ratio = X.arith('div', X.col(q, 'a'), X.col(q, 'b'));
    await f.check(duck, f.b.select(q, [{ name: 'r', g: ratio }, { name: 's', g: X.cast(ratio, 'string') }]));
  });

  it("the text of 0/0 sorts as 'nan' (above '1.0'), not as DuckDB's '-nan' (fuzz seed 20729)", async () => {
    const f = fx('sort by the text of 0/0');
    const q = f.table('T', { a: ['float64', [0, -4, 0, 1]], b: ['float64', [0, -4, 0, 1]], k: ['int32', [1, 2, 3, 4]] });
    const text = X.cast(X.arith('div', X.col(q, 'a'), X.col(q, 'b')), 'string');
    const t = f.b.select(q, [{ name: 'k', g: X.col(q, 'k') }, { name: 's', g: text }]);
    const keys = [
      { key: X.col(t, 's'), desc: true, column: 's' },
      { key: X.col(t, 'k'), desc: false, column: 'k' },
    ];
    await f.check(duck, f.b.sort(t, keys));
  });

  it("TRY_CAST(string) to numbers and bools accepts DuckDB's forms ('1_000', 'inf', 'nan', 'yes'/'no', ' 8 ') and rejects malformed ones ('1__0', '1,000')", async () => {
    const f = fx('TRY_CAST string forms');
    const strings = ['1_000', '1_000.5', '1__0', '_1', 'inf', '-inf', 'infinity', ' inf ', 'nan', 'yes', 'no', 'Yes', 'y', 'n', 't', 'f', '7', ' 8 ', '1e3', '.5', '5.', '+5', '1,000', '0x10.5', '2024-1-5', '2024-01-15T00:00:00'];
    const q = f.table('T', { s: ['string', strings] });
    const s = X.col(q, 's');
    await f.check(
      duck,
      f.b.select(q, [
        { name: 's', g: s },
        { name: 'i', g: X.cast(s, 'int32') },
        { name: 'l', g: X.cast(s, 'int64') },
        { name: 'd', g: X.cast(s, 'float64') },
        { name: 'b', g: X.cast(s, 'bool') },
      ]),
    );
  });

  it("TRY_CAST(string AS int32/int64) reads hexadecimal and binary text ('0x10' → 16, '0b101' → 5); DOUBLE does not", async () => {
    const f = fx('TRY_CAST hex and binary text');
    const strings = ['0x10', '0X1F', '0b101', '0x1_0', '0x7FFFFFFF', '0x80000000', '0x', '-0x10', '+0x10', ' 0x10 ', '0xg'];
    const q = f.table('T', { s: ['string', strings] });
    const s = X.col(q, 's');
    await f.check(duck, f.b.select(q, [{ name: 's', g: s }, { name: 'i', g: X.cast(s, 'int32') }, { name: 'l', g: X.cast(s, 'int64') }, { name: 'd', g: X.cast(s, 'float64') }]));
  });

  it("TRY_CAST(string AS bool) reads only DuckDB's words: not 'on'/'off', and no surrounding spaces", async () => {
    const f = fx('TRY_CAST bool words');
    const strings = ['on', 'off', 'ON', ' true ', 'true ', ' t', 'yes ', 'true', 'no'];
    const q = f.table('T', { s: ['string', strings] });
    const s = X.col(q, 's');
    await f.check(duck, f.b.select(q, [{ name: 's', g: s }, { name: 'b', g: X.cast(s, 'bool') }]));
  });

  it("TRY_CAST(string AS float64) reads signed NaN text ('-nan', '+nan') as NaN", async () => {
    const f = fx('TRY_CAST signed nan');
    // An id, not the text: compare.ts reads the string '-nan' as 'nan' (see its header).
    const q = f.table('T', { id: ['int32', [1, 2, 3, 4]], s: ['string', ['-nan', '+nan', 'NaN', '-NaN']] });
    await f.check(duck, f.b.select(q, [{ name: 'id', g: X.col(q, 'id') }, { name: 'd', g: X.cast(X.col(q, 's'), 'float64') }]));
  });

  it("TRY_CAST(string AS date) accepts a date followed by any time, and '/' separators (DuckDB drops the time)", async () => {
    const f = fx('TRY_CAST date with a time');
    const strings = ['2024-01-15 01:00:00', '2024-01-15T23:59:59.999', '2024-01-15 12:00:00Z', '2024/01/15', '2024/1/5 00:00:00'];
    const q = f.table('T', { s: ['string', strings] });
    const s = X.col(q, 's');
    await f.check(duck, f.b.select(q, [{ name: 's', g: s }, { name: 'dt', g: X.cast(s, 'date') }]));
  });

  it("TRY_CAST(string AS date) accepts 'YYYY-M-D' with an optional midnight time", async () => {
    // Date-like strings only: DuckDB reads 'inf' as the infinite date, which its JS client cannot return.
    const f = fx('TRY_CAST string forms to date');
    const strings = ['2024-1-5', '2024-01-15T00:00:00', '2024-01-15 00:00', '2024-1-05 00:00:00.000', ' 2024-12-31 ', '2024-02-29', '2023-02-29', '7', 'yes', '0x10'];
    const q = f.table('T', { s: ['string', strings] });
    const s = X.col(q, 's');
    await f.check(duck, f.b.select(q, [{ name: 's', g: s }, { name: 'dt', g: X.cast(s, 'date') }]));
  });
});

describe('DuckDB-compatible NaN comparisons', () => {
  it('comparisons treat NaN as the largest value, equal to itself (as Tessera sorts)', async () => {
    const f = fx('NaN comparisons');
    const q = f.table('T', { a: ['float64', [0, 1, -1, 0]], b: ['float64', [0, 0, 0, 2]] });
    const ratio = X.arith('div', X.col(q, 'a'), X.col(q, 'b')); // NaN, Infinity, -Infinity, 0
    await f.check(
      duck,
      f.b.select(q, [
        { name: 'r', g: ratio },
        { name: 'gt1', g: X.cmp('gt', ratio, 1) },
        { name: 'eq_self', g: X.cmp('eq', ratio, ratio) },
        { name: 'ne_self', g: X.cmp('ne', ratio, ratio) },
        { name: 'ge_self', g: X.cmp('ge', ratio, ratio) },
        { name: 'lt_inf', g: X.cmp('lt', ratio, X.lit(Infinity, 'float64')) },
        { name: 'le_nan', g: X.cmp('le', ratio, X.lit(NaN, 'float64')) },
      ]),
    );
  });

  it('a filter keeps NaN rows where NaN compares greater', async () => {
    const f = fx('NaN in a filter');
    const t = f.table('T', { a: ['float64', [0, 1, -1, 0]], b: ['float64', [0, 0, 0, 2]] });
    await f.check(duck, f.b.filter(t, X.cmp('gt', X.arith('div', X.col(t, 'a'), X.col(t, 'b')), 1)));
  });

  it('NaN stored in a column compares with numbers, NaN and null', async () => {
    const f = fx('NaN column comparisons');
    const q = f.table('T', { x: ['float64', [NaN, NaN, 1, Infinity, -Infinity, null, NaN]], y: ['float64', [NaN, 2, NaN, NaN, 0, NaN, null]] });
    const x = X.col(q, 'x');
    const y = X.col(q, 'y');
    await f.check(
      duck,
      f.b.select(q, [
        { name: 'x', g: x },
        { name: 'y', g: y },
        ...(['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const).map((op) => ({ name: op, g: X.cmp(op, x, y) })),
      ]),
    );
  });
});
