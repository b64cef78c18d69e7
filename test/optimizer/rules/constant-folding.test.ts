/**
 * constant-folding: plan text before/after for literal evaluation (with SQL null
 * semantics), boolean simplifications, always-true/false filters and renaming
 * projections; the cases where it must not fire; equivalence on seeded data.
 */
import { describe, expect, it } from 'vitest';
import { Expr, type Relation, count, fromColumns, lit, when } from '../../../src/index.js';
import { runRules } from '../../../src/optimizer/driver.js';
import { constantFolding, fold } from '../../../src/optimizer/rules/constant-folding.js';
import { type ExprNode, coalesce, exprToString, literal } from '../../../src/plan/expr.js';
import type { PlanNode } from '../../../src/plan/node.js';
import { applyRule, planText } from '../../support/plans.js';
import { expectRuleKeepsResults, seededColumns } from '../../support/tables.js';

/** A table with nulls and duplicates; `n` = 0 gives an empty one. */
function table(seed: number, n: number) {
  const col = seededColumns(seed, 0.2);
  return fromColumns(
    { k: col(n, [1, 2, 3]), x: col(n, [0, -0, 1.5, 2, -3]), s: col(n, ['a', 'b', '12']), flag: col(n, [true, false]) },
    { name: 't', types: { k: 'int32?', x: 'float64?', s: 'string?', flag: 'bool?' } },
  );
}
type Table = ReturnType<typeof table>;

const t = table(1, 8);
const SEEDS = [1, 2, 3, 4, 5];
const SIZES = [0, 1, 12, 40];

function folded(plan: PlanNode): { text: string; fired: boolean } {
  const result = applyRule(plan, constantFolding);
  return { text: planText(result.plan), fired: result.fired };
}

/** The text of a folded expression built with the DSL. */
const show = (e: { node: ExprNode }) => exprToString(fold(e.node));

describe('constant-folding: literal evaluation with SQL null semantics', () => {
  it('evaluates arithmetic, comparisons, logic, casts, coalesce and case over literals', () => {
    const i = (v: number | null) => lit(v, 'int32');
    const b = (v: boolean | null) => lit(v, 'bool');
    expect({
      arithmetic: show(i(2).add(i(3).mul(4))),
      nullPlus: show(i(null).add(1)),
      modZero: show(i(7).mod(0)),
      divZero: show(lit(1, 'float64').div(0)),
      neg: show(i(5).neg()),
      compare: show(i(1).lt(2)),
      compareNull: show(i(null).eq(1)),
      nullAndFalse: show(b(null).and(false)),
      nullAndTrue: show(b(null).and(true)),
      nullOrTrue: show(b(null).or(true)),
      nullOrFalse: show(b(null).or(false)),
      notNull: show(b(null).not()),
      isNull: show(i(null).isNull()),
      isNotNull: show(i(3).isNotNull()),
      coalesce: show({ node: coalesce([literal(null, 'int32'), literal(null, 'int32'), literal(4, 'int32')]) }),
      castOk: show(lit('12', 'string').cast('int32')),
      castBad: show(lit('x', 'string').cast('int32')),
      castFloat: show(lit(2.5, 'float64').cast('int32')),
      caseWhen: show(when(i(1).gt(2), 10).when(b(null), 20).otherwise(30)),
      strings: show(lit('b', 'string').gt('a')),
    }).toMatchInlineSnapshot(`
      {
        "arithmetic": "14",
        "caseWhen": "30",
        "castBad": "NULL",
        "castFloat": "2",
        "castOk": "12",
        "coalesce": "4",
        "compare": "true",
        "compareNull": "NULL",
        "divZero": "Infinity",
        "isNotNull": "true",
        "isNull": "true",
        "modZero": "NULL",
        "neg": "-5",
        "notNull": "NULL",
        "nullAndFalse": "false",
        "nullAndTrue": "NULL",
        "nullOrFalse": "NULL",
        "nullOrTrue": "true",
        "nullPlus": "NULL",
        "strings": "true",
      }
    `);
  });

  it('simplifies AND/OR/NOT around non-literal operands', () => {
    const { flag, k, x } = t.columns;
    expect({
      andTrue: show(flag.and(true)),
      trueAnd: show(lit(true, 'bool').and(flag)),
      andFalse: show(flag.and(k.gt(lit(1, 'int32').add(1))).and(false)),
      orTrue: show(flag.or(true)),
      orFalse: show(lit(false, 'bool').or(flag)),
      notNot: show(flag.not().not()),
      nested: show(flag.and(lit(1, 'int32').lt(2)).or(x.gt(1).and(lit(null, 'bool').or(false)))),
      coalesce: show({ node: coalesce([k.node, literal(null, 'int32'), literal(3, 'int32'), k.node]) }),
      caseDead: show(when(lit(false, 'bool'), 1).when(x.gt(0), 2).when(lit(true, 'bool'), 3).otherwise(4)),
      caseTrue: show(when(lit(2, 'int32').gt(1), k).otherwise(0)),
    }).toMatchInlineSnapshot(`
      {
        "andFalse": "false",
        "andTrue": "flag",
        "caseDead": "CASE WHEN (x > 0) THEN 2 ELSE 3 END",
        "caseTrue": "k",
        "coalesce": "coalesce(k, 3)",
        "nested": "(flag OR ((x > 1) AND NULL))",
        "notNot": "flag",
        "orFalse": "flag",
        "orTrue": "true",
        "trueAnd": "flag",
      }
    `);
  });

  it('leaves expressions it cannot simplify alone', () => {
    const { flag, k } = t.columns;
    expect({
      andNull: show(flag.and(lit(null, 'bool'))),
      orNull: show(flag.or(lit(null, 'bool'))),
      not: show(flag.not()),
      columns: show(k.add(1).gt(k)),
    }).toMatchInlineSnapshot(`
      {
        "andNull": "(flag AND NULL)",
        "columns": "((k + 1) > k)",
        "not": "NOT flag",
        "orNull": "(flag OR NULL)",
      }
    `);
  });

  it('keeps the declared type of a folded expression', () => {
    const e = lit(7, 'int32').mod(0).node;
    expect(fold(e).type).toEqual(e.type);
    const c = lit(1, 'int32').coalesce(2.5).node;
    expect(fold(c)).toMatchObject({ kind: 'literal', value: 1, type: c.type });
  });
});

