/**
 * What SQL cannot compute exactly as Tessera does is refused with a SqlUnsupportedError
 * (a PlanError) naming the operator and the reason, never compiled to SQL that computes
 * something else.
 */
import { describe, expect, it } from 'vitest';
import { PlanError, type Relation, SqlUnsupportedError, fromColumns } from '../../src/index.js';
import { compileSql } from '../../src/sql/compile.js';

const T = fromColumns({ a: [3, 1, 2], b: ['x', 'y', 'z'] }, { name: 'T', types: { a: 'int32', b: 'string' } }) as unknown as Relation<any>;

function refusal(f: () => unknown): SqlUnsupportedError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SqlUnsupportedError);
    expect(e).toBeInstanceOf(PlanError);
    return e as SqlUnsupportedError;
  }
  throw new Error('expected a SqlUnsupportedError');
}

describe('refused constructs', () => {
  it('a limit of rows in no defined order', () => {
    const e = refusal(() => T.limit(2).toSQL());
    expect(e.operator).toBe('limit');
    expect(e.message).toMatch(/^limit: cannot be compiled to SQL exactly: its input \(scan\) has no defined row order/);
  });

  it('a limit after a sort that leaves columns unordered (ties)', () => {
    const e = refusal(() => T.orderBy('a').limit(1).toSQL());
    expect(e.operator).toBe('limit');
    expect(e.reason).toContain("does not order column 'b'");
    // Ordering every column makes it exact.
    expect(T.orderBy('a', 'b').limit(1).toSQL()).toMatch(/ORDER BY .* LIMIT 1$/);
  });

  it('a limit through a projection of the sort', () => {
    const e = refusal(() => T.orderBy('a', 'b').select((r: any) => ({ a: r.a })).limit(1).toSQL());
    expect(e.reason).toContain('(project) has no defined row order');
  });

  it('matrix operators', () => {
    const X = (T as any).toMatrix(['a']);
    const e = refusal(() => compileSql(X.plan));
    expect(e.operator).toBe('toMatrix');
    expect(e.reason).toMatch(/matrix operator has no SQL form/);
  });

  it('a string holding NUL', () => {
    const e = refusal(() => T.filter((r: any) => r.b.eq('a\u0000b')).toSQL());
    expect(e.operator).toBe('literal');
    expect(e.reason).toContain('NUL');
  });

  it('two sources of one name need their tables named', () => {
    const other = fromColumns({ a: [1] }, { name: 'T', types: { a: 'int32' } }) as unknown as Relation<any>;
    const both = T.select((r: any) => ({ a: r.a })).unionAll(other);
    expect(() => both.toSQL()).toThrow(/two sources are named 'T'/);
    const sql = both.toSQL({ table: (s) => (s === (other.plan as any).args.source ? '"other"' : '"T"') });
    expect(sql).toContain('FROM "other"');
  });
});
