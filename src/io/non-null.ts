import type { Batch } from '../data/batch.js';
import { NullValueError } from '../errors.js';
import { newSourceId, type TableSource } from '../plan/source.js';
import type { Field } from '../types/schema.js';

/**
 * A source whose `columns` are declared non-null although the file flags them nullable
 * (DuckDB, pandas and Arrow writers flag most columns nullable whatever the data holds).
 * The schema says non-null, and every load checks the data: the first null in one of
 * those columns is a NullValueError naming the column and the row, never a null that
 * the rest of the plan (which trusts the schema) would misread.
 */
export function withNonNullColumns(source: TableSource, columns: readonly string[]): TableSource {
  const checked = new Set(columns);
  const fields: Field[] = source.schema.fields.map((f) => (checked.has(f.name) ? { ...f, nullable: false } : f));
  const declared = new Map(fields.map((f) => [f.name, f.dtype]));
  return {
    id: newSourceId('nonnull'),
    name: source.name,
    ...(source.file !== undefined ? { file: source.file } : {}),
    schema: { ...source.schema, fields },
    stats: source.stats,
    categories: source.categories ? (column) => source.categories!(column) : undefined,
    async load(names: readonly string[]): Promise<readonly Batch[]> {
      const batches = await source.load(names);
      names.forEach((name, c) => {
        if (!checked.has(name)) return;
        let base = 0;
        for (const batch of batches) {
          const validity = batch.columns[c].validity;
          const at = validity ? validity.indexOf(0) : -1;
          if (at >= 0 && at < batch.length) throw new NullValueError(source.name, name, base + at, declared.get(name)!);
          base += batch.length;
        }
      });
      return batches;
    },
  };
}
