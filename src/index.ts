/**
 * Tessera: one logical plan for relational and linear algebra.
 *
 * Build a pipeline with the typed builder (`fromColumns`, `fromArrow`, `readCsv`,
 * `readParquet`, `readArrowFile`, then `filter`, `join`, `groupBy`, `toMatrix`, ...),
 * inspect it with `explain()`, run it with `collect()`.
 */

// The typed builder: sources, relations, expressions.
export { fromArrow, fromColumns, fromDuckDB, readArrowFile, readCsv, readParquet, type SourceOptions, type ColumnInput } from './dsl/sources.js';
export { toDuckDB } from './dsl/duckdb.js';
export type { DuckDBConnectionLike, DuckDBWriteOptions } from './io/duckdb.js';
export type { RelationalEngine } from './physical/sql-engine.js';
export type { SqlCompileOptions } from './sql/compile.js';
export { Relation, GroupedRelation, type Row, type JoinResult, type FeatureInput } from './dsl/relation.js';

// Validated inputs: expectations checked in the plan, reports, profiles and drift (docs/validation.md).
export { checks, type Expectation, type ExpectationSpec } from './plan/expectations.js';
export { Validated, collectValidated, type ValidateOptions, type ValidationResult, type QuarantineColumns } from './dsl/validate.js';
export { ValidationError, formatReport, type ValidationReport, type ExpectationResult, type ValidationOutcome } from './exec/validation-report.js';
export type { ValidationPolicy } from './plan/validate-operator.js';
export { profile, PSI_QUANTILES, PROFILE_FORMAT_VERSION, type Profile, type FeatureProfile, type NumericFeatureProfile, type CategoricalFeatureProfile } from './validate/profile.js';
export { checkAgainstProfile, populationStabilityIndex, driftVerdict, PSI_MODERATE, PSI_DRIFT, PSI_FLOOR, type ProfileCheck, type DriftResult, type DriftVerdict } from './validate/drift.js';
export { rowChecker, type RowChecker, type RowVerdict, type RowProblem } from './validate/row-check.js';
export { Expr, Agg, Sort, When, count, lit, when } from './dsl/expr.js';
export type { ColSpec, DType, SchemaSpec } from './types/dtype.js';
export type { Field, RelationSchema } from './types/schema.js';

// Matrices and learners in the same plan.
export { Matrix, matrix, fromDense, constant, zeros, identity } from './dsl/matrix.js';
export { iterate, linearRegression, logisticRegression, logisticLoss, predictProbabilities, kmeans, kmeansAssignment, kmeansInertia, clusterIds } from './dsl/learners.js';
export type { LogisticRegressionOptions, KMeansOptions } from './dsl/learners.js';
export type { LoopReport } from './exec/execute.js';

// Fitted pipelines: fit once, save, load and serve single rows or batches (docs/serving.md).
export { fit, FittedPipeline, ARTEFACT_FORMAT, FORMAT_VERSION, type FitOptions, type InputRow, type InputCheck, type BatchInput, type FrozenConstant, type Provenance, type Lineage, type SourceFingerprint, type FeatureStats, type FittedExplainOptions, type FittedExplainJson } from './fit/index.js';
export type { DenseMatrix } from './kernels/matrix/dense.js';

// Running and explaining.
export type { RunOptions, RowsOptions, MatrixResultValue, WriteResult } from './dsl/run.js';
export type { CsvWriteOptions } from './io/write-csv.js';
export type { ParquetWriteOptions } from './io/write-parquet.js';
export { explain, explainSync, type ExplainOptions } from './explain/explain.js';
export { formatTree } from './explain/text.js';
export { formatTable, show, type ShowOptions } from './io/show.js';

// Where matrix work runs: kernel providers and the physical plan.
export type { ProviderName, ProviderStatus, Device } from './providers/provider.js';
export { providerStatuses } from './providers/registry.js';
export type { PhysicalPlan, PhysicalNode, Layout } from './physical/plan.js';
export { planPhysical, type PhysicalOptions } from './physical/planner.js';
export { ProviderUnavailableError } from './physical/placement.js';
export { MemoryLimitError } from './exec/run-context.js';
export { setBufferPoolLimit, bufferPoolBytes } from './data/buffer-pool.js';
// Reproducible generated data (examples, benchmarks): a seeded uniform generator in [0, 1).
export { mulberry32 as seededRandom } from './data/random.js';
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
