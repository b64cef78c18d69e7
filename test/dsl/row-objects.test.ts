/**
 * collectRows() keeps every column whatever its name: a column named `__proto__` (whose
 * assignment would set the row's prototype and drop the column) or like another
 * Object.prototype member (`toString`, `constructor`, `hasOwnProperty`, `valueOf`) is an
 * own enumerable property of each row, and rows stay ordinary objects. The DSL's column
 * references (`r.toString`, `r.__proto__`) resolve to those columns too.
 */
import { describe, expect, it } from 'vitest';
import { UnknownColumnError, fromColumns } from '../../src/index.js';

const NAMES = ['__proto__', 'toString', 'constructor', 'hasOwnProperty', 'valueOf', 'x'];

/** A column input with every name in NAMES as an own property (an object literal's `__proto__:` would set the prototype). */
function columns(): Record<string, number[]> {
  const cols: Record<string, number[]> = {};
  NAMES.forEach((n, i) => Object.defineProperty(cols, n, { value: [i, 10 + i], enumerable: true }));
  return cols;
}

describe('collectRows() and column names', () => {
  it('keeps a column named __proto__ and columns named like Object.prototype members', async () => {
    const rel = fromColumns(columns() as never);
    expect(rel.schema.fields.map((f) => f.name)).toEqual(NAMES);
    for (const options of [{}, { optimize: false }]) {
      const rows = await rel.collectRows(options);
      expect(rows).toHaveLength(2);
      for (const [r, row] of rows.entries()) {
        expect(Object.keys(row)).toEqual(NAMES);
        NAMES.forEach((n, i) => {
          expect(Object.prototype.hasOwnProperty.call(row, n), n).toBe(true);
          expect(row[n], n).toBe(10 * r + i);
        });
        // Still an ordinary object: its prototype is Object.prototype, not the value of a column.
        expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
        expect(JSON.parse(JSON.stringify(row))).toEqual(Object.fromEntries(NAMES.map((n, i) => [n, 10 * r + i])));
        expect({ ...row }).toEqual(row);
      }
    }
  });

  it('the DSL resolves r.__proto__, r.toString and r.constructor to the columns', async () => {
    const rel = fromColumns(columns() as never) as any;
    const out = rel.filter((r: any) => r.toString.gt(1)).select((r: any) => ({ p: r.__proto__.add(r.constructor), t: r.toString, v: r.valueOf }));
    expect(await out.collectRows()).toEqual([{ p: 10 + 12, t: 11, v: 14 }]);
    // The row of column references is not an Expr by prototype: a name that is neither a column nor passed through is still an error.
    expect(() => rel.columns.add).toThrow(UnknownColumnError);
    expect(Object.keys(rel.columns)).toEqual(NAMES);
  });

  it('a computed column named __proto__ survives select, withColumn and groupBy', async () => {
    const rel = fromColumns({ g: Int32Array.of(1, 1, 2), x: [1, 2, 3] });
    const selected = rel.select((r) => ({ ['__proto__']: r.x.mul(2), g: r.g }) as never);
    expect(await selected.collectRows()).toEqual([{ ['__proto__']: 2, g: 1 }, { ['__proto__']: 4, g: 1 }, { ['__proto__']: 6, g: 2 }]);
    const grouped = rel.groupBy('g').agg((r) => ({ ['__proto__']: r.x.sum(), constructor: r.x.count() }) as never);
    const rows = await grouped.collectRows();
    expect(rows.map((r) => [r.g, r['__proto__'], r.constructor])).toEqual([
      [1, 3, 2],
      [2, 3, 1],
    ]);
    const added = rel.withColumn('__proto__', (r) => r.x.add(1));
    expect((await added.collectRows()).map((r) => Object.keys(r))).toEqual([
      ['g', 'x', '__proto__'],
      ['g', 'x', '__proto__'],
      ['g', 'x', '__proto__'],
    ]);
  });
});
