import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExplainJson } from '../../src/explain/json.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = 'test/fixtures/explain-pipeline.ts';
const tmp = mkdtempSync(join(tmpdir(), 'tessera-explain-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** `tessera …` in development: node with tsx as the loader, from the repository root. */
function tessera(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function module(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

describe('tessera explain', () => {
  it('prints JSON for the default export of a TypeScript module', () => {
    const r = tessera('explain', fixture, '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout) as ExplainJson;
    expect(json.logical.operator).toBe('aggregate');
    expect(Array.isArray(json.rulesFired)).toBe(true);
    expect(typeof json.cost.before).toBe('number');
    expect(typeof json.cost.after).toBe('number');
  });

  it('prints text, with analyze and verbose, and DOT', () => {
    const text = tessera('explain', fixture, '--analyze', '--verbose');
    expect(text.status).toBe(0);
    for (const s of ['Logical plan (as built)', 'Optimized plan', 'Rules fired', 'Actual: ran in', '→ [country: string']) expect(text.stdout).toContain(s);
    const asBuilt = tessera('explain', fixture, '--analyze', '--no-optimize');
    expect(asBuilt.status).toBe(0);
    expect(asBuilt.stdout).toMatch(/^\s+12\s+11\s+.*└─ Join inner on customer$/m);
    const dot = tessera('explain', fixture, '--dot');
    expect(dot.status).toBe(0);
    expect(dot.stdout).toMatch(/^digraph tessera \{[\s\S]*\}\n$/);
  });

  it('prints one HTML page with --html, with the measured figures after --analyze', () => {
    const r = tessera('explain', fixture, '--html', '--analyze');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.startsWith('<!DOCTYPE html>\n')).toBe(true);
    expect(r.stdout.trimEnd().endsWith('</html>')).toBe(true);
    const json = JSON.parse(/<script type="application\/json" id="tessera-explain">([\s\S]*?)<\/script>/.exec(r.stdout)![1]) as ExplainJson;
    expect(json.logical.operator).toBe('aggregate');
    expect(json.analyze?.totalMs).toBeGreaterThan(0);
    const both = tessera('explain', fixture, '--html', '--dot');
    expect([both.status, both.stderr]).toEqual([2, 'tessera explain: --dot and --html exclude each other\n']);
  });

  it('accepts a default export that is a function returning a pipeline, and JavaScript modules', () => {
    const fn = module('factory.ts', `import { build } from ${JSON.stringify(pathToFileURL(join(root, fixture)).href)};\nexport default async () => build();\n`);
    const r = tessera('explain', fn, '--no-optimize');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Optimized plan (optimizer off: the plan as built)');
    // A .mjs module loads with import() (here it reaches the TypeScript fixture through the tsx loader).
    const js = module('pipeline.mjs', `import { build } from ${JSON.stringify(pathToFileURL(join(root, fixture)).href)};\nexport default build;\n`);
    const j = tessera('explain', js, '--json');
    expect(j.status).toBe(0);
    expect((JSON.parse(j.stdout) as ExplainJson).logical.operator).toBe('aggregate');
  });

  it.each([
    ['a missing file', () => 'test/fixtures/does-not-exist.ts', /^tessera explain: cannot find module 'test\/fixtures\/does-not-exist\.ts' \(looked for .*\)\n$/],
    ['a module without a default export', () => module('named.mjs', 'export const pipeline = 1;\n'), /^tessera explain: '.*named\.mjs' has no default export; add `export default pipeline`/],
    ['a TypeScript module without a default export', () => module('named.ts', 'export const pipeline: number = 1;\n'), /has no default export/],
    ['a default export that is not a pipeline', () => module('number.mjs', 'export default 42;\n'), /^tessera explain: the default export of '.*number\.mjs' is a number \(42\), not a pipeline/],
    ['a function returning something else', () => module('object.mjs', 'export default () => ({ plan: 1 });\n'), /is a function that returned a plain object, not a pipeline/],
  ])('exits with 2 and one line for %s', (_, path, message) => {
    const r = tessera('explain', path());
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('exits with 2 on a bad command line, and 1 when the module throws', () => {
    expect(tessera('explain').status).toBe(2);
    const both = tessera('explain', fixture, '--json', '--dot');
    expect([both.status, both.stderr]).toEqual([2, 'tessera explain: --json and --dot exclude each other\n']);
    const unknown = tessera('explain', fixture, '--fast');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option '--fast'/);
    const throws = tessera('explain', module('throws.mjs', 'throw new Error("bad data\\nsecond line");\n'));
    expect(throws.status).toBe(1);
    expect(throws.stderr).toBe(`tessera explain: '${join(tmp, 'throws.mjs')}' failed to load: Error: bad data\n`);
  });

  it('places matrix work as --provider and --device say, and rejects values it does not know', () => {
    const json = JSON.parse(tessera('explain', fixture, '--json', '--provider', 'js', '--device', 'cpu').stdout) as ExplainJson;
    expect(json.physical.request).toEqual({ device: 'cpu', provider: 'js' });
    const bad = tessera('explain', fixture, '--provider', 'cuda');
    expect([bad.status, bad.stderr]).toEqual([2, "tessera explain: --provider expects one of auto, js, onnxruntime, tfjs, got 'cuda'\n"]);
    const missing = tessera('explain', fixture, '--device');
    expect([missing.status, missing.stderr]).toEqual([2, 'tessera explain: --device expects one of auto, cpu, gpu\n']);
  });

  it('exits with 1 and one line when the pipeline of a module throws a TesseraError of its own copy of Tessera', () => {
    // The module gets its own instances of Tessera's classes (tsx loads it apart), so this
    // relies on the TesseraError brand rather than on the prototype chain.
    const csv = join(tmp, 'bad.csv');
    writeFileSync(csv, 'a,c\n1,2024-01-01\n2,nope\n');
    const index = JSON.stringify(pathToFileURL(join(root, 'src/index.ts')).href);
    const reads = module('reads-bad.ts', `import { readCsv } from ${index};\nexport default readCsv(${JSON.stringify(csv)}, { schema: { a: 'int32', c: 'date' } }).filter((r) => r.a.gt(1)).select('c');\n`);
    // Planning does not decode the column; running the plan does, and reports it.
    const planned = tessera('explain', reads);
    expect(planned.stderr).toBe('');
    expect(planned.status).toBe(0);
    const run = tessera('explain', reads, '--analyze');
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`tessera explain: SourceError: ${csv}: line 3, column 'c': cannot parse 'nope' as date\n`);
    expect(run.status).toBe(1);
    // A PlanError raised while the module builds its pipeline, from a default-exported function.
    const plan = module('plan-error.ts', `import { matrix } from ${index};\nexport default () => matrix([[1, 2]]).lstsq(matrix([[1]]), Infinity);\n`);
    const built = tessera('explain', plan);
    expect(built.status).toBe(1);
    expect(built.stderr).toMatch(/^tessera explain: the function exported by default from '.*plan-error\.ts' threw: PlanError: lstsq: expected a finite, non-negative ridge penalty, got Infinity\n$/);
  });

  it('lists explain in the usage text', () => {
    const r = tessera('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/explain <module>[\s\S]*--verbose[\s\S]*--analyze[\s\S]*--json[\s\S]*--dot[\s\S]*--html/);
  });
});
