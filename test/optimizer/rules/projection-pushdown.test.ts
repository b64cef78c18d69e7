/**
 * projection-pushdown: plan text before/after for scans, projections, joins,
 * aggregates, sorts, filters, unions, distinct, limits and the table/matrix bridges;
 * the plans it must leave alone; idempotence; equivalence on seeded data; and, with
 * the other relational rules, convergence to a fixed point.
 */
import { describe, expect, it } from 'vitest';
import { type Matrix, type Relation, count, fromColumns, logisticRegression, predictProbabilities } from '../../../src/index.js';
import { runRules } from '../../../src/optimizer/driver.js';
import { constantFolding } from '../../../src/optimizer/rules/constant-folding.js';
import { limitPushdown } from '../../../src/optimizer/rules/limit-pushdown.js';
import { predicatePushdown } from '../../../src/optimizer/rules/predicate-pushdown.js';
import { projectionPushdown } from '../../../src/optimizer/rules/projection-pushdown.js';
import { type PlanNode, makeNode, planDigest } from '../../../src/plan/node.js';
import { applyRule, expectSameResult, planText } from '../../support/plans.js';
import { expectRuleKeepsResults, seededColumns, sideRows } from '../../support/tables.js';

/** Small tables with nulls and duplicate keys; `n` = 0 gives empty ones. */
function tables(seed: number, n: number) {
  const col = seededColumns(seed);
  const m = sideRows(n, 2);
  const orders = fromColumns(
    {
      id: Array.from({ length: n }, (_, i) => i),
      k: col(n, [1, 2, 3, 4]),
      x: col(n, [0, 1.5, 2, 3.25, -1]),
      s: col(n, ['a', 'b', 'c']),
      flag: col(n, [true, false]),
    },
    { name: 'orders', types: { id: 'int32', k: 'int32?', x: 'float64?', s: 'string?', flag: 'bool?' } },
  );
  const customers = fromColumns(
    { k: col(m, [1, 2, 3, 5]), tier: col(m, [1, 2, 3]), name: col(m, ['ann', 'bob']), since: col(m, [2001, 2010]) },
    { name: 'customers', types: { k: 'int32?', tier: 'int32?', name: 'string?', since: 'int32?' } },
  );
  const moreOrders = fromColumns(
    { id: col(m, [100, 101], 0), k: col(m, [1, 9]), x: col(m, [2, 5.5]), s: col(m, ['a', 'z']), flag: col(m, [true]) },
    { name: 'more_orders', types: { id: 'int32', k: 'int32?', x: 'float64?', s: 'string?', flag: 'bool?' } },
  );
  /** No nulls: the matrix bridges need values. */
  const points = fromColumns(
    {
      id: Array.from({ length: n }, (_, i) => i),
      a: col(n, [0.5, 1, 2, -1], 0),
      b: col(n, [3, 4, -2], 0),
      c: col(n, [7, 8], 0),
      label: col(n, [0, 1], 0),
      tag: col(n, ['p', 'q'], 0),
    },
    { name: 'points', types: { id: 'int32', a: 'float64', b: 'float64', c: 'float64', label: 'float64', tag: 'string' } },
  );
  return { orders, customers, moreOrders, points };
}
type Tables = ReturnType<typeof tables>;

const T = tables(1, 8);
const SEEDS = [1, 2, 3, 4, 5];
const SIZES = [0, 1, 10, 30];

function pruned(plan: PlanNode): { text: string; fired: boolean; plan: PlanNode } {
  const result = applyRule(plan, projectionPushdown);
  return { text: planText(result.plan), fired: result.fired, plan: result.plan };
}

/** The same plan built from fresh node objects (so nothing is remembered about it). */
function rebuilt(plan: PlanNode, memo = new Map<PlanNode, PlanNode>()): PlanNode {
  let out = memo.get(plan);
  if (!out) {
    out = makeNode(plan.kind, plan.args as never, plan.inputs.map((c) => rebuilt(c, memo))) as PlanNode;
    memo.set(plan, out);
  }
  return out;
}

