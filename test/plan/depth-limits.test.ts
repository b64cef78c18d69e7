/**
 * Deep plans and deep expressions (src/plan/limits.ts): up to MAX_PLAN_DEPTH operators
 * and MAX_EXPRESSION_DEPTH expression levels everything works (build, digests, the
 * optimizer, explain as text, JSON and DOT, running); one level more is a
 * DepthLimitError raised while building, never a RangeError ("Maximum call stack size
 * exceeded") from somewhere inside the engine. Small data: only the depth is large.
 */
import { describe, expect, it } from 'vitest';
import { DepthLimitError, Expr, PlanError, type Relation, fromColumns, lit } from '../../src/index.js';
import { collectMatrix } from '../../src/dsl/run.js';
import { MAX_EXPRESSION_DEPTH, MAX_PLAN_DEPTH } from '../../src/plan/limits.js';
import { type ExprNode, exprChildren, exprDepth } from '../../src/plan/expr.js';
import { type PlanNode, makeNode, planDepth, planDigest, planEquals } from '../../src/plan/node.js';
import { postOrderOf } from '../../src/plan/walk.js';
import { optimize } from '../../src/optimizer/index.js';

type Base = { s: 'string'; x: 'float64' };
const base = (): Relation<Base> => fromColumns({ s: ['a', 'b', 'a'], x: new Float64Array([1, 2, 3]) }) as unknown as Relation<Base>;

/** Runs `f`, failing the test with a clear message if anything in it overflows the stack. */
async function noStackOverflow<T>(f: () => T | Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof RangeError) throw new Error(`stack overflow: ${e.message}\n${e.stack ?? ''}`);
    throw e;
  }
}

/** The error `f` throws (failing when it throws none). */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

function expectDepthError(e: unknown, what: 'plan' | 'expression', operator: string): void {
  expect(e).not.toBeInstanceOf(RangeError);
  expect(e).toBeInstanceOf(DepthLimitError);
  expect(e).toBeInstanceOf(PlanError);
  const error = e as DepthLimitError;
  const limit = what === 'plan' ? MAX_PLAN_DEPTH : MAX_EXPRESSION_DEPTH;
  expect(error.what).toBe(what);
  expect(error.limit).toBe(limit);
  expect(error.depth).toBe(limit + 1);
  expect(error.operator).toBe(operator);
  expect(error.message).toContain(String(limit));
  expect(error.message).toContain(what === 'plan' ? 'MAX_PLAN_DEPTH' : 'MAX_EXPRESSION_DEPTH');
}

/** Every expression of a plan's relational operators. */
function expressionsOf(plan: PlanNode): ExprNode[] {
  const out: ExprNode[] = [];
  for (const n of postOrderOf(plan, (x) => x.inputs)) {
    if (n.kind === 'filter') out.push(n.args.predicate);
    if (n.kind === 'project') out.push(...n.args.columns.map((c) => c.expr));
    if (n.kind === 'sort') out.push(...n.args.keys.map((k) => k.expr));
    if (n.kind === 'aggregate') for (const a of n.args.aggregates) if (a.aggregate.arg) out.push(a.aggregate.arg);
  }
  return out;
}

/** Explain in every format, checking each is whole. */
function explainAll(r: { explain(o?: object): string | Promise<string> }): void {
  const text = r.explain() as string;
  expect(text).toContain('Optimized plan');
  const json = JSON.parse(r.explain({ format: 'json' }) as string) as { version: number; logical: unknown };
  expect(json.version).toBe(1);
  const dot = r.explain({ format: 'dot' }) as string;
  expect(dot.startsWith('digraph tessera {')).toBe(true);
  expect(dot.trimEnd().endsWith('}')).toBe(true);
}

