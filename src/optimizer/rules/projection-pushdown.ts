import { columnRef, columnsOf } from '../../plan/expr.js';
import { type Node, type PlanNode, isRelation, makeNode, planDigest, relationSchema, withInputs } from '../../plan/node.js';
import { postOrderOf } from '../../plan/walk.js';
import type { Rule, RuleContext } from '../rule.js';

/**
 * Projection pushdown: a column no operator reads is never decoded, joined, sorted or copied.
 *
 *   π_C(R ⋈_K S)       = π_C(π_{C∩R ∪ K}(R) ⋈_K π_{C∩S ∪ K}(S))
 *   π_C(σ_p(R))        = π_C(σ_p(π_{C ∪ cols(p)}(R)))     (and alike through sort, limit, union)
 *   π_C(γ_{K;A}(R))    = γ_{K;A∩C}(π_{K ∪ cols(A∩C)}(R))
 *   toMatrix_F(R)      = toMatrix_F(π_{cols(F)}(R))
 *   π_C(scan_T)        = scan_{T, C}
 *
 * Valid because every operator reads columns by name and computes each output row from
 * the columns it reads: dropping a column nothing reads changes no row, no row count and
 * no order. Only columns go; rows never do.
 *
 * How: one whole-plan rewrite, offered at the root (chosen over local rewrites because
 * what a subplan must keep depends on every operator above it, and a DAG can give it
 * several readers). A top-down pass computes, for every subplan, the columns its readers
 * need: the root needs all its output columns; a filter or sort needs what is needed
 * above plus what its predicate or keys read; a limit what is needed above; a projection
 * keeps only the expressions needed above and needs what they read; a join needs the
 * needed columns of each side plus its keys (only the keys of the right side of a semi
 * or anti join); an aggregate keeps only the aggregates needed above and needs its group
 * keys and their arguments; a distinct or a validation needs all its columns; a union the same columns
 * of both sides; toMatrix its feature columns; appendColumns the needed columns of its
 * relation. A bottom-up pass then narrows scans (`columns`), drops unneeded projection
 * expressions and aggregates, removes projections left doing nothing (same columns as
 * their input, in order), and puts a narrowing projection where an operator copies its
 * input whole while the input still carries columns nothing reads (it could not be
 * narrowed: a join's keys, a distinct, appendColumns, a subplan another reader needs
 * wider): on the sides of a join, under an aggregate or a sort, and on the sides of a
 * union (which must then match exactly). Never under a filter: predicate pushdown moves
 * a filter below a projection, so the two rules would undo each other forever; the
 * filter's input is narrowed from below instead.
 *
 * Shared subplans and the table/matrix bridge: subplans are identified by digest; one
 * read by several operators needs the union of what they read and is rewritten once,
 * the same way for all of them (it stays shared). That is how appendColumns(R, M) stays
 * valid: M was computed row by row from toMatrix(R) inside M, and appendColumns requires
 * M's row origin to equal R by digest. Of the two correct options (leave R alone, or
 * narrow R and the same R under M's toMatrix alike) this rule takes the second, and gets
 * it for free: R under appendColumns (needing the columns read above) and R under
 * toMatrix (needing the features) are one digest, so both become the same narrowed R′
 * and the origin still matches. For the same reason no projection is ever put between
 * toMatrix or appendColumns and its relation input.
 *
 * Preconditions and non-cases: the root's output is kept exactly (names, order, types);
 * every operator keeps at least one column (a relation without columns would lose its
 * row count, e.g. under count(*)); loop bodies are not entered (they are not inputs;
 * rule R11 hoists what they read into loop inputs, which are).
 *
 * Acting at the root only: the driver offers every node; the root is the one with no
 * reader whose nodes below all have one (nodes inside a loop body have no counted
 * reader, and neither have their inputs, so they are not taken for roots). The nodes
 * this rule builds are remembered, since the driver offers them back with no counted
 * reader either. A loop-body node reading only nodes outside the body would still be
 * taken for a root; narrowing under it is valid (it only unshares what the body reads),
 * unless the body also appends that node's rows to a relation, which no learner does.
 * A second application finds nothing to narrow and returns null.
 *
 * Why it pays: fewer columns decoded from files, hashed, gathered by joins and sorts,
 * concatenated and copied; fewer aggregates computed.
 */
