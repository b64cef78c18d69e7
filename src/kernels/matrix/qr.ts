/**
 * Householder QR least squares, the fallback of `leastSquares` when the
 * normal equations are not numerically positive definite. QR works on X
 * directly, so its accuracy depends on cond(X) rather than cond(X)², which
 * rescues ill-conditioned but full-rank designs.
 */
import type { DenseMatrix } from './dense.js';
import { shapeOf } from './dense.js';
import { SingularMatrixError } from './errors.js';
import { EPS } from './rowops.js';

/**
 * argmin ‖X·B − Y‖² + ridge·‖B‖² as a p×t row-major float64 array, by QR of
 * the augmented system [X; √ridge·I]·B ≈ [Y; 0]. Works on column-major
 * float64 copies so each reflection walks contiguous columns. Throws
 * SingularMatrixError when a column of R is ≤ max(m, p)·eps·(largest column
 * norm), i.e. X is rank deficient to working precision.
 */
export function qrLeastSquares(X: DenseMatrix, Y: DenseMatrix, ridge: number): Float64Array {
  const { cols: p } = X;
  const t = Y.cols;
  const m = X.rows + (ridge > 0 ? p : 0);
  if (m < p) {
    throw new SingularMatrixError(`leastSquares: ${shapeOf(X)} system is underdetermined (rank < ${p} columns)`);
  }
  const a = new Float64Array(m * p);
  const b = new Float64Array(m * t);
  for (let i = 0; i < X.rows; i++) {
    for (let j = 0; j < p; j++) a[j * m + i] = X.data[i * p + j];
    for (let c = 0; c < t; c++) b[c * m + i] = Y.data[i * t + c];
  }
  if (ridge > 0) for (let j = 0; j < p; j++) a[j * m + X.rows + j] = Math.sqrt(ridge);

  let maxNorm = 0;
  for (let j = 0; j < p; j++) maxNorm = Math.max(maxNorm, Math.sqrt(dot(a, j * m, a, j * m, m)));
  const tol = Math.max(m, p) * EPS * maxNorm;
  const v = new Float64Array(m);
  for (let k = 0; k < p; k++) {
    const ck = k * m + k, len = m - k;
    const norm = Math.sqrt(dot(a, ck, a, ck, len));
    if (!(norm > tol)) {
      throw new SingularMatrixError(`leastSquares: ${shapeOf(X)} design is rank deficient (column ${k} of R ≤ tolerance)`);
    }
    // alpha takes the sign opposite to a_kk so v0 = a_kk − alpha involves no cancellation.
    const akk = a[ck], alpha = akk >= 0 ? -norm : norm;
    for (let i = 0; i < len; i++) v[i] = a[ck + i];
    v[0] = akk - alpha;
    const vv = norm * norm - akk * akk + v[0] * v[0];
    a[ck] = alpha;
    a.fill(0, ck + 1, ck + len);
    for (let j = k + 1; j < p; j++) reflect(v, vv, a, j * m + k, len);
    for (let c = 0; c < t; c++) reflect(v, vv, b, c * m + k, len);
  }
  // Back-substitution R·B = (Qᵀ·Y)[0..p); R[k][j] = a[j·m + k].
  const x = new Float64Array(p * t);
  for (let c = 0; c < t; c++) {
    for (let k = p - 1; k >= 0; k--) {
      let s = b[c * m + k];
      for (let j = k + 1; j < p; j++) s -= a[j * m + k] * x[j * t + c];
      x[k * t + c] = s / a[k * m + k];
    }
  }
  return x;
}

function dot(x: Float64Array, xo: number, y: Float64Array, yo: number, len: number): number {
  let s = 0;
  for (let i = 0; i < len; i++) s += x[xo + i] * y[yo + i];
  return s;
}

/** y[yo..yo+len) ← (I − 2·v·vᵀ/vv)·y[yo..yo+len). */
function reflect(v: Float64Array, vv: number, y: Float64Array, yo: number, len: number): void {
  const f = (2 * dot(v, 0, y, yo, len)) / vv;
  for (let i = 0; i < len; i++) y[yo + i] -= f * v[i];
}
