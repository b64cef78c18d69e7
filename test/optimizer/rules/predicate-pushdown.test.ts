/**
 * predicate-pushdown: plan text before/after for each move and each place a conjunct
 * must stay, then equivalence on seeded data (nulls, duplicates, empty inputs).
 */
import { describe, expect, it } from 'vitest';
import { type Relation, count, fromColumns } from '../../../src/index.js';
import { predicatePushdown } from '../../../src/optimizer/rules/predicate-pushdown.js';
import type { PlanNode } from '../../../src/plan/node.js';
import { applyRule, expectFixedPointKeepingOutput, planText } from '../../support/plans.js';
import { expectRuleKeepsResults, seededColumns, sideRows } from '../../support/tables.js';

/** Small tables with nulls and duplicate keys; `n` = 0 gives empty ones. */
function tables(seed: number, n: number) {
  const col = seededColumns(seed);
  const m = sideRows(n, 2);
  const orders = fromColumns(
    {
      id: Array.from({ length: n }, (_, i) => i),
      k: col(n, [1, 2, 3, 4, 5]),
      x: col(n, [0, -0, 1.5, 2, 3.25, -1, 7]),
      s: col(n, ['a', 'b', 'c', 'ab']),
      flag: col(n, [true, false]),
    },
    { name: 'orders', types: { id: 'int32', k: 'int32?', x: 'float64?', s: 'string?', flag: 'bool?' } },
  );
  const customers = fromColumns(
    { k: col(m, [1, 2, 3, 6]), tier: col(m, [1, 2, 3]), name: col(m, ['ann', 'bob', 'cy']) },
    { name: 'customers', types: { k: 'int32?', tier: 'int32?', name: 'string?' } },
  );
  const moreOrders = fromColumns(
    { id: col(m, [100, 101, 102], 0), k: col(m, [1, 2, 9]), x: col(m, [2, 5.5]), s: col(m, ['a', 'z']), flag: col(m, [true]) },
    { name: 'more_orders', types: { id: 'int32', k: 'int32?', x: 'float64?', s: 'string?', flag: 'bool?' } },
  );
  const rates = fromColumns({ x: col(m, [0, -0, 1.5, 2]), rate: col(m, [10, 20, 30]) }, { name: 'rates', types: { x: 'float64?', rate: 'int32?' } });
  return { orders, customers, moreOrders, rates };
}
type Tables = ReturnType<typeof tables>;

const T = tables(1, 8);
const SEEDS = [1, 2, 3, 4, 5, 6];
const SIZES = [0, 1, 9, 40];

/** The plan of `build` over fresh seeded tables of each size, before and after the rule. */
function expectEquivalent(build: (t: Tables) => Relation<any>, ordered = false): Promise<void> {
  return expectRuleKeepsResults(predicatePushdown, build, { tables, seeds: SEEDS, sizes: SIZES }, { ordered });
}

function pushed(plan: PlanNode): { text: string; fired: boolean } {
  const result = applyRule(plan, predicatePushdown);
  return { text: planText(result.plan), fired: result.fired };
}