export const projectionPushdown: Rule = {
  name: 'projection-pushdown',
  description: 'narrows scans, projections, aggregates and join inputs to the columns some operator above reads',
  apply(node: PlanNode, context: RuleContext): PlanNode | null {
    if (built.has(node) || !isRoot(node, context)) return null;
    const pruned = pruneColumns(node);
    if (planDigest(pruned) === planDigest(node)) return null;
    rememberNew(pruned, nodesOf(node));
    return pruned;
  },
};

/**
 * Nodes this rule built (not in the plan it was given): the driver offers them back one
 * by one, each with no counted reader, and they must not be taken for a root.
 */
const built = new WeakSet<PlanNode>();

function rememberNew(node: PlanNode, original: ReadonlySet<PlanNode>): void {
  // The new nodes and the new nodes below them, down to nodes of the original plan (walked without recursion: plans may be MAX_PLAN_DEPTH deep).
  for (const n of postOrderOf(node, (x) => (original.has(x) || built.has(x) ? [] : x.inputs))) {
    if (!original.has(n)) built.add(n);
  }
}

function nodesOf(root: PlanNode): Set<PlanNode> {
  return new Set(postOrderOf(root, (n) => n.inputs));
}

/** No reader, and every node below has one: the root of the plan the driver is rewriting. */
function isRoot(node: PlanNode, context: RuleContext): boolean {
  if (context.consumers(node) !== 0) return false;
  const seen = new Set<PlanNode>([node]);
  const stack = [...node.inputs];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    if (context.consumers(n) <= 0) return false;
    stack.push(...n.inputs);
  }
  return true;
}

type Needs = ReadonlySet<string>;

const namesOf = (node: PlanNode): string[] => relationSchema(node, node.kind).fields.map((f) => f.name);

/** The plan with every operator narrowed to the columns read above it; the root's output is unchanged. */
export function pruneColumns(root: PlanNode): PlanNode {
  // Distinct subplans (by digest), inputs before their readers.
  const order = postOrderOf(root, (n) => n.inputs, planDigest);

  // Top-down: what each subplan's readers need (readers come before their inputs here).
  const demanded = new Map<string, Set<string>>();
  const needs = new Map<string, Needs>();
  const demand = (n: PlanNode, cols: Iterable<string>) => {
    const d = planDigest(n);
    let s = demanded.get(d);
    if (!s) demanded.set(d, (s = new Set()));
    for (const c of cols) s.add(c);
  };
  if (isRelation(root)) demand(root, namesOf(root));
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i];
    const d = planDigest(n);
    const need = isRelation(n) ? atLeastOne(n, demanded.get(d)) : new Set<string>();
    needs.set(d, need);
    inputNeeds(n, need).forEach((cols, k) => cols && demand(n.inputs[k], cols));
  }

  // Bottom-up: rebuild each subplan once.
  const rebuilt = new Map<string, PlanNode>();
  for (const n of order) {
    const d = planDigest(n);
    rebuilt.set(d, rebuild(n, needs.get(d)!, n.inputs.map((c) => rebuilt.get(planDigest(c))!)));
  }
  return rebuilt.get(planDigest(root))!;
}

/** The needed columns in output order; the first column when none is (the rows must still be counted). */
function atLeastOne(node: PlanNode, demanded: Needs | undefined): Needs {
  const names = namesOf(node);
  const kept = names.filter((n) => demanded?.has(n));
  return new Set(kept.length > 0 ? kept : names.slice(0, 1));
}

/** Per input, the columns `node` reads from it to produce `need` (undefined for matrix inputs). */
function inputNeeds(node: PlanNode, need: Needs): (Needs | undefined)[] {
  switch (node.kind) {
    case 'filter':
      return [union(need, columnsOf(node.args.predicate))];
    case 'project':
      return [union(...keptColumns(node, need).map((c) => columnsOf(c.expr)))];
    case 'join':
      return joinSideNeeds(node, need);
    case 'aggregate':
      return [union(node.args.groupBy, ...keptAggregates(node, need).map((a) => (a.aggregate.arg ? columnsOf(a.aggregate.arg) : [])))];
    case 'sort':
      return [union(need, ...node.args.keys.map((k) => columnsOf(k.expr)))];
    case 'limit':
      return [need];
    case 'distinct':
    case 'validate':
      return [new Set(namesOf(node.inputs[0]))];
    case 'union':
      return [need, need];
    case 'toMatrix':
      return [new Set(node.args.features.map((f) => f.column))];
    case 'keyMap':
      return [new Set(node.args.factKeys), new Set(node.args.dimKeys)];
    case 'appendColumns': {
      const relation = new Set(namesOf(node.inputs[0]));
      return [new Set([...need].filter((c) => relation.has(c))), undefined];
    }
    default:
      return node.inputs.map(() => undefined);
  }
}

