import type { PlanNode } from './node.js';
import type { ColumnStats, TableSource } from './source.js';

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
      case 'validate':
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
        // A merged key of a right or full join holds values of both sides: no one source column.
        const { how, leftKeys, rightKeys } = node.args;
        if (inLeft && (how === 'right' || how === 'full') && leftKeys.some((k, i) => k === column && rightKeys[i] === column)) return undefined;
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

/**
 * The source's statistics of the column `column` of `node` comes from, when known. Own
 * properties only: a user's `stats.columns` is a plain object, where indexing by a
 * column named 'constructor' reads Object.prototype's member, and by '__proto__' the
 * prototype itself even when the object has an own '__proto__' (JSON.parse makes one).
 */
export function sourceColumnStats(node: PlanNode, column: string): ColumnStats | undefined {
  const origin = sourceColumn(node, column);
  const columns = origin?.source.stats.columns;
  const own = columns && Object.getOwnPropertyDescriptor(columns, origin.column);
  // Sources may compute a column's statistics lazily, in a getter.
  return own ? ((own.get ? own.get.call(columns) : own.value) as ColumnStats | undefined) : undefined;
}
