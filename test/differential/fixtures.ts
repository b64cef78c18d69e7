/**
 * Hand-written differential cases: fixed tables built through the same paired builder
 * as the random cases, checked against DuckDB through both result paths (collect()
 * → Arrow and collectRows()).
 */
import type { DiffCase, Duck } from './harness.js';
import { checkCase } from './harness.js';
import { type BaseDType, Builder, type Cell, type Q, type TableData, type TableFormat, isFileFormat } from './pair.js';

export type ColumnIn = readonly [BaseDType, readonly Cell[]];

export interface TableOpts {
  /** A file format (read back from the file DuckDB or Arrow writes) declares every column nullable. */
  readonly format?: TableFormat;
  readonly chunks?: readonly number[];
  readonly stringEncoding?: 'utf8' | 'dictionary';
  readonly typedArrays?: boolean;
  /** Declare every column nullable (else only those holding a null). */
  readonly nullable?: boolean;
  readonly primaryKey?: readonly string[];
}

let fixtures = 0;

/** One hand-written case: its tables, a builder, and the check. */
export class Fixture {
  readonly id = fixtures++;
  readonly b = new Builder();
  readonly tables: TableData[] = [];

  constructor(
    readonly label: string,
    readonly file: string,
  ) {}

  table(name: string, cols: Record<string, ColumnIn>, opts: TableOpts = {}): Q {
    const entries = Object.entries(cols);
    const length = entries[0]?.[1][1].length ?? 0;
    if (opts.chunks && opts.chunks.reduce((a, b) => a + b, 0) !== length) throw new Error(`fixture ${name}: batch sizes [${opts.chunks.join(', ')}] do not add up to ${length} rows`);
    const t: TableData = {
      name,
      sqlName: `edge_${this.id}_${name}`,
      cols: entries.map(([n, [dtype, values]]) => ({ name: n, dtype, nullable: opts.nullable === true || isFileFormat(opts.format ?? 'columns') || values.some((v) => v === null) })),
      columns: entries.map(([, [, values]]) => values),
      length,
      format: opts.format ?? 'columns',
      chunks: opts.chunks ?? [length],
      stringEncoding: opts.stringEncoding ?? 'dictionary',
      typedArrays: opts.typedArrays ?? true,
      primaryKey: opts.primaryKey,
    };
    this.tables.push(t);
    return this.b.scan(t);
  }

  case(q: Q): DiffCase {
    return { family: `edge: ${this.label}`, seed: this.id, tables: this.tables, q, file: this.file };
  }

  /** Checks through both result paths, optimized and as built (`reference`: DuckDB's plan to compare with, see RunOptions). */
  async check(duck: Duck, q: Q, reference?: 'optimized' | 'unoptimized'): Promise<void> {
    await checkCase(duck, this.case(q), { viaArrow: false, reference });
    await checkCase(duck, this.case(q), { viaArrow: true, reference });
  }
}
