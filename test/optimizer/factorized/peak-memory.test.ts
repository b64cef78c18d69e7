/**
 * Factorized plans never hold the joined matrix: for TᵀT (and T·w, linear regression)
 * over F ⋈ D with n joined rows and d = d_F + d_D features, the peak of intermediate
 * results that `explain({ analyze: true })` reports stays below n·d·8 bytes, and no
 * operator that ran produced an n×d matrix; with the joined matrix (join → blocks, R14
 * off) or the join materialized as a table, the peak is at least n·d·8.
 */
import { describe, expect, it } from 'vitest';
import { type Matrix, explain, linearRegression } from '../../../src/index.js';
import { analyzeReport, explainReport } from '../../../src/explain/explain.js';
import type { ExplainJson } from '../../../src/explain/json.js';
import { choices, starSchema } from '../../support/star-schema.js';

/** n = 1,000 dimension rows × tuple ratio 20; d = 2 fact + 30 dimension columns. */
const schema = starSchema({ seed: 31, dims: 1, dimRows: 1_000, tupleRatio: 20, factFeatures: 2, dimFeatures: 30 });
const { n, d } = schema;
const joinedBytes = n * d * 8;

/** explain's JSON peak (and the decisions it reports) for a run under `options`. */
async function analyzed(m: Matrix<number, number>, options: Parameters<typeof explain>[1] = {}): Promise<ExplainJson> {
  return JSON.parse(await explain(m.plan, { ...options, analyze: true, format: 'json' })) as ExplainJson;
}

/** Whether some operator of the analyzed run produced an n×d matrix (the joined matrix). */
async function heldJoinedMatrix(m: Matrix<number, number>, options: Parameters<typeof explainReport>[1] = {}): Promise<boolean> {
  const { analysis } = await analyzeReport(explainReport(m.plan, options), options);
  return [...analysis!.stats.values()].some((s) => s.rows === n && s.cols === d);
}

const JOINED = { optimize: { disabled: ['r14-factorize-joins'] } } as const;
const MATERIALIZED = { optimize: { disabled: ['r14-factorize-joins'] }, joinBlocks: false } as const;

describe('peak memory of factorized plans', () => {
  it('the schema is what the bounds assume: 20,000 joined rows, 32 columns', () => {
    expect([n, d]).toEqual([20_000, 32]);
  });

  it.each([
    { name: 'TᵀT', build: () => schema.T.crossprod() },
    { name: 'T·w', build: () => schema.T.matmul(schema.w) },
    { name: 'linearRegression', build: () => linearRegression(schema.T, schema.y, { ridge: 0.01 }) },
  ])('$name: factorized below n·d·8 bytes, joined and materialized at least n·d·8', async ({ build }) => {
    const m = build();
    expect(choices(m.plan)).toContain('factorized');

    const factorized = await analyzed(m);
    expect(factorized.decisions.map((x) => x.chosen)).toContain('factorized');
    expect(factorized.analyze!.peakBytes).toBeGreaterThan(0);
    expect(factorized.analyze!.peakBytes).toBeLessThan(joinedBytes);
    expect(await heldJoinedMatrix(m)).toBe(false);

    const joined = await analyzed(m, JOINED);
    expect(joined.decisions).toEqual([]);
    expect(joined.analyze!.peakBytes).toBeGreaterThanOrEqual(joinedBytes);
    expect(await heldJoinedMatrix(m, JOINED)).toBe(true);

    const materialized = await analyzed(m, MATERIALIZED);
    expect(materialized.analyze!.peakBytes).toBeGreaterThanOrEqual(joinedBytes);
    expect(materialized.analyze!.peakBytes).toBeGreaterThanOrEqual(joined.analyze!.peakBytes);
  });

  it('TᵀT: the factorized peak grows with the fact side (n·d_F), not with n·d', async () => {
    const gram = schema.T.crossprod();
    const peak = (await analyzed(gram)).analyze!.peakBytes;
    // Fact columns and keys per joined row: key (4) + 2 features (16) scanned, their block (16), the key map (16), join indices; generously 12 values of 8 bytes.
    expect(peak).toBeLessThan(n * 12 * 8);
  });
});
