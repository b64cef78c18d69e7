import { describe, expect, it } from 'vitest';
import { type Batch, makeBatch } from '../../src/data/batch.js';
import { type Column, gatherColumn, lazyGatherColumn, pendingGather } from '../../src/data/column.js';
import { computeAggregate } from '../../src/exec/operators/aggregate.js';
import { evaluate } from '../../src/exec/expression.js';
import { fusedAggregate } from '../../src/exec/fused-aggregate.js';
import { groupRows } from '../../src/kernels/relational/index.js';
import { type AggregateFn, aggregate } from '../../src/plan/aggregate.js';
import { type ExprNode, binary, cast, columnRef, exprToString, literal, unary } from '../../src/plan/expr.js';
import { OverflowError } from '../../src/errors.js';
import type { NamedAggregate } from '../../src/plan/relational-operators.js';
import type { DType } from '../../src/types/dtype.js';
import { column, randomValues, rng } from '../kernels/relational/fixtures.js';

/**
 * The fused one-pass aggregate against the column-at-a-time path it replaces
 * (groupRows, evaluate, the group-by kernels): same groups in the same order, same
 * values bit for bit, same nulls, over plain columns and over lazy gathers (the
 * output of a join), with nulls in keys and arguments, -1 indices (outer joins),
 * garbage under nulls, and every grouping strategy.
 */

interface Table {
  readonly names: string[];
  readonly columns: Column[];
  readonly length: number;
}

/** Fact columns (plain, n rows) and dimension columns (m rows) read through `indices`. */
const FACT: [string, DType, string][] = [
  ['fk', 'int32', 'dense'],
  ['fa', 'float64', 'float'],
  ['fb', 'int32', 'dense'],
  ['fs', 'string', 'string'],
];
const DIM: [string, DType, string][] = [
  ['dk', 'int32', 'dense'],
  ['dk2', 'int32', 'dense'],
  ['dg', 'int64', 'big'],
  ['df', 'float64', 'float'],
  ['dh', 'float32', 'float32'],
  ['ds', 'string', 'string'],
  ['db', 'bool', 'bool'],
  ['dd', 'date', 'date'],
];

function makeInput(r: () => number, n: number, m: number, opts: { missing: boolean; nullRate: number }) {
  const fact = FACT.map(([, dtype, kind]) => column(dtype, randomValues(r, kind, n, opts.nullRate), r, r() < 0.5));
  const dim = DIM.map(([, dtype, kind]) => column(dtype, randomValues(r, kind, m, opts.nullRate), r, r() < 0.5));
  const indices = Int32Array.from({ length: n }, () => (m === 0 || (opts.missing && r() < 0.15) ? -1 : Math.floor(r() * m)));
  const hasMissing = indices.some((j) => j < 0);
  const names = [...FACT.map((f) => f[0]), ...DIM.map((d) => d[0])];
  const lazy: Table = { names, columns: [...fact, ...dim.map((c) => lazyGatherColumn(c, indices, hasMissing))], length: n };
  const eager: Table = { names, columns: [...fact, ...dim.map((c) => gatherColumn(c, indices))], length: n };
  return { lazy, eager };
}

const col = (name: string): ExprNode => {
  const spec = [...FACT, ...DIM].find((c) => c[0] === name)!;
  return columnRef(name, { dtype: spec[1], nullable: true });
};

/** Arguments inside the fused subset (arithmetic over numeric columns, literals, neg/abs, widening casts). */
const ARGS: (() => ExprNode)[] = [
  () => col('fa'),
  () => col('df'),
  () => col('dg'),
  () => col('dh'),
  () => col('fb'),
  () => binary('mul', col('fa'), col('df')),
  () => binary('add', col('fb'), col('dg')),
  () => binary('sub', col('dh'), col('dh')),
  () => binary('div', col('fa'), col('fb')),
  () => binary('div', col('dh'), col('dh')),
  () => binary('mod', col('fb'), col('dk')),
  () => binary('mod', col('fa'), col('df')),
  () => binary('mul', binary('add', col('fb'), literal(3, 'int32')), literal(2.5, 'float64')),
  () => unary('neg', col('fb')),
  () => unary('abs', binary('sub', col('fa'), col('dh'))),
  () => cast(col('fb'), 'float64'),
  () => cast(col('dk'), 'float32'),
  () => cast(col('fb'), 'int64'),
  () => binary('add', col('dh'), cast(col('df'), 'float32')),
];

/**
 * Keys covering the strategies: none, lazy (one or several through the same indices),
 * combined small domains (integers, dictionary strings, gathered keys, mixed with plain
 * columns), hashed ids (floats, wide ranges).
 */
