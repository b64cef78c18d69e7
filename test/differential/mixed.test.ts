import { afterAll, beforeAll, describe, it } from 'vitest';
import { genMixed } from './generate.js';
import { Duck, checkCase, generated, seedsFor } from './harness.js';

const FILE = 'test/differential/mixed.test.ts';

describe('differential vs DuckDB: mixed pipelines of 3-5 operators', () => {
  let duck: Duck;
  beforeAll(async () => {
    duck = await Duck.open();
  });
  afterAll(() => duck?.close());

  for (const seed of seedsFor(500_000, 150)) {
    it(`seed ${seed}`, async () => {
      await checkCase(duck, generated(seed, FILE, genMixed));
    });
  }
});
