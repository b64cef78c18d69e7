/**
 * Plan identity: planDigest must be injective. Equal digests mean structurally equal
 * plans and equal plans have equal digests, whatever the names and literals hold
 * (separators, quotes, brackets, text that reads like an expression, unicode, empty
 * strings), because common-subexpression elimination and every memo keyed by a digest
 * treat equal digests as one plan.
 *
 * The property test builds many pairs of plans with a seeded generator: the second plan
 * of a pair replays the first one's random choices except one (a name, a literal, an
 * operator), so pairs differ in one place or, when the fresh choice happens to be the
 * same, not at all. Digests are compared with a reference structural equality written
 * here (kind, arguments and inputs, compared deeply).
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/data/random.js';
import { type AggregateFn, aggregate } from '../../src/plan/aggregate.js';
import { type Feature } from '../../src/plan/bridge-operators.js';
import { type BinaryOp, type ExprNode, type UnaryOp, binary, caseWhen, cast, coalesce, columnRef, exprDigest, literal, unary } from '../../src/plan/expr.js';
import { type MapFn } from '../../src/plan/matrix-operators.js';
import { type PlanNode, isMatrix, isRelation, makeNode, planDigest, planEquals, planHash, postOrder } from '../../src/plan/node.js';
import type { TableSource } from '../../src/plan/source.js';
import type { DType } from '../../src/types/dtype.js';
import type { Field, RelationSchema } from '../../src/types/schema.js';

/** Names and string literals: separators and brackets the digests use or used, quotes, expression-like text, unicode. */
const NAMES = [
  '', 'a', 'b', 'c', 'a,b', 'a;b', ',', ';', '*', ' ', 'a ', '(a + 1)', 'a + 1', '(a + 1::int32)', '(a > 1::int32)',
  "'", '"', "''", '\\', '\\"', '[', ']', '(', ')', '{', '}', '<', '>', '=', ':', 'a=b', 'x=b,y', 'x', 'y',
  'null', 'true', '1', '-0', 'NaN', 'undefined', 'é', 'e\u0301', '😀', '\ud83d', '\u0000', '\n', 'a\u2028b',
  'scan(', '](', ')[', '"a","b"', '["a"]', 'count(*)', 'a;*',
] as const;
const FLOATS = [0, -0, 1, -1, 1.5, 0.1, NaN, Infinity, -Infinity, 1e21, 5e-324, 2 ** 53];
const INTS = [0, 1, -1, 10, 2 ** 31 - 1];
const DTYPE_CYCLE: readonly DType[] = ['float64', 'int32', 'string', 'int64', 'bool', 'date', 'float32'];

/** Sources with every adversarial name as a column, typed differently per source; ids adversarial too. */
const SOURCES: readonly TableSource[] = ['src#1', 'src,#2', 'src"3'].map((id, k) => {
  const fields: Field[] = NAMES.map((name, i) => ({ name, dtype: DTYPE_CYCLE[(i + k) % DTYPE_CYCLE.length], nullable: (i + k) % 3 === 0 }));
  return {
    id,
    name: `t${k}`,
    schema: { fields },
    stats: { rowCount: 10 },
    categories: () => undefined,
    load: () => Promise.reject(new Error('not run')),
  };
});

/** Matrix literals: the id identifies value and name, so each id has one of each. */
const LITERALS = ['m#1', 'm,#2', 'm"3'].map((id, k) => ({ id, name: `M${k}`, value: { rows: 10, cols: 2, data: Float64Array.from({ length: 20 }, (_, i) => i * (k + 1)) } }));

/**
 * The random choices of one plan. A replay takes the recorded draws back in order, except
 * the one at `mutateAt`, which is drawn afresh.
 */
