/**
 * The vitest side of the differential tests: generated families as suites of seeds
 * (DIFF_SEED / DIFF_SCALE), and a check that throws a failing case's report. Running a
 * case (DuckDB, Tessera, comparison) lives in ./run.ts, which the fuzz command shares.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DiffCase, Duck, type RunOptions, runCase } from './run.js';

export { type DiffCase, Duck, type Mode, type RunOptions, runCase } from './run.js';

/** Throws the report of a failing case (vitest prints it in full). */
export async function checkCase(duck: Duck, c: DiffCase, opts: RunOptions = {}): Promise<void> {
  const problem = await runCase(duck, c, opts);
  if (problem !== null) throw new Error(problem);
}

/**
 * Seeds of one family: `count` consecutive seeds from `base`, scaled by DIFF_SCALE;
 * DIFF_SEED=<n> runs that seed alone (in the family whose range holds it).
 */
export function seedsFor(base: number, count: number): number[] {
  const only = process.env.DIFF_SEED;
  const scale = Number(process.env.DIFF_SCALE ?? '1');
  const n = Math.max(1, Math.round(count * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
  if (only !== undefined) {
    const s = Number(only);
    return s >= base && s < base + Math.max(n, 100_000) ? [s] : [];
  }
  return Array.from({ length: n }, (_, i) => base + i);
}

/** Runs a generator, naming the seed when building the pipeline itself fails (a planning error is a finding too). */
export function generated(seed: number, file: string, gen: (seed: number, file: string) => DiffCase): DiffCase {
  try {
    return gen(seed, file);
  } catch (e) {
    throw new Error(`building the pipeline failed for seed ${seed} (repro: DIFF_SEED=${seed} npx vitest run ${file}):\n${(e as Error).stack ?? String(e)}`);
  }
}

/**
 * Registers one family's generated cases: `count` seeds from `base` (see seedsFor), one
 * DuckDB connection for the file. With DIFF_SEED outside the family, a skipped
 * placeholder keeps vitest from failing on an empty suite.
 */
export function describeFamily(title: string, file: string, base: number, count: number, gen: (seed: number, file: string) => DiffCase): void {
  describe(`differential vs DuckDB: ${title}`, () => {
    let duck: Duck;
    beforeAll(async () => {
      duck = await Duck.open();
    });
    afterAll(() => duck?.close());
    const seeds = seedsFor(base, count);
    if (seeds.length === 0) {
      // Only DIFF_SEED naming another family's seed may leave this one without cases.
      it(`runs no case: DIFF_SEED=${process.env.DIFF_SEED} selects another family`, () => {
        expect(process.env.DIFF_SEED).toBeDefined();
      });
    }
    for (const seed of seeds) {
      it(`seed ${seed}`, async () => {
        await checkCase(duck, generated(seed, file, gen));
      });
    }
  });
}
