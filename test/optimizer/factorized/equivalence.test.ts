/**
 * Factorized linear algebra over primary-key/foreign-key joins (R14 with R1–R3, R5, R8):
 * on seeded star and snowflake schemas (test/support/star-schema.ts), every operation on
 * T = toMatrix(F ⋈ D₁ ⋈ …) gives the same result
 *  (a) optimized, as `collect()` runs it (R14 chooses by cost; asserted 'factorized'
 *      where the tuple ratio is high, so these cases cannot silently test the joined plan),
 *  (b) as built (`optimize: false`),
 *  (c) with the joins materialized (`materializeJoins: true`),
 *  (d) factorized whatever the cost (R14 with a cost preferring key maps: empty tables,
 *      tuple ratio 1),
 * within 1e-9 of the largest entry; and the optimized plan on every other provider
 * that loads (float32 TF.js within 1e-3). A plan that fails as built must fail the
 * same way (same error class) in every mode.
 */
import { Table, tableFromArrays } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ExecutionError, type Matrix, fromArrow, fromColumns, fromDense, kmeans, linearRegression, logisticRegression } from '../../../src/index.js';
import { execute } from '../../../src/exec/execute.js';
import { toDense } from '../../../src/exec/operators/matrix.js';
import type { ProviderName } from '../../../src/providers/provider.js';
import { OTHER_PROVIDERS } from '../../support/providers.js';
import { type AnyRelation, type StarOptions, type StarSchema, choices, forceFactorized, keyedOperators, starSchema } from '../../support/star-schema.js';

interface Result {
  readonly rows: number;
  readonly cols: number;
  readonly data: ArrayLike<number>;
}

/** Each mode's result, or the error it threw. */
type Outcome = { readonly ok: Result } | { readonly error: unknown };

async function outcome(run: () => Promise<Result>): Promise<Outcome> {
  try {
    return { ok: await run() };
  } catch (error) {
    return { error };
  }
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 1;
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i])) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Same shape; same NaN/±∞ positions; finite entries within relTol of the largest |entry| of `want`. */
function expectClose(label: string, got: Result, want: Result, relTol: number): void {
  expect([got.rows, got.cols], `${label}: shape`).toEqual([want.rows, want.cols]);
  const tol = relTol * maxAbs(want.data);
  for (let i = 0; i < want.data.length; i++) {
    const [a, b] = [got.data[i], want.data[i]];
    const same = Number.isFinite(b) ? Math.abs(a - b) <= tol : Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
    if (!same) expect.fail(`${label}: differ at (${Math.floor(i / want.cols)}, ${i % want.cols}): ${a} vs ${b} (tolerance ${tol})`);
  }
}

function expectSameOutcome(label: string, got: Outcome, want: Outcome, relTol: number): void {
  if ('error' in want) {
    expect('error' in got, `${label}: as built fails (${String(want.error)}), this mode ran`).toBe(true);
    if ('error' in got) expect((got.error as object).constructor, `${label}: ${String(got.error)} vs ${String(want.error)}`).toBe((want.error as object).constructor);
    return;
  }
  if ('error' in got) throw new Error(`${label}: as built runs, this mode fails`, { cause: got.error });
  expectClose(label, got.ok, want.ok, relTol);
}

/** Runs `m` in modes (a)–(d) and expects them to agree with (b); returns the modes' outcomes. */
async function expectModesAgree(m: Matrix<number, number>, tolerance = 1e-9): Promise<Outcome> {
  const asBuilt = await outcome(() => m.collect({ optimize: false }));
  expectSameOutcome('optimized', await outcome(() => m.collect()), asBuilt, tolerance);
  expectSameOutcome('materialized joins', await outcome(() => m.collect({ materializeJoins: true })), asBuilt, tolerance);
  const forced = forceFactorized(m.plan).plan;
  expect(keyedOperators(forced), 'the forced plan is factorized').toBeGreaterThan(0);
  const runForced = async () => {
    const { result } = await execute(forced);
    if (result.kind !== 'matrix') throw new Error('expected a matrix');
    return toDense(result.value);
  };
  expectSameOutcome('factorized whatever the cost', await outcome(runForced), asBuilt, tolerance);
  return asBuilt;
}