class Choices {
  private i = 0;
  readonly draws: number[] = [];
  constructor(
    private readonly fresh: () => number,
    private readonly replay: readonly number[] = [],
    private readonly mutateAt = -1,
  ) {}
  next(): number {
    const i = this.i++;
    const v = i < this.replay.length && i !== this.mutateAt ? this.replay[i] : this.fresh();
    this.draws.push(v);
    return v;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** Up to `max` distinct picks, in the order drawn. */
  distinct<T>(xs: readonly T[], max: number): T[] {
    const n = 1 + this.int(max);
    const out: T[] = [];
    for (let j = 0; j < n; j++) {
      const x = this.pick(xs);
      if (!out.includes(x)) out.push(x);
    }
    return out;
  }
}

/** Kinds of node built, across the whole run, to check the generator reaches them. */
const built = new Map<string, number>();

/**
 * A plan generator. `order` is a second stream, not replayed: the key order of the
 * records it builds (features), which must not change a digest.
 */
class Generator {
  constructor(
    private readonly c: Choices,
    private readonly order: () => number,
  ) {}

  /** A node, or `fallback` when the choices do not make a valid one. */
  private node(kind: string, build: () => PlanNode, fallback: () => PlanNode): PlanNode {
    let n: PlanNode;
    try {
      n = build();
    } catch {
      return fallback();
    }
    built.set(kind, (built.get(kind) ?? 0) + 1);
    return n;
  }

  literalOf(dtype: DType): ExprNode {
    const c = this.c;
    if (c.chance(0.1)) return literal(null, dtype);
    switch (dtype) {
      case 'string':
        return literal(c.pick(NAMES), 'string');
      case 'bool':
        return literal(c.chance(0.5), 'bool');
      case 'float64':
        return literal(c.pick(FLOATS), 'float64');
      case 'float32':
        return literal(c.pick(FLOATS), 'float32');
      default:
        return literal(c.pick(INTS), dtype);
    }
  }

  column(schema: RelationSchema): ExprNode {
    const f = this.c.pick(schema.fields);
    // A reference may be typed nullable over a non-null column (the type is part of the expression).
    return columnRef(f.name, { dtype: f.dtype, nullable: f.nullable || this.c.chance(0.1) });
  }

  expr(schema: RelationSchema, depth: number): ExprNode {
    const c = this.c;
    if (depth <= 0 || c.chance(0.35)) return c.chance(0.65) ? this.column(schema) : this.literalOf(c.pick(DTYPE_CYCLE));
    switch (c.int(6)) {
      case 0: {
        const left = this.expr(schema, depth - 1);
        const op = c.pick<BinaryOp>(['add', 'sub', 'mul', 'div', 'mod']);
        return binary(op, left, c.chance(0.5) ? this.literalOf(left.type.dtype) : this.expr(schema, depth - 1));
      }
      case 1:
        return this.predicate(schema, depth);
      case 2:
        return unary(c.pick<UnaryOp>(['neg', 'abs', 'not', 'isNull', 'isNotNull']), this.expr(schema, depth - 1));
      case 3:
        return cast(this.expr(schema, depth - 1), c.pick(DTYPE_CYCLE));
      case 4: {
        const first = this.expr(schema, depth - 1);
        return coalesce([first, this.literalOf(first.type.dtype)]);
      }
      default: {
        const then = this.expr(schema, depth - 1);
        return caseWhen([{ when: this.predicate(schema, depth - 1), then }], this.literalOf(then.type.dtype));
      }
    }
  }

  predicate(schema: RelationSchema, depth: number): ExprNode {
    const c = this.c;
    const left = depth > 0 && c.chance(0.3) ? this.expr(schema, depth - 1) : this.column(schema);
    switch (c.int(4)) {
      case 0:
      case 1:
        return binary(c.pick<BinaryOp>(['eq', 'ne', 'lt', 'le', 'gt', 'ge']), left, c.chance(0.7) ? this.literalOf(left.type.dtype) : this.column(schema));
      case 2:
        return unary(c.chance(0.5) ? 'isNull' : 'isNotNull', left);
      default:
        return binary(c.chance(0.5) ? 'and' : 'or', this.predicate(schema, depth - 1), this.predicate(schema, depth - 1));
    }
  }

