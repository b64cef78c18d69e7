import type { PlanNode } from './node.js';
import type { TableSource } from './source.js';

/**
 * Where a relation column comes from: the source column it is an unchanged copy of,
 * followed down through operators that pass it through (filters, sorts, joins,
 * projections of a plain column reference, group keys). Undefined for computed columns.
 */
export function sourceColumn(node: PlanNode, column: string): { source: TableSource; column: string } | undefined {
  switch (node.kind) {
    case 'scan':
      return node.output.kind === 'relation' && node.output.schema.fields.some((f) => f.name === column) ? { source: node.args.source, column } : undefined;
    case 'filter':
    case 'sort':
    case 'limit':
    case 'distinct':
      return sourceColumn(node.inputs[0], column);
    case 'project': {
      const c = node.args.columns.find((x) => x.name === column);
      return c?.expr.kind === 'column' ? sourceColumn(node.inputs[0], c.expr.name) : undefined;
    }
    case 'aggregate':
      return node.args.groupBy.includes(column) ? sourceColumn(node.inputs[0], column) : undefined;
    case 'join': {
      const [left, right] = node.inputs;
      const inLeft = left.output.kind === 'relation' && left.output.schema.fields.some((f) => f.name === column);
      return inLeft ? sourceColumn(left, column) : sourceColumn(right, column);
    }
    case 'appendColumns':
      return sourceColumn(node.inputs[0], column);
    default:
      return undefined;
  }
}

/** The categories of a string column, from its source, when they can be known while planning. */
export function columnCategories(node: PlanNode, column: string): readonly string[] | undefined {
  const origin = sourceColumn(node, column);
  return origin?.source.categories?.(origin.column);
}
