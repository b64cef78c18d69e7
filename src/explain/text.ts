import type { OperatorStats } from '../exec/execute.js';
import { listText } from '../plan/text.js';
import { type PlanNode, type OutputType, nodeLabel } from '../plan/node.js';
import { postOrderOf } from '../plan/walk.js';
import { estimatePlan } from '../optimizer/cost.js';
import { formatColumnType } from '../types/dtype.js';

/** Output type in one short line: relation columns, or a matrix shape and dtype. */
export function formatOutput(output: OutputType): string {
  if (output.kind === 'relation') {
    return `[${listText(output.schema.fields.map((f) => `${f.name}: ${formatColumnType(f)}`))}]`;
  }
  return `matrix ${output.rows ?? '?'}×${output.cols} ${output.dtype}`;
}

// ---------------------------------------------------------------------------------
// Human units: three significant digits, SI suffixes, so columns of figures scan.
// ---------------------------------------------------------------------------------

function sig3(x: number): string {
  if (x === 0) return '0';
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(x))));
  return x.toFixed(Math.min(digits, 2)).replace(/\.0+$|(\.\d*?)0+$/, '$1');
}

/** A count or cost: `7`, `4.67`, `1.2K`, `34.5M`, `1.2G`. */
export function formatCount(n: number): string {
  if (Number.isNaN(n)) return '?';
  if (!Number.isFinite(n)) return n > 0 ? '∞' : '-∞';
  const units = ['', 'K', 'M', 'G', 'T', 'P'];
  let v = Math.abs(n);
  let u = 0;
  while (v >= 999.5 && u < units.length - 1) {
    v /= 1000;
    u += 1;
  }
  const text = u === 0 && Number.isInteger(v) ? String(v) : `${sig3(v)}${units[u]}`;
  return n < 0 ? `-${text}` : text;
}

/** A matrix shape (`20K×3`) or a relation's row count (`4.7K`). */
export function formatShape(rows: number, cols: number | undefined): string {
  return cols === undefined ? formatRows(rows) : `${formatRows(rows)}×${formatCount(cols)}`;
}

/** Row counts are whole: an estimate of 37.5 rows reads as 38, one of 0.2 as <1. */
function formatRows(n: number): string {
  return n > 0 && n < 1 ? '<1' : formatCount(Math.round(n));
}

function withUnit(n: number, unit: string, prefixes: readonly string[], step: number): string {
  if (!Number.isFinite(n)) return `? ${unit}`;
  let v = Math.abs(n);
  let p = 0;
  while (v >= step - 0.5 * (step / 1000) && p < prefixes.length - 1) {
    v /= step;
    p += 1;
  }
  return `${n < 0 ? '-' : ''}${p === 0 && Number.isInteger(v) ? v : sig3(v)} ${prefixes[p]}${unit}`;
}

/** Bytes in decimal units: `512 B`, `1.2 MB`. */
export function formatBytes(n: number): string {
  return withUnit(n, 'B', ['', 'k', 'M', 'G', 'T'], 1000);
}

/** Floating-point operations: `120 FLOP`, `3.4 GFLOP`. */
export function formatFlops(n: number): string {
  return withUnit(n, 'FLOP', ['', 'k', 'M', 'G', 'T', 'P'], 1000);
}

/** A duration given in milliseconds: `0.042 ms`, `12.3 ms`, `1.24 s`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  if (ms >= 1000) return `${sig3(ms / 1000)} s`;
  if (ms > 0 && ms < 0.01) return '<0.01 ms';
  return `${sig3(ms)} ms`;
}

/** `before → after` as a factor: `3.2× lower`, `1.5× higher`, `unchanged`. */
export function formatRatio(before: number, after: number): string {
  if (!(before > 0) || !(after > 0) || !Number.isFinite(before) || !Number.isFinite(after)) return before === after ? 'unchanged' : '';
  const r = before / after;
  if (Math.abs(r - 1) < 0.005) return 'unchanged';
  return r > 1 ? `${sig3(r)}× lower` : `${sig3(1 / r)}× higher`;
}

/** Own time of an operator: a Loop's recorded time less its body operators' (so times add up). */
export function selfTimeMs(node: PlanNode, stats: ReadonlyMap<PlanNode, OperatorStats>): number {
  const own = stats.get(node)?.timeMs ?? 0;
  if (node.kind !== 'loop') return own;
  const inBody = new Set(postOrderOf(node.args.body, (n) => n.inputs));
  let body = 0;
  for (const n of inBody) body += stats.get(n)?.timeMs ?? 0;
  return Math.max(0, own - body);
}

/** Estimated cost of a whole loop: its body's cost times the iterations, as the cost model counts it. */
export function loopCost(loop: PlanNode): number {
  const inputs = [...new Set(loop.inputs)].reduce((sum, i) => sum + estimatePlan(i).total.cost, 0);
  return Math.max(0, estimatePlan(loop).total.cost - inputs);
}

// ---------------------------------------------------------------------------------
// The tree printer.
// ---------------------------------------------------------------------------------