  scan(): PlanNode {
    const c = this.c;
    const source = c.pick(SOURCES);
    const columns = c.chance(0.2) ? null : c.distinct(NAMES, 4);
    return this.node('scan', () => makeNode('scan', { source, columns }, []), () => makeNode('scan', { source, columns: null }, []));
  }

  relation(depth: number): PlanNode {
    const c = this.c;
    if (depth <= 0 || c.chance(0.2)) return this.scan();
    const input = this.relation(depth - 1);
    if (!isRelation(input)) return input;
    const schema = input.output.schema;
    const names = schema.fields.map((f) => f.name);
    const keep = () => input;
    switch (c.int(11)) {
      case 0:
        return this.node('filter', () => makeNode('filter', { predicate: this.predicate(schema, 2) }, [input]), keep);
      case 1:
        return this.node(
          'project',
          () => {
            const columns = Array.from({ length: 1 + c.int(3) }, () => ({ name: c.pick(NAMES), expr: this.expr(schema, 2) }));
            return makeNode('project', { columns }, [input]);
          },
          keep,
        );
      case 2:
        return this.node(
          'aggregate',
          () => {
            const groupBy = c.chance(0.3) ? [] : c.distinct(names, 2);
            const aggregates = Array.from({ length: 1 + c.int(2) }, () => {
              const fn = c.pick<AggregateFn>(['count', 'sum', 'mean', 'min', 'max', 'countDistinct']);
              const arg = fn === 'count' && c.chance(0.4) ? null : this.expr(schema, 1);
              return { name: c.pick(NAMES), aggregate: aggregate(fn, arg) };
            });
            return makeNode('aggregate', { groupBy, aggregates }, [input]);
          },
          keep,
        );
      case 3:
        return this.node(
          'sort',
          () => {
            const keys = Array.from({ length: 1 + c.int(2) }, () => ({ expr: this.expr(schema, 1), descending: c.chance(0.5), nullsFirst: c.chance(0.5) }));
            return makeNode('sort', { keys }, [input]);
          },
          keep,
        );
      case 4:
        return this.node('limit', () => makeNode('limit', { limit: c.pick([null, 0, 1, 10]), offset: c.pick([0, 1, 10]) }, [input]), keep);
      case 5:
        return this.node('distinct', () => makeNode('distinct', {}, [input]), keep);
      case 6: {
        const other = this.relation(depth - 1);
        return this.node('union', () => makeNode('union', {}, [input, c.chance(0.5) ? input : other]), keep);
      }
      case 7: {
        // A right side of one key column named like a left one, or not.
        const right = this.scan();
        if (!isRelation(right)) return input;
        const rightNames = right.output.schema.fields.map((f) => f.name);
        const count = 1 + c.int(2);
        const leftKeys = Array.from({ length: count }, () => c.pick(names));
        const rightKeys = leftKeys.map((k) => (c.chance(0.5) && rightNames.includes(k) ? k : c.pick(rightNames)));
        const how = c.pick(['inner', 'left', 'semi', 'anti'] as const);
        return this.node('join', () => makeNode('join', { how, leftKeys, rightKeys }, [input, right]), keep);
      }
      case 8: {
        const m = this.toMatrix(input);
        if (!isMatrix(m)) return input;
        const mapped = c.chance(0.5) ? this.node('map', () => makeNode('map', { fn: 'scale', a: c.pick(FLOATS) }, [m]), () => m) : m;
        const newNames = Array.from({ length: m.output.cols }, () => c.pick(NAMES));
        return this.node('appendColumns', () => makeNode('appendColumns', { names: newNames }, [input, mapped]), keep);
      }
      case 9: {
        const m = this.matrix(depth - 1);
        if (!isMatrix(m)) return input;
        const newNames = Array.from({ length: m.output.cols }, () => c.pick(NAMES));
        return this.node('matrixToRelation', () => makeNode('matrixToRelation', { names: newNames }, [m]), keep);
      }
      default:
        return input;
    }
  }

