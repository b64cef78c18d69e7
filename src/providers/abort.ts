import { ExecutionError } from '../errors.js';

/** A run stopped by its AbortSignal (`collect({ signal })`), naming the operator it stopped at. */
export class CancelledError extends ExecutionError {
  constructor(operator: string, reason?: unknown) {
    super(operator, `cancelled${reason instanceof Error ? `: ${reason.message}` : typeof reason === 'string' ? `: ${reason}` : ''}`);
  }
}

/** Throws a CancelledError when `signal` has fired. */
export function throwIfAborted(signal: AbortSignal | undefined, operator: string): void {
  if (signal?.aborted) throw new CancelledError(operator, signal.reason);
}
