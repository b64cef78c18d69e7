/**
 * Typed errors thrown by the matrix kernels. Every message starts with the
 * operation name and names the shapes involved, so a failure deep inside a
 * plan can be traced back to the node that produced it. They are TesseraErrors, so one
 * `catch` handles every error the engine raises.
 */
import { TesseraError } from '../../errors.js';

/** Operand shapes are incompatible (inner dimensions, squareness, `out` size...). */
export class ShapeMismatchError extends TesseraError {}

/**
 * The matrix is singular to working precision: a pivot fell below
 * n·eps·‖A‖ (relative, so uniformly scaled matrices behave alike).
 */
export class SingularMatrixError extends TesseraError {}

/**
 * Cholesky met a pivot ≤ n·eps·max(diag A): the matrix is not (numerically)
 * symmetric positive definite. `solve` and `leastSquares` catch this and
 * fall back to LU / QR; it only escapes from `cholesky` itself.
 */
export class NotPositiveDefiniteError extends TesseraError {}

/**
 * A factorization or solve received NaN or ±Inf. Factorizations reject such
 * input up front instead of letting NaN leak through pivots (where it could
 * masquerade as "singular" or silently poison every entry). Products (gemm,
 * crossProduct, CSR ops) do not check: NaN propagates per IEEE 754.
 */
export class NonFiniteInputError extends TesseraError {}

/** Throws NonFiniteInputError if `data` holds NaN or ±Inf. O(n), no allocation. */
export function assertFinite(op: string, what: string, data: ArrayLike<number>): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    // v - v is NaN exactly for NaN and ±Inf; cheaper than Number.isFinite per element.
    if (v - v !== 0) {
      throw new NonFiniteInputError(`${op}: ${what} holds a non-finite value (${v}) at flat index ${i}`);
    }
  }
}
