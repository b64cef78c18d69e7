import { DepthLimitError } from '../errors.js';
import type { PlanNode } from '../plan/node.js';
import { type OptimizeOptions, type OptimizeResult, runRules } from './driver.js';
import type { Rule } from './rule.js';
import { constantFolding } from './rules/constant-folding.js';
import { limitPushdown } from './rules/limit-pushdown.js';
import { predicatePushdown } from './rules/predicate-pushdown.js';
import { projectionPushdown } from './rules/projection-pushdown.js';
import { sumsThroughProducts } from './rules/r4-sums-through-products.js';
import { productColumnSelection } from './rules/r5-product-column-selection.js';
import { rowSelectionPushdown } from './rules/r5-row-selection-pushdown.js';
import { toMatrixProjection } from './rules/r6-tomatrix-projection.js';
import { matrixChain } from './rules/r7-matrix-chain.js';
import { matrixPredicateToFilter } from './rules/r9-matrix-predicate-to-filter.js';
import { loopInvariantHoisting } from './rules/r11-loop-invariant-hoisting.js';
import { transposeFolding } from './rules/r12-transpose-folding.js';
import { commonSubexpressions } from './rules/r13-common-subexpressions.js';
import { productsThroughKeyGathers } from './rules/r1-products-through-key-gathers.js';
import { crossProductsThroughKeyGathers } from './rules/r2-cross-products-through-key-gathers.js';
import { sumsThroughKeyGathers } from './rules/r2-sums-through-key-gathers.js';
import { gramByBlocks } from './rules/r3-gram-by-blocks.js';
import { rowSamplingThroughKeyGathers } from './rules/r5-row-sampling-through-key-gathers.js';
import { mapsThroughKeyGathers } from './rules/r8-maps-through-key-gathers.js';
import type { PlanDecision, PlanPass } from './pass.js';
import { factorizeJoins } from './passes/r14-factorize-joins.js';
import { type PlanEstimate, estimatePlan } from './cost.js';

/**
 * The cross-algebra optimizer: an ordered list of rules, applied to a fixed point.
 * Order within a pass: fold constants; move row selections down (relational filters,
 * matrix predicates turned into filters, filters through the table/matrix bridge);
 * move column selections down (through products, into toMatrix, then relational
 * projections); limits; algebraic rewrites of matrix expressions (sums through
 * products, then chain order by cost, then transposes into cross-products, which
 * must come after chain ordering so Aᵀ·B is not frozen first); and last, sharing of
 * equal subplans. Loop-invariant hoisting runs before projection pushdown (see below).
 * The R1–R3/R8 rules for factorized join matrices come before the algebraic rewrites;
 * they fire only on the forms the R14 pass introduces.
 */
export const DEFAULT_RULES: readonly Rule[] = [
  constantFolding,
  predicatePushdown,
  matrixPredicateToFilter,
  rowSelectionPushdown,
  productColumnSelection,
  toMatrixProjection,
  // Before projection pushdown: subplans hoisted out of loop bodies get narrowed with the
  // rest of the plan, so a matrix used inside and after a learner's loop stays one subplan.
  loopInvariantHoisting,
  projectionPushdown,
  limitPushdown,
  productsThroughKeyGathers,
  crossProductsThroughKeyGathers,
  gramByBlocks,
  mapsThroughKeyGathers,
  sumsThroughKeyGathers,
  rowSamplingThroughKeyGathers,
  sumsThroughProducts,
  matrixChain,
  transposeFolding,
  commonSubexpressions,
];

/**
 * What running one operator costs whatever its size (dispatch, an output allocation,
 * a provider call), in cost units (a value touched in order, 2–3 ns each): ~0.1 ms,
 * measured as the time per operator of small plans. Whole plans with many small
 * operators (a learner's loop over factorized blocks) pay it per operator run.
 */
const OPERATOR_COST = 40_000;

/** A whole plan's cost for choosing between plans: its operators' work plus a fixed cost per operator run. */
function wholePlanCost(estimate: PlanEstimate): number {
  return estimate.total.cost + OPERATOR_COST * estimate.total.operatorRuns;
}

/** Whole-plan passes, run in order after the rules reach their fixed point (src/optimizer/pass.ts). */
export const DEFAULT_PASSES: readonly PlanPass[] = [factorizeJoins];

export interface OptimizeOutcome extends OptimizeResult {
  /** Choices the passes made between whole-plan alternatives, with their estimated costs. */
  readonly decisions: readonly PlanDecision[];
}

/**
 * Optimizes a plan with the default rules (or `rules`) to a fixed point, then runs the
 * whole-plan passes, each on the plan as built (with the earlier passes' changes) and
 * each comparing alternatives taken through the rules; rules and passes can be
 * switched off by name.
 */
export function optimize(plan: PlanNode, options: OptimizeOptions & { rules?: readonly Rule[]; passes?: readonly PlanPass[] } = {}): OptimizeOutcome {
  const rules = options.rules ?? DEFAULT_RULES;
  const disabled = new Set(options.disabled ?? []);
  const first = runRules(plan, rules, options);
  const trace = [...first.trace];
  const decisions: PlanDecision[] = [];
  let source = plan;
  let current = first.plan;
  let passes = first.passes;
  const rewrite = (p: PlanNode) => {
    const r = runRules(p, rules, options);
    passes += r.passes;
    return r.plan;
  };
  const cost = (p: PlanNode) => wholePlanCost(estimatePlan(p));
  for (const pass of options.passes ?? DEFAULT_PASSES) {
    if (disabled.has(pass.name)) continue;
    let result: ReturnType<PlanPass['run']>;
    try {
      result = pass.run(source, { optimized: current, rewrite, cost });
    } catch (e) {
      // An alternative that would pass a depth limit (src/plan/limits.ts) is no alternative: the plan stays as it is.
      if (e instanceof DepthLimitError) continue;
      throw e;
    }
    decisions.push(...result.decisions);
    if (result.plan !== source) {
      source = result.plan;
      current = result.optimized;
      trace.push({ rule: pass.name, matched: result.decisions.filter((d) => d.rewrote).map((d) => d.site), plan: current });
    }
  }
  return { plan: current, trace, passes, decisions };
}

export { type OptimizeOptions, type OptimizeResult, type RuleFiring, RuleInvariantError } from './driver.js';
export type { Rule, RuleContext } from './rule.js';
export type { PlanPass, PassContext, PassResult, PlanDecision } from './pass.js';
export { estimatePlan, type Estimate, type PlanEstimate } from './cost.js';