// ------------------------------------------------------------------------ schemas

interface Scenario {
  readonly name: string;
  readonly options: StarOptions;
  /** Also rerun the optimized plans on the other providers. */
  readonly providers?: boolean;
  /** Relative to the largest entry (default 1e-9; float32 matrices store rounded intermediates). */
  readonly tolerance?: number;
  /** Only these operations (by name), or all but these. */
  readonly operations?: readonly string[];
  readonly except?: readonly string[];
}

const SCENARIOS: readonly Scenario[] = [
  { name: 'one dimension, int keys', options: { seed: 1, dims: 1 }, providers: true },
  { name: 'star of two dimensions', options: { seed: 2, dims: 2 } },
  { name: 'star of three dimensions, unmatched and null keys, orphan dimension rows', options: { seed: 3, dims: 3, unmatched: 0.05, nullKeys: 0.05, orphans: 0.3 }, providers: true },
  { name: 'snowflake F → D1 → D2', options: { seed: 4, dims: 2, snowflake: true } },
  { name: 'snowflake F → D1 → D2 → D3, unmatched keys along the chain', options: { seed: 5, dims: 3, snowflake: true, unmatched: 0.05, orphans: 0.2 } },
  { name: 'string keys, unmatched, null and repeated keys, orphans', options: { seed: 6, dims: 2, keyType: 'string', unmatched: 0.1, nullKeys: 0.1, orphans: 0.25 } },
  { name: 'snowflake with string keys and null chain keys', options: { seed: 7, dims: 2, snowflake: true, keyType: 'string', nullKeys: 0.08, orphans: 0.2 } },
  { name: 'one-hot city from a dimension (null cities: zero rows)', options: { seed: 8, dims: 1, onehot: true, dimFeatures: 4 }, providers: true },
  { name: 'standardized fact and dimension features', options: { seed: 9, dims: 2, standardize: true } },
  { name: 'fact features between dimension blocks, one-hot, hashed, intercept', options: { seed: 10, dims: 2, interleave: true, onehot: true, hash: true, intercept: true } },
  {
    name: 'float32 matrix',
    options: { seed: 14, dims: 2, dtype: 'float32', unmatched: 0.05 },
    providers: true,
    tolerance: 1e-4,
  },
  { name: 'tuple ratio 1 (R14 keeps the joined matrix: asserted below)', options: { seed: 11, dims: 2, tupleRatio: 1 } },
  { name: 'empty fact table', options: { seed: 12, dims: 2, tupleRatio: 0 } },
  { name: 'empty dimension table (every key unmatched)', options: { seed: 13, dims: 1, dimRows: 0, factRows: 200 } },
];

interface Operation {
  readonly name: string;
  /** null where the operation does not apply (e.g. sampling more rows than the join has). */
  readonly build: (s: StarSchema) => Matrix<number, number> | null;
}

const rowOf = (s: StarSchema, scale: number) => fromDense({ rows: 1, cols: s.d, data: Float64Array.from({ length: s.d }, (_, j) => scale * (1 + (j % 3))) });

