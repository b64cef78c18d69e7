import { ExecutionError } from '../errors.js';
import type { DenseMatrix } from '../kernels/matrix/dense.js';
import type { LoopGuard } from '../plan/loop-operators.js';
import type { Node } from '../plan/node.js';
import { type MatrixValue, firstNonFinite, toDense } from './operators/matrix.js';

/**
 * The executor's loop helpers (src/exec/execute.ts runs loop bodies): the values a
 * body reads, the change between two states (tolerance stops), and the guard on a
 * learner's state.
 */

/** Values bound while a loop body runs: the loop's state and inputs. */
export interface LoopScope {
  readonly loopId: string;
  readonly state: MatrixValue;
  readonly inputs: readonly MatrixValue[];
  readonly outer: LoopScope | null;
}

/** max|next − prev| / max(1, max|prev|): a step's change relative to the state's scale (NaN if either holds NaN). */
export function relativeChange(prev: DenseMatrix, next: DenseMatrix): number {
  let delta = 0;
  let scale = 1;
  for (let k = 0; k < prev.data.length; k++) {
    const d = Math.abs(next.data[k] - prev.data[k]);
    if (!(d <= delta)) delta = d; // NaN wins
    const a = Math.abs(prev.data[k]);
    if (a > scale) scale = a;
  }
  return delta / scale;
}

/** A guarded loop's state must stay finite (see LoopGuard): an ExecutionError naming the guard's operator otherwise. */
export function checkLoopState(guard: LoopGuard, state: MatrixValue, done: number, iterations: number): void {
  const dense = toDense(state);
  const k = firstNonFinite(dense);
  if (k < 0) return;
  const when = done === 0 ? 'at the start' : `after iteration ${done} of ${iterations}`;
  throw new ExecutionError(guard.operator, `${guard.state} are not finite (${dense.data[k]} at flat index ${k}) ${when}; expected ${guard.expected}`);
}

export function boundLoopValue(node: Node<'loopState'> | Node<'loopInput'>, scope: LoopScope | null): MatrixValue {
  for (let s = scope; s; s = s.outer) {
    if (s.loopId !== node.args.loopId) continue;
    return node.kind === 'loopState' ? s.state : s.inputs[node.args.index - 1];
  }
  throw new ExecutionError(node.kind, `read outside the body of loop ${node.args.loopId}`);
}