describe('projection-pushdown: narrowing', () => {
  it('narrows a scan to the selected columns and drops the projection left doing nothing', () => {
    const before = T.orders.select('id', 'x').plan;
    expect(planText(before)).toMatchInlineSnapshot(`
      "Project id, x
      └─ Scan orders"
    `);
    expect(pruned(before).text).toMatchInlineSnapshot(`"Scan orders columns=[id, x]"`);
  });

  it('keeps the projection that computes, and reads only what it reads', () => {
    const before = T.orders.select((r) => ({ y: r.x.mul(2), id: r.id })).plan;
    expect(pruned(before).text).toMatchInlineSnapshot(`
      "Project y := (x * 2), id
      └─ Scan orders columns=[id, x]"
    `);
  });

  it('joins only the needed columns plus the keys', () => {
    const before = T.orders.join(T.customers, 'k').select('id', 'tier').plan;
    expect(planText(before)).toMatchInlineSnapshot(`
      "Project id, tier
      └─ Join inner on k
         ├─ Scan orders
         └─ Scan customers"
    `);
    expect(pruned(before).text).toMatchInlineSnapshot(`
      "Project id, tier
      └─ Join inner on k
         ├─ Scan orders columns=[id, k]
         └─ Scan customers columns=[k, tier]"
    `);
  });

  it('reads only the key from the right side of a semi join', () => {
    const before = T.orders.join(T.customers, 'k', 'semi').select('s').plan;
    expect(pruned(before).text).toMatchInlineSnapshot(`
      "Project s
      └─ Join semi on k
         ├─ Scan orders columns=[k, s]
         └─ Scan customers columns=[k]"
    `);
  });

  it('drops unused aggregates and reads only keys and arguments', () => {
    const before = T.orders
      .groupBy('k')
      .agg((r) => ({ n: count(), total: r.x.sum(), top: r.s.max() }))
      .select('k', 'total')
      .plan;
    expect(planText(before)).toMatchInlineSnapshot(`
      "Project k, total
      └─ Aggregate by [k] n := count(*), total := sum(x), top := max(s)
         └─ Scan orders"
    `);
    expect(pruned(before).text).toMatchInlineSnapshot(`
      "Aggregate by [k] total := sum(x)
      └─ Scan orders columns=[k, x]"
    `);
  });

  it('keeps one column for count(*)', () => {
    const before = T.orders.aggregate(() => ({ n: count() })).plan;
    expect(pruned(before).text).toMatchInlineSnapshot(`
      "Aggregate by [] n := count(*)
      └─ Scan orders columns=[id]"
    `);
  });

  it('puts a narrowing projection under an aggregate and a sort that read a join', () => {
    const joined = T.orders.join(T.customers, 'k');
    const grouped = joined.groupBy('tier').agg((r) => ({ total: r.x.sum() })).plan;
    expect(pruned(grouped).text).toMatchInlineSnapshot(`
      "Aggregate by [tier] total := sum(x)
      └─ Project x, tier
         └─ Join inner on k
            ├─ Scan orders columns=[k, x]
            └─ Scan customers columns=[k, tier]"
    `);
    const sorted = joined.orderBy('name').select('id', 'name').plan;
    expect(pruned(sorted).text).toMatchInlineSnapshot(`
      "Sort name ASC
      └─ Project id, name
         └─ Join inner on k
            ├─ Scan orders columns=[id, k]
            └─ Scan customers columns=[k, name]"
    `);
  });

  it('passes needs through filters and limits, adding what the predicate reads', () => {
    const before = T.orders
      .filter((r) => r.flag.and(r.x.gt(1)))
      .limit(5)
      .select('id')
      .plan;
    expect(pruned(before).text).toMatchInlineSnapshot(`
      "Project id
      └─ Limit 5
         └─ Filter (flag AND (x > 1))
            └─ Scan orders columns=[id, x, flag]"
    `);
  });

  it('narrows both sides of a union the same way', () => {
    const before = T.orders.unionAll(T.moreOrders).select('s', 'id').plan;
    expect(pruned(before).text).toMatchInlineSnapshot(`
      "Project s, id
      └─ UnionAll
         ├─ Scan orders columns=[id, s]
         └─ Scan more_orders columns=[id, s]"
    `);
  });

  it('keeps every column under a distinct', () => {
    const before = T.orders.select('k', 's', 'x').distinct().select('k').plan;
    expect(pruned(before).text).toMatchInlineSnapshot(`
      "Project k
      └─ Distinct
         └─ Project k, s, x
            └─ Scan orders columns=[k, x, s]"
    `);
  });

  it('reads only the feature columns under toMatrix', () => {
    const before = T.points.filter((r) => r.tag.eq('p')).toMatrix(['b', 'a']).crossprod().plan;
    expect(planText(before)).toMatchInlineSnapshot(`
      "CrossProd
      └─ ToMatrix b, a
         └─ Filter (tag = 'p')
            └─ Scan points"
    `);
    expect(pruned(before).text).toMatchInlineSnapshot(`
      "CrossProd
      └─ ToMatrix b, a
         └─ Filter (tag = 'p')
            └─ Scan points columns=[a, b, tag]"
    `);
  });

  it('narrows the relation under appendColumns and the same relation under its matrix alike', () => {
    const rel = T.points.filter((r) => r.c.gt(7));
    const before = rel.withMatrixColumns(rel.toMatrix(['a', 'b']).scale(2), ['a2', 'b2']).select('id', 'b2').plan;
    expect(planText(before)).toMatchInlineSnapshot(`
      "Project id, b2
      └─ AppendColumns a2, b2
         ├─ Filter (c > 7)
         │  └─ Scan points
         └─ Map scale(2)
            └─ ToMatrix a, b
               └─ Filter (c > 7)
                  └─ Scan points"
    `);
    const after = pruned(before);
    expect(after.text).toMatchInlineSnapshot(`
      "Project id, b2
      └─ AppendColumns a2, b2
         ├─ Filter (c > 7)
         │  └─ Scan points columns=[id, a, b, c]
         └─ Map scale(2)
            └─ ToMatrix a, b
               └─ Filter (c > 7)
                  └─ Scan points columns=[id, a, b, c]"
    `);
    const append = after.plan.inputs[0];
    expect(append.inputs[0]).toBe(append.inputs[1].inputs[0].inputs[0]);
  });

  it('rewrites a subplan read twice once, with the union of what its readers need', () => {
    const base = T.orders.filter((r) => r.k.isNotNull());
    const counts = base.groupBy('k').agg(() => ({ n: count() }));
    const sums = base.groupBy('k').agg((r) => ({ total: r.x.sum() }));
    const after = pruned(counts.join(sums, 'k').plan);
    expect(after.text).toMatchInlineSnapshot(`
      "Join inner on k
      ├─ Aggregate by [k] n := count(*)
      │  └─ Project k
      │     └─ Filter k IS NOT NULL
      │        └─ Scan orders columns=[k, x]
      └─ Aggregate by [k] total := sum(x)
         └─ Filter k IS NOT NULL
            └─ Scan orders columns=[k, x]"
    `);
    expect(after.plan.inputs[0].inputs[0].inputs[0]).toBe(after.plan.inputs[1].inputs[0]);
  });
});

