// Every expectation kind under every policy, with failing rows counted exactly: DuckDB gives the failing row numbers.
import { beforeAll, describe, expect, it } from 'vitest';
import { type ExpectationSpec, type ValidationPolicy, ValidationError, checks } from '../../src/index.js';
import { duckdbColumns } from '../support/duckdb.js';
import { ALLOWED_CITIES, CODE_PATTERN, type Rows, generateRows, relationOf, sqlTable } from './fixture.js';

const N = 600;
const rows = generateRows(N, 20261203);
const rel = relationOf(rows);
const POLICIES: ValidationPolicy[] = ['error', 'warn', 'drop', 'quarantine'];

interface RowCase {
  readonly title: string;
  readonly spec: ExpectationSpec;
  /** SQL condition true for a failing row (NULL counts as passing, as in a CHECK constraint). */
  readonly failsWhen: string;
  readonly constraint: string;
  readonly column: string;
  /** How the quarantine names it. */
  readonly ref: string;
  /** The value the report gives for row `rn`. */
  readonly value: (rn: number) => unknown;
}

const ROW_CASES: RowCase[] = [
  { title: 'not null', spec: checks.notNull('city'), failsWhen: 'city IS NULL', constraint: 'not_null', column: 'city', ref: 'not_null(city)', value: () => null },
  { title: 'unique', spec: checks.unique('id'), failsWhen: 'id IS NOT NULL AND dup_id > 1', constraint: 'unique', column: 'id', ref: 'unique(id)', value: (rn) => rows.id[rn] },
  {
    title: 'unique on two columns',
    spec: checks.unique('city', 'a'),
    failsWhen: 'city IS NOT NULL AND a IS NOT NULL AND dup_city_a > 1',
    constraint: 'unique',
    column: 'city, a',
    ref: 'unique(city, a)',
    value: (rn) => [rows.city[rn], rows.a[rn]],
  },
  // NaN sorts above every number (SQL, DuckDB): it fails a max, passes a min.
  { title: 'range', spec: checks.range('age', { min: 0, max: 120 }), failsWhen: 'age < 0 OR age > 120', constraint: 'range', column: 'age', ref: 'range(age)', value: (rn) => rows.age[rn] },
  { title: 'range, min only', spec: checks.range('age', { min: 0 }), failsWhen: 'age < 0', constraint: 'range', column: 'age', ref: 'range(age)', value: (rn) => rows.age[rn] },
  { title: 'range, max only', spec: checks.range('age', { max: 100 }), failsWhen: 'age > 100', constraint: 'range', column: 'age', ref: 'range(age)', value: (rn) => rows.age[rn] },
  {
    title: 'range on dates',
    spec: checks.range('day', { min: new Date('2020-03-01'), max: new Date('2020-10-31') }),
    failsWhen: "day < DATE '2020-03-01' OR day > DATE '2020-10-31'",
    constraint: 'range',
    column: 'day',
    ref: 'range(day)',
    value: (rn) => rows.day[rn],
  },
  {
    title: 'allowed categories',
    spec: checks.oneOf('city', ALLOWED_CITIES),
    failsWhen: `city NOT IN (${ALLOWED_CITIES.map((c) => `'${c}'`).join(', ')})`,
    constraint: 'one_of',
    column: 'city',
    ref: 'one_of(city)',
    value: (rn) => rows.city[rn],
  },
  { title: 'pattern', spec: checks.matches('code', new RegExp(CODE_PATTERN)), failsWhen: `NOT regexp_matches(code, '${CODE_PATTERN}')`, constraint: 'pattern', column: 'code', ref: 'pattern(code)', value: (rn) => rows.code[rn] },
  {
    title: 'custom predicate',
    spec: checks.satisfies('a_below_b', (r) => r.a.lt(r.b)),
    failsWhen: 'NOT (a < b)',
    constraint: 'a_below_b',
    column: 'a, b',
    ref: 'a_below_b',
    value: (rn) => ({ a: rows.a[rn], b: rows.b[rn] }),
  },
];

