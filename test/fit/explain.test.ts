/**
 * explain() of a fitted pipeline, as text and as JSON: the frozen constants with their
 * provenance and the recorded profile of the raw training inputs (null fraction,
 * min/max, mean/deviation, top categories), checked against values computed here; the
 * same after a save and load; an artefact without a profile says so.
 */
import { describe, expect, it } from 'vitest';
import { type FittedExplainJson, FittedPipeline, PlanError, fit, fromColumns, linearRegression } from '../../src/index.js';

// Eight rows: x 1..8 (mean 4.5, population deviation √5.25), c with one null and a 4:2:1 split.
const x = [1, 2, 3, 4, 5, 6, 7, 8];
const c = ['a', 'a', 'a', 'b', 'b', null, 'c', 'a'];
const rel = fromColumns({ x, c, y: x.map((v, i) => v * 2 + (i % 3)) }, { types: { c: 'string?' } as never }) as any;
const X = rel.toMatrix([{ standardize: 'x' }, { onehot: 'c' }], { intercept: true });
const fitted = fit(X.matmul(linearRegression(X, rel.toMatrix(['y']), { ridge: 0.1 })));

describe('explain() of a fitted pipeline', () => {
  it('text: the constants with their provenance and the input profile per feature', async () => {
    const text = (await fitted).explain();
    expect(text).toMatch(/param0 5×1 float64 \[.*\]  from Solve auto.*\(least squares \(normal equations\)\), used by MatMul/);
    expect(text).toContain(`standardize(x): mean 4.5, sd ${Math.sqrt(5.25)}  from standardize(x): mean and population deviation of its training rows, used by ToMatrix, over 8 training rows`);
    expect(text).toContain('Input profile (the raw training inputs, 8 rows; checkRow and checkBatch compare inputs with it):');
    const lines = text.split('\n');
    expect(lines.find((l) => l.startsWith('  x: float64'))?.replace(/ +/g, ' ')).toBe(` x: float64 nulls 0 (0%) min 1, max 8, mean 4.5, sd ${Number(Math.sqrt(5.25).toPrecision(6))}`);
    expect(lines.find((l) => l.startsWith('  c: string'))?.replace(/ +/g, ' ')).toBe(' c: string nulls 1 (12.5%) 3 categories: "a" 57.1%, "b" 28.6%, "c" 14.3%');
  });

  it('JSON: the same, as a document for tools', async () => {
    const doc = JSON.parse((await fitted).explain({ format: 'json' })) as FittedExplainJson;
    expect(doc.trainingRows).toBe(8);
    expect(doc.input.map((f) => f.name)).toEqual(['x', 'c']);
    expect(doc.singleRow).toBe('compiled');
    expect(doc.plan[0]).toMatch(/^MatMul/);
    const std = doc.constants.find((k) => k.kind === 'standardize')!;
    expect(std).toMatchObject({ column: 'x', mean: 4.5, sd: Math.sqrt(5.25), provenance: { usedBy: 'ToMatrix', trainingRows: 8 } });
    const beta = doc.constants.find((k) => k.kind === 'matrix')!;
    expect(beta).toMatchObject({ rows: 5, cols: 1, dtype: 'float64', provenance: { learner: 'least squares (normal equations)', usedBy: 'MatMul' } });
    expect(beta.head).toHaveLength(5);
    const features = Object.fromEntries(doc.inputProfile!.features.map((f) => [f.name, f]));
    expect(features.x).toEqual({ name: 'x', dtype: 'float64', kind: 'numeric', rows: 8, nulls: 0, nullFraction: 0, nans: 0, min: 1, max: 8, mean: 4.5, std: Math.sqrt(5.25) });
    expect(features.c).toEqual({
      name: 'c',
      dtype: 'string',
      kind: 'categorical',
      rows: 8,
      nulls: 1,
      nullFraction: 1 / 8,
      categories: 3,
      top: [
        { category: 'a', fraction: 4 / 7 },
        { category: 'b', fraction: 2 / 7 },
        { category: 'c', fraction: 1 / 7 },
      ],
    });
  });

  it('a loaded artefact explains the same; one without a profile says so; other formats are refused', async () => {
    const f = await fitted;
    const doc = JSON.parse(JSON.stringify(f.toJSON()));
    expect(FittedPipeline.load(doc).explain()).toBe(f.explain());
    expect(FittedPipeline.load(doc).explain({ format: 'json' })).toBe(f.explain({ format: 'json' }));
    const bare = FittedPipeline.load({ ...doc, attachments: {} });
    expect(bare.explain()).toContain('Input profile: none (an artefact saved before fit() recorded one; fit again to check inputs)');
    expect(JSON.parse(bare.explain({ format: 'json' })).inputProfile).toBeNull();
    expect(() => f.explain({ format: 'dot' as never })).toThrow(PlanError);
  });

  it('shows the five most frequent categories and counts the rest', async () => {
    const many = fromColumns({ g: Array.from({ length: 40 }, (_, i) => `k${i % 8 === 0 ? 0 : i % 7}`), y: Array.from({ length: 40 }, (_, i) => i) }) as any;
    const G = many.toMatrix([{ onehot: 'g' }]);
    const text = (await fit(G.matmul(linearRegression(G, many.toMatrix(['y']), { ridge: 1 })))).explain();
    const line = text.split('\n').find((l) => l.startsWith('  g: string'))!;
    // k0 holds rows i % 8 == 0 and i % 7 == 0 (10 rows); k1..k6 hold 5 or 6 each.
    expect(line).toMatch(/7 categories: "k0" 25%, "k[1-6]" 1[25]\.?\d*%, .*, … 2 more$/);
    expect(line.match(/"k\d"/g)).toHaveLength(5);
  });
});
