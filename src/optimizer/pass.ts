import type { PlanNode } from '../plan/node.js';

/**
 * A whole-plan pass: a rewrite that needs the whole plan at once (to compare complete
 * alternatives by cost), as opposed to a rule, which is offered one node at a time.
 * A pass rewrites the plan as built, before the rules narrowed it (projection pushdown
 * drops the join keys a factorized form reads), and prices each alternative after
 * taking it through the rules (`context.rewrite`).
 */
export interface PlanPass {
  /** Stable name, used in traces and to switch the pass off. */
  readonly name: string;
  readonly description: string;
  run(plan: PlanNode, context: PassContext): PassResult;
}

export interface PassContext {
  /** The plan given to the pass after the rules: the alternative to beat. */
  readonly optimized: PlanNode;
  /** The active rules applied to a fixed point. */
  rewrite(plan: PlanNode): PlanNode;
  /** Estimated cost of a whole plan (cost model units). */
  cost(plan: PlanNode): number;
}

export interface PassResult {
  /** The plan as built with the pass's changes (the input itself when it changed nothing). */
  readonly plan: PlanNode;
  /** `plan` after the rules. */
  readonly optimized: PlanNode;
  readonly decisions: readonly PlanDecision[];
}

/** A choice a pass made between alternatives: what explain shows under "Decisions". */
export interface PlanDecision {
  readonly pass: string;
  /** The operator the choice was about, as explain prints it. */
  readonly site: string;
  /** The alternative taken (one of `alternatives`, or 'not applicable'). */
  readonly chosen: string;
  /** Whether the pass rewrote the plan at this site (false: it kept the plan as it was). */
  readonly rewrote: boolean;
  /** Each alternative with its estimated whole-plan cost (absent: not a valid plan). */
  readonly alternatives: readonly { readonly name: string; readonly cost?: number }[];
  /** Figures and reasons behind the choice, in a few words each. */
  readonly why: readonly string[];
}