const KEYS: string[][] = [[], ['dk'], ['dk', 'dk2'], ['ds'], ['db', 'dd'], ['dg'], ['df'], ['fk'], ['fs'], ['fk', 'dk'], ['dk', 'fs', 'dh'], ['fs', 'fb'], ['ds', 'fk', 'db'], ['fs', 'dk']];

function randomAggregates(r: () => number): NamedAggregate[] {
  const count = 1 + Math.floor(r() * 4);
  return Array.from({ length: count }, (_, i) => {
    const pick = r();
    let fn: AggregateFn;
    let arg: ExprNode | null;
    if (pick < 0.15) [fn, arg] = ['count', null];
    else if (pick < 0.3) [fn, arg] = ['count', r() < 0.5 ? col(['ds', 'db', 'dd', 'fs', 'df'][Math.floor(r() * 5)]) : ARGS[Math.floor(r() * ARGS.length)]()];
    else {
      const k = r();
      [fn, arg] = [k < 0.5 ? 'sum' : k < 0.7 ? 'mean' : k < 0.85 ? 'min' : 'max', ARGS[Math.floor(r() * ARGS.length)]()];
    }
    return { name: `a${i}`, aggregate: aggregate(fn, arg) };
  });
}

function batchOf(t: Table): Batch {
  return makeBatch(t.columns, t.length);
}

const resolverOf = (t: Table) => (name: string) => t.names.indexOf(name);

/** The column-at-a-time path (runAggregate without the fused loop). */
function reference(groupBy: string[], aggs: NamedAggregate[], t: Table): Column[] {
  const batch = batchOf(t);
  const resolve = resolverOf(t);
  const keys = groupBy.map((g) => batch.columns[resolve(g)]);
  const groups = groupRows(keys, batch.length);
  return [
    ...keys.map((k) => gatherColumn(k, groups.firstRow)),
    ...aggs.map(({ aggregate: a }) => computeAggregate(a, a.arg ? evaluate(a.arg, batch, resolve) : null, groups)),
  ];
}

function expectSameColumns(got: readonly Column[], want: readonly Column[], context: string): void {
  expect(got.length, context).toBe(want.length);
  got.forEach((g, c) => {
    const w = want[c];
    const where = `${context}, column ${c}`;
    expect(g.dtype, where).toBe(w.dtype);
    expect(g.length, where).toBe(w.length);
    // Validity row by row: an all-valid mask and no mask are the same column (Arrow output drops an all-valid bitmap).
    for (let i = 0; i < w.length; i++) {
      const wv = w.validity === null || w.validity[i] === 1;
      const gv = g.validity === null || g.validity[i] === 1;
      expect(gv, `${where}, row ${i}: valid`).toBe(wv);
      if (!wv) continue;
      const a = g.dtype === 'string' ? g.dictionary![g.values[i]] : g.values[i];
      const b = w.dtype === 'string' ? w.dictionary![w.values[i]] : w.values[i];
      expect(Object.is(a, b) || (a === 0 && b === 0), `${where}, row ${i}: ${String(a)} vs ${String(b)}`).toBe(true);
    }
  });
}