describe('constant-folding: plans', () => {
  it('folds literals inside projections, sort keys and aggregate arguments', () => {
    const before = t
      .select((r) => ({ k: r.k, y: r.x.add(lit(2, 'float64').mul(3)), on: r.flag.and(lit(1, 'int32').lt(2)) }))
      .orderBy((r) => r.y.mul(lit(1, 'float64').add(1)))
      .groupBy('k')
      .agg((r) => ({ total: r.y.add(lit(0.5, 'float64').mul(2)).sum(), n: count() }))
      .plan;
    expect(planText(before)).toMatchInlineSnapshot(`
      "Aggregate by [k] total := sum((y + (0.5 * 2))), n := count(*)
      └─ Sort (y * (1 + 1)) ASC
         └─ Project k, y := (x + (2 * 3)), on := (flag AND (1 < 2))
            └─ Scan t"
    `);
    expect(folded(before).text).toMatchInlineSnapshot(`
      "Aggregate by [k] total := sum((y + 1)), n := count(*)
      └─ Sort (y * 2) ASC
         └─ Project k, y := (x + 6), on := flag
            └─ Scan t"
    `);
  });

  it('removes a filter that is always true', () => {
    const before = t.filter((r) => r.flag.or(true).and(lit(3, 'int32').ge(2))).plan;
    expect(planText(before)).toMatchInlineSnapshot(`
      "Filter ((flag OR true) AND (3 >= 2))
      └─ Scan t"
    `);
    expect(folded(before).text).toMatchInlineSnapshot(`"Scan t"`);
  });

  it('turns a filter that is always false or NULL into limit 0', () => {
    const alwaysFalse = t.filter((r) => r.k.gt(1).and(false)).plan;
    expect(planText(alwaysFalse)).toMatchInlineSnapshot(`
      "Filter ((k > 1) AND false)
      └─ Scan t"
    `);
    expect(folded(alwaysFalse).text).toMatchInlineSnapshot(`
      "Limit 0
      └─ Scan t"
    `);
    const alwaysNull = t.filter(() => lit(null, 'int32').gt(1)).plan;
    expect(planText(alwaysNull)).toMatchInlineSnapshot(`
      "Filter (NULL > 1)
      └─ Scan t"
    `);
    expect(folded(alwaysNull).text).toMatchInlineSnapshot(`
      "Limit 0
      └─ Scan t"
    `);
  });

  it('simplifies a filter predicate without removing it', () => {
    const before = t.filter((r) => r.flag.not().not().and(r.k.gt(lit(1, 'int32').add(1)))).plan;
    expect(folded(before).text).toMatchInlineSnapshot(`
      "Filter (flag AND (k > 2))
      └─ Scan t"
    `);
  });

  it('merges a renaming projection into the projection below it', () => {
    const before = t
      .select((r) => ({ k: r.k, y: r.x.mul(2), s: r.s }))
      .select((r) => ({ key: r.k, doubled: r.y }))
      .plan;
    expect(planText(before)).toMatchInlineSnapshot(`
      "Project key := k, doubled := y
      └─ Project k, y := (x * 2), s
         └─ Scan t"
    `);
    expect(folded(before).text).toMatchInlineSnapshot(`
      "Project key := k, doubled := (x * 2)
      └─ Scan t"
    `);
  });
});

