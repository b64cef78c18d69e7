// The Validate step in the plan: explain, what the optimizer may and may not move across it, pipelines that go on after it, plan-time errors.
import { describe, expect, it } from 'vitest';
import { PlanError, TypeMismatchError, UnknownColumnError, ValidationError, checks, collectValidated, formatReport, fromColumns } from '../../src/index.js';
import { generateRows, relationOf } from './fixture.js';

const N = 400;
const rows = generateRows(N, 7);
const rel = relationOf(rows);
const specs = [checks.notNull('city'), checks.range('age', { min: 0, max: 120 }), checks.unique('id')];
const failingAny = rows.rn.filter((rn) => {
  const seen = rows.id.slice(0, rn);
  const age = rows.age[rn];
  return rows.city[rn] === null || (age !== null && (Number.isNaN(age) || age < 0 || age > 120)) || (rows.id[rn] !== null && seen.includes(rows.id[rn]));
});

describe('explain', () => {
  it('shows the validation step and its expectations in the logical and physical plans', () => {
    const text = rel.validate(specs, { policy: 'drop' }).relation.filter((r) => r.a.gt(1)).explain();
    const line = 'Validate policy=drop: not_null(city), range(age in [0, 120]), unique(id)';
    const [asBuilt, optimized] = text.split('Optimized plan');
    expect(asBuilt).toContain(line);
    expect(optimized).toContain(line);
    expect(text).toMatch(/#\d+ Validate policy=drop/);
  });

  it('explain analyze runs it and shows its rows', async () => {
    const text = await rel.validate(specs, { policy: 'drop' }).relation.explain({ analyze: true });
    expect(text).toContain('Validate policy=drop');
    expect(text).toContain(String(N - failingAny.length));
  });

  it('the report prints as a table', async () => {
    const { report } = await rel.validate(specs, { policy: 'quarantine' }).collect();
    const text = formatReport(report);
    expect(text.split('\n')[0]).toBe(`validation (policy quarantine): ${N} input rows, ${N - failingAny.length} kept, ${failingAny.length} quarantined; 3 failed`);
    expect(text).toContain('not_null');
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });
});

describe('the optimizer', () => {
  it('keeps a filter above the step: every input row is validated and counted', async () => {
    const v = rel.validate(specs, { policy: 'drop' });
    const downstream = v.relation.filter((r) => r.a.gt(50));
    const optimized = downstream.explain().split('Optimized plan')[1];
    expect(optimized.indexOf('Filter')).toBeLessThan(optimized.indexOf('Validate'));
    const { table, validations } = await collectValidated(downstream);
    const report = validations.get(v.id)!.report;
    expect(report.inputRows).toBe(N);
    expect(report.droppedRows).toBe(failingAny.length);
    const kept = rows.rn.filter((rn) => !failingAny.includes(rn) && rows.a[rn] !== null && rows.a[rn]! > 50);
    expect(Array.from(table.getChild('rn')!.toArray(), Number)).toEqual(kept);
  });

  it('keeps a limit above the step', async () => {
    const v = rel.validate(specs, { policy: 'drop' });
    const { table, validations } = await collectValidated(v.relation.limit(5));
    expect(table.numRows).toBe(5);
    expect(validations.get(v.id)!.report.inputRows).toBe(N);
  });

  it('a projection above the step leaves it every column: the quarantine keeps whole rows', async () => {
    const v = rel.validate(specs, { policy: 'quarantine' });
    const { table, validations } = await collectValidated(v.relation.select('rn'));
    expect(table.schema.fields.map((f) => f.name)).toEqual(['rn']);
    const q = validations.get(v.id)!.quarantine!;
    expect(q.schema.fields.map((f) => f.name)).toEqual(['rn', 'id', 'age', 'city', 'code', 'a', 'b', 'day', 'failed_constraints', 'input_row']);
    expect(q.batches.reduce((s, b) => s + b.length, 0)).toBe(failingAny.length);
  });

  it('gives the same rows with the optimizer off', async () => {
    const v = rel.validate(specs, { policy: 'drop' });
    const on = await v.collect();
    const off = await v.collect({ optimize: false });
    expect(off.report).toEqual(on.report);
    expect(off.table.toArray().map((r) => r.toJSON())).toEqual(on.table.toArray().map((r) => r.toJSON()));
  });

  it('two equal validation steps stay two steps, each with its report', async () => {
    const one = rel.validate(specs, { policy: 'drop' });
    const two = rel.validate(specs, { policy: 'drop' });
    const { validations } = await collectValidated(one.relation.unionAll(two.relation));
    expect(validations.get(one.id)!.report).toEqual(validations.get(two.id)!.report);
  });
});

describe('pipelines that go on after validation', () => {
  it('one-hot categories are still known through the step (a matrix over validated rows)', async () => {
    const clean = rel.validate([checks.notNull('a'), checks.notNull('b'), checks.oneOf('city', ['Paris', 'Lyon'])], { policy: 'drop' }).relation;
    const X = clean.dropNulls('a').toMatrix(['a', { onehot: 'city' }]);
    const m = await X.collect();
    const expected = rows.rn.filter((rn) => rows.a[rn] !== null && rows.b[rn] !== null && (rows.city[rn] === null || ['Paris', 'Lyon'].includes(rows.city[rn]!)));
    expect(m.rows).toBe(expected.length);
    expect(m.columnNames).toEqual(['a', 'city=Lille', 'city=Lyon', 'city=Nice', 'city=Paris']);
  });

  it('policy error stops the whole pipeline with a ValidationError', async () => {
    const downstream = rel.validate(specs).relation.groupBy('city').agg((r) => ({ n: r.a.count() }));
    await expect(downstream.collect()).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('plan-time errors name the constraint and the column', () => {
  it.each([
    ['an unknown column', () => rel.validate([checks.notNull('nope')]), UnknownColumnError, /validate \(not_null\).*'nope'/],
    ['a range on strings', () => rel.validate([checks.range('city', { min: 0 })]), TypeMismatchError, /range on 'city'.*string/],
    ['a range without bounds', () => rel.validate([checks.range('age', {})]), PlanError, /range on 'age': expected a min, a max or both/],
    ['number bounds on a date column', () => rel.validate([checks.range('day', { min: 0 })]), TypeMismatchError, /range on 'day': the column is date\? but the bounds are numbers/],
    ['Date bounds on a number column', () => rel.validate([checks.range('age', { max: new Date() })]), TypeMismatchError, /the bounds are Dates/],
    ['a Date and a number as bounds', () => rel.validate([checks.range('day', { min: new Date(), max: 3 })]), PlanError, /one bound is a Date and the other a number/],
    ['min above max', () => rel.validate([checks.range('age', { min: 2, max: 1 })]), PlanError, /min 2 is above max 1/],
    ['categories of another type', () => rel.validate([checks.oneOf('city', [1])]), TypeMismatchError, /one_of on 'city'.*1 is a number/],
    ['a pattern on numbers', () => rel.validate([checks.matches('age', /1/)]), TypeMismatchError, /pattern on 'age'/],
    ['a predicate that is not bool', () => rel.validate([checks.satisfies('p', (r) => r.a.add(1))]), TypeMismatchError, /predicate 'p'.*expected bool/],
    ['two predicates of one name', () => rel.validate([checks.satisfies('p', (r) => r.a.gt(1)), checks.satisfies('p', (r) => r.b.gt(1))]), PlanError, /two custom predicates are named 'p'/],
    ['no expectations', () => rel.validate([]), PlanError, /at least one expectation/],
    ['an unknown policy', () => rel.validate(specs, { policy: 'ignore' as never }), PlanError, /unknown policy 'ignore'/],
    ['a null fraction outside [0, 1]', () => rel.validate([checks.nullFraction('a', 2)]), PlanError, /fraction in \[0, 1\], got 2/],
    ['uniqueness over no column', () => rel.validate([checks.unique()]), PlanError, /unique: expected at least one column/],
  ])('%s', (_what, build, type, message) => {
    expect(build).toThrow(type);
    expect(build).toThrow(message);
  });

  it('a custom predicate may be an expression built outside a callback', async () => {
    const { report } = await rel.validate([checks.satisfies('a_below_b', rel.columns.a.lt(rel.columns.b))], { policy: 'warn' }).collect();
    const expected = rows.rn.filter((rn) => rows.a[rn] !== null && rows.b[rn] !== null && !(rows.a[rn]! < rows.b[rn]!)).length;
    expect(report.results[0]).toMatchObject({ constraint: 'a_below_b', column: 'a, b', failingRows: expected });
    expect(rel.validate([checks.satisfies('a_below_b', rel.columns.a.lt(rel.columns.b))]).explain()).toContain('a_below_b: (a < b)');
  });

  it('a global or sticky regular expression is checked without state', async () => {
    const { report } = await rel.validate([checks.matches('code', /^[A-Z]{2}-/g)], { policy: 'warn' }).collect();
    const expected = rows.code.filter((c) => c !== null && !/^[A-Z]{2}-/.test(c)).length;
    expect(report.results[0].failingRows).toBe(expected);
  });
});

describe('column types', () => {
  it('allowed values of a float32 column compare as float32, as the column holds them', async () => {
    const r = fromColumns({ x: Float32Array.of(0.1, 0.2, 0.3, 0.1) });
    const { report } = await r.validate([checks.oneOf('x', [0.1, 0.3])], { policy: 'warn' }).collect();
    expect(report.results[0]).toMatchObject({ failingRows: 1, firstFailingRows: [1] });
  });

  it('int64 and bool columns', async () => {
    const r = fromColumns({ n: BigInt64Array.of(1n, 2n, 3n, -4n), flag: [true, false, null, true] });
    const { report } = await r.validate([checks.range('n', { min: 0 }), checks.oneOf('n', [1, 2]), checks.oneOf('flag', [true])], { policy: 'warn' }).collect();
    expect(report.results.map((x) => [x.failingRows, x.firstFailingValue])).toEqual([
      [1, -4],
      [2, 3],
      [1, false],
    ]);
  });
});
