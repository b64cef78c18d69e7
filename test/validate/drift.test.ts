// Batch drift by the population-stability index: shifted data is detected, resamples of the training data are not (several seeds).
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/data/random.js';
import { PSI_DRIFT, PSI_MODERATE, type Profile, checkAgainstProfile, driftVerdict, fromColumns, populationStabilityIndex, profile } from '../../src/index.js';

const TRAIN = 5000;
const SEEDS = Array.from({ length: 20 }, (_, k) => 1000 + k);

/** Standard normal by Box–Muller over the seeded generator. */
const normal = (rnd: () => number) => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());

/** x ~ N(50 + 10·shift, 10²); c: 'a' 50%, 'b' 30%, 'c' 20% unless `weights` says otherwise. */
function generate(n: number, seed: number, shift = 0, weights = [0.5, 0.3, 0.2]) {
  const rnd = mulberry32(seed);
  const x = new Float64Array(n);
  const c: string[] = [];
  for (let i = 0; i < n; i++) {
    x[i] = 50 + 10 * (normal(rnd) + shift);
    const u = rnd();
    c.push(u < weights[0] ? 'a' : u < weights[0] + weights[1] ? 'b' : 'c');
  }
  return { x, c };
}

const training = generate(TRAIN, 1);
let p: Profile;
beforeAll(async () => {
  p = await profile(fromColumns(training));
});

/** `size` rows drawn with replacement from the training rows. */
function resample(size: number, seed: number) {
  const rnd = mulberry32(seed);
  const rows = Array.from({ length: size }, () => Math.floor(rnd() * TRAIN));
  return fromColumns({ x: Float64Array.from(rows, (i) => training.x[i]), c: rows.map((i) => training.c[i]) });
}

const driftOf = async (batch: Parameters<typeof checkAgainstProfile>[1]) => Object.fromEntries((await checkAgainstProfile(p, batch)).drift.map((d) => [d.column, d]));

describe('population-stability index', () => {
  it('is Σ (a − e)·ln(a/e), empty bins floored', () => {
    expect(populationStabilityIndex([0.5, 0.5], [0.5, 0.5])).toBe(0);
    expect(populationStabilityIndex([0.25, 0.75], [0.5, 0.5])).toBeCloseTo(0.25 * Math.log(2) + -0.25 * Math.log(0.5 / 0.75), 14);
    expect(populationStabilityIndex([1, 0], [0.5, 0.5])).toBeCloseTo(-0.5 * Math.log(0.5) + (0.5 - 1e-4) * Math.log(0.5 / 1e-4), 12);
    expect(() => populationStabilityIndex([1], [0.5, 0.5])).toThrow(/same number of bins/);
  });

  it('thresholds: < 0.1 none, 0.1 to 0.25 moderate, from 0.25 drift', () => {
    expect([0, 0.0999, PSI_MODERATE, 0.2499, PSI_DRIFT, 3].map(driftVerdict)).toEqual(['none', 'none', 'moderate', 'moderate', 'drift', 'drift']);
  });
});

describe('drift between training and a batch', () => {
  it.each(SEEDS)('a 1,000-row resample of the training data is not drift (seed %i)', async (seed) => {
    const d = await driftOf(resample(1000, seed));
    expect(d.x.verdict).toBe('none');
    expect(d.c.verdict).toBe('none');
    // Well inside the threshold: sampling noise, a few times its expected size at most.
    expect(d.x.psi).toBeLessThan(Math.max(4 * d.x.noise, 0.05));
  });

  it.each(SEEDS)('a fresh sample of the training distribution is not drift (seed %i)', async (seed) => {
    const d = await driftOf(fromColumns(generate(2000, seed)));
    expect([d.x.verdict, d.c.verdict]).toEqual(['none', 'none']);
  });

  it.each(SEEDS)('a mean shifted by one deviation is drift; the untouched column is not (seed %i)', async (seed) => {
    const d = await driftOf(fromColumns(generate(2000, seed, 1)));
    expect(d.x.verdict).toBe('drift');
    expect(d.x.psi).toBeGreaterThan(0.6);
    expect(d.c.verdict).toBe('none');
  });

  it('half a deviation is at least moderate drift', async () => {
    for (const seed of SEEDS.slice(0, 5)) expect((await driftOf(fromColumns(generate(2000, seed, 0.5)))).x.verdict).not.toBe('none');
  });

  it('category frequencies that moved are drift', async () => {
    const d = await driftOf(fromColumns(generate(2000, 3, 0, [0.1, 0.3, 0.6])));
    expect(d.c.verdict).toBe('drift');
    expect(d.x.verdict).toBe('none');
  });

  it('nulls where training had none count as a bin of their own', async () => {
    const batch = generate(2000, 4);
    const x = Array.from(batch.x, (v, i) => (i % 3 === 0 ? null : v));
    const check = await checkAgainstProfile(p, fromColumns({ x, c: batch.c }));
    expect(check.unexpectedNulls).toEqual([{ column: 'x', rows: Math.ceil(2000 / 3) }]);
    expect(check.drift[0].verdict).toBe('drift');
    expect(check.ok).toBe(false);
  });

  it('small batches are noisy: the reported noise says so, and false alarms stay rare at 200 rows', async () => {
    let alarms = 0;
    let noise = 0;
    for (let seed = 0; seed < 50; seed++) {
      const d = await driftOf(resample(200, 5000 + seed));
      if (d.x.verdict !== 'none') alarms++;
      noise = d.x.noise;
    }
    expect(noise).toBeCloseTo(9 * (1 / TRAIN + 1 / 200), 12);
    expect(alarms).toBeLessThanOrEqual(5);
  });
});