describe('constant-folding: where it must not fire', () => {
  it('leaves predicates over columns, AND/OR with NULL, and computing projections over projections', () => {
    const plans = [
      t.filter((r) => r.k.add(1).gt(r.k)).plan,
      t.filter((r) => r.flag.and(lit(null, 'bool'))).plan,
      t.filter((r) => r.flag.or(lit(null, 'bool'))).plan,
      t.select((r) => ({ y: r.x.mul(2) })).select((r) => ({ z: r.y.add(1) })).plan,
      t.limit(3).plan,
    ];
    for (const p of plans) expect(folded(p)).toEqual({ text: planText(p), fired: false });
  });
});

const CASES: [string, (t: Table) => Relation<any>][] = [
  ['projection literals', (t) => t.select((r) => ({ k: r.k, y: r.x.add(lit(2, 'float64').mul(3)), on: r.flag.and(lit(1, 'int32').lt(2)), m: r.k.add(lit(7, 'int32').mod(0)) }))],
  ['sort and aggregate', (t) => t.select((r) => ({ k: r.k, y: r.x })).orderBy((r) => r.y.mul(lit(1, 'float64').add(1))).groupBy('k').agg((r) => ({ total: r.y.add(lit(0.5, 'float64').mul(2)).sum(), n: count() }))],
  ['always true', (t) => t.filter((r) => r.flag.or(true).and(lit(3, 'int32').ge(2)))],
  ['always false', (t) => t.filter((r) => r.k.gt(1).and(false))],
  ['always null', (t) => t.filter(() => lit(null, 'int32').gt(1))],
  ['null and false', (t) => t.filter((r) => r.flag.and(lit(null, 'bool')).and(false).or(r.k.eq(2)))],
  ['simplified predicate', (t) => t.filter((r) => r.flag.not().not().and(r.k.gt(lit(1, 'int32').add(1))))],
  ['or false', (t) => t.filter((r) => r.flag.or(false).or(lit(null, 'bool').and(false)))],
  ['case and coalesce', (t) => t.select((r) => ({ c: when(lit(false, 'bool'), 1).when(r.x.gt(0), 2).when(lit(true, 'bool'), 3).otherwise(4), d: new Expr(coalesce([r.k.node, literal(null, 'int32'), literal(3, 'int32'), r.k.node])), e: when(lit(2, 'int32').gt(1), r.x).otherwise(0) }))],
  ['casts', (t) => t.select((r) => ({ a: lit('12', 'string').cast('int32').add(r.k), b: r.s.cast('int32'), c: lit(2.5, 'float64').cast('int32') }))],
  ['renaming projection', (t) => t.select((r) => ({ k: r.k, y: r.x.mul(2), s: r.s })).select((r) => ({ key: r.k, doubled: r.y }))],
];

describe('constant-folding: same results', () => {
  for (const [name, build] of CASES) {
    it(name, () => expectRuleKeepsResults(constantFolding, build, { tables: table, seeds: SEEDS, sizes: SIZES }, { ordered: true }));
  }
});

describe('constant-folding: driver', () => {
  it('keeps every root output unchanged and reaches a fixed point', () => {
    for (const [, build] of CASES) {
      const plan = build(t).plan;
      const result = runRules(plan, [constantFolding]);
      expect(result.plan.output.kind).toBe('relation');
      const names = (p: PlanNode) => (p.output.kind === 'relation' ? p.output.schema.fields.map((f) => `${f.name}: ${f.dtype}`) : []);
      expect(names(result.plan)).toEqual(names(plan));
      expect(runRules(result.plan, [constantFolding]).trace).toHaveLength(0);
    }
  });
});