describe('predicate-pushdown: moves', () => {
  it('merges stacked filters into one AND', () => {
    const before = T.orders.filter((r) => r.k.gt(1)).filter((r) => r.x.lt(3)).plan;
    expect(planText(before)).toMatchInlineSnapshot(`
      "Filter (x < 3)
      └─ Filter (k > 1)
         └─ Scan orders"
    `);
    expect(pushed(before).text).toMatchInlineSnapshot(`
      "Filter ((k > 1) AND (x < 3))
      └─ Scan orders"
    `);
  });

  it('moves below a projection, substituting the projected expressions', () => {
    const before = T.orders
      .select((r) => ({ id: r.id, y: r.x.mul(2), s: r.s }))
      .filter((r) => r.y.gt(3).and(r.s.eq('a')))
      .plan;
    expect(planText(before)).toMatchInlineSnapshot(`
      "Filter ((y > 3) AND (s = 'a'))
      └─ Project id, y := (x * 2), s
         └─ Scan orders"
    `);
    expect(pushed(before).text).toMatchInlineSnapshot(`
      "Project id, y := (x * 2), s
      └─ Filter (((x * 2) > 3) AND (s = 'a'))
         └─ Scan orders"
    `);
  });

  it('moves below a sort and a distinct', () => {
    const before = T.orders
      .select('k', 's')
      .distinct()
      .orderBy('k')
      .filter((r) => r.s.ne('b'))
      .plan;
    expect(planText(before)).toMatchInlineSnapshot(`
      "Filter (s <> 'b')
      └─ Sort k ASC
         └─ Distinct
            └─ Project k, s
               └─ Scan orders"
    `);
    expect(pushed(before).text).toMatchInlineSnapshot(`
      "Sort k ASC
      └─ Distinct
         └─ Project k, s
            └─ Filter (s <> 'b')
               └─ Scan orders"
    `);
  });

  it('goes into both sides of UNION ALL', () => {
    const before = T.orders
      .unionAll(T.moreOrders)
      .filter((r) => r.x.ge(2))
      .plan;
    expect(planText(before)).toMatchInlineSnapshot(`
      "Filter (x >= 2)
      └─ UnionAll
         ├─ Scan orders
         └─ Scan more_orders"
    `);
    expect(pushed(before).text).toMatchInlineSnapshot(`
      "UnionAll
      ├─ Filter (x >= 2)
      │  └─ Scan orders
      └─ Filter (x >= 2)
         └─ Scan more_orders"
    `);
  });

  it('moves a conjunct on group keys below an aggregate; one on an aggregate stays', () => {
    const before = T.orders
      .groupBy('k', 's')
      .agg((r) => ({ n: count(), total: r.x.sum() }))
      .filter((r) => r.k.gt(1).and(r.n.gt(1)).and(r.s.isNotNull()))
      .plan;
    expect(planText(before)).toMatchInlineSnapshot(`
      "Filter (((k > 1) AND (n > 1)) AND s IS NOT NULL)
      └─ Aggregate by [k, s] n := count(*), total := sum(x)
         └─ Scan orders"
    `);
    expect(pushed(before).text).toMatchInlineSnapshot(`
      "Filter (n > 1)
      └─ Aggregate by [k, s] n := count(*), total := sum(x)
         └─ Filter ((k > 1) AND s IS NOT NULL)
            └─ Scan orders"
    `);
  });

  it('inner join: left conjuncts go left, right conjuncts go right, mixed ones stay', () => {
    const before = T.orders
      .join(T.customers, 'k')
      .filter((r) => r.x.gt(0).and(r.tier.eq(2)).and(r.x.gt(r.tier)))
      .plan;
    expect(planText(before)).toMatchInlineSnapshot(`
      "Filter (((x > 0) AND (tier = 2)) AND (x > tier))
      └─ Join inner on k
         ├─ Scan orders
         └─ Scan customers"
    `);
    expect(pushed(before).text).toMatchInlineSnapshot(`
      "Filter (x > tier)
      └─ Join inner on k
         ├─ Filter (x > 0)
         │  └─ Scan orders
         └─ Filter (tier = 2)
            └─ Scan customers"
    `);
  });

  it('inner join: a conjunct on the USING key goes to both sides', () => {
    const before = T.orders
      .join(T.customers, 'k')
      .filter((r) => r.k.ge(2).and(r.k.add(r.tier).lt(6)))
      .plan;
    expect(pushed(before).text).toMatchInlineSnapshot(`
      "Join inner on k
      ├─ Filter (k >= 2)
      │  └─ Scan orders
      └─ Filter ((k >= 2) AND ((k + tier) < 6))
         └─ Scan customers"
    `);
  });

  it('goes through a projection and then into a join, one level per step', () => {
    const before = T.orders
      .join(T.customers, 'k')
      .select((r) => ({ id: r.id, tier: r.tier, big: r.x.gt(2) }))
      .filter((r) => r.big.and(r.tier.ne(1)))
      .plan;
    expect(planText(before)).toMatchInlineSnapshot(`
      "Filter (big AND (tier <> 1))
      └─ Project id, tier, big := (x > 2)
         └─ Join inner on k
            ├─ Scan orders
            └─ Scan customers"
    `);
    expect(pushed(before).text).toMatchInlineSnapshot(`
      "Project id, tier, big := (x > 2)
      └─ Join inner on k
         ├─ Filter (x > 2)
         │  └─ Scan orders
         └─ Filter (tier <> 1)
            └─ Scan customers"
    `);
  });

  it('left join: left conjuncts (and the merged key) go left', () => {
    const before = T.orders
      .join(T.customers, 'k', 'left')
      .filter((r) => r.k.lt(4).and(r.flag))
      .plan;
    expect(pushed(before).text).toMatchInlineSnapshot(`
      "Join left on k
      ├─ Filter ((k < 4) AND flag)
      │  └─ Scan orders
      └─ Scan customers"
    `);
  });

  it('right join: right conjuncts and the merged key go right; left conjuncts stay above', () => {
    const before = T.orders
      .join(T.customers, 'k', 'right')
      .filter((r) => r.k.lt(4).and(r.tier.ne(2)).and(r.flag))
      .plan;
    expect(pushed(before).text).toMatchInlineSnapshot(`
      "Filter flag
      └─ Join right on k
         ├─ Scan orders
         └─ Filter ((k < 4) AND (tier <> 2))
            └─ Scan customers"
    `);
  });

  it('semi and anti joins: every conjunct goes left', () => {
    for (const how of ['semi', 'anti'] as const) {
      const before = T.orders
        .join(T.customers, 'k', how)
        .filter((r) => r.k.ne(3).and(r.x.isNull().not()))
        .plan;
      expect(pushed(before).text).toBe(
        [`Join ${how} on k`, '├─ Filter ((k <> 3) AND NOT x IS NULL)', '│  └─ Scan orders', '└─ Scan customers'].join('\n'),
      );
    }
  });
});

