/**
 * Strings compare and sort by Unicode code point, as DuckDB (UTF-8 byte order), Arrow
 * and Python do, not by UTF-16 code unit as JavaScript's `<`: a character above U+FFFF
 * (a surrogate pair in JavaScript) sorts after U+E000..U+FFFF ('～' U+FF5E, '￿'
 * U+FFFF, private use U+E000). Checked against DuckDB for ORDER BY (both directions,
 * both input formats), min/max aggregates, comparisons in filters (with a literal and
 * between two columns with different dictionaries), and a top-N.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareCodePoints } from '../../src/data/strings.js';
import { dictionaryRanks } from '../../src/kernels/relational/sort.js';
import { fromColumns } from '../../src/index.js';
import { type ColumnIn, Fixture } from './fixtures.js';
import { Duck } from './harness.js';
import { A, type Q, type SortKeySpec, X, namesOf } from './pair.js';

const FILE = 'test/differential/string-order.test.ts';

let duck: Duck;
beforeAll(async () => {
  duck = await Duck.open();
});
afterAll(() => duck?.close());

const fx = (label: string) => new Fixture(label, FILE);

// Above U+FFFF: '😀' U+1F600, '𐀀' U+10000, '🙂' U+1F642; at the top of the BMP: '～' U+FF5E,
// '￿' U+FFFF, '' U+E000; and ASCII, Latin-1, CJK and the empty string around them.
const WORDS = ['😀', '～', 'a', '￿', '𐀀', '', 'é', 'a😀', 'a～', '中', '🙂', 'Z', '', '😀a', null];

const TABLE: Record<string, ColumnIn> = {
  s: ['string', WORDS],
  g: ['int32', WORDS.map((_, i) => i % 3)],
  t: ['string', ['～', '😀', '😀', '', 'a', 'a', 'é', 'a～', 'a😀', '中', '￿', 'Z', '𐀀', null, 'x']],
};

function totalSort(f: Fixture, q: Q, desc = false): Q {
  return f.b.sort(
    q,
    namesOf(q).map((n): SortKeySpec => ({ key: X.col(q, n), desc, column: n })),
  );
}

describe('string order: code points', () => {
  it('compareCodePoints agrees with the order of code point arrays', () => {
    const words = WORDS.filter((w): w is string => w !== null);
    const byCodePoint = (a: string, b: string) => {
      const x = [...a].map((c) => c.codePointAt(0)!);
      const y = [...b].map((c) => c.codePointAt(0)!);
      for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
      return x.length - y.length;
    };
    for (const a of words) for (const b of words) expect(Math.sign(compareCodePoints(a, b)), `${a} vs ${b}`).toBe(Math.sign(byCodePoint(a, b)));
    // The case JavaScript's `<` gets wrong.
    expect('😀' < '～').toBe(true);
    expect(compareCodePoints('😀', '～')).toBeGreaterThan(0);
    expect(Array.from(dictionaryRanks(['😀', '～', 'a']))).toEqual([2, 1, 0]);
  });

  for (const format of ['columns', 'arrow'] as const) {
    for (const desc of [false, true]) {
      it(`ORDER BY a string column ${desc ? 'DESC' : 'ASC'} (${format})`, async () => {
        const f = fx(`order by code point ${format} ${desc ? 'desc' : 'asc'}`);
        const q = f.table('T', { s: TABLE.s }, { format, chunks: format === 'arrow' ? [6, 0, 9] : undefined });
        await f.check(duck, totalSort(f, q, desc));
      });
    }
  }

  it('ORDER BY an expression over strings, and a top-N', async () => {
    const f = fx('order by coalesce, top-N');
    const q = f.table('T', TABLE);
    const keyed = f.b.withColumn(q, 'k', X.coalesce(X.col(q, 's'), X.col(q, 't')));
    const sorted = f.b.sort(keyed, [
      { key: X.col(keyed, 'k'), desc: false, column: 'k' },
      { key: X.col(keyed, 'g'), desc: false, column: 'g' },
      { key: X.col(keyed, 's'), desc: false, column: 's' },
      { key: X.col(keyed, 't'), desc: false, column: 't' },
    ]);
    await f.check(duck, sorted);
    await f.check(duck, f.b.limit(sorted, 5, 0));
  });

  it('min and max, global and per group', async () => {
    const f = fx('min/max by code point');
    const q = f.table('T', TABLE, { format: 'arrow', chunks: [5, 10] });
    const aggs = [
      { name: 'lo', a: A.min(X.col(q, 's')) },
      { name: 'hi', a: A.max(X.col(q, 's')) },
      { name: 'tlo', a: A.min(X.col(q, 't')) },
      { name: 'thi', a: A.max(X.col(q, 't')) },
    ];
    await f.check(duck, f.b.aggregate(q, [], aggs, true));
    await f.check(duck, totalSort(f, f.b.aggregate(q, ['g'], aggs)));
  });

  it('comparisons with a literal and between columns with different dictionaries', async () => {
    const f = fx('compare by code point');
    const q = f.table('T', TABLE);
    const s = X.col(q, 's');
    const t = X.col(q, 't');
    await f.check(
      duck,
      f.b.select(q, [
        { name: 's', g: s },
        { name: 't', g: t },
        { name: 'lt', g: X.cmp('lt', s, t) },
        { name: 'ge', g: X.cmp('ge', s, t) },
        { name: 'gt_fullwidth', g: X.cmp('gt', s, X.lit('～', 'string')) },
        { name: 'le_astral', g: X.cmp('le', s, X.lit('😀', 'string')) },
      ]),
    );
    await f.check(duck, f.b.filter(q, X.cmp('gt', s, X.lit('￿', 'string'))));
  });

  it('one-hot categories of a source column come in code point order', async () => {
    const m = await fromColumns({ c: ['～', '😀', 'a'] }, { name: 'onehot' }).toMatrix([{ onehot: 'c' }]).collect();
    expect(m.columnNames).toEqual(['c=a', 'c=～', 'c=😀']);
  });
});
