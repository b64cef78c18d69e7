/**
 * limit-pushdown: plan text before/after for limits over projections, stacked limits
 * and UNION ALL; the operators a limit must never cross; equivalence on seeded data,
 * compared in order (a limit keeps a prefix, so the order is part of the result).
 */
import { describe, expect, it } from 'vitest';
import { type Relation, count, fromColumns, linearRegression, matrix } from '../../../src/index.js';
import { limitPushdown } from '../../../src/optimizer/rules/limit-pushdown.js';
import type { PlanNode } from '../../../src/plan/node.js';
import { applyRule, expectFixedPointKeepingOutput, planText } from '../../support/plans.js';
import { expectRuleKeepsResults, seededColumns, sideRows } from '../../support/tables.js';

/** Two union-compatible tables with nulls and duplicates, and a third to join; `n` = 0 gives empty ones. */
function tables(seed: number, n: number) {
  const col = seededColumns(seed);
  const m = sideRows(n, 3);
  const make = (name: string, len: number, base: number) =>
    fromColumns(
      { id: Array.from({ length: len }, (_, i) => base + i), k: col(len, [1, 2, 3]), x: col(len, [0.5, 1, 2, 2]) },
      { name, types: { id: 'int32', k: 'int32?', x: 'float64?' } },
    );
  const a = make('a', n, 0);
  const b = make('b', m, 1000);
  const c = fromColumns({ k: col(m, [1, 2, 3]), w: col(m, [10, 20]) }, { name: 'c', types: { k: 'int32?', w: 'int32?' } });
  return { a, b, c };
}
type Tables = ReturnType<typeof tables>;

const T = tables(1, 10);
const SEEDS = [1, 2, 3, 4, 5];
const SIZES = [0, 1, 4, 13, 40];

function pushed(plan: PlanNode): { text: string; fired: boolean } {
  const result = applyRule(plan, limitPushdown);
  return { text: planText(result.plan), fired: result.fired };
}

describe('limit-pushdown: moves', () => {
  it('moves a limit below a projection', () => {
    const before = T.a.select((r) => ({ id: r.id, y: r.x.mul(2) })).limit(3, 2).plan;
    expect(planText(before)).toMatchInlineSnapshot(`
      "Limit 3 offset 2
      └─ Project id, y := (x * 2)
         └─ Scan a"
    `);
    expect(pushed(before).text).toMatchInlineSnapshot(`
      "Project id, y := (x * 2)
      └─ Limit 3 offset 2
         └─ Scan a"
    `);
  });

  it('merges stacked limits, composing offsets and limits', () => {
    const cases = {
      inside: T.a.limit(5, 2).limit(2, 1).plan, // rows 3..4
      pastTheEnd: T.a.limit(3, 1).limit(10, 2).plan, // row 3 only
      skipsAll: T.a.limit(2).limit(5, 4).plan, // nothing
      offsets: T.a.offset(2).offset(3).plan,
      outerOffset: T.a.limit(4).offset(1).plan,
      innerOffset: T.a.offset(4).limit(2).plan,
    };
    expect(Object.fromEntries(Object.entries(cases).map(([k, p]) => [k, pushed(p).text]))).toMatchInlineSnapshot(`
      {
        "innerOffset": "Limit 2 offset 4
      └─ Scan a",
        "inside": "Limit 2 offset 3
      └─ Scan a",
        "offsets": "Limit all offset 5
      └─ Scan a",
        "outerOffset": "Limit 3 offset 1
      └─ Scan a",
        "pastTheEnd": "Limit 1 offset 3
      └─ Scan a",
        "skipsAll": "Limit 0 offset 4
      └─ Scan a",
      }
    `);
  });

  it('limits each side of UNION ALL to offset + limit rows, keeping the limit on top', () => {
    const before = T.a.unionAll(T.b).limit(3, 2).plan;
    expect(planText(before)).toMatchInlineSnapshot(`
      "Limit 3 offset 2
      └─ UnionAll
         ├─ Scan a
         └─ Scan b"
    `);
    expect(pushed(before).text).toMatchInlineSnapshot(`
      "Limit 3 offset 2
      └─ UnionAll
         ├─ Limit 5
         │  └─ Scan a
         └─ Limit 5
            └─ Scan b"
    `);
  });

  it('goes through projections into unions and merges with the limits it meets', () => {
    const before = T.a.unionAll(T.b.limit(2)).select('id', 'x').limit(4).plan;
    expect(planText(before)).toMatchInlineSnapshot(`
      "Limit 4
      └─ Project id, x
         └─ UnionAll
            ├─ Scan a
            └─ Limit 2
               └─ Scan b"
    `);
    expect(pushed(before).text).toMatchInlineSnapshot(`
      "Project id, x
      └─ Limit 4
         └─ UnionAll
            ├─ Limit 4
            │  └─ Scan a
            └─ Limit 2
               └─ Scan b"
    `);
  });

  it('drops a limit that keeps everything', () => {
    expect(pushed(T.a.offset(0).plan).text).toMatchInlineSnapshot(`"Scan a"`);
  });
});