const OPERATIONS: readonly Operation[] = [
  { name: 'TᵀT', build: (s) => s.T.crossprod() },
  { name: 'T·w', build: (s) => s.T.matmul(s.w) },
  { name: 'T·W (3 columns)', build: (s) => s.T.matmul(s.W) },
  { name: 'yᵀ·T', build: (s) => s.y.crossprod(s.T) },
  { name: 'Tᵀ·y', build: (s) => s.T.crossprod(s.y) },
  { name: 'rowSums(T)', build: (s) => s.T.rowSums() },
  { name: 'colSums(T)', build: (s) => s.T.colSums() },
  { name: 'sum(T)', build: (s) => s.T.sum() },
  { name: 'colMeans(T)', build: (s) => s.T.colMeans() },
  { name: '(2T + 1)ᵀ(2T + 1)', build: (s) => s.T.scale(2).add(1).crossprod() },
  { name: 'colSums(exp(T / 4))', build: (s) => s.T.scale(0.25).exp().colSums() },
  { name: 'sigmoid(T)·w', build: (s) => s.T.sigmoid().matmul(s.w) },
  { name: 'colSums(T ⊙ row)', build: (s) => s.T.mul(rowOf(s, 0.5)).colSums() },
  { name: 'max(T, 0) column sums', build: (s) => s.T.maximum(0).colSums() },
  { name: 'centered gram (T − colMeans(T))ᵀ(T − colMeans(T))', build: (s) => s.T.sub(s.T.colMeans()).crossprod() },
  { name: 'T·(Tᵀy)', build: (s) => s.T.matmul(s.T.crossprod(s.y)) },
  { name: '[T, y]ᵀ[T, y]', build: (s) => s.T.hstack(s.y).crossprod() },
  { name: 'sampleRows(T)', build: (s) => (s.n >= 16 ? s.T.sampleRows(16, 5) : null) },
  { name: 'sampleRows(T)ᵀ·sampleRows(T)', build: (s) => (s.n >= 16 ? s.T.sampleRows(16, 9).crossprod() : null) },
  { name: 'linearRegression (normal equations, ridge 0.01)', build: (s) => linearRegression(s.T, s.y, { ridge: 0.01 }) },
  { name: 'logisticRegression (4 steps)', build: (s) => logisticRegression(s.T, s.label, { steps: 4, learningRate: 0.5 }) },
  { name: 'kmeans (k = 3, 3 iterations)', build: (s) => (s.n >= 3 ? kmeans(s.T, { k: 3, iterations: 3, seed: 2 }) : null) },
];

/** Native kernels add in another order; TF.js computes in float32. */
const providerTolerance = (p: ProviderName) => (p === 'tfjs' ? 1e-3 : 1e-8);

describe.each(SCENARIOS)('factorized ≡ joined: $name', ({ options, providers, tolerance = 1e-9, operations: only, except }) => {
  const schema = starSchema(options);

  it('T itself: the joined rows in fact order, in every mode, as built by hand', async () => {
    const asBuilt = await expectModesAgree(schema.T, tolerance);
    expect('ok' in asBuilt && asBuilt.ok.rows).toBe(schema.n);
    if (schema.reference && 'ok' in asBuilt) expectClose('as built vs by hand', asBuilt.ok, schema.reference, 0);
  });

  it.each(OPERATIONS.filter((o) => (!only || only.includes(o.name)) && !except?.includes(o.name)))('$name', async ({ build }) => {
    const m = build(schema);
    if (m === null) return;
    const asBuilt = await expectModesAgree(m, tolerance);
    if (!providers || !('ok' in asBuilt)) return;
    for (const provider of OTHER_PROVIDERS) {
      expectClose(`optimized on ${provider}`, await m.collect({ provider }), asBuilt.ok, Math.max(tolerance, providerTolerance(provider)));
    }
  });
});

// ------------------------------------------------------------------ other join shapes

const N_D = 40;
const N_F = 600;
const column = (len: number, f: (i: number) => number) => Float64Array.from({ length: len }, (_, i) => f(i));
/** Dimension features r1..r3 of row i, fact feature s1 of row i. */
const dimColumns = (len: number, at = 0) => ({ r1: column(len, (i) => at + i), r2: column(len, (i) => ((at + i) ** 2) % 7), r3: column(len, (i) => 1 / (at + i + 1)) });
const s1 = (len: number, at = 0) => column(len, (i) => ((at + i) % 5) - 2);
/** Fact row i refers to dimension row (7i mod (N_D + 3)): repeated keys, and a few rows with no partner. */
const refOf = (i: number) => (i * 7) % (N_D + 3);

function multiBatch(parts: readonly Table[]): Table {
  return new Table(parts.flatMap((t) => t.batches));
}

