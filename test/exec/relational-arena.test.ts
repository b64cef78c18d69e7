/**
 * The run's arena for relational intermediates (src/exec/buffer-holders.ts,
 * src/data/buffer-pool.ts): selections, join row pairs, gathered columns and a sort's
 * order words come from the buffer pool, in shared memory, and go back when no live
 * result of the run refers to them. Checked: they do come back and are handed out
 * again; results are the same with the pool on and off; nothing a caller holds — a
 * collected table, or a lazy result column still reading an intermediate — is ever
 * handed out again; a pipeline reads pooled intermediates without copying them.
 */
import { createHash } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Batch } from '../../src/data/batch.js';
import { bufferPoolBytes, isPooled, setBufferPoolLimit } from '../../src/data/buffer-pool.js';
import { type Column, columnToArray, pendingGather } from '../../src/data/column.js';
import { mulberry32 } from '../../src/data/random.js';
import { planToRun } from '../../src/dsl/run.js';
import { execute } from '../../src/exec/execute.js';
import { sharedCopyBytes } from '../../src/exec/pipeline/morsels.js';
import { closeWorkerPool } from '../../src/exec/pipeline/worker-pool.js';
import { type Relation, count, fromColumns } from '../../src/index.js';

const MB = 1 << 20;
const defaultLimit = setBufferPoolLimit(256 * MB);
afterEach(() => {
  setBufferPoolLimit(0);
  setBufferPoolLimit(defaultLimit);
});
afterAll(() => closeWorkerPool());

/** Enough rows that selections, row pairs and gathered columns pass the pool's 1 MiB. */
const ROWS = 600_000;

function facts(seed: number) {
  const rand = mulberry32(seed);
  return fromColumns(
    {
      key: Int32Array.from({ length: ROWS }, () => Math.floor(rand() * 1000)),
      x: Float64Array.from({ length: ROWS }, () => Math.round(rand() * 10_000) / 100),
      y: Float64Array.from({ length: ROWS }, () => rand()),
    },
    { name: `facts${seed}` },
  );
}
const dims = fromColumns(
  { key: Int32Array.from({ length: 1000 }, (_, i) => i), w: Float64Array.from({ length: 1000 }, (_, i) => (i * 37) % 101), grp: Array.from({ length: 1000 }, (_, i) => `g${i % 13}`) },
  { name: 'dims', primaryKey: ['key'] },
);
/** filter → join → sort, one operator at a time. */
const query = (f: Relation<any>) =>
  f
    .filter((r) => r.y.gt(0.25))
    .join(dims, 'key')
    .orderBy((r) => [r.w, r.x.desc()]);
const off = { pipelines: false } as const;

/** A digest of a column's values (in order): comparing 400,000 values one by one in expect() takes seconds. */
function digest(values: ArrayLike<unknown>): string {
  return createHash('sha256')
    .update(JSON.stringify(Array.from(values, (v) => (typeof v === 'bigint' ? Number(v) : v instanceof Date ? v.toISOString() : v))))
    .digest('hex');
}

/** A digest of every column of a collected table. */
async function collected(r: Relation<any>, options = {}): Promise<Record<string, string>> {
  const table = await r.collect({ ...off, ...options });
  return Object.fromEntries(table.schema.fields.map((f) => [f.name, digest(table.getChild(f.name)!.toArray() as ArrayLike<unknown>)]));
}