describe('plan depth limit', () => {
  it('a chain of filters MAX_PLAN_DEPTH deep builds, optimizes, explains and runs; one more filter is a DepthLimitError', async () => {
    await noStackOverflow(async () => {
      let r = base();
      for (let i = 0; i < MAX_PLAN_DEPTH - 1; i++) r = r.filter((c) => c.x.gt(-i));
      expect(planDepth(r.plan)).toBe(MAX_PLAN_DEPTH);
      expect(planDigest(r.plan).startsWith('filter(')).toBe(true);

      // Merging the filters ANDs their predicates: the optimizer stops at the expression limit.
      const optimized = optimize(r.plan).plan;
      expect(planDepth(optimized)).toBeLessThanOrEqual(MAX_PLAN_DEPTH);
      for (const e of expressionsOf(optimized)) expect(exprDepth(e)).toBeLessThanOrEqual(MAX_EXPRESSION_DEPTH);
      expect(planDepth(optimized)).toBeLessThan(5);

      explainAll(r);
      expect(await r.collectRows()).toEqual([
        { s: 'a', x: 1 },
        { s: 'b', x: 2 },
        { s: 'a', x: 3 },
      ]);
    });
    expectDepthError(
      thrown(() => {
        let r = base();
        for (let i = 0; i < MAX_PLAN_DEPTH; i++) r = r.filter((c) => c.x.gt(-i));
      }),
      'plan',
      'filter',
    );
  });

  it('5,000 chained filters stop at the limit with a DepthLimitError, not a stack overflow', () => {
    let r = base();
    let built = 0;
    const error = thrown(() => {
      for (let i = 0; i < 5000; i++) {
        r = r.filter((c) => c.x.gt(-i));
        built++;
      }
    });
    expectDepthError(error, 'plan', 'filter');
    expect(built).toBe(MAX_PLAN_DEPTH - 1);
  });

  it('unionAll chained to MAX_PLAN_DEPTH runs and explains, also with a filter pushed into every side; one more is a DepthLimitError', async () => {
    await noStackOverflow(async () => {
      const b = base();
      let r = b;
      for (let i = 0; i < MAX_PLAN_DEPTH - 2; i++) r = r.unionAll(b);
      expect(planDepth(r.plan)).toBe(MAX_PLAN_DEPTH - 1);
      const filtered = r.filter((c) => c.s.eq('a'));
      expect(planDepth(filtered.plan)).toBe(MAX_PLAN_DEPTH);
      explainAll(filtered);
      const table = await r.collect();
      expect(table.numRows).toBe(3 * (MAX_PLAN_DEPTH - 1));
      const rows = await filtered.collectRows();
      expect(rows).toHaveLength(2 * (MAX_PLAN_DEPTH - 1));
      expect(rows.every((row) => row.s === 'a')).toBe(true);
      expect(await r.limit(4).collectRows()).toEqual([
        { s: 'a', x: 1 },
        { s: 'b', x: 2 },
        { s: 'a', x: 3 },
        { s: 'a', x: 1 },
      ]);
      expectDepthError(
        thrown(() => r.unionAll(b).unionAll(b)),
        'plan',
        'union',
      );
    });
  });

  it('a chain of projections MAX_PLAN_DEPTH deep has equal digests for equal plans, and runs', async () => {
    await noStackOverflow(async () => {
      const source = base();
      const build = () => {
        let r = source;
        for (let i = 0; i < MAX_PLAN_DEPTH - 1; i++) r = r.withColumn('x', (c) => c.x.add(1));
        return r;
      };
      const a = build();
      const b = build();
      expect(planDepth(a.plan)).toBe(MAX_PLAN_DEPTH);
      expect(a.plan === b.plan).toBe(false);
      expect(planEquals(a.plan, b.plan)).toBe(true);
      expect(planEquals(a.plan, b.plan.inputs[0])).toBe(false);
      expect(await a.collectRows()).toEqual([
        { s: 'a', x: MAX_PLAN_DEPTH },
        { s: 'b', x: MAX_PLAN_DEPTH + 1 },
        { s: 'a', x: MAX_PLAN_DEPTH + 2 },
      ]);
    });
  });

  it('a filter moved down through projections stops where its predicate would pass the expression limit', async () => {
    await noStackOverflow(async () => {
      let r = base();
      for (let i = 0; i < 40; i++) r = r.withColumn('x', (c) => c.x.add(1));
      // x + 1 + … + 1, 20 levels short of the limit: moved below every projection it would be 20 levels too deep.
      let e: Expr<'float64'> = r.columns.x;
      for (let i = 0; i < MAX_EXPRESSION_DEPTH - 22; i++) e = e.add(1);
      // x ends as x + 40, so the predicate reads x + 40 + (MAX_EXPRESSION_DEPTH - 22): rows 2 and 3 pass.
      const f = r.filter(() => e.gt(MAX_EXPRESSION_DEPTH - 22 + 40 + 1.5));
      expect(f.plan.kind === 'filter' && exprDepth(f.plan.args.predicate)).toBe(MAX_EXPRESSION_DEPTH - 20);
      const optimized = optimize(f.plan).plan;
      const filters = postOrderOf(optimized, (n) => n.inputs).filter((n) => n.kind === 'filter');
      expect(filters).toHaveLength(1);
      // It went down 20 projections, and no further.
      expect(filters[0].kind === 'filter' && exprDepth(filters[0].args.predicate)).toBe(MAX_EXPRESSION_DEPTH);
      for (const x of expressionsOf(optimized)) expect(exprDepth(x)).toBeLessThanOrEqual(MAX_EXPRESSION_DEPTH);
      expect(await f.collectRows()).toEqual([
        { s: 'b', x: 42 },
        { s: 'a', x: 43 },
      ]);
    });
  });

  it('a matrix chain MAX_PLAN_DEPTH deep runs and explains (long product chains keep their written order)', async () => {
    await noStackOverflow(async () => {
      let m = base().toMatrix(['x']);
      for (let i = 0; i < MAX_PLAN_DEPTH - 2; i++) m = i === 0 ? m.add(1) : m.scale(i % 2 === 0 ? 2 : 0.5);
      expect(planDepth(m.plan)).toBe(MAX_PLAN_DEPTH);
      explainAll(m);
      const value = await collectMatrix(m.plan);
      expect([value.get(0, 0), value.get(1, 0), value.get(2, 0)]).toEqual([1, 1.5, 2]);

      const w = fromColumns({ a: new Float64Array([1]) }).toMatrix(['a']);
      let chain = base().toMatrix(['x']);
      for (let i = 0; i < 400; i++) chain = chain.matmul(w);
      const product = await collectMatrix(chain.plan);
      expect([product.get(0, 0), product.get(2, 0)]).toEqual([1, 3]);
    });
  });
});