const WITH_DUPS = `WITH t AS (${sqlTable(rows)}), t2 AS (SELECT *, row_number() OVER (PARTITION BY id ORDER BY rn) AS dup_id, row_number() OVER (PARTITION BY city, a ORDER BY rn) AS dup_city_a FROM t)`;

/** Per row case, the failing row numbers in order, by DuckDB. */
let failing: number[][];
let nullFraction: number;

beforeAll(async () => {
  const lists = ROW_CASES.map((c, k) => `list(rn ORDER BY rn) FILTER (WHERE coalesce(${c.failsWhen}, false)) AS c${k}`);
  const out = await duckdbColumns(`${WITH_DUPS} SELECT ${lists.join(', ')}, (count(*) FILTER (WHERE age IS NULL))::DOUBLE / count(*) AS null_fraction FROM t2`);
  failing = ROW_CASES.map((_, k) => ((out[`c${k}`][0] as number[] | null) ?? []).map(Number));
  nullFraction = out.null_fraction[0] as number;
});

/** The same rows as two batches, so that row positions and uniqueness must carry across batches. */
const inTwoBatches = () => rel.limit(N / 2).unionAll(rel.offset(N / 2));

async function keptRowNumbers(table: { getChild(name: string): { toArray(): ArrayLike<number> } | null }): Promise<number[]> {
  return Array.from(table.getChild('rn')!.toArray(), Number);
}

describe.each(ROW_CASES.map((c, k) => [c.title, c, k] as const))('%s', (_title, c, k) => {
  it('the generated rows fail it (so every policy below is exercised)', () => {
    expect(failing[k].length).toBeGreaterThan(0);
    expect(failing[k].length).toBeLessThan(N);
  });

  it.each(POLICIES)('policy %s', async (policy) => {
    const expected = failing[k];
    const validated = inTwoBatches().validate([c.spec], { policy });
    if (policy === 'error') {
      const error = await validated.collect().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ValidationError);
      const v = error as ValidationError;
      expect(v.constraint).toBe(c.constraint);
      expect(v.column).toBe(c.column);
      expect(v.row).toBe(expected[0]);
      expect(v.value).toEqual(c.value(expected[0]));
      expect(v.message).toContain(`row ${expected[0]}`);
      expect(v.report.results[0].failingRows).toBe(expected.length);
      return;
    }
    const { table, report, quarantine, quarantineTable } = await validated.collect();
    const r = report.results[0];
    expect(r).toMatchObject({ constraint: c.constraint, column: c.column, status: 'fail', level: 'row', failingRows: expected.length, firstFailingRows: expected.slice(0, 5) });
    expect(r.firstFailingValue).toEqual(c.value(expected[0]));
    const failingSet = new Set(expected);
    const survivors = rows.rn.filter((rn) => !failingSet.has(rn));
    expect(report.inputRows).toBe(N);
    expect(report.keptRows + report.droppedRows + report.quarantinedRows).toBe(N);
    if (policy === 'warn') {
      expect(await keptRowNumbers(table)).toEqual(rows.rn);
      expect(report).toMatchObject({ keptRows: N, droppedRows: 0, quarantinedRows: 0 });
      expect(quarantine).toBeNull();
    } else {
      expect(await keptRowNumbers(table)).toEqual(survivors);
      expect(report.keptRows).toBe(survivors.length);
      if (policy === 'drop') {
        expect(report.droppedRows).toBe(expected.length);
        expect(quarantine).toBeNull();
      } else {
        expect(report.quarantinedRows).toBe(expected.length);
        expect(Array.from(quarantineTable!.getChild('input_row')!.toArray(), Number)).toEqual(expected);
        expect(Array.from(quarantineTable!.getChild('rn')!.toArray(), Number)).toEqual(expected);
        expect(new Set(quarantineTable!.getChild('failed_constraints')!.toArray())).toEqual(new Set([c.ref]));
        // The quarantine is a relation the pipeline can go on from.
        expect(await quarantine!.collectRows()).toHaveLength(expected.length);
      }
    }
  });
});

