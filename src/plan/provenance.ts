import type { PlanNode } from './node.js';
import type { TableSource } from './source.js';

/**
 * Where a relation column comes from: the source column it is an unchanged copy of,
 * followed down through operators that pass it through (filters, sorts, joins,
 * projections of a plain column reference, group keys). Undefined for computed columns.
 */
export function sourceColumn(node: PlanNode, column: string): { source: TableSource; column: string } | undefined {
  // A loop down the chain, not a recursion: plans may be MAX_PLAN_DEPTH deep.
  for (;;) {
    switch (node.kind) {
      case 'scan':
        return node.output.kind === 'relation' && node.output.schema.fields.some((f) => f.name === column) ? { source: node.args.source, column } : undefined;
      case 'filter':
      case 'sort':
      case 'limit':
      case 'distinct':
      case 'appendColumns':
        node = node.inputs[0];
        continue;
      case 'project': {
        const c = node.args.columns.find((x) => x.name === column);
        if (c?.expr.kind !== 'column') return undefined;
        column = c.expr.name;
        node = node.inputs[0];
        continue;
      }
      case 'aggregate':
        if (!node.args.groupBy.includes(column)) return undefined;
        node = node.inputs[0];
        continue;
      case 'join': {
        const [left, right] = node.inputs;
        const inLeft = left.output.kind === 'relation' && left.output.schema.fields.some((f) => f.name === column);
        node = inLeft ? left : right;
        continue;
      }
      default:
        return undefined;
    }
  }
}

/** The categories of a string column, from its source, when they can be known while planning. */
export function columnCategories(node: PlanNode, column: string): readonly string[] | undefined {
  const origin = sourceColumn(node, column);
  return origin?.source.categories?.(origin.column);
}
