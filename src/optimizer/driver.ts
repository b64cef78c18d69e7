import { DepthLimitError, TesseraError } from '../errors.js';
import { type OutputType, type PlanNode, childPlans, makeNode, nodeLabel, planDigest, withInputs } from '../plan/node.js';
import { postOrderOf } from '../plan/walk.js';
import { estimatePlan } from './cost.js';
import type { Rule, RuleContext } from './rule.js';

/** One application of a rule that changed the plan. */
export interface RuleFiring {
  readonly rule: string;
  /** The operators it rewrote, as explain prints them. */
  readonly matched: readonly string[];
  /** The whole plan after this application. */
  readonly plan: PlanNode;
}

export interface OptimizeOptions {
  /** Rules to skip, by name. */
  readonly disabled?: readonly string[];
  /** Upper bound on passes over the rule list (a pass with no change ends earlier). */
  readonly maxPasses?: number;
}

export interface OptimizeResult {
  readonly plan: PlanNode;
  readonly trace: readonly RuleFiring[];
  readonly passes: number;
}

/** A rewrite changed what the plan computes: a bug in a rule, never a user error. */
export class RuleInvariantError extends TesseraError {}

/**
 * Applies the rules in order, each over the whole plan, and repeats the list until a
 * pass changes nothing or `maxPasses` is reached. After every rule that fires, the
 * plan's output must be unchanged.
 *
 * A rewrite that would take the plan past MAX_PLAN_DEPTH or an expression past
 * MAX_EXPRESSION_DEPTH (src/plan/limits.ts: e.g. merging thousands of stacked filters
 * into one AND) is not made: where the rule builds the too-deep node, the node is
 * left as it was; where an operator above could no longer be rebuilt over a rewritten
 * input, the rule is skipped for that pass. Either way the plan stays a valid plan
 * within the limits.
 */
export function runRules(plan: PlanNode, rules: readonly Rule[], options: OptimizeOptions = {}): OptimizeResult {
  const disabled = new Set(options.disabled ?? []);
  const active = rules.filter((r) => !disabled.has(r.name));
  const maxPasses = options.maxPasses ?? 8;
  const trace: RuleFiring[] = [];
  let current = plan;
  let passes = 0;
  for (let changed = true; changed && passes < maxPasses; passes++) {
    changed = false;
    for (const rule of active) {
      const matched: string[] = [];
      let next: PlanNode;
      try {
        next = applyEverywhere(current, rule, matched);
      } catch (e) {
        if (e instanceof DepthLimitError) continue;
        throw e;
      }
      if (next === current) continue;
      checkSameOutput(rule.name, current.output, next.output);
      trace.push({ rule: rule.name, matched, plan: next });
      current = next;
      changed = true;
    }
  }
  return { plan: current, trace, passes };
}

/** The rule's replacement for `node`, or null; a replacement that would pass a depth limit counts as none. */
function offer(rule: Rule, node: PlanNode, context: RuleContext): PlanNode | null {
  try {
    return rule.apply(node, context);
  } catch (e) {
    if (e instanceof DepthLimitError) return null;
    throw e;
  }
}

/** A node being rewritten by applyEverywhere: what it waits for, and where it is. */
interface Visit {
  /** The node as given (the memo's key). */
  readonly node: PlanNode;
  /** Nodes that must be visited before this one continues. */
  wait: readonly PlanNode[];
  next: number;
  /** The node over rewritten inputs, then each accepted replacement. */
  current: PlanNode | null;
  /** A replacement whose inputs are being visited. */
  replacement: PlanNode | null;
  guard: number;
}

/**
 * Offers every node to the rule bottom-up, re-offering a replacement until it no longer
 * matches. The visits keep their own stack (plans may be MAX_PLAN_DEPTH deep, and a
 * filter pushed down a long chain is re-visited at every level), in the order a
 * recursive visit takes: a loop's body, then its inputs, then the node itself, and a
 * replacement's inputs before the replacement is offered again.
 */
