import { InputRowError } from '../errors.js';
import { dateToDays } from '../types/date.js';
import type { DType } from '../types/dtype.js';
import { bigintWithinInt64, isExactInt64 } from '../types/int64.js';
import type { Field } from '../types/schema.js';

/**
 * One input row's raw values in preallocated slots, converted as `fromColumns` stores
 * them (src/io/columns.ts): numbers, bools as 1/0, dates as days, float32 rounded,
 * integers without -0. A missing column or a value of the wrong type is an
 * InputRowError naming the column. `undefined` is null, as in fromColumns.
 */
export class RowSlots {
  /** Stored value of each numeric, bool or date column (NaN where the column is a string). */
  readonly numbers: Float64Array;
  /** Value of each string column. */
  readonly strings: (string | null)[];
  /** 1 where the row holds null. */
  readonly nulls: Uint8Array;

  constructor(readonly fields: readonly Field[]) {
    this.numbers = new Float64Array(fields.length);
    this.strings = fields.map(() => null);
    this.nulls = new Uint8Array(fields.length);
  }

  /** Reads `row` into the slots. */
  read(row: Readonly<Record<string, unknown>>, operator: string): void {
    if (typeof row !== 'object' || row === null) throw new InputRowError(operator, this.fields[0]?.name ?? '', `expected a row object, got ${row === null ? 'null' : typeof row}`);
    const fields = this.fields;
    for (let k = 0; k < fields.length; k++) {
      const f = fields[k];
      const v = row[f.name];
      if (v === null || v === undefined) {
        if (v === undefined && !(f.name in row)) throw new InputRowError(operator, f.name, `missing from the row; the fitted pipeline reads it (${f.dtype})`);
        this.nulls[k] = 1;
        continue;
      }
      this.nulls[k] = 0;
      if (f.dtype === 'string') {
        if (typeof v !== 'string') throw wrongType(operator, f, v);
        this.strings[k] = v;
      } else this.numbers[k] = storedNumber(operator, f, v);
    }
  }
}

function wrongType(operator: string, f: Field, v: unknown): InputRowError {
  const kind = v instanceof Date ? 'Date' : typeof v;
  return new InputRowError(operator, f.name, `expected ${expected(f.dtype)} for ${f.dtype}, got ${kind} ${String(v).slice(0, 40)}`);
}

function expected(dtype: DType): string {
  switch (dtype) {
    case 'float64':
    case 'int64':
      return 'a number or a bigint';
    case 'bool':
      return 'a boolean';
    case 'date':
      return 'a Date or a number of days';
    case 'string':
      return 'a string';
    default:
      return 'a number';
  }
}

/** The value a column of `f.dtype` stores for v (as toColumn in src/io/columns.ts converts it). */
function storedNumber(operator: string, f: Field, v: unknown): number {
  switch (f.dtype) {
    case 'bool':
      if (typeof v !== 'boolean') throw wrongType(operator, f, v);
      return v ? 1 : 0;
    case 'date':
      if (v instanceof Date) {
        if (Number.isNaN(v.getTime())) throw new InputRowError(operator, f.name, 'invalid Date');
        return dateToDays(v);
      }
      if (typeof v !== 'number') throw wrongType(operator, f, v);
      return v;
    case 'float32':
      if (typeof v !== 'number') throw wrongType(operator, f, v);
      return Math.fround(v);
    case 'int32':
      if (typeof v !== 'number') throw wrongType(operator, f, v);
      if ((v | 0) !== v) throw new InputRowError(operator, f.name, `${v} is not a valid int32`);
      return v + 0;
    case 'int64':
    case 'float64': {
      let n: number;
      if (typeof v === 'bigint') {
        if (!bigintWithinInt64(v)) throw new InputRowError(operator, f.name, `${v} is beyond ±2^53, the exact range of int64`);
        n = Number(v);
      } else if (typeof v === 'number') n = v;
      else throw wrongType(operator, f, v);
      if (f.dtype === 'int64') {
        if (!isExactInt64(n)) throw new InputRowError(operator, f.name, `${String(v)} is not a valid int64`);
        return n + 0;
      }
      return n;
    }
    default:
      throw wrongType(operator, f, v);
  }
}
