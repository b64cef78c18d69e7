import { type ChildProcess, fork } from 'node:child_process';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { setBufferPoolLimit } from '../src/data/buffer-pool.js';
import { mulberry32 } from '../src/data/random.js';
import { fromColumns } from '../src/index.js';

/**
 * `npx tsx bench/relational-arena.ts [--rows N] [--runs K]`: a repeated
 * operator-at-a-time query — filter → join → sort over N fact rows (default 1,000,000)
 * and a 100,000-row dimension — run K times (default 10) with the buffer pool on (the
 * executor's arena hands relational intermediates out again, src/data/buffer-pool.ts)
 * and off (every intermediate fresh). Pipelines are off: the point is the operators'
 * own intermediates (the filter's selection, the join's row pairs, the sort's keys,
 * order words and permutations).
 *
 * Each variant runs in a process of its own (malloc's state, which decides whether a
 * freed ArrayBuffer's pages are reused or faulted in again, must not carry over from
 * one to the other); the two processes take turns, run by run, so that machine noise
 * hits both alike. Reported per variant: median and minimum wall time per run, the
 * minor page faults per run (fresh memory faults in page by page on first write: what
 * reusing buffers saves, and a figure machine noise does not move), garbage
 * collections and their time. The results are checked to be the same.
 */

interface RunReport {
  readonly ms: number;
  readonly faults: number;
  readonly gcs: number;
  readonly gcMs: number;
  readonly checksum: number;
}

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const rows = option('--rows', 1_000_000);
const runs = option('--runs', 10);
const DIM_ROWS = 100_000;

if (args.includes('--child')) await child(args.includes('--no-pool'));
else await parent();

/** Builds the data and answers each 'run' message with one timed run's report. */
async function child(noPool: boolean): Promise<void> {
  if (noPool) setBufferPoolLimit(0);
  const rand = mulberry32(11);
  const fact = fromColumns(
    {
      key: Int32Array.from({ length: rows }, () => Math.floor(rand() * DIM_ROWS)),
      m1: Float64Array.from({ length: rows }, () => Math.round(rand() * 1000) / 10),
      m2: Float64Array.from({ length: rows }, () => rand()),
    },
    { name: 'fact' },
  );
  const dimKeys = Int32Array.from({ length: DIM_ROWS }, (_, i) => i);
  for (let i = DIM_ROWS - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [dimKeys[i], dimKeys[j]] = [dimKeys[j], dimKeys[i]];
  }
  const dim = fromColumns({ key: dimKeys, f1: Float64Array.from({ length: DIM_ROWS }, () => rand()) }, { name: 'dim', primaryKey: ['key'] });
  const query = fact
    .filter((r) => r.m2.gt(0.3))
    .join(dim, 'key')
    .orderBy((r) => [r.f1, r.m1]);
  let gcs = 0;
  let gcMs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcs++;
      gcMs += e.duration;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  await query.collect({ pipelines: false }); // warm-up: compiled code, the plan cache
  process.on('message', async () => {
    const [gcsBefore, gcMsBefore] = [gcs, gcMs];
    const faults = process.resourceUsage().minorPageFault;
    const start = performance.now();
    const table = await query.collect({ pipelines: false });
    const ms = performance.now() - start;
    const faulted = process.resourceUsage().minorPageFault - faults;
    // Let this run's GC entries arrive before reading them.
    await new Promise((resolve) => setTimeout(resolve, 10));
    // Row-weighted sums of two columns: equal only for equal results in equal order.
    let checksum = table.numRows;
    for (const name of ['m1', 'f1']) {
      const v = table.getChild(name)!.toArray() as Float64Array;
      for (let i = 0; i < v.length; i += 97) checksum += v[i] * (i + 1);
    }
    const report: RunReport = { ms, faults: faulted, gcs: gcs - gcsBefore, gcMs: gcMs - gcMsBefore, checksum };
    process.send!(report);
  });
  process.send!('ready');
}

async function parent(): Promise<void> {
  const file = fileURLToPath(import.meta.url);
  const start = (noPool: boolean) => fork(file, ['--child', '--rows', String(rows), ...(noPool ? ['--no-pool'] : [])], { execArgv: process.execArgv });
  const variants = [
    { name: 'pool on', proc: start(false), reports: [] as RunReport[] },
    { name: 'pool off', proc: start(true), reports: [] as RunReport[] },
  ];
  const next = (proc: ChildProcess) => new Promise<unknown>((resolve) => proc.once('message', resolve));
  await Promise.all(variants.map((v) => next(v.proc)));
  for (let r = 0; r < runs; r++) {
    for (const v of r % 2 === 0 ? variants : [...variants].reverse()) {
      const reply = next(v.proc);
      v.proc.send('run');
      v.reports.push((await reply) as RunReport);
    }
  }
  for (const v of variants) v.proc.kill();

  const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  console.log(`filter → join → sort, ${rows.toLocaleString('en')} × ${DIM_ROWS.toLocaleString('en')} rows, ${runs} runs each (turn by turn; timings on a shared machine are noisy)`);
  for (const { name, reports } of variants) {
    const faults = median(reports.map((r) => r.faults));
    const gcs = reports.reduce((s, r) => s + r.gcs, 0);
    const gcMs = reports.reduce((s, r) => s + r.gcMs, 0);
    console.log(
      `${name.padEnd(9)} median ${median(reports.map((r) => r.ms)).toFixed(1)} ms, min ${Math.min(...reports.map((r) => r.ms)).toFixed(1)} ms; ` +
        `median ${faults.toLocaleString('en')} page faults per run (${((faults * 4096) / 2 ** 20).toFixed(0)} MiB of fresh pages); ${gcs} GCs taking ${gcMs.toFixed(1)} ms`,
    );
  }
  const sums = new Set(variants.flatMap((v) => v.reports.map((r) => r.checksum)));
  if (sums.size !== 1) {
    console.error(`results differ between runs or variants: checksums ${[...sums].join(', ')}`);
    process.exit(1);
  }
}
