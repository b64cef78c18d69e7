import { readFileSync } from 'node:fs';

/**
 * Waits, before a timed run, until the machine's CPUs have gone quiet: what the previous
 * system left running must not fall on the next one. A fixed pause is not enough: after
 * a call, OpenBLAS (numpy), ONNX Runtime and DuckDB keep worker threads spinning for a
 * while, the Python worker frees its frames, the garbage collector finishes a cycle,
 * and with two cores a spinning thread takes half the machine from whichever system
 * runs next. So the wait samples /proc/stat every `window` ms (its counters tick every
 * 10 ms: a window of 100 ms on two cores is 20 ticks) until a window in which the
 * CPUs were at least `idleShare` idle, after at least `minMs`, at most `maxMs`.
 * Returns the milliseconds waited and whether the machine went quiet; where /proc/stat
 * is missing (not Linux), it sleeps `minMs`.
 */
export interface SettleOptions {
  readonly minMs: number;
  readonly maxMs: number;
  readonly window?: number;
  readonly idleShare?: number;
}

export interface Settled {
  readonly waitedMs: number;
  readonly quiet: boolean;
}

export async function settle({ minMs, maxMs, window = 100, idleShare = 0.85 }: SettleOptions): Promise<Settled> {
  const start = performance.now();
  await sleep(minMs);
  let before = cpuTimes();
  if (before === null) return { waitedMs: performance.now() - start, quiet: true };
  while (performance.now() - start < maxMs) {
    await sleep(window);
    const now = cpuTimes()!;
    const total = now.total - before.total;
    if (total > 0 && (now.idle - before.idle) / total >= idleShare) return { waitedMs: performance.now() - start, quiet: true };
    before = now;
  }
  return { waitedMs: performance.now() - start, quiet: false };
}

/** All CPUs' jiffies from /proc/stat's first line: in total and idle (idle + iowait); null without /proc. */
function cpuTimes(): { total: number; idle: number } | null {
  let text: string;
  try {
    text = readFileSync('/proc/stat', 'latin1');
  } catch {
    return null;
  }
  const fields = text.slice(0, text.indexOf('\n')).trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal [guest guest_nice: already counted in user and nice]
  const total = fields.slice(0, 8).reduce((s, x) => s + x, 0);
  return { total, idle: fields[3] + fields[4] };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
