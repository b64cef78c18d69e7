/**
 * Public API of the pure-TypeScript matrix kernels (dense row-major, CSR, and
 * hybrid dense + CSR blocks).
 * Internal building blocks (in-place factorizations, packing, scratch) stay
 * module-private so providers depend only on what is listed here.
 */
export type { DenseMatrix, Dtype, FloatArray } from './dense.js';
export { denseMatrix, dtypeOf, fromRows, identity, resultDtype, transpose, zeros } from './dense.js';
export {
  NonFiniteInputError,
  NotPositiveDefiniteError,
  ShapeMismatchError,
  SingularMatrixError,
} from './errors.js';
export type { GemmOptions, GemvOptions } from './gemm.js';
export { gemm, gemv } from './gemm.js';
export type { CrossProductOptions } from './crossprod.js';
export { crossProduct, crossProductWith } from './crossprod.js';
export type { CsrMatrix, OneHotBlock } from './csr.js';
export {
  csrCrossProduct,
  csrFromDense,
  csrFromOneHot,
  csrFromOneHotBlocks,
  csrTimesDense,
  csrTimesVector,
  csrTransposeTimesDense,
} from './csr.js';
export type { HybridMatrix } from './hybrid.js';
export {
  hybridCrossProduct,
  hybridCrossProductWith,
  hybridMatrix,
  hybridReduce,
  hybridSelectColumns,
  hybridTimesDense,
  hybridToDense,
} from './hybrid.js';
export { cholesky, choleskySolve } from './cholesky.js';
export type { LuFactorization } from './lu.js';
export { determinant, inverse, lu, luSolve } from './lu.js';
export { leastSquares, solve } from './solve.js';
