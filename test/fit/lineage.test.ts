/**
 * Lineage: source fingerprints change when a source changes and stay the same when it
 * does not (in-memory columns, small files by content, large files by size, time and
 * samples); the plan digest is the same in any process for the same plan; `tessera
 * inspect` prints the lineage and `tessera diff` says what changed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fit, fromColumns, linearRegression, readCsv } from '../../src/index.js';
import { fingerprintFile, fingerprintSource } from '../../src/fit/lineage.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'tessera-lineage-'));

function csv(name: string, rows: number, tweak = 0): string {
  const path = join(dir, name);
  const lines = ['x,g,y'];
  for (let i = 0; i < rows; i++) lines.push(`${i % 17},${i % 3 === 0 ? 'a' : 'b'},${(i % 17) * 2 + (i === 5 ? tweak : 0) + (i % 5) * 0.1}`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

function model(path: string, ridge = 0) {
  const rel = readCsv(path) as any;
  const X = rel.toMatrix(['x', { onehot: 'g', dropFirst: true }], { intercept: true });
  return X.matmul(linearRegression(X, rel.toMatrix(['y']), { ridge }));
}

function tessera(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
}

describe('lineage', () => {
  it('in-memory sources: the same values give the same fingerprint, one changed value another', async () => {
    const make = (v: number, s: string | null) => fromColumns({ x: Float64Array.of(1, 2, v), s: ['p', s, 'q'] });
    const a = await fingerprintSource(make(3, 'r').plan.kind === 'scan' ? (make(3, 'r').plan as any).args.source : null);
    const same = await fingerprintSource((make(3, 'r').plan as any).args.source);
    const value = await fingerprintSource((make(3.5, 'r').plan as any).args.source);
    const nulled = await fingerprintSource((make(3, null).plan as any).args.source);
    expect(a.method).toBe('columns-sha256');
    expect(same.sha256).toBe(a.sha256);
    expect(value.sha256).not.toBe(a.sha256);
    expect(nulled.sha256).not.toBe(a.sha256);
  });

  it('files: content hash for small files (rewriting the same bytes keeps it), size + mtime + samples for large ones', () => {
    const p = csv('small.csv', 50);
    const first = fingerprintFile(p);
    expect(first.method).toBe('content-sha256');
    utimesSync(p, new Date(2020, 1, 1), new Date(2020, 1, 1));
    expect(fingerprintFile(p).sha256).toBe(first.sha256);
    csv('small.csv', 50, 1);
    expect(fingerprintFile(p).sha256).not.toBe(first.sha256);
    const big = fingerprintFile(p, { largeFileBytes: 100 });
    expect(big.method).toBe('size-mtime-sampled-sha256');
    expect(fingerprintFile(p, { largeFileBytes: 100 }).sha256).toBe(big.sha256);
    utimesSync(p, new Date(2021, 1, 1), new Date(2021, 1, 1));
    expect(fingerprintFile(p, { largeFileBytes: 100 }).sha256).not.toBe(big.sha256);
  });

  it('records the plan digest, sources, rows and versions; equal fits agree, changed data or parameters show in diff', async () => {
    const p = csv('train.csv', 200);
    const a = await fit(model(p));
    const again = await fit(model(p));
    expect(again.lineage.planDigest).toBe(a.lineage.planDigest);
    expect(again.lineage.sources).toEqual(a.lineage.sources);
    expect(a.lineage.sources[0]).toMatchObject({ kind: 'file', path: p, method: 'content-sha256', rows: 200, columns: ['x', 'g', 'y'] });
    expect(a.lineage.trainingRows).toBe(200);
    expect(a.lineage.tessera).toBe('0.1.0');
    expect(a.lineage.providers.map((x) => x.name)).toContain('js');
    const ridge = await fit(model(p, 2));
    expect(ridge.lineage.planDigest).not.toBe(a.lineage.planDigest);
    const aPath = join(dir, 'a.json');
    const bPath = join(dir, 'b.json');
    const cPath = join(dir, 'c.json');
    a.save(aPath);
    again.save(bPath);
    const p2 = csv('train.csv', 200, 40);
    expect(p2).toBe(p);
    (await fit(model(p))).save(cPath);

    const inspect = tessera('inspect', aPath);
    expect(inspect.status).toBe(0);
    expect(inspect.stdout).toContain(`file ${p}`);
    expect(inspect.stdout).toMatch(/content-sha256 [0-9a-f]{64}/);
    expect(inspect.stdout).toContain('over 200 training rows');
    expect(inspect.stdout).toContain(`plan        ${a.lineage.planDigest}`);
    expect(inspect.stdout).toMatch(/param0 3×1 float64/);

    const same = tessera('diff', aPath, bPath);
    expect(same.stdout).toContain('same data, plan and parameters');
    expect(same.status).toBe(0);
    const changed = tessera('diff', aPath, cPath);
    expect(changed.status).toBe(1);
    expect(changed.stdout).toMatch(/Data:\n {2}source \[0\] train\.csv: content changed \(content-sha256 [0-9a-f]{12} → [0-9a-f]{12}\)/);
    expect(changed.stdout).toMatch(/Parameters:\n {2}param0 \(least squares \(normal equations\)\): \d of 3 values differ/);
    expect(changed.stdout).not.toContain('Plan:');
    const json = JSON.parse(tessera('diff', aPath, cPath, '--json').stdout);
    expect(json.plan).toEqual([]);
    expect(json.data).toHaveLength(1);

    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"format": "something else"}');
    const bad = tessera('inspect', broken);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('ArtefactError');
    expect(tessera('diff', aPath).status).toBe(2);
  });

  it('records metrics computed over the training data', async () => {
    const rel = fromColumns({ x: [1, 2, 3, 4], y: [2, 4.1, 5.9, 8.2] });
    const X = rel.toMatrix(['x'], { intercept: true });
    const Y = rel.toMatrix(['y']);
    const pred = X.matmul(linearRegression(X, Y));
    const fitted = await fit(pred, { metrics: { mse: pred.sub(Y).pow(2).mean() } });
    const r = (await pred.sub(Y).pow(2).mean().collect()).data[0];
    expect(fitted.lineage.metrics).toEqual({ mse: r });
  });
});
