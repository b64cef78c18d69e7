import { totalmem } from 'node:os';
import { ExecutionError, MemoryLimitError } from '../errors.js';
import { throwIfAborted } from '../providers/abort.js';
import type { Arena } from '../data/buffer-pool.js';

/**
 * What an operator may ask of the run while it works: whether it has been cancelled,
 * whether the memory it is about to take fits the budget, and a place to say which
 * variant of its algorithm actually ran (explain analyze shows it).
 */

export { MemoryLimitError };

/** The default memory limit: three quarters of this machine's memory. */
export function defaultMemoryLimit(): number {
  return Math.floor(totalmem() * 0.75);
}

/** Bytes held by live intermediate results, against a limit; tracks the peak. */
export class MemoryLedger {
  private live = 0;
  private peakBytes = 0;

  constructor(readonly limit: number) {
    if (!(limit > 0)) throw new ExecutionError('collect', `memoryLimit must be a positive number of bytes, got ${limit}`);
  }

  /** Throws before `bytes` more would pass the limit. */
  check(operator: string, bytes: number): void {
    // Negated so that a NaN estimate (an overflowing size) fails too.
    if (!(this.live + bytes <= this.limit)) throw new MemoryLimitError(operator, bytes, this.live, this.limit);
  }

  /** Bytes the run may still take before the limit. */
  headroom(): number {
    return Math.max(this.limit - this.live, 0);
  }

  hold(bytes: number): void {
    this.live += bytes;
    if (this.live > this.peakBytes) this.peakBytes = this.live;
  }

  release(bytes: number): void {
    this.live -= bytes;
  }

  /** A transient high-water mark (e.g. a provider's intermediates) that is not held afterwards. */
  touch(bytes: number): void {
    if (this.live + bytes > this.peakBytes) this.peakBytes = this.live + bytes;
  }

  get peak(): number {
    return this.peakBytes;
  }
}

/** Where a relational operator's large arrays come from (src/data/column-memory.ts); absent: the JS heap. */
export interface OperatorMemory {
  /** Its temporaries (a sort's order words, keys read from lazy columns): the run's pool. */
  readonly arena?: Arena;
  /**
   * Its output's arrays: the run's pool too, except for the operator whose output is the
   * run's result, which leaves for the caller in ordinary memory.
   */
  readonly outputArena?: Arena;
}

/** The run as one operator sees it. */
export interface OperatorRun extends OperatorMemory {
  /** The physical operator's name the planner chose (e.g. `KeyIndexedJoin`). */
  readonly operator: string;
  /** Records which variant of the algorithm ran. */
  ran(what: string): void;
  /** Throws a MemoryLimitError when `bytes` more would pass the run's memory limit. */
  reserve(bytes: number): void;
  /** Bytes the run may still take before its memory limit (an operator whose output size is not known before it runs sizes its growth by it). */
  headroom(): number;
  /** Throws a CancelledError when the run's signal has fired. */
  checkCancelled(): void;
}

export function operatorRun(operator: string, ledger: MemoryLedger, signal: AbortSignal | undefined, onRan: (what: string) => void, memory: OperatorMemory = {}): OperatorRun {
  return {
    operator,
    ...memory,
    ran: onRan,
    reserve: (bytes) => ledger.check(operator, bytes),
    headroom: () => ledger.headroom(),
    checkCancelled: () => throwIfAborted(signal, operator),
  };
}
