/**
 * Right and full outer joins and UNION (distinct) through the DSL: compile-time types
 * equal to the run-time schema, merged USING keys (the right key where no left row
 * matched, in both keys' common type), null keys and unmatched rows on both sides, the
 * explain text, and a matrix encoded straight from a right join's index (JoinToMatrix).
 * Random cases against DuckDB: test/differential (join.test.ts, functions.test.ts).
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { type Relation, fromColumns } from '../../src/index.js';
import { formatColumnType } from '../../src/types/dtype.js';

type SchemaOf<R> = R extends Relation<infer S> ? S : never;
const runtimeSchema = (r: Relation<any>) => Object.fromEntries(r.schema.fields.map((f) => [f.name, formatColumnType(f)]));

const orders = fromColumns({ k: [1, 2, null, 2], amount: [10, 20, 30, 40] }, { name: 'orders', types: { k: 'int32?', amount: 'float64' } });
const customers = fromColumns({ k: [2, 5, null], name: ['bob', 'eve', 'nil'] }, { name: 'customers', types: { k: 'int32?', name: 'string' }, primaryKey: undefined });

describe('right and full joins', () => {
  it('right: every right row once at least, left columns nullable, the key from the right where unmatched', async () => {
    const j = orders.join(customers, 'k', 'right');
    expectTypeOf<SchemaOf<typeof j>>().toEqualTypeOf<{ k: 'int32?'; amount: 'float64?'; name: 'string' }>();
    expect(runtimeSchema(j)).toEqual({ k: 'int32?', amount: 'float64?', name: 'string' });
    expect(await j.collectRows()).toEqual([
      { k: 2, amount: 20, name: 'bob' },
      { k: 2, amount: 40, name: 'bob' },
      { k: 5, amount: null, name: 'eve' },
      { k: null, amount: null, name: 'nil' },
    ]);
  });

  it('full: unmatched rows of both sides, null keys never matching', async () => {
    const j = orders.join(customers, 'k', 'full');
    expectTypeOf<SchemaOf<typeof j>>().toEqualTypeOf<{ k: 'int32?'; amount: 'float64?'; name: 'string?' }>();
    expect(runtimeSchema(j)).toEqual({ k: 'int32?', amount: 'float64?', name: 'string?' });
    expect(await j.collectRows()).toEqual([
      { k: 1, amount: 10, name: null },
      { k: 2, amount: 20, name: 'bob' },
      { k: null, amount: 30, name: null },
      { k: 2, amount: 40, name: 'bob' },
      { k: 5, amount: null, name: 'eve' },
      { k: null, amount: null, name: 'nil' },
    ]);
  });

  it('merges int32 and int64 keys into int64, and string keys of different dictionaries', async () => {
    const wide = fromColumns({ k: [2, 2 ** 40], w: [true, false] }, { types: { k: 'int64', w: 'bool' } });
    const j = orders.join(wide, 'k', 'full');
    expectTypeOf<SchemaOf<typeof j>['k']>().toEqualTypeOf<'int64?'>();
    expect(runtimeSchema(j).k).toBe('int64?');
    expect((await j.collectRows()).map((r) => r.k)).toEqual([1, 2, null, 2, 2 ** 40]);
    const a = fromColumns({ s: ['x', 'y'], a: [1, 2] }, { types: { s: 'string', a: 'int32' } });
    const b = fromColumns({ s: ['z', 'y', 'w'], b: [3, 4, 5] }, { types: { s: 'string', b: 'int32' } });
    const sj = a.join(b, 's', 'right');
    expectTypeOf<SchemaOf<typeof sj>>().toEqualTypeOf<{ s: 'string'; a: 'int32?'; b: 'int32' }>();
    expect(await sj.collectRows()).toEqual([
      { s: 'y', a: 2, b: 4 },
      { s: 'z', a: null, b: 3 },
      { s: 'w', a: null, b: 5 },
    ]);
  });

  it('keep no primary key (unmatched right rows have no left key)', () => {
    const dim = fromColumns({ k: [1, 2], v: [1, 2] }, { types: { k: 'int32', v: 'int32' }, primaryKey: ['k'] });
    const fact = fromColumns({ id: [1, 2, 3], k: [1, 1, 2] }, { types: { id: 'int32', k: 'int32' }, primaryKey: ['id'] });
    expect(fact.join(dim, 'k', 'left').schema.primaryKey).toEqual(['id']);
    expect(fact.join(dim, 'k', 'right').schema.primaryKey).toBeUndefined();
    expect(fact.join(dim, 'k', 'full').schema.primaryKey).toBeUndefined();
  });

  it('explain names the kind and the hash join that adds the unmatched right rows', () => {
    const text = orders.join(customers, 'k', 'full').explain();
    expect(text).toContain('Join full on k');
    expect(text).toMatch(/HashJoin full on k/);
    expect(text).toContain('then add the right rows no left row matched');
  });

  it('a matrix straight from a right join: unmatched right rows encode the left columns as nulls', async () => {
    const left = fromColumns({ k: [1, 2], s: ['a', 'b'] }, { types: { k: 'int32', s: 'string' } });
    const right = fromColumns({ k: [2, 3], v: [0.5, 1.5] }, { types: { k: 'int32', v: 'float64' } });
    const m = left.join(right, 'k', 'right').toMatrix(['v', { onehot: 's', categories: ['a', 'b'] }]);
    expect(m.explain()).toContain('JoinToMatrix');
    const out = await m.collect();
    expect([out.rows, out.cols]).toEqual([2, 3]);
    expect(Array.from(out.data)).toEqual([0.5, 0, 1, 1.5, 0, 0]);
  });
});

describe('union (distinct)', () => {
  it('keeps each distinct row of both inputs once, nulls equal', async () => {
    const a = fromColumns({ k: [1, null, 1, 2] }, { types: { k: 'int32?' } });
    const b = fromColumns({ k: [2, null, 3] }, { types: { k: 'int32?' } });
    const u = a.union(b);
    expect((await u.collectRows()).map((r) => r.k)).toEqual([1, null, 2, 3]);
    expect((await a.unionAll(b).collectRows()).length).toBe(7);
    expect(u.explain()).toMatch(/Distinct\n.*\n\s*└─ UnionAll/);
  });
});
