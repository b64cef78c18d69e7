import { PlanError } from '../errors.js';
import { RUN_OPTIONS, type RunOptions, collectMatrix } from '../dsl/run.js';
import { type OptionKeys, checkOptions } from '../options.js';
import type { MatrixNode, PlanNode } from '../plan/node.js';
import { Relation } from '../dsl/relation.js';
import { profile } from '../validate/profile.js';
import { FittedPipeline, INPUT_PROFILE } from './fitted.js';
import { freezePlan } from './freeze.js';
import { type Lineage, fingerprintSource, providerVersions, stablePlanDigest, tesseraVersion } from './lineage.js';

export interface FitOptions extends RunOptions {
  /**
   * Values to compute over the training data and record in the lineage (e.g. a training
   * error): 1×1 matrices of the same pipeline, by name.
   */
  readonly metrics?: Readonly<Record<string, { readonly plan: MatrixNode }>>;
  /** Source files above this size are fingerprinted by size, time and samples (default 64 MiB). */
  readonly largeFileBytes?: number;
}

const FIT_OPTIONS: OptionKeys<FitOptions> = { ...RUN_OPTIONS, metrics: true, largeFileBytes: true };

/**
 * Fits a pipeline (a Relation or Matrix that ends in per-row predictions, scores or
 * cluster ids): runs what it learns from the training data once, freezes it into
 * constants, and returns a FittedPipeline that scores new rows (see docs/serving.md).
 */
export async function fit(pipeline: { readonly plan: PlanNode }, options: FitOptions = {}): Promise<FittedPipeline> {
  checkOptions('fit', options, FIT_OPTIONS);
  const started = performance.now();
  const { metrics: metricPlans, largeFileBytes, ...run } = options;
  const frozen = await freezePlan(pipeline.plan, run);
  const metrics: Record<string, number> = {};
  for (const [name, m] of Object.entries(metricPlans ?? {})) {
    const value = await collectMatrix(m.plan, run);
    if (value.rows !== 1 || value.cols !== 1) throw new PlanError('fit', `metric '${name}' is ${value.rows}×${value.cols}; expected a 1×1 matrix`);
    metrics[name] = value.data[0];
  }
  const sources = [];
  for (const s of frozen.sources) sources.push(await fingerprintSource(s, { largeFileBytes }));
  const lineage: Lineage = {
    planDigest: stablePlanDigest(pipeline.plan, frozen.sources),
    fittedPlanDigest: stablePlanDigest(frozen.plan, []),
    sources,
    trainingRows: frozen.trainingRows,
    tessera: tesseraVersion(),
    node: process.version,
    providers: providerVersions(),
    fittedAt: new Date().toISOString(),
    fitSeconds: (performance.now() - started) / 1000,
    metrics,
  };
  // A profile of the raw training inputs (src/validate), saved with the artefact: what
  // checkRow and checkBatch compare serving inputs with.
  const inputProfile = await profile(new Relation(frozen.trainingInput), frozen.input.fields.map((f) => f.name));
  return new FittedPipeline({
    plan: frozen.plan,
    input: frozen.input,
    constants: frozen.constants,
    trainingStats: frozen.trainingStats,
    lineage,
    attachments: { [INPUT_PROFILE]: inputProfile },
  });
}
