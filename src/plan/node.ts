import { DepthLimitError, PlanError } from '../errors.js';
import type { RelationSchema } from '../types/schema.js';
import { type DigestValue, NestedDigest, encodeDigest } from './digest.js';
import { type BridgeArgs, BRIDGE_OPERATORS } from './bridge-operators.js';
import { type KeyedArgs, KEYED_OPERATORS } from './keyed-operators.js';
import { type LoopArgs, LOOP_OPERATORS } from './loop-operators.js';
import { type MatrixArgs, MATRIX_OPERATORS } from './matrix-operators.js';
import { type RelationalArgs, RELATIONAL_OPERATORS } from './relational-operators.js';
import { type ValidateArgs, VALIDATE_OPERATORS } from './validate-operator.js';
import { MAX_PLAN_DEPTH } from './limits.js';
import { postOrderOf } from './walk.js';

/**
 * Logical plan nodes: immutable values with a typed output (a relation schema or a
 * matrix shape), that can be printed, compared, hashed and rebuilt with new inputs.
 * What each kind checks and derives lives in its OperatorDef; this module is the
 * kind-independent machinery every layer above relies on.
 */

export interface RelationOutput {
  readonly kind: 'relation';
  readonly schema: RelationSchema;
}

export interface MatrixOutput {
  readonly kind: 'matrix';
  /** Row count when known while planning (null when it depends on data, e.g. after a filter). */
  readonly rows: number | null;
  readonly cols: number;
  readonly dtype: 'float64' | 'float32';
  /** A name per column, e.g. `price` or `city=Paris`. */
  readonly columnNames: readonly string[];
  /** The relation whose rows these rows are, one to one and in order, when there is one. */
  readonly rowOrigin?: PlanNode;
}

export type OutputType = RelationOutput | MatrixOutput;

export type NodeArgs = RelationalArgs & MatrixArgs & BridgeArgs & KeyedArgs & LoopArgs & ValidateArgs;
export type NodeKind = keyof NodeArgs;

export interface Node<K extends NodeKind> {
  readonly kind: K;
  readonly args: NodeArgs[K];
  readonly inputs: readonly PlanNode[];
  readonly output: OutputType;
}

export type PlanNode = { [K in NodeKind]: Node<K> }[NodeKind];
export type RelationNode = PlanNode & { readonly output: RelationOutput };
export type MatrixNode = PlanNode & { readonly output: MatrixOutput };

/** What a kind of node checks, derives and prints. */
export interface OperatorDef<K extends NodeKind> {
  /** Display name in explain output. */
  readonly name: string;
  /** Number of inputs, or 'any'. */
  readonly arity: number | 'any';
  /** Checks args against the inputs and derives the output; throws a PlanError when they do not fit. */
  derive(args: NodeArgs[K], inputs: readonly PlanNode[]): OutputType;
  /** Key arguments in one short line, for explain ('' when there are none). */
  label(args: NodeArgs[K]): string;
  /**
   * The arguments that identify the node, for hashing and equality: values (names,
   * literals, lists, records) that planDigest encodes structurally (src/plan/digest.ts),
   * never text joined by hand. Equal lists must mean equal arguments, and the other way
   * round: whatever tells two nodes' results apart belongs in the list.
   */
  digest(args: NodeArgs[K]): readonly DigestValue[];
}

export type OperatorDefs<A> = { readonly [K in keyof A & NodeKind]: OperatorDef<K> };

// Built on first use: operator modules import helpers from this one, so the table must not be read while modules load.
let operators: OperatorDefs<NodeArgs> | undefined;

export function operatorDef<K extends NodeKind>(kind: K): OperatorDef<K> {
  operators ??= { ...RELATIONAL_OPERATORS, ...MATRIX_OPERATORS, ...BRIDGE_OPERATORS, ...KEYED_OPERATORS, ...LOOP_OPERATORS, ...VALIDATE_OPERATORS } as unknown as OperatorDefs<NodeArgs>;
  return operators[kind] as OperatorDef<K>;
}

/**
 * Builds a node, checking its arguments and deriving its output type. A node that would
 * make the plan deeper than MAX_PLAN_DEPTH (src/plan/limits.ts) is a DepthLimitError.
 */
export function makeNode<K extends NodeKind>(kind: K, args: NodeArgs[K], inputs: readonly PlanNode[]): Node<K> {
  const def = operatorDef(kind);
  if (def.arity !== 'any' && inputs.length !== def.arity) {
    throw new PlanError(kind, `expected ${def.arity} input(s), got ${inputs.length}`);
  }
  let below = 0;
  for (const c of inputs) below = Math.max(below, planDepth(c));
  if (kind === 'loop') below = Math.max(below, planDepth((args as NodeArgs['loop']).body));
  if (below + 1 > MAX_PLAN_DEPTH) throw new DepthLimitError(kind, 'plan', below + 1, MAX_PLAN_DEPTH);
  const output = def.derive(args, inputs);
  const node = Object.freeze({ kind, args: Object.freeze(args) as NodeArgs[K], inputs: Object.freeze([...inputs]), output });
  depths.set(node as PlanNode, below + 1);
  return node;
}