function keptColumns(node: Node<'project'>, need: Needs) {
  const names = namesOf(node);
  return node.args.columns.filter((_, i) => need.has(names[i]));
}

function keptAggregates(node: Node<'aggregate'>, need: Needs) {
  return node.args.aggregates.filter((a) => need.has(a.name));
}

function joinSideNeeds(node: Node<'join'>, need: Needs): [Needs, Needs] {
  const { how, leftKeys, rightKeys } = node.args;
  const left = new Set(namesOf(node.inputs[0]));
  const merged = new Set(rightKeys.filter((k, i) => leftKeys[i] === k));
  const rightOut = new Set(namesOf(node.inputs[1]).filter((c) => !merged.has(c)));
  const fromRight = how === 'semi' || how === 'anti' ? [] : [...need].filter((c) => rightOut.has(c));
  return [union([...need].filter((c) => left.has(c)), leftKeys), union(fromRight, rightKeys)];
}

function union(...parts: Iterable<string>[]): Set<string> {
  const s = new Set<string>();
  for (const p of parts) for (const c of p) s.add(c);
  return s;
}

/** `node` rebuilt over its narrowed inputs, producing (at least) `need`. */
function rebuild(node: PlanNode, need: Needs, inputs: PlanNode[]): PlanNode {
  switch (node.kind) {
    case 'scan': {
      const names = namesOf(node);
      const columns = names.filter((c) => need.has(c));
      return columns.length === names.length ? node : makeNode('scan', { ...node.args, columns }, []);
    }
    case 'project': {
      const columns = keptColumns(node, need);
      const input = inputs[0];
      const inputNames = namesOf(input);
      const identity = columns.length === inputNames.length && columns.every((c, i) => c.expr.kind === 'column' && c.expr.name === c.name && inputNames[i] === c.name);
      if (identity) return input;
      return columns.length === node.args.columns.length ? withInputs(node, inputs) : makeNode('project', { columns }, inputs);
    }
    case 'join': {
      const [l, r] = joinSideNeeds(node, need);
      return withInputs(node, [narrow(inputs[0], l), narrow(inputs[1], r)]);
    }
    case 'aggregate': {
      const aggregates = keptAggregates(node, need);
      const input = narrow(inputs[0], inputNeeds(node, need)[0]!);
      return aggregates.length === node.args.aggregates.length ? withInputs(node, [input]) : makeNode('aggregate', { ...node.args, aggregates }, [input]);
    }
    case 'sort':
      return withInputs(node, [narrow(inputs[0], inputNeeds(node, need)[0]!)]);
    case 'union':
      return withInputs(
        node,
        inputs.map((side) => narrow(side, need)),
      );
    default:
      // filter, limit, distinct: their inputs carry what they need (a projection under a
      // filter would fight predicate pushdown); toMatrix, appendColumns: the relation input
      // must stay the row origin; matrix operators: no columns to narrow.
      return withInputs(node, inputs);
  }
}

/**
 * `node` with only the columns in `keep` (in its own order, at least one): a projection
 * over it, or the narrower projection it already is.
 */
function narrow(node: PlanNode, keep: Needs): PlanNode {
  const fields = relationSchema(node, node.kind).fields;
  let kept = fields.filter((f) => keep.has(f.name));
  if (kept.length === 0) kept = fields.slice(0, 1);
  if (kept.length === fields.length) return node;
  const names = new Set(kept.map((f) => f.name));
  if (node.kind === 'project') return makeNode('project', { columns: node.args.columns.filter((_, i) => names.has(fields[i].name)) }, node.inputs);
  return makeNode('project', { columns: kept.map((f) => ({ name: f.name, expr: columnRef(f.name, f) })) }, [node]);
}
