/**
 * Tessera as a dependency: the packed tarball installs into a fresh project from the
 * local npm cache (offline), a strict TypeScript file compiles against its declarations
 * (with the repository's TypeScript 5.x, and TypeScript 7 when the npm cache has it) and
 * runs as ES module; a CommonJS file require()s it; and dist/ imports at load only the
 * runtime dependencies of package.json.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const here = join(root, 'test/package/consumer');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
};
// Timeouts leave room for a loaded machine: on an idle one the whole file takes about 30 s of CPU.
const work = mkdtempSync(join(tmpdir(), 'tessera-package-'));
const app = join(work, 'app');
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });
}

/** A command's exit status and output, whatever the status. */
async function settle(cmd: string, args: string[], cwd: string): Promise<{ status: number; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(cmd, args, { cwd, encoding: 'utf8' });
    return { status: 0, output: stdout + stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { status: typeof err.code === 'number' ? err.code : 1, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? jsFiles(path) : path.endsWith('.js') ? [path] : [];
  });
}

/** dist/ must be built from the current sources: `npm ci` builds it (prepare); a stale one is rebuilt here. */
function ensureBuilt(): void {
  const newest = (dir: string): number => Math.max(...readdirSync(dir).map((n) => (statSync(join(dir, n)).isDirectory() ? newest(join(dir, n)) : statSync(join(dir, n)).mtimeMs)));
  const built = join(root, 'dist/index.js');
  if (!existsSync(built) || statSync(built).mtimeMs < newest(join(root, 'src'))) run('npm', ['run', 'build'], root);
}

beforeAll(() => {
  ensureBuilt();
  // --ignore-scripts: pack the dist/ just built instead of building again.
  const [{ filename }] = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], root)) as { filename: string }[];
  run('mkdir', ['-p', app], work);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  for (const f of ['consumer.ts', 'consumer.cjs', 'tsconfig.json']) copyFileSync(join(here, f), join(app, f));
  const install = ['install', '--no-audit', '--no-fund', join(work, filename)];
  try {
    run('npm', [...install, '--offline'], app);
  } catch (e) {
    // A cache without every dependency (a fresh machine): the registry fills the gaps.
    console.warn(`package.test: the offline install failed (${String((e as Error).message).split('\n')[0]}); installing with --prefer-offline`);
    run('npm', [...install, '--prefer-offline'], app);
  }
  // Both compilers at once: each takes seconds, and they do not share work.
  ts5 = settle(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', '.'], app);
  ts7 = settle('npx', ['--offline', '-y', '-p', 'typescript@7', 'tsc', '-p', '.', '--noEmit'], app);
}, 240_000);

let ts5: Promise<{ status: number; output: string }>;
let ts7: Promise<{ status: number; output: string }>;

describe('the packed package in a fresh project', () => {
  it('compiles a strict TypeScript file with the repository TypeScript (5.x) and runs it as ES module', async () => {
    expect(run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--version'], app)).toMatch(/Version 5\./);
    expect(await ts5).toEqual({ status: 0, output: '' });
    const out = run(process.execPath, ['out/consumer.js'], app).split('\n');
    expect(JSON.parse(out[0])).toEqual({ written: 2, rows: [{ city: 'Lyon', n: 1, revenue: 20 }, { city: 'Paris', n: 1, revenue: 28.5 }] });
    expect(out).toContain('│ Lyon   │     1 │       20 │');
    expect(out).toContain('errors are TesseraErrors: true');
  }, 180_000);

  it('compiles with TypeScript 7 when the npm cache has it', async (ctx) => {
    const result = await ts7;
    const version = await settle('npx', ['--offline', '-y', '-p', 'typescript@7', 'tsc', '--version'], app);
    if (version.status !== 0 || !/Version 7\./.test(version.output)) {
      console.warn('package.test: TypeScript 7 is not in the npm cache (npx --offline -p typescript@7 failed); skipped');
      ctx.skip();
    }
    expect(result).toEqual({ status: 0, output: '' });
  }, 180_000);

  it('require() from CommonJS loads it (Node >= 20.19 loads ES modules without top-level await)', () => {
    expect(JSON.parse(run(process.execPath, ['consumer.cjs'], app))).toEqual([{ k: 'a', n: 2 }, { k: 'b', n: 1 }]);
  });

  it('the CLI runs from the installed package; a .ts module without tsx (an optional peer) says how to get it', () => {
    writeFileSync(join(app, 'pipeline.mjs'), "import { fromColumns } from 'tessera';\nexport default fromColumns({ a: [1, 2, 3] }).filter((r) => r.a.gt(1));\n");
    expect(run(process.execPath, ['node_modules/tessera/bin/tessera.js', 'explain', 'pipeline.mjs', '--analyze'], app)).toMatch(/result 2 rows/);
    const ts = spawnSync(process.execPath, ['node_modules/tessera/bin/tessera.js', 'explain', 'consumer.ts'], { cwd: app, encoding: 'utf8' });
    expect(ts.stderr).toBe('tessera explain: loading a TypeScript module needs tsx, which is not installed: run `npm install --save-dev tsx`, or compile the module to .js and explain that\n');
    expect(ts.status).toBe(1);
  });

  it('installs only the runtime dependencies: no tsx, TypeScript, DuckDB or TF.js', () => {
    const installed = readdirSync(join(app, 'node_modules'));
    for (const name of ['tsx', 'typescript', '@duckdb', '@tensorflow', 'vitest']) expect(installed, name).not.toContain(name);
    for (const name of Object.keys(pkg.dependencies)) expect(installed, name).toContain(name);
  });
});

describe('dist/ imports', () => {
  const files = jsFiles(join(root, 'dist'));
  const bare = (spec: string) => !spec.startsWith('.') && !spec.startsWith('node:');
  const packageOf = (spec: string) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');

  it('load only runtime dependencies statically; optional pieces (ONNX Runtime, TF.js, tsx, hyparquet-writer) on demand', () => {
    const staticImports = new Set<string>();
    const onDemand = new Set<string>();
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gm)) if (bare(m[1])) staticImports.add(packageOf(m[1]));
      for (const m of text.matchAll(/^import\s+'([^']+)'/gm)) if (bare(m[1])) staticImports.add(packageOf(m[1]));
      for (const m of text.matchAll(/(?:import|req|require)\('([^'$]+)'\)/g)) if (bare(m[1])) onDemand.add(packageOf(m[1]));
    }
    expect([...staticImports].sort()).toEqual(Object.keys(pkg.dependencies).filter((d) => staticImports.has(d) || !onDemand.has(d)).sort());
    const optional = new Set([...Object.keys(pkg.optionalDependencies ?? {}), ...Object.entries(pkg.peerDependenciesMeta ?? {}).filter(([, m]) => m.optional).map(([n]) => n)]);
    for (const name of onDemand) expect(optional.has(name) || name in pkg.dependencies, `${name} is imported on demand but is no dependency`).toBe(true);
    expect(staticImports.has('@duckdb/node-api')).toBe(false);
    expect(onDemand).toContain('tsx');
  });

  it('have no top-level await outside the CLI (require() of the package would fail)', () => {
    for (const file of files.filter((f) => !f.includes('/dist/cli/'))) expect(readFileSync(file, 'utf8'), file).not.toMatch(/^\S[^\n]*\bawait\b/m);
  });
});