const JOIN_SHAPES: readonly { readonly name: string; readonly T: () => Matrix<number, number> }[] = [
  {
    name: 'joinOn with differently named keys',
    T: () => {
      const D = fromColumns({ id: Int32Array.from({ length: N_D }, (_, i) => 100 - i), ...dimColumns(N_D) }, { name: 'D', primaryKey: ['id'] });
      const F = fromColumns({ fk: Int32Array.from({ length: N_F }, (_, i) => 100 - refOf(i)), s1: s1(N_F) }, { name: 'F' });
      return F.joinOn(D, { left: ['fk'], right: ['id'] }).toMatrix(['s1', 'r1', 'r2', 'r3']);
    },
  },
  {
    name: 'a two-column primary key',
    T: () => {
      const D = fromColumns({ a: Int32Array.from({ length: N_D }, (_, i) => i % 5), b: Int32Array.from({ length: N_D }, (_, i) => Math.floor(i / 5)), ...dimColumns(N_D) }, { name: 'D', primaryKey: ['a', 'b'] });
      const F = fromColumns({ a: Int32Array.from({ length: N_F }, (_, i) => refOf(i) % 5), b: Int32Array.from({ length: N_F }, (_, i) => Math.floor(refOf(i) / 5)), s1: s1(N_F) }, { name: 'F' });
      return F.join(D, ['a', 'b']).toMatrix(['s1', 'r1', 'r2', 'r3']);
    },
  },
  {
    name: 'a key unique by statistics (no primary key declared), negative key values',
    T: () => {
      const D = fromColumns({ k: Int32Array.from({ length: N_D }, (_, i) => -1000 + 17 * i), ...dimColumns(N_D) }, { name: 'D' });
      const F = fromColumns({ k: Int32Array.from({ length: N_F }, (_, i) => -1000 + 17 * refOf(i)), s1: s1(N_F) }, { name: 'F' });
      return F.join(D, 'k').toMatrix(['s1', 'r1', 'r2', 'r3']);
    },
  },
  {
    name: 'int64 foreign keys into an int32 key; large key values',
    T: () => {
      const D = fromColumns({ k: Int32Array.from({ length: N_D }, (_, i) => 1e9 + i * 1e6), ...dimColumns(N_D) }, { name: 'D', primaryKey: ['k'] });
      const F = fromColumns({ k: BigInt64Array.from({ length: N_F }, (_, i) => BigInt(1e9 + refOf(i) * 1e6)), s1: s1(N_F) }, { name: 'F' });
      // Typed relations check that join keys have the same type; the engine joins any integer widths.
      return (F as unknown as AnyRelation).join(D as unknown as AnyRelation, 'k').toMatrix(['s1', 'r1', 'r2', 'r3']);
    },
  },
  {
    name: 'a projected, sorted dimension and a filtered fact table',
    T: () => {
      const D = fromColumns({ k: Int32Array.from({ length: N_D }, (_, i) => i), extra: column(N_D, (i) => i), ...dimColumns(N_D) }, { name: 'D', primaryKey: ['k'] });
      const F = fromColumns({ k: Int32Array.from({ length: N_F }, (_, i) => refOf(i)), s1: s1(N_F) }, { name: 'F' });
      return F.filter((r) => r.s1.gt(-2))
        .join(D.select('k', 'r1', 'r2', 'r3').orderBy('r2'), 'k')
        .toMatrix(['s1', 'r1', 'r2', 'r3']);
    },
  },
  {
    name: 'Arrow tables of several record batches',
    T: () => {
      const dim = (lo: number, hi: number) => tableFromArrays({ k: Int32Array.from({ length: hi - lo }, (_, i) => lo + i), ...dimColumns(hi - lo, lo) });
      const fact = (lo: number, hi: number) => tableFromArrays({ k: Int32Array.from({ length: hi - lo }, (_, i) => refOf(lo + i)), s1: s1(hi - lo, lo) });
      const D = fromArrow(multiBatch([dim(0, 10), dim(10, 22), dim(22, N_D)]), { name: 'D', primaryKey: ['k'], schema: { k: 'int32', r1: 'float64', r2: 'float64', r3: 'float64' } });
      const F = fromArrow(multiBatch([fact(0, 250), fact(250, 251), fact(251, N_F)]), { name: 'F', schema: { k: 'int32', s1: 'float64' } });
      return F.join(D, 'k').toMatrix(['s1', 'r1', 'r2', 'r3']);
    },
  },
];

