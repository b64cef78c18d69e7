import { PlanError } from '../errors.js';
import { checkOptions } from '../options.js';
import { type MatrixNode, type PlanNode, makeNode } from '../plan/node.js';
import { type LoopGuard, newLoopId } from '../plan/loop-operators.js';
import type { FitGuard } from '../plan/matrix-operators.js';
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
 * drawing its initial centroids (an ExecutionError of kmeans); linear regression has
 * no loop, so Xᵀy passes a Guard operator (see FitGuard) that checks the row count and
 * finiteness: with a ridge penalty, zero rows would otherwise give zero coefficients,
 * the penalty's minimum.
 */

/**
 * A loop of `iterations` steps: state ← step(state), from `init`. The step is traced
 * once into the loop's body plan; matrices it closes over are recomputed every
 * iteration unless the optimizer hoists them (rule R11).
 */
export function iterate<R extends number, C extends number>(init: Matrix<R, C>, iterations: number, step: (state: Matrix<R, C>) => Matrix<R, C>): Matrix<R, C> {
  return guardedLoop(init, iterations, step);
}

/**
 * `iterate`, with a guard that the state stays finite (see LoopGuard) and a tolerance
 * to stop on (see the loop operator) when given.
 */
function guardedLoop<R extends number, C extends number>(
  init: Matrix<R, C>,
  iterations: number,
  step: (state: Matrix<R, C>) => Matrix<R, C>,
  guard?: LoopGuard,
  tolerance?: number,
): Matrix<R, C> {
  const loopId = newLoopId();
  const { rows, cols } = init.shape;
  if (rows === null) throw new PlanError('loop', 'the loop state needs a row count known while planning');
  const state = new Matrix<R, C>(makeNode('loopState', { loopId, rows, cols, dtype: init.dtype }, []) as MatrixNode);
  const body = step(state).plan;
  const args = { loopId, iterations, body, ...(guard ? { guard } : {}), ...(tolerance !== undefined ? { tolerance } : {}) };
  return new Matrix<R, C>(makeNode('loop', args, [init.plan]) as MatrixNode);
}

/** A PlanError naming `learner` unless `value` is a non-negative integer (a step cap). */
function requireCount(learner: string, what: string, value: number): void {
  if (!(Number.isInteger(value) && value >= 0)) throw new PlanError(learner, `expected ${what} to be a non-negative integer, got ${value}`);
}

/** A PlanError naming `learner` unless `value` is finite and non-negative (a tolerance). */
function requireTolerance(learner: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0)) throw new PlanError(learner, `expected a finite, non-negative tolerance, got ${value}`);
}

/** A PlanError naming `learner` when the row count of X (or y) is known while planning and is zero. */
function requireRows(learner: string, what: string, m: Matrix<number, number>): void {
  if (m.shape.rows === 0) throw new PlanError(learner, `expected ${what} with at least one row, got 0×${m.shape.cols}`);
}

/** Coefficients β (d×1) of least squares by the normal equations: (XᵀX + λI)·β = Xᵀy. */
export function linearRegression<D extends number>(X: Matrix<number, D>, y: Matrix<number, 1>, options: { ridge?: number } = {}): Matrix<D, 1> {
  checkOptions('linearRegression', options, { ridge: true });
  const ridge = options.ridge ?? 0;
  if (!(Number.isFinite(ridge) && ridge >= 0)) throw new PlanError('linearRegression', `expected a finite, non-negative ridge penalty, got ${ridge}`);
  requireRows('linearRegression', 'X', X);
  requireRows('linearRegression', 'y', y);
  const gram = X.crossprod();
  const lhs = ridge > 0 ? gram.add(identity(X.shape.cols, X.dtype).scale(ridge)) : gram;
  // The guard sits on Xᵀy, which is computed before the solve, so that zero rows or
  // non-finite data are reported as such rather than as a singular or NaN system.
  const guard: FitGuard = {
    operator: 'linearRegression',
    state: 'the values of Xᵀy',
    expected: 'X and y with at least one row and finite values',
    values: 'finite',
  };
  const rhs = makeNode('guard', guard, [X.crossprod(y).plan, y.count().plan]);
  const singularHint = ridge > 0 ? undefined : collinearOneHotHint(X.plan);
  return new Matrix<D, 1>(makeNode('solve', singularHint ? { method: 'auto', singularHint } : { method: 'auto' }, [lhs.plan, rhs]) as MatrixNode);
}

/**
 * Why XᵀX may be singular when X encodes one-hot features beside an intercept (or
 * several one-hot features): each block's columns sum to 1 in every row whose value
 * is a listed category, as the intercept does. Undefined when X is not such a matrix.
 */
