import type { PlanNode } from '../plan/node.js';

/**
 * An optimizer rule: a small, pure rewrite. `apply` is offered every node of the
 * plan (inputs before the nodes that read them) and returns the replacement for that
 * node, or null when it does not match. It must preserve the node's output (same
 * column names and types, or same matrix shape and dtype); the driver checks this.
 * Each rule's file header states its identity, precondition and why it pays; the
 * catalogue of all rules is in docs/architecture.md.
 */
export interface Rule {
  /** Stable name, used in traces and to switch the rule off (e.g. `predicate-pushdown`). */
  readonly name: string;
  /** One line: what it rewrites and why that is valid. */
  readonly description: string;
  apply(node: PlanNode, context: RuleContext): PlanNode | null;
}

/** What a rule may ask about the plan around the node it is offered. */
export interface RuleContext {
  /** How many operators read this node's output in the whole plan (CSE can make it more than one). */
  consumers(node: PlanNode): number;
  /** Estimated cost of a subplan (cost model units), for rules that choose between forms. */
  cost(node: PlanNode): number;
}