/** Depth of every node built (makeNode sets it from its inputs' in O(1)). */
const depths = new WeakMap<PlanNode, number>();

/** Operators on the longest path from `node` down to a leaf, the node and its loop bodies included (a scan is 1 deep). */
export function planDepth(node: PlanNode): number {
  const known = depths.get(node);
  if (known !== undefined) return known;
  // Only for nodes not built by makeNode: computed without recursion, inputs first.
  for (const n of postOrderOf(node, (x) => (depths.has(x) ? [] : childPlans(x)))) {
    if (depths.has(n)) continue;
    let below = 0;
    for (const c of childPlans(n)) below = Math.max(below, depths.get(c)!);
    depths.set(n, below + 1);
  }
  return depths.get(node)!;
}

/** The plans a node reads: its inputs and, for a loop, its body (first). */
export function childPlans(node: PlanNode): readonly PlanNode[] {
  return node.kind === 'loop' ? [node.args.body, ...node.inputs] : node.inputs;
}

/** The same node over new inputs (re-checked); returns `node` itself when nothing changed. */
export function withInputs<N extends PlanNode>(node: N, inputs: readonly PlanNode[]): N {
  if (inputs.length === node.inputs.length && inputs.every((c, i) => c === node.inputs[i])) return node;
  return makeNode(node.kind, node.args, inputs) as N;
}

export function isRelation(node: PlanNode): node is RelationNode {
  return node.output.kind === 'relation';
}

export function isMatrix(node: PlanNode): node is MatrixNode {
  return node.output.kind === 'matrix';
}

/** The node's relation schema, or a PlanError naming `operator` when the node is a matrix. */
export function relationSchema(node: PlanNode, operator: string): RelationSchema {
  if (node.output.kind !== 'relation') throw new PlanError(operator, `expected a relation input, got a matrix (${node.kind})`);
  return node.output.schema;
}

const digests = new WeakMap<PlanNode, string>();

/**
 * Canonical text of a whole subplan: equal digests mean equal plans, and equal plans
 * have equal digests. The text is `kind(arg,…)[input,…]`, each argument encoded by
 * encodeDigest and each input by its own digest; all of them are self-delimiting, so
 * the text reads back one way only. Computed inputs first without recursion, and
 * joined with `+` (V8 keeps the pieces shared instead of copying every input's text
 * into every reader's), so a deep chain costs time and memory in proportion to its size.
 */
export function planDigest(node: PlanNode): string {
  const known = digests.get(node);
  if (known !== undefined) return known;
  for (const n of postOrderOf(node, (x) => (digests.has(x) ? [] : x.inputs))) {
    if (digests.has(n)) continue;
    // A loop's body digest is one of its arguments (nestedPlan): a walk of its own.
    let d = n.kind + '(';
    operatorDef(n.kind)
      .digest(n.args as never)
      .forEach((arg, i) => {
        d = d + (i > 0 ? ',' : '') + encodeDigest(arg);
      });
    d = d + ')[';
    n.inputs.forEach((c, i) => {
      d = d + (i > 0 ? ',' : '') + digests.get(c)!;
    });
    digests.set(n, d + ']');
  }
  return digests.get(node)!;
}

/** A plan as a digest argument (a loop body): its digest, embedded. */
export function nestedPlan(node: PlanNode): DigestValue {
  return new NestedDigest(planDigest(node));
}

/** 32-bit FNV-1a hash of the plan digest. */
export function planHash(node: PlanNode): number {
  const s = planDigest(node);
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function planEquals(a: PlanNode, b: PlanNode): boolean {
  return a === b || planDigest(a) === planDigest(b);
}

/** Operator name and key arguments, e.g. `Filter (price > 10)`. */
export function nodeLabel(node: PlanNode): string {
  const def = operatorDef(node.kind);
  const args = def.label(node.args as never);
  return args ? `${def.name} ${args}` : def.name;
}

/**
 * Every node of a plan as a tree (not entering loop bodies): a subplan read twice is
 * listed twice; inputs before the nodes that read them. Without recursion.
 */
export function postOrder(node: PlanNode): PlanNode[] {
  const out: PlanNode[] = [];
  const stack: { node: PlanNode; next: number }[] = [{ node, next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.next < top.node.inputs.length) stack.push({ node: top.node.inputs[top.next++], next: 0 });
    else {
      stack.pop();
      out.push(top.node);
    }
  }
  return out;
}