describe('dataset-level expectations', () => {
  const cases = [
    { title: 'null fraction', spec: checks.nullFraction('age', 0.01), constraint: 'null_fraction', column: 'age' as string | null },
    { title: 'row count', spec: checks.rowCount({ min: N + 1 }), constraint: 'row_count', column: null },
  ];
  it('the null fraction is what DuckDB computes, and above the bound', () => {
    expect(nullFraction).toBeGreaterThan(0.01);
  });
  describe.each(cases)('$title', ({ spec, constraint, column }) => {
    it.each(POLICIES)('policy %s: reported, no row removed (no single row is at fault)', async (policy) => {
      const validated = rel.validate([spec], { policy });
      if (policy === 'error') {
        const error = (await validated.collect().catch((e: unknown) => e)) as ValidationError;
        expect(error).toBeInstanceOf(ValidationError);
        expect(error).toMatchObject({ constraint, column, row: null });
        return;
      }
      const { table, report } = await validated.collect();
      expect(table.numRows).toBe(N);
      expect(report).toMatchObject({ inputRows: N, keptRows: N, droppedRows: 0, quarantinedRows: 0, passed: false });
      expect(report.results[0]).toMatchObject({ constraint, column, status: 'fail', level: 'dataset', failingRows: 0 });
      if (constraint === 'null_fraction') expect(report.results[0].observed).toContain(`${nullFraction} (`);
    });
  });
  it('passes within the bounds', async () => {
    const { report } = await rel.validate([checks.nullFraction('age', 0.5), checks.rowCount({ min: N, max: N })], { policy: 'error' }).collect();
    expect(report.passed).toBe(true);
    expect(report.results.map((r) => r.observed)).toEqual([`${nullFraction} (${rows.age.filter((x) => x === null).length} nulls of ${N} rows)`, `${N} rows`]);
  });
});

describe('all expectations at once', () => {
  const specs = ROW_CASES.map((c) => c.spec).filter((_, k) => ROW_CASES[k].title !== 'range, min only' && ROW_CASES[k].title !== 'range, max only');
  const used = ROW_CASES.filter((c) => c.title !== 'range, min only' && c.title !== 'range, max only');

  it('quarantine: each row lists exactly the constraints it failed, as DuckDB finds them', async () => {
    const refs = used.map((c) => `CASE WHEN coalesce(${c.failsWhen}, false) THEN '${c.ref}' END`);
    const out = await duckdbColumns(`${WITH_DUPS} SELECT rn, concat_ws('; ', ${refs.join(', ')}) AS failed FROM t2 WHERE failed <> '' ORDER BY rn`);
    const { table, report, quarantineTable } = await inTwoBatches().validate(specs, { policy: 'quarantine' }).collect();
    expect(Array.from(quarantineTable!.getChild('input_row')!.toArray(), Number)).toEqual(out.rn.map(Number));
    expect(quarantineTable!.getChild('failed_constraints')!.toArray()).toEqual(out.failed);
    expect(report.quarantinedRows).toBe(out.rn.length);
    expect(table.numRows + report.quarantinedRows).toBe(N);
    // Each expectation still counts all of its failures, whatever else the row failed.
    used.forEach((c) => expect(report.results.find((r) => r.constraint === c.constraint && r.column === c.column)!.failingRows).toBe(failing[ROW_CASES.indexOf(c)].length));
  });

  it('drop: the kept rows are the rows DuckDB finds failing none', async () => {
    const out = await duckdbColumns(`${WITH_DUPS} SELECT rn FROM t2 WHERE NOT (${used.map((c) => `coalesce(${c.failsWhen}, false)`).join(' OR ')}) ORDER BY rn`);
    const { table, report } = await rel.validate(specs, { policy: 'drop' }).collect();
    expect(await keptRowNumbers(table)).toEqual(out.rn.map(Number));
    expect(report.droppedRows).toBe(N - out.rn.length);
  });

  it('error: names the first expectation (in declared order) that failed', async () => {
    const error = (await rel.validate([checks.range('age', { min: -100, max: 1000 }), ...specs], { policy: 'error' }).collect().catch((e: unknown) => e)) as ValidationError;
    // NaN ages fail a max, so the first failing expectation is the wide range.
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.constraint).toBe('range');
    expect(Number.isNaN(error.value)).toBe(true);
  });
});

