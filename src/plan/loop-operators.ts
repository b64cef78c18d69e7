import { PlanError, ShapeError } from '../errors.js';
import { type MatrixDType, matrix, matrixInput, shapeText } from './matrix-operators.js';
import { type OperatorDefs, type PlanNode, childPlans, makeNode, nestedPlan, withInputs } from './node.js';
import { postOrderOf } from './walk.js';

/**
 * The loop of iterative learners: at most `iterations` times, state ← body(state),
 * starting from the first input; with a `tolerance`, it stops after the first step
 * whose change max|Δ| is at most tolerance · max(1, max|state|) (tolerance 0: a step
 * that changes nothing, a fixpoint, so the result is the one all steps would give). The body is a matrix plan over a `loopState` leaf (the state
 * of the current iteration) and `loopInput` leaves (the loop's other inputs, computed
 * once before the loop). Anything else in the body is recomputed every iteration,
 * which is what loop-invariant hoisting (R11) turns into loop inputs.
 */

/**
 * A check the executor runs on a loop's state: before the first iteration and after
 * each, every value must be finite, else an ExecutionError of `operator` (a learner)
 * says `expected`. Learners set it so that a fit never returns NaN weights silently
 * (zero rows make the mean gradient 0/0; NaN inputs or divergence poison the state).
 */
export interface LoopGuard {
  /** Who raises the error (e.g. 'logisticRegression'). */
  readonly operator: string;
  /** What the state holds, for the message (e.g. 'the weights'). */
  readonly state: string;
  /** What the inputs must be for the state to stay finite. */
  readonly expected: string;
}

export interface LoopArgs {
  /** `guard`: see LoopGuard; rewrites keep it (they copy a loop's args). */
  loop: { readonly loopId: string; readonly iterations: number; readonly body: PlanNode; readonly guard?: LoopGuard; readonly tolerance?: number };
  loopState: { readonly loopId: string; readonly rows: number; readonly cols: number; readonly dtype: MatrixDType };
  loopInput: { readonly loopId: string; readonly index: number; readonly rows: number | null; readonly cols: number; readonly dtype: MatrixDType };
  /** See the loopLoss operator: `objective` names the loss (e.g. 'mean log-loss'). */
  loopLoss: { readonly loopId: string; readonly objective: string };
}

let nextLoopId = 0;
export function newLoopId(): string {
  nextLoopId += 1;
  return `L${nextLoopId}`;
}

/** Whether `node` reads the state of loop `loopId`. */
export function readsLoopState(node: PlanNode, loopId: string): boolean {
  // Each node once, without recursion (bodies may share subplans and be MAX_PLAN_DEPTH deep).
  return postOrderOf(node, childPlans).some((n) => n.kind === 'loopState' && n.args.loopId === loopId);
}

/**
 * `root` with loop `loopId`'s inputs replaced by `values[index]`, inside nested loop
 * bodies too. Callers that bind several parts of one body share `memo`.
 */
export function bindLoopInputs(root: PlanNode, loopId: string, values: readonly PlanNode[], memo = new Map<PlanNode, PlanNode>()): PlanNode {
  const visit = (n: PlanNode): PlanNode => {
    let out = memo.get(n);
    if (out) return out;
    if (n.kind === 'loopInput' && n.args.loopId === loopId) out = values[n.args.index];
    else {
      out = withInputs(n, n.inputs.map(visit));
      if (out.kind === 'loop') {
        const inner = visit(out.args.body);
        if (inner !== out.args.body) out = makeNode('loop', { ...out.args, body: inner }, out.inputs);
      }
    }
    memo.set(n, out);
    return out;
  };
  return visit(root);
}

export const LOOP_OPERATORS: OperatorDefs<LoopArgs> = {
  loop: {
    name: 'Loop',
    arity: 'any',
    derive({ loopId, iterations, body, tolerance }, inputs) {
      if (!Number.isInteger(iterations) || iterations < 0) throw new PlanError('loop', `expected a non-negative integer iteration count, got ${iterations}`);
      if (tolerance !== undefined && !(Number.isFinite(tolerance) && tolerance >= 0)) throw new PlanError('loop', `expected a finite, non-negative tolerance, got ${tolerance}`);
      const init = matrixInput(inputs, 0, 'loop');
      inputs.slice(1).forEach((_, i) => matrixInput(inputs, i + 1, 'loop'));
      const out = body.output;
      if (out.kind !== 'matrix') throw new PlanError('loop', 'the body must compute a matrix');
      if (out.cols !== init.cols || (out.rows !== null && init.rows !== null && out.rows !== init.rows)) {
        throw new ShapeError('loop', `the body computes ${shapeText(out)} but the state is ${shapeText(init)}`);
      }
      // The next iteration reads the body's result as a state of init's dtype: they must agree.
      if (out.dtype !== init.dtype) throw new ShapeError('loop', `the body computes ${out.dtype} but the state is ${init.dtype}`);
      checkLeaves(body, loopId, inputs);
      return matrix(init.rows, init.cols, init.dtype, init.columnNames);
    },
    label: ({ iterations, loopId, tolerance }) => `${loopId} × ${iterations}${tolerance === undefined ? '' : tolerance === 0 ? ', until unchanged' : `, until Δ ≤ ${tolerance < 1e-3 ? tolerance.toExponential() : tolerance}`}`,
    // The guard changes what a run does (an error instead of a non-finite state), so it is part of the loop.
    digest: ({ loopId, iterations, body, guard, tolerance }) => [loopId, iterations, nestedPlan(body), guard ? { ...guard } : null, tolerance ?? null],
  },
  loopState: {
    name: 'LoopState',
    arity: 0,
    derive: ({ rows, cols, dtype }) => matrix(rows, cols, dtype),
    label: ({ loopId }) => loopId,
    digest: ({ loopId, rows, cols, dtype }) => [loopId, rows, cols, dtype],
  },
  loopInput: {
    name: 'LoopInput',
    arity: 0,
    derive: ({ rows, cols, dtype }) => matrix(rows, cols, dtype),
    label: ({ loopId, index }) => `${loopId}[${index}]`,
    digest: ({ loopId, index, rows, cols, dtype }) => [loopId, index, rows, cols, dtype],
  },
  /**
   * A learner's final loss, in the run that fits it: passes its first input (the loop's
   * result) through and records the second (1×1, the objective computed from that
   * result in the same plan) in the report of loop `loopId`'s last run. The loop is one
   * node read twice, so it runs once.
   */
  loopLoss: {
    name: 'LoopLoss',
    arity: 2,
    derive(_args, inputs) {
      const value = matrixInput(inputs, 0, 'loopLoss');
      const loss = matrixInput(inputs, 1, 'loopLoss');
      if (loss.rows !== 1 || loss.cols !== 1) throw new ShapeError('loopLoss', `the loss must be 1×1, got ${shapeText(loss)}`);
      return matrix(value.rows, value.cols, value.dtype, value.columnNames, value.rowOrigin);
    },
    label: ({ loopId, objective }) => `${loopId}: ${objective}`,
    digest: ({ loopId, objective }) => [loopId, objective],
  },
};

/** Every loopInput leaf of the body must name an existing input of this loop. */
function checkLeaves(body: PlanNode, loopId: string, inputs: readonly PlanNode[]): void {
  for (const node of postOrderOf(body, (n) => n.inputs)) {
    if (node.kind === 'loopInput' && node.args.loopId === loopId) {
      if (node.args.index < 1 || node.args.index >= inputs.length) {
        throw new PlanError('loop', `the body reads loop input ${node.args.index}, but the loop has ${inputs.length - 1} extra input(s)`);
      }
    }
  }
}
