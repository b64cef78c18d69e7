import { afterEach, describe, expect, it, vi } from 'vitest';
import { count, formatTable, fromColumns } from '../../src/index.js';

const sales = fromColumns({
  store: Int32Array.from([0, 1, 1]),
  units: [3, 5, 2],
  price: [9.5, null, 7.25],
  day: [new Date('2024-01-02'), new Date('2024-02-03'), null],
});
const stores = fromColumns({ store: Int32Array.from([0, 1]), city: ['Paris', 'Lyon\nnord'] });
const perCity = sales
  .join(stores, 'store')
  .groupBy('city')
  .agg((r) => ({ n: count(), revenue: r.units.mul(r.price).sum() }))
  .orderBy('city');

afterEach(() => vi.restoreAllMocks());

describe('formatTable / show', () => {
  it('prints a box with names, types, NULLs, right-aligned numbers and the counts', async () => {
    expect(formatTable(await sales.collect())).toBe(
      [
        '┌───────┬─────────┬──────────┬────────────┐',
        '│ store │  units  │  price   │    day     │',
        '│ int32 │ float64 │ float64? │   date?    │',
        '├───────┼─────────┼──────────┼────────────┤',
        '│     0 │       3 │      9.5 │ 2024-01-02 │',
        '│     1 │       5 │     NULL │ 2024-02-03 │',
        '│     1 │       2 │     7.25 │ NULL       │',
        '└───────┴─────────┴──────────┴────────────┘',
        '  3 rows, 4 columns',
      ].join('\n'),
    );
  });

  it('escapes line breaks, shows int64 counts, and elides the middle of a long result', async () => {
    const text = formatTable(await perCity.collect());
    expect(text).toContain('│ Lyon\\nnord │     2 │     14.5 │');
    expect(text).toContain('│   string   │ int64 │ float64? │');
    const long = formatTable(await fromColumns({ x: Array.from({ length: 100 }, (_, i) => i) }).collect(), { maxRows: 4 });
    expect(long.split('\n').slice(4, 9)).toEqual(['│       0 │', '│       1 │', '│    ·    │', '│      98 │', '│      99 │']);
    expect(long).toMatch(/100 rows \(4 shown\), 1 column$/);
    const cut = formatTable(await fromColumns({ s: ['x'.repeat(100)] }).collect(), { maxWidth: 10 });
    expect(cut).toContain(`│ ${'x'.repeat(9)}… │`);
  });

  it('rel.show() runs the pipeline and prints the same box', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await perCity.show();
    expect(log).toHaveBeenCalledWith(formatTable(await perCity.collect()));
  });
});

describe('counts: bigint in the Arrow table, number in rows unless asked', () => {
  it('collect() gives Arrow Int64 (bigint), collectRows() numbers, collectRows({ int64: "bigint" }) bigints', async () => {
    const table = await perCity.collect();
    expect(table.getChild('n')!.get(0)).toBe(2n);
    expect((await perCity.collectRows())[0].n).toBe(2);
    const rows = await perCity.collectRows({ int64: 'bigint' });
    expect(rows.map((r) => r.n)).toEqual([2n, 1n]);
    // Only int64 columns change.
    expect(rows[0].revenue).toBe(14.5);
  });
});