describe('relational intermediates in the pool', () => {
  it('come back after the run, and the next run takes them again instead of fresh memory', async () => {
    const f = facts(1);
    setBufferPoolLimit(0);
    const fresh = await collected(query(f));
    setBufferPoolLimit(256 * MB);
    const first = await collected(query(f));
    const pooled = bufferPoolBytes();
    // The filter's selection, the sort's keys, order words and permutations; not the result.
    expect(pooled).toBeGreaterThan(4 * MB);
    const second = await collected(query(f));
    await collected(query(f));
    // A run that took fresh buffers instead of the pooled ones would leave more behind.
    expect(bufferPoolBytes()).toBe(pooled);
    expect(first).toEqual(fresh);
    expect(second).toEqual(fresh);
  });

  it('never hands out memory of a collected table, nor is any of it pooled', async () => {
    const mine = await query(facts(2)).collect(off);
    const before = Object.fromEntries(mine.schema.fields.map((f) => [f.name, digest(mine.getChild(f.name)!.toArray() as ArrayLike<unknown>)]));
    for (let run = 0; run < 2; run++) await collected(query(facts(10 + run)));
    for (const f of mine.schema.fields) {
      const vector = mine.getChild(f.name)!;
      expect(digest(vector.toArray() as ArrayLike<unknown>)).toBe(before[f.name]);
      for (const data of vector.data) expect(isPooled((data.values as Uint8Array).buffer)).toBe(false);
    }
  });

  // Results that refer to pooled intermediates: views of a sort's output (a limit), and
  // lazy columns reading through a filter's selection (a join whose rows are the left rows).
  for (const [shape, build] of [
    ['a limit over a sort', (f: Relation<any>) => f.orderBy((r) => r.x).limit(ROWS - 1000)],
    ['a join over a filter', (f: Relation<any>) => f.filter((r) => r.y.lt(0.5)).join(dims, 'key')],
  ] as const) {
    it(`keeps what a result refers to out of the pool: ${shape}`, async () => {
      setBufferPoolLimit(0);
      const expected = await collected(build(facts(3)));
      setBufferPoolLimit(256 * MB);
      const { result } = await execute(planToRun(build(facts(3)).plan, off), off);
      if (result.kind !== 'relation') throw new Error('expected a relation');
      const columns = result.batches.flatMap((b: Batch) => b.columns);
      for (const c of columns) for (const a of arraysOf(c)) expect(isPooled(a.buffer)).toBe(false);
      // Other runs take everything the pool has; then the result is read.
      for (let run = 0; run < 2; run++) await collected(build(facts(20 + run)));
      const names = Object.keys(expected);
      const read = Object.fromEntries(names.map((n, k) => [n, digest(result.batches.flatMap((b: Batch) => columnToArray(b.columns[k])))]));
      expect(read).toEqual(expected);
    });
  }

  it('hands a pipeline pooled intermediates in shared memory: no copy per run', async () => {
    // A sort (pooled output) read by a pipeline on two threads.
    const sortedThenGrouped = (f: Relation<any>) =>
      f
        .orderBy((r) => r.y)
        .filter((r) => r.x.gt(10))
        .join(dims, 'key')
        .groupBy('grp')
        .agg((r) => ({ n: count(), total: r.x.sum() }));
    const f = facts(4);
    setBufferPoolLimit(0);
    // One thread, no pool: the same per-morsel sums, in the same order.
    const expected = await collected(sortedThenGrouped(f), { pipelines: true, workers: 1 });
    setBufferPoolLimit(256 * MB);
    await collected(sortedThenGrouped(f), { pipelines: true, workers: 2 });
    const before = sharedCopyBytes();
    const again = await collected(sortedThenGrouped(f), { pipelines: true, workers: 2 });
    // The sorted columns (2.4 MB and more each) are fresh every run: a copy of them would show here.
    expect(sharedCopyBytes() - before).toBeLessThan(MB);
    expect(again).toEqual(expected);
    expect(await sortedThenGrouped(f).explain({ analyze: true, workers: 2 })).toMatch(/Pipeline[\s\S]*on 2 threads/);
  });
});

/** The arrays a column holds, its lazy source's included, without materializing it. */
function arraysOf(c: Column): ArrayBufferView[] {
  const lazy = pendingGather(c);
  if (lazy === null) return [c.values, ...(c.validity ? [c.validity] : [])];
  return [lazy.indices, ...arraysOf(lazy.source)];
}
