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

/**
 * The cross-algebra optimizer: an ordered list of rules, applied to a fixed point.
 * Order within a pass: fold constants; move row selections down (relational filters,
 * matrix predicates turned into filters, filters through the table/matrix bridge);
 * move column selections down (through products, into toMatrix, then relational
 * projections); limits; algebraic rewrites of matrix expressions (sums through
 * products, then chain order by cost, then transposes into cross-products, which
 * must come after chain ordering so Aᵀ·B is not frozen first); and last, sharing of
 * equal subplans. Loop-invariant hoisting runs before projection pushdown (see below).
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
  sumsThroughProducts,
  matrixChain,
  transposeFolding,
  commonSubexpressions,
];

/** Optimizes a plan with the default rules (or `rules`), some of which may be switched off by name. */
export function optimize(plan: PlanNode, options: OptimizeOptions & { rules?: readonly Rule[] } = {}): OptimizeResult {
  return runRules(plan, options.rules ?? DEFAULT_RULES, options);
}

export { type OptimizeOptions, type OptimizeResult, type RuleFiring, RuleInvariantError } from './driver.js';
export type { Rule, RuleContext } from './rule.js';
export { estimatePlan, type Estimate, type PlanEstimate } from './cost.js';