describe.each(JOIN_SHAPES)('factorized ≡ joined over $name', ({ T }) => {
  const w = fromDense<number, 1>({ rows: 4, cols: 1, data: Float64Array.of(0.5, -1, 2, 0.25) });
  it.each([
    { name: 'TᵀT', build: () => T().crossprod() },
    { name: 'T·w', build: () => T().matmul(w) },
    { name: 'colSums(T)', build: () => T().colSums() },
    { name: 'logisticRegression (3 steps)', build: () => logisticRegression(T(), T().select(0).gt(0) as Matrix<number, 1>, { steps: 3 }) },
  ])('$name', async ({ build }) => {
    expect('ok' in (await expectModesAgree(build()))).toBe(true);
  });
});

it('at a high tuple ratio over wide dimensions the cost model factorizes every operation and learner', () => {
  for (const dims of [1, 2, 3] as const) {
    const s = starSchema({ seed: 13, dims, tupleRatio: 20, dimFeatures: 12, dimRows: 2000 });
    const plans = [s.T.crossprod(), s.T.matmul(s.w), linearRegression(s.T, s.y), logisticRegression(s.T, s.label, { steps: 3 }), kmeans(s.T, { k: 3, iterations: 2, seed: 1 })];
    for (const m of plans) expect(choices(m.plan), `${dims} dimension(s): ${m.plan.kind}`).toContain('factorized');
  }
});

it('at tuple ratio 1 the cost model keeps the joined matrix (join → blocks) over small dimensions', () => {
  const s = starSchema({ seed: 11, dims: 2, tupleRatio: 1 });
  for (const m of [s.T.crossprod(), s.T.matmul(s.w), s.T.colSums()]) expect(choices(m.plan)).toEqual(['join → blocks']);
});

it('at tuple ratio 1 over a dimension beyond the cache, XᵀX, X·w and linear regression factorize (the joined matrix would read every dimension value at random)', () => {
  // 10,000 × 20 dimension values: 1.6 MB. W1 at TR 1 (docs/factorized.md): the factorized plans ran 1.4–3× faster.
  const s = starSchema({ seed: 12, dims: 1, tupleRatio: 1, dimFeatures: 20, dimRows: 10_000 });
  // Linear regression's target is a second matrix over the join, with no dimension column ('not applicable').
  for (const m of [s.T.crossprod(), s.T.matmul(s.w), linearRegression(s.T, s.y)]) expect(choices(m.plan)[0]).toBe('factorized');
});

