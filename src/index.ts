/**
 * Tessera: one logical plan for relational and linear algebra.
 *
 * Build a pipeline with the typed builder (`fromColumns`, `fromArrow`, `readCsv`,
 * `readParquet`, `readArrowFile`, then `filter`, `join`, `groupBy`, `toMatrix`, ...),
 * inspect it with `explain()`, run it with `collect()`.
 */

// The typed builder: sources, relations, expressions.
export { fromArrow, fromColumns, readArrowFile, readCsv, readParquet, type SourceOptions, type ColumnInput } from './dsl/sources.js';
export { Relation, GroupedRelation, type Row, type JoinResult, type FeatureInput } from './dsl/relation.js';
export { Expr, Agg, Sort, When, count, lit, when } from './dsl/expr.js';
export type { ColSpec, DType, SchemaSpec } from './types/dtype.js';
export type { Field, RelationSchema } from './types/schema.js';

// Matrices and learners in the same plan.
export { Matrix, matrix, fromDense, constant, zeros, identity } from './dsl/matrix.js';
export { iterate, linearRegression, logisticRegression, predictProbabilities, kmeans, kmeansAssignment, clusterIds } from './dsl/learners.js';
export type { DenseMatrix } from './kernels/matrix/dense.js';

// Running and explaining.
export type { RunOptions, MatrixResultValue } from './dsl/run.js';
export { explain, explainSync, type ExplainOptions } from './explain/explain.js';
export { formatTree } from './explain/text.js';

// Where matrix work runs: kernel providers and the physical plan.
export type { ProviderName, ProviderStatus, Device } from './providers/provider.js';
export { providerStatuses } from './providers/registry.js';
export type { PhysicalPlan, PhysicalNode, Layout } from './physical/plan.js';
export { planPhysical, type PhysicalOptions } from './physical/planner.js';
export { ProviderUnavailableError } from './physical/placement.js';
export { MemoryLimitError } from './exec/run-context.js';
export { setBufferPoolLimit, bufferPoolBytes } from './data/buffer-pool.js';
export { CancelledError } from './providers/abort.js';

// Plans and the optimizer, for tools and rule authors.
export type { PlanNode, RelationNode, OutputType } from './plan/node.js';
export { planDigest, planEquals, planHash, planDepth } from './plan/node.js';
export { MAX_PLAN_DEPTH, MAX_EXPRESSION_DEPTH } from './plan/limits.js';
export type { TableSource, SourceStats } from './plan/source.js';
export { optimize, DEFAULT_RULES, estimatePlan, type OptimizeOptions, type OptimizeResult, type RuleFiring, type Rule } from './optimizer/index.js';

// Errors: every one is a TesseraError.
export * from './errors.js';
export { SingularMatrixError, NotPositiveDefiniteError, NonFiniteInputError, ShapeMismatchError } from './kernels/matrix/errors.js';
