import type { Batch } from '../data/batch.js';
import type { RelationSchema } from '../types/schema.js';

/** What the optimizer's cost model may know about a source before running anything. */
export interface SourceStats {
  readonly rowCount?: number;
  /** Per column: distinct count, min and max where known. */
  readonly columns?: Readonly<Record<string, ColumnStats>>;
}

export interface ColumnStats {
  readonly distinct?: number;
  readonly min?: number;
  readonly max?: number;
}

/**
 * A table a scan reads. Sources are referenced by plans, not copied into them: the
 * plan stays a small value, and `load` reads only the columns the plan needs.
 */
export interface TableSource {
  /** Unique per source; plans that scan the same source compare equal. */
  readonly id: string;
  /** Human-readable name for explain (a file name, "arrow", "columns"). */
  readonly name: string;
  readonly schema: RelationSchema;
  readonly stats: SourceStats;
  /** The file it was read from (absolute path), for sources over a file: lineage fingerprints it (src/fit/lineage.ts). */
  readonly file?: string;
  /**
   * The distinct non-null values of a string column, sorted, when the source can tell
   * without running a plan (in-memory data, parsed files). One-hot encoders are fitted
   * from them while the plan is built, so matrix shapes are known statically.
   */
  categories?(column: string): readonly string[] | undefined;
  /** The rows, as batches holding the named columns in that order. */
  load(columns: readonly string[]): Promise<readonly Batch[]>;
}

let nextSourceId = 0;
/** A fresh source id with a readable prefix. */
export function newSourceId(prefix: string): string {
  nextSourceId += 1;
  return `${prefix}#${nextSourceId}`;
}
