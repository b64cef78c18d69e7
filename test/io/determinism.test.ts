/**
 * Determinism: the same inputs give bit-identical results run after run, and the
 * Arrow tables `collect()` returns write byte-identical IPC (file and stream formats).
 * apache-arrow numbers dictionary types from a process-wide counter when no id is
 * given; batchesToArrow gives each string column the id of its position instead.
 */
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { type Relation, count, fromColumns } from '../../src/index.js';
import { collectMatrix } from '../../src/dsl/run.js';

type Sales = { store: 'string'; city: 'string?'; qty: 'int64'; price: 'float64?'; ok: 'bool'; day: 'date' };
type Stores = { store: 'string'; region: 'string' };

/** The same inputs, as new sources each time. */
function inputs(): { sales: Relation<Sales>; stores: Relation<Stores> } {
  const sales = fromColumns({
    store: ['s1', 's2', 's1', 's3', 's2', 's1'],
    city: ['Paris', null, 'Lyon', 'Paris', 'Nice', null],
    qty: [3n, 1n, 4n, 1n, 5n, 9n],
    price: [2.5, 0.1, null, 1e-7, 3.25, -0.5],
    ok: [true, false, true, true, false, true],
    day: [new Date(0), new Date(86_400_000), new Date(0), new Date(2 * 86_400_000), new Date(0), new Date(86_400_000)],
  }) as unknown as Relation<Sales>;
  const stores = fromColumns({ store: ['s1', 's2', 's3'], region: ['north', 'south', 'north'] }) as unknown as Relation<Stores>;
  return { sales, stores };
}

/** A pipeline touching every column type: filter, computed columns, join, aggregate, sort. */
function pipeline({ sales, stores }: ReturnType<typeof inputs>) {
  return sales
    .filter((r) => r.ok.or(r.qty.gt(2)))
    .withColumn('total', (r) => r.price.mul(r.qty).coalesce(0))
    .join(stores, 'store')
    .groupBy('region', 'city')
    .agg((r) => ({ n: count(), qty: r.qty.sum(), total: r.total.sum(), mean: r.price.mean(), first: r.day.min() }))
    .orderBy((r) => [r.region.asc(), r.city.asc({ nulls: 'first' })]);
}

const bytes = (table: arrow.Table, format: 'file' | 'stream') => Buffer.from(arrow.tableToIPC(table, format));

describe('determinism', () => {
  it('the same pipeline collected twice gives byte-identical Arrow IPC, in file and stream formats', async () => {
    const p = pipeline(inputs());
    const a = await p.collect();
    // Other dictionary types made in between move apache-arrow's id counter along.
    new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());
    const b = await p.collect();
    expect(a).not.toBe(b);
    expect(a.numRows).toBeGreaterThan(0);
    for (const format of ['file', 'stream'] as const) expect(bytes(a, format).equals(bytes(b, format))).toBe(true);
    expect(a.toArray().map((r) => r.toJSON())).toEqual(b.toArray().map((r) => r.toJSON()));
  });

  it('the same pipeline built again over new sources, with and without the optimizer, writes the same bytes', async () => {
    const first = await pipeline(inputs()).collect();
    const again = await pipeline(inputs()).collect();
    const unoptimized = await pipeline(inputs()).collect({ optimize: false });
    const reference = bytes(first, 'file');
    expect(bytes(again, 'file').equals(reference)).toBe(true);
    expect(bytes(unoptimized, 'file').equals(reference)).toBe(true);
  });

  it('string columns are dictionaries whose id is their position in the schema', async () => {
    const { sales } = inputs();
    const table = await sales.select('qty', 'store', 'city').collect();
    const ids = table.schema.fields.map((f) => (arrow.DataType.isDictionary(f.type) ? f.type.id : null));
    expect(ids).toEqual([null, 1, 2]);
    // And the bytes read back as the same table.
    const back = arrow.tableFromIPC(arrow.tableToIPC(table, 'file'));
    expect(back.getChild('store')!.toArray()).toEqual(table.getChild('store')!.toArray());
    expect([...back.getChild('city')!]).toEqual(['Paris', null, 'Lyon', 'Paris', 'Nice', null]);
  });

  it('row objects and matrices are identical bit for bit from run to run', async () => {
    const p = pipeline(inputs());
    expect(await p.collectRows()).toEqual(await p.collectRows());
    const m = inputs().sales.toMatrix(['ok', { onehot: 'store' }, { standardize: 'qty' }], { intercept: true });
    const x = m.crossprod().add(1).sqrt();
    const r1 = await collectMatrix(x.plan);
    const r2 = await collectMatrix(x.plan);
    expect(Buffer.from(r1.data.buffer, r1.data.byteOffset, r1.data.byteLength).equals(Buffer.from(r2.data.buffer, r2.data.byteOffset, r2.data.byteLength))).toBe(true);
    expect(r1.columnNames).toEqual(r2.columnNames);
  });
});