describe('predicate-pushdown: where it must not fire', () => {
  it('leaves a right-side conjunct above a left join', () => {
    const before = T.orders
      .join(T.customers, 'k', 'left')
      .filter((r) => r.tier.isNull())
      .plan;
    expect(pushed(before)).toMatchInlineSnapshot(`
      {
        "fired": false,
        "text": "Filter tier IS NULL
      └─ Join left on k
         ├─ Scan orders
         └─ Scan customers",
      }
    `);
  });

  it('leaves every conjunct above a full join', () => {
    const before = T.orders
      .join(T.customers, 'k', 'full')
      .filter((r) => r.k.lt(4).and(r.tier.ne(2)).and(r.flag))
      .plan;
    expect(pushed(before).fired).toBe(false);
  });

  it('never moves below a limit', () => {
    const before = T.orders
      .limit(3)
      .filter((r) => r.k.gt(1))
      .plan;
    expect(pushed(before)).toMatchInlineSnapshot(`
      {
        "fired": false,
        "text": "Filter (k > 1)
      └─ Limit 3
         └─ Scan orders",
      }
    `);
  });

  it('keeps a filter above a global aggregate (it yields a row even for no input)', () => {
    const before = T.orders
      .aggregate((r) => ({ n: count(), total: r.x.sum() }))
      .filter((r) => r.n.gt(0))
      .plan;
    expect(pushed(before).fired).toBe(false);
  });

  it('does not copy a USING-key conjunct to the right side when the key is floating point', () => {
    const before = T.orders
      .join(T.rates, 'x')
      .filter((r) => r.x.ge(0))
      .plan;
    expect(pushed(before).text).toMatchInlineSnapshot(`
      "Join inner on x
      ├─ Filter (x >= 0)
      │  └─ Scan orders
      └─ Scan rates"
    `);
  });

  it('leaves a filter over appendColumns to R5, and a filter over a scan alone', () => {
    const withPrediction = T.orders.dropNulls('x');
    const predicted = withPrediction.withMatrixColumns(withPrediction.toMatrix(['x']).scale(2), ['x2']).filter((r) => r.k.gt(2));
    expect(pushed(predicted.plan)).toMatchInlineSnapshot(`
      {
        "fired": false,
        "text": "Filter (k > 2)
      └─ AppendColumns x2
         ├─ Filter x IS NOT NULL
         │  └─ Scan orders
         └─ Map scale(2)
            └─ ToMatrix x
               └─ Filter x IS NOT NULL
                  └─ Scan orders",
      }
    `);
  });
});

