/**
 * fit() records a profile of its raw training inputs; the fitted pipeline checks single
 * rows (checkRow) and batches (checkBatch, with drift) against it, and the profile
 * round-trips through the artefact.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FittedPipeline, PlanError, fit, fromColumns, linearRegression } from '../../src/index.js';
import { trainingData } from './support.js';

const data = trainingData(2000, 2, 1, 5);
const rel = fromColumns(data.columns as never, { types: { c0: 'string?' } as never }) as any;
const X = rel.toMatrix(['x0', { standardize: 'x1' }, { onehot: 'c0' }], { intercept: true });
const model = X.matmul(linearRegression(X, rel.toMatrix(['y']), { ridge: 1 }));
const fitted = fit(model);

describe('input profile of a fitted pipeline', () => {
  it('profiles every raw input column over the training rows', async () => {
    const p = (await fitted).inputProfile!;
    expect(p.rows).toBe(2000);
    expect(p.features.map((f) => f.name).sort()).toEqual(['c0', 'x0', 'x1']);
  });

  it('passes a training row and names each problem of a bad one', async () => {
    const f = await fitted;
    expect(f.checkRow(data.rows[0])).toBeNull();
    const verdict = f.checkRow({ x0: 1e9, x1: 0.5, c0: 'never-seen' });
    expect(verdict?.problems.map((p) => [p.column, p.problem]).sort()).toEqual([
      ['c0', 'unseen'],
      ['x0', 'out_of_range'],
    ]);
    expect(f.checkRow({ x0: 1, c0: 'v1' })?.problems).toEqual([{ column: 'x1', problem: 'missing', value: undefined }]);
  });

  it('detects drift in a shifted batch and none in a resample of the training rows', async () => {
    const f = await fitted;
    const resample = await f.checkBatch(data.rows.slice(0, 1000));
    expect(resample.ok).toBe(true);
    expect(resample.drift.every((d) => d.verdict === 'none')).toBe(true);
    const shifted = await f.checkBatch(data.rows.slice(0, 1000).map((r) => ({ ...r, x0: (r.x0 as number) + 8 })));
    expect(shifted.drift.find((d) => d.column === 'x0')!.verdict).toBe('drift');
  });

  it('round-trips through the artefact, and a pipeline without one says how to get it', async () => {
    const f = await fitted;
    const path = join(mkdtempSync(join(tmpdir(), 'tessera-profile-')), 'model.json');
    f.save(path);
    const loaded = FittedPipeline.load(path);
    expect(loaded.inputProfile).toEqual(f.inputProfile);
    expect(loaded.checkRow({ x0: 1e9, x1: 0.5, c0: 'v1' })?.problems[0].problem).toBe('out_of_range');
    const without = FittedPipeline.load(path);
    delete (without.attachments as Record<string, unknown>).inputProfile;
    expect(() => without.checkRow(data.rows[0])).toThrow(PlanError);
    expect(() => without.checkRow(data.rows[0])).toThrow(/^checkRow: this fitted pipeline has no input profile/);
  });
});
