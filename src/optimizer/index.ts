import type { PlanNode } from '../plan/node.js';
import { type OptimizeOptions, type OptimizeResult, runRules } from './driver.js';
import type { Rule } from './rule.js';
import { transposeFolding } from './rules/r12-transpose-folding.js';

/**
 * The cross-algebra optimizer: an ordered list of rules, applied to a fixed point.
 * The order puts simplifications first (folding, transposes), then the pushdowns that
 * shrink what flows between operators, then the choices made by cost.
 */
export const DEFAULT_RULES: readonly Rule[] = [transposeFolding];

/** Optimizes a plan with the default rules (or `rules`), some of which may be switched off by name. */
export function optimize(plan: PlanNode, options: OptimizeOptions & { rules?: readonly Rule[] } = {}): OptimizeResult {
  return runRules(plan, options.rules ?? DEFAULT_RULES, options);
}

export { type OptimizeOptions, type OptimizeResult, type RuleFiring, RuleInvariantError } from './driver.js';
export type { Rule, RuleContext } from './rule.js';
export { estimatePlan, type Estimate, type PlanEstimate } from './cost.js';
