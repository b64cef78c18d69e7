import { afterAll, beforeAll } from 'vitest';
import { closeWorkerPool } from '../../src/exec/pipeline/worker-pool.js';
import { Duck } from '../differential/harness.js';

/**
 * For a file of pipeline tests: DuckDB (the oracle) opened before its tests, and after
 * them closed together with the pipelines' worker threads. `oracle.duck` is set once
 * the tests run.
 */
export function pipelineOracle(): { duck: Duck } {
  const oracle = {} as { duck: Duck };
  beforeAll(async () => {
    oracle.duck = await Duck.open();
  });
  afterAll(async () => {
    oracle.duck?.close();
    await closeWorkerPool();
  });
  return oracle;
}