describe('fusedAggregate', () => {
  it('matches the column-at-a-time path on plain and lazy (joined) columns', () => {
    const r = rng(20240611);
    let fusedLazy = 0;
    let overflows = 0;
    let bailed = 0;
    for (let t = 0; t < 300; t++) {
      const n = 1 + Math.floor(r() * 120);
      const m = Math.floor(r() * (t % 3 === 0 ? 200 : 40));
      const { lazy, eager } = makeInput(r, n, m, { missing: t % 2 === 0, nullRate: t % 4 === 0 ? 0 : 0.15 });
      const groupBy = KEYS[t % KEYS.length];
      const aggs = randomAggregates(r);
      const context = `case ${t}: by [${groupBy.join(', ')}] ${aggs.map((a) => `${a.aggregate.fn}`).join(', ')}`;
      // Sums of the int64 column 'dg' (values up to 2^53 - 1) may be beyond int64: the
      // general path raises OverflowError, and the fused loop must hand such cases to it.
      let want: Column[];
      try {
        want = reference(groupBy, aggs, eager);
      } catch (e) {
        expect(e, context).toBeInstanceOf(OverflowError);
        expect(fusedAggregate(groupBy, aggs, batchOf(eager), resolverOf(eager)), context).toBeNull();
        expect(fusedAggregate(groupBy, aggs, batchOf(lazy), resolverOf(lazy)), context).toBeNull();
        overflows++;
        continue;
      }

      const onEager = fusedAggregate(groupBy, aggs, batchOf(eager), resolverOf(eager));
      // The loop also hands over a case where a running int64 sum (or a value under a
      // null) reached ±2^53 but every result fits: only cases that read 'dg' may.
      const readsBig = aggs.some((a) => a.aggregate.arg !== null && exprToString(a.aggregate.arg).includes('dg'));
      if (onEager === null && readsBig) {
        bailed++;
        continue;
      }
      expect(onEager, context).not.toBeNull();
      expectSameColumns(onEager!.columns, want, `${context} (plain)`);
      expect(onEager!.groupCount).toBe(want[0]?.length ?? 1);

      const onLazy = fusedAggregate(groupBy, aggs, batchOf(lazy), resolverOf(lazy));
      expect(onLazy, context).not.toBeNull();
      expectSameColumns(onLazy!.columns, want, `${context} (lazy)`);
      // Reading through the indices never materializes the joined columns, unless a
      // key had to be (a source longer than the input, or keys from both sides).
      const lazyKeysOnly = groupBy.every((g) => g.startsWith('d'));
      if (lazyKeysOnly && m <= n) {
        for (const c of lazy.columns) if (c.constructor.name === 'GatheredColumn') expect(pendingGather(c), context).not.toBeNull();
        fusedLazy++;
      }
    }
    expect(fusedLazy).toBeGreaterThan(50);
    // The big-value cases are few: the fused loop still runs nearly every case.
    expect(overflows).toBeGreaterThan(0);
    expect(overflows + bailed).toBeLessThan(60);
  });

  it('groups the null key of a left join with the source nulls, in order of first appearance', () => {
    const source = column('int32', [5, null, 7, 5], rng(1));
    const indices = Int32Array.of(2, -1, 0, 1, 3, -1, 2);
    const measure = column('float64', [1, 2, 3, 4, 5, 6, 7], rng(2));
    const lazy: Table = { names: ['k', 'x'], columns: [lazyGatherColumn(source, indices, true), measure], length: 7 };
    const aggs: NamedAggregate[] = [
      { name: 'n', aggregate: aggregate('count', null) },
      { name: 's', aggregate: aggregate('sum', columnRef('x', { dtype: 'float64', nullable: false })) },
      { name: 'c', aggregate: aggregate('count', columnRef('k', { dtype: 'int32', nullable: true })) },
    ];
    const out = fusedAggregate(['k'], aggs, batchOf(lazy), resolverOf(lazy))!;
    expect(pendingGather(lazy.columns[0])).not.toBeNull();
    // Rows: 7, null, 5, null, 5, null, 7 → groups 7 (rows 0, 6), null (1, 3, 5), 5 (2, 4).
    expect(Array.from(out.columns[0].values)).toEqual([7, expect.any(Number), 5]);
    expect(Array.from(out.columns[0].validity!)).toEqual([1, 0, 1]);
    expect(Array.from(out.columns[1].values)).toEqual([2, 3, 2]);
    expect(Array.from(out.columns[2].values)).toEqual([8, 12, 8]);
    expect(Array.from(out.columns[3].values)).toEqual([2, 0, 2]);
  });

  it('gives null sums and means for groups without a non-null value, and counts of 0', () => {
    const key = column('int32', [1, 1, 2, 2, 3], rng(3));
    const x = column('float64', [1, null, null, null, 4], rng(4));
    const t: Table = { names: ['k', 'x'], columns: [key, x], length: 5 };
    const ref = columnRef('x', { dtype: 'float64', nullable: true });
    const aggs: NamedAggregate[] = [
      { name: 's', aggregate: aggregate('sum', ref) },
      { name: 'm', aggregate: aggregate('mean', ref) },
      { name: 'c', aggregate: aggregate('count', ref) },
    ];
    const out = fusedAggregate(['k'], aggs, batchOf(t), resolverOf(t))!;
    expectSameColumns(out.columns, reference(['k'], aggs, t), 'nulls');
    expect(Array.from(out.columns[1].validity!)).toEqual([1, 0, 1]);
    expect(out.columns[3].validity).toBeNull();
    expect(Array.from(out.columns[3].values)).toEqual([1, 0, 1]);
  });

  it('leaves zero rows and aggregates outside its subset to the general path', () => {
    const t: Table = { names: ['k', 'x'], columns: [column('int32', [1, 2], rng(5)), column('float64', [1, 2], rng(6))], length: 2 };
    const x = columnRef('x', { dtype: 'float64', nullable: false });
    const outside: NamedAggregate[][] = [
      [{ name: 'a', aggregate: aggregate('min', cast(x, 'string')) }],
      [{ name: 'a', aggregate: aggregate('countDistinct', x) }],
      [{ name: 'a', aggregate: aggregate('count', binary('gt', x, literal(1, 'float64'))) }],
      [{ name: 'a', aggregate: aggregate('sum', cast(x, 'int32')) }],
      [{ name: 'a', aggregate: aggregate('sum', binary('add', x, literal(null, 'float64'))) }],
    ];
    for (const aggs of outside) expect(fusedAggregate(['k'], aggs, batchOf(t), resolverOf(t))).toBeNull();
    const empty: Table = { names: ['k', 'x'], columns: [column('int32', [], rng(7)), column('float64', [], rng(8))], length: 0 };
    expect(fusedAggregate([], [{ name: 'n', aggregate: aggregate('count', null) }], batchOf(empty), resolverOf(empty))).toBeNull();
  });

  it('sums int32 arithmetic exactly as stored columns would (mod stays int32, other ops widen)', () => {
    const a = column('int32', [2147483647, -2147483648, 7, -7, 5], rng(9));
    const b = column('int32', [2, 3, 0, 2, -5], rng(10));
    const t: Table = { names: ['a', 'b'], columns: [a, b], length: 5 };
    const ca = columnRef('a', { dtype: 'int32', nullable: false });
    const cb = columnRef('b', { dtype: 'int32', nullable: false });
    const aggs: NamedAggregate[] = [
      { name: 'p', aggregate: aggregate('sum', binary('mul', ca, cb)) },
      { name: 'q', aggregate: aggregate('sum', binary('mod', ca, cb)) },
      { name: 'n', aggregate: aggregate('sum', unary('neg', ca)) },
      { name: 'c', aggregate: aggregate('count', binary('mod', ca, cb)) },
    ];
    const out = fusedAggregate([], aggs, batchOf(t), resolverOf(t))!;
    expectSameColumns(out.columns, reference([], aggs, t), 'int32 arithmetic');
    expect(out.columns[0].dtype).toBe('int64');
    expect(out.columns[3].values[0]).toBe(4);
  });

  it('hands integer values at or beyond ±2^53 to the general path, which is exact or raises OverflowError', () => {
    const big = (values: number[]): Table => ({ names: ['x'], columns: [column('int64', values, rng(11))], length: values.length });
    const x = columnRef('x', { dtype: 'int64', nullable: true });
    const sum = (arg: ExprNode): NamedAggregate[] => [{ name: 's', aggregate: aggregate('sum', arg) }];
    // A sum beyond 2^53, a running sum that comes back, and a product beyond it.
    for (const [values, arg] of [
      [[2 ** 53, 1, 1], x],
      [[2 ** 53, 1, -1], x],
      [[2 ** 27, 2 ** 27], binary('mul', x, x)],
    ] as const) {
      const t = big([...values]);
      expect(fusedAggregate([], sum(arg), batchOf(t), resolverOf(t)), values.join(', ')).toBeNull();
    }
    expect(() => reference([], sum(x), big([2 ** 53, 1, 1]))).toThrow(OverflowError);
    expect(Array.from(reference([], sum(x), big([2 ** 53, 1, -1]))[0].values)).toEqual([2 ** 53]);
    expect(() => reference([], sum(binary('mul', x, x)), big([2 ** 27, 2 ** 27]))).toThrow(/mul: \(x \* x\): integer overflow: 134217728 \* 134217728 = 18014398509481984/);
    // Within the range the loop runs as before.
    const t = big([2 ** 52, 2 ** 51, -5]);
    expect(Array.from(fusedAggregate([], sum(x), batchOf(t), resolverOf(t))!.columns[0].values)).toEqual([2 ** 52 + 2 ** 51 - 5]);
  });

  it('never produces an integer -0 (neg, mul and mod of int64), as the column-at-a-time path', () => {
    const t: Table = { names: ['x'], columns: [column('int64', [0, -4], rng(12))], length: 2 };
    const x = columnRef('x', { dtype: 'int64', nullable: true });
    const one = literal(1, 'float64');
    const aggs: NamedAggregate[] = [
      { name: 'neg', aggregate: aggregate('sum', binary('div', one, unary('neg', x))) },
      { name: 'mul', aggregate: aggregate('sum', binary('div', one, binary('mul', x, literal(-1, 'int64')))) },
      { name: 'mod', aggregate: aggregate('sum', binary('div', one, binary('mod', x, literal(2, 'int64')))) },
    ];
    const out = fusedAggregate([], aggs, batchOf(t), resolverOf(t))!;
    // 1/+0 + 1/4 (or 1/-4) stays +Infinity; with -0 it would be -Infinity.
    expect(out.columns.map((c) => c.values[0])).toEqual([Infinity, Infinity, Infinity]);
    expectSameColumns(out.columns, reference([], aggs, t), 'integer -0');
  });
});
