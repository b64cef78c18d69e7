import { describe, expect, it } from 'vitest';
import { progressLine } from '../../src/cli/progress-line.js';
import { type ProgressEvent, ProgressReporter } from '../../src/exec/progress.js';
import { count, fromColumns, linearRegression } from '../../src/index.js';

const n = 20_000;
const sales = fromColumns({ store: Int32Array.from({ length: n }, (_, i) => i % 10), units: Float64Array.from({ length: n }, (_, i) => i % 7) });
const stores = fromColumns({ store: Int32Array.from({ length: 10 }, (_, i) => i), city: Array.from({ length: 10 }, (_, i) => `c${i % 3}`) });
const pipeline = sales.join(stores, 'store').filter((r) => r.units.gt(1)).groupBy('city').agg((r) => ({ n: count(), u: r.units.sum() }));

/** A clock that moves `step` milliseconds each time it is read. */
function fakeClock(step: number): () => number {
  let t = 0;
  return () => (t += step);
}

describe('ProgressReporter', () => {
  it('stays silent until afterMs, then reports at most every everyMs, and always reports the end', () => {
    const events: ProgressEvent[] = [];
    // The clock reads 100 at construction, then 200, 300, ...: elapsed times 100, 200, ...
    const r = new ProgressReporter((e) => events.push(e), 3, { afterMs: 250, everyMs: 200, now: fakeClock(100) });
    r.started('Scan'); // 100 ms: silent
    r.finished('Scan', 10, true, false); // 200 ms: silent
    r.started('HashJoin'); // 300 ms: first report
    r.finished('HashJoin', 5, true, false); // 400 ms: within everyMs of the last, silent
    r.started('Aggregate'); // 500 ms: reported
    r.finished('Aggregate', 2, true, true); // 600 ms: the end, reported (it would be anyway here)
    expect(events).toEqual([
      { operator: 'HashJoin', state: 'started', rows: 0, operatorsDone: 1, operators: 3, elapsedMs: 300, done: false },
      { operator: 'Aggregate', state: 'started', rows: 0, operatorsDone: 2, operators: 3, elapsedMs: 500, done: false },
      { operator: 'Aggregate', state: 'finished', rows: 2, operatorsDone: 3, operators: 3, elapsedMs: 600, done: true },
    ]);
    // The end is reported even right after another report.
    const ends: ProgressEvent[] = [];
    const quick = new ProgressReporter((e) => ends.push(e), 1, { afterMs: 0, everyMs: 1000, now: fakeClock(1) });
    quick.started('Scan');
    quick.finished('Scan', 4, true, true);
    expect(ends.map((e) => [e.state, e.done])).toEqual([['started', false], ['finished', true]]);
  });

  it('a run shorter than afterMs reports nothing', async () => {
    const events: ProgressEvent[] = [];
    await pipeline.collect({ onProgress: (e) => events.push(e), progress: { afterMs: 60_000 } });
    expect(events).toEqual([]);
  });
});

describe('collect({ onProgress })', () => {
  it('reports every operator of a run, with its output rows, ending with done', async () => {
    const events: ProgressEvent[] = [];
    const rows = await pipeline.collectRows({ onProgress: (e) => events.push(e), progress: { afterMs: 0, everyMs: 0 } });
    const finished = events.filter((e) => e.state === 'finished');
    expect(finished.length).toBe(events.length / 2);
    expect(events.filter((e) => e.state === 'started').map((e) => e.operator)).toEqual(finished.map((e) => e.operator));
    const last = events.at(-1)!;
    expect(last).toMatchObject({ state: 'finished', done: true, rows: rows.length });
    expect(last.operatorsDone).toBe(last.operators);
    expect(events.filter((e) => e.done)).toHaveLength(1);
    // Elapsed time never goes back; the scan reports the source's rows.
    events.forEach((e, i) => i > 0 && expect(e.elapsedMs).toBeGreaterThanOrEqual(events[i - 1].elapsedMs));
    expect(finished.some((e) => e.rows === n)).toBe(true);
  });

  it('reports the operators of a learner loop at each step, counting the loop once', async () => {
    const X = sales.toMatrix(['units'], { intercept: true });
    const y = sales.toMatrix(['store']);
    const events: ProgressEvent[] = [];
    await linearRegression(X, y).collect({ onProgress: (e) => events.push(e), progress: { afterMs: 0, everyMs: 0 } });
    const last = events.at(-1)!;
    expect(last.done).toBe(true);
    expect(last.operatorsDone).toBe(last.operators);
  });
});

describe('progressLine (the CLI on a terminal)', () => {
  it('writes one line, rewritten in place, and clears it at the end; nothing off a terminal', () => {
    const written: string[] = [];
    const onProgress = progressLine({ isTTY: true, write: (s: string) => written.push(s) })!;
    onProgress({ operator: 'HashJoin', state: 'finished', rows: 1_200_000, operatorsDone: 3, operators: 7, elapsedMs: 2400, done: false });
    onProgress({ operator: 'Aggregate', state: 'finished', rows: 3, operatorsDone: 7, operators: 7, elapsedMs: 2500, done: true });
    expect(written).toEqual(['\r\x1b[Ktessera: HashJoin 1,200,000 rows · 3/7 operators · 2.4 s', '\r\x1b[K']);
    expect(progressLine({ isTTY: false, write: () => true })).toBeUndefined();
    expect(progressLine({ write: () => true })).toBeUndefined();
  });
});
