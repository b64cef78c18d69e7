import type { Table } from 'apache-arrow';
import type { Relation } from '../../src/index.js';
import type { ArrowColumn } from '../peers/python.js';

/**
 * A source relation's columns as the peers load them (DuckDB appenders, Arrow IPC files
 * for the Python worker): int32 and float64 as typed arrays, strings and booleans as
 * plain arrays. Collected once, while a case is set up.
 */
export async function relationColumns(relation: Relation<never>): Promise<Record<string, ArrowColumn>> {
  const table: Table = await relation.collect();
  const out: Record<string, ArrowColumn> = {};
  for (const field of table.schema.fields) {
    const vector = table.getChild(field.name)!;
    const values = vector.toArray() as unknown;
    out[field.name] = values instanceof Int32Array || values instanceof Float64Array ? values : (Array.from(vector) as string[] | boolean[]);
  }
  return out;
}
