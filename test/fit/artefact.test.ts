/**
 * The artefact: save → load (in this process and in another one, without the training
 * data) → score gives the same bits; malformed, foreign and newer-version documents are
 * typed errors; single rows are validated (missing columns, wrong types) by column;
 * explain() shows the frozen constants and where they came from; input checks and
 * attachments (the hook for src/validate) run and round-trip.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ArtefactError, ExecutionError, FORMAT_VERSION, FittedPipeline, InputRowError, PlanError, fit, fromColumns, linearRegression, logisticRegression, predictProbabilities } from '../../src/index.js';
import { servingRows, trainingData } from './support.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const data = trainingData(300, 3, 2, 11);
const rel = fromColumns(data.columns as never, { types: { c0: 'string?', c1: 'string?' } as never }) as any;
const X = rel.toMatrix(['x0', { standardize: 'x1' }, { standardize: 'x2' }, { onehot: 'c0' }, { hash: 'c1', buckets: 3 }], { intercept: true });
const model = predictProbabilities(X, logisticRegression(X, rel.toMatrix(['z']), { steps: 10 }));
const fittedOnce = fit(model);
const dir = mkdtempSync(join(tmpdir(), 'tessera-fit-'));

const bitsOf = (v: number) => Buffer.from(Float64Array.of(v).buffer).toString('hex');

describe('artefact', () => {
  it('loads in another process without the training data and scores the same bits', async () => {
    const fitted = await fittedOnce;
    const path = join(dir, 'model.json');
    fitted.save(path);
    const rows = servingRows(40, 3, 2).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' && !Number.isFinite(v) ? 0 : Object.is(v, -0) ? 0 : v])));
    const rowsFile = join(dir, 'rows.json');
    writeFileSync(rowsFile, JSON.stringify(rows));
    const child = spawnSync(process.execPath, ['--import', 'tsx', 'test/fit/score-child.ts', path, rowsFile], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect(child.stderr).toBe('');
    const theirs = JSON.parse(child.stdout) as string[][];
    expect(theirs).toEqual(rows.map((r) => Array.from(fitted.predict(r)!, bitsOf)));
  });

  it('round-trips every constant bit for bit (NaN, -0 and ±Infinity included)', async () => {
    const fitted = await fittedOnce;
    const doc = fitted.toJSON();
    expect(doc.format).toBe('tessera.fitted-pipeline');
    expect(doc.version).toBe(FORMAT_VERSION);
    const loaded = FittedPipeline.load(JSON.parse(JSON.stringify(doc)));
    expect(loaded.constants).toEqual(fitted.constants);
    expect(JSON.stringify(loaded.toJSON())).toBe(JSON.stringify(doc));
    // A pipeline whose frozen row holds -0, -Infinity and NaN (negated column means of such data).
    const odd = fromColumns({ a: [1, -0, 3], b: [0, 0, 0], c: [Infinity, 1, 2], d: [Infinity, -Infinity, 0] });
    const M = odd.toMatrix(['a', 'b', 'c', 'd']);
    const f2 = await fit(M.sub(M.colMeans().neg()));
    const back = FittedPipeline.load(JSON.parse(JSON.stringify(f2.toJSON())));
    const row = { a: 2, b: -0, c: 5, d: 1 };
    expect(Array.from(back.predict(row)!, bitsOf)).toEqual(Array.from(f2.predict(row)!, bitsOf));
    const frozenRow = Array.from((back.constants[0] as { value: { data: Float64Array } }).value.data);
    expect(frozenRow.slice(1)).toEqual([-0, -Infinity, NaN]);
    expect(Object.is(frozenRow[1], -0)).toBe(true);
  });

  it('refuses malformed, foreign and newer-version artefacts with typed errors', async () => {
    const doc = (await fittedOnce).toJSON();
    const reason = (x: unknown) => {
      try {
        FittedPipeline.load(x as object);
      } catch (e) {
        expect(e).toBeInstanceOf(ArtefactError);
        return (e as ArtefactError).reason;
      }
      return 'loaded';
    };
    expect(reason({ hello: 'world' })).toBe('foreign');
    expect(reason([1, 2])).toBe('foreign');
    expect(reason({ ...doc, version: FORMAT_VERSION + 1 })).toBe('newer-version');
    expect(reason({ ...doc, version: 'one' })).toBe('malformed');
    expect(reason({ ...doc, plan: undefined })).toBe('malformed');
    const data = doc.data as { base64: string };
    expect(reason({ ...doc, data: { ...data, base64: data.base64.slice(0, 8) } })).toBe('malformed');
    const plan = doc.plan as { nodes: { kind: string }[] };
    expect(reason({ ...doc, plan: { ...plan, nodes: plan.nodes.map((n) => (n.kind === 'matmul' ? { ...n, kind: 'crossprod' } : n)) } })).toBe('malformed');
    const notJson = join(dir, 'broken.json');
    writeFileSync(notJson, '{"format": "tessera.fitted-pipeline", ');
    expect(() => FittedPipeline.load(notJson)).toThrow(ArtefactError);
    expect(() => FittedPipeline.load(join(dir, 'missing.json'))).toThrow(/cannot read the file/);
    expect(() => FittedPipeline.load(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')))).toThrow(/not a Tessera fitted pipeline/);
  });

  it('validates single rows: a missing column or a wrong type names the column', async () => {
    const fitted = await fittedOnce;
    const good = data.rows[0];
    const { x1: _dropped, ...missing } = good as Record<string, unknown>;
    expect(() => fitted.predict(missing)).toThrow(InputRowError);
    expect(() => fitted.predict(missing)).toThrow(/column 'x1': missing from the row/);
    expect(() => fitted.predict({ ...good, x0: '3.5' })).toThrow(/column 'x0': expected a number or a bigint for float64, got string 3.5/);
    expect(() => fitted.predict({ ...good, c0: 7 })).toThrow(/column 'c0': expected a string for string, got number 7/);
    // A null numeric feature fails as the batch encoder fails; a null category encodes as zeros.
    expect(() => fitted.predict({ ...good, x0: null })).toThrow(ExecutionError);
    await expect(fitted.predict([{ ...good, x0: null }])).rejects.toThrow(/x0/);
    expect(fitted.predict({ ...good, c0: null })![0]).toBeGreaterThan(0);
    // Extra columns are ignored; bigints are accepted where fromColumns accepts them.
    expect(Array.from(fitted.predict({ ...good, extra: 'x', x0: 2n })!)).toEqual(Array.from(fitted.predict({ ...good, x0: 2 })!));
    // A batch with a column of the wrong type is refused by name.
    await expect(fitted.predict(fromColumns({ x0: ['a'], x1: [1], x2: [1], c0: ['v'], c1: ['v'] }))).rejects.toThrow(/column 'x0': is string in the input/);
  });

  it('explain() shows the served plan, the frozen constants and their provenance', async () => {
    const text = (await fittedOnce).explain();
    expect(text).toContain('Input row: x0: float64, x1: float64, x2: float64, c0: string?, c1: string?');
    expect(text).toMatch(/param0 \d+×1 float64 \[.*\]  from Loop L\d+ × 10.* \(logisticRegression\), used by MatMul/);
    expect(text).toMatch(/standardize\(x1\): mean .*, sd .*  from standardize\(x1\): mean and population deviation of its training rows, used by ToMatrix, over 300 training rows/);
    expect(text).toContain('Served plan:');
  });

  it('runs attached input checks and keeps attachments in the artefact', async () => {
    const fitted = FittedPipeline.load((await fittedOnce).toJSON());
    const seen: unknown[] = [];
    const detach = fitted.attachInputCheck({ row: (r) => seen.push(r), batch: (input) => {
        seen.push(input.kind);
      } });
    fitted.predict(data.rows[1]);
    await fitted.predict(data.rows.slice(0, 3));
    detach();
    fitted.predict(data.rows[2]);
    expect(seen).toEqual([data.rows[1], 'project']);
    fitted.attach('profile', { x0: { min: -1, max: 1 } });
    expect(FittedPipeline.load(JSON.parse(JSON.stringify(fitted.toJSON()))).attachments).toEqual({ inputProfile: fitted.inputProfile, profile: { x0: { min: -1, max: 1 } } });
    expect(fitted.trainingStats.find((s) => s.column === 'c0')?.categoryCounts).toBeDefined();
  });

  it('refuses pipelines that do not end in per-row outputs, naming the step', async () => {
    const beta = linearRegression(X, rel.toMatrix(['y']));
    await expect(fit(beta)).rejects.toThrow(PlanError);
    await expect(fit(X.colSums())).rejects.toThrow(/not computed row by row/);
    await expect(fit(rel.groupBy('c0').agg((r: any) => ({ m: r.x0.sum() })))).rejects.toThrow(/Aggregate .* does not compute one output row per input row/);
  });
});
