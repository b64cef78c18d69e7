// Profiles (checked against DuckDB's statistics), checks of batches against them, and the per-row verdict.
import { tableFromArrays } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { type NumericFeatureProfile, type Profile, checkAgainstProfile, fromColumns, profile, rowChecker } from '../../src/index.js';
import { duckdbColumns } from '../support/duckdb.js';
import { CITIES, generateRows, relationOf, sqlTable } from './fixture.js';

const N = 800;
const rows = generateRows(N, 99);
const rel = relationOf(rows);
let p: Profile;

beforeAll(async () => {
  p = await profile(rel, ['age', 'a', 'city', 'day']);
});

const feature = (name: string) => p.features.find((f) => f.name === name)!;

describe('profile', () => {
  it('numeric features: null fraction, min/max, mean and deviation as DuckDB computes them (NaN left out)', async () => {
    const out = await duckdbColumns(
      `WITH t AS (${sqlTable(rows)}) SELECT count(*) FILTER (WHERE age IS NULL) AS nulls, count(*) FILTER (WHERE isnan(age)) AS nans, ` +
        `min(age) FILTER (WHERE NOT isnan(age)) AS lo, max(age) FILTER (WHERE NOT isnan(age)) AS hi, avg(age) FILTER (WHERE NOT isnan(age)) AS mean, ` +
        `stddev_pop(age) FILTER (WHERE NOT isnan(age)) AS sd, avg(a) AS mean_a, stddev_pop(a) AS sd_a FROM t`,
    );
    const age = feature('age') as NumericFeatureProfile;
    expect(age).toMatchObject({ kind: 'numeric', dtype: 'float64', rows: N, nulls: Number(out.nulls[0]), nans: Number(out.nans[0]), min: out.lo[0], max: out.hi[0] });
    expect(age.nullFraction).toBe(Number(out.nulls[0]) / N);
    expect(age.mean).toBeCloseTo(out.mean[0] as number, 10);
    expect(age.std).toBeCloseTo(out.sd[0] as number, 10);
    const a = feature('a') as NumericFeatureProfile;
    expect(a.mean).toBeCloseTo(out.mean_a[0] as number, 10);
    expect(a.std).toBeCloseTo(out.sd_a[0] as number, 10);
  });

  it('categorical features: frequencies of the non-null rows, as DuckDB counts them', async () => {
    const out = await duckdbColumns(`WITH t AS (${sqlTable(rows)}) SELECT city, count(*)::DOUBLE / (SELECT count(city) FROM t) AS f FROM t WHERE city IS NOT NULL GROUP BY city ORDER BY city`);
    const city = feature('city');
    expect(city.kind).toBe('categorical');
    if (city.kind !== 'categorical') return;
    expect(city.categories).toEqual(out.city);
    city.frequencies.forEach((f, k) => expect(f).toBeCloseTo(out.f[k] as number, 12));
  });

  it('PSI bins: deciles of the training values, each holding about a tenth', () => {
    const a = feature('a') as NumericFeatureProfile;
    expect(a.edges.length).toBeGreaterThanOrEqual(8);
    expect(a.binFractions.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
    for (const f of a.binFractions) expect(f).toBeLessThan(0.2);
  });

  it('dates are numeric, in days', () => {
    const day = feature('day') as NumericFeatureProfile;
    const days = rows.day.filter((d) => d !== null).map((d) => d!.getTime() / 86_400_000);
    expect([day.min, day.max]).toEqual([Math.min(...days), Math.max(...days)]);
  });

  it('is plain JSON, and the same from an Arrow table', async () => {
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
    const table = await rel.select('a', 'city').collect();
    expect(await profile(table)).toEqual(await profile(rel, ['a', 'city']));
  });
});

describe('checkAgainstProfile', () => {
  it('finds nothing wrong in the training data itself', async () => {
    const check = await checkAgainstProfile(p, rel);
    expect(check).toMatchObject({ rows: N, schema: [], unseenCategories: [], outOfRange: [], unexpectedNulls: [], ok: true });
    for (const d of check.drift) expect(d.psi).toBeCloseTo(0, 12);
  });

  it('schema: missing columns and columns of another kind', async () => {
    const batch = fromColumns({ age: ['x'], a: Float64Array.of(1), city: ['Paris'] });
    const check = await checkAgainstProfile(p, batch);
    expect(check.schema).toEqual([
      { column: 'age', problem: 'type', expected: 'float64', actual: 'string' },
      { column: 'day', problem: 'missing', expected: 'date', actual: null },
    ]);
    expect(check.ok).toBe(false);
  });

  it('unseen categories, out-of-range values and nulls where training had none', async () => {
    const clean = await profile(relationOf(generateRows(N, 5)).dropNulls('a', 'city'), ['a', 'city']);
    const check = await checkAgainstProfile(clean, [
      { a: 50, city: 'Paris' },
      { a: 1000, city: 'Berlin' },
      { a: -1, city: 'Berlin' },
      { a: null, city: 'Rome' },
      { a: 3, city: null },
    ]);
    const a = clean.features[0] as NumericFeatureProfile;
    expect(check.unseenCategories).toEqual([{ column: 'city', rows: 3, values: ['Berlin', 'Rome'] }]);
    expect(check.outOfRange).toEqual([{ column: 'a', rows: 2, min: -1, max: 1000, trainingMin: a.min, trainingMax: a.max }]);
    expect(check.unexpectedNulls).toEqual([
      { column: 'a', rows: 1 },
      { column: 'city', rows: 1 },
    ]);
  });

  it('reads an Arrow table', async () => {
    const check = await checkAgainstProfile(p, tableFromArrays({ age: Float64Array.of(1, 2), a: Float64Array.of(1e9, 2), city: ['Paris', 'Oslo'] }));
    expect(check.schema).toEqual([{ column: 'day', problem: 'missing', expected: 'date', actual: null }]);
    expect(check.outOfRange.map((o) => o.column)).toEqual(['a']);
    expect(check.unseenCategories.map((u) => u.values)).toEqual([['Oslo']]);
  });
});

describe('rowChecker', () => {
  const clean = relationOf(generateRows(N, 5)).dropNulls('a', 'city', 'day');
  let check: ReturnType<typeof rowChecker>;
  let a: NumericFeatureProfile;
  beforeAll(async () => {
    const q = await profile(clean, ['a', 'city', 'day', 'age']);
    check = rowChecker(q);
    a = q.features[0] as NumericFeatureProfile;
  });

  it('null for a fine row (the same null every call)', () => {
    const row = { a: a.min!, city: CITIES[0], day: new Date('2020-06-01'), age: null };
    expect(check(row)).toBeNull();
    expect(check({ ...row, a: a.max!, age: Number.NaN })).toBeNull();
  });

  it('lists every problem of a bad row', () => {
    expect(check({ a: a.max! + 1, city: 'Berlin', day: 'June', age: 3 })?.problems).toEqual([
      { column: 'a', problem: 'out_of_range', value: a.max! + 1 },
      { column: 'city', problem: 'unseen', value: 'Berlin' },
      { column: 'day', problem: 'type', value: 'June' },
    ]);
    expect(check({ a: null, day: new Date('2019-01-01'), age: 1 })?.problems).toEqual([
      { column: 'a', problem: 'null', value: null },
      { column: 'city', problem: 'missing', value: undefined },
      { column: 'day', problem: 'out_of_range', value: new Date('2019-01-01') },
    ]);
    // Training had no NaN in `a`: a NaN is outside what it saw.
    expect(check({ a: Number.NaN, city: CITIES[1], day: new Date('2020-02-01'), age: 1 })?.problems).toEqual([{ column: 'a', problem: 'out_of_range', value: Number.NaN }]);
  });

  it('values already read, in feature order, get the same verdict', () => {
    expect(check.features).toEqual(['a', 'city', 'day', 'age']);
    expect(check.values([a.min!, CITIES[0], new Date('2020-06-01'), null])).toBeNull();
    expect(check.values([a.min!, 'Berlin', new Date('2020-06-01'), undefined])?.problems).toEqual([
      { column: 'city', problem: 'unseen', value: 'Berlin' },
      { column: 'age', problem: 'missing', value: undefined },
    ]);
    expect(() => check.values([1])).toThrow(/expected 4 values/);
  });

  it('an inherited property is not a value', () => {
    const q: Profile = { version: 1, rows: 1, features: [{ kind: 'categorical', name: 'toString', dtype: 'string', rows: 1, nulls: 0, nullFraction: 0, categories: ['x'], frequencies: [1] }] };
    expect(rowChecker(q)({})?.problems).toEqual([{ column: 'toString', problem: 'missing', value: undefined }]);
  });
});
