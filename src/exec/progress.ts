import type { OptionKeys } from '../options.js';

/**
 * Progress of a run, for people watching a long one: the executor reports each operator
 * as it starts and finishes (operators run to completion on the JavaScript thread, so
 * reports come between operators and between the steps of a loop, not inside a kernel).
 * Nothing is reported for a run that ends within `afterMs`.
 */

/** One report: which operator, how many rows it produced, how far the run is. */
export interface ProgressEvent {
  /** The physical operator (e.g. `HashJoin`, `MatMul`), as explain names it. */
  readonly operator: string;
  /** 'started' before the operator runs, 'finished' after; the last report of a run is 'finished' with `done` true. */
  readonly state: 'started' | 'finished';
  /** Rows of the operator's output (rows of a matrix); 0 when it has just started. */
  readonly rows: number;
  /** Operators of the plan finished so far (a loop counts as one, when all its steps are done). */
  readonly operatorsDone: number;
  /** Operators of the plan (outside loop bodies). */
  readonly operators: number;
  /** Milliseconds since the run started. */
  readonly elapsedMs: number;
  /** True on the run's last report. */
  readonly done: boolean;
}

export interface ProgressOptions {
  /** Called with progress reports once the run has taken `progress.afterMs` (default 1 s). */
  readonly onProgress?: (event: ProgressEvent) => void;
  readonly progress?: {
    /** Milliseconds before the first report (default 1000). */
    readonly afterMs?: number;
    /** Milliseconds at least between two reports (default 200); the last report of a run always comes. */
    readonly everyMs?: number;
    /** The clock, in milliseconds (default performance.now); tests pass their own. */
    readonly now?: () => number;
  };
}

export const PROGRESS_OPTIONS: OptionKeys<ProgressOptions> = { onProgress: true, progress: true };

/** Turns operator starts and ends into throttled ProgressEvents. */
export class ProgressReporter {
  private readonly now: () => number;
  private readonly start: number;
  private readonly afterMs: number;
  private readonly everyMs: number;
  private last: number | undefined;
  private done = 0;

  constructor(
    private readonly onProgress: (event: ProgressEvent) => void,
    private readonly operators: number,
    options: ProgressOptions['progress'] = {},
  ) {
    this.now = options.now ?? (() => performance.now());
    this.afterMs = options.afterMs ?? 1000;
    this.everyMs = options.everyMs ?? 200;
    this.start = this.now();
  }

  started(operator: string): void {
    this.report(operator, 'started', 0, false);
  }

  /** `topLevel`: the operator is part of the plan itself, not of a loop's body; `last`: the run's root. */
  finished(operator: string, rows: number, topLevel: boolean, last: boolean): void {
    if (topLevel) this.done++;
    this.report(operator, 'finished', rows, last);
  }

  private report(operator: string, state: ProgressEvent['state'], rows: number, last: boolean): void {
    const t = this.now();
    const elapsedMs = t - this.start;
    if (elapsedMs < this.afterMs) return;
    // The last report comes whenever an earlier one did, so a watcher sees the run end.
    if (!(last && this.last !== undefined) && this.last !== undefined && t - this.last < this.everyMs) return;
    this.last = t;
    this.onProgress({ operator, state, rows, operatorsDone: this.done, operators: this.operators, elapsedMs, done: last });
  }
}
