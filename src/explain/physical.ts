import type { PhysicalStats } from '../exec/execute.js';
import { type PhysicalNode, type PhysicalPlan, physicalPostOrder } from '../physical/plan.js';
import { type Task, call, trampoline } from '../plan/walk.js';
import { operatorDef } from '../plan/node.js';
import { formatBytes, formatMs, formatShape } from './text.js';

/**
 * The physical plan for people and tools: every operator with its provider, device,
 * layout and dtype, the algorithm that runs and why the planner chose it; after a run,
 * the time each took, the part of it spent moving data in and out of its provider, and
 * which variant of an adaptive algorithm ran.
 */

/** `KeyIndexedJoin (inner on store)`: the physical operator with the logical operator's arguments. */
export function physicalLabel(node: PhysicalNode): string {
  const args = operatorDef(node.logical.kind).label(node.logical.args as never);
  if (node.covers.length > 1) return `${node.operator} (${node.covers.length} operators)`;
  return args ? `${node.operator} ${args}` : node.operator;
}

/** Who runs the operator: its provider, or the SQL engine of a DuckDBQuery (src/physical/sql-engine.ts). */
export function engineOf(node: PhysicalNode): string {
  return node.sql ? node.sql.engine : node.provider;
}

/** `onnxruntime · cpu · dense float64`. */
export function placementText(node: PhysicalNode): string {
  return `${engineOf(node)} · ${node.device} · ${node.layout}${node.dtype ? ` ${node.dtype}` : ''}`;
}

function childrenOf(node: PhysicalNode): { node: PhysicalNode; role: string }[] {
  const inputs = node.inputs.map((c) => ({ node: c, role: '' }));
  if (!node.body) return inputs;
  return [{ node: node.body, role: `body ×${node.logical.kind === 'loop' ? node.logical.args.iterations : '?'}: ` }, ...inputs];
}

export function physicalText(plan: PhysicalPlan, stats?: ReadonlyMap<PhysicalNode, PhysicalStats>, totalMs?: number): string {
  const rows: { cells: string[] | null; text: string }[] = [];
  const seen = new Set<PhysicalNode>();
  const header = stats ? ['est. time', 'time', 'transfer', '%', 'actual'] : ['est. time'];
  // Depth first, each node before its children, from a stack: plans may be MAX_PLAN_DEPTH deep.
  const stack: { node: PhysicalNode; role: string; prefix: string; childPrefix: string }[] = [{ node: plan.root, role: '', prefix: '', childPrefix: '' }];
  while (stack.length > 0) {
    const { node, role, prefix, childPrefix } = stack.pop()!;
    if (seen.has(node)) {
      rows.push({ cells: null, text: `${prefix}${role}#${node.id} ${node.operator} (shown above)` });
      continue;
    }
    seen.add(node);
    const s = stats?.get(node);
    const est = formatMs(node.estimatedMs);
    const cells = !stats
      ? [est]
      : s
        ? [est, formatMs(s.timeMs), s.transferMs > 0 ? formatMs(s.transferMs) : '', totalMs ? `${Math.round((100 * s.timeMs) / totalMs)}%` : '', formatShape(s.rows, s.cols)]
        : [est, 'not run', '', '', ''];
    rows.push({ cells, text: `${prefix}${role}#${node.id} ${physicalLabel(node)}  [${placementText(node)}]` });
    const children = childrenOf(node);
    const bar = `${childPrefix}${children.length > 0 ? '│ ' : '  '}    `;
    if (node.algorithm) rows.push({ cells: null, text: `${bar}how: ${node.algorithm}` });
    if (node.reason) rows.push({ cells: null, text: `${bar}why: ${node.reason}` });
    if (node.sql) rows.push({ cells: null, text: `${bar}sql: ${node.sql.sql}` });
    if (s) {
      const extra = [s.ran ? `ran: ${s.ran}` : '', s.compiles > 0 ? `compiled ${s.compiles}×` : '', s.runs > 1 ? `runs ×${s.runs}` : '', `output ${formatBytes(s.bytes)}`].filter(Boolean);
      rows.push({ cells: null, text: `${bar}${extra.join(' · ')}` });
    }
    for (let i = children.length - 1; i >= 0; i--) {
      const last = i === children.length - 1;
      stack.push({ node: children[i].node, role: children[i].role, prefix: `${childPrefix}${last ? '└─ ' : '├─ '}`, childPrefix: `${childPrefix}${last ? '   ' : '│  '}` });
    }
  }
  const widths = header.map((h, c) => rows.reduce((w, r) => Math.max(w, r.cells?.[c]?.length ?? 0), h.length));
  const line = (cells: readonly string[] | null, text: string) => `  ${widths.map((w, c) => (cells?.[c] ?? '').padStart(w)).join('  ')}  ${text}`.trimEnd();
  const providers = [...new Set(physicalPostOrder(plan.root).map((n) => `${engineOf(n)}/${n.device}`))].join(', ');
  const lines = [`Physical plan (est. ${formatMs(plan.estimatedMs)}; on ${providers})`, line(header, 'operator'), ...rows.map((r) => line(r.cells, r.text))];
  const request = plan.request.provider !== 'auto' || plan.request.device !== 'auto' ? [`  requested: provider ${plan.request.provider}, device ${plan.request.device}`] : [];
  return [...lines, ...request, ...plan.notices.map((n) => `  note: ${n}`)].join('\n');
}

