import { TesseraError } from '../errors.js';
import { type OutputType, type PlanNode, makeNode, nodeLabel, planDigest, withInputs } from '../plan/node.js';
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
      const next = applyEverywhere(current, rule, matched);
      if (next === current) continue;
      checkSameOutput(rule.name, current.output, next.output);
      trace.push({ rule: rule.name, matched, plan: next });
      current = next;
      changed = true;
    }
  }
  return { plan: current, trace, passes };
}

/** Offers every node to the rule bottom-up, re-offering a replacement until it no longer matches. */
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
  const visit = (node: PlanNode): PlanNode => {
    const done = memo.get(node);
    if (done) return done;
    let current = withInputs(withBody(node, visit), node.inputs.map(visit));
    replaced(current, node);
    for (let guard = 0; guard < 32; guard++) {
      const next = rule.apply(current, context);
      if (!next || next === current) break;
      matched.push(nodeLabel(current));
      replaced(next, current);
      // An equal plan in a new shape (e.g. shared subplans after CSE) is taken once, not re-offered.
      if (planDigest(next) === planDigest(current)) {
        current = next;
        break;
      }
      const rebuilt = withInputs(next, next.inputs.map(visit));
      replaced(rebuilt, next);
      current = rebuilt;
    }
    memo.set(node, current);
    return current;
  };
  return visit(root);
}

/** Rules also rewrite inside loop bodies. */
function withBody(node: PlanNode, visit: (n: PlanNode) => PlanNode): PlanNode {
  if (node.kind !== 'loop') return node;
  const body = visit(node.args.body);
  return body === node.args.body ? node : makeNode('loop', { ...node.args, body }, node.inputs);
}

/** How many operators read each node (the root: none; a loop body's root: its loop). */
function countReaders(root: PlanNode): Map<PlanNode, number> {
  const counts = new Map<PlanNode, number>([[root, 0]]);
  const seen = new Set<PlanNode>();
  const read = (n: PlanNode) => {
    counts.set(n, (counts.get(n) ?? 0) + 1);
    walk(n);
  };
  const walk = (n: PlanNode) => {
    if (seen.has(n)) return;
    seen.add(n);
    if (n.kind === 'loop') read(n.args.body);
    n.inputs.forEach(read);
  };
  walk(root);
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
