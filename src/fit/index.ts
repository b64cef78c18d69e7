/** Fitted pipelines: fit(), the artefact, single-row serving and lineage (docs/serving.md). */
export { fit, type FitOptions } from './fit.js';
export { FittedPipeline, type InputRow, type InputCheck, type BatchInput } from './fitted.js';
export type { FrozenConstant, Provenance } from './freeze.js';
export type { Lineage, SourceFingerprint } from './lineage.js';
export type { FeatureStats } from './stats.js';
export type { FittedExplainOptions, FittedExplainJson } from './explain.js';
export { ARTEFACT_FORMAT, FORMAT_VERSION } from './artefact.js';