describe('nulls (SQL CHECK semantics: unknown passes)', () => {
  const nulls: Rows = { rn: [0, 1, 2], id: [null, null, 1], age: [null, 5, null], city: [null, 'Paris', null], code: [null, 'AB-123', null], a: [null, 1, 2], b: [3, null, 1], day: [null, null, null] };
  const r = relationOf(nulls);
  it('range, categories, pattern, predicate and uniqueness pass on nulls', async () => {
    const { report } = await r
      .validate([checks.range('age', { min: 0, max: 1 }), checks.oneOf('city', ['Lyon']), checks.matches('code', /^AB/), checks.satisfies('a_below_b', (x) => x.a.lt(x.b)), checks.unique('id'), checks.range('day', { min: new Date('2030-01-01') })], { policy: 'warn' })
      .collect();
    expect(report.results.map((x) => x.failingRows)).toEqual([1, 1, 0, 1, 0, 0]);
    expect(report.results.map((x) => x.firstFailingRows)).toEqual([[1], [1], [], [2], [], []]);
  });
  it('not null (and a null fraction) count them', async () => {
    const { report } = await r.validate([checks.notNull('age'), checks.notNull('id'), checks.nullFraction('day', 0.99)], { policy: 'warn' }).collect();
    expect(report.results.map((x) => [x.status, x.failingRows])).toEqual([
      ['fail', 2],
      ['fail', 2],
      ['fail', 0],
    ]);
  });
});

describe('empty relations', () => {
  const empty = relationOf(generateRows(0, 1));
  it.each(POLICIES)('policy %s: every row-level expectation passes, the row count is still checked', async (policy) => {
    const specs = [...ROW_CASES.map((c) => c.spec), checks.nullFraction('age', 0)];
    const { table, report, quarantineTable } = await empty.validate(specs, { policy }).collect();
    expect(table.numRows).toBe(0);
    expect(report).toMatchObject({ inputRows: 0, keptRows: 0, droppedRows: 0, quarantinedRows: 0, passed: true });
    if (policy === 'quarantine') expect(quarantineTable!.numRows).toBe(0);
    const out = await duckdbColumns(`WITH t AS (${sqlTable(generateRows(0, 1))}) SELECT count(*) AS n FROM t`);
    expect(Number(out.n[0])).toBe(report.inputRows);
    const rowCount = empty.validate([checks.rowCount({ min: 1 })], { policy });
    if (policy === 'error') await expect(rowCount.collect()).rejects.toBeInstanceOf(ValidationError);
    else expect((await rowCount.collect()).report.results[0].status).toBe('fail');
  });
});

describe('a report no one collects', () => {
  it('goes out as a process warning, never silently: a pipeline going on from a Validated and collected plainly', async () => {
    const rel = relationOf(generateRows(50, 7));
    const warnings: Error[] = [];
    const listen = (w: Error) => warnings.push(w);
    process.on('warning', listen);
    try {
      const dropped = rel.validate([checks.range('age', { min: 0, max: 30 })], { policy: 'drop' });
      const kept = await dropped.relation.collect();
      const { report } = await dropped.collect();
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      const ours = warnings.filter((w) => (w as Error & { code?: string }).code === 'TESSERA_VALIDATION');
      expect(ours).toHaveLength(1);
      expect(ours[0].message).toContain(`(policy 'drop'): `);
      expect(ours[0].message).toContain(`${report.droppedRows} rows dropped`);
      expect(kept.numRows).toBe(report.keptRows);
      // A passing validation says nothing.
      await rel.validate([checks.rowCount({ min: 1 })], { policy: 'warn' }).relation.collect();
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => (w as Error & { code?: string }).code === 'TESSERA_VALIDATION')).toHaveLength(1);
    } finally {
      process.off('warning', listen);
    }
  });
});
