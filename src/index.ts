/**
 * Tessera: one logical plan for relational and linear algebra.
 *
 * Build a pipeline with the typed builder (`fromColumns`, `fromArrow`, `readCsv`,
 * `readParquet`, `readArrowFile`, then `filter`, `join`, `groupBy`, ...), inspect it
 * with `explain()`, run it with `collect()`.
 */
export { fromArrow, fromColumns, readArrowFile, readCsv, readParquet, type SourceOptions, type ColumnInput } from './dsl/sources.js';
export { Relation, GroupedRelation, type Row, type JoinResult } from './dsl/relation.js';
export { Expr, Agg, Sort, When, count, lit, when } from './dsl/expr.js';
export * from './errors.js';
export type { ColSpec, DType, SchemaSpec } from './types/dtype.js';
export type { Field, RelationSchema } from './types/schema.js';
export type { PlanNode, RelationNode, OutputType } from './plan/node.js';
export { planDigest, planEquals, planHash } from './plan/node.js';
export type { TableSource, SourceStats } from './plan/source.js';
export { formatTree } from './explain/text.js';
export { Matrix, matrix, fromDense, constant, zeros, identity } from './dsl/matrix.js';
export type { MatrixResultValue } from './dsl/run.js';
export type { FeatureInput } from './dsl/relation.js';
export { iterate, linearRegression, logisticRegression, predictProbabilities, kmeans, kmeansAssignment, clusterIds } from './dsl/learners.js';
export type { DenseMatrix } from './kernels/matrix/dense.js';
export { SingularMatrixError, NotPositiveDefiniteError, NonFiniteInputError, ShapeMismatchError } from './kernels/matrix/errors.js';
export type { RunOptions } from './dsl/run.js';
export { optimize, DEFAULT_RULES, estimatePlan, type OptimizeOptions, type OptimizeResult, type RuleFiring, type Rule } from './optimizer/index.js';
export { explain, explainSync, type ExplainOptions } from './explain/explain.js';