describe('projection-pushdown: where it must not fire', () => {
  it('leaves a plan whose root reads every column, and a plan it has already narrowed', () => {
    const plans = [
      T.orders.plan,
      T.orders.join(T.customers, 'k', 'left').plan,
      T.orders.filter((r) => r.x.gt(0)).orderBy('id').plan,
      T.orders.distinct().plan,
    ];
    for (const p of plans) expect(pruned(p)).toMatchObject({ fired: false, text: planText(p) });
    for (const [, build] of CASES) {
      const once = pruned(build(T).plan).plan;
      expect(applyRule(once, projectionPushdown).fired).toBe(false);
      const second = applyRule(rebuilt(once), projectionPushdown);
      expect(second.fired, planText(once)).toBe(false);
      expect(planDigest(second.plan)).toBe(planDigest(once));
    }
  });

  it('leaves nodes inside a loop body alone and keeps the plan runnable', async () => {
    for (const seed of [1, 2]) {
      const t = tables(seed, 24);
      const X = t.points.toMatrix(['a', 'b'], { intercept: true });
      const w = logisticRegression(X, t.points.toMatrix(['label']) as Matrix<number, 1>, { steps: 3 });
      const before = predictProbabilities(X, w).plan;
      const after = pruned(before);
      expect(after.fired).toBe(true);
      await expectSameResult(before, after.plan, { tolerance: 1e-12 });
    }
  });
});