export interface PhysicalJsonNode {
  readonly id: number;
  readonly operator: string;
  readonly label: string;
  /** The logical operators computed here (kinds), in execution order. */
  readonly covers: readonly string[];
  /** Who runs it: a provider (js, onnxruntime, tfjs), or the SQL engine (duckdb) of a DuckDBQuery. */
  readonly provider: string;
  readonly device: string;
  readonly layout: string;
  readonly dtype?: string;
  readonly algorithm: string;
  readonly reason: string;
  /** A DuckDBQuery's engine and the SQL it runs. */
  readonly engine?: string;
  readonly sql?: string;
  readonly estimatedMs: number;
  readonly estimatedBytes: number;
  readonly inputs: readonly PhysicalJsonNode[];
  readonly body?: PhysicalJsonNode;
  /** With analyze: what it did (null when it never ran). */
  readonly actual?: PhysicalStats | null;
}

export interface PhysicalJson {
  readonly estimatedMs: number;
  readonly request: PhysicalPlan['request'];
  readonly notices: readonly string[];
  readonly root: PhysicalJsonNode;
}

export function physicalJson(plan: PhysicalPlan, stats?: ReadonlyMap<PhysicalNode, PhysicalStats>): PhysicalJson {
  // On the trampoline (src/plan/walk.ts): plans may be MAX_PLAN_DEPTH deep.
  function* visit(n: PhysicalNode): Task<PhysicalJsonNode> {
    const inputs: PhysicalJsonNode[] = [];
    for (const c of n.inputs) inputs.push(yield* call(visit(c)));
    const body = n.body ? yield* call(visit(n.body)) : undefined;
    return {
      id: n.id,
      operator: n.operator,
      label: physicalLabel(n),
      covers: n.covers.map((c) => c.kind),
      provider: engineOf(n),
      device: n.device,
      layout: n.layout,
      ...(n.dtype ? { dtype: n.dtype } : {}),
      algorithm: n.algorithm,
      reason: n.reason,
      ...(n.sql ? { engine: n.sql.engine, sql: n.sql.sql } : {}),
      estimatedMs: n.estimatedMs,
      estimatedBytes: n.estimatedBytes,
      inputs,
      ...(body ? { body } : {}),
      ...(stats ? { actual: stats.get(n) ?? null } : {}),
    };
  }
  return { estimatedMs: plan.estimatedMs, request: plan.request, notices: plan.notices, root: trampoline(visit(plan.root)) };
}
