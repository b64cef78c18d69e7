import { afterAll, beforeAll, describe, it } from 'vitest';
import { genJoin } from './generate.js';
import { Duck, checkCase, generated, seedsFor } from './harness.js';

const FILE = 'test/differential/join.test.ts';

describe('differential vs DuckDB: joins (inner, left, semi, anti)', () => {
  let duck: Duck;
  beforeAll(async () => {
    duck = await Duck.open();
  });
  afterAll(() => duck?.close());

  for (const seed of seedsFor(200_000, 120)) {
    it(`seed ${seed}`, async () => {
      await checkCase(duck, generated(seed, FILE, genJoin));
    });
  }
});
