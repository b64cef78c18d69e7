import { describe, expect, it } from 'vitest';
import { type Batch, totalRows } from '../../src/data/batch.js';
import { cellValue, pendingGather } from '../../src/data/column.js';
import {
  runAggregate,
  runDistinct,
  runFilter,
  runJoin,
  runLimit,
  runProject,
  runSort,
  runUnion,
} from '../../src/exec/operators/relational.js';
import { MemoryLedger, type OperatorRun, operatorRun } from '../../src/exec/run-context.js';
import { type Relation, count, fromColumns } from '../../src/index.js';
import { jsOperator } from '../../src/physical/operators.js';
import type { Node, PlanNode } from '../../src/plan/node.js';
import { rng } from '../kernels/relational/fixtures.js';

/**
 * Join outputs are lazy gathers; operators downstream read them through their index
 * vectors. The executor records every operator's output bytes between operators,
 * which (today) materializes them; this runner chains the relational operators
 * directly, so lazy columns reach the next operator as they are, and checks that the
 * results equal those of the regular executor (whose materialized path the DuckDB
 * differential suite checks) and of a plain JavaScript reference.
 */
async function runLazily(node: PlanNode, memo = new Map<PlanNode, Promise<readonly Batch[]>>()): Promise<readonly Batch[]> {
  let done = memo.get(node);
  if (done === undefined) {
    done = runNode(node, memo);
    memo.set(node, done);
  }
  return done;
}

/** The run context the executor gives an operator, with the algorithm the physical planner picks for it. */
function runOf(node: PlanNode): OperatorRun {
  return operatorRun(jsOperator(node, []).operator, new MemoryLedger(Number.MAX_SAFE_INTEGER), undefined, () => {});
}

async function runNode(node: PlanNode, memo: Map<PlanNode, Promise<readonly Batch[]>>): Promise<readonly Batch[]> {
  const inputs = await Promise.all(node.inputs.map((i) => runLazily(i, memo)));
  switch (node.kind) {
    case 'scan': {
      const { source, columns } = (node as Node<'scan'>).args;
      return source.load(columns ?? source.schema.fields.map((f) => f.name));
    }
    case 'filter':
      return runFilter(node as Node<'filter'>, inputs[0]);
    case 'project':
      return runProject(node as Node<'project'>, inputs[0]);
    case 'join':
      return runJoin(node as Node<'join'>, inputs[0], inputs[1], runOf(node));
    case 'aggregate':
      return runAggregate(node as Node<'aggregate'>, inputs[0], runOf(node));
    case 'sort':
      return runSort(node as Node<'sort'>, inputs[0]);
    case 'limit':
      return runLimit(node as Node<'limit'>, inputs[0]);
    case 'distinct':
      return runDistinct(node as Node<'distinct'>, inputs[0]);
    case 'union':
      return runUnion(inputs[0], inputs[1]);
    default:
      throw new Error(`runLazily: ${node.kind}`);
  }
}

function rowsOf(rel: Relation<any>, batches: readonly Batch[]): Record<string, unknown>[] {
  const names = rel.schema.fields.map((f) => f.name);
  const rows: Record<string, unknown>[] = [];
  for (const b of batches) {
    for (let i = 0; i < b.length; i++) rows.push(Object.fromEntries(names.map((n, c) => [n, cellValue(b.columns[c], i)])));
  }
  return rows;
}

/** Same rows in the same order as the executor (groups come in order of first appearance on both paths). */
async function expectSameAsExecutor(rel: Relation<any>): Promise<Record<string, unknown>[]> {
  const lazy = rowsOf(rel, await runLazily(rel.plan));
  const executed = await rel.collectRows({ optimize: false });
  expect(lazy).toEqual(executed);
  return lazy;
}