  feature(schema: RelationSchema): Feature {
    const c = this.c;
    const f = c.pick(schema.fields);
    const column = f.name;
    let feature: Record<string, unknown>;
    if (f.dtype === 'string') {
      feature = c.chance(0.5) ? { column, encoding: 'onehot', categories: c.distinct(NAMES, 3) } : { column, encoding: 'hash', buckets: 1 + c.int(3) };
    } else feature = { column, encoding: c.chance(0.7) ? 'numeric' : 'standardize' };
    // The same record with its keys in another order: not a different feature.
    const keys = Object.keys(feature).sort(() => this.order() - 0.5);
    return Object.fromEntries(keys.map((k) => [k, feature[k]])) as unknown as Feature;
  }

  toMatrix(rel: PlanNode): PlanNode {
    const c = this.c;
    if (!isRelation(rel)) return rel;
    const features = Array.from({ length: 1 + c.int(2) }, () => this.feature(rel.output.schema));
    const args = { features, intercept: c.chance(0.3), dtype: c.chance(0.8) ? ('float64' as const) : ('float32' as const) };
    return this.node('toMatrix', () => makeNode('toMatrix', args, [rel]), () => this.matrixLiteral());
  }

  matrixLiteral(): PlanNode {
    const m = this.c.pick(LITERALS);
    return this.node('matrixLiteral', () => makeNode('matrixLiteral', { value: m.value, name: m.name, id: m.id }, []), () => {
      throw new Error('unreachable');
    });
  }

  matrix(depth: number): PlanNode {
    const c = this.c;
    if (depth <= 0 || c.chance(0.25)) return c.chance(0.5) ? this.matrixLiteral() : this.toMatrix(this.relation(depth - 1));
    const input = this.matrix(depth - 1);
    if (!isMatrix(input)) return input;
    const out = input.output;
    const keep = () => input;
    switch (c.int(8)) {
      case 0: {
        const fn = c.pick<MapFn>(['exp', 'scale', 'shift', 'pow', 'clip', 'gt', 'eq', 'rsub']);
        const a = fn === 'exp' ? undefined : c.pick(FLOATS);
        const b = fn === 'clip' ? c.pick(FLOATS) : undefined;
        // `a` absent and `a: undefined` are the same arguments.
        const args = a === undefined && c.chance(0.5) ? { fn } : { fn, a, b };
        return this.node('map', () => makeNode('map', args, [input]), keep);
      }
      case 1:
        return this.node('selectCols', () => makeNode('selectCols', { indices: c.distinct(Array.from({ length: out.cols }, (_, j) => j), 3) }, [input]), keep);
      case 2:
        return this.node('sampleRows', () => makeNode('sampleRows', { count: c.pick([1, 2]), seed: c.pick(INTS) }, [input]), keep);
      case 3:
        return this.node('reduce', () => makeNode('reduce', { op: c.pick(['sum', 'mean', 'count'] as const), axis: c.pick(['rows', 'cols', 'all'] as const) }, [input]), keep);
      case 4: {
        const other = this.matrix(depth - 1);
        return this.node('elementwise', () => makeNode('elementwise', { op: c.pick(['add', 'sub', 'mul', 'div', 'min', 'max'] as const) }, [input, other]), keep);
      }
      case 5:
        return this.node('hstack', () => makeNode('hstack', {}, [input, this.matrix(depth - 1)]), keep);
      case 6:
        return this.node('sliceRows', () => makeNode('sliceRows', { start: c.pick([0, 1]), end: c.pick([1, 2, 10]) }, [input]), keep);
      default:
        return this.loop(input);
    }
  }