/** Every case above, as builders, for the equivalence runs. */
const CASES: [string, (t: Tables) => Relation<any>, boolean?][] = [
  ['merge', (t) => t.orders.filter((r) => r.k.gt(1)).filter((r) => r.x.lt(3))],
  ['project', (t) => t.orders.select((r) => ({ id: r.id, y: r.x.mul(2), s: r.s })).filter((r) => r.y.gt(3).and(r.s.eq('a')))],
  ['sort+distinct', (t) => t.orders.select('k', 's').distinct().orderBy('k', 's').filter((r) => r.s.ne('b')), true],
  ['union', (t) => t.orders.unionAll(t.moreOrders).filter((r) => r.x.ge(2))],
  ['aggregate', (t) => t.orders.groupBy('k', 's').agg((r) => ({ n: count(), total: r.x.sum() })).filter((r) => r.k.gt(1).and(r.n.gt(1)).and(r.s.isNotNull()))],
  ['global aggregate', (t) => t.orders.aggregate((r) => ({ n: count(), total: r.x.sum() })).filter((r) => r.n.gt(0))],
  ['inner join', (t) => t.orders.join(t.customers, 'k').filter((r) => r.x.gt(0).and(r.tier.eq(2)).and(r.x.gt(r.tier)))],
  ['inner join key', (t) => t.orders.join(t.customers, 'k').filter((r) => r.k.ge(2).and(r.k.add(r.tier).lt(6)))],
  ['key is null', (t) => t.orders.join(t.customers, 'k').filter((r) => r.k.isNull().or(r.k.eq(1)))],
  ['project over join', (t) => t.orders.join(t.customers, 'k').select((r) => ({ id: r.id, tier: r.tier, big: r.x.gt(2) })).filter((r) => r.big.and(r.tier.ne(1)))],
  ['left join', (t) => t.orders.join(t.customers, 'k', 'left').filter((r) => r.k.lt(4).and(r.flag))],
  ['left join right side', (t) => t.orders.join(t.customers, 'k', 'left').filter((r) => r.tier.isNull().and(r.x.gt(0)))],
  ['right join', (t) => t.orders.join(t.customers, 'k', 'right').filter((r) => r.k.lt(4).and(r.tier.ne(2)).and(r.flag))],
  ['right join left side', (t) => t.orders.join(t.customers, 'k', 'right').filter((r) => r.x.isNull().or(r.k.isNull()))],
  ['full join', (t) => t.orders.join(t.customers, 'k', 'full').filter((r) => r.k.lt(4).and(r.tier.ne(2)).and(r.x.isNull().not()))],
  ['semi', (t) => t.orders.join(t.customers, 'k', 'semi').filter((r) => r.k.ne(3).and(r.x.isNull().not()))],
  ['anti', (t) => t.orders.join(t.customers, 'k', 'anti').filter((r) => r.k.ne(3).or(r.k.isNull()))],
  ['limit', (t) => t.orders.limit(3).filter((r) => r.k.gt(1))],
  ['float key', (t) => t.orders.join(t.rates, 'x').filter((r) => r.x.ge(0).and(r.rate.gt(10)))],
  ['constant conjunct', (t) => t.orders.join(t.customers, 'k').filter((r) => r.k.gt(0).and(false))],
];

describe('predicate-pushdown: same results', () => {
  for (const [name, build, ordered] of CASES) {
    it(name, async () => {
      await expectEquivalent(build, ordered ?? false);
    });
  }
});

describe('predicate-pushdown: driver', () => {
  it('keeps every root output unchanged and reaches a fixed point', () => {
    expectFixedPointKeepingOutput(CASES.map(([, build]) => build(T).plan), predicatePushdown);
  });
});
