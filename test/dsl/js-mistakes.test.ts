/**
 * Plain JavaScript mistakes TypeScript would have caught: each gives a TypeMismatchError
 * naming the method, the column and what was expected, instead of a TypeError from deep
 * inside (issue 13: "Cannot read properties of undefined (reading 'kind')").
 */
import { describe, expect, it } from 'vitest';
import { TypeMismatchError, count, fromColumns, lit } from '../../src/index.js';

const t = fromColumns({ k: [1, 2, 3], price: [1.5, 2, 4] }, { name: 't', types: { k: 'int32', price: 'float64' } });
const loose = t as any;

function mistake(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TypeMismatchError);
    return (e as Error).message;
  }
  throw new Error('expected a TypeMismatchError');
}

describe('plain JavaScript mistakes', () => {
  it('filter with a callback returning a plain boolean, or without a callback', () => {
    expect(mistake(() => loose.filter(() => true))).toBe(
      "filter: expected a boolean expression built from the row's columns (r => r.price.gt(10)), got the boolean true; a constant predicate is lit(true, 'bool')",
    );
    expect(mistake(() => loose.filter(lit(true, 'bool')))).toBe("filter: expected a function of the row (r => r.price.gt(10)), got an expression (literal)");
    expect(mistake(() => loose.filter(() => () => true))).toMatch(/^filter: .*got a function; return the expression itself/);
  });

  it('a plain value returned from select or withColumn', () => {
    expect(mistake(() => loose.select(() => ({ total: 3 })))).toBe(
      "select: expected an expression built from the row's columns (r => r.price.mul(r.qty)) for column 'total', got the number 3; wrap a constant in lit(value, dtype)",
    );
    expect(mistake(() => loose.select((r: any) => r.price))).toMatch(/^select: expected the function to return an object of named columns .*got an expression \(column 'price'\)/);
    expect(mistake(() => loose.select(3))).toMatch(/^select: expected column names or one function of the row .*got the number 3/);
    expect(mistake(() => loose.withColumn('x', () => 'a'))).toMatch(/^withColumn: expected an expression .* for column 'x', got the string 'a'/);
    expect(mistake(() => loose.withColumn('x', (r: any) => r.price.sum()))).toMatch(/for column 'x', got an aggregate; aggregates belong in groupBy\(\.\.\.\)\.agg\(\) or aggregate\(\)/);
  });

  it('a non-aggregate inside aggregate or agg', () => {
    expect(mistake(() => loose.aggregate((r: any) => ({ total: r.price })))).toBe(
      "aggregate: expected an aggregate for column 'total' (r => ({ total: r.price.sum() })), got an expression (column 'price'); aggregate it: .sum(), .mean(), .min(), .max(), .count(), .countDistinct(), .stddev(), .variance(), or count() for the rows",
    );
    expect(mistake(() => loose.groupBy('k').agg(() => ({ n: 1 })))).toMatch(/^agg: expected an aggregate for column 'n' .*got the number 1/);
    expect(mistake(() => loose.groupBy('k').agg(() => undefined))).toMatch(/^agg: expected the function to return an object of named columns .*got undefined/);
  });

  it('count with something other than an expression', () => {
    expect(mistake(() => count(3 as any))).toMatch(/^count: expected no argument \(count\(\*\)\) or an expression .*got 3/);
  });
});
