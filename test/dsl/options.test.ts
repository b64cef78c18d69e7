/**
 * Options objects with a key the call does not know are refused (src/options.ts): a
 * misspelt option would otherwise be ignored and the call run with its default.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PlanError, UnknownOptionError, fit, fromColumns, kmeans, linearRegression, logisticRegression, readArrowFile, readCsv, readParquet } from '../../src/index.js';

const t = fromColumns({ k: [1, 2, 3], x: [1.5, 2, 4], y: [1, 0, 1] }, { name: 't', types: { k: 'int32', x: 'float64', y: 'float64' } });
const X = t.toMatrix(['x']);
const loose = t as any;

async function refused(run: () => unknown): Promise<UnknownOptionError> {
  try {
    await run();
  } catch (e) {
    expect(e).toBeInstanceOf(UnknownOptionError);
    return e as UnknownOptionError;
  }
  throw new Error('expected an UnknownOptionError');
}

describe('unknown option keys', () => {
  it('collect names the misspelt key and the keys it knows', async () => {
    const e = await refused(() => loose.collect({ worker: 2 }));
    expect(e.operator).toBe('collect');
    expect(e.option).toBe('worker');
    expect(e.message).toMatch(/^collect: unknown option 'worker'; known options: .*'workers'/);
    // The known keys still run.
    expect((await t.collect({ workers: 1, optimize: false, materializeJoins: true })).numRows).toBe(3);
  });

  it('collectRows, show and explain check against their own keys', async () => {
    expect((await t.collectRows({ int64: 'bigint', workers: 1 })).length).toBe(3);
    await refused(() => loose.collectRows({ int46: 'bigint' }));
    await refused(() => loose.show({ maxRow: 3 }));
    expect(() => loose.explain({ verbos: true })).toThrow(UnknownOptionError);
    // materializeJoins is a run option, not an explain option.
    expect(() => loose.explain({ materializeJoins: true })).toThrow(/explain: unknown option 'materializeJoins'/);
    expect(typeof t.explain({ verbose: true, optimize: false })).toBe('string');
  });

  it('writers accept the run options and their own, nothing else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-options-'));
    expect((await t.writeCsv(join(dir, 'a.csv'), { delimiter: ';', workers: 1 })).rows).toBe(3);
    await refused(() => loose.writeCsv(join(dir, 'b.csv'), { delimeter: ';' }));
    await refused(() => loose.writeParquet(join(dir, 'c.parquet'), { delimiter: ';' }));
    await refused(() => loose.writeArrow(join(dir, 'd.arrow'), { compression: 'SNAPPY' }));
  });

  it('matrices, learners and fit', async () => {
    await refused(() => (X as any).collect({ optimise: false }));
    expect(() => (X as any).explain({ analyse: true })).toThrow(UnknownOptionError);
    const y = t.toMatrix(['y']);
    expect(() => linearRegression(X, y, { lambda: 1 } as any)).toThrow(/linearRegression: unknown option 'lambda'; known options: 'ridge'/);
    expect(() => logisticRegression(X, y, { rate: 0.1 } as any)).toThrow(UnknownOptionError);
    expect(() => kmeans(X, { k: 2, maxIterations: 5 } as any)).toThrow(/kmeans: unknown option 'maxIterations'/);
    await refused(() => fit(linearRegression(X, y), { metric: {} } as any));
  });

  it('sources', () => {
    expect(() => fromColumns({ a: [1] }, { schema: { a: 'int32' } } as any)).toThrow(/fromColumns: unknown option 'schema'; known options: 'name', 'primaryKey', 'types'/);
    expect(() => readCsv('missing.csv', { delimeter: ';' } as any)).toThrow(/readCsv: unknown option 'delimeter'/);
    expect(() => readParquet('missing.parquet', { types: {} } as any)).toThrow(UnknownOptionError);
    expect(() => readArrowFile('missing.arrow', { primarykey: ['a'] } as any)).toThrow(UnknownOptionError);
    expect(fromColumns({ a: [1] }, { name: 'x', primaryKey: ['a'], types: { a: 'int32' } }).schema.fields.map((f) => f.name)).toEqual(['a']);
  });

  it('options that are not an object are a PlanError', async () => {
    await expect(loose.collect(3)).rejects.toThrow(PlanError);
    await expect(loose.collect([])).rejects.toThrow(/collect: expected an options object, got an array/);
    await expect(loose.collect(null)).rejects.toThrow(/got null/);
  });
});