function collinearOneHotHint(X: PlanNode): string | undefined {
  if (X.kind !== 'toMatrix') return undefined;
  const oneHot = X.args.features.filter((f) => f.encoding === 'onehot').map((f) => f.column);
  if (oneHot.length === 0 || (oneHot.length === 1 && !X.args.intercept)) return undefined;
  const blocks = oneHot.map((c) => `'${c}'`).join(', ');
  const what = X.args.intercept ? `the intercept and the one-hot columns of ${blocks}` : `the one-hot columns of ${blocks}`;
  return `X's columns may be collinear: ${what} each sum to 1 in every row with a listed category; encode one-hot features with dropFirst: true (or reference: 'value'), or pass a ridge penalty`;
}

/** Options of logisticRegression; every default is stated. */
export interface LogisticRegressionOptions {
  /** The most gradient steps to take. Default 20. */
  readonly steps?: number;
  /** The step size of w ← w − rate · gradient; finite and positive. Default 0.1. */
  readonly learningRate?: number;
  /**
   * Stop before `steps` after a step whose change max|Δw| is at most
   * tolerance · max(1, max|w|). Default 1e-6; 0 stops only when a step changes nothing.
   */
  readonly tolerance?: number;
  /**
   * true: the loop's report (the collected result's `loops`) also holds the final loss,
   * `logisticLoss(X, y, w)` of the returned weights, computed in the same run (one more
   * product X·w, not a second fit). Default false.
   */
  readonly reportLoss?: boolean;
}

/**
 * Logistic regression by full-batch gradient steps from w = 0:
 * w ← w − rate · Xᵀ(σ(Xw) − y) / n, at most `steps` of them, stopping earlier on
 * `tolerance`. Labels y are 0 or 1 in an n×1 column (any other value is an
 * ExecutionError naming the row). The steps taken are reported in the collected
 * result's `loops`, and with `reportLoss` the final mean log-loss too; `logisticLoss`
 * gives the mean log-loss of any weights as a plan of its own. No
 * regularization, no intercept unless X has one (toMatrix's `intercept: true`).
 */
export function logisticRegression<D extends number>(X: Matrix<number, D>, y: Matrix<number, 1>, options: LogisticRegressionOptions = {}): Matrix<D, 1> {
  checkOptions('logisticRegression', options, { steps: true, learningRate: true, tolerance: true, reportLoss: true });
  const steps = options.steps ?? 20;
  const rate = options.learningRate ?? 0.1;
  const tolerance = options.tolerance ?? 1e-6;
  if (!(Number.isFinite(rate) && rate > 0)) throw new PlanError('logisticRegression', `expected a finite, positive learning rate, got ${rate}`);
  requireCount('logisticRegression', 'steps', steps);
  requireTolerance('logisticRegression', tolerance);
  requireRows('logisticRegression', 'X', X);
  requireRows('logisticRegression', 'y', y);
  const labelGuard: FitGuard = { operator: 'logisticRegression', state: 'the labels y', expected: 'labels 0 or 1 (encode classes as 0/1 first)', values: 'binary' };
  const labels = new Matrix<number, 1>(makeNode('guard', labelGuard, [y.plan, y.count().plan]) as MatrixNode);
  const d = X.shape.cols;
  // float32 weights only when X and y both are (the dtype the step computes in).
  const dtype = X.dtype === 'float32' && y.dtype === 'float32' ? 'float32' : 'float64';
  const guard: LoopGuard = {
    operator: 'logisticRegression',
    state: 'the weights',
    expected: 'X and y with at least one row (the mean gradient of zero rows is 0/0) and finite values, and a learning rate small enough for the steps to stay finite',
  };
  const weights = guardedLoop(
    zeros(d, 1, dtype) as Matrix<D, 1>,
    steps,
    (w) => {
      const residual = (X as Matrix<number, number>).matmul(w as Matrix<number, 1>).sigmoid().sub(labels);
      const gradient = X.crossprod(residual).div(y.count());
      return w.sub(gradient.scale(rate)) as Matrix<D, 1>;
    },
    guard,
    tolerance,
  );
  return options.reportLoss ? withLoss(weights, 'mean log-loss', logisticLoss(X, y, weights)) : weights;
}

/**
 * `result` (a loop's) passing a loopLoss operator that records `loss`, computed from
 * that same result, in the loop's report: the loop is one node read twice, so it runs once.
 */
