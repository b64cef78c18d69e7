import type { ProgressEvent } from '../exec/progress.js';

/** The part of a stream the progress line writes to (process.stderr). */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/**
 * An onProgress callback that keeps one line on a terminal up to date ("tessera: HashJoin
 * 1,200,000 rows · 3/7 operators · 2.4 s") and clears it when the run ends; nothing when
 * the stream is not a terminal (a file or a pipe gets no control characters).
 */
export function progressLine(stream: ProgressStream): ((event: ProgressEvent) => void) | undefined {
  if (!stream.isTTY) return undefined;
  return (e) => {
    if (e.done) {
      stream.write('\r\x1b[K');
      return;
    }
    const what = e.state === 'started' ? `${e.operator} running` : `${e.operator} ${e.rows.toLocaleString('en-US')} rows`;
    stream.write(`\r\x1b[Ktessera: ${what} · ${e.operatorsDone}/${e.operators} operators · ${(e.elapsedMs / 1000).toFixed(1)} s`);
  };
}