describe('factorized plans and bad data', () => {
  it('a null in a dimension feature that a joined row reads: every mode fails with an ExecutionError', async () => {
    const s = starSchema({ seed: 21, dims: 2, nullFeature: 'referenced' });
    for (const m of [s.T.crossprod(), s.T.matmul(s.w), linearRegression(s.T, s.y, { ridge: 0.01 })]) {
      const asBuilt = await expectModesAgree(m);
      expect('error' in asBuilt && asBuilt.error).toBeInstanceOf(ExecutionError);
    }
  });

  it('a declared primary key with a duplicate that a fact row meets: KeyMap fails with an ExecutionError, not a wrong answer', async () => {
    const rid = Int32Array.from({ length: 30 }, (_, i) => i);
    rid[29] = 3;
    const R = fromColumns(
      { rid, r1: Float64Array.from(rid, (k, i) => k + i), r2: Float64Array.from(rid, (_, i) => i * i), r3: Float64Array.from(rid, (_, i) => 1 / (i + 1)) },
      { name: 'R', primaryKey: ['rid'] },
    );
    const S = fromColumns({ rid: Int32Array.from({ length: 600 }, (_, i) => i % 29), s1: Float64Array.from({ length: 600 }, (_, i) => i % 7) }, { name: 'S' });
    const gram = S.join(R, 'rid').toMatrix(['s1', 'r1', 'r2', 'r3']).crossprod();
    // Factorized, KeyMap checks the key (the cost model may or may not pick that plan here).
    for (const run of [async () => (await execute(forceFactorized(gram.plan).plan)).result]) {
      const error = await run().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ExecutionError);
      expect((error as ExecutionError).operator).toBe('keyMap');
      expect((error as Error).message).toMatch(/not unique: \(3\) appears more than once/);
    }
    // The join itself repeats the fact rows with rid 3 (what the plan as built computes).
    expect((await gram.collect({ materializeJoins: true })).get(0, 0)).toBe((await gram.collect({ optimize: false })).get(0, 0));
  });

  it('NaN, ∞ and negative values in dimension rows no fact row refers to stay out of the result, as in the joined plan', async () => {
    const R = fromColumns({ rid: Int32Array.of(0, 1, 2, 3), r1: Float64Array.of(1, 2, 3, NaN), r2: Float64Array.of(4, 5, 6, -1), r3: Float64Array.of(7, 8, 9, Infinity) }, { name: 'R', primaryKey: ['rid'] });
    const S = fromColumns({ rid: Int32Array.from({ length: 400 }, (_, i) => i % 3), s1: Float64Array.from({ length: 400 }, (_, i) => i % 5) }, { name: 'S' });
    const T = S.join(R, 'rid').toMatrix(['s1', 'r1', 'r2', 'r3']);
    const y = S.join(R, 'rid').toMatrix(['s1']);
    for (const m of [T.crossprod(), T.colSums(), T.colMeans(), T.sum(), T.sqrt().crossprod(), T.crossprod(y), y.crossprod(T)]) {
      const outcome = await expectModesAgree(m);
      expect('ok' in outcome && Array.from(outcome.ok.data).every(Number.isFinite), m.plan.kind).toBe(true);
    }
  });

  it('a null in a dimension row no fact row refers to: the factorized plan encodes every dimension row, so it reports the null', async () => {
    const R = fromColumns({ rid: Int32Array.of(0, 1, 2, 3), r1: [1, 2, 3, null], r2: Float64Array.of(4, 5, 6, 7) }, { name: 'R', primaryKey: ['rid'], types: { r1: 'float64?' } });
    const S = fromColumns({ rid: Int32Array.from({ length: 400 }, (_, i) => i % 3), s1: Float64Array.from({ length: 400 }, (_, i) => i % 5) }, { name: 'S' });
    // The typed DSL keeps nullable columns out of features; the plan is what a cast would build.
    const gram = (S.join(R, 'rid') as unknown as AnyRelation).toMatrix(['s1', 'r1', 'r2']).crossprod();
    expect((await gram.collect({ materializeJoins: true })).rows).toBe(3);
    const error = await execute(forceFactorized(gram.plan).plan).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ExecutionError);
    expect((error as Error).message).toMatch(/column 'r1' has 1 null value/);
  });

  it('a duplicate primary key that no fact row meets: no error, the joined result', async () => {
    const rid = Int32Array.from({ length: 30 }, (_, i) => i);
    rid[29] = 3;
    const R = fromColumns({ rid, r1: Float64Array.from(rid, (k, i) => k + i), r2: Float64Array.from(rid, (_, i) => i * i) }, { name: 'R', primaryKey: ['rid'] });
    const S = fromColumns({ rid: Int32Array.from({ length: 600 }, (_, i) => 4 + (i % 25)), s1: Float64Array.from({ length: 600 }, (_, i) => i % 7) }, { name: 'S' });
    const gram = S.join(R, 'rid').toMatrix(['s1', 'r1', 'r2']).crossprod();
    expect('ok' in (await expectModesAgree(gram))).toBe(true);
  });
});
