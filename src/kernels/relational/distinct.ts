import type { Column } from '../../data/column.js';
import { groupRows } from './group-by.js';

/**
 * The first row of each distinct row (SQL DISTINCT: nulls equal each other), in order
 * of first appearance: the first rows of a group-by on every column.
 */
export function distinctRows(columns: readonly Column[], length = columns[0]?.length ?? 0): Int32Array {
  // Without columns all rows are equal; unlike an aggregate, no rows give no row.
  if (columns.length === 0) return length > 0 ? Int32Array.of(0) : new Int32Array(0);
  return groupRows(columns, length).firstRow;
}