/** Aligned columns of figures printed left of the tree, one row per operator. */
export interface TreeGutter {
  /** Column titles, printed on a header line above the tree. */
  readonly header: readonly string[];
  /** One cell per column for this operator (right-aligned); null leaves the row blank. */
  cells(node: PlanNode): readonly string[] | null;
}

export interface TreeOptions {
  /** Extra text after each operator line (estimates, actuals, device). */
  annotate?: (node: PlanNode) => string;
  /** Prints each operator's output type on the line below it. */
  showOutput?: boolean;
  /** Figures in aligned columns left of the tree (e.g. estimated rows and cost). */
  gutter?: TreeGutter;
  /** Title of the tree column on the gutter's header line. */
  treeHeader?: string;
  /** Prints each Loop's body under it (marked `body`), and names the loop's inputs (`init`, `L1[1]`). */
  loopBodies?: boolean;
  /** Prints a subplan read by several operators (a DAG after CSE) once, tagged `#n`; later reads refer back to it. */
  markShared?: boolean;
  /** Text before every line, e.g. two spaces under a section title. */
  indent?: string;
}

/** One child line of a node: the subplan, and the role text before its label (`body ×20: `). */
interface Child {
  readonly node: PlanNode;
  readonly role: string;
}

function childrenOf(node: PlanNode, loopBodies: boolean): Child[] {
  if (!loopBodies || node.kind !== 'loop') return node.inputs.map((c) => ({ node: c, role: '' }));
  const { body, iterations, loopId } = node.args;
  return [
    { node: body, role: `body ×${iterations}: ` },
    ...node.inputs.map((c, i) => ({ node: c, role: i === 0 ? 'init: ' : `${loopId}[${i}]: ` })),
  ];
}

/** Nodes reached through more than one edge (inputs and, with `loopBodies`, loop bodies). */
export function sharedNodes(root: PlanNode, loopBodies = true): Set<PlanNode> {
  const seen = new Set<PlanNode>();
  const shared = new Set<PlanNode>();
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (seen.has(node)) {
      shared.add(node);
      continue;
    }
    seen.add(node);
    for (const c of childrenOf(node, loopBodies)) stack.push(c.node);
  }
  return shared;
}

/**
 * A plan as an indented tree, one operator per line:
 *
 *   Aggregate by [grp] n := count(*)
 *   │   → [grp: int32, n: int64]
 *   └─ Join inner on key
 *      ├─ Scan fact
 *      └─ Scan dim
 *
 * With a gutter, aligned figures precede each operator:
 *
 *   est. rows  est. cost
 *          12      1.2K  Aggregate by [grp] n := count(*)
 *        4.7K     12.3K  └─ Join inner on key
 */
export function formatTree(root: PlanNode, options: TreeOptions = {}): string {
  const { annotate, showOutput = true, gutter, loopBodies = false, markShared = false, indent = '' } = options;
  const shared = markShared ? sharedNodes(root, loopBodies) : new Set<PlanNode>();
  const tags = new Map<PlanNode, number>();
  const rows: { cells: readonly string[] | null; text: string }[] = [];
  // Depth first, each node before its children, from a stack: plans may be MAX_PLAN_DEPTH deep.
  const stack: { node: PlanNode; role: string; prefix: string; childPrefix: string }[] = [{ node: root, role: '', prefix: '', childPrefix: '' }];
  while (stack.length > 0) {
    const { node, role, prefix, childPrefix } = stack.pop()!;
    const seenTag = tags.get(node);
    if (seenTag !== undefined) {
      rows.push({ cells: null, text: `${prefix}${role}${nodeLabel(node)}  (#${seenTag}, shown above)` });
      continue;
    }
    let tag = '';
    if (shared.has(node)) {
      tags.set(node, tags.size + 1);
      tag = `  #${tags.size}`;
    }
    const extra = annotate?.(node);
    rows.push({ cells: gutter?.cells(node) ?? null, text: `${prefix}${role}${nodeLabel(node)}${tag}${extra ? `  ${extra}` : ''}` });
    const children = childrenOf(node, loopBodies);
    const below = children.length > 0 ? '│ ' : '  ';
    if (showOutput) rows.push({ cells: null, text: `${childPrefix}${below}  → ${formatOutput(node.output)}` });
    for (let i = children.length - 1; i >= 0; i--) {
      const last = i === children.length - 1;
      stack.push({ node: children[i].node, role: children[i].role, prefix: `${childPrefix}${last ? '└─ ' : '├─ '}`, childPrefix: `${childPrefix}${last ? '   ' : '│  '}` });
    }
  }
  if (!gutter) return rows.map((r) => `${indent}${r.text}`).join('\n');

  const widths = gutter.header.map((h, c) => rows.reduce((w, r) => Math.max(w, r.cells?.[c]?.length ?? 0), h.length));
  const line = (cells: readonly string[] | null, text: string) =>
    `${indent}${widths.map((w, c) => (cells?.[c] ?? '').padStart(w)).join('  ')}  ${text}`.trimEnd();
  return [line(gutter.header, options.treeHeader ?? ''), ...rows.map((r) => line(r.cells, r.text))].join('\n');
}
