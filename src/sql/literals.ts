/**
 * SQL text of names, types and constants (DuckDB's dialect). Every identifier is quoted
 * (a keyword, a space or a quote in a name is taken as written) and every constant is
 * typed, so that SQL's own literal typing (DECIMAL for `0.1`, INTEGER for `1`) never
 * decides a result type: see docs/sql.md.
 */
import { SqlUnsupportedError } from '../errors.js';
import { DUCKDB_TYPE, quoteIdentifier } from '../io/duckdb.js';
import type { LiteralValue } from '../plan/expr.js';
import { daysToIsoDate } from '../types/date.js';
import type { DType } from '../types/dtype.js';

export { quoteIdentifier };

/** The SQL type Tessera's dtype is (DuckDB's names: DOUBLE, FLOAT, INTEGER, BIGINT, BOOLEAN, VARCHAR, DATE). */
export function sqlType(dtype: DType): string {
  return DUCKDB_TYPE[dtype];
}

/** A string constant: single quotes, a quote inside doubled. */
export function quoteString(s: string): string {
  if (s.includes('\u0000')) throw new SqlUnsupportedError('literal', 'a string holding a NUL character (U+0000), which DuckDB strings cannot hold');
  return `'${s.replaceAll("'", "''")}'`;
}

/** `CAST(text AS type)`. */
export function castSql(text: string, dtype: DType): string {
  return `CAST(${text} AS ${sqlType(dtype)})`;
}

/**
 * A constant of `dtype`. Floats are written as quoted text cast to their type: DuckDB
 * parses the shortest round-trip text back to the same double (a bare `0.1` would be a
 * DECIMAL first), and NaN and ±Infinity have no other spelling.
 */
export function literalSql(value: LiteralValue, dtype: DType): string {
  if (value === null) return `CAST(NULL AS ${sqlType(dtype)})`;
  switch (dtype) {
    case 'string':
      return quoteString(String(value));
    case 'bool':
      return value ? 'TRUE' : 'FALSE';
    case 'date':
      return dateSql(value as number);
    case 'int32':
    case 'int64':
      return castSql(String(value), dtype);
    case 'float64':
    case 'float32':
      return castSql(`'${floatText(value as number)}'`, dtype);
  }
}

function floatText(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  return Object.is(v, -0) ? '-0.0' : String(v);
}

const INT32_LIMIT = 2 ** 31;

/** A date (days since 1970-01-01): `DATE 'YYYY-MM-DD'` for years 1 to 9999, else the epoch plus the days. */
function dateSql(days: number): string {
  // 0001-01-01 and 9999-12-31, as days from 1970-01-01.
  if (days >= -719_162 && days <= 2_932_896) return `DATE '${daysToIsoDate(days)}'`;
  if (!(Math.abs(days) < INT32_LIMIT)) throw new SqlUnsupportedError('literal', `date ${days} days from 1970-01-01 is beyond DuckDB's date range`);
  return `(DATE '1970-01-01' + ${castSql(String(days), 'int32')})`;
}