function tables(seed: number, n: number, m: number, opts: { dupes?: boolean; nullKeys?: boolean; nonNegative?: boolean } = {}) {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const key = Array.from({ length: n }, () => (opts.nullKeys && r() < 0.1 ? null : Math.floor(r() * (m + 3)) - (opts.nonNegative ? 0 : 1)));
  const x = Array.from({ length: n }, () => (r() < 0.1 ? null : Math.round(r() * 100) / 4));
  const tag = Array.from({ length: n }, () => pick(['a', 'b', 'c', null]));
  const dkey = Array.from({ length: m }, (_, j) => (opts.nullKeys && j % 11 === 5 ? null : opts.dupes ? Math.floor(j / 2) : j));
  const grp = Array.from({ length: m }, () => (r() < 0.1 ? null : Math.floor(r() * 5)));
  const f = Array.from({ length: m }, () => (r() < 0.1 ? null : Math.round(r() * 8) / 8));
  const label = Array.from({ length: m }, () => pick(['x', 'y', null]));
  const fact = fromColumns({ key, x, tag }, { name: 'fact', types: { key: 'int32?', x: 'float64?', tag: 'string?' } });
  const dim = fromColumns({ key: dkey, grp, f, label }, { name: 'dim', types: { key: 'int32?', grp: 'int32?', f: 'float64?', label: 'string?' } });
  return { fact, dim, raw: { key, x, tag, dkey, grp, f, label } };
}