function applyEverywhere(root: PlanNode, rule: Rule, matched: string[]): PlanNode {
  const readers = countReaders(root);
  const context: RuleContext = {
    // A node built during this pass reads as having one reader (its new parent), unless it replaced a known node.
    consumers: (n) => readers.get(n) ?? 1,
    cost: (n) => estimatePlan(n).total.cost,
  };
  const replaced = (by: PlanNode, old: PlanNode) => {
    if (by !== old && !readers.has(by)) readers.set(by, readers.get(old) ?? 1);
  };
  const memo = new Map<PlanNode, PlanNode>();
  const visiting = new Set<PlanNode>();
  const stack: Visit[] = [];
  const open = (node: PlanNode) => {
    if (visiting.has(node)) throw new RuleInvariantError(`optimizer rule '${rule.name}' rewrote ${nodeLabel(node)} into a plan that reads it`);
    visiting.add(node);
    stack.push({ node, wait: childPlans(node), next: 0, current: null, replacement: null, guard: 0 });
  };
  const done = (n: PlanNode) => memo.get(n)!;

  /** Offers `v.current` until the rule stops matching; false when a replacement's inputs must be visited first. */
  const settle = (v: Visit): boolean => {
    for (; v.guard < 32; v.guard++) {
      const current = v.current!;
      const next = offer(rule, current, context);
      if (!next || next === current) break;
      matched.push(nodeLabel(current));
      replaced(next, current);
      // An equal plan in a new shape (e.g. shared subplans after CSE) is taken once, not re-offered.
      if (planDigest(next) === planDigest(current)) {
        v.current = next;
        break;
      }
      v.replacement = next;
      v.wait = next.inputs;
      v.next = 0;
      return false;
    }
    return true;
  };

  open(root);
  while (stack.length > 0) {
    const v = stack[stack.length - 1];
    while (v.next < v.wait.length && memo.has(v.wait[v.next])) v.next++;
    if (v.next < v.wait.length) {
      open(v.wait[v.next]);
      continue;
    }
    if (v.current === null) {
      const node = v.node;
      let withBody = node;
      if (node.kind === 'loop') {
        const body = done(node.args.body);
        if (body !== node.args.body) withBody = makeNode('loop', { ...node.args, body }, node.inputs);
      }
      v.current = withInputs(withBody, node.inputs.map(done));
      replaced(v.current, node);
    } else if (v.replacement !== null) {
      const next = v.replacement;
      const rebuilt = withInputs(next, next.inputs.map(done));
      replaced(rebuilt, next);
      v.current = rebuilt;
      v.replacement = null;
      v.guard++;
    }
    if (!settle(v)) continue;
    memo.set(v.node, v.current);
    visiting.delete(v.node);
    stack.pop();
  }
  return done(root);
}

/** How many operators read each node (the root: none; a loop body's root: its loop). */
function countReaders(root: PlanNode): Map<PlanNode, number> {
  const counts = new Map<PlanNode, number>([[root, 0]]);
  for (const n of postOrderOf(root, childPlans)) {
    for (const c of childPlans(n)) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  return counts;
}

function describeOutput(o: OutputType): string {
  return o.kind === 'relation' ? o.schema.fields.map((f) => `${f.name}: ${f.dtype}`).join(', ') : `${o.rows ?? '?'}×${o.cols} ${o.dtype}`;
}

/** Column names and dtypes (relations) or shape and dtype (matrices) must survive a rewrite. */
function checkSameOutput(rule: string, before: OutputType, after: OutputType): void {
  const same =
    before.kind === 'relation'
      ? after.kind === 'relation' &&
        before.schema.fields.length === after.schema.fields.length &&
        before.schema.fields.every((f, i) => f.name === after.schema.fields[i].name && f.dtype === after.schema.fields[i].dtype)
      : after.kind === 'matrix' && before.cols === after.cols && before.dtype === after.dtype && (before.rows === null || before.rows === after.rows);
  if (!same) {
    throw new RuleInvariantError(`optimizer rule '${rule}' changed the plan's output from [${describeOutput(before)}] to [${describeOutput(after)}]`);
  }
}