describe('limit-pushdown: through appended matrix columns', () => {
  it('scores only the kept rows, and keeps the model fitted on all rows', () => {
    const before = scored(T).limit(2).plan;
    expect(planText(before)).toMatchInlineSnapshot(`
      "Limit 2
      └─ AppendColumns score
         ├─ Scan a
         └─ MatMul
            ├─ ToMatrix id, intercept
            │  └─ Scan a
            └─ Solve auto
               ├─ Elementwise add
               │  ├─ CrossProd
               │  │  └─ ToMatrix id, intercept
               │  │     └─ Scan a
               │  └─ Map scale(1)
               │     └─ Identity 2
               └─ Guard linearRegression: ≥ 1 row, finite
                  ├─ CrossProd
                  │  ├─ ToMatrix id, intercept
                  │  │  └─ Scan a
                  │  └─ Map scale(3)
                  │     └─ ToMatrix id
                  │        └─ Scan a
                  └─ Reduce count
                     └─ Map scale(3)
                        └─ ToMatrix id
                           └─ Scan a"
    `);
    const { text, fired } = pushed(before);
    expect(fired).toBe(true);
    expect(text).toMatchInlineSnapshot(`
      "AppendColumns score
      ├─ Limit 2
      │  └─ Scan a
      └─ MatMul
         ├─ ToMatrix id, intercept
         │  └─ Limit 2
         │     └─ Scan a
         └─ Solve auto
            ├─ Elementwise add
            │  ├─ CrossProd
            │  │  └─ ToMatrix id, intercept
            │  │     └─ Scan a
            │  └─ Map scale(1)
            │     └─ Identity 2
            └─ Guard linearRegression: ≥ 1 row, finite
               ├─ CrossProd
               │  ├─ ToMatrix id, intercept
               │  │  └─ Scan a
               │  └─ Map scale(3)
               │     └─ ToMatrix id
               │        └─ Scan a
               └─ Reduce count
                  └─ Map scale(3)
                     └─ ToMatrix id
                        └─ Scan a"
    `);
  });
});

describe('limit-pushdown: where it must not fire', () => {
  it('never crosses a filter, join, aggregate, sort or distinct', () => {
    const plans = [
      T.a.filter((r) => r.k.gt(1)).limit(2).plan,
      T.a.join(T.c, 'k').limit(2).plan,
      T.a.groupBy('k').agg(() => ({ n: count() })).limit(2).plan,
      T.a.orderBy('x').limit(2).plan,
      T.a.select('k').distinct().limit(2).plan,
      T.a.limit(2).plan,
    ];
    for (const p of plans) expect(pushed(p)).toEqual({ text: planText(p), fired: false });
  });

  it('does not push an offset alone into a union, nor a limit into sides already that short', () => {
    const offsetOnly = T.a.unionAll(T.b).offset(3).plan;
    expect(pushed(offsetOnly).fired).toBe(false);
    const short = T.a.limit(2).unionAll(T.b.limit(1).select('id', 'k', 'x')).limit(5).plan;
    expect(pushed(short)).toMatchInlineSnapshot(`
      {
        "fired": false,
        "text": "Limit 5
      └─ UnionAll
         ├─ Limit 2
         │  └─ Scan a
         └─ Project id, k, x
            └─ Limit 1
               └─ Scan b",
      }
    `);
  });
});

/** Predictions of a ridge model trained on all of `a`, appended to `a`'s rows. */
function scored(t: Tables) {
  const X = t.a.toMatrix(['id'], { intercept: true });
  const beta = linearRegression(X, t.a.toMatrix(['id']).scale(3), { ridge: 1 });
  return t.a.withMatrixColumns(X.matmul(beta), ['score']);
}

const CASES: [string, (t: Tables) => Relation<any>][] = [
  ['appended product', (t) => t.a.withMatrixColumns(t.a.toMatrix(['id']).matmul(matrix([[2, -1]])), ['s1', 's2']).limit(3, 1)],
  ['appended predictions', (t) => scored(t).limit(2, 3)],
  ['project', (t) => t.a.select((r) => ({ id: r.id, y: r.x.mul(2) })).limit(3, 2)],
  ['inside', (t) => t.a.limit(5, 2).limit(2, 1)],
  ['past the end', (t) => t.a.limit(3, 1).limit(10, 2)],
  ['skips all', (t) => t.a.limit(2).limit(5, 4)],
  ['offsets', (t) => t.a.offset(2).offset(3)],
  ['outer offset', (t) => t.a.limit(4).offset(1)],
  ['inner offset', (t) => t.a.offset(4).limit(2)],
  ['union', (t) => t.a.unionAll(t.b).limit(3, 2)],
  ['union past a', (t) => t.a.unionAll(t.b).limit(6, 11)],
  ['project union limit', (t) => t.a.unionAll(t.b.limit(2)).select('id', 'x').limit(4)],
  ['nested unions', (t) => t.a.unionAll(t.b.unionAll(t.a.filter((r) => r.k.eq(2)))).select('id').limit(7, 3)],
  ['limit 0', (t) => t.a.unionAll(t.b).limit(0)],
  ['filter', (t) => t.a.filter((r) => r.k.gt(1)).limit(2)],
  ['sort', (t) => t.a.orderBy('x', 'id').limit(3, 1)],
];

describe('limit-pushdown: same results (in order)', () => {
  for (const [name, build] of CASES) {
    // A model trained on zero rows is a PlanError (src/dsl/learners.ts), not zero weights.
    const sizes = name === 'appended predictions' ? SIZES.filter((n) => n > 0) : SIZES;
    it(name, () => expectRuleKeepsResults(limitPushdown, build, { tables, seeds: SEEDS, sizes }, { ordered: true }));
  }
  it('appended predictions over zero rows: the training refuses them', () => {
    expect(() => scored(tables(SEEDS[0], 0))).toThrow(/^linearRegression: expected X with at least one row/);
  });
});

describe('limit-pushdown: driver', () => {
  it('keeps every root output unchanged and reaches a fixed point', () => {
    expectFixedPointKeepingOutput(CASES.map(([, build]) => build(T).plan), limitPushdown);
  });
});
