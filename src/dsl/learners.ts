import { PlanError } from '../errors.js';
import { type MatrixNode, makeNode } from '../plan/node.js';
import { newLoopId } from '../plan/loop-operators.js';
import { Matrix, identity, matrix, zeros } from './matrix.js';

/**
 * Learners written as plans, not opaque calls: the optimizer sees every product,
 * cross-product and loop inside them.
 */

/**
 * A loop of `iterations` steps: state ← step(state), from `init`. The step is traced
 * once into the loop's body plan; matrices it closes over are recomputed every
 * iteration unless the optimizer hoists them (rule R11).
 */
export function iterate<R extends number, C extends number>(init: Matrix<R, C>, iterations: number, step: (state: Matrix<R, C>) => Matrix<R, C>): Matrix<R, C> {
  const loopId = newLoopId();
  const { rows, cols } = init.shape;
  if (rows === null) throw new PlanError('loop', 'the loop state needs a row count known while planning');
  const state = new Matrix<R, C>(makeNode('loopState', { loopId, rows, cols, dtype: init.dtype }, []) as MatrixNode);
  const body = step(state).plan;
  return new Matrix<R, C>(makeNode('loop', { loopId, iterations, body }, [init.plan]) as MatrixNode);
}

/** Coefficients β (d×1) of least squares by the normal equations: (XᵀX + λI)·β = Xᵀy. */
export function linearRegression<D extends number>(X: Matrix<number, D>, y: Matrix<number, 1>, options: { ridge?: number } = {}): Matrix<D, 1> {
  const ridge = options.ridge ?? 0;
  if (!(Number.isFinite(ridge) && ridge >= 0)) throw new PlanError('linearRegression', `expected a finite, non-negative ridge penalty, got ${ridge}`);
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
  if (!(rate > 0)) throw new PlanError('logisticRegression', `expected a positive learning rate, got ${rate}`);
  const d = X.shape.cols;
  // float32 weights only when X and y both are (the dtype the step computes in).
  const dtype = X.dtype === 'float32' && y.dtype === 'float32' ? 'float32' : 'float64';
  return iterate(zeros(d, 1, dtype) as Matrix<D, 1>, steps, (w) => {
    const residual = (X as Matrix<number, number>).matmul(w as Matrix<number, 1>).sigmoid().sub(y);
    const gradient = X.crossprod(residual).div(y.count());
    return w.sub(gradient.scale(rate)) as Matrix<D, 1>;
  });
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
  const init = X.sampleRows(k, options.seed ?? 0) as Matrix<number, D>;
  return iterate(init, options.iterations ?? 10, (C) => {
    const assignment = kmeansAssignment(X, C);
    const counts = assignment.colSums().transpose(); // k×1
    const sums = assignment.crossprod(X); // k×d
    const occupied = counts.clip(0, 1);
    const means = sums.div(counts.maximum(1));
    return means.add(C.mul(occupied.neg().add(1))) as Matrix<number, D>;
  });
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