/** The cases above, as builders, for the equivalence runs. */
const CASES: [string, (t: Tables) => Relation<any> | Matrix<number, number>][] = [
  ['select', (t) => t.orders.select('id', 'x')],
  ['computed select', (t) => t.orders.select((r) => ({ y: r.x.mul(2), id: r.id }))],
  ['join', (t) => t.orders.join(t.customers, 'k').select('id', 'tier')],
  ['left join', (t) => t.orders.join(t.customers, 'k', 'left').select('s', 'name')],
  ['semi join', (t) => t.orders.join(t.customers, 'k', 'semi').select('s')],
  ['anti join', (t) => t.orders.join(t.customers, 'k', 'anti').select('x')],
  ['aggregate', (t) => t.orders.groupBy('k').agg((r) => ({ n: count(), total: r.x.sum(), top: r.s.max() })).select('k', 'total')],
  ['count', (t) => t.orders.aggregate(() => ({ n: count() }))],
  ['keys only', (t) => t.orders.groupBy('k', 's').agg(() => ({ n: count() })).select('s')],
  ['aggregate over join', (t) => t.orders.join(t.customers, 'k').groupBy('tier').agg((r) => ({ total: r.x.sum() }))],
  ['sort over join', (t) => t.orders.join(t.customers, 'k').orderBy('name', 'id').select('id', 'name')],
  ['filter limit', (t) => t.orders.filter((r) => r.flag.and(r.x.gt(1))).limit(5).select('id')],
  ['union', (t) => t.orders.unionAll(t.moreOrders).select('s', 'id')],
  ['distinct', (t) => t.orders.select('k', 's', 'x').distinct().select('k')],
  ['toMatrix', (t) => t.points.filter((r) => r.tag.eq('p')).toMatrix(['b', 'a']).crossprod()],
  [
    'appendColumns',
    (t) => {
      const rel = t.points.filter((r) => r.c.gt(7));
      return rel.withMatrixColumns(rel.toMatrix(['a', 'b']).scale(2), ['a2', 'b2']).select('id', 'b2');
    },
  ],
  [
    'shared subplan',
    (t) => {
      const base = t.orders.filter((r) => r.k.isNotNull());
      return base.groupBy('k').agg(() => ({ n: count() })).join(base.groupBy('k').agg((r) => ({ total: r.x.sum() })), 'k');
    },
  ],
];

const ORDERED = new Set(['sort over join']);

describe('projection-pushdown: same results', () => {
  for (const [name, build] of CASES) {
    it(name, () => expectRuleKeepsResults(projectionPushdown, build, { tables, seeds: SEEDS, sizes: SIZES }, { ordered: ORDERED.has(name) }));
  }
});

describe('projection-pushdown: driver', () => {
  it('keeps every root output unchanged (names, order, types)', () => {
    for (const [, build] of CASES) {
      const plan = build(T).plan;
      const result = runRules(plan, [projectionPushdown]);
      const out = (p: PlanNode) => (p.output.kind === 'relation' ? p.output.schema.fields.map((f) => `${f.name}: ${f.dtype}`) : [p.output.rows, p.output.cols, ...p.output.columnNames]);
      expect(out(result.plan)).toEqual(out(plan));
    }
  });

  it('reaches a fixed point together with the other relational rules, with the same results', async () => {
    const rules = [constantFolding, predicatePushdown, projectionPushdown, limitPushdown];
    const extra: [string, (t: Tables) => Relation<any>][] = [
      ['all together', (t) => t.orders.join(t.customers, 'k').filter((r) => r.tier.gt(1).and(r.x.gt(0))).select((r) => ({ id: r.id, name: r.name, y: r.x.add(1) })).limit(4)],
      ['union limit', (t) => t.orders.unionAll(t.moreOrders).select('id', 's').filter((r) => r.s.ne('b')).limit(3, 1)],
    ];
    for (const [name, build] of [...CASES, ...extra]) {
      for (const seed of [1, 2]) {
        const before = build(tables(seed, 20)).plan;
        const result = runRules(before, rules);
        expect(result.passes, name).toBeLessThan(8);
        expect(runRules(rebuilt(result.plan), rules).trace, name).toHaveLength(0);
        await expectSameResult(before, result.plan, { ordered: ORDERED.has(name) });
      }
    }
  });
});
