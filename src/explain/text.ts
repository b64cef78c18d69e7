import { type PlanNode, type OutputType, nodeLabel } from '../plan/node.js';
import { formatColumnType } from '../types/dtype.js';

/** Output type in one short line: relation columns, or a matrix shape and dtype. */
export function formatOutput(output: OutputType): string {
  if (output.kind === 'relation') {
    return `[${output.schema.fields.map((f) => `${f.name}: ${formatColumnType(f)}`).join(', ')}]`;
  }
  return `matrix ${output.rows ?? '?'}×${output.cols} ${output.dtype}`;
}

export interface TreeOptions {
  /** Extra text after each operator line (estimates, actuals, device). */
  annotate?: (node: PlanNode) => string;
  /** Prints each operator's output type on the line below it. */
  showOutput?: boolean;
}

/**
 * A plan as an indented tree, one operator per line:
 *
 *   Aggregate by [grp] n := count(*)
 *   │   → [grp: int32, n: int64]
 *   └─ Join inner on key
 *      ├─ Scan fact
 *      └─ Scan dim
 */
export function formatTree(root: PlanNode, options: TreeOptions = {}): string {
  const { annotate, showOutput = true } = options;
  const lines: string[] = [];
  const visit = (node: PlanNode, prefix: string, childPrefix: string) => {
    const extra = annotate?.(node);
    lines.push(`${prefix}${nodeLabel(node)}${extra ? `  ${extra}` : ''}`);
    const below = node.inputs.length > 0 ? '│ ' : '  ';
    if (showOutput) lines.push(`${childPrefix}${below}  → ${formatOutput(node.output)}`);
    node.inputs.forEach((input, i) => {
      const last = i === node.inputs.length - 1;
      visit(input, `${childPrefix}${last ? '└─ ' : '├─ '}`, `${childPrefix}${last ? '   ' : '│  '}`);
    });
  };
  visit(root, '', '');
  return lines.join('\n');
}
