/**
 * count(DISTINCT x) in a pipeline's generated loop (src/exec/pipeline/distinct.ts):
 * bitmaps over x's value ids per group slot, set per morsel, OR-merged. Checked
 * against DuckDB over string, integer, bool and date arguments from the source and from
 * a join's build side, with nulls and a left join's missing rows, with other aggregates,
 * grouped and global (also over no rows); arguments without a small domain run operator
 * at a time, and explain analyze says why; output is bit-identical on 1, 2 and 4 threads.
 */
import { tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/data/random.js';
import { MORSEL_ROWS } from '../../src/exec/pipeline/morsels.js';
import { type ColumnIn, Fixture } from '../differential/fixtures.js';
import { pipelineOracle } from '../support/pipeline-oracle.js';
import { A, type JoinKind, type Q, X } from '../differential/pair.js';

const FILE = 'test/exec/pipeline-distinct.test.ts';
const ROWS = 3 * MORSEL_ROWS + 777;

const oracle = pipelineOracle();

/** Sales with nullable string, int, bool and date columns; stores (null regions, not every store id) and products (repeated keys). */
function tables(f: Fixture, seed: number, sourceFormat: { format?: 'arrow'; chunks?: number[] } = {}) {
  const rand = mulberry32(seed);
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  const maybe = <T,>(share: number, value: () => T) => (rand() < share ? null : value());
  const sales: Record<string, ColumnIn> = {
    store_id: ['int32', Array.from({ length: ROWS }, () => maybe(0.01, () => Math.floor(rand() * 130)))],
    product: ['string', Array.from({ length: ROWS }, () => maybe(0.02, () => `p${Math.floor(rand() * 90)}`))],
    customer: ['string', Array.from({ length: ROWS }, () => maybe(0.05, () => `c${Math.floor(rand() * 700)}`))],
    zip: ['int32', Array.from({ length: ROWS }, () => maybe(0.01, () => Math.floor(rand() * 30_000)))],
    units: ['int32', Array.from({ length: ROWS }, () => maybe(0.03, () => Math.floor(rand() * 25) - 5))],
    promo: ['bool', Array.from({ length: ROWS }, () => maybe(0.1, () => rand() < 0.3))],
    day: ['date', Array.from({ length: ROWS }, () => maybe(0.02, () => 19_000 + Math.floor(rand() * 365)))],
    // Wide ranges: no small domain.
    ticket: ['int64', Array.from({ length: ROWS }, () => Math.floor(rand() * 2 ** 40))],
    price: ['float64', Array.from({ length: ROWS }, () => Math.round(rand() * 1e6) / 100)],
  };
  const stores: Record<string, ColumnIn> = {
    store_id: ['int32', Array.from({ length: 110 }, (_, i) => i)],
    region: ['string', Array.from({ length: 110 }, () => pick(['north', 'south', 'east', 'west', null]))],
    manager: ['string', Array.from({ length: 110 }, () => maybe(0.2, () => pick(['ann', 'bob', 'cy', 'dee', 'eve', 'fay'])))],
    opened: ['date', Array.from({ length: 110 }, () => maybe(0.1, () => 15_000 + Math.floor(rand() * 40)))],
  };
  // 80 products, 15 of them listed twice (a second supplier): the join repeats those rows.
  const names = Array.from({ length: 80 }, (_, i) => `p${i}`);
  const products: Record<string, ColumnIn> = {
    product: ['string', [...names, ...names.slice(0, 15)]],
    category: ['string', Array.from({ length: 95 }, () => pick(['toys', 'food', 'tools']))],
    supplier: ['int64', Array.from({ length: 95 }, () => maybe(0.1, () => 1000 + Math.floor(rand() * 30)))],
    organic: ['bool', Array.from({ length: 95 }, () => maybe(0.2, () => rand() < 0.5))],
  };
  return {
    sales: f.table('sales', sales, sourceFormat),
    stores: f.table('stores', stores, { primaryKey: ['store_id'] }),
    products: f.table('products', products),
  };
}

/** count(DISTINCT) of the sales' string, int, bool and date columns and of both dimensions' columns, with other aggregates between them. */
const DISTINCTS = (q: Q) => [
  { name: 'products', a: A.countDistinct(X.col(q, 'product')) },
  { name: 'n', a: A.countStar() },
  { name: 'customers', a: A.countDistinct(X.col(q, 'customer')) },
  { name: 'unit_values', a: A.countDistinct(X.col(q, 'units')) },
  { name: 'units', a: A.sum(X.col(q, 'units')) },
  { name: 'promos', a: A.countDistinct(X.col(q, 'promo')) },
  { name: 'days', a: A.countDistinct(X.col(q, 'day')) },
  { name: 'max_price', a: A.max(X.col(q, 'price')) },
  { name: 'managers', a: A.countDistinct(X.col(q, 'manager')) },
  { name: 'opened', a: A.countDistinct(X.col(q, 'opened')) },
  { name: 'categories', a: A.countDistinct(X.col(q, 'category')) },
  { name: 'suppliers', a: A.countDistinct(X.col(q, 'supplier')) },
  { name: 'organic', a: A.countDistinct(X.col(q, 'organic')) },
];

function starJoin(f: Fixture, t: ReturnType<typeof tables>, how: JoinKind): Q {
  let q = f.b.join(t.sales, t.stores, how, ['store_id']);
  q = f.b.join(q, t.products, how, ['product']);
  return f.b.filter(q, X.cmp('ne', X.col(q, 'units'), 7));
}

async function ranInLoop(q: Q): Promise<void> {
  const report = await q.rel.explain({ analyze: true });
  expect(report).toMatch(/Pipeline/);
  expect(report).toMatch(/ran: one generated loop/);
}

describe('count distinct in pipelines vs DuckDB', () => {
  it.each(['inner', 'left'] as const)('grouped: source and build-side columns of every kind, %s joins', async (how) => {
    const f = new Fixture(`pipeline distinct ${how}`, FILE);
    const t = tables(f, 31);
    const q = starJoin(f, t, how);
    const grouped = f.b.aggregate(q, ['region', 'promo'], DISTINCTS(q));
    await f.check(oracle.duck, grouped);
    await ranInLoop(grouped);
  });

  it('grouped by a source column, over a source read as Arrow record batches (one dictionary per batch)', async () => {
    const f = new Fixture('pipeline distinct arrow source', FILE);
    const t = tables(f, 32, { format: 'arrow', chunks: [MORSEL_ROWS, 0, ROWS - MORSEL_ROWS - 1000, 1000] });
    const q = starJoin(f, t, 'left');
    const grouped = f.b.aggregate(q, ['category'], DISTINCTS(q));
    await f.check(oracle.duck, grouped);
    await ranInLoop(grouped);
  });

  it('global: over rows, and over a filter that keeps none (every count 0)', async () => {
    const f = new Fixture('pipeline distinct global', FILE);
    const t = tables(f, 33);
    const q = starJoin(f, t, 'left');
    const all = f.b.aggregate(q, [], DISTINCTS(q), true);
    await f.check(oracle.duck, all);
    await ranInLoop(all);
    const none = f.b.filter(q, X.cmp('gt', X.col(q, 'units'), 1000));
    const empty = f.b.aggregate(none, [], DISTINCTS(none), true);
    await f.check(oracle.duck, empty);
    expect(await empty.rel.explain({ analyze: true })).toMatch(/no row reached the aggregate/);
    expect(await empty.rel.collectRows()).toEqual([{ products: 0, n: 0, customers: 0, unit_values: 0, units: null, promos: 0, days: 0, max_price: null, managers: 0, opened: 0, categories: 0, suppliers: 0, organic: 0 }]);
  });

  it('a group whose argument is null in every row (a left join without a match) counts 0', async () => {
    const f = new Fixture('pipeline distinct all null', FILE);
    const t = tables(f, 34);
    // Store ids 110..129 have no store: their rows' managers are all null.
    let q = f.b.join(t.sales, t.stores, 'left', ['store_id']);
    q = f.b.filter(q, X.cmp('ge', X.col(q, 'store_id'), 100));
    const grouped = f.b.aggregate(q, ['store_id'], [
      { name: 'managers', a: A.countDistinct(X.col(q, 'manager')) },
      { name: 'regions', a: A.countDistinct(X.col(q, 'region')) },
      { name: 'n', a: A.countStar() },
    ]);
    await f.check(oracle.duck, grouped);
    await ranInLoop(grouped);
    const rows = await grouped.rel.collectRows();
    expect(rows.filter((r) => Number(r.store_id) >= 110).every((r) => r.managers === 0 && r.regions === 0)).toBe(true);
    expect(rows.some((r) => Number(r.store_id) >= 110)).toBe(true);
  });
});

describe('count distinct in pipelines: fallbacks', () => {
  it('arguments of too large a domain (a wide int64, floats) run operator at a time, and explain analyze says why', async () => {
    const f = new Fixture('pipeline distinct wide', FILE);
    const t = tables(f, 35);
    const q = starJoin(f, t, 'inner');
    for (const column of ['ticket', 'price']) {
      const grouped = f.b.aggregate(q, ['region'], [
        { name: 'distinct', a: A.countDistinct(X.col(q, column)) },
        { name: 'products', a: A.countDistinct(X.col(q, 'product')) },
      ]);
      await f.check(oracle.duck, grouped);
      expect(await grouped.rel.explain({ analyze: true })).toMatch(/ran: operators one at a time: count distinct of a domain too large/);
    }
  });

  it('a computed argument runs operator at a time, and explain analyze says why', async () => {
    const f = new Fixture('pipeline distinct computed', FILE);
    const t = tables(f, 36);
    const q = f.b.filter(t.sales, X.cmp('gt', X.col(t.sales, 'units'), 0));
    const doubled = f.b.withColumn(q, 'twice', X.arith('mul', X.col(q, 'units'), 2));
    const grouped = f.b.aggregate(doubled, ['promo'], [{ name: 'twice', a: A.countDistinct(X.col(doubled, 'twice')) }]);
    await f.check(oracle.duck, grouped);
    expect(await grouped.rel.explain({ analyze: true })).toMatch(/ran: operators one at a time: count distinct of a computed value/);
  });

  it('bitmaps within 4 MiB per morsel run in the loop; over it (many group slots × several domains) they fall back', async () => {
    const f = new Fixture('pipeline distinct budget', FILE);
    const t = tables(f, 37);
    const q = f.b.filter(t.sales, X.cmp('gt', X.col(t.sales, 'units'), 0));
    // 30,001 slots (zip spans 30,000 values, and null): customer's 701 ids take 22 words a slot, 2.6 MB.
    const customers = f.b.aggregate(q, ['zip'], [{ name: 'customers', a: A.countDistinct(X.col(q, 'customer')) }]);
    await f.check(oracle.duck, customers);
    await ranInLoop(customers);
    // With day (366 ids, 12 words) and product (91 ids, 3 words): 37 words a slot, 4.4 MB.
    const more = f.b.aggregate(q, ['zip'], [
      { name: 'customers', a: A.countDistinct(X.col(q, 'customer')) },
      { name: 'days', a: A.countDistinct(X.col(q, 'day')) },
      { name: 'products', a: A.countDistinct(X.col(q, 'product')) },
    ]);
    await f.check(oracle.duck, more);
    expect(await more.rel.explain({ analyze: true })).toMatch(/ran: operators one at a time: count distinct of a domain too large/);
  });
});

describe('count distinct in pipelines: threads', () => {
  const f = new Fixture('pipeline distinct threads', FILE);
  const t = tables(f, 41);
  const q = starJoin(f, t, 'left');
  const grouped = f.b.aggregate(q, ['region', 'category'], DISTINCTS(q));

  it('gives bit-identical Arrow output on 1, 2 and 4 threads, run after run', async () => {
    const bytes = async (workers: number) => Buffer.from(tableToIPC(await grouped.rel.collect({ workers })));
    const one = await bytes(1);
    for (const workers of [2, 4, 1, 4, 2]) expect((await bytes(workers)).equals(one)).toBe(true);
    expect(await grouped.rel.explain({ analyze: true, workers: 4 })).toMatch(/ran: one generated loop: 4 morsels on 4 threads/);
  });
});
