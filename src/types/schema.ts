import { PlanError, UnknownColumnError } from '../errors.js';
import type { ColumnType } from './dtype.js';

/** One named column of a relation. */
export interface Field extends ColumnType {
  readonly name: string;
}

/** The run-time schema of a relation: ordered fields, and an optional primary key. */
export interface RelationSchema {
  readonly fields: readonly Field[];
  /** Column names forming a declared primary key (unique and non-null). */
  readonly primaryKey?: readonly string[];
}

export function fieldNames(schema: RelationSchema): string[] {
  return schema.fields.map((f) => f.name);
}

export function findField(schema: RelationSchema, name: string): Field | undefined {
  return schema.fields.find((f) => f.name === name);
}

/** The field called `name`, or an UnknownColumnError naming the operator. */
export function requireField(schema: RelationSchema, name: string, operator: string): Field {
  const f = findField(schema, name);
  if (!f) throw new UnknownColumnError(operator, name, fieldNames(schema));
  return f;
}

export function fieldIndex(schema: RelationSchema, name: string, operator: string): number {
  const i = schema.fields.findIndex((f) => f.name === name);
  if (i < 0) throw new UnknownColumnError(operator, name, fieldNames(schema));
  return i;
}

/** A PlanError naming `operator` when a column name appears twice. */
export function requireUniqueNames(names: readonly string[], operator: string): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new PlanError(operator, `duplicate column name '${n}'`);
    seen.add(n);
  }
}