describe('expression depth limit', () => {
  it('x + 1 + … MAX_EXPRESSION_DEPTH deep filters, projects, sorts, aggregates and explains; one more level is a DepthLimitError from the DSL', async () => {
    await noStackOverflow(async () => {
      const r = base();
      let deep: Expr<'float64'> = r.columns.x;
      for (let i = 0; i < MAX_EXPRESSION_DEPTH - 2; i++) deep = deep.add(1);
      expect(exprDepth(deep.node)).toBe(MAX_EXPRESSION_DEPTH - 1);
      const top = deep.add(1);
      expect(exprDepth(top.node)).toBe(MAX_EXPRESSION_DEPTH);
      const shift = MAX_EXPRESSION_DEPTH - 1;

      const pipeline = r
        .filter(() => deep.gt(shift + 0.5))
        .select((c) => ({ s: c.s, y: top }))
        .orderBy((c) => c.y.desc());
      explainAll(pipeline);
      expect(await pipeline.collectRows()).toEqual([
        { s: 'a', y: shift + 3 },
        { s: 'b', y: shift + 2 },
      ]);
      const sums = await r
        .groupBy('s')
        .agg(() => ({ total: top.sum(), most: top.max() }))
        .orderBy('s')
        .collectRows();
      expect(sums).toEqual([
        { s: 'a', total: 2 * shift + 4, most: shift + 3 },
        { s: 'b', total: shift + 2, most: shift + 2 },
      ]);
      let mid: Expr<'float64'> = r.columns.x;
      for (let i = 0; i < MAX_EXPRESSION_DEPTH - 4; i++) mid = mid.add(1);
      const z = mid.gt(0).and(mid.lt(1e9)).not();
      expect(exprDepth(z.node)).toBe(MAX_EXPRESSION_DEPTH);
      expect(await r.select(() => ({ z })).collectRows()).toEqual([{ z: false }, { z: false }, { z: false }]);

      expectDepthError(
        thrown(() => top.add(1)),
        'expression',
        'add',
      );
      expectDepthError(
        thrown(() => top.gt(1)),
        'expression',
        'gt',
      );
    });
  });

  it('10,000 nested additions stop at the limit with a DepthLimitError, not a stack overflow', () => {
    let e: Expr<'float64'> = base().columns.x;
    let built = 0;
    const error = thrown(() => {
      for (let i = 0; i < 10_000; i++) {
        e = e.add(1);
        built++;
      }
    });
    expectDepthError(error, 'expression', 'add');
    expect(built).toBe(MAX_EXPRESSION_DEPTH - 1);
  });

  it('constants and conjunctions as deep as the limit fold and run', async () => {
    await noStackOverflow(async () => {
      const r = base();
      let constant: Expr<'float64'> = lit(0, 'float64');
      for (let i = 0; i < MAX_EXPRESSION_DEPTH - 1; i++) constant = constant.add(1);
      let conjunction: Expr<'bool'> = r.columns.x.gt(0);
      for (let i = 1; i < MAX_EXPRESSION_DEPTH - 1; i++) conjunction = conjunction.and(r.columns.x.gt(-i));
      expect(exprDepth(constant.node)).toBe(MAX_EXPRESSION_DEPTH);
      expect(exprDepth(conjunction.node)).toBe(MAX_EXPRESSION_DEPTH);
      const q = r.filter(() => conjunction).select(() => ({ c: constant }));
      const optimized = optimize(q.plan).plan;
      // Constant folding made the sum one literal.
      const project = postOrderOf(optimized, (n) => n.inputs).find((n) => n.kind === 'project');
      expect(project?.kind === 'project' && project.args.columns[0].expr).toMatchObject({ kind: 'literal', value: MAX_EXPRESSION_DEPTH - 1 });
      explainAll(q);
      expect(await q.collectRows()).toEqual([{ c: MAX_EXPRESSION_DEPTH - 1 }, { c: MAX_EXPRESSION_DEPTH - 1 }, { c: MAX_EXPRESSION_DEPTH - 1 }]);
      // Without the optimizer the deep expressions are evaluated as written.
      expect(await q.collectRows({ optimize: false })).toHaveLength(3);
    });
  });

  it('exprDepth measures expressions that rewrites assemble themselves, without recursion', () => {
    let e: ExprNode = base().columns.x.node;
    for (let i = 0; i < 50_000; i++) e = { kind: 'unary', op: 'neg', arg: e, type: e.type };
    expect(exprDepth(e)).toBe(50_001);
    expect(exprChildren(e)).toHaveLength(1);
    // Through the DSL, and as a predicate assembled by hand: a DepthLimitError either way.
    const viaDsl = thrown(() => new Expr(e).isNull());
    expect(viaDsl).toBeInstanceOf(DepthLimitError);
    expect(viaDsl).toMatchObject({ what: 'expression', depth: 50_002, operator: 'isNull' });
    const predicate: ExprNode = { kind: 'unary', op: 'isNull', arg: e, type: { dtype: 'bool', nullable: false } };
    const viaPlan = thrown(() => makeNode('filter', { predicate }, [base().plan]));
    expect(viaPlan).toBeInstanceOf(DepthLimitError);
    expect(viaPlan).toMatchObject({ what: 'expression', depth: 50_002, operator: 'filter' });
  });
});
