import { type PhysicalNode, physicalPostOrder } from '../physical/plan.js';
import { type PlanNode, nodeLabel } from '../plan/node.js';
import { placementText } from './physical.js';
import type { ExplainReport } from './explain.js';
import { formatBytes, formatCount, formatMs, formatOutput, formatRatio, formatShape, loopCost } from './text.js';

/**
 * The optimized plan as a Graphviz digraph (`dot -Tsvg plan.dot > plan.svg`): one
 * box per operator (label, output, estimate, and actuals after analyze), an edge from
 * each input to the operator reading it, data flowing upwards. A subplan shared by
 * several readers is one box with several out-edges; a loop's body is drawn in a
 * dashed cluster joined to its Loop by a dashed `body` edge. Each box names the physical
 * operator computing it and its provider, device and layout.
 */

/** Operators placed on a native provider get a coloured border. */
const PROVIDER_COLOR: Record<string, string> = { onnxruntime: '#b45309', tfjs: '#be185d' };

const BRIDGE = new Set<string>(['toMatrix', 'appendColumns', 'matrixToRelation']);
const LOOP = new Set<string>(['loop', 'loopState', 'loopInput']);

function fill(node: PlanNode): string {
  if (LOOP.has(node.kind)) return '#ede9fe';
  if (BRIDGE.has(node.kind)) return '#dcfce7';
  return node.output.kind === 'relation' ? '#dbeafe' : '#ffedd5';
}

/** A DOT string literal. */
function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** Breaks a long line after commas so boxes stay narrow. */
function wrap(text: string, width = 56): string {
  if (text.length <= width) return text;
  const lines: string[] = [];
  let line = '';
  for (const part of text.split(/(?<=, )/)) {
    if (line && line.length + part.length > width) {
      lines.push(line.trimEnd());
      line = '';
    }
    line += part;
  }
  if (line) lines.push(line.trimEnd());
  return lines.join('\n');
}

export function explainDot(report: ExplainReport): string {
  const { optimized: root, estimates, analysis } = report;
  const ids = new Map<PlanNode, string>();
  /** Where each node is drawn: the top level (null) or the body cluster of a loop. */
  const home = new Map<PlanNode, PlanNode | null>();
  const loops: PlanNode[] = [];
  const claim = (start: PlanNode, scope: PlanNode | null) => {
    const stack = [start];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (home.has(n)) continue;
      home.set(n, scope);
      ids.set(n, `n${ids.size + 1}`);
      if (n.kind === 'loop') loops.push(n);
      stack.push(...[...n.inputs].reverse());
    }
  };
  claim(root, null);
  // Bodies after the top level: a node read both outside and inside a body is drawn outside.
  for (let i = 0; i < loops.length; i++) {
    const loop = loops[i];
    if (loop.kind === 'loop') claim(loop.args.body, loop);
  }

  // Where each operator runs: the physical operator computing it (a fused region computes several).
  const placedBy = new Map<PlanNode, PhysicalNode>();
  for (const p of physicalPostOrder(report.physical.root)) for (const m of p.covers) placedBy.set(m, p);
  const nodeLine = (n: PlanNode, pad: string) => {
    const lines = [wrap(nodeLabel(n)), wrap(formatOutput(n.output))];
    const p = placedBy.get(n);
    if (p) lines.push(`#${p.id} ${p.operator} · ${placementText(p)}`);
    const e = estimates.optimized.nodes.get(n);
    const size = (rows: number, cols: number | undefined) => (n.output.kind === 'matrix' ? formatShape(rows, cols) : `${formatCount(rows)} rows`);
    const loop = n.kind === 'loop';
    if (e) lines.push(`est. ${size(e.rows, e.cols)} · ${loop ? `Σ cost ${formatCount(loopCost(n))}` : `cost ${formatCount(e.cost)}`}`);
    const s = analysis?.stats.get(n);
    if (s && analysis) {
      const runs = s.runs > 1 ? ` · ×${s.runs}` : '';
      lines.push(`actual ${size(s.rows, s.cols)} · ${loop ? 'Σ ' : ''}${formatMs(s.timeMs)} · ${formatBytes(s.bytes)}${runs}`);
    }
    const border = p && p.provider !== 'js' ? `, color=${quote(PROVIDER_COLOR[p.provider])}, penwidth=2` : '';
    return `${pad}${ids.get(n)} [label=${quote(lines.join('\n'))}, fillcolor=${quote(fill(n))}${border}];`;
  };

  const out: string[] = [];
  const emitScope = (scope: PlanNode | null, pad: string) => {
    for (const [n, h] of home) if (h === scope) out.push(nodeLine(n, pad));
    for (const loop of loops) {
      if (home.get(loop) !== scope || loop.kind !== 'loop') continue;
      const { loopId, iterations } = loop.args;
      out.push(`${pad}subgraph cluster_${ids.get(loop)} {`);
      out.push(`${pad}  label=${quote(`${loopId} body, runs ×${iterations}`)}; style="dashed,rounded"; color="#7c3aed";`);
      emitScope(loop, `${pad}  `);
      out.push(`${pad}}`);
    }
  };

  const before = estimates.logical.total.cost;
  const after = estimates.optimized.total.cost;
  const ratio = report.optimizerEnabled ? formatRatio(before, after) : 'optimizer off';
  const title = `Tessera optimized plan · est. cost ${formatCount(after)}${ratio ? ` (${ratio})` : ''}${analysis ? ` · ran in ${formatMs(analysis.totalMs)}` : ''}`;
  out.push('digraph tessera {');
  out.push(`  graph [rankdir=BT, labelloc=t, fontname="Helvetica", fontsize=12, label=${quote(title)}];`);
  out.push('  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];');
  out.push('  edge [color="#555555", arrowsize=0.7, fontname="Helvetica", fontsize=9];');
  emitScope(null, '  ');
  for (const [n] of home) {
    for (const input of n.inputs) out.push(`  ${ids.get(input)} -> ${ids.get(n)};`);
    if (n.kind === 'loop') out.push(`  ${ids.get(n.args.body)} -> ${ids.get(n)} [style=dashed, label="body"];`);
  }
  out.push('}');
  return out.join('\n');
}
