import { PlanError } from '../errors.js';
import { type MatrixNode, makeNode } from '../plan/node.js';
import { type LoopGuard, newLoopId } from '../plan/loop-operators.js';
import { Matrix, identity, matrix, zeros } from './matrix.js';

/**
 * Learners written as plans, not opaque calls: the optimizer sees every product,
 * cross-product and loop inside them.
 *
 * Bad input is a typed error naming the learner and what it expected, never NaN
 * weights. What is known while planning is checked when the plan is built (PlanError):
 * hyper-parameters (a learning rate must be finite and positive, a ridge penalty finite
 * and non-negative, step and iteration counts non-negative integers) and a row count of
 * zero when X's row count is known. A row count known only when the plan runs (X after
 * a filter or a join) is checked then: the iterative learners' loops carry a guard
 * (LoopGuard) under which the executor raises an ExecutionError naming the learner as
 * soon as the weights or centroids stop being finite (zero rows make the mean gradient
 * 0/0; NaN features or labels poison them too); k-means over fewer than k rows fails
 * drawing its initial centroids (ExecutionError of sampleRows); linear regression
 * (no loop) over zero rows fails its solve without a ridge penalty (SingularMatrixError)
 * but with one returns zero coefficients, the penalty's minimum: no run-time check
 * catches that case yet.
 */

/**
 * A loop of `iterations` steps: state ← step(state), from `init`. The step is traced
 * once into the loop's body plan; matrices it closes over are recomputed every
 * iteration unless the optimizer hoists them (rule R11).
 */
export function iterate<R extends number, C extends number>(init: Matrix<R, C>, iterations: number, step: (state: Matrix<R, C>) => Matrix<R, C>): Matrix<R, C> {
  return guardedLoop(init, iterations, step);
}

/** `iterate`, with a guard that the state stays finite (see LoopGuard) when given. */
function guardedLoop<R extends number, C extends number>(init: Matrix<R, C>, iterations: number, step: (state: Matrix<R, C>) => Matrix<R, C>, guard?: LoopGuard): Matrix<R, C> {
  const loopId = newLoopId();
  const { rows, cols } = init.shape;
  if (rows === null) throw new PlanError('loop', 'the loop state needs a row count known while planning');
  const state = new Matrix<R, C>(makeNode('loopState', { loopId, rows, cols, dtype: init.dtype }, []) as MatrixNode);
  const body = step(state).plan;
  return new Matrix<R, C>(makeNode('loop', guard ? { loopId, iterations, body, guard } : { loopId, iterations, body }, [init.plan]) as MatrixNode);
}

/** A PlanError naming `learner` when the row count of X (or y) is known while planning and is zero. */
function requireRows(learner: string, what: string, m: Matrix<number, number>): void {
  if (m.shape.rows === 0) throw new PlanError(learner, `expected ${what} with at least one row, got 0×${m.shape.cols}`);
}

/** Coefficients β (d×1) of least squares by the normal equations: (XᵀX + λI)·β = Xᵀy. */
export function linearRegression<D extends number>(X: Matrix<number, D>, y: Matrix<number, 1>, options: { ridge?: number } = {}): Matrix<D, 1> {
  const ridge = options.ridge ?? 0;
  if (!(Number.isFinite(ridge) && ridge >= 0)) throw new PlanError('linearRegression', `expected a finite, non-negative ridge penalty, got ${ridge}`);
  requireRows('linearRegression', 'X', X);
  requireRows('linearRegression', 'y', y);
  const gram = X.crossprod();
  const lhs = ridge > 0 ? gram.add(identity(X.shape.cols, X.dtype).scale(ridge)) : gram;
  return lhs.solve(X.crossprod(y) as Matrix<number, 1>) as Matrix<D, 1>;
}

/**
 * Logistic regression by `steps` full-batch gradient steps from w = 0:
 * w ← w − rate · Xᵀ(σ(Xw) − y) / n. Labels y are 0/1 in an n×1 column.
 */
export function logisticRegression<D extends number>(
  X: Matrix<number, D>,
  y: Matrix<number, 1>,
  options: { steps?: number; learningRate?: number } = {},
): Matrix<D, 1> {
  const steps = options.steps ?? 20;
  const rate = options.learningRate ?? 0.1;
  if (!(Number.isFinite(rate) && rate > 0)) throw new PlanError('logisticRegression', `expected a finite, positive learning rate, got ${rate}`);
  requireRows('logisticRegression', 'X', X);
  requireRows('logisticRegression', 'y', y);
  const d = X.shape.cols;
  // float32 weights only when X and y both are (the dtype the step computes in).
  const dtype = X.dtype === 'float32' && y.dtype === 'float32' ? 'float32' : 'float64';
  const guard: LoopGuard = {
    operator: 'logisticRegression',
    state: 'the weights',
    expected: 'X and y with at least one row (the mean gradient of zero rows is 0/0) and finite values, and a learning rate small enough for the steps to stay finite',
  };
  return guardedLoop(
    zeros(d, 1, dtype) as Matrix<D, 1>,
    steps,
    (w) => {
      const residual = (X as Matrix<number, number>).matmul(w as Matrix<number, 1>).sigmoid().sub(y);
      const gradient = X.crossprod(residual).div(y.count());
      return w.sub(gradient.scale(rate)) as Matrix<D, 1>;
    },
    guard,
  );
}

/** The logistic model's probabilities σ(Xw). */
export function predictProbabilities(X: Matrix<number, number>, w: Matrix<number, 1>): Matrix<number, 1> {
  return X.matmul(w).sigmoid();
}

/**
 * k-means (Lloyd) for a fixed number of iterations from k rows sampled with `seed`.
 * Each step assigns rows to the nearest centroid (‖x − c‖² up to the constant ‖x‖²,
 * i.e. −2x·c + ‖c‖²) and moves each centroid to its rows' mean; a centroid left
 * without rows stays where it was. Returns the k×d centroids.
 */
export function kmeans<D extends number>(X: Matrix<number, D>, options: { k: number; iterations?: number; seed?: number }): Matrix<number, D> {
  const { k } = options;
  requireRows('kmeans', 'X', X);
  const init = X.sampleRows(k, options.seed ?? 0) as Matrix<number, D>;
  const guard: LoopGuard = { operator: 'kmeans', state: 'the centroids', expected: 'X with finite values' };
  return guardedLoop(
    init,
    options.iterations ?? 10,
    (C) => {
      const assignment = kmeansAssignment(X, C);
      const counts = assignment.colSums().transpose(); // k×1
      const sums = assignment.crossprod(X); // k×d
      const occupied = counts.clip(0, 1);
      const means = sums.div(counts.maximum(1));
      return means.add(C.mul(occupied.neg().add(1))) as Matrix<number, D>;
    },
    guard,
  );
}

/** Per row, a 1 in the column of its nearest centroid (n×k indicator). */
export function kmeansAssignment(X: Matrix<number, number>, C: Matrix<number, number>): Matrix<number, number> {
  const squaredNorms = C.mul(C).rowSums().transpose(); // 1×k
  return X.matmul(C.transpose()).scale(-2).add(squaredNorms).nearest();
}

/** Cluster ids (0..k−1) as an n×1 column, from the indicator of kmeansAssignment. */
export function clusterIds(assignment: Matrix<number, number>): Matrix<number, 1> {
  const ids = Array.from({ length: assignment.shape.cols }, (_, i) => [i]);
  return assignment.matmul(matrix(ids, { name: 'cluster ids' }) as Matrix<number, 1>) as Matrix<number, 1>;
}