function withLoss<R extends number, C extends number>(result: Matrix<R, C>, objective: string, loss: Matrix<1, 1>): Matrix<R, C> {
  const loop = result.plan;
  if (loop.kind !== 'loop') throw new PlanError('loopLoss', `expected a loop's result, got ${loop.kind}`);
  return new Matrix<R, C>(makeNode('loopLoss', { loopId: loop.args.loopId, objective }, [loop, loss.plan]) as MatrixNode);
}

/**
 * The mean log-loss of logistic weights w on (X, y): −mean(y·log p + (1 − y)·log(1 − p))
 * with p = σ(Xw), the probabilities clipped to [1e-15, 1 − 1e-15] so that a confident
 * wrong prediction costs a large finite loss, not Infinity (as scikit-learn's log_loss).
 */
export function logisticLoss(X: Matrix<number, number>, y: Matrix<number, 1>, w: Matrix<number, 1>): Matrix<1, 1> {
  const p = predictProbabilities(X, w).clip(1e-15, 1 - 1e-15);
  const positive = y.mul(p.log());
  const negative = y.neg().add(1).mul(p.neg().add(1).log());
  return positive.add(negative).mean().neg() as Matrix<1, 1>;
}

/** The logistic model's probabilities σ(Xw). */
export function predictProbabilities(X: Matrix<number, number>, w: Matrix<number, 1>): Matrix<number, 1> {
  return X.matmul(w).sigmoid();
}

/** Options of kmeans; every default is stated. */
export interface KMeansOptions {
  /** The number of clusters, a positive integer (no default). */
  readonly k: number;
  /** The most Lloyd steps to take. Default 10. */
  readonly iterations?: number;
  /** Seed of the k distinct rows drawn as initial centroids. Default 0. */
  readonly seed?: number;
  /**
   * Stop before `iterations` after a step whose change max|ΔC| is at most
   * tolerance · max(1, max|C|). Default 0: stop when a step changes no centroid (the
   * assignment is stable), which gives exactly the result all steps would give.
   */
  readonly tolerance?: number;
  /**
   * true: the loop's report (the collected result's `loops`) also holds the final loss,
   * `kmeansInertia(X, C)` of the returned centroids, computed in the same run (one more
   * product X·Cᵀ, not a second fit). Default false.
   */
  readonly reportLoss?: boolean;
}

/**
 * k-means (Lloyd) from k rows sampled with `seed`, at most `iterations` steps. Each
 * step assigns rows to the nearest centroid (‖x − c‖² up to the constant ‖x‖²,
 * i.e. −2x·c + ‖c‖²) and moves each centroid to its rows' mean; a centroid left
 * without rows stays where it was. Returns the k×d centroids; the steps taken are
 * reported in the collected result's `loops`, with `reportLoss` the final inertia too;
 * `kmeansInertia` gives the cost of any centroids as a plan of its own.
 */
export function kmeans<D extends number>(X: Matrix<number, D>, options: KMeansOptions): Matrix<number, D> {
  checkOptions('kmeans', options, { k: true, iterations: true, seed: true, tolerance: true, reportLoss: true });
  const { k } = options;
  const iterations = options.iterations ?? 10;
  const tolerance = options.tolerance ?? 0;
  requireCount('kmeans', 'iterations', iterations);
  requireTolerance('kmeans', tolerance);
  requireRows('kmeans', 'X', X);
  const init = new Matrix<number, D>(makeNode('sampleRows', { count: k, seed: options.seed ?? 0, by: 'kmeans' }, [X.plan]) as MatrixNode);
  const guard: LoopGuard = { operator: 'kmeans', state: 'the centroids', expected: 'X with finite values' };
  const centroids = guardedLoop(
    init,
    iterations,
    (C) => {
      const assignment = kmeansAssignment(X, C);
      const counts = assignment.colSums().transpose(); // k×1
      const sums = assignment.crossprod(X); // k×d
      const occupied = counts.clip(0, 1);
      const means = sums.div(counts.maximum(1));
      return means.add(C.mul(occupied.neg().add(1))) as Matrix<number, D>;
    },
    guard,
    tolerance,
  );
  return options.reportLoss ? withLoss(centroids, 'inertia', kmeansInertia(X, centroids)) : centroids;
}

/** The k-means cost of centroids C on X: the sum over rows of the squared distance to the nearest centroid. */
export function kmeansInertia(X: Matrix<number, number>, C: Matrix<number, number>): Matrix<1, 1> {
  // ‖x − c‖² = ‖x‖² + (−2x·c + ‖c‖²); the indicator of the nearest centroid picks each row's term.
  const partial = X.matmul(C.transpose()).scale(-2).add(C.mul(C).rowSums().transpose());
  return X.mul(X).sum().add(partial.nearest().mul(partial).sum()) as Matrix<1, 1>;
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