describe('lazy join outputs through downstream operators', () => {
  it('inner and left join, then group by a dimension column: the fused aggregate over index vectors', async () => {
    for (let seed = 1; seed <= 16; seed++) {
      // Seeds 13-16: non-negative keys without nulls, the key-indexed join path.
      const { fact, dim, raw } = tables(seed, 200 + seed * 7, 40, { nullKeys: seed % 2 === 0 && seed <= 12, nonNegative: seed > 12 });
      for (const how of ['inner', 'left'] as const) {
        const joined = fact.join(dim, 'key', how);
        const q = joined.groupBy('grp').agg((r) => ({ n: count(), s: r.x.sum(), sf: r.x.mul(r.f).sum(), m: r.f.mean(), c: r.label.count() }));
        const rows = await expectSameAsExecutor(q);
        // Reference: nested loops over the JS values (null keys never match).
        const want = new Map<unknown, { n: number; s: number | null; sf: number | null; c: number }>();
        raw.key.forEach((k, i) => {
          const js = k === null ? [] : raw.dkey.flatMap((dk, j) => (dk === k ? [j] : []));
          if (js.length === 0 && how === 'left') js.push(-1);
          for (const j of js) {
            const g = j < 0 ? null : raw.grp[j];
            const e = want.get(g) ?? { n: 0, s: null, sf: null, c: 0 };
            e.n++;
            const x = raw.x[i];
            const f = j < 0 ? null : raw.f[j];
            if (x !== null) e.s = (e.s ?? 0) + x;
            if (x !== null && f !== null) e.sf = (e.sf ?? 0) + x * f;
            if (j >= 0 && raw.label[j] !== null) e.c++;
            want.set(g, e);
          }
        });
        expect(rows.length).toBe(want.size);
        for (const row of rows) {
          const e = want.get(row.grp as number | null)!;
          expect({ n: row.n, c: row.c }).toEqual({ n: e.n, c: e.c });
          expect(row.s === null ? null : (row.s as number)).toBeCloseTo((e.s ?? NaN) as number, 9);
          if (e.sf === null) expect(row.sf).toBeNull();
          else expect(row.sf as number).toBeCloseTo(e.sf, 9);
        }
      }
    }
  });

  it('keeps the join output lazy until something needs plain values', async () => {
    for (const nonNegative of [false, true]) {
      const { fact, dim } = tables(99, 300, 50, { nonNegative });
      const joined = fact.join(dim, 'key');
      const batches = await runLazily(joined.plan);
      const names = joined.schema.fields.map((f) => f.name);
      const lazy = () => ['grp', 'f', 'label'].map((n) => pendingGather(batches[0].columns[names.indexOf(n)]));
      for (const p of lazy()) expect(p).not.toBeNull();
      const q = joined.groupBy('grp').agg((r) => ({ s: r.x.mul(r.f).sum() }));
      await runLazily(q.plan, new Map([[joined.plan, Promise.resolve(batches)]]));
      for (const p of lazy()) expect(p).not.toBeNull();
    }
  });

  it('a filter below a join stays lazy: the join composes the selection with its row pairs', async () => {
    const { fact, dim } = tables(7, 400, 50, { nonNegative: true });
    const filtered = fact.filter((r) => r.x.gt(0.3));
    const batches = await runLazily(filtered.plan);
    // Every column of the filter's output is a gather through the selected rows, none copied yet.
    for (const c of batches[0].columns) expect(pendingGather(c)).not.toBeNull();
    const joined = filtered.join(dim, 'key');
    const out = await runLazily(joined.plan, new Map([[filtered.plan, Promise.resolve(batches)]]));
    const names = joined.schema.fields.map((f) => f.name);
    // The fact side's columns above the join read the original columns through one composed index vector.
    const x = pendingGather(out[0].columns[names.indexOf('x')])!;
    expect(x.source).toBe(pendingGather(batches[0].columns[fact.schema.fields.findIndex((f) => f.name === 'x')])!.source);
    expect(rowsOf(joined, out)).toEqual(await joined.collectRows());
  });

  it('duplicate right keys, filters, sorts, limits, distinct and joins of joins over lazy columns', async () => {
    for (let seed = 20; seed < 28; seed++) {
      const { fact, dim } = tables(seed, 150, 30, seed < 26 ? { dupes: true, nullKeys: true } : { nonNegative: true });
      const other = fromColumns({ grp: [0, 1, 2, 3, 3, null], h: [10, 11, 12, 13, 14, 15] }, { name: 'other', types: { grp: 'int32?', h: 'int32' } });
      const joined = fact.join(dim, 'key', seed % 2 ? 'left' : 'inner');
      await expectSameAsExecutor(joined);
      await expectSameAsExecutor(joined.filter((r) => r.f.gt(0.25)).groupBy('tag').agg((r) => ({ n: count(), s: r.f.sum(), lo: r.x.min(), hi: r.label.max() })));
      await expectSameAsExecutor(joined.join(other, 'grp', 'left').groupBy('h', 'label').agg((r) => ({ n: count(), s: r.x.mul(r.f).sum() })));
      await expectSameAsExecutor(joined.join(other, 'grp').orderBy('h', 'key', 'x', 'f').limit(25));
      await expectSameAsExecutor(joined.select('grp', 'label').distinct());
      await expectSameAsExecutor(joined.groupBy('key').agg((r) => ({ d: r.label.countDistinct(), m: r.x.mean() })));
      await expectSameAsExecutor(joined.unionAll(joined).groupBy('grp').agg(() => ({ n: count() })));
      await expectSameAsExecutor(fact.join(dim, 'key', 'semi').groupBy('tag').agg((r) => ({ n: count(), s: r.x.sum() })));
      await expectSameAsExecutor(fact.join(dim, 'key', 'anti').groupBy('tag').agg((r) => ({ n: count(), s: r.x.sum() })));
    }
  });

  it('empty inputs on either side', async () => {
    const { fact, dim } = tables(7, 0, 10);
    const { fact: fact2, dim: dim2 } = tables(8, 20, 0);
    for (const [l, r] of [
      [fact, dim],
      [fact2, dim2],
    ] as const) {
      for (const how of ['inner', 'left'] as const) {
        const joined = l.join(r, 'key', how);
        expect(totalRows(await runLazily(joined.plan))).toBe(how === 'left' ? l === fact2 ? 20 : 0 : 0);
        await expectSameAsExecutor(joined.groupBy('grp').agg((x) => ({ n: count(), s: x.f.sum() })));
        await expectSameAsExecutor(joined.groupBy().agg((x) => ({ n: count(), s: x.f.sum() })));
      }
    }
  });
});