  loop(init: PlanNode): PlanNode {
    const c = this.c;
    if (!isMatrix(init) || init.output.rows === null) return init;
    const { rows, cols, dtype } = init.output;
    return this.node(
      'loop',
      () => {
        const loopId = c.pick(['L1', 'L,1', 'L"1']);
        const state = makeNode('loopState', { loopId, rows, cols, dtype }, []);
        const step = makeNode('map', { fn: c.pick(['scale', 'shift'] as const), a: c.pick(FLOATS) }, [state]);
        const inputs = [init];
        let body: PlanNode = step;
        if (c.chance(0.5)) {
          inputs.push(init);
          const extra = makeNode('loopInput', { loopId, index: 1, rows, cols, dtype }, []);
          body = makeNode('elementwise', { op: c.pick(['add', 'mul'] as const) }, [step, extra]);
        }
        const iterations = c.pick([0, 1, 3]);
        // A guard (the state must stay finite) makes a different loop.
        const guard = c.pick([undefined, { operator: 'fit', state: 'w', expected: 'finite' }, { operator: 'fit', state: 'w,', expected: 'finite' }]);
        return makeNode('loop', guard ? { loopId, iterations, body, guard } : { loopId, iterations, body }, inputs);
      },
      () => init,
    );
  }

  plan(): PlanNode {
    return this.c.chance(0.5) ? this.relation(3) : this.matrix(3);
  }
}

// ---- The reference: structural equality, written independently of the digests. ----

function isPlan(x: object): x is PlanNode {
  return 'kind' in x && 'args' in x && 'inputs' in x && 'output' in x;
}

function isSource(x: object): x is TableSource {
  return 'id' in x && 'schema' in x && 'load' in x;
}

/** Deep equality of argument values: numbers by Object.is (-0 is not 0, NaN is NaN), sources by id, absent keys as undefined. */
function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (isPlan(a) || isPlan(b)) return isPlan(a) && isPlan(b) && samePlan(a, b);
  if (isSource(a) || isSource(b)) return isSource(a) && isSource(b) && a.id === b.id;
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    const [x, y] = [a as unknown as ArrayLike<number>, b as unknown as ArrayLike<number>];
    return a.constructor === b.constructor && x.length === y.length && Array.from(x).every((v, i) => Object.is(v, y[i]));
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((v, i) => sameValue(v, (b as unknown[])[i]));
  const defined = (o: object) =>
    Object.entries(o)
      .filter(([, v]) => v !== undefined)
      .map(([k]) => k)
      .sort();
  const [ka, kb] = [defined(a), defined(b)];
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function samePlan(a: PlanNode, b: PlanNode): boolean {
  return a.kind === b.kind && sameValue(a.args, b.args) && a.inputs.length === b.inputs.length && a.inputs.every((x, i) => samePlan(x, b.inputs[i]));
}

/** Every node of a plan, loop bodies included. */
function allNodes(root: PlanNode): PlanNode[] {
  const out: PlanNode[] = [];
  for (const n of postOrder(root)) {
    if (n.kind === 'loop') out.push(...allNodes(n.args.body));
    out.push(n);
  }
  return out;
}

describe('plan digests are injective', () => {
  it('equal digests iff structurally equal plans, over generated pairs differing in one name, literal or operator', () => {
    const seeds = mulberry32(20240611);
    const order = mulberry32(7);
    const PAIRS = 2500;
    let equalPairs = 0;
    let distinctPairs = 0;
    let hashCollisions = 0;
    // Every node met, by digest: a digest met twice must be the same plan, however it was built.
    const byDigest = new Map<string, PlanNode>();
    const remember = (root: PlanNode) => {
      for (const n of allNodes(root)) {
        const d = planDigest(n);
        const seen = byDigest.get(d);
        if (seen === undefined) byDigest.set(d, n);
        else if (!samePlan(seen, n)) expect.fail(`two different plans share the digest ${d}`);
      }
    };
    for (let p = 0; p < PAIRS; p++) {
      const seed = Math.floor(seeds() * 2 ** 32);
      const first = new Choices(mulberry32(seed));
      const a = new Generator(first, order).plan();
      // One pair in five replays every choice (a fresh but equal plan); the others redraw one.
      const mutateAt = p % 5 === 0 ? -1 : Math.floor(seeds() * first.draws.length);
      const b = new Generator(new Choices(mulberry32(seed ^ 0x9e3779b9), first.draws, mutateAt), order).plan();
      const same = samePlan(a, b);
      const digestsEqual = planDigest(a) === planDigest(b);
      if (digestsEqual !== same) {
        expect.fail(`structurally ${same ? 'equal' : 'different'} plans with ${digestsEqual ? 'equal' : 'different'} digests:\n${planDigest(a)}\n${planDigest(b)}`);
      }
      expect(planEquals(a, b)).toBe(same);
      if (same) {
        equalPairs++;
        expect(planHash(a)).toBe(planHash(b));
      } else {
        distinctPairs++;
        if (planHash(a) === planHash(b)) hashCollisions++;
      }
      remember(a);
      remember(b);
    }
    // Both sides of the property are exercised, and the generator reaches every kind it builds.
    expect(equalPairs).toBeGreaterThan(PAIRS * 0.2);
    expect(distinctPairs).toBeGreaterThan(PAIRS * 0.3);
    expect(hashCollisions).toBeLessThanOrEqual(2);
    expect(byDigest.size).toBeGreaterThan(PAIRS);
    const kinds = ['scan', 'filter', 'project', 'aggregate', 'sort', 'limit', 'distinct', 'union', 'join', 'toMatrix', 'appendColumns', 'matrixToRelation', 'matrixLiteral', 'map', 'selectCols', 'sampleRows', 'reduce', 'elementwise', 'hstack', 'sliceRows', 'loop'];
    for (const k of kinds) expect(built.get(k) ?? 0, k).toBeGreaterThan(10);
  });
});

describe('plan digests: adversarial cases', () => {
  const fields: Field[] = [
    { name: 'a', dtype: 'int32', nullable: false },
    { name: 'b', dtype: 'int32', nullable: false },
    { name: 'a,b', dtype: 'int32', nullable: false },
    { name: '*', dtype: 'int32', nullable: false },
    { name: 'x=b,y', dtype: 'int32', nullable: false },
    { name: '(a + 1)', dtype: 'int64', nullable: false },
    { name: '(a + 1::int32)', dtype: 'int64', nullable: false },
    { name: '(a > 1::int32)', dtype: 'bool', nullable: false },
  ];
  const source: TableSource = { id: 't#1', name: 't', schema: { fields }, stats: { rowCount: 3 }, load: () => Promise.reject(new Error('not run')) };
  const scan = (columns: readonly string[] | null) => makeNode('scan', { source, columns }, []);
  const all = scan(null);
  const col = (name: string) => {
    const f = fields.find((x) => x.name === name)!;
    return columnRef(name, f);
  };
  const project = (columns: { name: string; expr: ExprNode }[]) => makeNode('project', { columns }, [all]);
  const differ = (p: PlanNode, q: PlanNode) => {
    expect(planDigest(p)).not.toBe(planDigest(q));
    expect(planEquals(p, q)).toBe(false);
  };

  it("keeps a scan of ['a,b'] apart from one of ['a', 'b']", () => {
    differ(scan(['a,b']), scan(['a', 'b']));
    differ(scan([]), scan(null));
  });

  it('keeps a column named like an expression apart from the expression', () => {
    const sum = binary('add', col('a'), literal(1, 'int32'));
    expect(sum.type).toEqual(col('(a + 1)').type);
    differ(project([{ name: 'x', expr: col('(a + 1)') }]), project([{ name: 'x', expr: sum }]));
    differ(project([{ name: 'x', expr: col('(a + 1::int32)') }]), project([{ name: 'x', expr: sum }]));
    const gt = binary('gt', col('a'), literal(1, 'int32'));
    differ(makeNode('filter', { predicate: col('(a > 1::int32)') }, [all]), makeNode('filter', { predicate: gt }, [all]));
    expect(exprDigest(col('(a + 1::int32)'))).not.toBe(exprDigest(sum));
  });

  it('keeps a name holding the separators apart from a list of names', () => {
    differ(project([{ name: 'x', expr: col('b') }, { name: 'y', expr: col('a') }]), project([{ name: 'x=b,y', expr: col('a') }]));
    const agg = (arg: ExprNode | null) => makeNode('aggregate', { groupBy: [], aggregates: [{ name: 'n', aggregate: aggregate('count', arg) }] }, [all]);
    differ(agg(null), agg(col('*')));
  });

  it('keeps literals of different types and values apart: 1, 1.0, "1", true, dates, nulls, -0, and NaN equal to itself', () => {
    const lits = [
      literal(1, 'int32'),
      literal(1, 'int64'),
      literal(1, 'float64'),
      literal(1, 'float32'),
      literal(1, 'date'),
      literal('1', 'string'),
      literal(true, 'bool'),
      literal(null, 'int32'),
      literal(null, 'int64'),
      literal(null, 'string'),
      literal(0, 'float64'),
      literal(-0, 'float64'),
      literal(NaN, 'float64'),
      literal("1', '2", 'string'),
      literal("1'", 'string'),
      literal('', 'string'),
      literal('null', 'string'),
    ];
    const plans = lits.map((e) => project([{ name: 'v', expr: e }]));
    expect(new Set(plans.map(planDigest)).size).toBe(plans.length);
    // Two NaN literals built apart are the same plan.
    expect(planDigest(project([{ name: 'v', expr: literal(NaN, 'float64') }]))).toBe(planDigest(plans[12]));
    // Integer -0 is stored as 0: the same plan as 0.
    expect(planDigest(project([{ name: 'v', expr: literal(-0, 'int64') }]))).toBe(planDigest(project([{ name: 'v', expr: literal(0, 'int64') }])));
  });

  it('keeps column references typed differently apart', () => {
    differ(project([{ name: 'v', expr: columnRef('a', { dtype: 'int32', nullable: false }) }]), project([{ name: 'v', expr: columnRef('a', { dtype: 'int32', nullable: true }) }]));
  });

  it('keeps join keys and limit arguments apart', () => {
    const right = scan(['a', 'b']);
    const left = makeNode('project', { columns: [{ name: 'k', expr: col('a') }, { name: 'k,k', expr: col('b') }] }, [all]);
    const join = (leftKeys: string[], rightKeys: string[]) => makeNode('join', { how: 'semi', leftKeys, rightKeys }, [left, right]);
    differ(join(['k,k'], ['a']), join(['k', 'k'], ['a', 'a']));
    const limit = (l: number | null, o: number) => makeNode('limit', { limit: l, offset: o }, [all]);
    differ(limit(null, 0), limit(0, 0));
  });

  it('keeps matrix and loop arguments apart, and the key order of a feature does not matter', () => {
    const t = makeNode('toMatrix', { features: [{ column: 'a', encoding: 'numeric' }], intercept: false, dtype: 'float64' }, [all]);
    const reordered = makeNode('toMatrix', { features: [{ encoding: 'numeric', column: 'a' } as Feature], intercept: false, dtype: 'float64' }, [all]);
    expect(planDigest(reordered)).toBe(planDigest(t));
    differ(makeNode('map', { fn: 'scale', a: 0 }, [t]), makeNode('map', { fn: 'scale', a: -0 }, [t]));
    expect(planDigest(makeNode('map', { fn: 'exp' }, [t]))).toBe(planDigest(makeNode('map', { fn: 'exp', a: undefined }, [t])));
    const names = (ns: string[], m: PlanNode) => makeNode('matrixToRelation', { names: ns }, [m]);
    const two = makeNode('hstack', {}, [t, t]);
    differ(names(['p', 'q'], two), names(['q', 'p'], two));
    const state = (loopId: string) => makeNode('loopState', { loopId, rows: 3, cols: 1, dtype: 'float64' }, []);
    const loop = (loopId: string, body: PlanNode) => makeNode('loop', { loopId, iterations: 2, body }, [t]);
    differ(loop('L1', state('L1')), loop('L1', makeNode('map', { fn: 'scale', a: 1 }, [state('L1')])));
    const guarded = makeNode('loop', { loopId: 'L1', iterations: 2, body: state('L1'), guard: { operator: 'fit', state: 'w', expected: 'finite' } }, [t]);
    differ(loop('L1', state('L1')), guarded);
  });
});
