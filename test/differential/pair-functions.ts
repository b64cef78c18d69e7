/**
 * Paired constructors (Tessera DSL and DuckDB SQL, as ./pair.ts) for the scalar functions
 * of src/plan/functions.ts: list membership, string matching and date parts. The SQL is
 * written from DuckDB's own functions (IN, LIKE ... ESCAPE, starts_with, ends_with,
 * contains, year, month, day, dayofweek), so a difference in semantics shows.
 */
import { type Cell, type GE, dayToDate, dtypeOf, jsOperandDType, sqlLiteral } from './pair.js';

/** A value of an isIn list: numbers, strings, booleans, days (for dates) or null. */
export type ListValue = Cell;

export type StringTest = 'startsWith' | 'endsWith' | 'contains';
const STRING_TEST_SQL: Record<StringTest, string> = { startsWith: 'starts_with', endsWith: 'ends_with', contains: 'contains' };

export type DatePart = 'year' | 'month' | 'day' | 'dayOfWeek';
const DATE_PART_SQL: Record<DatePart, string> = { year: 'year', month: 'month', day: 'day', dayOfWeek: 'dayofweek' };

export const F = {
  /** x IN (values); an empty list is false in Tessera, written FALSE in SQL (which has no empty IN list). */
  isIn(a: GE, values: readonly ListValue[]): GE {
    const like = dtypeOf(a);
    const js = values.map((v) => (like === 'date' && v !== null ? dayToDate(v as number) : v));
    const sql = values.length === 0 ? 'FALSE' : `(${a.sql} IN (${values.map((v) => sqlLiteral(v, like === 'date' ? 'date' : jsOperandDType(v as never, like))).join(', ')}))`;
    return { e: (a.e as any).isIn(js), sql };
  },
  /** LIKE with a pattern expression, and an escape character when given. */
  like(a: GE, pattern: GE, escape?: string): GE {
    const e = escape === undefined ? (a.e as any).like(pattern.e) : (a.e as any).like(pattern.e, { escape });
    return { e, sql: `(${a.sql} LIKE ${pattern.sql}${escape === undefined ? '' : ` ESCAPE ${sqlLiteral(escape, 'string')}`})` };
  },
  stringTest(fn: StringTest, a: GE, part: GE): GE {
    return { e: (a.e as any)[fn](part.e), sql: `${STRING_TEST_SQL[fn]}(${a.sql}, ${part.sql})` };
  },
  datePart(fn: DatePart, a: GE): GE {
    return { e: (a.e as any)[fn](), sql: `CAST(${DATE_PART_SQL[fn]}(${a.sql}) AS INTEGER)` };
  },
};
