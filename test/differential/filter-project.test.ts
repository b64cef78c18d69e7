import { afterAll, beforeAll, describe, it } from 'vitest';
import { genFilterProject } from './generate.js';
import { Duck, checkCase, generated, seedsFor } from './harness.js';

const FILE = 'test/differential/filter-project.test.ts';

describe('differential vs DuckDB: filter / project', () => {
  let duck: Duck;
  beforeAll(async () => {
    duck = await Duck.open();
  });
  afterAll(() => duck?.close());

  for (const seed of seedsFor(100_000, 80)) {
    it(`seed ${seed}`, async () => {
      await checkCase(duck, generated(seed, FILE, genFilterProject));
    });
  }
});
