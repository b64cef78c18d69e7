/**
 * Materializing pipelines (src/exec/pipeline/materialize-sink.ts): chains of filters,
 * projections and join probes read by a sort, a join, toMatrix or the caller, run as
 * one generated loop that writes row indices, with lazily gathered columns. Checked
 * against DuckDB (every join kind a pipeline takes, repeated build keys, nulls, string
 * and two-column keys, empty results), against the same plan run one operator at a
 * time (`pipelines: false`: the same rows in the same order, and the same matrix, bit
 * for bit), and across 1, 2 and 4 threads; explain shows the sink and what ran.
 */
import { tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/data/random.js';
import { MemoryLimitError } from '../../src/errors.js';
import { MORSEL_ROWS } from '../../src/exec/pipeline/morsels.js';
import type { Relation } from '../../src/index.js';
import { type ColumnIn, Fixture } from '../differential/fixtures.js';
import { pipelineOracle } from '../support/pipeline-oracle.js';
import { type JoinKind, type Q, type SortKeySpec, X } from '../differential/pair.js';

const FILE = 'test/exec/pipeline-materialize.test.ts';
const ROWS = 3 * MORSEL_ROWS + 777;

const oracle = pipelineOracle();

/**
 * Orders (the fact table: several morsels), customers (unique int key, some null
 * segments), items (a string key listed up to three times: chains) and rates (a
 * two-column key, some pairs repeated, one null key).
 */
function shop(f: Fixture, seed: number, rows = ROWS) {
  const rand = mulberry32(seed);
  const orders: Record<string, ColumnIn> = {
    id: ['int32', Array.from({ length: rows }, (_, i) => i)],
    cust: ['int32', Array.from({ length: rows }, () => (rand() < 0.01 ? null : Math.floor(rand() * 520)))],
    item: ['string', Array.from({ length: rows }, () => (rand() < 0.01 ? null : `i${Math.floor(rand() * 90)}`))],
    qty: ['int32', Array.from({ length: rows }, () => (rand() < 0.02 ? null : Math.floor(rand() * 12)))],
    price: ['float64', Array.from({ length: rows }, () => Math.round(rand() * 10_000) / 100)],
    day: ['int32', Array.from({ length: rows }, () => Math.floor(rand() * 7))],
  };
  const customers: Record<string, ColumnIn> = {
    cust: ['int32', Array.from({ length: 500 }, (_, i) => i)],
    segment: ['string', Array.from({ length: 500 }, (_, i) => (i % 17 === 0 ? null : ['retail', 'trade', 'online'][i % 3]))],
    credit: ['float64', Array.from({ length: 500 }, (_, i) => (i * 37) % 101)],
  };
  // 80 items, the first 25 listed twice and the first 5 three times (in different places: chains in row order).
  const names = Array.from({ length: 80 }, (_, i) => `i${i}`);
  const listed = [...names.slice(0, 40), ...names.slice(0, 25), ...names.slice(40), ...names.slice(0, 5)];
  const items: Record<string, ColumnIn> = {
    item: ['string', listed],
    colour: ['string', listed.map((_, k) => ['red', 'green', 'blue', 'grey'][k % 4])],
    weight: ['float64', listed.map((_, k) => (k % 9 === 0 ? null : (k % 13) / 2))],
  };
  const rates: Record<string, ColumnIn> = {
    day: ['int32', [0, 1, 2, 3, 4, 5, 0, 2, 6, null]],
    qty: ['int32', [1, 2, 3, 4, 5, 6, 1, 3, 7, 8]],
    rate: ['float64', [0.5, 1, 1.5, 2, 2.5, 3, 0.25, 1.25, 4, 9]],
  };
  return {
    orders: f.table('orders', orders),
    customers: f.table('customers', customers, { primaryKey: ['cust'] }),
    items: f.table('items', items),
    rates: f.table('rates', rates),
  };
}

const byId = (q: Q): SortKeySpec[] => [{ key: X.col(q, 'id'), desc: false, column: 'id', bare: true }];

/** Arrow bytes of a relation (exact rows, order and types). */
async function ipc(rel: Relation<any>, options: Parameters<Relation<any>['collect']>[0]): Promise<Buffer> {
  return Buffer.from(tableToIPC(await rel.collect(options)));
}

/** Checks that `q` ran as one materializing loop (not its fallback). */
async function expectOneLoop(q: Q): Promise<void> {
  const report = await q.rel.explain({ analyze: true });
  expect(report).toMatch(/→ materialize: one generated loop/);
  expect(report).toMatch(/ran: one generated loop/);
}

describe('materializing pipelines vs DuckDB', () => {
  it.each(['inner', 'left', 'semi', 'anti'] as JoinKind[])('filter → join → %s join on a repeated string key → sort', async (how) => {
    const f = new Fixture(`materialize ${how}`, FILE);
    const t = shop(f, 31);
    let q = f.b.filter(t.orders, X.cmp('gt', X.col(t.orders, 'qty'), 2));
    q = f.b.join(q, t.customers, 'inner', ['cust']);
    q = f.b.join(q, t.items, how, ['item']);
    await f.check(oracle.duck, f.b.sort(q, byId(q)));
    await expectOneLoop(q);
  });

  it('a two-column key with repeated pairs and a null key, a left join, computed columns between the steps, read by the caller', async () => {
    const f = new Fixture('materialize multi-key', FILE);
    const t = shop(f, 32);
    let q = f.b.join(t.orders, t.customers, 'left', ['cust']);
    q = f.b.withColumn(q, 'revenue', X.arith('mul', X.col(q, 'qty'), X.col(q, 'price')));
    q = f.b.filter(q, X.or(X.isNull(X.col(q, 'segment')), X.cmp('ne', X.col(q, 'segment'), 'trade')));
    q = f.b.join(q, t.rates, 'inner', ['day', 'qty']);
    q = f.b.withColumn(q, 'scaled', X.arith('mul', X.col(q, 'revenue'), X.col(q, 'rate')));
    q = f.b.withColumn(q, 'label', X.coalesce(X.col(q, 'segment'), X.cast(X.col(q, 'day'), 'string')));
    await f.check(oracle.duck, q);
    await expectOneLoop(q);
  });

  it('a pipeline as the build side of a join that is itself in a pipeline', async () => {
    const f = new Fixture('materialize build side', FILE);
    const t = shop(f, 33);
    // Build side: a filter → join chain whose only reader is the join below (a materializing pipeline).
    const colours = f.table('colours', { colour: ['string', ['red', 'green', 'blue', 'grey']], warm: ['bool', [true, false, false, null]] });
    let build = f.b.filter(t.items, X.cmp('ge', X.coalesce(X.col(t.items, 'weight'), 0), 1));
    build = f.b.join(build, colours, 'inner', ['colour']);
    let q = f.b.filter(t.orders, X.cmp('lt', X.col(t.orders, 'price'), 80));
    q = f.b.join(q, build, 'inner', ['item']);
    // Reads both sides: stays above the join.
    q = f.b.filter(q, X.cmp('gt', X.col(q, 'price'), X.arith('mul', X.col(q, 'weight'), 10)));
    await f.check(oracle.duck, f.b.sort(q, byId(q)));
    const report = await q.rel.explain({ analyze: true });
    expect(report.match(/Pipeline \(\d operators\)/g)?.length).toBe(2);
    expect(report).toMatch(/filter \(price < 80\) → probe item → filter \(price > \(weight \* 10\)\) → materialize/);
    expect(report).toMatch(/filter \(coalesce\(weight, 0\) >= 1\) → probe colour → materialize/);
  });

  it('empty results: a filter that keeps no row, and a build side without rows', async () => {
    const f = new Fixture('materialize empty', FILE);
    const t = shop(f, 34);
    let none = f.b.filter(t.orders, X.cmp('gt', X.col(t.orders, 'qty'), 100));
    none = f.b.join(none, t.items, 'inner', ['item']);
    await f.check(oracle.duck, f.b.sort(none, byId(none)));
    const noItems = f.b.filter(t.items, X.cmp('eq', X.col(t.items, 'colour'), 'purple'));
    let q = f.b.join(t.orders, t.customers, 'inner', ['cust']);
    q = f.b.join(q, noItems, 'left', ['item']);
    await f.check(oracle.duck, q);
    await expectOneLoop(q);
    await expectOneLoop(none);
  });
});

describe('materializing pipelines: order, growth and threads', () => {
  const f = new Fixture('materialize order', FILE);
  const t = shop(f, 41);
  let chain = f.b.filter(t.orders, X.cmp('ge', X.col(t.orders, 'price'), 5));
  chain = f.b.join(chain, t.items, 'left', ['item']);
  chain = f.b.join(chain, t.rates, 'inner', ['day', 'qty']);
  const q = chain.rel;

  it('gives the rows of the operators one at a time, in their order (chains of two joins with repeated keys)', async () => {
    const one = await ipc(q, { pipelines: false });
    expect((await ipc(q, { workers: 1 })).equals(one)).toBe(true);
    expect(await q.explain({ analyze: true, workers: 1 })).toMatch(/ran: one generated loop: 4 morsels on 1 thread; \d+ rows out as row indices/);
  });

  it('gives bit-identical Arrow output on 1, 2 and 4 threads, run after run', async () => {
    const one = await ipc(q, { workers: 1 });
    for (const workers of [2, 4, 1, 4, 2]) expect((await ipc(q, { workers })).equals(one)).toBe(true);
  });

  it('grows the buffers of morsels whose rows multiply, with the same rows', async () => {
    // Every order meets five items: five output rows per source row.
    const g = new Fixture('materialize growth', FILE);
    const s = shop(g, 42);
    const five = g.table('five', { colour: ['string', ['red', 'red', 'red', 'red', 'red', 'blue']], n: ['int32', [1, 2, 3, 4, 5, 6]] });
    let many = g.b.join(s.orders, s.customers, 'inner', ['cust']);
    many = g.b.join(many, g.b.filter(s.items, X.cmp('eq', X.col(s.items, 'colour'), 'red')), 'inner', ['item']);
    many = g.b.join(many, five, 'inner', ['colour']);
    await g.check(oracle.duck, many);
    const reference = await ipc(many.rel, { pipelines: false });
    for (const workers of [1, 2, 4]) expect((await ipc(many.rel, { workers })).equals(reference)).toBe(true);
    expect(await many.rel.explain({ analyze: true, workers: 2 })).toMatch(/ran: one generated loop: \d morsels on 2 threads, \d morsels? grew past their source rows/);
  });

  it('stops with a MemoryLimitError naming the pipeline when the rows pass the memory limit', async () => {
    const g = new Fixture('materialize memory', FILE);
    const s = shop(g, 43, 20_000);
    const dup = g.table('dup', { day: ['int32', Array.from({ length: 4000 }, (_, i) => i % 7)], v: ['float64', Array.from({ length: 4000 }, (_, i) => i)] });
    let big = g.b.filter(s.orders, X.cmp('ge', X.col(s.orders, 'price'), 0));
    big = g.b.join(big, dup, 'inner', ['day']);
    const err = await big.rel.collect({ memoryLimit: 8_000_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MemoryLimitError);
    expect((err as Error).message).toMatch(/^Pipeline: needs .* over the memory limit of 8\.00 MB/);
  });
});

describe('materializing pipelines: toMatrix', () => {
  const f = new Fixture('materialize matrix', FILE);
  const t = shop(f, 51);
  let chain = f.b.filter(t.orders, X.cmp('gt', X.col(t.orders, 'price'), 10));
  chain = f.b.join(chain, t.customers, 'inner', ['cust']);
  chain = f.b.join(chain, t.items, 'inner', ['item']);
  const features = ['price', { standardize: 'credit' }, { onehot: 'colour', categories: ['red', 'green', 'blue', 'grey'] }] as const;
  const X_ = (chain.rel as Relation<any>).toMatrix(features as never, { intercept: true });

  it('encodes the same matrix as the operators one at a time and the plan as built, bit for bit, on 1, 2 and 4 threads', async () => {
    const reference = await X_.collect({ pipelines: false, optimize: false });
    const bytes = (m: { data: ArrayLike<number> }) => Buffer.from(Float64Array.from(m.data).buffer);
    expect(reference.rows).toBeGreaterThan(MORSEL_ROWS);
    for (const options of [{ workers: 1 }, { workers: 2 }, { workers: 4 }, { optimize: false }, { materializeJoins: true }]) {
      const m = await X_.collect(options);
      expect([m.rows, m.cols]).toEqual([reference.rows, reference.cols]);
      expect(bytes(m).equals(bytes(reference))).toBe(true);
    }
  });

  it('explain shows the toMatrix sink, and without join blocks a materialize sink under a plain ToMatrix', async () => {
    const planned = await X_.explain({ workers: 2 });
    expect(planned).toMatch(/Pipeline \(5 operators\)/);
    expect(planned).toMatch(/filter \(price > 10\) → probe cust → probe item → toMatrix: one generated loop over morsels of the source on 2 threads/);
    expect(await X_.explain({ analyze: true, workers: 2 })).toMatch(/ran: one generated loop: 4 morsels on 2 threads(, \d morsels? grew past their source rows)?; \d+ rows out as row indices, encoded through them/);
    const materialized = X_.explain({ joinBlocks: false });
    expect(materialized).toMatch(/ToMatrix[\s\S]*Pipeline \(4 operators\)/);
    expect(materialized).toMatch(/→ materialize:/);
  });
});

describe('materializing pipelines: what the planner picks, and the fallback', () => {
  const f = new Fixture('materialize planner', FILE);
  const t = shop(f, 61, 5000);

  it('runs a chain the loop cannot express one operator at a time, with the same rows, and says why', async () => {
    let q = f.b.join(t.orders, t.customers, 'inner', ['cust']);
    // Two string columns compared: outside the loop's predicates.
    q = f.b.join(q, t.items, 'inner', ['item']);
    q = f.b.filter(q, X.cmp('ne', X.col(q, 'segment'), X.col(q, 'colour')));
    await f.check(oracle.duck, q);
    const report = await q.rel.explain({ analyze: true });
    expect(report).toMatch(/Pipeline \(3 operators\)/);
    expect(report).toMatch(/ran: operators one at a time: filter predicate outside the generated subset/);
  });

  it('leaves a single join or filter to its operator, and a chain read by a limit or by two readers', () => {
    const joined = f.b.join(t.orders, t.customers, 'inner', ['cust']);
    const join = f.b.sort(joined, byId(joined));
    expect(join.rel.explain()).not.toMatch(/Pipeline/);
    const chain = f.b.join(f.b.filter(t.orders, X.cmp('gt', X.col(t.orders, 'qty'), 2)), t.customers, 'inner', ['cust']);
    expect(chain.rel.explain()).toMatch(/Pipeline \(2 operators\)/);
    expect(chain.rel.limit(10).explain()).not.toMatch(/Pipeline/);
    expect(chain.rel.unionAll(chain.rel).explain()).not.toMatch(/Pipeline/);
    expect(chain.rel.explain({ pipelines: false })).not.toMatch(/Pipeline/);
  });
});
