import { afterAll, beforeAll, describe, it } from 'vitest';
import { genAggregate } from './generate.js';
import { Duck, checkCase, generated, seedsFor } from './harness.js';

const FILE = 'test/differential/aggregate.test.ts';

describe('differential vs DuckDB: group-by and global aggregates', () => {
  let duck: Duck;
  beforeAll(async () => {
    duck = await Duck.open();
  });
  afterAll(() => duck?.close());

  for (const seed of seedsFor(300_000, 90)) {
    it(`seed ${seed}`, async () => {
      await checkCase(duck, generated(seed, FILE, genAggregate));
    });
  }
});
