import { afterAll, beforeAll, describe, it } from 'vitest';
import { genSortEtc } from './generate.js';
import { Duck, checkCase, generated, seedsFor } from './harness.js';

const FILE = 'test/differential/sort-limit-distinct-union.test.ts';

describe('differential vs DuckDB: sort, limit/offset, distinct, union all', () => {
  let duck: Duck;
  beforeAll(async () => {
    duck = await Duck.open();
  });
  afterAll(() => duck?.close());

  for (const seed of seedsFor(400_000, 80)) {
    it(`seed ${seed}`, async () => {
      await checkCase(duck, generated(seed, FILE, genSortEtc));
    });
  }
});
